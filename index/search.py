"""Search the index: one entry per work, filters, facets, highlights, "did you mean", type-ahead."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.highlight import HtmlFormatter, WholeFragmenter
from whoosh.query import And, NumericRange, Or, Query, Term
from whoosh.searching import Results, Searcher

from catalog.errors import QueryError, SearchIndexError
from catalog.normalize import fold
from index import suggest as typing_help
from index.build import schema_version_of
from index.cache import GenerationCache
from index.collation import sort_key
from index.matching import DocValues, QueryRun, ranked
from index.query import parse_query
from index.schema import SCHEMA_VERSION, SUBJECT_SEPARATOR, SUGGEST_KINDS, subject_value

FACETS = ("library", "kind", "province", "decade", "language", "subject")
# Facets where a record has several values, with the separator of their column.
_OVERLAPPING = {"province": ",", "language": ",", "subject": SUBJECT_SEPARATOR}
_FACET_LIMITS = {"subject": 30}  # most frequent values returned; the others are counted too
# Result orders: relevance (an empty query lists titles alphabetically), the newest or oldest
# first, titles in Vietnamese alphabetical order (index/collation.py).
SORTS = ("relevance", "newest", "oldest", "title")
_FILTER_CACHE = 16  # filter sets: 2.8 MB for one passing half of 48,300 records (measured)
_FACET_CACHE = 512  # facet counts of recent (query, filters)
_PAGE_CACHE = 256  # whole result pages: a repeated search (back button, paging) costs no scoring

_Facets = dict[str, tuple[tuple[str, int], ...]]


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
        self._filters: GenerationCache[frozenset[int]] = GenerationCache(_FILTER_CACHE)
        self._values: GenerationCache[DocValues] = GenerationCache(1)
        self._counts: GenerationCache[tuple[_Facets, int, int]] = GenerationCache(_FACET_CACHE)
        self._pages: GenerationCache[SearchResult] = GenerationCache(_PAGE_CACHE)
        self._accents: GenerationCache[dict[str, str]] = GenerationCache(1)

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
        if searcher is not None and not searcher.up_to_date():
            # Not Searcher.refresh(): it reuses the reader of every segment it already had,
            # and a reused reader keeps the deletions it was opened with, so updated and
            # deleted records would stay findable until a restart.
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = self._index().searcher()
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
        sort: str = "relevance",
    ) -> SearchResult:
        """Search for ``text`` (any form of Vietnamese) within ``filters``; pages from 1.

        Records of one work held by several libraries come back as one hit: the work takes
        the place of its record that comes first in ``sort`` (one of SORTS), and that record
        is the hit shown (under "newest", the newest edition or copy that matched).
        """
        if page < 1 or not 1 <= per_page <= 100:
            raise QueryError(
                f"page must be 1 or more and per_page 1 to 100, got {page} and {per_page}"
            )
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
        parsed = parse_query(text)
        searcher = self.searcher()
        generation = int(searcher.reader().generation())
        values = self._values.get(
            generation, "values", lambda: DocValues(searcher, FACETS, overlapping=_OVERLAPPING)
        )
        filters = dict(filters or {})
        filter_query = _filter_query(filters, years)
        chosen = sorted((name, tuple(sorted(picked))) for name, picked in filters.items() if picked)
        filter_key = (tuple(chosen), years)
        count_key = (repr(parsed.query), filter_key)
        page_key = (text, count_key, page, per_page, sort)
        cached = self._pages.peek(generation, page_key)
        if cached is not None:
            return cached
        run = QueryRun(searcher, values, parsed.query)
        docs = run.docs()
        if filter_query is not None:
            allowed = self._filters.get(
                generation,
                filter_key,
                lambda: frozenset(QueryRun(searcher, values, filter_query).docs()),
            )
            docs = docs & allowed
        counted = self._counts.peek(generation, count_key)
        if counted is None:
            # Every matching record counts (a work held by two libraries counts for both).
            counted = (
                {name: _ordered(name, values.count(name, docs).items()) for name in FACETS},
                len(set(map(values.work.__getitem__, docs))),
                len(docs),
            )
            self._counts.put(generation, count_key, counted)
        wanted = page * per_page
        if sort != "relevance" or parsed.is_empty:
            rank = values.rank(searcher, "title" if sort == "relevance" else sort)
            order = sorted(docs, key=rank.__getitem__)  # ranks are distinct: no ties
            firsts = _first_of_each_work(order, values.work, wanted)
            # Scores only for the page shown (the API reports them).
            shown = set(firsts[(page - 1) * per_page :])
            scores = [0.0] * values.size if parsed.is_empty else run.scores(shown)
        else:
            scores = run.scores(docs)
            order = ranked(docs, scores.__getitem__, reverse=True)
            firsts = _first_of_each_work(order, values.work, wanted)
        # A Results of the page only, for Whoosh's highlighter (it reads the query's terms).
        results = Results(
            searcher,
            parsed.query,
            [(scores[docnum], docnum) for docnum in firsts[(page - 1) * per_page :]],
        )
        results.fragmenter = WholeFragmenter()
        results.formatter = HtmlFormatter(tagname="mark", between=" ")
        hits = tuple(
            _hit(results[n], highlight=not parsed.is_empty) for n in range(len(results.top_n))
        )
        facet_counts, total, records = counted
        result = SearchResult(
            query=text,
            total=total,
            records=records,
            page=page,
            pages=max(1, -(-total // per_page)),
            hits=hits,
            facets=facet_counts,
            suggestion=self._did_you_mean(parsed.words, found=total > 0),
            filters=filters,
        )
        self._pages.put(generation, page_key, result)
        return result

    def suggest(self, prefix: str, *, field: str | None = None, limit: int = 8) -> tuple[str, ...]:
        """Complete ``prefix`` (typed with or without marks) to values as the catalog writes them.

        ``field`` is None (titles, subjects, places and creators), one of those four, or a
        facet (its values, for typing into a long facet). Raises QueryError for other fields.
        """
        if not 1 <= limit <= 50:
            raise QueryError(f"limit must be 1 to 50, got {limit}")
        if len(prefix) > 200:
            raise QueryError(f"the prefix is {len(prefix)} characters long; the limit is 200")
        reader = self.searcher().reader()
        # "subject" is both a kind of value and a facet: the kind (values as written) wins.
        if field in FACETS and field not in SUGGEST_KINDS:
            return typing_help.complete_facet(reader, field, prefix, limit=limit)
        if field is not None and field not in SUGGEST_KINDS:
            choices = ", ".join(dict.fromkeys((*SUGGEST_KINDS, *FACETS)))
            raise QueryError(f"cannot suggest {field!r}; fields are {choices}")
        kinds = (field,) if field else tuple(SUGGEST_KINDS)
        return typing_help.complete(reader, prefix, kinds=kinds, limit=limit)

    def _did_you_mean(self, words: tuple[str, ...], *, found: bool) -> str | None:
        """Restore diacritics to a folded query; correct typos only when nothing was found."""
        if not words:
            return None
        searcher = self.searcher()
        accents = self._accents.get(
            int(searcher.reader().generation()), "accents",
            lambda: typing_help.accent_map(searcher.reader()),
        )  # fmt: skip
        if not found:
            corrected = typing_help.correct(searcher, words, accents)
            if corrected:
                return corrected
        restored = typing_help.restore(words, accents)
        return restored if restored and fold(restored) != restored else None


def _first_of_each_work(order: list[int], work: list[int], wanted: int) -> list[int]:
    """Return the first ``wanted`` records of ``order`` that belong to distinct works."""
    seen: set[int] = set()
    firsts = []
    for docnum in order:
        if work[docnum] not in seen:
            seen.add(work[docnum])
            firsts.append(docnum)
            if len(firsts) == wanted:
                break
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
    """Order facet values: decades newest first, the others by count, then alphabetically.

    A facet with a limit (subjects) keeps only its most frequent values.
    """
    values = [(str(value), int(count)) for value, count in counts if value]
    if name == "decade":
        return tuple(sorted(values, reverse=True))
    limit = _FACET_LIMITS.get(name, len(values))
    if len(values) > limit:  # collation keys only for the values that can make the list
        values.sort(key=lambda item: -item[1])
        values = [item for item in values if item[1] >= values[limit - 1][1]]
    ordered = sorted(values, key=lambda item: (-item[1], _collation_key(item[0]), item[0]))
    return tuple(ordered[:limit])


@functools.lru_cache(maxsize=50_000)
def _collation_key(value: str) -> str:
    """Return a facet value's Vietnamese sort key; values recur in every search."""
    return sort_key(value)


def _filter_query(
    filters: dict[str, tuple[str, ...]], years: tuple[int | None, int | None]
) -> Query | None:
    clauses: list[Query] = []
    for name, values in filters.items():
        if name not in FACETS:
            raise QueryError(f"cannot filter by {name!r}; filters are {', '.join(FACETS)}")
        if name == "subject":  # as the index holds it: "Lịch sử." finds "Lịch sử"
            values = tuple(subject_value(value) for value in values)
        elif name == "language":  # ISO 639-3 codes are lower case
            values = tuple(value.strip().lower() for value in values)
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
