"""The Whoosh schema and the Record → document conversion.

Each searchable text is indexed twice: exact (NFC, lower-cased, diacritics kept) and folded
(diacritics removed, đ → d), so "ca mau" finds "Cà Mau" and "Cà Mau" ranks exact matches first.
Only stock Whoosh analyzers: the schema is pickled into the index and must stay importable.
"""

from __future__ import annotations

import unicodedata

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

from catalog.models import StoredRecord

SCHEMA_VERSION = "1"

# \w+ on NFC text: under NFD, \w splits words at combining marks ("đồng" → "đo", "ng").
EXACT = RegexTokenizer(r"\w+") | LowercaseFilter()
FOLDED = RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)

TEXT_FIELDS = ("title", "creators", "subjects", "places", "description", "publisher")


def make_schema() -> Schema:
    """Return the schema every index of this version uses."""
    schema = Schema(
        key=ID(unique=True, stored=True),
        cluster=ID(stored=True, sortable=True),
        library=ID(stored=True, sortable=True),
        kind=ID(stored=True, sortable=True),
        language=KEYWORD(stored=True, commas=True, sortable=True),
        decade=ID(stored=True, sortable=True),
        year=NUMERIC(int, stored=True, sortable=True, signed=False),
        title_sort=ID(sortable=True),
        display=STORED(),
    )
    for name in TEXT_FIELDS:
        schema.add(name, TEXT(analyzer=EXACT, stored=name == "title", phrase=True))
        schema.add(f"{name}_f", TEXT(analyzer=FOLDED, phrase=True))
    return schema


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def to_document(stored: StoredRecord) -> dict[str, object]:
    """Turn one live stored record into a Whoosh document."""
    record = stored.record
    texts = {
        "title": record.title or "",
        "creators": "\n".join(record.creators),
        "subjects": "\n".join(record.subjects),
        "places": "\n".join(record.places),
        "description": record.description or "",
        "publisher": record.publisher or "",
    }
    document: dict[str, object] = {
        "key": record.key,
        "cluster": stored.cluster,
        "library": record.library,
        "kind": record.kind,
        "language": ",".join(record.languages),
        "title_sort": (record.title or "").casefold(),
        "display": {
            "creators": list(record.creators),
            "date": record.date,
            "year_from": record.year_from,
            "year_to": record.year_to,
        },
    }
    if record.year_from is not None:
        document["year"] = record.year_from
        document["decade"] = f"{record.year_from // 10 * 10}s"
    for name, text in texts.items():
        document[name] = nfc(text)
        document[f"{name}_f"] = nfc(text)
    return document
