"""Bring the Whoosh index up to date from the catalog's change sequence. One writer at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import IndexWriter

from catalog.errors import SearchIndexError
from catalog.store import Store
from index.schema import SCHEMA_VERSION, make_schema, to_document

log = logging.getLogger(__name__)

_SEQ_FILE = "unioncat-seq"  # last catalog change sequence the index has seen
_VERSION_FILE = "unioncat-schema"
_BATCH = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSummary:
    """What one index update did."""

    indexed: int
    removed: int
    last_seq: int
    rebuilt: bool


def schema_version_of(index_dir: Path) -> str | None:
    """Return the schema version an index was built with, or None when unknown."""
    version = index_dir / _VERSION_FILE
    return version.read_text().strip() if version.exists() else None


def open_or_create(index_dir: Path, *, rebuild: bool = False) -> whoosh_index.Index:
    """Open the index at ``index_dir``; create it when absent, asked to, or out of date.

    The index is disposable (the catalog is the source of truth), so an index built by an
    older version is rebuilt rather than refused.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    exists = whoosh_index.exists_in(str(index_dir))
    if exists and not rebuild and schema_version_of(index_dir) != SCHEMA_VERSION:
        log.warning(
            "%s: index built with schema %s, this version uses %s; rebuilding it",
            index_dir,
            schema_version_of(index_dir),
            SCHEMA_VERSION,
        )
        rebuild = True
    if rebuild or not exists:
        ix = whoosh_index.create_in(str(index_dir), make_schema())
        (index_dir / _VERSION_FILE).write_text(SCHEMA_VERSION)
        (index_dir / _SEQ_FILE).write_text("0")
        return ix
    return whoosh_index.open_dir(str(index_dir))


def update_index(
    store: Store,
    index_dir: Path,
    *,
    rebuild: bool = False,
    lock_timeout: float = 60.0,
    progress: Callable[[int], None] | None = None,
) -> IndexSummary:
    """Index every catalog change since the last update; tombstones leave the index.

    Raises SearchIndexError when another process holds the writer lock past ``lock_timeout``.
    """
    stale = whoosh_index.exists_in(str(index_dir)) and (
        schema_version_of(index_dir) != SCHEMA_VERSION
    )
    ix = open_or_create(index_dir, rebuild=rebuild)
    seq_file = index_dir / _SEQ_FILE
    last_seq = int(seq_file.read_text() or 0) if seq_file.exists() else 0
    # Into an empty index every change is a new record (the change sequence holds each record
    # once): adding skips update_document's lookup of the key in every segment.
    fresh = last_seq == 0 and ix.doc_count_all() == 0
    indexed = removed = 0
    try:
        while True:
            changes = store.changes_since(last_seq, limit=_BATCH)
            if not changes:
                break
            writer = _writer(ix, index_dir, lock_timeout)
            try:
                for stored in changes:
                    if stored.record.deleted:
                        writer.delete_by_term("key", stored.record.key)
                        removed += 1
                    elif fresh:
                        writer.add_document(**to_document(stored))
                        indexed += 1
                    else:
                        writer.update_document(**to_document(stored))
                        indexed += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            last_seq = changes[-1].seq
            # Written after the commit: a crash in between only re-indexes the batch.
            seq_file.write_text(str(last_seq))
            if progress:
                progress(indexed + removed)
    finally:
        ix.close()
    log.info("index: %d documents updated, %d removed, at change %d", indexed, removed, last_seq)
    return IndexSummary(
        indexed=indexed, removed=removed, last_seq=last_seq, rebuilt=rebuild or stale
    )


def _writer(ix: whoosh_index.Index, index_dir: Path, timeout: float) -> IndexWriter:
    try:
        return ix.writer(timeout=timeout, delay=0.25)
    except LockError as exc:
        raise SearchIndexError(
            f"{index_dir}: another process is writing the index (waited {timeout:.0f} s); "
            "wait for it to finish, or remove a lock left by a crashed run"
        ) from exc
