"""Highlights: the words a query looks for, marked in a record's own text, and snippets.

Works on the parsed query's terms and compares diacritic-folded words, so "ca mau" marks
"Cà Mau" and NFD text marks like NFC. Offsets are into the original text: the page shows the
member's text exactly. The result is segments ``(text, matched)``, never HTML, so templates
escape every piece.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from whoosh.query import AndNot, Phrase, Query, Term

from catalog.normalize import fold
from index.query import parse_query

Segment = tuple[str, bool]  # a piece of the original text and whether it matched

# The fields whose terms may mark each text (exact and folded; see index.schema).
TITLE_FIELDS = frozenset({"title", "title_f"})
DESCRIPTION_FIELDS = frozenset({"other", "other_f"})
# A word as the index tokenizes it (\w+ on NFC), plus the combining marks that follow its
# letters in NFD text: under NFD, \w alone would split "đồng" at each mark.
_WORD = re.compile(r"(?:\w|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+")
_BEFORE = 40  # characters of context a snippet keeps before its first match
SNIPPET_LENGTH = 200  # characters of a description snippet, about two lines


@dataclass(frozen=True, slots=True)
class Highlighter:
    """The folded words a query looks for in titles and in descriptions."""

    title_words: frozenset[str]
    description_words: frozenset[str]

    @classmethod
    def for_text(cls, text: str) -> Highlighter:
        """Return the highlighter of a reader's query (raises QueryError like parse_query)."""
        parsed = parse_query(text)
        if parsed.is_empty:
            return cls(frozenset(), frozenset())
        return cls.for_query(parsed.query)

    @classmethod
    def for_query(cls, query: Query) -> Highlighter:
        terms = list(_positive_terms(query))
        return cls(
            title_words=_folded(word for field, word in terms if field in TITLE_FIELDS),
            description_words=_folded(word for field, word in terms if field in DESCRIPTION_FIELDS),
        )

    def title(self, text: str) -> tuple[Segment, ...]:
        """Return the whole title as segments, its matched words marked."""
        return mark(text, self.title_words)

    def description(self, text: str, *, length: int = SNIPPET_LENGTH) -> tuple[Segment, ...]:
        """Return a snippet of about ``length`` characters around the first matches."""
        return snippet(text, self.description_words, length=length)


def mark(text: str, words: frozenset[str]) -> tuple[Segment, ...]:
    """Split ``text`` into segments, marking each word whose folded form is in ``words``.

    Matched words separated only by spaces make one segment ("Cà Mau"). The segments join
    back to ``text`` exactly.
    """
    if not text:
        return ()
    if not words:
        return ((text, False),)
    spans = _matched_spans(text, words)
    segments: list[Segment] = []
    position = 0
    for start, end in spans:
        if start > position:
            segments.append((text[position:start], False))
        segments.append((text[start:end], True))
        position = end
    if position < len(text):
        segments.append((text[position:], False))
    return tuple(segments)


def snippet(
    text: str, words: frozenset[str], *, length: int = SNIPPET_LENGTH
) -> tuple[Segment, ...]:
    """Return about ``length`` characters of ``text`` from just before its first match.

    Cuts fall on word boundaries and are shown by "…"; a text without matches gives its start.
    """
    text = " ".join(text.split())  # descriptions carry the member's line breaks
    if len(text) <= length:
        return mark(text, words)
    first = _first_match(text, words) if words else None
    start = 0
    if first is not None and first > _BEFORE:
        start = _word_start(text, first - _BEFORE)
        if len(text) - start < length:  # near the end: show the last ``length`` characters
            start = _word_start(text, len(text) - length)
    end = start + length
    if end < len(text):
        cut = text.rfind(" ", start, end + 1)
        end = cut if cut > start else end
    segments = list(mark(text[start:end].strip(), words))
    if start > 0:
        segments.insert(0, ("…", False))
    if end < len(text):
        segments.append(("…", False))
    return tuple(segments)


def _positive_terms(query: Query) -> Iterable[tuple[str, str]]:
    """Yield (field, word) of every term and phrase word a match may contain (not NOT's)."""
    if isinstance(query, AndNot):
        yield from _positive_terms(query.a)
    elif isinstance(query, Term):
        if isinstance(query.text, str):
            yield query.fieldname, query.text
    elif isinstance(query, Phrase):
        for word in query.words:
            yield query.fieldname, word
    else:
        for child in query.children():
            yield from _positive_terms(child)


def _folded(words: Iterable[str]) -> frozenset[str]:
    return frozenset(fold(word) for word in words)


def _matched_spans(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for found in _WORD.finditer(text):
        if _fold_word(found.group()) in words:
            start, end = found.span()
            if spans and not text[spans[-1][1] : start].strip():
                spans[-1] = (spans[-1][0], end)  # only spaces between: one mark
            else:
                spans.append((start, end))
    return spans


def _first_match(text: str, words: frozenset[str]) -> int | None:
    # Most descriptions hold no query word at all: one fold of the whole text says so.
    folded = set(_WORD.findall(fold(text)))
    if folded.isdisjoint(words):
        return None
    for found in _WORD.finditer(text):
        if _fold_word(found.group()) in words:
            return found.start()
    return None


def _word_start(text: str, position: int) -> int:
    """Return the start of the first whole word at or after ``position``."""
    if position <= 0 or text[position - 1] == " ":
        return max(position, 0)
    space = text.find(" ", max(position, 0))
    return space + 1 if space >= 0 and space < len(text) - 1 else max(position, 0)


@functools.lru_cache(maxsize=20_000)
def _fold_word(word: str) -> str:
    """Fold one word of a record; the same words recur page after page."""
    return fold(word)
