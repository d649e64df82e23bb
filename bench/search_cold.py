"""Time first-time searches on a large index built once and kept, and profile them.

    .venv/bin/python bench/search_cold.py [--copies 70] [--rounds 5] [--rebuild]
    .venv/bin/python bench/search_cold.py --profile "lịch sử" [--profile-top 30]

Stores the seeded sample members (710 records × N under new identifiers, as
bench/pipeline.py serves them) in a catalog under --workdir, indexes it, and keeps both:
the next run reuses them unless the schema version changed or --rebuild is given. Then runs
the pipeline's patron queries plus fielded and filtered ones, each as a first-time search
(the result caches are emptied before every query; the searcher stays warm, as in a running
server), and prints median and p95 per query kind. --profile runs one query under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pipeline import forget  # noqa: E402
from catalog.models import Record  # noqa: E402
from catalog.store import Store  # noqa: E402
from demo.members import map_sample  # noqa: E402
from demo.sample_data import generate_libraries  # noqa: E402
from index.build import schema_version_of, update_index  # noqa: E402
from index.schema import SCHEMA_VERSION  # noqa: E402
from index.search import SearchIndex  # noqa: E402

PIPELINE = [
    "can tho", "Cần Thơ", "dong thap", "Đồng Tháp", "ca mau", "lịch sử", "dia chi",
    "ban do", "cho noi cai rang", "khmer", "tra vinh", "văn hóa", "1975", "son nam",
]  # fmt: skip
FIELDED = ['tác giả:"sơn nam"', "nơi:cần thơ", "title:bản đồ", "năm:1945-1975 lịch sử"]
FILTERED: list[tuple[str, dict[str, tuple[str, ...]], tuple[int | None, int | None]]] = [
    ("lịch sử", {"kind": ("book",)}, (None, None)),
    ("can tho", {"library": ("camau",)}, (None, None)),
    ("ca mau", {}, (1950, 1999)),
    ("", {}, (None, None)),
]
# Sorted orders (not in "all", which stays comparable with earlier runs).
SORTED = [("", "newest"), ("", "title"), ("lịch sử", "newest"), ("can tho", "title"),
          ("ca mau", "oldest")]  # fmt: skip


def sample_records(copies: int) -> list[Record]:
    """Map the demo sample once and repeat it ``copies`` times, as bench/pipeline.py serves it."""
    mapped = [record for sample in generate_libraries(2025) for record in map_sample(sample)]
    return [
        replace(record, oai_id=f"{record.oai_id}-{n}") if n else record
        for n in range(copies)
        for record in mapped
    ]


def prepare(workdir: Path, copies: int, *, rebuild: bool) -> Path:
    """Return the index directory for ``copies``, storing and indexing only what is missing."""
    workdir.mkdir(parents=True, exist_ok=True)
    catalog = workdir / f"catalog-{copies}.sqlite"
    index_dir = workdir / f"index-{copies}"
    if not catalog.exists():
        started = time.perf_counter()
        records = sample_records(copies)
        with Store.open(catalog) as store:
            for start in range(0, len(records), 1000):
                batch = sorted(records[start : start + 1000], key=lambda r: r.datestamp)
                store.upsert_page(batch)
        print(f"catalog: {len(records)} records in {time.perf_counter() - started:.1f} s")
    stale = schema_version_of(index_dir) != SCHEMA_VERSION
    if rebuild or stale or not index_dir.exists():
        started = time.perf_counter()
        with Store.open(catalog) as store:
            summary = update_index(store, index_dir, rebuild=True)
        seconds = time.perf_counter() - started
        print(
            f"index: {summary.indexed} documents in {seconds:.1f} s "
            f"= {summary.indexed / seconds:.0f} documents/s (schema {SCHEMA_VERSION})"
        )
    else:
        print(f"index: reusing {index_dir} (schema {SCHEMA_VERSION}; --rebuild to rebuild)")
    return index_dir


def run_once(
    index: SearchIndex,
    text: str,
    filters: dict[str, tuple[str, ...]] | None = None,
    years: tuple[int | None, int | None] = (None, None),
    *,
    cold: bool = False,
    sort: str = "relevance",
) -> float:
    """Time one first-time search; ``cold`` also drops the postings kept per generation."""
    forget(index, postings=cold)
    started = time.perf_counter()
    index.search(text, filters=filters, years=years, sort=sort)
    return (time.perf_counter() - started) * 1000


def summary(timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"median {statistics.median(ordered):7.1f} ms, p95 {p95:7.1f} ms, "
        f"max {ordered[-1]:7.1f} ms ({len(ordered)} searches)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=70, help="times each sample record repeats")
    parser.add_argument("--rounds", type=int, default=5, help="times each query is run")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "unioncat-bench",
        help="where the catalog and index are kept between runs",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index (times it)")
    parser.add_argument("--profile", metavar="QUERY", help="profile one first-time query")
    parser.add_argument("--profile-top", type=int, default=30, help="functions to list")
    parser.add_argument(
        "--cold-postings",
        action="store_true",
        help="also drop the postings the index keeps per generation before each query",
    )
    parser.add_argument("--verbose", action="store_true", help="print each query's median")
    args = parser.parse_args()

    index_dir = prepare(args.workdir, args.copies, rebuild=args.rebuild)
    index = SearchIndex(index_dir)
    try:
        print(f"documents: {index.count()}")
        index.search("warm up")  # open the searcher; load what a running server has loaded
        if args.profile is not None:
            run_once(index, args.profile)  # column readers etc. as a server has them
            forget(index, postings=args.cold_postings)
            profiler = cProfile.Profile()
            profiler.enable()
            run_once(index, args.profile, cold=args.cold_postings)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(args.profile_top)
            stats.sort_stats("tottime").print_stats(args.profile_top)
            return
        groups: dict[str, list[float]] = {"pipeline": [], "fielded": [], "filtered": []}
        sorted_runs: list[float] = []
        per_query: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for text in PIPELINE:
                took = run_once(index, text, cold=args.cold_postings)
                groups["pipeline"].append(took)
                per_query.setdefault(text, []).append(took)
            for text in FIELDED:
                took = run_once(index, text, cold=args.cold_postings)
                groups["fielded"].append(took)
                per_query.setdefault(text, []).append(took)
            for text, filters, years in FILTERED:
                took = run_once(index, text, filters, years, cold=args.cold_postings)
                groups["filtered"].append(took)
                per_query.setdefault(f"{text!r} {filters} {years}", []).append(took)
            for text, order in SORTED:
                took = run_once(index, text, cold=args.cold_postings, sort=order)
                sorted_runs.append(took)
                per_query.setdefault(f"{text!r} sort={order}", []).append(took)
        for name, timings in groups.items():
            print(f"first-time, {name:8}: {summary(timings)}")
        print(f"first-time, all     : {summary([t for ts in groups.values() for t in ts])}")
        print(f"first-time, sorted  : {summary(sorted_runs)}")
        if args.verbose:
            for text, timings in per_query.items():
                print(f"  {statistics.median(timings):7.1f} ms  {text}")
        for text in PIPELINE:
            index.search(text)  # first time: now cached
        started = time.perf_counter()
        for text in PIPELINE:
            index.search(text)
        repeated = (time.perf_counter() - started) * 1000 / len(PIPELINE)
        print(f"repeated query: {repeated:.2f} ms")
    finally:
        index.close()


if __name__ == "__main__":
    main()
