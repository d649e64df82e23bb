"""Build one segment of a full index build in a process of its own.

    python -m index.segments CATALOG INDEX_DIR AFTER END BATCH

Writes the segment of the catalog's changes after change AFTER up to END into the index
folder INDEX_DIR (not publishing it: the writer that started this process holds the lock and
publishes the segments in order), then prints the segment and its counts, pickled, on
standard output. Whoosh's code is Python, so one process uses one core: index/build.py runs
one of these per core. A plain subprocess rather than multiprocessing: it neither forks a
process that may hold other threads' locks nor imports the caller's main module again.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from catalog.store import Store
from index.schema import to_document
from index.writer import SegmentBuilder


def build_segment(catalog: Path, directory: Path, after: int, end: int, batch: int) -> Any:
    """Write the segment of the changes after ``after`` up to ``end``; return it (None
    without documents), the documents in it and the tombstones skipped."""
    ix = whoosh_index.open_dir(str(directory))
    builder = SegmentBuilder(ix, lock=False)
    indexed = removed = 0
    try:
        with Store.open(catalog) as store:
            last = after
            while last < end:
                changes = [c for c in store.changes_since(last, limit=batch) if c.seq <= end]
                if not changes:
                    break
                for stored in changes:
                    if stored.record.deleted:
                        removed += 1
                    else:
                        builder.add_document(**to_document(stored))
                        indexed += 1
                last = changes[-1].seq
        return builder.finish(), indexed, removed
    finally:
        builder.close()
        ix.close()


def main(argv: list[str]) -> int:
    if len(argv) != 5 or argv[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    catalog, directory = Path(argv[0]), Path(argv[1])
    after, end, batch = (int(value) for value in argv[2:])
    found = build_segment(catalog, directory, after, end, batch)
    sys.stdout.buffer.write(pickle.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
