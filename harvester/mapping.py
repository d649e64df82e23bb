"""Map a harvested metadata element (oai_dc, qualified DC, MARCXML or MODS) to a Record."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

from lxml import etree

from catalog.errors import RecordError
from catalog.legacy import fix_legacy
from catalog.models import Record
from catalog.normalize import isbn13, kind_of, strip_isbd, year_range
from catalog.places import provinces_today, recognise_places
from harvester.fields import (
    clean_text_remembered,
    identifiers_and_isbns,
    language_codes,
    split_joined,
    thumbnail_of,
    unique_values,
)
from harvester.mods import mods_values
from harvester.xml import DC_NS, DCTERMS_NS, MARC_NS, MODS_NS, XSI_NS, metadata_bytes

log = logging.getLogger(__name__)

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
    if metadata_prefix not in _FORMATS:
        raise RecordError(
            library,
            oai_id,
            f"metadata prefix {metadata_prefix!r} has no mapping; the harvester maps "
            f"{', '.join(_FORMATS)}",
        )
    mapper, roots, expected = _FORMATS[metadata_prefix]
    if not _is_root(element, roots):
        qname = etree.QName(element)
        where = f" in namespace {qname.namespace}" if qname.namespace else " without a namespace"
        raise RecordError(
            library,
            oai_id,
            f"metadata element <{qname.localname}>{where} is not {metadata_prefix}; "
            f"expected {expected}",
        )
    values = mapper(element)
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
    changed: list[tuple[str, str, str]] = []
    # fix_legacy leaves ASCII text as it is, so most identifiers and English need no call.
    for name in _TEXT_FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            after = value if value.isascii() else _fix_legacy(value)
            if after != value:
                changed.append((name, value, after))
            values[name] = after
        elif isinstance(value, tuple):
            fixed = tuple(
                _fix_legacy(item) if isinstance(item, str) and not item.isascii() else item
                for item in value
            )
            if fixed != value:
                changed.extend(
                    (name, str(before), str(after))
                    for before, after in zip(value, fixed, strict=True)
                    if before != after
                )
            values[name] = fixed
        else:
            values[name] = value  # None (a field the format lacks is None from here on)
    return changed


# Subjects, places, publishers and rights repeat from record to record, so short values'
# readings are remembered.
_remembered_fix_legacy = lru_cache(maxsize=4096)(fix_legacy)


def _fix_legacy(value: str) -> str:
    """``catalog.legacy.fix_legacy``, remembered for short values."""
    return _remembered_fix_legacy(value) if len(value) <= 80 else fix_legacy(value)


def _dublin_core(element: etree._Element) -> dict[str, object]:
    texts: dict[str, list[str | None]] = {}
    for node in element.iter(_DC_ELEMENTS):  # one walk, not one per element name
        texts.setdefault(node.tag[_DC_NAME_START:], []).append(node.text)
    # Each element's values cleaned once, though identifier and format are read twice.
    found = {name: _unique_values(values) for name, values in texts.items()}

    def dc(name: str) -> tuple[str, ...]:
        return found.get(name, ())

    titles = dc("title")
    identifiers, isbns = identifiers_and_isbns(dc("identifier"))
    date = dc("date")
    years = _year_range(date[0]) if date else None
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
        languages=language_codes(dc("language")),
        identifiers=identifiers,
        isbns=isbns,
        places=dc("coverage") + dc("spatial"),
        rights=(dc("rights") or (None,))[0],
        formats=dc("format"),
        thumbnail=thumbnail_of(dc("identifier") + dc("relation")),
    )


def _unique_values(values: list[str | None]) -> tuple[str, ...]:
    """``unique_values``, with a shortcut for an element that comes once (most do)."""
    if len(values) == 1:
        value = clean_text_remembered(values[0])
        return (value,) if value else ()
    return unique_values(values)


_DC_ELEMENTS = f"{{{DC_NS}}}*"
_DC_NAME_START = len(_DC_ELEMENTS) - 1


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
        return unique_values(found, isbd=True)

    leader = element.findtext(tag("leader")) or ""
    control = {f.get("tag"): f.text or "" for f in element.iter(tag("controlfield"))}
    title_parts = [strip_isbd(part) for f in fields("245") for part in subfields(f, "abnp")]
    title = " : ".join(part for part in title_parts[:2] if part) or None
    date = (values(("260", "264"), "c") or (None,))[0]
    years = _year_range(date) or _year_range(control.get("008", "")[7:11])
    identifiers, isbns = identifiers_and_isbns(
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
        languages=language_codes(languages),
        identifiers=identifiers,
        isbns=isbns,
        places=values(("651",), "a") + values(("662",), "a"),
        rights=(values(("540", "506"), "a") or (None,))[0],
        edition=(values(("250",), "ab", join=True) or (None,))[0],
        formats=values(("300",), "abc", join=True) + values(("856",), "q"),
        thumbnail=_marc_thumbnail(fields("856"), subfields),
    )


# What an 856 $3 (materials specified) says when its link is a picture of the item.
_THUMBNAIL_LABELS = (
    "thumbnail",
    "thumb",
    "cover",
    "bìa",
    "ảnh đại diện",
    "anh dai dien",
    "preview",
)


def _marc_thumbnail(
    links: list[etree._Element], subfields: Callable[[etree._Element, str], list[str]]
) -> str | None:
    """An 856 link whose $3 names a thumbnail or cover, else one whose URL is an image."""
    labelled = [
        url
        for link in links
        if any(label in " ".join(subfields(link, "3")).lower() for label in _THUMBNAIL_LABELS)
        for url in subfields(link, "u")
    ]
    urls = [url for link in links for url in subfields(link, "u")]
    return (
        thumbnail_of(labelled)
        or next(
            (
                url.strip()
                for url in labelled
                if url.strip().lower().startswith(("http://", "https://"))
            ),
            None,
        )
        or thumbnail_of(urls)
    )


def _qualified_dc(element: etree._Element) -> dict[str, object]:
    # Qualified DC puts refinements (dcterms) beside the 15 elements (dc), and real servers write
    # either in either namespace (CONTENTdm's <dc:alternative>, Ohio's <dcterms:title>), so
    # elements are read by name in both. Each refinement goes where its DC element goes in
    # oai_dc; dcterms:temporal is a period, so it is a subject rather than a place.
    def terms(*names: str, split: bool = False) -> tuple[str, ...]:
        texts = [
            node.text or ""
            for name in names
            for node in element.iter(f"{{{DC_NS}}}{name}", f"{{{DCTERMS_NS}}}{name}")
        ]
        return split_joined(texts) if split else unique_values(texts)

    title = (terms("title") or terms("alternative") or (None,))[0]
    # DSpace's qdc writes the accession date as dcterms:created and dateAccepted; its
    # dcterms:issued is the date of the work, so it comes first.
    dates = terms("issued", "created", "date", "dateCopyrighted", "dateAccepted")
    years = _year_range(dates[0]) if dates else None
    nodes = [
        node
        for name in ("identifier", "bibliographicCitation")
        for node in element.iter(f"{{{DC_NS}}}{name}", f"{{{DCTERMS_NS}}}{name}")
    ]
    identifiers, isbns = identifiers_and_isbns(unique_values(node.text for node in nodes))
    typed = (node.text or "" for node in nodes if _xsi_type(node).upper() == "ISBN")
    isbns = tuple(dict.fromkeys((*(code for code in map(isbn13, typed) if code), *isbns)))
    return dict(
        title=title,
        creators=terms("creator", "contributor", split=True),
        subjects=terms("subject", "temporal", split=True),
        description=" ".join(terms("description", "abstract", "tableOfContents")) or None,
        publisher=(terms("publisher") or (None,))[0],
        date=dates[0] if dates else None,
        year_from=years[0] if years else None,
        year_to=years[1] if years else None,
        kind=kind_of(terms("type", "format", "medium", split=True)),
        languages=language_codes(terms("language", split=True)),
        identifiers=identifiers,
        isbns=isbns,
        # "covarage": an older DSpace qdc.xsl misspells the element.
        places=terms("coverage", "spatial", "covarage", split=True),
        rights=(terms("rights", "license", "accessRights") or (None,))[0],
        formats=terms("format", "extent", "medium"),
        thumbnail=thumbnail_of(
            [*(node.text or "" for node in nodes), *terms("relation", "hasFormat")]
        ),
    )


# Dates repeat from record to record ("1998", "[197-?]"), so their ranges are remembered.
_remembered_year_range = lru_cache(maxsize=1024)(year_range)


def _year_range(value: str | None) -> tuple[int, int] | None:
    """``catalog.normalize.year_range``, remembered for short values."""
    if value is not None and len(value) <= 40:
        return _remembered_year_range(value)
    return year_range(value)


def _xsi_type(node: etree._Element) -> str:
    """The local part of an xsi:type ("dcterms:URI" → "URI"), or ""."""
    return (node.get(f"{{{XSI_NS}}}type") or "").rpartition(":")[2]


def _is_root(element: etree._Element, roots: tuple[str, ...]) -> bool:
    """Whether ``element`` is one of ``roots``: "{ns}name", "name" (no namespace) or "{*}name"."""
    local = element.tag.rpartition("}")[2]  # etree.QName(element).localname, without a QName
    return any(root == element.tag or root == f"{{*}}{local}" for root in roots)


# Metadata prefix: the mapper, the root elements it reads, and the root named in errors.
_FORMATS: dict[str, tuple[Callable[[etree._Element], dict[str, object]], tuple[str, ...], str]] = {
    "oai_dc": (_dublin_core, ("{*}dc",), "<oai_dc:dc>"),
    "marc21": (_marc, ("{*}record",), "<marc:record>"),
    "marcxml": (_marc, ("{*}record",), "<marc:record>"),
    # CONTENTdm's oai_qdc; DSpace's and Omeka's qdc (an older DSpace qdc.xsl writes dcterms:record).
    "oai_qdc": (_qualified_dc, ("{*}qualifieddc", f"{{{DCTERMS_NS}}}record"),
                "<oai_qdc:qualifieddc>"),
    "qdc": (_qualified_dc, ("{*}qualifieddc", f"{{{DCTERMS_NS}}}record"),
            "<qdc:qualifieddc> or <dcterms:record>"),
    "mods": (mods_values, (f"{{{MODS_NS}}}mods", "mods"),
             f"one <mods:mods> record in namespace {MODS_NS} (MODS 3)"),
}  # fmt: skip
