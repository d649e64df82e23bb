"""Bring the Whoosh index up to date from the catalog's change sequence. One writer at a time.

Updates commit into the live generation batch by batch; rebuilds fill a new generation beside
it and switch to it when complete (index/swap.py), so searches never see a half-built index.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, overload

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.writing import IndexWriter

from catalog.errors import SearchIndexError
from catalog.store import Store
from index import postings
from index.schema import SCHEMA_VERSION, make_schema, to_document
from index.swap import (
    VERSION_FILE,
    building_beside,
    check_folder,
    clean,
    live_directory,
    publish,
    schema_version_of,
)
from index.writer import SegmentBuilder

log = logging.getLogger(__name__)

__all__ = ["IndexSummary", "open_or_create", "schema_version_of", "update_index"]

_SEQ_FILE = "unioncat-seq"  # last catalog change sequence the index has seen
# Who holds the writer: "<pid> <ISO time>". Whoosh's lock (MAIN_WRITELOCK) is an flock, which
# the kernel drops when its process dies, so a killed writer never blocks the next one; this
# note lets the next writer say that it happened and lets a waiting one name the holder.
_WRITER_FILE = "unioncat-writer"
_BATCH = 2000
# Changes a segment of a full build holds at most (index/writer.py keeps them in memory until
# then): at 100,000 records 5 segments, 181 MiB in the writer and 247 MiB in each process
# building one (Whoosh's writer: 1,304 MiB).
_SEGMENT = 25_000
_MAX_HELPERS = 4  # processes building a full index's segments (each holds one segment)
# Segments an update's commit merges. Whoosh's default policy (MERGE_SMALL) picks by a
# Fibonacci rule that, on an index of many full-size segments (40 at 1,000,000 records), merges
# most of them at once: 650,000 documents rewritten by Whoosh's writer (≈ 2.8 ms each) in what
# should be a nightly delta of seconds; it did not end in 15 minutes. Ours merges only segments
# smaller than half a full build's, which updates write, once _UPDATE_SEGMENTS of them have
# piled up, and at most _MERGE_BUDGET documents a commit (≈ 30 s at most, every few nights).
_UPDATE_SEGMENTS = 8
_MERGE_BUDGET = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSummary:
    """What one index update did."""

    indexed: int
    removed: int
    last_seq: int
    rebuilt: bool


class _Switched(Exception):
    """A rebuild switched generations while this update wrote into the old one."""


def open_or_create(index_dir: Path, *, rebuild: bool = False) -> whoosh_index.Index:
    """Open the index in the folder ``index_dir`` is (or links to); create it when absent or asked.

    Creates in place: for a folder nobody reads yet (a new generation, a benchmark).
    `update_index` rebuilds the live index beside it instead.
    """
    directory = live_directory(index_dir) or index_dir
    directory.mkdir(parents=True, exist_ok=True)
    if rebuild or not whoosh_index.exists_in(str(directory)):
        ix = whoosh_index.create_in(str(directory), make_schema())
        (directory / VERSION_FILE).write_text(SCHEMA_VERSION)
        (directory / _SEQ_FILE).write_text("0")
        return ix
    return whoosh_index.open_dir(str(directory))


def update_index(
    store: Store,
    index_dir: Path,
    *,
    rebuild: bool = False,
    lock_timeout: float = 60.0,
    progress: Callable[[int], None] | None = None,
    incremental_only: bool = False,
) -> IndexSummary:
    """Index every catalog change since the last update; tombstones leave the index.

    ``incremental_only`` (for a web request) raises SearchIndexError instead of starting a
    full build when one is due.

    Builds a new generation beside the live index and switches to it when asked to
    (``rebuild``), when there is no index yet, or when the live one has another schema.
    A rebuild stopped part way (an exception, from ``progress`` too) is discarded and the
    live index carries on; a first build stopped part way becomes live with what it
    committed. Raises SearchIndexError
    when another process holds the writer lock past ``lock_timeout``.
    """
    live = live_directory(index_dir)
    exists = live is not None and whoosh_index.exists_in(str(live))
    version = schema_version_of(live) if live is not None and exists else None
    stale = exists and version != SCHEMA_VERSION
    if stale:
        log.warning(
            "%s: index built with schema %s, this version uses %s; rebuilding it beside the "
            "live one, which serves searches until the new one is complete",
            index_dir,
            version,
            SCHEMA_VERSION,
        )
    if incremental_only and (rebuild or stale or not exists):
        raise SearchIndexError(
            f"{index_dir}: the index needs a full build; run `unioncat index` (the nightly "
            "run does it too)"
        )
    try:
        if rebuild or stale or not exists:
            check_folder(index_dir)
            with building_beside(index_dir) as build:
                ix = open_or_create(build, rebuild=True)
                try:
                    indexed, removed, last_seq = _apply_changes(
                        store, ix, build, lock_timeout=lock_timeout, progress=progress
                    )
                except BaseException:
                    if not exists and (build / _SEQ_FILE).read_text() != "0":
                        # Nothing was searchable before: the committed batches beat no index,
                        # and the next update carries on from their change mark.
                        publish(index_dir, build)
                        log.warning(
                            "%s: the first build stopped part way; searching what it indexed, "
                            "the next update indexes the rest",
                            index_dir,
                        )
                    raise
                publish(index_dir, build)
        else:
            assert live is not None
            try:
                ix = whoosh_index.open_dir(str(live))
                indexed, removed, last_seq = _apply_changes(
                    store, ix, live, lock_timeout=lock_timeout, progress=progress,
                    index_dir=index_dir,
                )  # fmt: skip
            except _Switched:
                log.info("%s: a rebuild switched the index meanwhile; updating the new one",
                         index_dir)  # fmt: skip
                return update_index(store, index_dir, lock_timeout=lock_timeout, progress=progress)
    finally:
        clean(index_dir)
    log.info("index: %d documents updated, %d removed, at change %d", indexed, removed, last_seq)
    return IndexSummary(
        indexed=indexed, removed=removed, last_seq=last_seq, rebuilt=rebuild or stale
    )


def _apply_changes(
    store: Store,
    ix: whoosh_index.Index,
    directory: Path,
    *,
    lock_timeout: float,
    progress: Callable[[int], None] | None,
    index_dir: Path | None = None,
) -> tuple[int, int, int]:
    """Index the changes after the folder's change mark, a committed batch at a time.

    With ``index_dir``, raises _Switched (before committing) when it no longer links to
    ``directory``.
    """
    seq_file = directory / _SEQ_FILE
    last_seq = int(seq_file.read_text() or 0) if seq_file.exists() else 0
    # Into an empty index every change is a new record (the change sequence holds each record
    # once): a full build writes whole segments itself, without Whoosh's writer.
    fresh = last_seq == 0 and ix.doc_count_all() == 0
    indexed = removed = 0
    try:
        if fresh:
            indexed, removed, last_seq = _fill_empty(
                store, ix, directory, lock_timeout=lock_timeout, progress=progress,
                index_dir=index_dir,
            )  # fmt: skip
        while not fresh:
            changes = store.changes_since(last_seq, limit=_BATCH)
            if not changes:
                break
            writer = _writer(ix, directory, lock_timeout)
            try:
                for stored in changes:
                    if stored.record.deleted:
                        writer.delete_by_term("key", stored.record.key)
                        removed += 1
                    else:
                        writer.update_document(**to_document(stored))
                        indexed += 1
                if index_dir is not None and live_directory(index_dir) != directory:
                    raise _Switched
            except BaseException:
                _release_note(directory)
                writer.cancel()
                raise
            _release_note(directory)  # while the lock is held: the next writer sees no note
            writer.commit(mergetype=_merge_updates)
            last_seq = changes[-1].seq
            # Written after the commit: a crash in between only re-indexes the batch.
            seq_file.write_text(str(last_seq))
            if progress:
                progress(indexed + removed)
    finally:
        ix.close()
    _write_postings_files(directory)
    return indexed, removed, last_seq


def _merge_updates(writer: IndexWriter, segments: list[Segment]) -> list[Segment]:
    """Whoosh merge policy: fold the smallest update segments into the one being written.

    Returns the segments kept as they are. Nothing is merged until _UPDATE_SEGMENTS segments
    are under half of _SEGMENT documents; then the smallest of them, at most _MERGE_BUDGET
    documents in all (two at least, or none).
    """
    small = sorted(
        (segment for segment in segments if segment.doc_count_all() < _SEGMENT // 2),
        key=lambda segment: segment.doc_count_all(),
    )
    if len(small) < _UPDATE_SEGMENTS:
        return segments
    picked: list[Segment] = []
    total = 0
    for segment in small:
        if total + segment.doc_count_all() > _MERGE_BUDGET:
            break
        picked.append(segment)
        total += segment.doc_count_all()
    if len(picked) < 2:
        return segments
    for segment in picked:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    log.info("merged %d update segments (%d documents) into one", len(picked), total)
    return [segment for segment in segments if segment not in picked]


def _write_postings_files(directory: Path) -> None:
    """Write the postings files of new segments (index/postings.py); they only speed searches."""
    try:
        postings.complete(directory)
    except Exception as exc:  # noqa: BLE001 - the index itself is committed and complete
        log.warning(
            "%s: postings files not written (%s); searches read those segments through Whoosh, "
            "a little slower, until the next index update writes them",
            directory,
            exc,
        )


def _fill_empty(
    store: Store,
    ix: whoosh_index.Index,
    directory: Path,
    *,
    lock_timeout: float,
    progress: Callable[[int], None] | None,
    index_dir: Path | None,
) -> tuple[int, int, int]:
    """Index every change into an empty index, a segment of _SEGMENT documents at a time.

    Commits the first batch on its own, so that a first build soon has something to search
    (and keeps it if stopped), then the rest in slices of up to _SEGMENT changes, built in a
    process per core when there are two or more (`_fill_in_parallel`), else here, a commit
    every _SEGMENT documents; the change mark follows each commit. With ``index_dir``,
    raises _Switched before a commit as _apply_changes does.
    """
    seq_file = directory / _SEQ_FILE
    writer = _writer(ix, directory, lock_timeout, full=True)
    indexed = removed = last_seq = committed = 0
    try:
        while True:
            changes = store.changes_since(last_seq, limit=_BATCH)
            for stored in changes:
                if stored.record.deleted:
                    removed += 1  # a tombstone of a record this index never held
                else:
                    writer.add_document(**to_document(stored))
                    indexed += 1
            if changes:
                last_seq = changes[-1].seq
            due = not changes or not committed or writer.pending >= _SEGMENT
            if due and last_seq != committed:
                if index_dir is not None and live_directory(index_dir) != directory:
                    raise _Switched
                writer.commit()
                committed = last_seq
                seq_file.write_text(str(last_seq))
            if not changes:
                return indexed, removed, last_seq
            if progress:
                progress(indexed + removed)
            if committed == last_seq and writer.pending == 0:
                # After the first commit: the rest as whole segments, several at once.
                # Slices of _SEGMENT changes, smaller when that keeps every core busy.
                left = len(store.change_marks(last_seq, 1))
                helpers = _helpers(-(-left // _SEGMENT) if left > _SEGMENT else 2)
                every = max(_BATCH, min(_SEGMENT, -(-left // helpers)))
                marks = store.change_marks(last_seq, every)
                if _helpers(len(marks)) > 1:
                    added, dropped, last_seq = _fill_in_parallel(
                        store, writer, directory, last_seq, marks, progress=progress,
                        done=indexed + removed, index_dir=index_dir,
                    )  # fmt: skip
                    return indexed + added, removed + dropped, last_seq
    except BaseException:
        writer.cancel()
        raise
    finally:
        _release_note(directory)  # while the lock is held: the next writer sees no note
        writer.close()


def _helpers(segments: int) -> int:
    """How many processes build a full index's segments: one a core, at most four."""
    return max(1, min(segments, _MAX_HELPERS, os.cpu_count() or 1))


def _fill_in_parallel(
    store: Store,
    writer: SegmentBuilder,
    directory: Path,
    after: int,
    marks: list[int],
    *,
    progress: Callable[[int], None] | None,
    done: int,
    index_dir: Path | None,
) -> tuple[int, int, int]:
    """Build a segment of the changes up to each of ``marks`` in helper processes, and
    publish them in order (the same documents and numbers as one process would write).

    Whoosh's code is Python: one process uses one core, and a full build is CPU-bound.
    Returns the documents indexed, the tombstones skipped and the last change indexed.
    """
    seq_file = directory / _SEQ_FILE
    indexed = removed = 0
    last_seq = after
    waiting = list(zip([after, *marks[:-1]], marks, strict=True))
    helpers = _helpers(len(waiting))
    running: deque[tuple[subprocess.Popen[bytes], int, int]] = deque()
    try:
        while waiting or running:
            while waiting and len(running) < helpers:
                start, end = waiting.pop(0)
                command = _segment_command(store.path, directory, start, end, _BATCH)
                process = subprocess.Popen(
                    command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_helper_env()
                )
                running.append((process, start, end))
            process, start, end = running.popleft()
            output, errors = process.communicate()
            if process.returncode != 0:
                said = errors.decode("utf-8", "replace").strip().splitlines()
                raise SearchIndexError(
                    f"{directory}: the process indexing changes {start + 1} to {end} failed "
                    f"(exit {process.returncode}: {said[-1] if said else 'no message'}); the "
                    "live index is unchanged; run `unioncat index` again once that is fixed"
                )
            segment, added, dropped = pickle.loads(output)  # our own child's answer
            if index_dir is not None and live_directory(index_dir) != directory:
                raise _Switched
            if segment is not None:
                writer.publish([segment], clean=False)  # the helpers' files are not all in yet
            last_seq = end
            seq_file.write_text(str(last_seq))
            indexed += added
            removed += dropped
            if progress:
                progress(done + indexed + removed)
    except BaseException:
        for process, _, _ in running:  # the caller's cancel removes their segments' files
            process.kill()
            process.communicate()  # reaps it and closes its pipes
        for leftover in directory.glob(f"{writer.indexname}.tmp.*"):  # the helpers' own
            shutil.rmtree(leftover, ignore_errors=True)
        raise
    writer.cancel()  # nothing pending: removes the files of older generations
    return indexed, removed, last_seq


def _segment_command(catalog: Path, directory: Path, after: int, end: int, batch: int) -> list[str]:
    """The command that writes one segment (index/segments.py)."""
    return [
        sys.executable, "-m", "index.segments",
        str(catalog), str(directory), str(after), str(end), str(batch),
    ]  # fmt: skip


def _helper_env() -> dict[str, str]:
    """This environment, with this project importable from any working directory."""
    root = str(Path(__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


@overload
def _writer(ix: whoosh_index.Index, directory: Path, timeout: float) -> IndexWriter: ...
@overload
def _writer(
    ix: whoosh_index.Index, directory: Path, timeout: float, *, full: Literal[True]
) -> SegmentBuilder: ...
def _writer(
    ix: whoosh_index.Index, directory: Path, timeout: float, *, full: bool = False
) -> IndexWriter | SegmentBuilder:
    """Take the index's writer lock, waiting up to ``timeout`` seconds for another writer.

    Returns Whoosh's writer, or with ``full`` the full build's own (index/writer.py).
    """
    writer: IndexWriter | SegmentBuilder
    try:
        if full:
            writer = SegmentBuilder(ix, timeout=timeout, delay=0.25)
        else:
            writer = ix.writer(timeout=timeout, delay=0.25)
    except LockError as exc:
        raise SearchIndexError(
            f"{directory}: {_holder(directory)} is writing the index (waited {timeout:.0f} s); "
            "wait for it to finish, or stop it"
        ) from exc
    note = _read_note(directory)
    if note is not None:  # the lock was free, so whoever wrote the note died holding it
        log.warning(
            "%s: the previous writer (PID %d, since %s) stopped without finishing; its lock "
            "went with it, and the batch it was writing is indexed again now",
            directory,
            *note,
        )
    (directory / _WRITER_FILE).write_text(
        f"{os.getpid()} {datetime.now(UTC).isoformat(timespec='seconds')}"
    )
    return writer


def _release_note(directory: Path) -> None:
    (directory / _WRITER_FILE).unlink(missing_ok=True)


def _read_note(directory: Path) -> tuple[int, str] | None:
    """Return the PID and start time in the writer note, or None when there is none."""
    try:
        pid, _, since = (directory / _WRITER_FILE).read_text().partition(" ")
        return int(pid), since
    except (OSError, ValueError):
        return None


def _holder(directory: Path) -> str:
    """Describe the process holding the writer lock, for messages."""
    note = _read_note(directory)
    if note is None:
        return "another process"
    pid, since = note
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        # The lock outlives its holder only in a process that inherited the descriptor.
        return f"a process started by PID {pid} (gone since; it began writing at {since})"
    except PermissionError:
        pass
    return f"another process (PID {pid}, since {since})"
