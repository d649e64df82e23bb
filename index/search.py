"""Search the index: one entry per work, filters, facets, highlights, "did you mean", type-ahead."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.query import And, NumericRange, Or, Query, Term
from whoosh.searching import Searcher

from catalog.errors import QueryError, SearchIndexError
from catalog.normalize import fold
from index import suggest as typing_help
from index.cache import GenerationCache
from index.collation import sort_key
from index.highlight import Highlighter, Segment
from index.matching import Docs, DocValues, QueryRun, best_first, in_order
from index.query import parse_query
from index.schema import SCHEMA_VERSION, SUBJECT_SEPARATOR, SUGGEST_KINDS, subject_value
from index.swap import LiveIndex

log = logging.getLogger(__name__)

FACETS = ("library", "kind", "province", "decade", "language", "subject")
# Facets where a record has several values, with the separator of their column.
_OVERLAPPING = {"province": ",", "language": ",", "subject": SUBJECT_SEPARATOR}
_FACET_LIMITS = {"subject": 30}  # most frequent values returned; the others are counted too
# Result orders: relevance (an empty query lists titles alphabetically), the newest or oldest
# first, titles in Vietnamese alphabetical order (index/collation.py).
SORTS = ("relevance", "newest", "oldest", "title")
FACET_VALUES_LIMIT = 1000  # values of one facet listed at most (its full list on the page)
_FILTER_CACHE = 64  # filter sets: one byte a document each (100 KB at 100,000 records)
_FACET_CACHE = 512  # facet counts of recent (query, filters)
WARM_INTERVAL = 2.0  # seconds between a server's looks for a new index generation (keep_warm)
_PAGE_CACHE = 256  # whole result pages: a repeated search (back button, paging) costs no scoring

_Facets = dict[str, tuple[tuple[str, int], ...]]


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchHit:
    """One result row: the best-ranked record of one work."""

    key: str
    title: str | None
    title_highlight: tuple[Segment, ...]  # the whole title, matched words marked
    creators: tuple[str, ...]
    date: str | None
    year: int | None
    kind: str
    library: str
    cluster: str
    score: float
    thumbnail: str | None = None  # an http(s) image the member gives, if any


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
    # Marks the query's words in other texts of the hits (their descriptions).
    highlighter: Highlighter = field(default_factory=lambda: Highlighter(frozenset(), frozenset()))


class SearchIndex:
    """A read-only view of the index, refreshed after the writer commits."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._live = LiveIndex(index_dir, schema_version=SCHEMA_VERSION)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._filters: GenerationCache[Docs] = GenerationCache(_FILTER_CACHE)
        self._values: GenerationCache[DocValues] = GenerationCache(1)
        self._counts: GenerationCache[tuple[_Facets, int, int]] = GenerationCache(_FACET_CACHE)
        self._pages: GenerationCache[SearchResult] = GenerationCache(_PAGE_CACHE)
        self._accents: GenerationCache[dict[str, str]] = GenerationCache(1)

    def _index(self) -> whoosh_index.Index:
        """Return the live generation's index; after a rebuild's switch, the new one."""
        return self._live.index()  # raises SearchIndexError: none yet, or another schema

    def searcher(self) -> Searcher:
        """Return this thread's searcher, refreshed when the index has changed."""
        ix = self._index()
        searcher: Searcher | None = getattr(self._local, "searcher", None)
        if searcher is not None and (self._local.ix is not ix or not searcher.up_to_date()):
            # Not Searcher.refresh(): it reuses the reader of every segment it already had,
            # and a reused reader keeps the deletions it was opened with, so updated and
            # deleted records would stay findable until a restart. A searcher of the
            # generation before a rebuild is closed here, by its own thread, after its
            # searches have finished.
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = ix.searcher()
        self._local.searcher, self._local.ix = searcher, ix
        return searcher

    def close(self) -> None:
        """Close this thread's searcher and let go of the index folders (others may remove them)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = self._local.ix = None
        self._live.close()

    def count(self) -> int:
        return int(self.searcher().doc_count())

    def warm(self) -> None:
        """Read now what every search of the live generation needs, once: the facet columns,
        the sort orders, the postings files and the accent map of "did you mean".

        Otherwise the first search after a start pays for them (measured at 100,000 records:
        about 0.7 s). Raises SearchIndexError when there is no index yet.
        """
        searcher = self.searcher()
        generation = int(searcher.reader().generation())
        values = self._values.get(
            generation, "values", lambda: DocValues(searcher, FACETS, overlapping=_OVERLAPPING)
        )
        for order in ("title", "newest", "oldest"):
            values.order(searcher, order)
        values.open_postings_files(searcher)
        self._accents.get(generation, "accents", lambda: typing_help.accent_map(searcher.reader()))

    def keep_warm(
        self, interval: float = WARM_INTERVAL, stop: threading.Event | None = None
    ) -> threading.Thread:
        """Start a daemon thread that warms each new generation as soon as it appears.

        A commit (the nightly update) or a rebuild's switch makes a new generation, whose
        columns the next search would read in a patron's request: 0.7 s at 100,000 records,
        6.5 s at 1,000,000. The thread looks every ``interval`` seconds until ``stop`` is set;
        an error is logged and it looks again. Returns the thread, started.
        """
        stop = stop or threading.Event()

        def watch() -> None:
            seen: tuple[int, int] | None = None
            while not stop.wait(interval):
                try:
                    ix = self._index()
                    current = (id(ix), int(ix.latest_generation()))
                    if current != seen:
                        self.warm()
                        seen = current
                except SearchIndexError:
                    continue  # no index yet: the first update makes one
                except Exception:  # noqa: BLE001 - a warm-up is never worth a dead thread
                    log.warning(
                        "%s: reading the new index generation ahead of searches failed; "
                        "the next search reads it, and this looks again in %s s",
                        self.index_dir,
                        interval,
                        exc_info=True,
                    )

        thread = threading.Thread(target=watch, name="index-keep-warm", daemon=True)
        thread.start()
        return thread

    def generation(self) -> int:
        """Return the generation of the index a search would read now; a commit raises it.

        Not comparable across a rebuild's switch to a new folder: key caches by (folder,
        generation) there, or use it with other keys that change too.
        """
        return int(self.searcher().reader().generation())

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
                lambda: QueryRun(searcher, values, filter_query).docs(),
            )
            docs = docs & allowed
        counted = self._counts.peek(generation, count_key)
        if counted is None:
            # Every matching record counts (a work held by two libraries counts for both).
            counted = (
                {name: _ordered(name, values.count(name, docs).items()) for name in FACETS},
                values.works(docs),
                int(docs.sum()),
            )
            self._counts.put(generation, count_key, counted)
        wanted = page * per_page
        if sort != "relevance" or parsed.is_empty:
            places = values.order(searcher, "title" if sort == "relevance" else sort)
            firsts = in_order(docs, places, values.work, wanted)
            # Scores only for the page shown (the API reports them).
            shown = values.none()
            shown[firsts[(page - 1) * per_page :]] = True
            scores = np.zeros(values.size) if parsed.is_empty else run.scores(shown)
        else:
            scores = run.scores(docs)
            firsts = best_first(docs, scores, values.work, wanted)
        highlighter = (
            Highlighter.for_query(parsed.query)
            if not parsed.is_empty
            else Highlighter(frozenset(), frozenset())
        )
        hits = tuple(
            _hit(searcher, docnum, scores[docnum], highlighter)
            for docnum in firsts[(page - 1) * per_page :]
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
            highlighter=highlighter,
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

    def facet_values(
        self,
        text: str,
        name: str,
        *,
        filters: dict[str, tuple[str, ...]] | None = None,
        years: tuple[int | None, int | None] = (None, None),
        contains: str = "",
        limit: int = FACET_VALUES_LIMIT,
    ) -> tuple[tuple[str, int], ...]:
        """Return the values of facet ``name`` among the search's matches, with their counts.

        All of them, not only the top ones :meth:`search` returns: for the full list of a
        long facet and for typing into it. ``contains`` keeps the values with a word that
        starts with it, typed with or without marks ("lich su" finds "Lịch sử"); values
        that start with it come first, then by count. Raises QueryError for bad arguments.
        """
        if name not in FACETS:
            raise QueryError(f"no facet {name!r}; facets are {', '.join(FACETS)}")
        if not 1 <= limit <= FACET_VALUES_LIMIT:
            raise QueryError(f"limit must be 1 to {FACET_VALUES_LIMIT}, got {limit}")
        if len(contains) > 200:
            raise QueryError(f"the text is {len(contains)} characters long; the limit is 200")
        parsed = parse_query(text)
        searcher = self.searcher()
        generation = int(searcher.reader().generation())
        values = self._values.get(
            generation, "values", lambda: DocValues(searcher, FACETS, overlapping=_OVERLAPPING)
        )
        docs = QueryRun(searcher, values, parsed.query).docs()
        filters = dict(filters or {})
        filter_query = _filter_query(filters, years)
        if filter_query is not None:
            chosen = sorted((key, tuple(sorted(got))) for key, got in filters.items() if got)
            allowed = self._filters.get(
                generation,
                (tuple(chosen), years),  # the key search() uses: one cache for both
                lambda: QueryRun(searcher, values, filter_query).docs(),
            )
            docs = docs & allowed
        typed = typing_help.folded_prefix(contains)
        found = []
        for value, count in values.count(name, docs).items():
            if not value:
                continue
            words = typing_help.folded_prefix(str(value))
            if typed and f" {typed}" not in f" {words}":
                continue
            found.append((typed and not words.startswith(typed), -count, str(value)))
        found.sort(key=lambda item: (item[0], item[1], _collation_key(item[2]), item[2]))
        return tuple((value, -negative) for _, negative, value in found[:limit])

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


def _hit(searcher: Searcher, docnum: int, score: float, highlighter: Highlighter) -> SearchHit:
    fields = searcher.stored_fields(docnum)
    display = fields.get("display") or {}
    title = fields.get("title")
    return SearchHit(
        key=fields["key"],
        title=title or None,
        title_highlight=highlighter.title(title or ""),
        creators=tuple(display.get("creators", ())),
        date=display.get("date"),
        year=fields.get("year"),
        kind=fields["kind"],
        library=fields["library"],
        cluster=fields["cluster"],
        score=float(score),
        thumbnail=display.get("thumbnail"),
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
