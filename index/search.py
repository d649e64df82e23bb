"""Search the index: one entry per work, filters, facets, highlights and "did you mean"."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import sorting
from whoosh.highlight import HtmlFormatter, WholeFragmenter
from whoosh.query import And, NumericRange, Or, Query, Term
from whoosh.searching import Hit, Results, Searcher

from catalog.errors import QueryError, SearchIndexError
from catalog.normalize import fold
from index.build import schema_version_of
from index.query import parse_query
from index.schema import SCHEMA_VERSION

FACETS = ("library", "kind", "province", "decade")
_SUGGEST_FIELDS = ("title", "subjects", "places", "creators")


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchHit:
    """One result row: the best-ranked record of one work."""

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
    """One page of results with facet counts over all matching records."""

    query: str
    total: int  # works (clusters) matching
    records: int  # records matching, across libraries
    page: int
    pages: int
    hits: tuple[SearchHit, ...]
    facets: dict[str, tuple[tuple[str, int], ...]]
    suggestion: str | None = None  # "did you mean", with diacritics restored
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)


class SearchIndex:
    """A read-only view of the index, refreshed after the writer commits."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._ix: whoosh_index.Index | None = None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._accents: tuple[int, dict[str, str]] | None = None

    def _index(self) -> whoosh_index.Index:
        with self._lock:
            if self._ix is None:
                if not whoosh_index.exists_in(str(self.index_dir)):
                    raise SearchIndexError(
                        f"{self.index_dir}: no search index yet; run `unioncat index`"
                    )
                if schema_version_of(self.index_dir) != SCHEMA_VERSION:
                    raise SearchIndexError(
                        f"{self.index_dir}: the index was built by another version; "
                        "run `unioncat index --rebuild`"
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
        years: tuple[int | None, int | None] = (None, None),
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResult:
        """Search for ``text`` (any form of Vietnamese) within ``filters``; pages from 1.

        Records of one work held by several libraries come back as one hit.
        """
        if page < 1 or not 1 <= per_page <= 100:
            raise QueryError(
                f"page must be 1 or more and per_page 1 to 100, got {page} and {per_page}"
            )
        parsed = parse_query(text)
        searcher = self.searcher()
        facets: dict[str, sorting.FacetType] = {
            # A record can lie in several provinces: that facet's values overlap.
            name: sorting.FieldFacet(name, maptype=sorting.Count, allow_overlap=name == "province")
            for name in FACETS
        }
        facets["cluster"] = sorting.FieldFacet("cluster", maptype=sorting.Count)
        filter_query = _filter_query(filters or {}, years)
        wanted = page * per_page
        # One pass: facets count every matching record (a work held by two libraries counts
        # for both), and the top hits are collapsed to one per work here. Whoosh's own
        # collapse would also collapse the facet counts, and a second pass doubles the cost.
        limit = wanted * 2 + 20
        while True:
            results = searcher.search(
                parsed.query,
                limit=limit,
                filter=filter_query,
                groupedby=facets,
                sortedby=sorting.FieldFacet("title_sort") if parsed.is_empty else None,
            )
            firsts = _first_of_each_work(results)
            if len(firsts) >= wanted or results.scored_length() < limit:
                break
            limit *= 4  # many records of few works on top: look further down
        results.fragmenter = WholeFragmenter()
        results.formatter = HtmlFormatter(tagname="mark", between=" ")
        hits = tuple(
            _hit(hit, highlight=not parsed.is_empty)
            for hit in firsts[(page - 1) * per_page : wanted]
        )
        counted = results
        clusters = counted.groups("cluster")
        total = len(clusters)
        suggestion = self._suggest(parsed.words) if parsed.words else None
        return SearchResult(
            query=text,
            total=total,
            records=sum(clusters.values()),
            page=page,
            pages=max(1, -(-total // per_page)),
            hits=hits,
            facets={name: _ordered(name, counted.groups(name).items()) for name in FACETS},
            suggestion=suggestion if suggestion and fold(suggestion) != suggestion else None,
            filters=dict(filters or {}),
        )

    def _suggest(self, words: tuple[str, ...]) -> str | None:
        """Restore diacritics to a query typed without them ("dia chi" → "địa chí")."""
        if any(fold(word) != word.lower() for word in words):
            return None  # the reader typed marks: trust them
        accents = self._accent_map()
        restored = [accents.get(fold(word), word) for word in words]
        return " ".join(restored) if restored != list(words) else None

    def _accent_map(self) -> dict[str, str]:
        """Map each folded word to its most frequent accented form in the index."""
        searcher = self.searcher()
        generation = id(searcher.reader())
        if self._accents is None or self._accents[0] != generation:
            best: dict[str, tuple[int, str]] = {}
            reader = searcher.reader()
            for name in _SUGGEST_FIELDS:
                for term in reader.lexicon(name):
                    word = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                    folded = fold(word)
                    if folded == word:
                        continue
                    frequency = reader.doc_frequency(name, term)
                    if frequency > best.get(folded, (0, ""))[0]:
                        best[folded] = (frequency, word)
            self._accents = (generation, {key: word for key, (_, word) in best.items()})
        return self._accents[1]


def _first_of_each_work(results: Results) -> list[Hit]:
    seen: set[str] = set()
    firsts = []
    for hit in results:
        if hit["cluster"] not in seen:
            seen.add(hit["cluster"])
            firsts.append(hit)
    return firsts


def _hit(hit: object, *, highlight: bool) -> SearchHit:
    display = hit.get("display") or {}  # type: ignore[attr-defined]
    title = hit.get("title")  # type: ignore[attr-defined]
    # Highlight through the folded field so "dong thap" marks "Đồng Tháp".
    marked = hit.highlights("title_f", text=title) if title and highlight else ""  # type: ignore[attr-defined]
    score = hit.score  # type: ignore[attr-defined]
    return SearchHit(
        key=hit["key"],  # type: ignore[index]
        title=title or None,
        title_html=marked or _escape(title or ""),
        creators=tuple(display.get("creators", ())),
        date=display.get("date"),
        year=hit.get("year"),  # type: ignore[attr-defined]
        kind=hit["kind"],  # type: ignore[index]
        library=hit["library"],  # type: ignore[index]
        cluster=hit["cluster"],  # type: ignore[index]
        score=float(score) if isinstance(score, int | float) else 0.0,
    )


def _ordered(name: str, counts: Iterable[tuple[object, int]]) -> tuple[tuple[str, int], ...]:
    """Order facet values: decades newest first, the others by count."""
    values = [(str(value), int(count)) for value, count in counts if value]
    if name == "decade":
        return tuple(sorted(values, reverse=True))
    return tuple(sorted(values, key=lambda item: (-item[1], item[0])))


def _filter_query(
    filters: dict[str, tuple[str, ...]], years: tuple[int | None, int | None]
) -> Query | None:
    clauses: list[Query] = []
    for name, values in filters.items():
        if name not in FACETS:
            raise QueryError(f"cannot filter by {name!r}; filters are {', '.join(FACETS)}")
        if values:
            clauses.append(Or([Term(name, value) for value in values]))
    start, end = years
    if start is not None and end is not None and start > end:
        raise QueryError(f"the year range starts after it ends: {start} to {end}")
    if start is not None or end is not None:
        # Records whose years overlap the range; records without a year drop out.
        clauses.append(And([NumericRange("year", None, end), NumericRange("year_to", start, None)]))
    return And(clauses) if clauses else None


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
