"""Seeded sample records for the offline demo: four member libraries and their holdings.

Mekong Delta local-history documents as each member serves them over OAI-PMH: oai_dc for
Cần Thơ, Cà Mau and Đồng Tháp, MARCXML for Trà Vinh. The same seed gives byte-identical output.
"""

from __future__ import annotations

import argparse
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from lxml import etree

from demo import sample_vocabulary as vocab

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MARC_NS = "http://www.loc.gov/MARC21/slim"

_START = datetime(2024, 1, 1, tzinfo=UTC)
_END = datetime(2025, 11, 20, tzinfo=UTC)
_KINDS = ("book", "map", "photograph", "newspaper", "manuscript", "audio", "video")
_KIND_WEIGHTS = (45, 10, 15, 12, 10, 4, 4)
_MAIN = ("cantho", "camau", "dongthap", "travinh")  # every member holds records about these
_PROVINCES = {row[0]: row for row in vocab.PROVINCES}
_TEMPLATES = tuple(dict(zip(vocab.TEMPLATE_FIELDS, row, strict=True)) for row in vocab.TEMPLATES)
_RESPONSIBILITIES = {name: (spec, main == "1") for name, spec, main in vocab.RESPONSIBILITIES}
_DC_TYPES = {(code, kind): value.split("|") for code, kind, value in vocab.DC_TYPES}
_GENRES = dict(vocab.MARC_GENRES)
_AUTHOR_DATES = dict(vocab.AUTHOR_DATES)
_HOUSE_NAMES = {row[0] for row in vocab.HOUSES} | {"Thống kê", "Giáo dục", "Bản đồ"}
_CONTRIBUTOR_ROLES = ("dịch", "hiệu đính")  # dc:contributor rather than dc:creator
_ROMAN = {18: "XVIII", 19: "XIX", 20: "XX"}
_LEADER = {"book": "am", "map": "em", "photograph": "km", "newspaper": "as",
           "manuscript": "tm", "audio": "im", "video": "gm"}  # fmt: skip
_LANGUAGE_NOTES = {"fre": "Tiếng Pháp.", "khm": "Tiếng Khmer."}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_MARC_TITLE = f"{{{MARC_NS}}}datafield[@tag='245']/{{{MARC_NS}}}subfield[@code='a']"


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleRecord:
    """One record as a member library's OAI-PMH server would serve it."""

    oai_id: str
    datestamp: datetime  # aware UTC, whole seconds
    deleted: bool
    metadata_xml: bytes | None  # <oai_dc:dc> or <marc:record>, UTF-8; None when deleted
    set_specs: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleLibrary:
    """One sample member library and everything its server holds."""

    code: str
    name_vi: str
    name_en: str
    province: str
    metadata_prefix: str
    records: tuple[SampleRecord, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Work:
    """A document as its first cataloguer described it, before any member's habits."""

    kind: str
    title: str
    subtitle: str | None
    people: tuple[tuple[str, str], ...]  # (name, role); role "" for an author
    corp: str | None
    main_entry: bool  # MARC 100/110; False means entered under title with 700/710s
    subjects: tuple[str, ...]
    places: tuple[str, ...]
    provinces: tuple[str, ...]
    description: str
    publisher: str | None
    pub_place: str | None
    is_house: bool  # a publishing house, which some members write as "Nxb. X"
    year: int
    date_forms: tuple[str, ...]  # ways cataloguers type the date; the first is the usual one
    fixed_dates: str  # MARC 008/06-14: date type, date 1, date 2
    language: str
    isbn13: str | None
    ddc: str
    extent: tuple[str, str, str]  # MARC 300 $a $b $c, "" where absent
    scale: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Holding:
    """One member's copy of a work, with that member's cataloguing choices."""

    work: _Work
    with_subtitle: bool
    date: str
    isbn: str | None  # as this member types it
    nfd: bool = False


def generate_libraries(seed: int = 2025) -> tuple[SampleLibrary, ...]:
    """Return the four sample member libraries with their records, the same for the same seed."""
    rng = random.Random(seed)
    codes = tuple(row[0] for row in vocab.LIBRARIES)
    used: set[str] = set()  # folded titles and ISBNs already given out; membership only
    holdings: dict[str, list[_Holding]] = {code: [] for code in codes}

    def share(work: _Work, count: int) -> None:
        for n, code in enumerate(rng.sample(codes, count)):
            holdings[code].append(_hold(rng, work, code, first=n == 0))

    for n, row in enumerate(vocab.CLASSICS):
        classic = _classic_work(rng, row)
        used.add(_title_key(classic.title))
        share(classic, rng.randint(3, 4) if n < 10 else rng.randint(2, 3))
    # Shared works of our own making: modern books with ISBNs, then older works without, so
    # that grouping needs ISBNs for some and title + creator for the others.
    for with_isbn, count in ((True, 18), (False, 14)):
        while count:
            kind = "book" if with_isbn else rng.choice(("book", "book", "map", "photograph"))
            years = (2008, 2024) if with_isbn else (1950, 2007)
            work = _draw_work(rng, kind, rng.choice(tuple(_PROVINCES)), used, years, with_isbn)
            if work is not None:
                share(work, 3 if rng.random() < 0.3 else 2)
                count -= 1
    slugs = tuple(_PROVINCES)
    for code in codes:
        weights = [35 if slug == code else 8 if slug in _MAIN else 4 for slug in slugs]
        forced = [slug for slug in _MAIN for _ in range(4)]
        target = len(holdings[code]) + rng.randint(130, 145)
        while len(holdings[code]) < target:
            slug = forced.pop() if forced else rng.choices(slugs, weights)[0]
            work = None
            while work is None:
                work = _draw_work(rng, rng.choices(_KINDS, _KIND_WEIGHTS)[0], slug, used)
            holdings[code].append(_hold(rng, work, code, first=True))
    return tuple(_library(rng, row, holdings[row[0]]) for row in vocab.LIBRARIES)


def _draw_work(
    rng: random.Random,
    kind: str,
    slug: str,
    used: set[str],
    years: tuple[int, int] | None = None,
    with_isbn: bool = False,
) -> _Work | None:
    """Fill a fitting template for ``kind`` about province ``slug``; None if no new title."""
    fitting = [t for t in _TEMPLATES if t["kind"] == kind and _fits(t, slug, years, with_isbn)]
    for _ in range(12 if fitting else 0):
        work = _fill(rng, rng.choice(fitting), slug, years, with_isbn)
        if work is None or _title_key(work.title) in used or work.isbn13 in used:
            continue
        used.update(k for k in (_title_key(work.title), work.isbn13) if k)
        return work
    return None


def _fits(t: dict[str, str], slug: str, years: tuple[int, int] | None, with_isbn: bool) -> bool:
    tags, text = _PROVINCES[slug][6].split(), t["title"] + t["description"]
    lo, hi = _year_bounds(t["years"]) if t["years"] else (0, 0)
    return all((
        t["needs"] in ("", "market", "french", *tags),
        t["needs"] != "market" or any(p[1] == slug and p[3] for p in vocab.PLACES),
        t["needs"] != "french" or bool(_PROVINCES[slug][4]),
        "{pagoda" not in text or any(p[0] == slug for p in vocab.PAGODAS),
        "{paper" not in text or any(p[0] == slug for p in vocab.PAPERS),
        "{landmark" not in text or any(m[0] == slug for m in vocab.LANDMARKS),
        not with_isbn or t["publisher"] == "@house",
        # Constrained draws use only templates whose own years overlap the constraint.
        years is None or (lo <= years[1] and hi >= years[0]),
    ))  # fmt: skip


def _year_bounds(years: str) -> tuple[int, int]:
    values = [int(y) for y in re.split(r"[-,]", years)]
    return min(values), max(values)


def _fill(
    rng: random.Random,
    t: dict[str, str],
    slug: str,
    years: tuple[int, int] | None,
    with_isbn: bool,
) -> _Work | None:
    _, name, unit, seat, french, rvn, _ = _PROVINCES[slug]
    v = {"province": name, "unit": unit, "seat": seat, "french": french, "rvn": rvn}
    text = "".join(t[key] for key in ("title", "corp", "subjects", "description", "publisher"))
    places, language, paper = [name], t["lang"], None
    choices = [int(y) for y in t["years"].split(",")] if "," in t["years"] else None
    lo, hi = _year_bounds(t["years"]) if t["years"] else (1900, 2025)
    if "{place" in text:
        market_only = t["needs"] == "market"
        place = rng.choice([p for p in vocab.PLACES if p[1] == slug and (p[3] or not market_only)])
        v.update(place=place[0], place_unit=place[2])
        places.append(place[0])
    if "{landmark" in text:
        landmarks = [m for m in vocab.LANDMARKS if m[0] == slug]
        _, v["landmark"], v["topic"], since = rng.choice(landmarks)
        lo = max(lo, int(since))
    if "{pagoda" in text:
        v["pagoda"] = rng.choice([p[1] for p in vocab.PAGODAS if p[0] == slug])
    if "{paper" in text:
        paper = rng.choice([p for p in vocab.PAPERS if p[0] == slug])
        v["paper"], lo, hi, language = paper[1], int(paper[2]), int(paper[3]), paper[5]
    if "{period" in text:
        v["period"] = rng.choice(vocab.PERIODS)
        # Party histories appear long after the period they cover, mostly from the 1980s on.
        lo = max(int(v["period"][-4:]) + 1, 1985)
        hi = min(lo + 20, 2025)
    if years:
        lo, hi = max(lo, years[0]), min(hi, years[1])
    choices = [y for y in choices if lo <= y <= hi] if choices else None
    if lo > hi or choices == [] or (t["date_style"] == "span" and lo == hi):
        return None
    year = rng.choice(choices) if choices else rng.randint(lo, hi)
    if t["date_style"] == "span":
        start = rng.randint(lo, hi - 1)
        year = min(hi, start + rng.randint(1, 5))
        v["span"] = f"{start}-{year}"
    date_forms, fixed = _date_forms(rng, t["date_style"], year, t["kind"], v)
    if paper is not None:
        per_year = int(paper[4])
        v["issue"] = str((year - int(paper[2])) * per_year + rng.randint(1, per_year))
    v.update(year=str(year), prev=str(year - 1), surname=rng.choice(vocab.SURNAMES))
    v.update(village=rng.choice(vocab.VILLAGES), scale=rng.choice(vocab.MAP_SCALES))
    v["scene"], v["scene_vi"] = rng.choice(vocab.FRENCH_SCENES)
    people, main_entry = _people(rng, t["resp"], "Khmer" in t["subjects"] or language == "khm")
    v["a"] = people[0][0] if people else ""
    subjects = rng.choice(t["subjects"].split("|")).format_map(v).split("; ")
    if year >= 1930:  # genealogies written after 1930 are in quốc ngữ, not Hán Nôm
        subjects = [s for s in subjects if s != "Hán Nôm"]
    publisher, pub_place, is_house = _publisher(rng, t["publisher"], year, v, paper)
    # Vietnamese houses took up ISBNs (978-604) widely only in the late 2000s.
    has_isbn = t["kind"] == "book" and is_house and year >= 2008
    isbn = _isbn13(rng) if has_isbn and (with_isbn or rng.random() < 0.8) else None
    return _Work(
        kind=t["kind"], title=t["title"].format_map(v),
        subtitle=rng.choice(t["subtitle"].split("|")) or None, people=people,
        corp=t["corp"].format_map(v) or None, main_entry=main_entry, subjects=tuple(subjects),
        places=tuple(places), provinces=(slug,), description=t["description"].format_map(v),
        publisher=publisher, pub_place=pub_place, is_house=is_house, year=year,
        date_forms=date_forms, fixed_dates=fixed, language=language,
        isbn13=isbn, ddc=t["ddc"],
        extent=_extent(rng, t["kind"], year),
        scale=f"Tỷ lệ {v['scale']}" if "{scale}" in text else None,
    )  # fmt: skip


def _classic_work(rng: random.Random, row: tuple[str, ...]) -> _Work:
    (kind, title, subtitle, people, corp, year, publisher, place, language, subjects, places,
     provinces, description, ddc) = row  # fmt: skip
    forms, fixed = _date_forms(rng, "year", int(year), kind, {})
    return _Work(
        kind=kind, title=title, subtitle=subtitle or None,
        people=tuple((p.partition("|")[0], p.partition("|")[2]) for p in people.split("; ") if p),
        corp=corp or None, main_entry=True, subjects=tuple(subjects.split("; ")),
        places=tuple(places.split("; ")), provinces=tuple(provinces.split()),
        description=description, publisher=publisher, pub_place=place,
        is_house=publisher in _HOUSE_NAMES, year=int(year), date_forms=forms, fixed_dates=fixed,
        language=language, isbn13=None, ddc=ddc, extent=_extent(rng, kind, int(year)),
        scale=None,
    )  # fmt: skip


def _date_forms(
    rng: random.Random, style: str, year: int, kind: str, v: dict[str, str]
) -> tuple[tuple[str, ...], str]:
    """Return the ways the date is typed as free text, and the matching MARC 008/06-14."""
    single, decade = f"s{year}    ", f"q{year // 10}0{year // 10}9"
    if style == "day":
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        v["day"] = f"{day:02d}/{month:02d}/{year}"
        return (f"{year}-{month:02d}-{day:02d}", str(year)), single
    if style == "span":
        return (v["span"],), "m" + v["span"].replace("-", "")
    if style == "circa":
        return (f"[ca. {year}]", f"[{year // 10}-?]"), decade
    roll = rng.random()
    if style == "old" and roll < 0.3:
        century = (year - 1) // 100
        return (f"thế kỷ {_ROMAN[century + 1]}", f"[{century}--]"), f"q{century}00{century}99"
    if style == "old" and roll < 0.6:
        return (f"[{year // 10}-?]", f"[{year // 10}-]"), decade
    if style == "old":
        return (f"năm {year}", str(year)), single
    reigns = [(name, int(first)) for name, first, last in vocab.REIGNS
              if style == "reign" and int(first) <= year <= int(last)]  # fmt: skip
    if reigns:
        name, first = reigns[0]
        ordinal = f"năm thứ {year - first + 1}" if year > first else "nguyên niên"
        return (f"{name} {ordinal} ({year})", str(year)), single
    forms = [str(year), f"[{year}]"]
    if kind == "book" and year >= 1976:
        forms.insert(1, f"c{year}")
    if year < 1960:
        forms.append(f"năm {year}")
    return tuple(forms), single


def _people(rng: random.Random, resp: str, khmer: bool) -> tuple[tuple[tuple[str, str], ...], bool]:
    """Return (name, role) pairs for a responsibility pattern, and whether MARC has a 1XX."""
    spec, main_entry = _RESPONSIBILITIES[resp]
    if spec.startswith("?"):  # photographers and copyists are often unknown
        spec = spec[1:] if rng.random() < 0.65 else ""
    names = {letter: _person(rng, khmer) for letter in "abc"}
    parts = (part.partition("|") for part in spec.split("; ") if part)
    return tuple((names[letter], role) for letter, _, role in parts), main_entry


def _person(rng: random.Random, khmer: bool) -> str:
    """Return a Vietnamese (or Khmer) personal name in "Họ Tên" order."""
    if khmer and rng.random() < 0.6:
        return f"{rng.choice(vocab.KHMER_SURNAMES)} {rng.choice(vocab.KHMER_GIVEN)}"
    female = rng.random() < 0.35
    middle = rng.choice(vocab.MIDDLE_FEMALE if female else vocab.MIDDLE_MALE)
    given = rng.choice(vocab.GIVEN_FEMALE if female else vocab.GIVEN_MALE)
    return f"{rng.choice(vocab.SURNAMES)} {middle} {given}"


def _publisher(
    rng: random.Random, code: str, year: int, v: dict[str, str], paper: tuple[str, ...] | None
) -> tuple[str | None, str | None, bool]:
    """Return (publisher, place, whether it is a publishing house) for a publisher code."""
    local = f"{v['unit']} {v['province']}"
    if code == "@none":
        return None, None, False
    if code == "@house" and year < 1976:
        return (*rng.choice(vocab.SAIGON_HOUSES), False)
    if code == "@house":
        name, place, _, _ = rng.choice([h for h in vocab.HOUSES if int(h[2]) <= year <= int(h[3])])
        return name, place, True
    if code == "@party" and year >= 1995 and rng.random() < 0.5:
        return "Chính trị Quốc gia", "H.", True
    if code in ("@party", "@local"):
        body = "Sở Văn hóa và Thông tin" if year < 2008 else "Sở Văn hóa, Thể thao và Du lịch"
        return f"{body} {local}", v["seat"], False
    if code == "@map":
        return "Bản đồ" if year < 2008 else "Tài nguyên - Môi trường và Bản đồ Việt Nam", "H.", True
    if code == "@french":
        return rng.choice(vocab.FRENCH_PRINTERS), "Saigon", False
    if code == "@paper" and paper is not None:
        return paper[6] or f"Đảng bộ Đảng Cộng sản Việt Nam {local}", v["seat"], False
    name, place = code.format_map(v).split("|")
    return name, place, name in _HOUSE_NAMES


def _isbn13(rng: random.Random) -> str:
    """Return a valid ISBN-13 (digits only) in Vietnam's 978-604 group."""
    body = f"978604{rng.randint(0, 99):02d}{rng.randint(0, 9999):04d}"
    total = sum((1, 3)[i % 2] * int(ch) for i, ch in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _isbn10(isbn13: str) -> str:
    core = isbn13[3:12]
    check = (11 - sum((10 - i) * int(ch) for i, ch in enumerate(core)) % 11) % 11
    return core + ("X" if check == 10 else str(check))


def _extent(rng: random.Random, kind: str, year: int) -> tuple[str, str, str]:
    minutes = rng.randint(25, 75)
    return {
        "book": (f"{rng.randint(60, 900)} tr.", rng.choice(("minh họa", "ảnh, bản đồ", "")),
                 f"{rng.choice((19, 20, 21, 24, 27))} cm"),
        "map": ("1 bản đồ", "màu" if year >= 1960 else "",
                rng.choice(("54 x 79 cm", "79 x 109 cm", "60 x 84 cm"))),
        "photograph": ("1 ảnh", "màu" if year >= 1985 else "đen trắng",
                       rng.choice(("9 x 14 cm", "13 x 18 cm", "20 x 25 cm"))),
        "newspaper": (f"{rng.choice((4, 8, 12, 16))} tr.", "", rng.choice(("42 cm", "47 cm"))),
        "manuscript": (f"{rng.randint(4, 120)} tờ", "", f"{rng.choice((24, 28, 32))} cm"),
        "audio": ((f"1 đĩa CD ({minutes} phút)", "số hóa", "12 cm") if year >= 1998
                  else ("1 băng cassette (60 phút)", "analog", "")),
        "video": (f"1 đĩa DVD ({minutes} phút)", "âm thanh, màu", "12 cm"),
    }[kind]  # fmt: skip


def _hold(rng: random.Random, work: _Work, code: str, *, first: bool) -> _Holding:
    """Catalogue ``work`` the way member ``code`` does; later copies drift from the first."""
    forms, digits, isbn = work.date_forms, work.isbn13, None
    date = forms[0] if rng.random() < (0.7 if first else 0.3) else rng.choice(forms)
    if digits and code == "camau" and rng.random() < 0.5:  # an older system keeps ISBN-10
        ten = _isbn10(digits)
        isbn = f"ISBN {ten[:3]}-{ten[3:5]}-{ten[5:9]}-{ten[9]}"
    elif digits:
        hyphenated = f"{digits[:3]}-{digits[3:6]}-{digits[6:8]}-{digits[8:12]}-{digits[12]}"
        # MARC 020 $a carries bare digits; Đồng Tháp's system drops the hyphens too.
        isbn = {"travinh": digits, "dongthap": f"ISBN {digits}"}.get(code, f"ISBN {hyphenated}")
    return _Holding(work=work, with_subtitle=first or rng.random() > 0.35, date=date, isbn=isbn)


def _library(rng: random.Random, row: tuple[str, ...], holdings: list[_Holding]) -> SampleLibrary:
    code, name_vi, name_en, province, prefix, pub_prefix, rights = row
    # About 5% of titles arrive decomposed (NFD), as from a MARC-8 conversion or a Mac.
    candidates = [i for i, h in enumerate(holdings) if _nfd(h.work.title) != h.work.title]
    picked = set(rng.sample(candidates, max(2, round(len(holdings) * 0.05))))
    slots: list[_Holding | None] = [replace(h, nfd=True) if i in picked else h
                                    for i, h in enumerate(holdings)]  # fmt: skip
    slots += [None] * rng.randint(3, 6)  # withdrawn items, served as deleted records
    rng.shuffle(slots)
    number, span = rng.randint(1000, 4000), int((_END - _START).total_seconds())
    records: list[SampleRecord] = []
    for holding in slots:
        number += rng.choice((1, 1, 1, 2, 3, 5, 11))
        stamp = _START + timedelta(seconds=rng.randint(0, span))
        oai_id = f"oai:{code}.demo.mekong:{number}"
        if holding is None:
            records.append(SampleRecord(oai_id=oai_id, datestamp=stamp, deleted=True,
                                        metadata_xml=None, set_specs=()))  # fmt: skip
            continue
        xml = (_marc_xml(holding, number, stamp, rights) if prefix == "marc21"
               else _dc_xml(holding, code, pub_prefix, rights))  # fmt: skip
        specs = (f"type:{holding.work.kind}", *(f"prov:{p}" for p in holding.work.provinces))
        records.append(SampleRecord(oai_id=oai_id, datestamp=stamp, deleted=False,
                                    metadata_xml=xml, set_specs=specs))  # fmt: skip
    return SampleLibrary(code=code, name_vi=name_vi, name_en=name_en, province=province,
                         metadata_prefix=prefix, records=tuple(records))  # fmt: skip


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _type_key(work: _Work) -> str:
    hannom = work.kind == "manuscript" and "Hán Nôm" in work.subjects
    return "manuscript-hannom" if hannom else work.kind


def _rights(work: _Work, rights: str) -> str:
    return rights if work.year >= 1950 else vocab.PUBLIC_DOMAIN_RIGHTS


def _creators(work: _Work) -> list[str]:
    """Creators in the order MARC 1XX/7XX gives them, so both formats agree on the first."""
    authors = [name for name, role in work.people if role not in _CONTRIBUTOR_ROLES]
    if work.main_entry and work.corp:
        return [work.corp, *authors]
    return authors + ([work.corp] if work.corp else [])


def _dc_xml(holding: _Holding, code: str, pub_prefix: str, rights: str) -> bytes:
    work, text = holding.work, (_nfd if holding.nfd else str)
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})

    def add(name: str, *values: str) -> None:
        for value in values:
            etree.SubElement(root, f"{{{DC_NS}}}{name}").text = value

    subtitle = work.subtitle if holding.with_subtitle else None
    add("title", text(work.title + (f" : {subtitle}" if subtitle else "")))
    add("creator", *_creators(work))
    add("contributor", *(name for name, role in work.people if role in _CONTRIBUTOR_ROLES))
    add("subject", *map(text, work.subjects))
    add("description", work.description)
    if work.publisher:
        add("publisher", (pub_prefix if work.is_house else "") + work.publisher)
    add("date", holding.date)
    add("type", *_DC_TYPES[code, _type_key(work)])
    if code == "dongthap":
        a, b, c = work.extent
        add("format", a + (f" : {b}" if b else "") + (f" ; {c}" if c else ""))
    if holding.isbn:
        add("identifier", holding.isbn)
    add("language", work.language)
    add("coverage", *work.places)
    add("rights", _rights(work, rights))
    return etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def _isbd(
    parts: list[tuple[str, str]], joins: dict[str, str], end: str = "."
) -> list[tuple[str, str]]:
    """End each value with the mark that introduces the next subfield (``joins[code]``)."""
    out = []
    for i, (code, value) in enumerate(parts):
        mark = joins.get(parts[i + 1][0], "") if i + 1 < len(parts) else end
        if mark.strip() and value.endswith(mark.strip()):
            mark = ""  # "[197-?]." stays as it is, and "Nxb." never becomes "Nxb.."
        out.append((code, value + mark))
    return out


def _statement(work: _Work) -> str | None:
    """Return 245 $c: "Trịnh Hoài Đức ; Đỗ Mộng Khương, Nguyễn Ngọc Tỉnh dịch ; ..."."""
    groups: list[tuple[str, list[str]]] = []
    for person, role in work.people:
        if groups and groups[-1][0] == role:
            groups[-1][1].append(person)
        else:
            groups.append((role, [person]))
    parts = [", ".join(names) + (f" {'ch.b.' if role == 'chủ biên' else role}" if role else "")
             for role, names in groups]  # fmt: skip
    return " ; ".join(([work.corp] if work.corp else []) + parts) or None


def _marc_xml(holding: _Holding, number: int, stamp: datetime, rights: str) -> bytes:
    work, text = holding.work, (_nfd if holding.nfd else str)
    root = etree.Element(f"{{{MARC_NS}}}record", nsmap={"marc": MARC_NS})
    music = work.kind == "audio" and "Âm nhạc dân gian" in work.subjects
    leader = "jm" if music else _LEADER[work.kind]
    etree.SubElement(root, f"{{{MARC_NS}}}leader").text = f"00000n{leader} a2200000 a 4500"

    def control(tag: str, value: str) -> None:
        etree.SubElement(root, f"{{{MARC_NS}}}controlfield", tag=tag).text = value

    def field(tag: str, indicators: str, subfields: list[tuple[str, str]]) -> None:
        node = etree.SubElement(root, f"{{{MARC_NS}}}datafield", tag=tag,
                                ind1=indicators[0], ind2=indicators[1])  # fmt: skip
        for code, value in subfields:
            etree.SubElement(node, f"{{{MARC_NS}}}subfield", code=code).text = value

    def name(person: str, role: str) -> list[tuple[str, str]]:
        parts = [("a", person)]
        if person in _AUTHOR_DATES:
            parts.append(("d", _AUTHOR_DATES[person]))
        if role:
            parts.append(("e", role))
        return _isbd(parts, {"d": ",", "e": ","})

    control("001", str(number))
    control("005", stamp.strftime("%Y%m%d%H%M%S.0"))
    control("008", f"{stamp:%y%m%d}{work.fixed_dates}vm {' ' * 17}{work.language} d")
    if holding.isbn:  # Vietnamese records give a price; derive one rather than draw it
        price = f"{int(holding.isbn[-5:-1]) % 60 + 40}000đ"
        field("020", "  ", [("a", holding.isbn), ("c", price)])
    field("041", "0 ", [("a", work.language)])
    field("082", "04", [("a", work.ddc), ("2", "23")])
    words = work.title.split() + ["A"]  # call number: DDC plus a Vietnamese-style mark "Đ301C"
    mark = f"{words[0][0].upper()}{100 + sum(map(ord, work.title)) % 500}{words[1][0].upper()}"
    field("090", "  ", [("a", work.ddc), ("b", mark)])
    people = list(work.people)
    if work.main_entry and work.corp:
        field("110", "2 ", [("a", work.corp + ".")])
    elif work.main_entry and people:
        field("100", "0 ", name(*people.pop(0)))
    title = [("a", text(work.title))]
    if work.subtitle and holding.with_subtitle:
        title.append(("b", text(work.subtitle)))
    if statement := _statement(work):
        title.append(("c", statement))
    has_1xx = work.main_entry and bool(work.corp or work.people)
    field("245", ("1" if has_1xx else "0") + "0", _isbd(title, {"b": " :", "c": " /"}))
    if work.scale:
        field("255", "  ", [("a", work.scale + ".")])
    imprint = [("a", work.pub_place or ""), ("b", work.publisher or ""), ("c", holding.date)]
    field("260", "  ", _isbd([p for p in imprint if p[1]], {"b": " :", "c": ","}))
    physical = [p for p in zip("abc", work.extent, strict=True) if p[1]]
    field("300", "  ", _isbd(physical, {"b": " :", "c": " ;"}))
    field("520", "  ", [("a", work.description)])
    if work.language in _LANGUAGE_NOTES:
        field("546", "  ", [("a", _LANGUAGE_NOTES[work.language])])
    field("540", "  ", [("a", _rights(work, rights))])
    for tag, values in (("650", map(text, work.subjects)), ("651", work.places)):
        for value in values:
            field(tag, " 7", [("a", value), ("2", "Bộ TK TVQG")])
    field("655", " 7", [("a", _GENRES[_type_key(work)]), ("2", "local")])
    for person, role in people:
        field("700", "0 ", name(person, role))
    if work.corp and not work.main_entry:
        field("710", "2 ", [("a", work.corp + ".")])
    return etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def _title_key(title: str) -> str:
    """Fold a title proper for matching: no subtitle, case, diacritics or punctuation."""
    text = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").casefold()
    return " ".join(re.sub(r"\W+", " ", re.split(r" [:/] ", text)[0]).split())


def _summary_lines(libraries: tuple[SampleLibrary, ...]) -> list[str]:
    """Describe the data: per library counts by type, deleted and NFD records; shared works."""
    lines = [f"{len(libraries)} libraries, {sum(len(lib.records) for lib in libraries)} records"]
    holders: dict[str, dict[str, None]] = {}
    for lib in libraries:
        live = [(r.set_specs[0][5:], r.metadata_xml) for r in lib.records if r.metadata_xml]
        kinds = Counter(kind for kind, _ in live)
        nfd = sum(1 for _, xml in live if _nfc(xml.decode()) != xml.decode())
        for _, xml in live:
            root = etree.fromstring(xml, _PARSER)
            title = root.findtext(f"{{{DC_NS}}}title") or root.findtext(_MARC_TITLE) or ""
            holders.setdefault(_title_key(title), {})[lib.code] = None
        lines.append(
            f"{lib.code:9} {lib.metadata_prefix:6} {lib.name_vi}: {len(lib.records)} "
            f"records, {len(lib.records) - len(live)} deleted, {nfd} with NFD text"
        )
        lines.append("  " + ", ".join(f"{kind} {kinds[kind]}" for kind in _KINDS if kinds[kind]))
    sizes = Counter(len(codes) for codes in holders.values())
    lines.append(f"shared works (same title proper): {sum(sizes[n] for n in (2, 3, 4))} held by "
                 f"2+ libraries, {sizes[3] + sizes[4]} by 3+")  # fmt: skip
    return lines


def main() -> None:
    """Print the demo's sample records as XML, or with --summary what they contain."""
    parser = argparse.ArgumentParser(prog="python -m demo.sample_data", description=main.__doc__)
    parser.add_argument("--seed", type=int, default=2025, help="random seed (default: 2025)")
    parser.add_argument("--summary", action="store_true",
                        help="print counts per library instead of the records")  # fmt: skip
    args = parser.parse_args()
    libraries = generate_libraries(args.seed)
    if args.summary:
        print(f"seed {args.seed}:", "\n".join(_summary_lines(libraries)))
        return
    for lib in libraries:
        for record in lib.records:
            print(f"<!-- {record.oai_id} {record.datestamp:%Y-%m-%dT%H:%M:%SZ} "
                  f"{' '.join(record.set_specs) or 'deleted'} -->")  # fmt: skip
            if record.metadata_xml:
                print(record.metadata_xml.decode())


if __name__ == "__main__":
    main()
