"""Long posting lists of each segment, written again as plain arrays beside it.

Whoosh stores a posting list as blocks of 128 postings, each a pickled and compressed tuple
that also holds every posting's positions. Reading the lists of the head syllables that match
most of a local-history collection ("địa", "chí", "lịch", "sử") in every field a query
searches was three quarters of a first-time search at 100,000 records (bench/search.py): more
than a million postings a search, block by block, in Python.

So, after each commit, the index writer writes a postings file for every segment that has
none: the lists of `MIN_POSTINGS` postings or more (at 100,000 records, a sixth of the terms
and nine tenths of the postings) as little-endian arrays, document numbers (int32, ascending,
the segment's own, deleted documents included) then weights (float32, left out when all are
1.0). A search maps the file and reads a list as an array view, without a copy; shorter lists
are read through Whoosh as before. A segment without a postings file (an index written by an
older version, a commit whose writer died before writing it) is searched through Whoosh alone:
the file only makes reading faster, never different (tests/index/test_postings.py).

A file is named after its segment (``MAIN_<id>.upost``), so Whoosh deletes it with the
segment when a merge replaces it. Layout: the magic bytes, the offset and length of a
directory, the arrays, the directory (marshal: the segment's id and document count, and for
each (field, term) its arrays' offset, length and whether weights follow).
"""

from __future__ import annotations

import logging
import marshal
import mmap
import os
import struct
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.reading import SegmentReader

log = logging.getLogger(__name__)

SUFFIX = "upost"
# Shorter lists cost one unpickle through Whoosh. Measured at 100,000 records: lists of 16 or
# more are 51,600 of 901,600 terms and 93 % of the postings (of 128 or more: 15,400, 83 %);
# the rarer words of a long-tail search are mostly between the two.
MIN_POSTINGS = 16
UNSEARCHED = frozenset({"suggest", "key", "cluster", "title_sort"})  # looked up otherwise
_MAGIC = b"UCPOST01"
_HEADER = struct.Struct("<8sQQ")  # magic, directory offset, directory length
_DOC_FREQ = struct.Struct("!I")  # in a W3 term info: after the flags byte and the weight


@dataclass(frozen=True, slots=True)
class SegmentPostings:
    """One segment's postings file, mapped: long lists as read-only array views."""

    segment: str
    docs: int
    _entries: dict[tuple[str, bytes], tuple[int, int, bool]]
    _map: mmap.mmap

    def get(self, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Return the term's document numbers and weights (None: all 1.0), or None."""
        entry = self._entries.get((field, text))
        if entry is None:
            return None
        offset, count, weighted = entry
        ids = np.frombuffer(self._map, dtype="<i4", count=count, offset=offset)
        if not weighted:
            return ids, None
        weights = np.frombuffer(self._map, dtype="<f4", count=count, offset=offset + 4 * count)
        return ids, weights

    def __len__(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        """Unmap the file; arrays read from it must not be used after."""
        self._map.close()


def path_of(directory: Path, segment_id: str) -> Path:
    return directory / f"{segment_id}.{SUFFIX}"


def open_postings(directory: Path, segment_id: str, docs: int) -> SegmentPostings | None:
    """Map the segment's postings file; None when there is none or it does not fit the segment.

    A file that is damaged or belongs to another segment is logged and left unused.
    """
    path = path_of(directory, segment_id)
    try:
        with path.open("rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # ValueError: an empty file cannot be mapped
        log.warning(
            "%s: cannot read (%s); searching that segment without it until the next index "
            "update writes it again",
            path,
            exc or "empty",
        )
        return None
    try:
        magic, offset, length = _HEADER.unpack_from(mapped, 0)
        if magic != _MAGIC:
            raise ValueError("not a postings file")
        found = marshal.loads(mapped[offset : offset + length])
        segment, count, entries = found["segment"], found["docs"], found["entries"]
        if segment != segment_id or count != docs:
            raise ValueError(f"written for segment {segment} of {count} documents")
    except (struct.error, ValueError, EOFError, TypeError, KeyError) as exc:
        mapped.close()
        log.warning(
            "%s: unusable (%s); searching that segment without it until the next index update "
            "writes it again",
            path,
            exc,
        )
        return None
    return SegmentPostings(segment=segment_id, docs=docs, _entries=entries, _map=mapped)


def write_postings(
    directory: Path,
    segment_id: str,
    docs: int,
    lists: Iterable[tuple[str, bytes, Sequence[int], Sequence[float]]],
) -> Path:
    """Write a segment's postings file from its lists: (field, term, ids, weights).

    Lists shorter than MIN_POSTINGS are left out. Written under a temporary name and
    renamed, so a reader never maps half a file.
    """
    path = path_of(directory, segment_id)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    entries: dict[tuple[str, bytes], tuple[int, int, bool]] = {}
    try:
        with partial.open("wb") as file:
            file.write(bytes(_HEADER.size))
            offset = _HEADER.size
            for field, text, ids, weights in lists:
                if len(ids) < MIN_POSTINGS:
                    continue
                id_array = array("i", ids)
                weight_array = array("f", weights)
                weighted = any(weight != 1.0 for weight in weight_array)
                if id_array.itemsize != 4 or weight_array.itemsize != 4:  # pragma: no cover
                    raise RuntimeError("this platform's C int or float is not 4 bytes")
                if np.little_endian is False:  # pragma: no cover
                    id_array.byteswap()
                    weight_array.byteswap()
                file.write(id_array.tobytes())
                if weighted:
                    file.write(weight_array.tobytes())
                entries[(field, text)] = (offset, len(id_array), weighted)
                offset += 4 * len(id_array) * (2 if weighted else 1)
            directory_bytes = marshal.dumps(
                {"segment": segment_id, "docs": docs, "entries": entries}, 4
            )
            file.write(directory_bytes)
            file.seek(0)
            file.write(_HEADER.pack(_MAGIC, offset, len(directory_bytes)))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def complete(directory: Path) -> int:
    """Write the postings file of every segment of the index in ``directory`` that lacks one.

    A damaged file, or one written for another segment, is written again.

    Called by the index writer after each commit, under its lock; returns how many were
    written. Files of segments no longer in the index are removed (Whoosh removes them with
    their segment too, except when a segment was merged away before its file was written).
    """
    ix = whoosh_index.open_dir(str(directory))
    try:
        segments = ix._segments()
        current = {segment.segment_id() for segment in segments}
        written = 0
        for segment in segments:
            segment_id = segment.segment_id()
            if path_of(directory, segment_id).exists():
                kept = open_postings(directory, segment_id, int(segment.doc_count_all()))
                if kept is not None:
                    kept.close()
                    continue  # a damaged one (logged) is written again
            reader = SegmentReader(ix.storage, ix.schema, segment)
            try:
                write_postings(
                    directory, segment_id, int(reader.doc_count_all()), _long_lists(reader)
                )
            finally:
                reader.close()
            written += 1
        for path in directory.glob(f"*.{SUFFIX}"):
            if path.name.removesuffix(f".{SUFFIX}") not in current:
                path.unlink(missing_ok=True)
        return written
    finally:
        ix.close()


def _long_lists(reader: SegmentReader) -> Iterator[tuple[str, bytes, list[int], list[float]]]:
    """Yield the segment's lists of MIN_POSTINGS postings or more, read through Whoosh."""
    terms = reader._terms  # whoosh-reloaded 2.7.5's W3TermsReader
    decode = terms._keydecoder
    for key, info in terms._tindex.items():
        # The document frequency sits at bytes 5–8 of a W3 term info ("!BfI…").
        if _DOC_FREQ.unpack_from(info, 5)[0] < MIN_POSTINGS:
            continue
        field, text = decode(key)
        if field in UNSEARCHED:
            continue
        ids, weights = read_blocks(reader.postings(field, text))
        yield field, text, ids, weights


def read_blocks(matcher: Matcher) -> tuple[list[int], list[float]]:
    """Return a leaf matcher's document numbers and weights, a block at a time.

    Stepping a matcher costs several Python calls a posting; a W3 block is one unpickle
    (whoosh-reloaded 2.7.5's W3LeafMatcher: ids delta-coded unless _byteids).
    """
    matcher = getattr(matcher, "child", matcher)
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
