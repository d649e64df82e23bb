"""Nights of index updates: segments and time per nightly delta, merges included.

    .venv/bin/python bench/index_nights.py [--records 100000] [--nights 10] [--changes 1000]
    .venv/bin/python bench/index_nights.py --segment 2500   # many small full-build segments

Copies bench/web.py's catalog of ``--records`` records (built there if missing) into a fresh
folder, builds its index (``--segment`` documents a full-build segment, default the build's
own), then for each night stores ``--changes`` records with a new description and times the
incremental ``update_index``, printing the segments after it and whether the commit merged.
A SearchIndex keeps warm meanwhile, as a server does (``keep_warm``): each night also prints
how long after the commit the new generation was read, and a first-time search's time then.
Whoosh's own merge policy merged most of a 40-segment index in one such night (it did not end
in 15 minutes at 1,000,000 records); index/build.py's ``_merge_updates`` bounds that. Nothing
is asserted; figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from whoosh import index as whoosh_index

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import index.build as build  # noqa: E402
from bench.web import load_average, prepare  # noqa: E402
from catalog.store import Store  # noqa: E402
from index.build import update_index  # noqa: E402
from index.search import SearchIndex  # noqa: E402
from index.swap import live_directory  # noqa: E402


def segment_sizes(index_dir: Path) -> list[int]:
    ix = whoosh_index.open_dir(str(live_directory(index_dir)))
    try:
        return sorted((segment.doc_count_all() for segment in ix._segments()), reverse=True)
    finally:
        ix.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="records in the catalog")
    parser.add_argument("--nights", type=int, default=10, help="nightly updates to time")
    parser.add_argument("--changes", type=int, default=1_000, help="records changed a night")
    parser.add_argument(
        "--segment", type=int, help="documents a full-build segment holds (default: the build's)"
    )
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / "var" / "bench-web", help="bench/web.py's folder"
    )
    args = parser.parse_args()
    catalog, _ = prepare(args.workdir, args.records, rebuild=False)
    print(f"load average {load_average()}; {args.records:,} records, {args.changes:,} a night")
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work_catalog, index_dir = Path(tmp) / "catalog.sqlite", Path(tmp) / "index"
        shutil.copy(catalog, work_catalog)
        full_size = build._SEGMENT
        if args.segment:
            build._SEGMENT = args.segment
        started = time.perf_counter()
        with Store.open(work_catalog) as store:
            summary = update_index(store, index_dir)
        build._SEGMENT = full_size  # updates judge "small" segments by the real size
        sizes = segment_sizes(index_dir)
        print(
            f"build: {summary.indexed:,} documents in {time.perf_counter() - started:.1f} s, "
            f"{len(sizes)} segments"
        )
        index = SearchIndex(index_dir)
        index.warm()
        index.keep_warm(interval=0.5)  # as a server does
        with Store.open(work_catalog) as store:
            live = [s.record for s in store.changes_since(0, limit=args.changes * args.nights * 2)]
            live = [record for record in live if not record.deleted]
            for night in range(args.nights):
                stamp = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=night)
                chosen = live[night * args.changes : (night + 1) * args.changes]
                store.upsert_page(
                    [
                        replace(
                            record,
                            datestamp=stamp,
                            description=f"{record.description or ''} (night {night})",
                        )
                        for record in chosen
                    ]
                )
                before = len(segment_sizes(index_dir))
                started = time.perf_counter()
                summary = update_index(store, index_dir)
                took = time.perf_counter() - started
                sizes = segment_sizes(index_dir)
                merged = before + 1 - len(sizes)
                ix = whoosh_index.open_dir(str(live_directory(index_dir)))
                generation = int(ix.latest_generation())
                ix.close()
                waited = time.perf_counter()
                while index._accents.peek(generation, "accents") is None:  # warm()'s last
                    time.sleep(0.05)
                waited = time.perf_counter() - waited
                searched = time.perf_counter()
                index.search(f"night {night} lịch sử")
                searched = (time.perf_counter() - searched) * 1000
                print(
                    f"night {night + 1:2}: {summary.indexed:,} changes in {took:5.1f} s; "
                    f"{len(sizes)} segments"
                    + (f", {merged} update segments merged into the new one" if merged else "")
                    + f" (smallest {sorted(sizes)[:4]}); warmed {waited:.1f} s after the "
                    f"commit, then a first-time search {searched:.0f} ms"
                )
        index.close()
    print(f"load average at the end {load_average()}")


if __name__ == "__main__":
    main()
