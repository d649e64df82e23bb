"""Match and score a query over whole posting lists, and count facets over the matches.

Whoosh's matchers step through matching documents one by one in Python: at 48,300 records
"lịch sử" (15,890 matches) took 1.0 s to match, score and facet (bench/search_cold.py), 40 %
of it stepping the matcher tree, 38 % scoring, 10 % facet categorizers. Here each term's
postings are read a block at a time, matching is set algebra (C), each term is scored once
per posting with Whoosh's own BM25F scorer, and facets are counted from per-document values
read once per index generation. Scores equal Whoosh's (the same scorer, the same sums: an Or,
And or AndMaybe adds its matching children; an AndNot scores its positive side), up to the
order of floating-point additions; tests/index/test_matching.py checks both against Whoosh.
"""

from __future__ import annotations

import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate, chain
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import Matcher
from whoosh.query import (
    And,
    AndMaybe,
    AndNot,
    ConstantScoreQuery,
    Every,
    NumericRange,
    Or,
    Query,
    Term,
)
from whoosh.query.qcore import _NullQuery
from whoosh.query.terms import MultiTerm
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

_POSTINGS_BUDGET = 3_000_000  # postings kept per generation: 12 bytes each, about 36 MB


@dataclass(frozen=True, slots=True)
class _Postings:
    ids: array  # global document numbers, ascending, deleted documents left out
    scores: array  # Whoosh's BM25F score of each posting, unboosted


class DocValues:
    """Per-document values of one index generation, shared by every thread's searcher.

    Holds no reader (a Whoosh reader belongs to one thread): what is filled in lazily is
    read with the calling thread's searcher.
    """

    def __init__(
        self,
        searcher: Searcher,
        facets: Iterable[str],
        overlapping: Mapping[str, str] | None = None,
    ) -> None:
        """Read the facet columns (measured: 260 ms CPU for six at 48,300 records, once a commit).

        ``overlapping`` maps each facet where a record has several values to the separator
        of its column (a comma for KEYWORDs).
        """
        reader = searcher.reader()
        self.size = int(reader.doc_count_all())
        self.live: frozenset[int] | None = (
            frozenset(reader.all_doc_ids()) if reader.has_deletions() else None
        )
        self._single: dict[str, list[str | None]] = {}
        self._multi: dict[str, list[tuple[str, ...]]] = {}
        # A facet with several values a record is counted by combination when combinations
        # are few (languages, provinces): one Counter of small ints, then each combination's
        # count goes to its values. Measured (CPU) at 48,300 records, 15,890 matches:
        # subjects 2.7 → 0.9 ms, provinces 1.4 → 0.9 ms, as fast as a one-value facet.
        self._combinations: dict[str, tuple[list[int], list[tuple[str, ...]]]] = {}
        overlapping = overlapping or {}
        for name in facets:
            values = [_text(value) for value in reader.column_reader(name)]
            if name not in overlapping:
                self._single[name] = values
                continue
            separator = overlapping[name]
            distinct: dict[str | None, int] = {}
            ids = [distinct.setdefault(value, len(distinct)) for value in values]
            if len(distinct) * 4 <= len(ids):
                combinations = [_split(value, separator) for value in distinct]
                self._combinations[name] = (ids, combinations)
            else:  # mostly distinct: count the values themselves
                self._multi[name] = [_split(value, separator) for value in values]
        # Works by number, so counting distinct works is a set of small ints.
        numbers: dict[str | None, int] = {}
        self.work = [numbers.setdefault(_text(value), len(numbers)) for value in
                     reader.column_reader("cluster")]  # fmt: skip
        self._ranks: dict[str, list[int]] = {}
        self._lengths: dict[tuple[int, str], bytes] = {}
        self._postings: OrderedDict[tuple[str, bytes], _Postings] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def count(self, name: str, docs: Iterable[int]) -> Counter[str | None]:
        """Count the values of facet ``name`` over ``docs`` (None: records without one)."""
        if name in self._combinations:
            ids, combinations = self._combinations[name]
            counts: Counter[str | None] = Counter()
            for number, count in Counter(map(ids.__getitem__, docs)).items():
                for value in combinations[number]:
                    counts[value] += count
            return counts
        if name in self._multi:
            return Counter(chain.from_iterable(map(self._multi[name].__getitem__, docs)))
        return Counter(map(self._single[name].__getitem__, docs))

    def rank(self, searcher: Searcher, order: str) -> list[int]:
        """Return each document's place in ``order``: "title", "newest" or "oldest".

        Title order is the `title_sort` column's (Vietnamese alphabetical, untitled last).
        "newest" and "oldest" sort by the year a record starts (`year`, the year a hit shows;
        a newspaper run 1976–2025 is 1976, as library catalogues sort serials by their first
        date); records without a year come last in both, and equal years go in title order.
        Ties left are broken by document number: every place is distinct, pages never overlap.
        Computed once per generation, on first use (measured, CPU, at 48,300 records:
        title 40 ms, then each year order 60 ms).
        """
        found = self._ranks.get(order)
        if found is not None:
            return found
        keys: list[Any]
        if order == "title":
            keys = list(searcher.reader().column_reader("title_sort"))
        elif order in ("newest", "oldest"):
            # One int a record, (no year, year, title place), sorts faster than tuples.
            titles = self.rank(searcher, "title")
            size = len(titles)
            # The decade is set exactly when the year is; a missing NUMERIC reads as its maximum.
            dated = self._single["decade"]
            years = [
                year if dated[docnum] is not None else None
                for docnum, year in enumerate(searcher.reader().column_reader("year"))
            ]
            known = [year for year in years if year is not None] or [0]
            low, high = min(known), max(known)
            span = high - low + 2  # the last place is for no year
            keys = [
                ((span - 1 if year is None else high - year if order == "newest" else year - low)
                 * size + titles[docnum])
                for docnum, year in enumerate(years)
            ]  # fmt: skip
        else:
            raise ValueError(f"unknown order {order!r}")
        places = sorted(range(len(keys)), key=keys.__getitem__)  # stable: ties by number
        rank = [0] * len(keys)
        for place, docnum in enumerate(places):
            rank[docnum] = place
        with self._lock:
            return self._ranks.setdefault(order, rank)

    def postings(self, searcher: Searcher, field: str, text: bytes) -> _Postings:
        """Return one term's postings across segments, kept while the budget allows.

        Postings depend on the generation only, so common words ("lịch", "sử") are read
        once for every query that uses them.
        """
        key = (field, text)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        found = self._read_postings(searcher, field, text)
        with self._lock:
            if key not in self._postings:
                self._postings[key] = found
                self._held += len(found.ids)
            while self._held > _POSTINGS_BUDGET and len(self._postings) > 1:
                _, dropped = self._postings.popitem(last=False)
                self._held -= len(dropped.ids)
        return found

    def _read_postings(self, searcher: Searcher, field: str, text: bytes) -> _Postings:
        ids = array("I")
        scores = array("d")
        for number, (sub, offset) in enumerate(_segments(searcher)):
            reader = sub.reader()
            if (field, text) not in reader:
                continue
            matcher = reader.postings(field, text)
            deleted = reader.deleted_docs_set if reader.has_deletions() else None
            local, weights = _read_blocks(getattr(matcher, "child", matcher))
            if deleted:
                keep = [n for n, docnum in enumerate(local) if docnum not in deleted]
                local = [local[n] for n in keep]
                weights = [weights[n] for n in keep]
            ids.extend(map(offset.__add__, local) if offset else local)
            scorer = searcher.weighting.scorer(sub, field, text)
            if not hasattr(scorer, "_score"):  # WeightScorer: unscorable fields score the weight
                scores.extend(weights)
                continue
            # A posting's score depends only on its weight and its document's length byte:
            # score each pair once, then look every posting up in C (map), not in a loop.
            length_bytes = bytes(map(self._field_lengths(number, sub, field).__getitem__, local))
            table = {
                (weight, length_byte): scorer._score(
                    weight, byte_to_length(length_byte) if length_byte else 1
                )
                for weight in set(weights)
                for length_byte in set(length_bytes)
            }
            scores.extend(map(table.__getitem__, zip(weights, length_bytes, strict=True)))
        return _Postings(ids=ids, scores=scores)

    def _field_lengths(self, number: int, sub: Searcher, field: str) -> bytes:
        """Return one segment's length byte of ``field`` for each document (0: none)."""
        key = (number, field)
        found = self._lengths.get(key)
        if found is None:
            reader = sub.reader()
            size = int(reader.doc_count_all())
            # The lengths column of whoosh-reloaded 2.7.5's codec: one byte per document,
            # read whole in one call instead of one call a posting (W3PerDocReader).
            column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            if column is None:
                found = bytes(size)
            else:
                raw = column._dbfile.get(column._basepos, column._count)
                found = bytes(raw) + bytes(max(0, size - len(raw)))
            self._lengths[key] = found
        return found


def _text(value: object) -> str | None:
    if not value:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _split(value: str | None, separator: str) -> tuple[str, ...]:
    """Split a column value with several values as its field's tokenizer does."""
    if not value:
        return ()
    if separator != ",":  # a line tokenizer keeps each line whole
        return tuple(part for part in value.split(separator) if part)
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _segments(searcher: Searcher) -> list[tuple[Searcher, int]]:
    if searcher.is_atomic():
        return [(searcher, 0)]
    return list(searcher.subsearchers)


def _read_blocks(matcher: Matcher) -> tuple[list[int], list[float]]:
    """Return a leaf matcher's document numbers and weights, a block at a time.

    Stepping a matcher costs several Python calls a posting; a W3 block is one unpickle
    (whoosh-reloaded 2.7.5's W3LeafMatcher: ids delta-coded unless _byteids).
    """
    ids: list[int] = []
    weights: list[float] = []
    if not isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return ids, weights
    while matcher.is_active():
        matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        ids.extend(block_ids if matcher._byteids else accumulate(block_ids))
        if block_weights is None or isinstance(block_weights, float):
            weights.extend([block_weights or 1.0] * matcher._blocklength)
        else:
            weights.extend(block_weights)
        matcher._next_block()
    return ids, weights


class QueryRun:
    """One query over one searcher: its matching documents and, on demand, their scores."""

    def __init__(self, searcher: Searcher, values: DocValues, query: Query) -> None:
        self.searcher = searcher
        self.values = values
        self.query = query
        # Keyed by id(node): every node is kept alive by the query or by _expanded.
        self._docs: dict[int, set[int]] = {}
        self._expanded: dict[int, Query] = {}  # ranges compiled to term queries
        self._fallback: dict[int, dict[int, float]] = {}  # phrases, scored by Whoosh
        self._root: set[int] = set()

    def docs(self, node: Query | None = None) -> set[int]:
        """Return the documents ``node`` (the whole query by default) matches."""
        node = self.query if node is None else node
        found = self._docs.get(id(node))
        if found is None:
            found = self._docs[id(node)] = self._match(node)
        return found

    def scores(self, within: set[int]) -> list[float]:
        """Return each document's score, indexed by document number; read only ``within``.

        Outside ``within`` and the query's matches the values mean nothing: a clause that
        counts everywhere in the query's matches adds its postings without a test each.
        """
        totals = [0.0] * self.values.size
        self._root = within & self.docs()
        self._score(self.query, self._root, 1.0, totals)
        return totals

    def _match(self, node: Query) -> set[int]:
        kind = type(node)
        if kind is Term:
            return set(self._postings(node).ids)
        if kind is Or and not node.minmatch and not node.scale:
            return set().union(*(self.docs(sub) for sub in node.subqueries))
        if kind is And:
            parts = sorted((self.docs(sub) for sub in node.subqueries), key=len)
            return parts[0].intersection(*parts[1:]) if parts else set()
        if kind is AndNot:
            return self.docs(node.a) - self.docs(node.b)
        if kind is AndMaybe:
            return self.docs(node.a)
        if isinstance(node, _NullQuery):
            return set()
        if kind is Every and node.fieldname in (None, "", "*"):
            live = self.values.live
            return set(live) if live is not None else set(range(self.values.size))
        if kind is ConstantScoreQuery:
            return self.docs(node.child)
        if kind is NumericRange or (
            isinstance(node, MultiTerm) and getattr(node, "constantscore", False)
        ):
            return self.docs(self._expand(node))
        # Anything else (phrases): Whoosh's own matcher, document by document.
        scored = self._fallback[id(node)] = _whoosh_scores(self.searcher, node)
        return set(scored)

    def _expand(self, node: Query) -> Query:
        """Return a range as the Or of its terms, as Whoosh compiles it, with its scoring."""
        found = self._expanded.get(id(node))
        if found is None:
            reader = self.searcher.reader()
            if type(node) is NumericRange:
                found = node._compile_query(reader)
            else:
                terms = [Term(node.field(), text) for text in node._btexts(reader) if text]
                found = ConstantScoreQuery(Or(terms), node.boost)
            self._expanded[id(node)] = found
        return found

    def _postings(self, node: Term) -> _Postings:
        text = _term_bytes(self.searcher, node)
        if text is None:
            return _Postings(ids=array("I"), scores=array("d"))
        return self.values.postings(self.searcher, node.fieldname, text)

    def _score(self, node: Query, gate: set[int], factor: float, totals: list[float]) -> None:
        """Add ``node``'s score × ``factor`` to each document of ``gate`` it matches.

        ``gate`` holds the documents every enclosing And, AndNot and AndMaybe matched,
        within the whole query's matches: a clause counts only where its parent scores.
        """
        if not gate:
            return
        kind = type(node)
        if kind is Term:
            postings = self._postings(node)
            # Whoosh multiplies a term's score by its boost (WrappingMatcher), then sums.
            scores: Iterable[float] = postings.scores
            if node.boost != 1.0:
                scores = map(node.boost.__mul__, scores)
            if factor != 1.0:
                scores = map(factor.__mul__, scores)
            if gate is self._root:  # measured: the membership test was a third of scoring
                for docnum, score in zip(postings.ids, scores, strict=True):
                    totals[docnum] += score
            else:
                for docnum, score in zip(postings.ids, scores, strict=True):
                    if docnum in gate:
                        totals[docnum] += score
            return
        if kind in (Or, And, AndNot, AndMaybe) and node.boost != 1.0:
            factor *= node.boost
        if kind is Or and not node.minmatch and not node.scale:
            for sub in node.subqueries:
                self._score(sub, gate, factor, totals)
        elif kind is And:
            inner = _narrow(gate, self.docs(node))
            for sub in node.subqueries:
                self._score(sub, inner, factor, totals)
        elif kind is AndNot:
            self._score(node.a, _narrow(gate, self.docs(node)), factor, totals)
        elif kind is AndMaybe:
            inner = _narrow(gate, self.docs(node.a))
            self._score(node.a, inner, factor, totals)
            self._score(node.b, inner, factor, totals)
        elif kind is Every:
            # Whoosh's ListMatcher weighs every document by the boost, or 1.0 for none.
            _add(self.docs(node) & gate, factor * (node.boost or 1.0), totals)
        elif kind is ConstantScoreQuery:
            _add(self.docs(node) & gate, factor * (node.score or 1.0), totals)
        elif kind is NumericRange or id(node) in self._expanded:
            self._score(self._expand(node), gate, factor, totals)
        elif not isinstance(node, _NullQuery):
            self.docs(node)  # runs Whoosh's matcher into _fallback
            for docnum, score in self._fallback[id(node)].items():
                if docnum in gate:
                    totals[docnum] += score * factor


def _narrow(gate: set[int], docs: set[int]) -> set[int]:
    """Return ``gate`` ∩ ``docs``: ``gate`` itself when nothing drops out."""
    inner = gate & docs
    return gate if len(inner) == len(gate) else inner


def _add(docs: set[int], score: float, totals: list[float]) -> None:
    for docnum in docs:
        totals[docnum] += score


def _term_bytes(searcher: Searcher, node: Term) -> bytes | None:
    """Return the term's text as stored, or None when it cannot occur (as Term.matcher)."""
    if node.fieldname not in searcher.schema:
        return None
    try:
        text = searcher.schema[node.fieldname].to_bytes(node.text)
    except ValueError:
        return None
    return text if isinstance(text, bytes) else None


def _whoosh_scores(searcher: Searcher, node: Query) -> dict[int, float]:
    scores: dict[int, float] = {}
    context = searcher.context()
    for sub, offset in _segments(searcher):
        matcher = node.matcher(sub, context)
        while matcher.is_active():
            scores[matcher.id() + offset] = matcher.score()
            matcher.next()
    return scores


def ranked(docs: Iterable[int], key: Callable[[int], float], *, reverse: bool) -> list[int]:
    """Return ``docs`` ordered by ``key``, ties by document number (Whoosh's order)."""
    ordered = sorted(docs)
    ordered.sort(key=key, reverse=reverse)  # stable, also when reversed
    return ordered
