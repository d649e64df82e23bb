"""Map a harvested metadata element (oai_dc or MARCXML) to a Record."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime

from lxml import etree

from catalog.errors import RecordError
from catalog.legacy import fix_legacy
from catalog.models import Record
from catalog.normalize import clean_text, isbn13, kind_of, strip_isbd, year_range
from catalog.places import provinces_today, recognise_places
from harvester.xml import DC_NS, MARC_NS, metadata_bytes

log = logging.getLogger(__name__)

# Language names and ISO 639-1/639-2B codes members use, to ISO 639-3.
_LANGUAGES = {
    "vi": "vie", "vie": "vie", "tiếng việt": "vie", "vietnamese": "vie", "việt": "vie",
    "fr": "fra", "fre": "fra", "fra": "fra", "tiếng pháp": "fra", "french": "fra",
    "français": "fra", "en": "eng", "eng": "eng", "english": "eng", "tiếng anh": "eng",
    "km": "khm", "khm": "khm", "tiếng khmer": "khm", "khmer": "khm",
    "zh": "zho", "chi": "zho", "zho": "zho", "tiếng hoa": "zho", "chinese": "zho",
    "hán nôm": "vie",
}  # fmt: skip

# MARC leader/06 (type of record) to our kinds; leader/07 "s" (serial) makes a newspaper.
_LEADER_KINDS = {
    "a": "book", "t": "manuscript", "e": "map", "f": "map", "k": "photograph",
    "g": "video", "i": "audio", "j": "audio", "d": "manuscript", "c": "other", "m": "other",
}  # fmt: skip


def map_record(
    *,
    library: str,
    oai_id: str,
    datestamp: datetime,
    deleted: bool,
    metadata_prefix: str,
    element: etree._Element | None,
    set_specs: tuple[str, ...] = (),
) -> Record:
    """Build a Record from one harvested record; raises RecordError when it cannot."""
    if deleted:
        return Record(
            library=library,
            oai_id=oai_id,
            datestamp=datestamp,
            deleted=True,
            source_format=metadata_prefix,
            set_specs=set_specs,
        )
    if element is None:
        raise RecordError(library, oai_id, "the record is not deleted but has no <metadata>")
    common = dict(
        library=library,
        oai_id=oai_id,
        datestamp=datestamp,
        source_format=metadata_prefix,
        set_specs=set_specs,
        raw_xml=metadata_bytes(element),
    )
    local = etree.QName(element).localname
    if metadata_prefix == "oai_dc" and local == "dc":
        values = _dublin_core(element)
    elif metadata_prefix in ("marc21", "marcxml") and local == "record":
        values = _marc(element)
    else:
        raise RecordError(
            library,
            oai_id,
            f"metadata element <{local}> is not {metadata_prefix}; expected "
            f"{'<oai_dc:dc>' if metadata_prefix == 'oai_dc' else '<marc:record>'}",
        )
    for name, before, after in _repair_legacy(values):
        log.info("[%s] %s: %s in a legacy encoding, read as %r (was %r)",
                 library, oai_id, name, after, before)  # fmt: skip
    texts = [str(values["title"] or "")]
    texts += [*values["subjects"], *values["places"]]  # type: ignore[misc]
    places = recognise_places(texts)
    values["provinces"] = tuple(dict.fromkeys(place.province for place in places))
    values["provinces_today"] = provinces_today(places)
    return Record(**common, **values)  # type: ignore[arg-type]


# Text fields a legacy (TCVN3, VNI) encoding can garble; identifiers and codes cannot be.
_TEXT_FIELDS = ("title", "creators", "subjects", "description", "publisher", "places", "rights")


def _repair_legacy(values: dict[str, object]) -> list[tuple[str, str, str]]:
    """Convert TCVN3/VNI text misread as CP1252 in place; return what changed."""
    changed = []
    for name in _TEXT_FIELDS:
        value = values.get(name)
        items = value if isinstance(value, tuple) else (value,)
        fixed = tuple(fix_legacy(item) if isinstance(item, str) else item for item in items)
        for before, after in zip(items, fixed, strict=True):
            if before != after:
                changed.append((name, str(before), str(after)))
        values[name] = fixed if isinstance(value, tuple) else fixed[0]
    return changed


def _values(items: Iterable[str | None], *, isbd: bool = False) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        value = strip_isbd(item) if isbd else clean_text(item)
        if value:
            seen.setdefault(value)
    return tuple(seen)


def _languages(values: Iterable[str]) -> tuple[str, ...]:
    codes = (_LANGUAGES.get(value.strip().lower(), value.strip().lower()) for value in values)
    return tuple(dict.fromkeys(code for code in codes if re.fullmatch(r"[a-z]{3}", code)))


def _identifiers(values: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    isbns = tuple(
        dict.fromkeys(
            code
            for value in values
            if "isbn" in value.lower() or re.fullmatch(r"[\d\- X]{10,17}", value)
            for code in [isbn13(value)]
            if code
        )
    )
    return values, isbns


def _dublin_core(element: etree._Element) -> dict[str, object]:
    def dc(name: str) -> tuple[str, ...]:
        return _values(node.text for node in element.iter(f"{{{DC_NS}}}{name}"))

    titles = dc("title")
    identifiers, isbns = _identifiers(dc("identifier"))
    date = dc("date")
    years = year_range(date[0]) if date else None
    return dict(
        title=titles[0] if titles else None,
        creators=dc("creator") + dc("contributor"),
        subjects=dc("subject"),
        description=" ".join(dc("description")) or None,
        publisher=(dc("publisher") or (None,))[0],
        date=date[0] if date else None,
        year_from=years[0] if years else None,
        year_to=years[1] if years else None,
        kind=kind_of(dc("type") + dc("format")),
        languages=_languages(dc("language")),
        identifiers=identifiers,
        isbns=isbns,
        places=dc("coverage") + dc("spatial"),
        rights=(dc("rights") or (None,))[0],
    )


def _marc(element: etree._Element) -> dict[str, object]:
    # Some servers (NatLibFi's Melinda) send MARCXML without its namespace.
    ns = MARC_NS if element.tag.startswith("{") else ""
    tag = (lambda name: f"{{{ns}}}{name}") if ns else (lambda name: name)

    def fields(*tags: str) -> list[etree._Element]:
        return [f for f in element.iter(tag("datafield")) if f.get("tag") in tags]

    def subfields(field: etree._Element, codes: str) -> list[str]:
        return [
            sf.text or "" for sf in field.iter(tag("subfield")) if (sf.get("code") or "") in codes
        ]

    def values(tags: tuple[str, ...], codes: str, *, join: bool = False) -> tuple[str, ...]:
        found = []
        for field in fields(*tags):
            parts = subfields(field, codes)
            found.extend([" ".join(parts)] if join else parts)
        return _values(found, isbd=True)

    leader = element.findtext(tag("leader")) or ""
    control = {f.get("tag"): f.text or "" for f in element.iter(tag("controlfield"))}
    title_parts = [strip_isbd(part) for f in fields("245") for part in subfields(f, "abnp")]
    title = " : ".join(part for part in title_parts[:2] if part) or None
    date = (values(("260", "264"), "c") or (None,))[0]
    years = year_range(date) or year_range(control.get("008", "")[7:11])
    identifiers, isbns = _identifiers(
        values(("020",), "a")
        + values(("022",), "a")
        + values(("090", "082", "084"), "ab", join=True)
        + values(("856",), "u")
    )
    kind = _LEADER_KINDS.get(leader[6:7], "other") if len(leader) > 7 else "other"
    if len(leader) > 7 and leader[7] == "s":
        kind = "newspaper"
    genre = kind_of(values(("655",), "a"))
    if genre != "other":
        kind = genre
    languages = values(("041",), "a") or (control.get("008", "")[35:38],)
    return dict(
        title=title,
        creators=values(("100", "110", "700", "710"), "a"),
        subjects=values(("600", "610", "650", "651"), "a"),
        description=" ".join(values(("520",), "a")) or None,
        publisher=(values(("260", "264"), "b") or (None,))[0],
        date=date,
        year_from=years[0] if years else None,
        year_to=years[1] if years else None,
        kind=kind,
        languages=_languages(languages),
        identifiers=identifiers,
        isbns=isbns,
        places=values(("651",), "a") + values(("662",), "a"),
        rights=(values(("540", "506"), "a") or (None,))[0],
    )
