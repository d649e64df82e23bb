"""Match and score a query over whole posting lists, and count facets over the matches.

Whoosh's matchers step through matching documents one by one in Python: at 48,300 records
"lịch sử" (15,890 matches) took 1.0 s to match, score and facet (bench/search_cold.py), 40 %
of it stepping the matcher tree, 38 % scoring, 10 % facet categorizers. Here each term's
postings are read a block at a time into arrays, matching is boolean algebra over one flag
a document (numpy), each term is scored once per posting with Whoosh's own BM25F scorer,
scores are summed per document with array arithmetic, and facets are counted with
``bincount`` over per-document values read once per index generation. Scores equal Whoosh's
(the same scorer, the same sums in the same order: an Or, And or AndMaybe adds its matching
children; an AndNot scores its positive side); tests/index/test_matching.py checks both
against Whoosh.

numpy does the per-document work in C: at 100,000 records a head syllable matches most of
the collection, and Python sets and loops over its matches cost tens of milliseconds a search.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import log
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
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
from whoosh.scoring import BM25FScorer, WeightingModel
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from index.postings import SegmentPostings, open_postings, path_of, read_blocks

_POSTINGS_BUDGET = 3_000_000  # postings kept per generation: 12 bytes each, about 36 MB

Docs = np.ndarray  # one bool a document of the generation: True where it matches


@dataclass(frozen=True, slots=True)
class _Postings:
    ids: np.ndarray  # int32 global document numbers, ascending, deleted documents left out
    scores: np.ndarray  # float64 Whoosh's BM25F score of each posting, unboosted


@dataclass(frozen=True, slots=True)
class _Facet:
    """One facet's values as pairs: document ``docs[n]`` has value ``names[codes[n]]``.

    Pairs are in document order: document d's are ``starts[d]`` to ``starts[d + 1]``.
    """

    docs: np.ndarray  # int32
    codes: np.ndarray  # int32
    names: list[str]
    starts: np.ndarray  # int64, one more than there are documents


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
        live = np.ones(self.size, dtype=bool)
        if reader.has_deletions():
            live[:] = False
            live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        self.live: Docs = _frozen(live)
        overlapping = overlapping or {}
        self._facets: dict[str, _Facet] = {}
        for name in facets:
            separator = overlapping.get(name)
            codes: dict[str, int] = {}
            split: dict[object, tuple[int, ...]] = {}  # raw column value → its value codes
            pair_docs: list[int] = []
            pair_codes: list[int] = []
            for docnum, raw in enumerate(reader.column_reader(name)):
                found = split.get(raw)
                if found is None:
                    text = _text(raw)
                    parts = (text,) if separator is None and text else _split(text, separator)
                    found = split[raw] = tuple(
                        codes.setdefault(part, len(codes)) for part in dict.fromkeys(parts)
                    )
                for code in found:
                    pair_docs.append(docnum)
                    pair_codes.append(code)
            pairs = np.array(pair_docs, dtype=np.int32)
            starts = np.zeros(self.size + 1, dtype=np.int64)
            np.cumsum(np.bincount(pairs, minlength=self.size), out=starts[1:])
            self._facets[name] = _Facet(
                docs=_frozen(pairs),
                codes=_frozen(np.array(pair_codes, dtype=np.int32)),
                names=list(codes),
                starts=_frozen(starts),
            )
        # Works by number, so counting distinct works is a bincount of small ints.
        numbers: dict[str | None, int] = {}
        self.work = _frozen(
            np.fromiter(
                (numbers.setdefault(_text(value), len(numbers))
                 for value in reader.column_reader("cluster")),
                dtype=np.int32, count=self.size,
            )
        )  # fmt: skip
        self._works = len(numbers)
        self._ranks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lengths: dict[tuple[int, str], bytes] = {}
        self._postings: OrderedDict[tuple[str, bytes], _Postings] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        # The generation's folder, where the segments' postings files are.
        storage = getattr(getattr(searcher, "_ix", None), "storage", None)
        folder = getattr(storage, "folder", None)
        self.directory: Path | None = Path(folder) if folder else None
        self._files: dict[int, SegmentPostings | None] = {}
        self._numbers: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}

    def none(self) -> Docs:
        """Return a new, empty set of documents."""
        return np.zeros(self.size, dtype=bool)

    def count(self, name: str, docs: Docs) -> dict[str, int]:
        """Count the values of facet ``name`` over ``docs`` (records without one are left out)."""
        facet = self._facets[name]
        matches = np.flatnonzero(docs)
        if len(matches) * 8 < len(facet.docs):
            # Few matches (most searches): gather their pairs rather than test every pair.
            begins = facet.starts[matches]
            lengths = facet.starts[matches + 1] - begins
            ends = np.cumsum(lengths)
            places = np.repeat(begins - ends + lengths, lengths) + np.arange(
                ends[-1] if len(ends) else 0
            )
            codes = facet.codes[places]
        else:
            codes = facet.codes[docs[facet.docs]]
        counts = np.bincount(codes, minlength=len(facet.names))
        return {facet.names[code]: int(counts[code]) for code in np.flatnonzero(counts)}

    def works(self, docs: Docs) -> int:
        """Return how many distinct works ``docs`` hold."""
        return int(np.count_nonzero(np.bincount(self.work[docs], minlength=self._works)))

    def order(self, searcher: Searcher, order: str) -> np.ndarray:
        """Return every document number in ``order``: "title", "newest" or "oldest".

        Title order is the `title_sort` column's (Vietnamese alphabetical, untitled last).
        "newest" and "oldest" sort by the year a record starts (`year`, the year a hit shows;
        a newspaper run 1976–2025 is 1976, as library catalogues sort serials by their first
        date); records without a year come last in both, and equal years go in title order.
        Ties left are broken by document number: every place is distinct, pages never overlap.
        Computed once per generation, on first use (measured, CPU, at 48,300 records:
        title 40 ms, then each year order 60 ms); a query's matches in order are then
        ``places[docs[places]]``, without sorting.
        """
        return self._ranked(searcher, order)[0]

    def rank(self, searcher: Searcher, order: str) -> np.ndarray:
        """Return each document's place in ``order`` (see :meth:`order`)."""
        return self._ranked(searcher, order)[1]

    def _ranked(self, searcher: Searcher, order: str) -> tuple[np.ndarray, np.ndarray]:
        found = self._ranks.get(order)
        if found is not None:
            return found
        keys: list[Any]
        if order == "title":
            keys = list(searcher.reader().column_reader("title_sort"))
        elif order in ("newest", "oldest"):
            # One int a record, (no year, year, title place), sorts faster than tuples.
            titles = self.rank(searcher, "title").tolist()
            size = len(titles)
            # The decade is set exactly when the year is; a missing NUMERIC reads as its maximum.
            dated = np.zeros(self.size, dtype=bool)
            dated[self._facets["decade"].docs] = True
            years = [
                year if dated[docnum] else None
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
        ordered = np.array(places, dtype=np.int32)
        rank = np.empty(len(keys), dtype=np.int32)
        rank[ordered] = np.arange(len(keys), dtype=np.int32)
        with self._lock:
            return self._ranks.setdefault(order, (_frozen(ordered), _frozen(rank)))

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
        found = [
            (number, sub, offset, local, weights)
            for number, (sub, offset) in enumerate(_segments(searcher))
            for local, weights in self._segment_postings(number, sub.reader(), field, text)
        ]
        if not found:
            return _Postings(ids=_EMPTY_IDS, scores=_EMPTY_SCORES)
        parent = searcher.get_parent()
        if type(searcher.weighting).idf is WeightingModel.idf and (field, text) not in (
            parent._idf_cache
        ):
            # Whoosh's idf, from the postings just read (deleted ones too, as Whoosh counts):
            # asking the searcher looks the term up in every segment again.
            postings = sum(len(local) for *_, local, _ in found)
            parent._idf_cache[(field, text)] = log(parent.doc_count_all() / (postings + 1)) + 1
        # idf and average length are the whole index's: one scorer a term.
        scorer = searcher.weighting.scorer(found[0][1], field, text)
        ids: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        for number, sub, offset, local, weights in found:
            if sub.reader().has_deletions():
                keep = self.live[local + offset]
                local, weights = local[keep], weights[keep]
            ids.append(local + offset if offset else local)
            if not hasattr(scorer, "_score"):  # WeightScorer: unscorable fields score the weight
                scores.append(weights)
                continue
            lengths = np.frombuffer(self._field_lengths(number, sub, field), dtype=np.uint8)
            scores.append(_score_postings(scorer, weights, lengths[local]))
        return _Postings(ids=_frozen(np.concatenate(ids)), scores=_frozen(np.concatenate(scores)))

    def _segment_postings(
        self, number: int, reader: Any, field: str, text: bytes
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Return one segment's list of the term, deleted documents included: [] or one item
        of (local document numbers, weights)."""
        mapped = self._postings_file(number, reader)
        listed = mapped.get(field, text) if mapped is not None else None
        if listed is not None:
            local, weights = listed
            return [(local, np.ones(len(local)) if weights is None else weights.astype(np.float64))]
        if (field, text) not in reader:
            return []
        local_ids, local_weights = read_blocks(reader.postings(field, text))
        return [(np.array(local_ids, dtype=np.int32), np.array(local_weights, dtype=np.float64))]

    def numbers(self, searcher: Searcher, field: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Return each document's value of the integer NUMERIC ``field`` and whether it has one.

        None when a document has several values (a range then goes through Whoosh's terms).
        Read once per generation from the field's full-precision terms (the years: a few
        hundred), so a year range is two comparisons over an array instead of Whoosh
        expanding it into its trie terms in every segment (measured: 17 ms a search at
        100,000 records in 12 segments).
        """
        if field in self._numbers:
            return self._numbers[field]
        schema_field = searcher.schema[field]
        found: tuple[np.ndarray, np.ndarray] | None = None
        if getattr(schema_field, "numtype", None) is int and not schema_field.decimal_places:
            values = np.zeros(self.size, dtype=np.int64)
            has = np.zeros(self.size, dtype=bool)
            found = (values, has)
            for number, (sub, offset) in enumerate(_segments(searcher)):
                reader = sub.reader()
                for text in schema_field.sortable_terms(reader, field):
                    value = schema_field.from_bytes(text)
                    for local, _ in self._segment_postings(number, reader, field, text):
                        ids = local + offset
                        if has[ids].any():
                            found = None  # several values a document
                            break
                        values[ids] = value
                        has[ids] = True
                    if found is None:
                        break
                if found is None:
                    break
            if found is not None:
                has &= self.live
                found = (_frozen(values), _frozen(has))
        with self._lock:
            return self._numbers.setdefault(field, found)

    def open_postings_files(self, searcher: Searcher) -> int:
        """Map every segment's postings file now (a search would on first use); return how many."""
        return sum(
            self._postings_file(number, sub.reader()) is not None
            for number, (sub, _) in enumerate(_segments(searcher))
        )

    def _postings_file(self, number: int, reader: Any) -> SegmentPostings | None:
        """Return segment ``number``'s postings file (index/postings.py), None without one."""
        if number in self._files:
            return self._files[number]
        found = None
        if self.directory is not None and hasattr(reader, "segment"):
            segment_id = reader.segment().segment_id()
            found = open_postings(self.directory, segment_id, int(reader.doc_count_all()))
            if found is None and not path_of(self.directory, segment_id).exists():
                # Not written yet: an update writes it just after its commit, and a server
                # may read the new generation in between. Looked for again next time.
                return None
        with self._lock:
            return self._files.setdefault(number, found)

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


# A document's field length as the scorers see it, by its length byte (0: none, read as 1).
_LENGTHS = np.array([byte_to_length(byte) if byte else 1 for byte in range(256)], dtype=np.float64)


def _score_postings(scorer: Any, weights: np.ndarray, length_bytes: np.ndarray) -> np.ndarray:
    """Return each posting's score, computed as ``scorer._score`` computes it."""
    if type(scorer) is BM25FScorer:
        # whoosh.scoring.bm25, the same operations in the same order: the same floats.
        idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        lengths = _LENGTHS[length_bytes]
        return idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))
    # Another model: a posting's score depends only on its weight and its length byte, so
    # score each distinct pair once, then look every posting's pair up.
    distinct, weight_number = np.unique(weights, return_inverse=True)
    pairs, which = np.unique(weight_number.reshape(-1) * 256 + length_bytes, return_inverse=True)
    table = np.array(
        [
            scorer._score(float(distinct[pair >> 8]), float(_LENGTHS[pair & 255]))
            for pair in pairs.tolist()
        ],
        dtype=np.float64,
    )
    return table[which.reshape(-1)]


_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)
_EMPTY_IDS.flags.writeable = False
_EMPTY_SCORES.flags.writeable = False


def _frozen(array: np.ndarray) -> np.ndarray:
    """Mark ``array`` read-only: values shared between threads and cached searches."""
    array.flags.writeable = False
    return array


def _text(value: object) -> str | None:
    if not value:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _split(value: str | None, separator: str | None) -> tuple[str, ...]:
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


class QueryRun:
    """One query over one searcher: its matching documents and, on demand, their scores."""

    def __init__(self, searcher: Searcher, values: DocValues, query: Query) -> None:
        self.searcher = searcher
        self.values = values
        self.query = query
        # Keyed by id(node): every node is kept alive by the query or by _expanded.
        self._docs: dict[int, Docs] = {}
        self._expanded: dict[int, Query] = {}  # ranges compiled to term queries
        self._fallback: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # phrases: ids, scores
        self._root: Docs = values.none()

    def docs(self, node: Query | None = None) -> Docs:
        """Return the documents ``node`` (the whole query by default) matches. Read only."""
        node = self.query if node is None else node
        found = self._docs.get(id(node))
        if found is None:
            found = self._docs[id(node)] = _frozen(self._match(node))
        return found

    def scores(self, within: Docs) -> np.ndarray:
        """Return each document's score, indexed by document number; read only ``within``.

        Outside ``within`` and the query's matches the values mean nothing: a clause that
        counts everywhere in the query's matches adds its postings without a test each.
        """
        totals = np.zeros(self.values.size, dtype=np.float64)
        self._root = within & self.docs()
        self._score(self.query, self._root, 1.0, totals)
        return totals

    def _match(self, node: Query) -> Docs:
        kind = type(node)
        if kind is Term:
            found = self.values.none()
            found[self._postings(node).ids] = True
            return found
        if kind is Or and not node.minmatch and not node.scale:
            found = self.values.none()
            for sub in node.subqueries:
                found |= self.docs(sub)
            return found
        if kind is And:
            found = self.values.live.copy()
            for sub in node.subqueries:
                found &= self.docs(sub)
            return found if node.subqueries else self.values.none()
        if kind is AndNot:
            return self.docs(node.a) & ~self.docs(node.b)
        if kind is AndMaybe:
            return self.docs(node.a).copy()
        if isinstance(node, _NullQuery):
            return self.values.none()
        if kind is Every and node.fieldname in (None, "", "*"):
            return self.values.live.copy()
        if kind is ConstantScoreQuery:
            return self.docs(node.child).copy()
        if kind is NumericRange and node.constantscore:
            numbers = self.values.numbers(self.searcher, node.fieldname)
            if numbers is not None:
                return _in_range(numbers, node, self.searcher.schema[node.fieldname])
        if kind is NumericRange or (
            isinstance(node, MultiTerm) and getattr(node, "constantscore", False)
        ):
            return self.docs(self._expand(node)).copy()
        # Anything else (phrases): Whoosh's own matcher, document by document.
        ids, scores = self._fallback[id(node)] = _whoosh_scores(self.searcher, node)
        found = self.values.none()
        found[ids] = True
        return found

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
            return _Postings(ids=_EMPTY_IDS, scores=_EMPTY_SCORES)
        return self.values.postings(self.searcher, node.fieldname, text)

    def _score(self, node: Query, gate: Docs, factor: float, totals: np.ndarray) -> None:
        """Add ``node``'s score × ``factor`` to each document of ``gate`` it matches.

        ``gate`` holds the documents every enclosing And, AndNot and AndMaybe matched,
        within the whole query's matches: a clause counts only where its parent scores.
        """
        kind = type(node)
        if kind is Term:
            postings = self._postings(node)
            # Whoosh multiplies a term's score by its boost (WrappingMatcher), then sums.
            _add_postings(postings.ids, postings.scores, node.boost, factor, gate,
                          gate is self._root, totals)  # fmt: skip
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
            totals[self.docs(node) & gate] += factor * (node.boost or 1.0)
        elif kind is ConstantScoreQuery:
            totals[self.docs(node) & gate] += factor * (node.score or 1.0)
        elif kind is NumericRange and id(node) not in self._expanded:
            # Matched from the values (see _match): Whoosh scores a constant-score range
            # as ConstantScoreQuery(…, boost).
            totals[self.docs(node) & gate] += factor * (node.boost or 1.0)
        elif kind is NumericRange or id(node) in self._expanded:
            self._score(self._expand(node), gate, factor, totals)
        elif not isinstance(node, _NullQuery):
            self.docs(node)  # runs Whoosh's matcher into _fallback
            ids, scores = self._fallback[id(node)]
            _add_postings(ids, scores, 1.0, factor, gate, False, totals)


def _add_postings(
    ids: np.ndarray,
    scores: np.ndarray,
    boost: float,
    factor: float,
    gate: Docs,
    everywhere: bool,
    totals: np.ndarray,
) -> None:
    """Add ``scores`` × ``boost`` × ``factor`` to ``totals`` at ``ids`` within ``gate``.

    ``everywhere``: ``gate`` is the query's matches, which hold every posting that counts
    (measured: testing each posting against the gate was a third of scoring). Each id occurs
    once, so ``totals[ids] += …`` adds once per posting, in the order Whoosh sums.
    """
    if not everywhere:
        inside = gate[ids]
        ids, scores = ids[inside], scores[inside]
    if boost != 1.0:
        scores = scores * boost
    if factor != 1.0:
        scores = scores * factor
    totals[ids] += scores


def _in_range(numbers: tuple[np.ndarray, np.ndarray], node: NumericRange, field: Any) -> Docs:
    """Return the documents whose value lies in the range, as Whoosh's range query finds them."""
    values, has = numbers
    found = has.copy()
    if node.start is not None:
        start = field.unprepare_number(field.prepare_number(node.start))
        found &= values > start if node.startexcl else values >= start
    if node.end is not None:
        end = field.unprepare_number(field.prepare_number(node.end))
        found &= values < end if node.endexcl else values <= end
    return found


def _narrow(gate: Docs, docs: Docs) -> Docs:
    """Return ``gate`` ∩ ``docs``: ``gate`` itself when nothing drops out."""
    inner = gate & docs
    return gate if np.array_equal(inner, gate) else inner


def _term_bytes(searcher: Searcher, node: Term) -> bytes | None:
    """Return the term's text as stored, or None when it cannot occur (as Term.matcher)."""
    if node.fieldname not in searcher.schema:
        return None
    try:
        text = searcher.schema[node.fieldname].to_bytes(node.text)
    except ValueError:
        return None
    return text if isinstance(text, bytes) else None


def _whoosh_scores(searcher: Searcher, node: Query) -> tuple[np.ndarray, np.ndarray]:
    """Run ``node`` with Whoosh's own matcher: the document numbers it matches, ascending,
    and their scores."""
    ids: list[int] = []
    scores: list[float] = []
    context = searcher.context()
    for sub, offset in _segments(searcher):
        matcher = node.matcher(sub, context)
        while matcher.is_active():
            ids.append(matcher.id() + offset)
            scores.append(matcher.score())
            matcher.next()
    return np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64)


def best_first(docs: Docs, scores: np.ndarray, work: np.ndarray, wanted: int) -> list[int]:
    """Return the first ``wanted`` matches of distinct works, highest score first.

    Ties go by document number (Whoosh's order). Sorts only the best few matches: those
    scoring at least the k-th best score, k growing until ``wanted`` works are found.
    """
    matches = np.flatnonzero(docs)
    keys = scores[matches]
    size = len(matches)
    k = min(size, max(4 * wanted, 64))
    while True:
        if k < size:
            threshold = np.partition(keys, size - k)[size - k]
            chosen = np.flatnonzero(keys >= threshold)  # every tie of the k-th score too
        else:
            chosen = np.arange(size)
        # lexsort: the last key is the first criterion; the index breaks ties by number.
        ordered = matches[chosen[np.lexsort((chosen, -keys[chosen]))]]
        firsts = first_of_each_work(ordered, work, wanted)
        if len(firsts) == wanted or k >= size:
            return firsts
        k = min(size, k * 4)


def in_order(docs: Docs, places: np.ndarray, work: np.ndarray, wanted: int) -> list[int]:
    """Return the first ``wanted`` matches of distinct works in a precomputed order."""
    return first_of_each_work(places[docs[places]], work, wanted)


def first_of_each_work(order: np.ndarray, work: np.ndarray, wanted: int) -> list[int]:
    """Return the first ``wanted`` documents of ``order`` that belong to distinct works."""
    seen: set[int] = set()
    firsts: list[int] = []
    step = max(wanted * 2, 64)
    for start in range(0, len(order), step):
        chunk = order[start : start + step]
        for docnum, number in zip(chunk.tolist(), work[chunk].tolist(), strict=True):
            if number not in seen:
                seen.add(number)
                firsts.append(docnum)
                if len(firsts) == wanted:
                    return firsts
    return firsts
