"""Time the nightly index update and a rebuild beside the live index.

    .venv/bin/python bench/index_update.py [--copies 70] [--changed 1000] [--small-copies 10]

Stores the seeded sample members (710 records × --copies, as bench/search_cold.py does) in a
catalog under --workdir, kept between runs, and makes sure its index is current. Figures:

- the nightly delta: --changed records get a new title in the catalog, then `update_index`
  applies them to the large index (update_document: each key is looked up and replaced);
- the same update again (nothing to do: the cost of an idle night);
- a rebuild of a --small-copies catalog beside its live index, switch included.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_cold import prepare  # noqa: E402
from catalog.store import Store  # noqa: E402
from index.build import update_index  # noqa: E402
from index.search import SearchIndex  # noqa: E402


def change_titles(store: Store, count: int) -> None:
    """Give ``count`` records spread over the catalog a new title and a later datestamp."""
    total = store.max_seq()
    step = max(1, total // count)
    picked = []
    for seq in range(0, total, step):
        stored = store.changes_since(seq, limit=1)
        if stored and not stored[0].record.deleted:
            record = stored[0].record
            picked.append(
                replace(record, title=f"{record.title or ''} (sửa)",
                        datestamp=record.datestamp + timedelta(days=1))
            )  # fmt: skip
        if len(picked) == count:
            break
    store.upsert_page(sorted(picked, key=lambda r: r.datestamp))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=70, help="sample copies, large index")
    parser.add_argument("--changed", type=int, default=1000, help="records changed per night")
    parser.add_argument("--small-copies", type=int, default=10, help="sample copies, rebuild")
    parser.add_argument(
        "--workdir", type=Path, default=Path("var/bench-index-update"), help="kept between runs"
    )
    args = parser.parse_args()

    index_dir = prepare(args.workdir, args.copies, rebuild=False)
    with Store.open(args.workdir / f"catalog-{args.copies}.sqlite") as store:
        update_index(store, index_dir)  # catch up with earlier runs' changes
        change_titles(store, args.changed)
        started = time.perf_counter()
        summary = update_index(store, index_dir)
        took = time.perf_counter() - started
        again = time.perf_counter()
        idle = update_index(store, index_dir)
        idle_took = time.perf_counter() - again
    index = SearchIndex(index_dir)
    try:
        documents = index.count()
    finally:
        index.close()
    print(
        f"nightly delta: {summary.indexed} changed records into {documents} documents "
        f"in {took:.1f} s ({summary.indexed / took:.0f} records/s)"
    )
    print(f"idle update: {idle.indexed} records in {idle_took * 1000:.0f} ms")

    small_dir = prepare(args.workdir, args.small_copies, rebuild=False)
    with Store.open(args.workdir / f"catalog-{args.small_copies}.sqlite") as store:
        started = time.perf_counter()
        rebuilt = update_index(store, small_dir, rebuild=True)
        took = time.perf_counter() - started
    print(
        f"rebuild beside the live index: {rebuilt.indexed} records in {took:.1f} s "
        f"({rebuilt.indexed / took:.0f} records/s), switched to {small_dir.resolve().name}"
    )


if __name__ == "__main__":
    main()
