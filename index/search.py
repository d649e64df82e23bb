"""Search the index: Vietnamese-aware query parsing, filters, facets and highlights."""

from __future__ import annotations

import functools
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import sorting
from whoosh.fields import Schema
from whoosh.highlight import HtmlFormatter, WholeFragmenter
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.query import And, Every, Or, Query, Term
from whoosh.searching import Searcher

from catalog.errors import QueryError, SearchIndexError
from catalog.normalize import fold
from index.schema import TEXT_FIELDS, make_schema

FACETS = ("library", "kind", "decade")
_MAX_QUERY = 500
# Exact fields outrank folded ones so "Cà Mau" puts records about Cà Mau above "cá mâu".
_EXACT_BOOSTS = {"title": 6.0, "creators": 3.0, "subjects": 3.0, "places": 3.0,
                 "description": 1.0, "publisher": 1.0}  # fmt: skip
_FOLDED_BOOSTS = {f"{name}_f": boost / 2 for name, boost in _EXACT_BOOSTS.items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchHit:
    """One result row."""

    key: str
    title: str | None
    title_html: str  # escaped title with <mark> around matched words
    creators: tuple[str, ...]
    date: str | None
    year: int | None
    kind: str
    library: str
    cluster: str
    score: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    """One page of results with facet counts over all matches."""

    query: str
    total: int
    page: int
    pages: int
    hits: tuple[SearchHit, ...]
    facets: dict[str, tuple[tuple[str, int], ...]]


class SearchIndex:
    """A read-only view of the index, refreshed after the writer commits."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._ix: whoosh_index.Index | None = None
        self._local = threading.local()
        self._lock = threading.Lock()

    def _index(self) -> whoosh_index.Index:
        with self._lock:
            if self._ix is None:
                if not whoosh_index.exists_in(str(self.index_dir)):
                    raise SearchIndexError(
                        f"{self.index_dir}: no search index yet; run `unioncat index`"
                    )
                self._ix = whoosh_index.open_dir(str(self.index_dir))
            return self._ix

    def searcher(self) -> Searcher:
        """Return this thread's searcher, refreshed when the index has changed."""
        searcher: Searcher | None = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._index().searcher()
        elif not searcher.up_to_date():
            searcher = searcher.refresh()
        self._local.searcher = searcher
        return searcher

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def count(self) -> int:
        return int(self.searcher().doc_count())

    def search(
        self,
        text: str,
        *,
        filters: dict[str, tuple[str, ...]] | None = None,
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResult:
        """Search for ``text`` (any form of Vietnamese) within ``filters``; page from 1."""
        if page < 1 or not 1 <= per_page <= 100:
            raise QueryError(
                f"page must be 1 or more and per_page 1 to 100, got {page}, {per_page}"
            )
        query = parse_query(text)
        searcher = self.searcher()
        filter_query = _filter_query(filters or {})
        facets = {name: sorting.FieldFacet(name, maptype=sorting.Count) for name in FACETS}
        results = searcher.search_page(
            query,
            page,
            pagelen=per_page,
            filter=filter_query,
            groupedby=facets,
            terms=True,
            sortedby=None if text.strip() else sorting.FieldFacet("title_sort"),
        )
        results.results.fragmenter = WholeFragmenter()
        results.results.formatter = HtmlFormatter(tagname="mark", between=" ")
        hits = []
        for hit in results:
            display = hit.get("display") or {}
            title = hit.get("title")
            # Highlight through the folded field so "dong thap" marks "Đồng Tháp".
            marked = hit.highlights("title_f", text=title or "") if title else ""
            hits.append(
                SearchHit(
                    key=hit["key"],
                    title=title or None,
                    title_html=marked or _escape(title or ""),
                    creators=tuple(display.get("creators", ())),
                    date=display.get("date"),
                    year=hit.get("year"),
                    kind=hit["kind"],
                    library=hit["library"],
                    cluster=hit["cluster"],
                    score=float(hit.score) if isinstance(hit.score, int | float) else 0.0,
                )
            )
        facet_counts = {
            name: _ordered(name, results.results.groups(name).items()) for name in FACETS
        }
        return SearchResult(
            query=text,
            total=len(results.results),
            page=results.pagenum,
            pages=results.pagecount,
            hits=tuple(hits),
            facets=facet_counts,
        )


def parse_query(text: str) -> Query:
    """Parse a reader's query; search exact and folded fields, exact ones boosted.

    A query without Vietnamese marks searches the folded fields only, so that records
    typed without diacritics do not outrank accented ones. Bad syntax falls back to words.
    """
    if len(text) > _MAX_QUERY:
        raise QueryError(f"the query is {len(text)} characters long; the limit is {_MAX_QUERY}")
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        return Every()
    has_marks = fold(text) != text.lower()
    boosts = dict(_FOLDED_BOOSTS)
    if has_marks:
        boosts.update(_EXACT_BOOSTS)
    fields = list(boosts)
    schema = _schema()
    parser = MultifieldParser(fields, schema=schema, fieldboosts=boosts)
    try:
        return parser.parse(text)
    except Exception:  # noqa: BLE001 - whoosh's parser raises assorted errors on odd syntax
        words = " ".join(word for word in text.replace('"', " ").split())
        return MultifieldParser(fields, schema=schema, fieldboosts=boosts, group=OrGroup).parse(
            words
        )


def _ordered(name: str, counts: Iterable[tuple[object, int]]) -> tuple[tuple[str, int], ...]:
    """Order facet values: decades newest first, the others by count."""
    values = [(str(value), int(count)) for value, count in counts if value]
    if name == "decade":
        return tuple(sorted(values, reverse=True))
    return tuple(sorted(values, key=lambda item: (-item[1], item[0])))


@functools.cache
def _schema() -> Schema:
    return make_schema()


def _filter_query(filters: dict[str, tuple[str, ...]]) -> Query | None:
    clauses: list[Query] = []
    for name, values in filters.items():
        if name not in FACETS:
            raise QueryError(f"cannot filter by {name!r}; filters are {', '.join(FACETS)}")
        if values:
            clauses.append(Or([Term(name, value) for value in values]))
    return And(clauses) if clauses else None


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


__all__ = ["FACETS", "TEXT_FIELDS", "SearchHit", "SearchIndex", "SearchResult", "parse_query"]
