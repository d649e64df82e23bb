"""Citations and exports of one record: RIS, BibTeX, CSV and schema.org JSON-LD."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata

from catalog.models import Record

_RIS_TYPES = {"book": "BOOK", "map": "MAP", "photograph": "ART", "newspaper": "NEWS",
              "manuscript": "MANSCPT", "audio": "SOUND", "video": "VIDEO", "article": "JOUR",
              "other": "GEN"}  # fmt: skip
_BIBTEX_TYPES = {"book": "book", "article": "article", "manuscript": "unpublished"}
_SCHEMA_TYPES = {"book": "Book", "map": "Map", "photograph": "Photograph",
                 "newspaper": "Newspaper", "manuscript": "Manuscript", "audio": "AudioObject",
                 "video": "VideoObject", "article": "Article", "other": "CreativeWork"}  # fmt: skip
CSV_COLUMNS = ("id", "title", "creators", "date", "type", "publisher", "subjects", "places",
               "languages", "isbns", "identifiers", "library", "oai_id")  # fmt: skip


def _clean(value: str) -> str:
    # No line breaks inside a tagged line: a harvested value could forge RIS tags otherwise.
    return " ".join(value.split())


def to_ris(record: Record, url: str) -> str:
    """Return the record as RIS (for Zotero, EndNote, Mendeley)."""
    lines = [f"TY  - {_RIS_TYPES.get(record.kind, 'GEN')}"]
    lines += [f"TI  - {_clean(record.title)}"] if record.title else []
    lines += [f"AU  - {_clean(name)}" for name in record.creators]
    lines += [f"PY  - {record.year_from}"] if record.year_from else []
    lines += [f"DA  - {_clean(record.date)}"] if record.date else []
    lines += [f"PB  - {_clean(record.publisher)}"] if record.publisher else []
    lines += [f"KW  - {_clean(subject)}" for subject in record.subjects]
    lines += [f"SN  - {isbn}" for isbn in record.isbns]
    lines += [f"LA  - {language}" for language in record.languages]
    lines += [f"AB  - {_clean(record.description)}"] if record.description else []
    lines += [f"UR  - {url}", "ER  - "]
    return "\r\n".join(lines) + "\r\n"


def _bibtex_escape(value: str) -> str:
    return re.sub(r"([{}\\\\%&$#_])", r"\\\1", _clean(value))


def bibtex_key(record: Record) -> str:
    """A citation key from the first creator's last word and the year ("nam1970")."""
    name = (
        (record.creators[0].split(",")[0].split() or ["record"])[-1]
        if record.creators
        else "record"
    )
    ascii_name = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = re.sub(r"[^A-Za-z0-9]", "", ascii_name).lower() or "record"
    return f"{ascii_name}{record.year_from or ''}"


def to_bibtex(record: Record, url: str) -> str:
    """Return the record as a BibTeX entry (UTF-8: biber and modern BibTeX read it)."""
    fields = [("title", record.title), ("author", " and ".join(record.creators) or None),
              ("year", str(record.year_from) if record.year_from else None),
              ("publisher", record.publisher), ("isbn", ", ".join(record.isbns) or None),
              ("keywords", ", ".join(record.subjects) or None), ("url", url),
              ("note", record.date)]  # fmt: skip
    body = ",\n".join(f"  {name} = {{{_bibtex_escape(value)}}}" for name, value in fields if value)
    kind = _BIBTEX_TYPES.get(record.kind, "misc")
    return f"@{kind}{{{bibtex_key(record)},\n{body}\n}}\n"


def to_csv(records: list[Record]) -> str:
    """Return records as CSV with a header row; list values are joined with "; "."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        values = [record.key, record.title, "; ".join(record.creators), record.date, record.kind,
                  record.publisher, "; ".join(record.subjects), "; ".join(record.places),
                  "; ".join(record.languages), "; ".join(record.isbns),
                  "; ".join(record.identifiers), record.library, record.oai_id]  # fmt: skip
        # A cell starting with = + - @ is a formula to a spreadsheet: harvested data is untrusted.
        writer.writerow([_defuse(value or "") for value in values])
    return out.getvalue()


def _defuse(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_json_ld(record: Record, url: str, holders: list[tuple[str, str | None]]) -> str:
    """Return schema.org JSON-LD for the record page, safe to embed in a <script> element."""
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": _SCHEMA_TYPES.get(record.kind, "CreativeWork"),
        "@id": url,
        "url": url,
        "name": record.title,
        "author": [{"@type": "Person", "name": name} for name in record.creators] or None,
        "datePublished": str(record.year_from) if record.year_from else None,
        "publisher": record.publisher,
        "about": list(record.subjects) or None,
        "spatialCoverage": list(record.places) or None,
        "inLanguage": list(record.languages) or None,
        "isbn": list(record.isbns) or None,
        "description": record.description,
        "holdingArchive": [
            {"@type": "Library", "name": name, **({"url": link} if link else {})}
            for name, link in holders
        ],
    }
    text = json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False)
    # "</script>" inside a harvested title must not end the element.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
