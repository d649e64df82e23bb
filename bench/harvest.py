"""Benchmark our harvester against a bare sickle loop over the same local provider.

    .venv/bin/python bench/harvest.py [--records 50000] [--page-size 100] [--rounds 3]

Fills a catalog with N synthetic records (bench/provider.py's: 2% tombstones, a quarter of
them MARC records, all served as oai_dc), serves it with the union's own OAI-PMH provider in
a child process (bench/provider.py's waitress server), then harvests the whole list in fresh
child processes, one at a time, so no harvester shares the server's GIL or another's memory:

- ``sickle``: ``Sickle(url).ListRecords(metadataPrefix="oai_dc")``, reading every record's
  identifier and (for live records) its metadata dict, which sickle 0.7 builds for every
  record as it parses the page;
- ``harvest``: ``harvester.run.harvest_library`` into a fresh Store file on disk (fetch, parse,
  map, store, commit page by page), the same N records, with ``--map-processes`` mapping
  processes (1, the default of the ``harvest_map_processes`` setting; 0 maps in the
  harvest's own process);
- memory: ``harvest_library`` capped at N/5, N/2 and N records (``max_requests`` pages), each
  in a fresh process and a fresh Store, once plain (ru_maxrss growth during the harvest, and
  the mapping process's peak ru_maxrss) and once under tracemalloc (the peak of Python
  allocations in the harvest's own process).

Prints a table and PASS/FAIL against the issue's targets: our rate at least 0.8x the bare
loop's, and peak memory flat in the number of records (exit status 1 on FAIL). ``--profile
FILE`` also runs one harvest under cProfile, prints its top costs and keeps the stats in FILE.
cProfile sees the calling thread only (storing, and mapping with ``--map-processes 0``): pages
fetched ahead by the harvest's fetch thread (``harvester/ahead.py``) show only as the time
spent waiting for them (``SimpleQueue.get``), pages mapped in a process as the wait for their
records, and waits for the GIL count towards whatever function was running.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import provider  # noqa: E402
from catalog.models import Library  # noqa: E402
from catalog.store import Store  # noqa: E402

TARGET_RATIO = 0.8
# "Flat": the peak at N may exceed the peak at N/5 by this factor plus this many MiB (the
# first pages warm caches: lxml's and the store's statements; one page's records are held).
FLAT_FACTOR, FLAT_SLACK_MIB = 1.25, 2.0


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return (
        f"{model}, {os.cpu_count()} cores (nproc), {platform.machine()}, "
        f"Python {platform.python_version()}"
    )


def maxrss_kib() -> int:
    """This process's resident-memory high-water mark (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --- child processes: one measured client each -------------------------------------------


def run_sickle(url: str) -> dict[str, Any]:
    from sickle import Sickle

    sickle = Sickle(url, max_retries=0, timeout=60)
    before = maxrss_kib()
    started = time.perf_counter()
    seen = fields = 0
    for record in sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False):
        seen += bool(record.header.identifier)
        if not record.deleted:
            fields += len(record.metadata)
    seconds = time.perf_counter() - started
    return {"records": seen, "seconds": seconds, "rss_growth_kib": maxrss_kib() - before,
            "fields": fields}  # fmt: skip


def run_harvest(
    url: str,
    workdir: Path,
    *,
    pages: int,
    trace: bool,
    profile: Path | None,
    map_processes: int,
) -> dict[str, Any]:
    from harvester import HarvestOptions, harvest_library

    library = Library(
        code="bench",
        name_vi="Thư viện đo hiệu năng",
        name_en="Benchmark library",
        province="Cần Thơ",
        endpoint=url,
        metadata_prefix="oai_dc",
        enabled=True,
    )
    options = HarvestOptions(
        timeout=60, max_retries=0, max_requests=pages, map_processes=map_processes
    )
    with Store.open(workdir / "harvest.sqlite") as store:
        before = maxrss_kib()
        if trace:
            tracemalloc.start()
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        summary = harvest_library(library, store, options)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        traced_peak = tracemalloc.get_traced_memory()[1] if trace else None
        tracemalloc.stop()
        rss_growth = maxrss_kib() - before
        stored = store.count()
    if profiler and profile:
        profiler.dump_stats(str(profile))
    return {
        "records": summary.stored + summary.deleted,
        "stored_rows": stored,
        "pages": summary.pages,
        "error": summary.error,
        "seconds": seconds,
        "rss_growth_kib": rss_growth,
        "traced_peak_kib": traced_peak // 1024 if traced_peak is not None else None,
        "cpu_seconds": _cpu(resource.RUSAGE_SELF),
        # The mapping processes have ended (and been waited for) when the harvest returns.
        "mapping_cpu_seconds": _cpu(resource.RUSAGE_CHILDREN),
        "mapping_maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child(args: argparse.Namespace) -> None:
    if args.client == "sickle":
        result = run_sickle(args.url)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = run_harvest(
                args.url,
                Path(tmp),
                pages=args.pages,
                trace=args.trace,
                profile=args.profile,
                map_processes=args.map_processes,
            )
    print(json.dumps(result), flush=True)


# --- the parent: catalog, server, children, table -------------------------------------------


def measure(url: str, client: str, *extra: str, map_processes: int = 0) -> dict[str, Any]:
    command = [sys.executable, __file__, "--client", client, "--url", url, *extra]
    command += ["--map-processes", str(map_processes)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{client} child failed ({done.returncode}):\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def rate(result: dict[str, Any]) -> float:
    return float(result["records"]) / float(result["seconds"])


def print_profile(path: Path, limit: int = 20) -> None:
    """Print the top costs of a profiled harvest, each as file:line(function)."""
    root, site = str(Path(__file__).resolve().parents[1]), "site-packages/"
    rows = []
    for (filename, line, function), (_, calls, tottime, cumtime, _) in pstats.Stats(
        str(path)
    ).stats.items():  # type: ignore[attr-defined]
        where = filename.removeprefix(root + "/")
        where = where.split(site, 1)[1] if site in where else where
        where = re.sub(r"^/.*/lib/python3\.\d+/", "stdlib/", where)
        rows.append((tottime, cumtime, calls, f"{where}:{line}({function})"))
    total = max(cumtime for _, cumtime, _, _ in rows)
    for index, name in ((0, "own time (tottime)"), (1, "cumulative time")):
        print(f"\ncProfile of one harvest, top {limit} by {name}, "
              f"of {total:.2f} s:")  # fmt: skip
        print(f"{'own s':>7}{'cum s':>7}{'cum %':>7}{'calls':>9}  function")
        for tottime, cumtime, calls, where in sorted(rows, key=lambda r: -r[index])[:limit]:
            print(f"{tottime:>7.2f}{cumtime:>7.2f}{cumtime / total:>7.0%}{calls:>9}  {where}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Figures go to docs/performance.md; nothing here is a test.",
    )
    parser.add_argument("--records", type=int, default=50_000, help="records served (N)")
    parser.add_argument("--page-size", type=int, default=100, help="records per OAI-PMH page")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="timed runs of each client, taking turns; the best rate of each counts (a busy "
        "moment on the machine slows one run of one client)",
    )
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="also profile one harvest; stats to FILE"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument(
        "--map-processes",
        type=int,
        default=1,
        metavar="N",
        help="the harvest's mapping processes (harvest_map_processes; 0: map in the harvest's "
        "own process)",
    )
    # The measured child processes (this script runs itself).
    parser.add_argument("--client", choices=("sickle", "harvest"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=int, default=10_000_000, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        child(args)
        return
    if args.records < 5 * args.page_size or args.page_size < 1 or args.rounds < 1:
        parser.error("--records must be at least 5 pages, --page-size and --rounds at least 1")

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Path(tmp) / "catalog.sqlite"
        seconds = provider.fill(catalog, args.records)
        print(f"catalog: {args.records:,} records written in {seconds:.1f} s")
        server = subprocess.Popen(
            [sys.executable, provider.__file__, "--serve", str(catalog),
             "--page-size", str(args.page_size)],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline().split()[1])
            url = f"http://127.0.0.1:{port}/oai"
            print(f"server: the union's provider under waitress, pid {server.pid}, {url}, "
                  f"{args.page_size} records a page")  # fmt: skip
            report(args, url)
        finally:
            server.terminate()
            server.wait(timeout=10)
            if server.stdout:
                server.stdout.close()


def report(args: argparse.Namespace, url: str) -> None:
    n, page = args.records, args.page_size
    sickles, harvests = [], []
    for number in range(1, args.rounds + 1):
        sickles.append(measure(url, "sickle"))
        harvests.append(measure(url, "harvest", map_processes=args.map_processes))
        print(f"round {number}: sickle {rate(sickles[-1]):,.0f} records/s, "
              f"harvest {rate(harvests[-1]):,.0f} records/s")  # fmt: skip
    bare, ours = max(sickles, key=rate), max(harvests, key=rate)
    for name, result in (("sickle", bare), ("harvest", ours)):
        if result["records"] != n:
            print(f"warning: {name} saw {result['records']} records, {n} were served")
    if ours["stored_rows"] != ours["records"]:
        print(f"warning: the harvest counted {ours['records']}, the store holds "
              f"{ours['stored_rows']}")  # fmt: skip
    if ours.get("error"):
        print(f"warning: the harvest failed: {ours['error']}")
    ratio = rate(ours) / rate(bare)

    print(f"\n{'client':<34}{'records':>9}{'seconds':>9}{'records/s':>11}{'ratio':>7}")
    print(f"{'bare sickle ListRecords loop':<34}{bare['records']:>9,}{bare['seconds']:>9.1f}"
          f"{rate(bare):>11,.0f}{1:>7.2f}")  # fmt: skip
    print(f"{'harvest_library into a Store':<34}{ours['records']:>9,}{ours['seconds']:>9.1f}"
          f"{rate(ours):>11,.0f}{ratio:>7.2f}")  # fmt: skip
    speed_ok = ratio >= TARGET_RATIO
    print(f"rate: {'PASS' if speed_ok else 'FAIL'} (target: at least {TARGET_RATIO}x the bare "
          f"loop; got {ratio:.2f}x)")  # fmt: skip
    # Each round runs both clients back to back, under much the same load: a steadier figure
    # than the best of each, which may come from different moments.
    rounds = [rate(h) / rate(s) for s, h in zip(sickles, harvests, strict=True)]
    print(f"each round's ratio: {', '.join(f'{r:.2f}' for r in rounds)} "
          f"(median {statistics.median(rounds):.2f})")  # fmt: skip
    per_record = 1e6 / ours["records"]
    print(f"CPU a record, fastest harvest: {ours['cpu_seconds'] * per_record:.0f} µs in the "
          f"harvest's process, {ours['mapping_cpu_seconds'] * per_record:.0f} µs in its "
          f"{args.map_processes} mapping process(es)")  # fmt: skip

    flat_ok = True
    if not args.no_memory:
        sizes = (n // 5 // page * page, n // 2 // page * page, n)
        print(f"\n{'records':>9}{'pages':>7}{'ru_maxrss growth':>18}{'tracemalloc peak':>18}"
              f"{'mapping ru_maxrss':>19}")  # fmt: skip
        rows = []
        for size in sizes:
            pages = -(-size // page)
            plain = (
                ours
                if size == n
                else measure(
                    url, "harvest", "--pages", str(pages), map_processes=args.map_processes
                )
            )
            traced = measure(
                url, "harvest", "--pages", str(pages), "--trace", map_processes=args.map_processes
            )
            rows.append((plain["rss_growth_kib"] / 1024, traced["traced_peak_kib"] / 1024,
                         plain["mapping_maxrss_kib"] / 1024))  # fmt: skip
            print(f"{traced['records']:>9,}{traced['pages']:>7}{rows[-1][0]:>14.1f} MiB"
                  f"{rows[-1][1]:>14.1f} MiB{rows[-1][2]:>15.1f} MiB")  # fmt: skip
        print(f"{'bare sickle loop':>16}{bare['rss_growth_kib'] / 1024:>18.1f} MiB (full list)")
        flat_ok = all(rows[-1][k] <= rows[0][k] * FLAT_FACTOR + FLAT_SLACK_MIB for k in range(3))
        verdict = "PASS" if flat_ok else "FAIL"
        print(f"memory: {verdict} (target: flat; peak at {n:,} within {FLAT_FACTOR}x + "
              f"{FLAT_SLACK_MIB:.0f} MiB of the peak at {sizes[0]:,})")  # fmt: skip

    if args.profile:
        measure(
            url,
            "harvest",
            "--profile",
            str(args.profile.resolve()),
            map_processes=args.map_processes,
        )
        print_profile(args.profile)
    print(f"\noverall: {'PASS' if speed_ok and flat_ok else 'FAIL'}")
    if not (speed_ok and flat_ok):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
