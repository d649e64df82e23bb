"""Browse the catalog by province (as it is since the 2025 merger) and by type of document.

Counts come from the index: each entry's documents are the results the search page finds with
that filter (a work held by several libraries is one result), its records the facet count.
Each entry links to that search.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flask import Blueprint, render_template

from catalog.models import KINDS
from catalog.normalize import fold
from webapp.services import services

bp = Blueprint("browse", __name__)


@dataclass(frozen=True, slots=True)
class Entry:
    """One province or type: its facet value, its documents (works) and records, its former
    provinces (for a province of today)."""

    value: str
    works: int
    records: int
    former: tuple[str, ...] = ()


@bp.get("/browse")
def browse_page() -> str:
    """List today's provinces and the types of document, each with its records."""
    search_index = services().search_index
    result = search_index.search("", per_page=1)
    province_counts = dict(result.facets.get("province", ()))
    kind_counts = dict(result.facets.get("kind", ()))
    merged = provinces_today()
    names = sorted(set(merged) | set(province_counts), key=lambda name: (fold(name), name))
    kinds = list(KINDS) + sorted(set(kind_counts) - set(KINDS))  # unknown kinds last

    def entry(name: str, value: str, records: int, former: tuple[str, ...] = ()) -> Entry:
        # One filtered search per value that has records: its total is what the link finds.
        works = (
            search_index.search("", filters={name: (value,)}, per_page=1).total if records else 0
        )
        return Entry(value=value, works=works, records=records, former=former)

    return render_template(
        "browse.html",
        provinces=[
            entry("province", value, province_counts.get(value, 0), merged.get(value, ()))
            for value in names
        ],
        kinds=[entry("kind", value, kind_counts.get(value, 0)) for value in kinds],
        works=result.total,
        records=result.records,
    )


@cache
def provinces_today() -> dict[str, tuple[str, ...]]:
    """Return each province of today with the former provinces merged into it on 1 July 2025.

    Read from the catalog's gazetteer data (catalog/data/provinces.toml), on first use.
    """
    raw = (resources.files("catalog") / "data" / "provinces.toml").read_text(encoding="utf-8")
    merged: dict[str, list[str]] = {}
    for province in tomllib.loads(raw).get("province", ()):
        today, name = province["today"], province["name"]
        former = merged.setdefault(today, [])
        if name != today:
            former.append(name)
    return {today: tuple(former) for today, former in merged.items()}
