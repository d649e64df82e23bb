"""Write whole segments for a full build, faster than Whoosh's writer; updates stay on Whoosh's.

Whoosh's SegmentWriter pools every posting as a tuple, sorts the pool and hands it to the codec
one posting at a time (a Python call, type checks and a field-length lookup each). A full build
adds documents in order into an empty index, so this writer keeps each term's postings in
document order as they come, and at a commit writes every term's blocks in the W3 codec's
format itself, beside Whoosh's own writers for the term table, stored fields and columns: the
result is an ordinary Whoosh index that whoosh-reloaded 2.7.5 reads, updates and merges.
The schema's stock analyzers (index/schema.py) run as an equivalent plain `re` pass.
tests/index/test_fast_writer.py checks that both writers give the same index.

Two differences in the bytes, none in what a reader gets back: a block is compressed with a
small zlib window (zlib's full one costs ≈ 20 µs to set up, and most blocks hold one posting)
or, under 64 bytes, not at all, and values shared by many postings are pickled once a block.
"""

from __future__ import annotations

import os
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import repeat
from operator import sub
from pathlib import Path
from pickle import dumps
from typing import Any

from whoosh.analysis import (
    BiWordFilter,
    CharsetFilter,
    CompositeAnalyzer,
    IDTokenizer,
    LowercaseFilter,
    RegexTokenizer,
    StripFilter,
)
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3TermInfo,
)
from whoosh.fields import FieldType, Schema, UnknownFieldError
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Existence, Frequency, Positions
from whoosh.index import TOC, FileIndex, LockError, clean_files
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.filelock import try_for
from whoosh.util.numeric import length_to_byte

from index import postings as postings_files

__all__ = ["SegmentBuilder"]

# One field's share of a document: (term, weight, encoded value) per distinct term, and the
# field's length (its token count when scored, else 0). Terms are str for the analysers below
# (UTF-8 keeps code point order, so they sort as their bytes do) and bytes for the others.
_Postings = list[tuple[Any, float, bytes]]
# A term's postings: one (docnum, weight, value) tuple until a second document has the term,
# then [docnums, weights, values] (most terms of a catalog occur in one document only).
_Entry = tuple[int, float, bytes] | list[Any]

_BLOCK = 128  # postings a block (W3Codec's blocklimit)
_COMPRESSION = 3  # the level W3Codec records in a compressed block
_COMPRESS_FROM = 64  # bytes of pickle: below, zlib's header and checksum outweigh its gain
_TERM_INFO = W3TermInfo._struct


class SegmentBuilder:
    """Add documents to an index in memory, then write them as one new segment per `commit`.

    Holds the index's writer lock from creation to `close` (raises Whoosh's LockError when
    another writer keeps it past ``timeout`` seconds). Only for documents that are new to the
    index: nothing is looked up or deleted. Each commit publishes a new generation listing
    the earlier segments and the new one; nothing is merged.
    """

    def __init__(
        self, ix: FileIndex, *, timeout: float = 0.0, delay: float = 0.1, lock: bool = True
    ) -> None:
        """``lock=False``: for a helper process of a writer that holds the lock; it only
        `finish`es segments, which that writer publishes."""
        self._lock = ix.lock("WRITELOCK")
        self._locked = lock
        if lock and not try_for(self._lock.acquire, timeout=timeout, delay=delay):
            raise LockError
        # A helper's temporary files are its own: the writer empties "<index>.tmp" when it
        # publishes, perhaps while a helper is still filling its columns.
        self._storage = ix.storage if lock else _OwnTemporaryFiles(ix.storage.folder)
        self._indexname = self.indexname = ix.indexname
        toc = ix._read_toc()
        self._schema: Schema = toc.schema
        self._segments = list(toc.segments)
        self._generation: int = toc.generation
        self._codec = default_codec()
        # Per field: the field, its analyser (None: Whoosh's code), whether it is indexed and
        # stored, its column type and the name of its length column (scored fields).
        self._plans: dict[str, tuple[FieldType, _Analysis | None, bool, bool, Any, str | None]]
        self._plans = {}
        for name, field in self._schema.items():
            if field.vector or field.separate_spelling():
                if lock:
                    self._lock.release()
                raise ValueError(f"field {name!r}: vectors and spelling words are not supported")
            self._plans[name] = (
                field,
                _fast_analysis(field) if field.indexed else None,
                bool(field.indexed),
                bool(field.stored),
                field.column_type or None,
                f"_{name}_len" if field.scorable else None,
            )
        self._segment: Any = None  # the segment being filled, if any
        self._perdoc: Any = None  # its stored fields, columns and lengths
        self._fieldwriter: Any = None  # its terms and postings, once committing
        self._columns: dict[str, Any] = {}  # the per-document writer's column writers
        self._docnum = 0
        self._terms: dict[str, dict[Any, _Entry]] = {}  # per field, each term's postings
        # Per scored field, each document's length (0: none). A reader sees its one-byte
        # approximation, but the blocks and term infos store the byte of the shortest and the
        # longest, the same from exact lengths (the approximation keeps their order).
        self._lengths: dict[str, array[int]] = {}
        self._closed = False

    @property
    def pending(self) -> int:
        """Documents added since the last commit."""
        return self._docnum if self._segment is not None else 0

    def add_document(self, **fields: object) -> None:
        """Add one document, as Whoosh's ``IndexWriter.add_document`` would (no boosts)."""
        if self._closed:
            raise ValueError("this SegmentBuilder is closed")
        plans = self._plans
        # Analyse every field first: a field that raises leaves nothing of the document behind.
        analysed = []
        for name in sorted(fields):
            value = fields[name]
            plan = plans.get(name)
            if plan is None:
                if name.startswith("_"):
                    raise ValueError(f"{name!r}: boosts and stored values of their own are not "
                                     "supported")  # fmt: skip
                raise UnknownFieldError(f"No field named {name!r} in {self._schema}")
            if value is None:
                continue
            field, analysis, indexed, _, column_type, _ = plan
            words = whooshed = None
            if indexed:
                if analysis is not None and isinstance(value, str):
                    words = analysis.tokenize(value)
                else:  # Whoosh's code; its terms as str in a field the analysis also writes
                    whooshed = _analyse_with_whoosh(field, value, as_str=analysis is not None)
            column = field.to_column_value(value) if column_type else None
            analysed.append((name, plan, value, words, whooshed, column))
        if self._segment is None:
            self._start_segment()
        docnum = self._docnum
        all_terms = self._terms
        stored = {}
        for name, plan, value, words, whooshed, column in analysed:
            length = 0
            if words is not None or whooshed is not None:
                terms = all_terms.get(name)
                if terms is None:
                    terms = all_terms[name] = {}
                if words is not None:
                    length = plan[1].index(words, docnum, terms)  # type: ignore[union-attr]
                elif whooshed is not None:
                    postings, length = whooshed
                    _accumulate(terms, docnum, postings)
            if plan[3]:
                stored[name] = value
            if length and plan[5] is not None:
                self._add_length(name, plan[5], docnum, length)
            if column is not None:
                self._column(name, plan[4]).add(docnum, column)
        if stored:
            self._columns["_stored"].add(docnum, stored)
        self._docnum += 1

    def commit(self) -> None:
        """Write the pending documents as one segment and publish it; keep the lock."""
        segment = self.finish()
        if segment is not None:
            self.publish([segment])

    def publish(self, segments: list[Any], *, clean: bool = True) -> None:
        """Add finished segments (`finish`, here or in another process) to the index, in order.

        ``clean`` removes the files of segments not in the index: not while helper processes
        are still writing theirs.
        """
        if self._closed or not self._locked:
            raise ValueError("only an open SegmentBuilder holding the lock publishes")
        self._segments.extend(segments)
        self._generation += 1
        TOC(self._schema, self._segments, self._generation).write(self._storage, self._indexname)
        if clean:
            clean_files(self._storage, self._indexname, self._generation, self._segments)
            self._storage.temp_storage(f"{self._indexname}.tmp").destroy()

    def finish(self) -> Any:
        """Write the pending documents as one segment's files and return the segment, not
        yet in the index (None when nothing is pending)."""
        if self._closed:
            raise ValueError("this SegmentBuilder is closed")
        if self._segment is None:
            return None
        segment, count = self._segment, self._docnum
        perdoc = self._perdoc
        perdoc._doccount = count  # what start_doc would have counted
        perdoc.close()
        fieldwriter = self._fieldwriter = self._codec.field_writer(self._storage, segment)
        postfile, table = fieldwriter._postfile, fieldwriter._tindex
        offset = postfile.tell()
        # The long lists again, as the segment's postings file (index/postings.py): written
        # from memory here rather than read back from the segment after the commit.
        long_lists: list[tuple[str, bytes, array[int], array[float]]] = []
        shortest = postings_files.MIN_POSTINGS
        for name in sorted(self._terms):
            terms = self._terms.pop(name)
            field = self._schema[name]
            lengths = self._lengths.pop(name, None)
            if lengths is not None and len(lengths) < count:
                lengths.extend(_zeros(count - len(lengths)))
            fieldwriter.start_field(name, field)
            prefix = pack_ushort(fieldwriter._fieldid)
            fixed = field.format.fixed_value_size()
            keys = sorted(terms)
            encoded = bool(keys) and isinstance(keys[0], str)
            listed = name not in postings_files.UNSEARCHED
            chunks = []
            for term in keys:
                entry = terms.pop(term)
                postings, info = _term_bytes(entry, lengths, fixed, offset)
                offset += len(postings)
                chunks.append(postings)
                text = term.encode("utf-8") if encoded else term
                table.add(prefix + text, info)
                if listed and entry.__class__ is not tuple and len(entry[0]) >= shortest:
                    long_lists.append((name, text, array("i", entry[0]), array("f", entry[1])))
                if len(chunks) >= 1024:
                    postfile.write(b"".join(chunks))
                    chunks = []
            postfile.write(b"".join(chunks))
            fieldwriter.finish_field()
        fieldwriter.close()
        segment.set_doc_count(count)
        if segment.should_assemble():
            segment.create_compound_file(self._storage)
        # After assembling: the compound file takes in every file named after its segment.
        folder = getattr(self._storage, "folder", None)
        if folder is not None:
            postings_files.write_postings(Path(folder), segment.segment_id(), count, long_lists)
        del long_lists
        self._segment = None
        return segment

    def cancel(self) -> None:
        """Drop the pending documents and the files their segment began; keep the lock."""
        if self._segment is not None:
            self._segment = None
            self._terms = {}
            self._lengths = {}
            # Closing writes what they hold as files of the dropped segment; clean_files
            # removes them with the rest of it.
            for writer in (self._perdoc, self._fieldwriter):
                if writer is not None and not writer.is_closed:
                    writer.close()
        if self._locked:  # a helper leaves the files to the writer, which knows every segment
            clean_files(self._storage, self._indexname, self._generation, self._segments)
        self._storage.temp_storage(f"{self._indexname}.tmp").destroy()

    def close(self) -> None:
        """Release the writer lock; pending documents not committed are dropped."""
        if self._closed:
            return
        try:
            self.cancel()
        finally:
            self._closed = True
            if self._locked:
                self._lock.release()

    def _start_segment(self) -> None:
        self._segment = self._codec.new_segment(self._storage, self._indexname)
        self._perdoc = self._codec.per_document_writer(self._storage, self._segment)
        self._columns = self._perdoc._colwriters  # "_stored" is there from the start
        self._fieldwriter = None
        self._docnum = 0
        self._terms = {}
        self._lengths = {}

    def _column(self, name: str, column_type: Any) -> Any:
        writer = self._columns.get(name)
        if writer is None:
            self._perdoc._create_column(name, column_type)
            writer = self._columns[name]
        return writer

    def _add_length(self, name: str, column: str, docnum: int, length: int) -> None:
        """Record a scored field's length as W3PerDocWriter.add_field does, and keep it."""
        self._column(column, LENGTHS_COLUMN).add(docnum, length_to_byte(length))
        self._perdoc._fieldlengths[name] += length
        lengths = self._lengths.get(name)
        if lengths is None:
            lengths = self._lengths[name] = array("I")
        if len(lengths) < docnum:
            lengths.extend(_zeros(docnum - len(lengths)))
        lengths.append(length)


class _OwnTemporaryFiles(FileStorage):
    """The index's folder, with temporary folders named for this process."""

    def temp_storage(self, name: str | None = None) -> FileStorage:
        return super().temp_storage(f"{name or 'unioncat.tmp'}.{os.getpid()}")


def _zeros(count: int) -> array[int]:
    return array("I", bytes(4 * count))


def _term_bytes(
    entry: _Entry, lengths: array[int] | None, fixed: int | None, offset: int
) -> tuple[bytes, bytes]:
    """Return one term's posting blocks and its term info, as W3FieldWriter writes them.

    Mirrors W3PostingsWriter.add_posting, _write_block and finish_postings and
    W3TermInfo.add_block and to_bytes for postings given in document order (whoosh 2.7.5).
    """
    if entry.__class__ is tuple:
        ids: Any = (entry[0],)
        weights: Any = (entry[1],)
        values: Any = (entry[2],)
    else:
        ids, weights, values = entry
    count = len(ids)
    parts = [WHOOSH3_HEADER_MAGIC]
    total: float = 0  # TermInfo's statistics, block by block
    min_length: int | None = None
    max_length = 0
    max_weight: float = 0
    for start in range(0, count, _BLOCK):
        end = start + _BLOCK
        block_ids = ids[start:end]
        block_weights = weights[start:end]
        block_values = values[start:end]
        size = len(block_ids)
        floats = array("f", block_weights)
        block_max = max(0, *block_weights)
        block_min_length = None
        block_max_length = 0
        if lengths is not None:
            found = [length for length in map(lengths.__getitem__, block_ids) if length]
            if found:
                block_min_length = min(found)
                block_max_length = max(found)
        total += sum(floats)
        if min_length is None:
            min_length = block_min_length
        elif block_min_length is not None:
            min_length = min(min_length, block_min_length)
        max_length = max(max_length, block_max_length)
        max_weight = max(max_weight, block_max)
        if size == 1:
            mini_ids: tuple[int, ...] = (block_ids[0],)
        else:
            mini_ids = (block_ids[0], *map(sub, block_ids[1:], block_ids[:-1]))
        if floats.count(1.0) == size:
            mini_weights: Any = None
        elif floats.count(floats[0]) == size:
            mini_weights = floats[0]
        else:
            mini_weights = tuple(floats)
        if not all(block_values):
            block_values = [value for value in block_values if value]
        if fixed is None or fixed < 0:
            mini_values: Any = tuple(block_values)
        elif fixed == 0:
            mini_values = None
        else:
            mini_values = b"".join(block_values)
        data = dumps((mini_ids, mini_weights, mini_values), 2)
        if len(data) < _COMPRESS_FROM:
            compression = 0
        else:
            compression = _COMPRESSION
            # zlib.decompress reads any window size; a 4 KiB one fits a block's pickle.
            compressor = zlib.compressobj(_COMPRESSION, zlib.DEFLATED, 12, 2)
            data = compressor.compress(data) + compressor.flush()
        info = dumps(
            (
                size,
                block_ids[-1],
                block_max,
                compression,
                length_to_byte(block_min_length),
                length_to_byte(block_max_length),
            ),
            2,
        )
        length = len(info) + len(data)
        parts += (pack_int(-length if end >= count else length), info, data)
    postings = b"".join(parts)
    info = _TERM_INFO.pack(
        False,
        total,
        count,
        0 if min_length is None else length_to_byte(min_length),
        length_to_byte(max_length),
        max_weight,
        ids[0],
        ids[-1],
    )
    return postings, info + pack_long(offset) + pack_int(len(postings))


def _analyse_with_whoosh(
    field: FieldType, value: object, *, as_str: bool = False
) -> tuple[_Postings, int]:
    """Analyse a value with the field's own code, as SegmentWriter.add_document does."""
    postings: _Postings = []
    length = 0
    for term, freq, weight, encoded in field.index(value):
        # add_document multiplies by the field boost (1.0 here): an int weight becomes a float.
        postings.append((term.decode("utf-8") if as_str else term, weight * 1.0, encoded))
        if field.scorable:
            length += freq
    return postings, length


class _Folded(dict[str, str]):
    """Each word through the analyzer's filters, computed once per distinct word."""

    def __init__(self, steps: list[Callable[[str], str]]) -> None:
        super().__init__()
        self._steps = steps

    def __missing__(self, word: str) -> str:
        result = word
        for step in self._steps:
            result = step(result)
        if len(self) < 500_000:
            self[word] = result
        return result


def _accumulate(
    terms: dict[Any, _Entry], docnum: int, postings: Iterable[tuple[Any, float, bytes]]
) -> None:
    """Append one document's postings of one field to each term's."""
    get = terms.get
    for term, weight, encoded in postings:
        entry: Any = get(term)
        if entry is None:
            terms[term] = (docnum, weight, encoded)
        elif entry.__class__ is list:
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(encoded)
        else:
            terms[term] = [
                array("I", (entry[0], docnum)),
                [entry[1], weight],
                [entry[2], encoded],
            ]


class _Analysis:
    """A plain-Python equivalent of one field's Whoosh analysis (see `_fast_analysis`)."""

    def __init__(
        self,
        field: FieldType,
        findall: Callable[[str], list[str]] | None,
        steps: list[Callable[[str], str]],
        separator: str | None,
    ) -> None:
        self._field = field
        self._findall = findall
        self._folded = _Folded(steps).__getitem__ if steps else None
        self._separator = separator
        self._kind = type(field.format)
        self._scored = bool(field.scorable)
        boost = field.format.field_boost
        # Whoosh sums a boost of 1.0 per token, then multiplies by the field boost.
        self._weights = _ByCount(lambda count: float(count) * boost)
        self._one = self._weights[1]
        self._boost = boost * 1.0

    def tokenize(self, text: str) -> list[str]:
        """Return the terms of ``text`` in order, as the field's analyzer gives them."""
        words = [text] if self._findall is None else self._findall(text)
        if self._folded is not None:
            words = list(map(self._folded, words))
        separator = self._separator
        if separator is not None:
            if len(words) > 1:
                pairs = zip(words, words[1:], strict=False)
                words = [first + separator + second for first, second in pairs]
            elif not words:
                # BiWordFilter raises on a text without a word: let Whoosh's code say so.
                _analyse_with_whoosh(self._field, text)
        return words

    def index(self, words: list[str], docnum: int, terms: dict[Any, _Entry]) -> int:
        """Add the document's postings of ``words`` to ``terms``; return the field length."""
        kind = self._kind
        if kind is Existence:
            unique = set(words)
            _accumulate(terms, docnum, zip(unique, repeat(self._boost), repeat(b"")))
            return len(unique) if self._scored else 0
        length = len(words) if self._scored else 0
        if kind is Frequency:
            counts = Counter(words)
            frequencies = counts.values()
            _accumulate(
                terms,
                docnum,
                zip(
                    counts.keys(),
                    map(self._weights.__getitem__, frequencies),
                    map(_FREQUENCIES.__getitem__, frequencies),
                    strict=True,
                ),
            )
            return length
        last = dict(zip(words, range(len(words)), strict=True))  # each word's last position
        singles = _single_positions(len(words)).__getitem__
        if len(last) == len(words):
            postings = zip(last.keys(), repeat(self._one), map(singles, last.values()))
            _accumulate(terms, docnum, postings)
            return length
        repeated: dict[str, list[int]] = {
            word: [] for word, freq in Counter(words).items() if freq > 1
        }
        for pos, word in enumerate(words):
            found = repeated.get(word)
            if found is not None:
                found.append(pos)
        one = self._one
        _accumulate(
            terms,
            docnum,
            ((word, one, singles(pos)) for word, pos in last.items() if word not in repeated),
        )
        weights = self._weights
        _accumulate(
            terms,
            docnum,
            ((word, weights[len(found)], _positions(found)) for word, found in repeated.items()),
        )
        return length


def _fast_analysis(field: FieldType) -> _Analysis | None:
    """Return a plain-Python equivalent of the field's analysis, or None when it has none.

    Covers an IDTokenizer, or a RegexTokenizer (matches, not gaps), then LowercaseFilter,
    CharsetFilter and StripFilter in any order and at most one final BiWordFilter, into the
    Existence, Frequency or Positions format: every analyzer of index/schema.py but NUMERIC's.
    """
    if type(field.format) not in (Existence, Positions, Frequency):
        return None
    if type(field).index is not FieldType.index:
        return None  # NUMERIC, BOOLEAN and others index their own way
    analyzer = field.analyzer
    items = list(analyzer.items) if type(analyzer) is CompositeAnalyzer else [analyzer]
    tokenizer = items[0]
    if type(tokenizer) is IDTokenizer:
        findall = None
    elif type(tokenizer) is RegexTokenizer and not tokenizer.gaps:
        if tokenizer.expression.groups:
            return None  # findall would return the groups, not the matches
        findall = tokenizer.expression.findall
    else:
        return None
    steps: list[Callable[[str], str]] = []
    separator = None
    for item in items[1:]:
        if separator is not None:
            return None  # a filter after the pairs: not covered
        if type(item) is LowercaseFilter:
            steps.append(str.lower)
        elif type(item) is StripFilter:
            steps.append(str.strip)
        elif type(item) is CharsetFilter:
            steps.append(_translator(item.charmap))
        elif type(item) is BiWordFilter:
            separator = item.sep
        else:
            return None
    return _Analysis(field, findall, steps, separator)


def _translator(charmap: dict[int, str]) -> Callable[[str], str]:
    def translate(word: str) -> str:
        return word.translate(charmap)

    return translate


# The encoded values and weights most postings share, made once: a word at one position (the
# Positions format's pack_uint(1) + pickled [position]) and a frequency (Frequency's uint).
class _ByCount(dict[int, Any]):
    """Values by count, each made once."""

    def __init__(self, make: Callable[[int], Any]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, count: int) -> Any:
        value = self[count] = self._make(count)
        return value


_SINGLES: list[bytes] = []
_FREQUENCIES = _ByCount(pack_uint)
_COUNTS = [pack_uint(count) for count in range(64)]


def _single_positions(count: int) -> list[bytes]:
    while len(_SINGLES) < count:
        _SINGLES.append(pack_uint(1) + dumps([len(_SINGLES)], 2))
    return _SINGLES


def _positions(poslist: list[int]) -> bytes:
    """Return Positions.encode(poslist): the count, then the pickled gaps between positions."""
    count = len(poslist)
    gaps = [poslist[0], *map(sub, poslist[1:], poslist[:-1])]
    prefix: bytes = _COUNTS[count] if count < 64 else pack_uint(count)
    return prefix + dumps(gaps, 2)
