"""Benchmark the whole path: harvest over HTTP from local members, index, search.

    .venv/bin/python bench/pipeline.py [--copies N] [--page-size N]

Serves the seeded sample members (each record repeated N times under new identifiers) with
the project's own OAI-PMH provider on 127.0.0.1, harvests them with the project's harvester,
indexes the catalog and times a set of patron queries. Prints its figures; nothing is asserted.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.store import Store  # noqa: E402
from demo.members import MemberServers  # noqa: E402
from demo.sample_data import SampleLibrary, generate_libraries  # noqa: E402
from harvester import HarvestOptions, harvest_libraries  # noqa: E402
from index.build import update_index  # noqa: E402
from index.search import SearchIndex  # noqa: E402

QUERIES = [
    "can tho", "Cần Thơ", "dong thap", "Đồng Tháp", "ca mau", "lịch sử", "dia chi",
    "ban do", "cho noi cai rang", "khmer", "tra vinh", "văn hóa", "1975", "son nam",
]  # fmt: skip


def enlarge(sample: SampleLibrary, copies: int) -> SampleLibrary:
    records = tuple(
        replace(record, oai_id=f"{record.oai_id}-{n}") if n else record
        for n in range(copies)
        for record in sample.records
    )
    return replace(sample, records=records)


def forget(index: SearchIndex, *, postings: bool = False) -> None:
    """Empty the result caches (and the kept postings) so the next search is a first-time one.

    The searcher and the per-generation document values stay, as in a running server.
    """
    for name in ("_filters", "_counts", "_pages"):
        cache = getattr(index, name, None)
        if cache is not None:
            cache._values.clear()
    values = getattr(index, "_values", None)
    if postings and values is not None:
        for kept in values._values.values():
            kept._postings.clear()
            kept._held = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10, help="times each sample record is served")
    parser.add_argument("--page-size", type=int, default=100, help="records per OAI-PMH page")
    parser.add_argument("--rounds", type=int, default=5, help="times each query is run")
    parser.add_argument(
        "--first-time",
        action="store_true",
        help="empty the search result caches before each query (time first-time searches)",
    )
    parser.add_argument(
        "--cold-postings",
        action="store_true",
        help="with --first-time, also drop the postings kept per index generation",
    )
    args = parser.parse_args()

    samples = [enlarge(sample, args.copies) for sample in generate_libraries(2025)]
    total = sum(len(sample.records) for sample in samples)
    print(
        f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}, "
        f"{__import__('os').cpu_count()} cores"
    )
    print(f"records served: {total} in {len(samples)} members, page size {args.page_size}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        with MemberServers(samples, workdir / "members", page_size=args.page_size) as members:
            print(f"members loaded and serving in {time.perf_counter() - started:.1f} s")
            with Store.open(workdir / "catalog.sqlite") as store:
                started = time.perf_counter()
                summaries = harvest_libraries(members.libraries, store, HarvestOptions(timeout=30))
                seconds = time.perf_counter() - started
                harvested = sum(s.stored + s.deleted for s in summaries)
                pages = sum(s.pages for s in summaries)
                print(
                    f"harvest: {harvested} records, {pages} pages in {seconds:.1f} s "
                    f"= {harvested / seconds:.0f} records/s"
                )
                started = time.perf_counter()
                summary = update_index(store, workdir / "index")
                seconds = time.perf_counter() - started
                print(
                    f"index: {summary.indexed} documents in {seconds:.1f} s "
                    f"= {summary.indexed / seconds:.0f} documents/s"
                )
        index = SearchIndex(workdir / "index")
        timings: list[float] = []
        for _ in range(args.rounds):
            for query in QUERIES:
                if args.first_time:
                    forget(index, postings=args.cold_postings)
                started = time.perf_counter()
                index.search(query)
                timings.append((time.perf_counter() - started) * 1000)
        index.close()
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"search with 3 facets, {len(timings)} queries: "
            f"median {statistics.median(timings):.1f} ms, "
            f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms"
        )


if __name__ == "__main__":
    main()
