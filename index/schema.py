"""The Whoosh schema and the Record → document conversion.

Each searchable text is indexed twice: exact (NFC, lower-cased, diacritics kept) and folded
(diacritics removed, đ → d), so "ca mau" finds "Cà Mau" and "Cà Mau" ranks exact matches first.
Only stock Whoosh analyzers: the schema is pickled into the index and must stay importable.
"""

from __future__ import annotations

import re

from whoosh.analysis import BiWordFilter, CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

from catalog.models import StoredRecord
from catalog.normalize import fold
from index.collation import sort_key
from index.text import prepare

SCHEMA_VERSION = "7"  # 7: "hoặc", "ngoặt" keep their tone on ă (index.text.prepare)

# \w+ on NFC text: under NFD, \w splits words at combining marks ("đồng" → "đo", "ng").
EXACT = RegexTokenizer(r"\w+") | LowercaseFilter()
FOLDED = RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)
# Folded syllable pairs ("dia_chi", "ca_mau"): one term lookup ranks phrases first, where a
# Whoosh phrase query over syllables is slow (notes: p95 0.7 s at 50k records).
BIGRAMS = FOLDED | BiWordFilter(sep="_")

_HAS_WORD = re.compile(r"\w")
_WORDS = re.compile(r"\w+")

# Type-ahead reads the lexicon of one field, no stored fields: each term is a kind letter, the
# folded words of a value from one of its first words on, a separator and the value as shown
# ("pca mau\x1fCà Mau"), so a prefix lookup finds "Cà Mau" for "ca m" and "Địa chí Cà Mau"
# for "ca m" too. A whole-line tokenizer keeps the stock analyzers (the schema is pickled).
SUGGEST_KINDS = {"title": "t", "subject": "s", "place": "p", "creator": "c"}
SUGGEST_SEPARATOR = "\x1f"
_SUGGEST_LINES = RegexTokenizer(r"[^\n]+")
_SUGGEST_STARTS = 6  # word positions a value can be typed from
_SUGGEST_DISPLAY = 120  # characters
# Subjects as facet values: one term per subject, as the catalog writes it (a subject may
# hold commas: "Lịch sử, văn hóa"), so a line tokenizer rather than KEYWORD's commas.
SUBJECT_SEPARATOR = "\n"
_SUBJECT_LENGTH = 200  # characters of a subject kept as a facet value
_TITLE_KEY = 200  # characters of a title's sort key

# "provinces" holds the provinces a record names and those of today (since the 2025 merger),
# so a search for today's Cần Thơ also finds documents about Sóc Trăng and Hậu Giang.
TEXT_FIELDS = (
    "title", "creators", "subjects", "places", "provinces", "description", "publisher",
)  # fmt: skip
# The texts a query can name (nhan đề:, tác giả:, chủ đề:, nơi:) are also indexed on their own;
# description and publisher only in their group: a fifth of all postings, never queried alone
# (measured at 6,900 records: 314,000 of 1.53 million postings).
OWN_FIELDS = ("title", "creators", "subjects", "places", "provinces")
# A plain query searches three groups, not every field: each field is one more clause per word
# and matching cost grows with clauses (measured: 7 fields ×2 forms took 35 ms a query at 7,000
# records). Field prefixes (tác giả:, nơi:) still search their own field.
SEARCH_GROUPS = {
    "title": ("title",),
    "main": ("creators", "subjects", "places", "provinces"),
    "other": ("description", "publisher"),
}


def make_schema() -> Schema:
    """Return the schema every index of this version uses."""
    schema = Schema(
        key=ID(unique=True, stored=True),
        cluster=ID(stored=True, sortable=True),
        library=ID(stored=True, sortable=True),
        kind=ID(stored=True, sortable=True),
        language=KEYWORD(stored=True, commas=True, sortable=True),
        decade=ID(stored=True, sortable=True),
        province=KEYWORD(stored=True, commas=True, sortable=True),
        subject=KEYWORD(analyzer=_SUGGEST_LINES, sortable=True),
        # signed=False breaks open-ended NumericRange in whoosh 2.7 (matches everything).
        year=NUMERIC(int, stored=True, sortable=True),
        year_to=NUMERIC(int),
        title_bi=TEXT(analyzer=BIGRAMS, phrase=False),
        text_bi=TEXT(analyzer=BIGRAMS, phrase=False),
        title_sort=ID(sortable=True),
        display=STORED(),
        suggest=TEXT(analyzer=_SUGGEST_LINES, phrase=False),
    )
    for name in OWN_FIELDS + ("main", "other"):
        schema.add(name, TEXT(analyzer=EXACT, stored=name == "title", phrase=True))
        schema.add(f"{name}_f", TEXT(analyzer=FOLDED, phrase=True))
    return schema


def to_document(stored: StoredRecord) -> dict[str, object]:
    """Turn one live stored record into a Whoosh document."""
    record = stored.record
    texts = {
        "title": record.title or "",
        "creators": "\n".join(record.creators),
        "subjects": "\n".join(record.subjects),
        "places": "\n".join(record.places),
        "provinces": "\n".join(dict.fromkeys(record.provinces + record.provinces_today)),
        "description": record.description or "",
        "publisher": record.publisher or "",
    }
    document: dict[str, object] = {
        "key": record.key,
        "cluster": stored.cluster,
        "library": record.library,
        "kind": record.kind,
        "language": ",".join(record.languages),
        "province": ",".join(record.provinces_today),
        "title_sort": title_sort_key(record.title),
        "display": {
            "creators": list(record.creators),
            "date": record.date,
            "year_from": record.year_from,
            "year_to": record.year_to,
            "thumbnail": record.thumbnail,
        },
    }
    subjects = subject_values(record.subjects)
    if subjects:
        document["subject"] = SUBJECT_SEPARATOR.join(subjects)
    if record.year_from is not None:
        document["year"] = record.year_from
        document["year_to"] = record.year_to if record.year_to is not None else record.year_from
        document["decade"] = f"{record.year_from // 10 * 10}s"
    prepared = {name: prepare(text) for name, text in texts.items()}
    for name in OWN_FIELDS:
        document[name] = document[f"{name}_f"] = prepared[name]
    for group in ("main", "other"):
        text = "\n".join(prepared[name] for name in SEARCH_GROUPS[group])
        document[group] = document[f"{group}_f"] = text
    # A pair across two values ("chi_ca" from "Địa chí" / "Cà Mau") is harmless noise.
    pairs = {
        "title_bi": prepared["title"],
        "text_bi": "\n".join(prepared[name] for name in ("subjects", "places", "creators")),
    }
    for name, text in pairs.items():
        # whoosh 2.7's BiWordFilter raises UnboundLocalError on a text without any word.
        if _HAS_WORD.search(text):
            document[name] = text
    values = {
        "title": (record.title,) if record.title else (),
        "subject": record.subjects,
        "place": record.places,
        "creator": record.creators,
    }
    lines = [line for kind, found in values.items() for line in suggest_terms(kind, found)]
    if lines:
        document["suggest"] = "\n".join(dict.fromkeys(lines))
    return document


def suggest_terms(kind: str, values: tuple[str, ...]) -> list[str]:
    """Return the type-ahead terms of one kind of value (see SUGGEST_KINDS)."""
    terms = []
    for value in values:
        display = " ".join(prepare(value).split())[:_SUGGEST_DISPLAY].rstrip(" :;,/.")
        words = _WORDS.findall(fold(display))
        for start in range(min(len(words), _SUGGEST_STARTS)):
            terms.append(
                f"{SUGGEST_KINDS[kind]}{' '.join(words[start:])}{SUGGEST_SEPARATOR}{display}"
            )
    return terms


def title_sort_key(title: str | None) -> str:
    """Return the `title_sort` value: Vietnamese alphabetical order, titles without words last."""
    key = sort_key(title)[:_TITLE_KEY]
    return f"0{key}" if key else "1"


def subject_values(subjects: tuple[str, ...]) -> tuple[str, ...]:
    """Return a record's subjects as facet values: NFC, spaces collapsed, no closing stop.

    "Lịch sử." and "Lịch sử" (MARC headings end with a full stop) are one value.
    """
    values = (subject_value(subject) for subject in subjects)
    return tuple(dict.fromkeys(value for value in values if value))


def subject_value(subject: str) -> str:
    """Return one subject as the `subject` facet holds it (also for a reader's filter value)."""
    return " ".join(prepare(subject).split())[:_SUBJECT_LENGTH].rstrip(" .;:,/")
