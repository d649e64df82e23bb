"""The readers' query language, parsed by us into Whoosh queries. It never fails on syntax.

    cà mau                    every word must match, in any field
    "địa chí cà mau"          a phrase
    tác giả:"sơn nam"         a field, in Vietnamese or English: nhan đề/title, tác giả/author,
                              chủ đề/subject, nơi/place, năm/year (năm:1945-1975 is a range)
    huế OR hue, cà mau NOT bản đồ, -bản   operators, also HOẶC, KHÔNG (upper case only: "và"
                              and "không" in lower case are ordinary words of titles)

A word with Vietnamese marks searches the exact fields (boosted) and the folded ones; a word
without marks searches only the folded fields, so undiacritised records do not outrank
accented ones. Adjacent plain words also match the bigram field, ranking phrases first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh.query import And, AndMaybe, AndNot, Every, NumericRange, Or, Phrase, Query, Term

from catalog.errors import QueryError
from catalog.normalize import fold
from index.schema import SEARCH_GROUPS
from index.text import prepare

MAX_LENGTH = 500
_WORD = re.compile(r"\w+")

# Reader-facing field names → our fields, matched without regard to case. "nam" and "noi"
# (năm, nơi typed without marks) are words of titles too ("Việt Nam: …", "Hà Nội: …"), so
# they are prefixes only when the value follows at once: "nam:1945-1975", "noi:cà mau".
_ALIASES = {
    "title": "title", "nhan đề": "title", "nhan de": "title", "tên": "title",
    "author": "creators", "creator": "creators", "tác giả": "creators", "tac gia": "creators",
    "subject": "subjects", "chủ đề": "subjects", "chu de": "subjects",
    "place": "places", "nơi": "places", "địa danh": "places", "dia danh": "places",
    "year": "year", "năm": "year",
}  # fmt: skip
_BOOSTS = {"title": 6.0, "creators": 3.0, "subjects": 3.0, "places": 3.0, "provinces": 1.0,
           "description": 1.0, "publisher": 1.0, "main": 3.0, "other": 1.0}  # fmt: skip
_PLAIN_FIELDS = tuple(SEARCH_GROUPS)  # what a word without a field prefix searches
# A field prefix can stand for several fields: a place is also looked for among provinces.
_FIELD_GROUPS = {"places": ("places", "provinces")}
_OR = {"OR", "HOẶC", "HOAC"}
_AND = {"AND", "VÀ", "VA"}
_NOT = {"NOT", "KHÔNG", "KHONG"}
_BIGRAM_BOOST = 4.0

# A field prefix: one of the aliases, in any case or diacritics, then ":".
_PREFIX = re.compile(
    r"(?<!\w)("
    + "|".join(sorted({re.escape(a) for a in _ALIASES}, key=len, reverse=True))
    + r")\s*:\s*"
    + r"|(?<!\w)(nam):(?=\d)|(?<!\w)(noi):(?=[^\s:])",
    re.IGNORECASE,
)
_BARE = {"nam": "year", "noi": "places"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedQuery:
    """A reader's query as Whoosh will run it."""

    query: Query
    words: tuple[str, ...]  # the plain words, for "did you mean"
    is_empty: bool


def parse_query(text: str) -> ParsedQuery:
    """Parse a reader's query; raises QueryError only for an overlong query."""
    if len(text) > MAX_LENGTH:
        raise QueryError(f"the query is {len(text)} characters long; the limit is {MAX_LENGTH}")
    text = prepare(text).strip()
    tokens = _tokens(text)
    if not tokens:
        return ParsedQuery(query=Every(), words=(), is_empty=True)
    groups: list[list[tuple[bool, Query]]] = [[]]
    words: list[str] = []
    run: list[str] = []  # consecutive plain words, for bigrams
    negate = False
    bigrams: list[Query] = []
    for kind, field, value in tokens:
        if kind == "op":
            _flush_bigrams(run, bigrams)
            if value in _OR and groups[-1]:
                groups.append([])
            elif value in _NOT:
                negate = True
            continue
        if value.startswith("-") and kind == "word" and len(value) > 1:
            negate, value = True, value[1:]
        clause = _clause(kind, field, value)
        if clause is None:
            continue
        if kind == "word" and field is None and not negate:
            words.append(value)
            run.append(value)
        else:
            _flush_bigrams(run, bigrams)
        groups[-1].append((negate, clause))
        negate = False
    _flush_bigrams(run, bigrams)
    alternatives = [_group(group) for group in groups if group]
    alternatives = [query for query in alternatives if query is not None]
    if not alternatives:
        return ParsedQuery(query=Every(), words=(), is_empty=True)
    query: Query = alternatives[0] if len(alternatives) == 1 else Or(alternatives)
    if bigrams:
        query = AndMaybe(query, Or(bigrams))
    return ParsedQuery(query=query, words=tuple(words), is_empty=False)


def _tokens(text: str) -> list[tuple[str, str | None, str]]:
    """Split into ("op"|"word"|"phrase", field, value); unbalanced quotes are dropped."""
    if text.count('"') % 2:
        text = text.replace('"', " ")
    marked = _PREFIX.sub(lambda m: f"\x00{_field_of(m)}\x01", text)
    tokens: list[tuple[str, str | None, str]] = []
    for match in re.finditer(r'(?:\x00(\w+)\x01)?("([^"]*)"|[^\s"]+)?', marked):
        field, whole, phrase = match.group(1), match.group(2), match.group(3)
        if whole is None:
            continue
        if phrase is not None:
            tokens.append(("phrase", field, phrase))
        elif field is None and whole in _OR | _AND | _NOT:
            tokens.append(("op", None, whole))
        else:
            tokens.append(("word", field, whole))
    return tokens


def _field_of(match: re.Match[str]) -> str:
    if match.group(1):
        return _ALIASES[match.group(1).lower()]
    return _BARE[(match.group(2) or match.group(3)).lower()]


def _clause(kind: str, field: str | None, value: str) -> Query | None:
    if field == "year":
        return _years(value)
    fields = _FIELD_GROUPS.get(field, (field,)) if field else _PLAIN_FIELDS
    words = [word.lower() for word in _WORD.findall(value)]
    if not words:
        return None
    if kind == "phrase" and len(words) > 1:
        return Or([_phrase(name, words) for name in fields])
    return (
        And([_word(fields, word) for word in words]) if len(words) > 1 else _word(fields, words[0])
    )


def _word(fields: tuple[str, ...], word: str) -> Query:
    folded = fold(word)
    clauses: list[Query] = [Term(f"{name}_f", folded, boost=_BOOSTS[name] / 2) for name in fields]
    if folded != word:  # the reader typed marks: exact matches rank first
        clauses += [Term(name, word, boost=_BOOSTS[name]) for name in fields]
    return Or(clauses)


def _phrase(field: str, words: list[str]) -> Query:
    folded = [fold(word) for word in words]
    clauses: list[Query] = [Phrase(f"{field}_f", folded, boost=_BOOSTS[field] / 2)]
    if folded != words:
        clauses.append(Phrase(field, words, boost=_BOOSTS[field]))
    return Or(clauses)


def _years(value: str) -> Query | None:
    found = re.fullmatch(r"(\d{3,4})(?:\s*[-–]\s*(\d{3,4}))?", value.strip())
    if not found:
        return None
    start = int(found.group(1))
    end = int(found.group(2) or start)
    start, end = min(start, end), max(start, end)
    # Overlap of [year, year_to] with [start, end].
    return And([NumericRange("year", None, end), NumericRange("year_to", start, None)])


def _flush_bigrams(run: list[str], bigrams: list[Query]) -> None:
    for first, second in zip(run, run[1:], strict=False):
        bigrams.append(Term("title_bi", f"{fold(first)}_{fold(second)}", boost=_BIGRAM_BOOST))
        bigrams.append(Term("text_bi", f"{fold(first)}_{fold(second)}", boost=_BIGRAM_BOOST / 2))
    run.clear()


def _group(group: list[tuple[bool, Query]]) -> Query | None:
    positive = [clause for negated, clause in group if not negated]
    negative = [clause for negated, clause in group if negated]
    base: Query = And(positive) if len(positive) > 1 else positive[0] if positive else Every()
    if negative:
        base = AndNot(base, Or(negative))
    return base
