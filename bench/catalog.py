"""Measure the catalog: upsert throughput and work clustering at 100,000 records.

    .venv/bin/python bench/catalog.py [--records 100000] [--page-size 100] [--workdir DIR]

The demo's 710 sample records (4 members, 49 works held by several libraries) are mapped once
with the harvester's own mapping and repeated until there are ``--records``; each repetition
is its own set of works (its titles and ISBNs are made distinct), so clusters keep the demo's
shape instead of growing with the count. Figures printed:

- upsert of new records, one transaction per page, as a harvest commits them;
- the same pages again, unchanged (the overlap an incremental harvest re-reads);
- clustering: the work key of every record (catalog.merge.work_key), the store's grouping
  query, and ``same_work`` verifying every record of a multi-library cluster against its first.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.merge import same_work, work_key  # noqa: E402
from catalog.models import Record  # noqa: E402
from catalog.store import Store  # noqa: E402
from demo.members import map_sample  # noqa: E402
from demo.sample_data import generate_libraries  # noqa: E402


def sample_records(count: int) -> list[Record]:
    """``count`` records: the mapped demo sample, repeated as distinct works."""
    mapped = [record for sample in generate_libraries(2025) for record in map_sample(sample)]
    out: list[Record] = []
    copy = 0
    while len(out) < count:
        for record in mapped[: count - len(out)]:
            if copy:
                record = replace(
                    record,
                    oai_id=f"{record.oai_id}-{copy}",
                    title=f"{copy} {record.title}" if record.title else None,
                    isbns=tuple(f"{isbn}-{copy}" for isbn in record.isbns),
                )
            out.append(record)
        copy += 1
    return out


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>9,.0f} records/s  ({seconds:6.2f} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="records to store")
    parser.add_argument("--page-size", type=int, default=100, help="records per transaction")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the catalog file goes (default: temp)"
    )
    args = parser.parse_args(argv)

    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}")  # fmt: skip
    started = time.perf_counter()
    records = sample_records(args.records)
    live = sum(not r.deleted for r in records)
    print(f"{len(records):,} records ({live:,} live) mapped in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    pages = [records[i : i + args.page_size] for i in range(0, len(records), args.page_size)]

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        path = Path(tmp) / "catalog.sqlite"
        with Store.open(path) as store:
            started = time.perf_counter()
            for batch in pages:
                store.upsert_page(batch)
            new = time.perf_counter() - started
            started = time.perf_counter()
            unchanged = sum(store.upsert_page(batch).stored for batch in pages)
            again = time.perf_counter() - started
            assert unchanged == 0, f"{unchanged} unchanged records were written again"

            started = time.perf_counter()
            keys = [work_key(r.title, r.creators, r.isbns, kind=r.kind) for r in records]
            keying = time.perf_counter() - started

            started = time.perf_counter()
            db = store._db  # the grouping the search side relies on, as one query
            shared = db.execute(
                "SELECT cluster FROM records WHERE deleted = 0 GROUP BY cluster "
                "HAVING COUNT(DISTINCT library) > 1"
            ).fetchall()
            grouping = time.perf_counter() - started

            started = time.perf_counter()
            pairs = agreed = 0
            for (cluster,) in shared:
                members = store.cluster(cluster)
                first = members[0].record
                for other in members[1:]:
                    pairs += 1
                    agreed += same_work(first, other.record)
            verifying = time.perf_counter() - started
            size = sum(p.stat().st_size for p in Path(tmp).iterdir())

    print(f"upsert, new ({args.page_size} a page):   {_rate(len(records), new)}")
    print(f"upsert, unchanged (skipped):   {_rate(len(records), again)}")
    print(f"work keys (catalog.merge):     {_rate(len(records), keying)}"
          f"  {len(set(keys)):,} keys")  # fmt: skip
    print(f"grouping query:                {grouping * 1000:9.1f} ms  "
          f"{len(shared):,} works held by 2+ libraries")  # fmt: skip
    print(f"same_work over those clusters: {verifying:9.2f} s  "
          f"{agreed:,} of {pairs:,} pairs agree")  # fmt: skip
    print(f"catalog file: {size / 2**20:.1f} MiB; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
