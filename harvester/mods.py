"""Map a MODS 3 record (Library of Congress; Islandora, Fedora, DPLA hubs) to Record values."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lxml import etree

from catalog.normalize import clean_text, isbn13, kind_of, strip_isbd, year_range
from harvester.fields import identifiers_and_isbns, language_codes, unique_values
from harvester.xml import MODS_NS, XLINK_NS

# MODS date elements, in the order one is chosen when none is marked keyDate="yes";
# dateCaptured (the digitisation) counts only when marked so.
_MODS_DATES = ("dateIssued", "dateCreated", "copyrightDate", "dateOther")
# marcrelator roles (code and term) that make a name a creator, listed before the others.
_MODS_CREATOR_ROLES = {
    "aut", "cre", "ctg", "pht", "art", "cmp",
    "author", "creator", "cartographer", "photographer", "artist", "composer", "tác giả",
}  # fmt: skip


def mods_values(element: etree._Element) -> dict[str, object]:
    # Only the root's own children are read: a relatedItem (series, host, collection) has
    # titles, names and dates of another resource.
    ns = MODS_NS if element.tag.startswith("{") else ""

    def tag(name: str) -> str:
        return f"{{{ns}}}{name}" if ns else name

    def top(*names: str) -> list[etree._Element]:
        return [node for name in names for node in element.findall(tag(name))]

    def texts(nodes: Iterable[etree._Element], *, isbd: bool = False) -> tuple[str, ...]:
        return unique_values((node.text for node in nodes), isbd=isbd)

    names = sorted(top("name"), key=lambda node: not _is_mods_creator(node, tag))
    subjects: list[str | None] = []
    places: list[str | None] = []
    for child in (child for subject in top("subject") for child in subject.iterchildren()):
        local = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if local in ("topic", "temporal", "occupation"):
            subjects.append(child.text)
        elif local == "name":
            subjects.append(_mods_name(child, tag))
        elif local == "geographic":
            places.append(child.text)
        elif local == "hierarchicalGeographic":
            # Most specific first, as an address is written: "Ninh Kiều, Cần Thơ, Việt Nam".
            levels = [clean_text(level.text) for level in child if isinstance(level.tag, str)]
            places.append(", ".join(level for level in reversed(levels) if level))
    origins = [
        info for info in top("originInfo") if "digiti" not in (info.get("eventType") or "").lower()
    ]
    date, years = _mods_date(origins)
    identifiers = [node for node in top("identifier") if node.get("invalid") != "yes"]
    isbn_nodes = [node for node in identifiers if (node.get("type") or "").lower() == "isbn"]
    _, guessed = identifiers_and_isbns(
        texts(node for node in identifiers if node not in isbn_nodes)
    )
    typed = [code for code in (isbn13(node.text or "") for node in isbn_nodes) if code]
    urls = [url for location in top("location") for url in location.findall(tag("url"))]
    # The record page first (Library.record_url takes the first URL); thumbnails are left out.
    pages = [url for url in urls if _is_record_page(url)]
    files = [url for url in urls if url not in pages and url.get("access") != "preview"]
    rights = [
        node.text if clean_text(node.text) else node.get(f"{{{XLINK_NS}}}href")
        for node in top("accessCondition")
    ]
    publishers = texts(
        (node for info in origins for node in info.iter(tag("publisher"))), isbd=True
    )
    languages = texts(term for node in top("language") for term in node.iter(tag("languageTerm")))
    editions = texts(node for info in origins for node in info.iter(tag("edition")))
    return dict(
        title=_mods_title(top("titleInfo"), tag),
        creators=unique_values(_mods_name(node, tag) for node in names),
        subjects=unique_values(subjects),
        description=" ".join(texts(top("abstract", "tableOfContents"))) or None,
        publisher=publishers[0] if publishers else None,
        date=date,
        year_from=years[0] if years else None,
        year_to=years[1] if years else None,
        kind=_mods_kind(top("typeOfResource"), top("genre"), origins, tag),
        languages=language_codes(languages),
        identifiers=texts([*pages, *identifiers, *files]),
        isbns=tuple(dict.fromkeys((*typed, *guessed))),
        places=unique_values(places),
        rights=(unique_values(rights) or (None,))[0],
        edition=(editions or (None,))[0],
        formats=texts(
            node
            for description in top("physicalDescription")
            for node in description
            if isinstance(node.tag, str)
            and etree.QName(node).localname in ("extent", "form", "internetMediaType")
        ),
        thumbnail=next(
            (
                text
                for url in urls
                if url.get("access") == "preview"
                for text in [(url.text or "").strip()]
                if text.lower().startswith(("http://", "https://"))
            ),
            None,
        ),
    )


def _mods_name(node: etree._Element, tag: Callable[[str], str]) -> str | None:
    """A name as displayForm gives it, else "family, given", else its untyped parts.

    Dates and terms of address are left out, as MARC's 100 $a is read without $c and $d.
    """
    display = strip_isbd(node.findtext(tag("displayForm")))
    if display:
        return display
    parts = node.findall(tag("namePart"))
    typed = {part.get("type"): strip_isbd(part.text) for part in parts if part.get("type")}
    family, given = typed.get("family"), typed.get("given")
    if family and given:
        return f"{family}, {given}"
    untyped = unique_values((part.text for part in parts if not part.get("type")), isbd=True)
    return ", ".join(untyped) or family or given


def _is_mods_creator(node: etree._Element, tag: Callable[[str], str]) -> bool:
    roles = {(clean_text(term.text) or "").lower() for term in node.iter(tag("roleTerm"))}
    return node.get("usage") == "primary" or bool(roles & _MODS_CREATOR_ROLES)


def _is_record_page(url: etree._Element) -> bool:
    """Whether a location/url is the record's page at the member (not a file or thumbnail)."""
    usage = url.get("usage") or ""
    return url.get("access") == "object in context" or usage.startswith("primary")


def _mods_title(infos: list[etree._Element], tag: Callable[[str], str]) -> str | None:
    """The main title: nonSort + title, " : " subTitle, ". " part number and name.

    A titleInfo with a type (alternative, translated, uniform, abbreviated) is used only when
    there is no other; some converters put type="alternative" on <title> itself.
    """

    def is_main(info: etree._Element) -> bool:
        title = info.find(tag("title"))
        return not info.get("type") and (title is None or not title.get("type"))

    ranked = sorted(infos, key=lambda info: (not is_main(info), info.get("usage") != "primary"))
    for info in ranked:
        non_sort = info.findtext(tag("nonSort")) or ""
        if non_sort and not non_sort.endswith((" ", "'", "’")):
            non_sort += " "
        title = strip_isbd(non_sort + (info.findtext(tag("title")) or ""))
        if not title:
            continue
        subtitle = strip_isbd(info.findtext(tag("subTitle")))
        if subtitle:
            title = f"{title} : {subtitle}"
        for name in ("partNumber", "partName"):
            part = strip_isbd(info.findtext(tag(name)))
            if part:
                title = f"{title}. {part}"
        return title
    return None


def _mods_date(origins: list[etree._Element]) -> tuple[str | None, tuple[int, int] | None]:
    """The date as given and its year range, from the keyDate (or first) date element.

    A point="start"/"end" pair gives the range from the start's first year to the end's last.
    A free-text date (no encoding) is what the record shows; encoded ones give the years.
    """
    dates = [
        node
        for info in origins
        for node in info
        if isinstance(node.tag, str)
        and etree.QName(node).localname in (*_MODS_DATES, "dateCaptured")
        and clean_text(node.text)
    ]
    key = next((node for node in dates if node.get("keyDate") == "yes"), None)
    present = [etree.QName(node).localname for node in dates]
    name = (
        etree.QName(key).localname
        if key is not None
        else next((name for name in _MODS_DATES if name in present), None)
    )
    same = [node for node in dates if etree.QName(node).localname == name]
    if not same:
        return None, None
    start = next((node for node in same if node.get("point") == "start"), None)
    end = next((node for node in same if node.get("point") == "end"), None)
    plain = [node for node in same if node.get("point") not in ("start", "end")]
    free = next((node for node in plain if not node.get("encoding")), None)
    shown: str | None
    years: tuple[int, int] | None
    if start is not None or end is not None:
        first = _mods_years(start if start is not None else end)
        last = _mods_years(end if end is not None else start)
        years = (first[0], last[1]) if first and last and first[0] <= last[1] else first or last
        shown = "-".join(clean_text(node.text) or "" for node in (start, end) if node is not None)
    else:
        encoded = next((node for node in plain if node.get("encoding")), plain[0])
        encoded = key if key is not None and key in plain else encoded
        years, shown = _mods_years(encoded), clean_text(encoded.text)
    if free is not None:
        shown = clean_text(free.text)
        years = years or year_range(shown)
    return shown, years


def _mods_years(node: etree._Element | None) -> tuple[int, int] | None:
    if node is None:
        return None
    text = node.text or ""
    if node.get("encoding") == "edtf":
        text = text.replace("X", "u")  # EDTF's unspecified digit: "197X" is the 1970s
    qualifier = node.get("qualifier")
    if qualifier == "approximate":
        text = f"circa {text}"
    elif qualifier == "questionable":
        text = f"{text}?"
    return year_range(text)


def _mods_kind(
    types: list[etree._Element],
    genres: list[etree._Element],
    origins: list[etree._Element],
    tag: Callable[[str], str],
) -> str:
    """typeOfResource and genre to our kinds, as MARC's leader and 655 are read."""
    if any(node.get("manuscript") == "yes" for node in types):
        return "manuscript"
    genre = kind_of(unique_values(node.text for node in genres))
    if genre != "other":
        return genre
    kind = kind_of(unique_values(node.text for node in types))
    issuance = {clean_text(node.text) for info in origins for node in info.iter(tag("issuance"))}
    if kind in ("book", "other") and issuance & {"serial", "continuing"}:
        return "newspaper"
    return kind
