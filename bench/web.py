"""Load-test the production web server: concurrent clients on loopback, search page and API.

    .venv/bin/python bench/web.py [--records 100000] [--clients 16] [--duration 30] [--rebuild]
    .venv/bin/python bench/web.py --profile var/bench-web/server.prof   # cProfile the server

Stores ``--records`` records (bench/catalog.py's sample: the demo's members repeated as
distinct works) in a catalog under ``--workdir`` and indexes it; both are kept and reused
(an interrupted build resumes; ``--rebuild`` redoes the index). For each of the search page
(``/``) and the JSON API (``/api/search``) it starts ``unioncat serve`` (the production
server: gunicorn with a worker process per core, or one waitress process with
``--workers 1``) afresh on 127.0.0.1 with UNIONCAT_* variables pointing at them, then
measures:

- cold: the first request of each distinct query of the mix, one at a time, after the start;
- repeated mix: ``--clients`` closed-loop clients (no think time, one keep-alive connection
  each) sending bench/search_cold.py's queries (with and without diacritics, fielded, facet
  filters, years, sorted, page 2, empty, zero-result) for ``--duration`` seconds after
  ``--warmup`` seconds; after the first round these come from the index's result caches;
- long tail: the same, but every request a query not asked before (one to three words of a
  title, a third typed without diacritics, some within years or on page 2), so every search
  is a first-time one.

Prints requests/s, p50/p95/p99/max latency, errors (any status but 200) and the server's CPU
time per request, with PASS/FAIL against the target p95. Nothing is asserted; the figures go
to docs/performance.md. The clients share the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import math
import os
import platform
import pstats
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.catalog import sample_records  # noqa: E402
from bench.search_cold import FIELDED, FILTERED, PIPELINE, SORTED  # noqa: E402
from catalog.normalize import fold  # noqa: E402
from catalog.store import Store  # noqa: E402
from index.build import schema_version_of, update_index  # noqa: E402
from index.schema import SCHEMA_VERSION  # noqa: E402

ENDPOINTS = {"page": "/", "api": "/api/search"}
TARGET_P95_MS = 150.0
ZERO_RESULT = ("xylophone quantum", "zzqxj")  # words no record has
_SERVING = re.compile(r"Serving on http://127\.0\.0\.1:(\d+)/")
_WORD = re.compile(r"[^\W\d_]{3,}")


# ---------------------------------------------------------------------------- the data


def prepare(workdir: Path, count: int, *, rebuild: bool) -> tuple[Path, Path]:
    """Return (catalog, index_dir) holding ``count`` records, building only what is missing."""
    workdir.mkdir(parents=True, exist_ok=True)
    catalog = workdir / f"catalog-{count}.sqlite"
    index_dir = workdir / f"index-{count}"
    if not catalog.exists():
        started = time.perf_counter()
        partial = catalog.with_suffix(".partial")
        for stale in workdir.glob(f"{partial.name}*"):
            stale.unlink()  # an interrupted fill: start it again
        records = sample_records(count)
        with Store.open(partial) as store:
            for start in range(0, len(records), 1000):
                batch = sorted(records[start : start + 1000], key=lambda r: r.datestamp)
                store.upsert_page(batch)
        partial.rename(catalog)  # only a whole catalog gets the name that is reused
        print(f"catalog: {len(records):,} records stored in {time.perf_counter() - started:.1f} s")
    fresh = rebuild or not index_dir.exists() or schema_version_of(index_dir) != SCHEMA_VERSION
    started = time.perf_counter()
    with Store.open(catalog) as store:
        # Not a rebuild: picks up where an interrupted build stopped, or finds nothing to do.
        summary = update_index(
            store,
            index_dir,
            rebuild=fresh,
            progress=lambda n: print(f"  indexed {n:,} changes", end="\r", flush=True),
        )
    seconds = time.perf_counter() - started
    if summary.indexed or summary.removed:
        print(
            f"\nindex: {summary.indexed:,} documents in {seconds:.1f} s "
            f"= {summary.indexed / seconds:.0f} documents/s (schema {SCHEMA_VERSION})"
        )
    else:
        print(f"index: reusing {index_dir} (schema {SCHEMA_VERSION}; --rebuild to rebuild)")
    return catalog, index_dir


# --------------------------------------------------------------------------- the queries


def fixed_mix() -> list[dict[str, str | list[str]]]:
    """The distinct searches of the repeated mix, as query arguments (bench/search_cold.py's)."""
    mix: list[dict[str, str | list[str]]] = [{"q": text} for text in PIPELINE + FIELDED]
    for text, filters, (low, high) in FILTERED:
        args: dict[str, str | list[str]] = {"q": text} if text else {}
        args.update({name: list(values) for name, values in filters.items()})
        if low is not None:
            args["from_year"] = str(low)
        if high is not None:
            args["to_year"] = str(high)
        mix.append(args)
    for text, order in SORTED:
        mix.append({"q": text, "sort": order} if text else {"sort": order})
    mix += [{"q": text, "page": "2"} for text in PIPELINE[:4]]
    mix += [{"q": text} for text in ZERO_RESULT]
    return mix


def title_phrases(count: int) -> list[str]:
    """Runs of one to three words from the sample's titles, as patrons type them."""
    phrases: set[str] = set()
    for record in sample_records(min(count, 710)):
        words = _WORD.findall((record.title or "").lower())
        for size in (1, 2, 3):
            phrases.update(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))
    return sorted(phrases)


def long_tail(phrases: Sequence[str], seed: int) -> Iterator[dict[str, str | list[str]]]:
    """Yield queries never asked before: a title phrase, a third folded, some filtered."""
    rng = random.Random(seed)
    seen: set[str] = set()
    while True:
        text = rng.choice(phrases)
        if rng.random() < 0.3:
            text = fold(text)
        args: dict[str, str | list[str]] = {"q": text}
        if rng.random() < 0.1:
            args["page"] = "2"
        key = urlencode(args, doseq=True)
        if key in seen or rng.random() < 0.2:  # one in five, and repeats: within years
            low = rng.randrange(1900, 2000)
            args.update(from_year=str(low), to_year=str(low + rng.randrange(5, 50)))
            key = urlencode(args, doseq=True)
        if key not in seen:
            seen.add(key)
            yield args


def path_of(endpoint: str, args: dict[str, str | list[str]]) -> str:
    return f"{endpoint}?{urlencode(args, doseq=True)}" if args else endpoint


# --------------------------------------------------------------------------- the server


@dataclass(slots=True)
class Server:
    """A running ``unioncat serve`` child process."""

    process: subprocess.Popen[str]
    port: int
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        ticks = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a worker that just ended
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def pids(self) -> list[int]:
        """The server process and its worker processes (gunicorn forks one per core)."""
        main = self.process.pid
        try:
            children = Path(f"/proc/{main}/task/{main}/children").read_text().split()
        except OSError:
            children = []
        return [main, *map(int, children)]

    def memory(self) -> str:
        """Resident memory summed over the server's processes; the anonymous part is what they
        hold beyond mapped files (the index's mapped pages are shared, but counted in each)."""
        rss = anonymous = 0.0
        pids = self.pids()
        for pid in pids:
            try:
                lines = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                continue
            for line in lines:
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("RssAnon:"):
                    anonymous += int(line.split()[1]) / 1024
        return f"RSS {rss:,.0f} MiB ({anonymous:,.0f} MiB anonymous) in {len(pids)} process" + (
            "es" if len(pids) > 1 else ""
        )


@contextmanager
def running_server(
    catalog: Path,
    index_dir: Path,
    *,
    workers: int,
    threads: int,
    log_path: Path,
    profile: Path | None,
) -> Iterator[Server]:
    """Start the production server on a free loopback port; stop it (SIGTERM) afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIONCAT_")}
    env.update(
        UNIONCAT_CATALOG_PATH=str(catalog),
        UNIONCAT_INDEX_DIR=str(index_dir),
        UNIONCAT_HOST="127.0.0.1",
        UNIONCAT_PORT="0",  # waitress picks a free port; `serve` prints it
        UNIONCAT_SECRET_KEY="bench-web",
    )
    if profile is None:
        command = [sys.executable, "-m", "cli", "serve", "--threads", str(threads)]
        command += ["--workers", str(workers)]
    else:
        command = [sys.executable, __file__, "--serve-profiled", str(profile)]
        command += ["--threads", str(threads)]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = _SERVING.search(line)
        if match is None:
            process.wait(timeout=10)
            raise SystemExit(
                f"the server did not start (exit {process.returncode}, said {line!r}); "
                f"its log, {log_path}:\n{log_path.read_text()[-2000:]}"
            )
        yield Server(process=process, port=int(match.group(1)), log_path=log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve_profiled(out: Path, threads: int) -> None:
    """Child process: what `unioncat serve` runs, with every request under cProfile.

    cProfile follows one thread, so each request gets its own profiler in its waitress worker
    thread, timed in that thread's CPU time (waiting for the GIL is not counted); the profiles
    are added up and written to ``out.<phase>`` on SIGUSR1 (the phase named in ``out.next``).
    """
    from waitress.server import create_server

    from config.settings import load_settings
    from webapp import create_app

    settings = load_settings()
    app = create_app(settings)
    lock = threading.Lock()
    total: list[pstats.Stats] = []

    def profiled(environ: dict[str, object], start_response: object) -> list[bytes]:
        profiler = cProfile.Profile(time.thread_time)  # CPU time: GIL waits left out
        profiler.enable()
        try:
            body = app(environ, start_response)  # type: ignore[arg-type]
            chunks = list(body)
            getattr(body, "close", lambda: None)()
        finally:
            profiler.disable()
            with lock:
                if total:
                    total[0].add(profiler)
                else:
                    total.append(pstats.Stats(profiler))
        return chunks

    server = create_server(profiled, host=settings.host, port=settings.port, threads=threads)
    print(f"Serving on http://127.0.0.1:{server.effective_port}/", flush=True)  # type: ignore[union-attr]

    def dump(signum: int, frame: object) -> None:
        """SIGUSR1: write the requests profiled since the last dump to ``out.<phase>``."""
        target = out.with_name(f"{out.name}.{out.with_name(out.name + '.next').read_text()}")
        with lock:
            stats = total.pop() if total else None
        partial = target.with_name(target.name + ".partial")
        if stats is None:
            partial.write_bytes(b"")
        else:
            stats.dump_stats(str(partial))
        os.replace(partial, target)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGUSR1, dump)
    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def collect_profile(server: Server, out: Path, phase: str, top: int) -> None:
    """Have the profiled server write the profile of ``phase``; print its top functions."""
    target = out.with_name(f"{out.name}.{phase}")
    target.unlink(missing_ok=True)
    out.with_name(out.name + ".next").write_text(phase)
    server.process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 120
    while not target.exists():
        if time.monotonic() > deadline:
            raise SystemExit(
                f"the profiled server wrote no {target} in 120 s; see {server.log_path}"
            )
        time.sleep(0.1)
    out.with_name(out.name + ".next").unlink()
    if not target.stat().st_size:
        print(f"    (no requests profiled in {phase})")
        return
    print(f"    profile of {phase}: {target}")
    stats = pstats.Stats(str(target))
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


# --------------------------------------------------------------------------- the clients


@dataclass(slots=True)
class Timing:
    started: float  # time.perf_counter() when the request was sent
    ms: float
    status: int  # 0: no response (connection failed or timed out)
    path: str


@dataclass(slots=True)
class Phase:
    name: str
    timings: list[Timing] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float = 0.0  # seconds, over the measured window
    client_cpu: float = 0.0  # seconds this process used, over the measured window

    def latencies(self) -> list[float]:
        return sorted(t.ms for t in self.timings)

    def errors(self) -> list[Timing]:
        return [t for t in self.timings if t.status != 200]


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    connection.request("GET", path, headers={"Accept-Language": "vi"})
    response = connection.getresponse()
    return response.status, response.read()


def run_clients(
    port: int, paths: Iterator[str], *, clients: int, warmup: float, duration: float
) -> tuple[list[Timing], float]:
    """Closed loop: each client sends its next request when the last one is answered.

    Returns the requests sent after ``warmup`` and answered within ``duration`` after it, and
    the measured window in seconds.
    """
    lock = threading.Lock()
    timings: list[Timing] = []
    start = time.perf_counter() + 0.2  # all threads start together
    measure_from, stop_at = start + warmup, start + warmup + duration

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[Timing] = []
        time.sleep(max(0.0, start - time.perf_counter()))
        while time.perf_counter() < stop_at:
            with lock:
                path = next(paths)
            sent = time.perf_counter()
            try:
                status, body = fetch(connection, path)
                if status == 200 and not body:
                    status = -1  # an empty 200 is a fault too
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()  # the next request opens a new connection
            done = time.perf_counter()
            if measure_from <= sent and done <= stop_at:
                mine.append(Timing(sent, (done - sent) * 1000, status, path))
        connection.close()
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, duration


def cycle(items: Sequence[str], seed: int) -> Iterator[str]:
    """Repeat ``items`` in a new shuffled order each round."""
    rng = random.Random(seed)
    order = list(items)
    while True:
        rng.shuffle(order)
        yield from order


# --------------------------------------------------------------------------- the report


def percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def report(endpoint: str, phase: Phase, *, concurrent: bool) -> bool:
    """Print one phase's figures; return whether its p95 meets the target."""
    ordered = phase.latencies()
    errors = phase.errors()
    p95 = percentile(ordered, 0.95)
    rate = f"{len(ordered) / phase.seconds:7.1f} requests/s, " if concurrent else ""
    count = len(ordered) or 1
    cpu = f"server CPU {phase.server_cpu * 1000 / count:5.1f} ms/request"
    if concurrent:
        cpu += f" (clients {phase.client_cpu * 1000 / count:4.1f})"
    passed = p95 <= TARGET_P95_MS and not errors
    print(
        f"{endpoint:12} {phase.name:13} {rate}{len(ordered):6,} requests; "
        f"p50 {percentile(ordered, 0.5):6.1f}, p95 {p95:6.1f}, p99 "
        f"{percentile(ordered, 0.99):6.1f}, max {ordered[-1] if ordered else 0:6.1f} ms; "
        f"{cpu}; errors {len(errors)}  "
        f"{'PASS' if passed else 'FAIL'}"
    )
    for error in errors[:5]:
        print(f"    status {error.status} after {error.ms:.0f} ms: {error.path}")
    return passed


def check_answer(endpoint: str, path: str, status: int, body: bytes) -> str:
    """Describe a cold-phase answer: the API's result count, or the fault."""
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    if endpoint == ENDPOINTS["api"]:
        answer = json.loads(body)
        if not answer.get("ok"):
            return f"not ok: {answer}"
        return f"{answer['total']:,} works"
    return "page" if b"</html>" in body else "not a whole page"


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or platform.machine(),
    )
    return f"{model}, {os.cpu_count()} cores (nproc), Python {platform.python_version()}"


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------- the run


def bench_endpoint(
    name: str, catalog: Path, index_dir: Path, args: argparse.Namespace, phrases: list[str]
) -> bool:
    endpoint = ENDPOINTS[name]
    fixed = [path_of(endpoint, query) for query in fixed_mix()]
    profile = args.profile.with_name(f"{args.profile.name}.{name}") if args.profile else None
    log_path = args.workdir / f"server-{name}.log"
    label = f"{endpoint} ({name})"
    passed = True
    with running_server(
        catalog,
        index_dir,
        workers=args.workers,
        threads=args.threads,
        log_path=log_path,
        profile=profile,
    ) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        started = server.memory()
        sent = time.perf_counter()
        status, body = fetch(connection, "/healthz")  # opens the index, as monitoring does
        took = (time.perf_counter() - sent) * 1000
        health = json.loads(body) if status == 200 else {}
        print(
            f"\n{label}: server pid {server.process.pid}, {len(server.pids()) - 1 or 1} "
            f"process(es) of {args.threads} threads, {started}; "
            f"/healthz {status} in {took:.0f} ms, {health.get('documents', '?')} documents, "
            f"then {server.memory()}; load average {load_average()}"
        )
        cold = Phase("cold")
        cpu = server.cpu_seconds()
        for path in fixed:
            sent = time.perf_counter()
            status, body = fetch(connection, path)
            ms = (time.perf_counter() - sent) * 1000
            cold.timings.append(Timing(sent, ms, status, path))
            if args.verbose or status != 200:
                print(f"    {ms:7.1f} ms  {check_answer(endpoint, path, status, body):>14}  {path}")
        cold.server_cpu = server.cpu_seconds() - cpu
        connection.close()
        print(f"    first search after the start: {cold.timings[0].ms:.0f} ms ({fixed[0]})")
        passed &= report(label, cold, concurrent=False)
        if profile:
            collect_profile(server, profile, "cold", args.profile_top)

        for phase_name, paths in (
            ("repeated mix", cycle(fixed, seed=1)),
            ("long tail", (path_of(endpoint, query) for query in long_tail(phrases, seed=2))),
        ):
            phase = Phase(phase_name)
            cpu, own = server.cpu_seconds(), time.process_time()
            phase.timings, phase.seconds = run_clients(
                server.port,
                paths,
                clients=args.clients,
                warmup=args.warmup,
                duration=args.duration,
            )
            # CPU is read for warm-up and measured window together: keep the measured share.
            share = args.duration / (args.duration + args.warmup)
            phase.server_cpu = (server.cpu_seconds() - cpu) * share
            phase.client_cpu = (time.process_time() - own) * share
            passed &= report(label, phase, concurrent=True)
            if profile:
                collect_profile(server, profile, phase_name.replace(" ", "-"), args.profile_top)
        print(f"    server {server.memory()} after the load")
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000, help="records in the catalog")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument(
        "--duration", type=float, default=30.0, help="seconds measured per load phase"
    )
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of load before measuring"
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per server process (`serve`'s default)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="server processes (`serve --workers`; 0, its default: one per core, at most 4; "
        "--profile serves from one)",
    )
    parser.add_argument(
        "--endpoint",
        choices=("both", *ENDPOINTS),
        default="both",
        help="the search page, the JSON API, or both",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / "var" / "bench-web",
        help="where the catalog, index and server logs are kept between runs",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index (times it)")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="run the server's requests under cProfile; writes FILE.page.cold, "
        "FILE.page.repeated-mix, ... and prints their top functions (the profiler slows the "
        "server several times: read shares, not latencies)",
    )
    parser.add_argument("--profile-top", type=int, default=25, help="functions to list")
    parser.add_argument("--verbose", action="store_true", help="print each cold request")
    parser.add_argument("--serve-profiled", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("records", "clients", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be 1 or more, got {getattr(args, name)}")
    if args.duration <= 0 or args.warmup < 0:
        parser.error("--duration must be above 0 and --warmup 0 or more")
    if args.serve_profiled:
        serve_profiled(args.serve_profiled, args.threads)
        return 0

    print(f"machine: {machine()}; load average {load_average()} (1/5/15 min)")
    catalog, index_dir = prepare(args.workdir, args.records, rebuild=args.rebuild)
    phrases = title_phrases(args.records)
    print(
        f"mix: {len(fixed_mix())} distinct searches repeated; long tail from {len(phrases):,} "
        f"title phrases; {args.clients} clients, {args.warmup:g} s warm-up + {args.duration:g} s "
        f"measured; target p95 <= {TARGET_P95_MS:.0f} ms"
    )
    names = ENDPOINTS if args.endpoint == "both" else (args.endpoint,)
    passed = True
    for name in names:
        passed &= bench_endpoint(name, catalog, index_dir, args, phrases)
    print(f"\nload average at the end {load_average()}; overall {'PASS' if passed else 'FAIL'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
