"""Time a full index build from a stored catalog, and profile it.

    .venv/bin/python bench/index_build.py [--copies 10] [--rounds 1] [--writer NAME] [--profile]

Stores the seeded sample members (710 records × N under new identifiers, as
bench/search_cold.py does) in a catalog under --workdir, kept between runs, then rebuilds a
fresh index from it and prints documents per second; reading the catalog and making the
documents (index/schema.py) are timed on their own first. --writer picks how:

    update_index   the project's: a full build writes its segments itself (index/writer.py)
    whoosh         what update_index did before: Whoosh's writer, a commit per 2,000
                   documents (merging small segments as Whoosh does)
    one-commit     add_document into one writer, one commit at the end
    no-merge       a commit per --batch documents without merging segments, then one merge
    procs2         one-commit with Whoosh's multiprocessing writer, two processes
    procs2-multi   the same, its segments left unmerged (multisegment=True)

Each build prints wall and process CPU time (other jobs on the machine stretch the wall
time, not the CPU time) and the process's peak RSS so far (reading the catalog included).
--profile prints where the time goes (in this process only: not procs2's children).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_cold import sample_records  # noqa: E402
from catalog.models import StoredRecord  # noqa: E402
from catalog.store import Store  # noqa: E402
from index.build import open_or_create, update_index  # noqa: E402
from index.schema import to_document  # noqa: E402

WRITERS = ("update_index", "whoosh", "one-commit", "no-merge", "procs2", "procs2-multi")


def stored_catalog(workdir: Path, copies: int) -> Path:
    """Return a catalog of the sample × ``copies``, storing it only when missing."""
    workdir.mkdir(parents=True, exist_ok=True)
    catalog = workdir / f"catalog-{copies}.sqlite"
    if not catalog.exists():
        records = sample_records(copies)
        with Store.open(catalog) as store:
            for start in range(0, len(records), 1000):
                batch = sorted(records[start : start + 1000], key=lambda r: r.datestamp)
                store.upsert_page(batch)
    return catalog


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=10, help="times each sample record repeats")
    parser.add_argument("--rounds", type=int, default=1, help="builds to time")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "unioncat-bench",
        help="where the catalog is kept between runs",
    )
    parser.add_argument("--writer", choices=WRITERS, default="update_index", help="see above")
    parser.add_argument("--batch", type=int, default=2000, help="documents a commit (no-merge)")
    parser.add_argument("--limitmb", type=int, default=128, help="Whoosh's writer memory, MB")
    parser.add_argument("--profile", action="store_true", help="profile one build")
    parser.add_argument("--profile-top", type=int, default=25, help="functions to list")
    args = parser.parse_args()

    catalog = stored_catalog(args.workdir, args.copies)
    index_dir = args.workdir / f"index-build-{args.copies}"
    with Store.open(catalog) as store:
        started = time.perf_counter()
        changes = [c for batch in _all_changes(store) for c in batch]
        read = time.perf_counter() - started
        live = [stored for stored in changes if not stored.record.deleted]
        started = time.perf_counter()
        for stored in live:
            to_document(stored)
        documents = time.perf_counter() - started
        print(
            f"catalog: {len(changes)} changes, {len(live)} live; read {read:.1f} s, "
            f"documents made in {documents:.1f} s ({len(live) / documents:.0f}/s)"
        )
        timings = []
        for _ in range(args.rounds):
            shutil.rmtree(index_dir, ignore_errors=True)
            profiler = cProfile.Profile() if args.profile else None
            started, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            if args.writer == "update_index":
                indexed = update_index(store, index_dir, rebuild=True).indexed
            else:
                indexed = build_with(store, index_dir, args.writer, args.batch, args.limitmb)
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            timings.append(seconds)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"build ({args.writer}): {indexed} documents in {seconds:.1f} s "
                f"= {indexed / seconds:.0f} documents/s; CPU {cpu:.1f} s = "
                f"{indexed / cpu:.0f} documents/s; peak RSS {rss:.0f} MiB"
            )
            if profiler:
                stats = pstats.Stats(profiler).sort_stats("cumulative")
                stats.print_stats(args.profile_top)
                stats.sort_stats("tottime").print_stats(args.profile_top)
        size = sum(path.stat().st_size for path in index_dir.iterdir()) / 2**20
        print(
            f"median {statistics.median(timings):.1f} s over {len(timings)} builds; "
            f"index {size:.1f} MiB, {len(list(index_dir.glob('*.seg')))} segments"
        )


def build_with(store: Store, index_dir: Path, writer_name: str, batch: int, limitmb: int) -> int:
    """Index every live record with one of the --writer variants; return how many."""
    ix = open_or_create(index_dir, rebuild=True)
    if writer_name == "whoosh":
        return build_with_whoosh_batches(store, ix, batch)
    options: dict[str, object] = {"limitmb": limitmb}
    if writer_name.startswith("procs2"):
        options.update(procs=2, multisegment=writer_name == "procs2-multi")
    writer = ix.writer(**options)
    indexed = pending = 0
    for changes in _all_changes(store):
        for stored in changes:
            if stored.record.deleted:
                continue
            writer.add_document(**to_document(stored))
            indexed += 1
            pending += 1
            if writer_name == "no-merge" and pending >= batch:
                writer.commit(merge=False)
                writer = ix.writer(**options)
                pending = 0
    if writer_name == "no-merge":
        writer.commit(optimize=True)
    else:
        writer.commit()
    ix.close()
    return indexed


def build_with_whoosh_batches(store: Store, ix: Any, batch: int) -> int:
    """Index every live record as update_index did before index/writer.py; return how many."""
    indexed = 0
    for changes in _all_changes(store, batch):
        writer = ix.writer()
        for stored in changes:
            if not stored.record.deleted:
                writer.add_document(**to_document(stored))
                indexed += 1
        writer.commit()
    ix.close()
    return indexed


def _all_changes(store: Store, limit: int = 5000) -> Iterator[list[StoredRecord]]:
    seq = 0
    while True:
        batch = store.changes_since(seq, limit=limit)
        if not batch:
            return
        yield batch
        seq = batch[-1].seq


if __name__ == "__main__":
    main()
