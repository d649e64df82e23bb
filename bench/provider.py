"""Benchmark the union's OAI-PMH provider: a whole ListRecords walk, and the server's memory.

    .venv/bin/python bench/provider.py [--records 100000] [--page-size 100]

Fills a catalog with N synthetic records (a quarter of them MARCXML, 2% tombstones), serves
the union app with waitress (as `unioncat serve` does) in a child process on 127.0.0.1, then
walks ListRecords twice: once with plain HTTP requests (what the server alone can give) and
once through sickle (what a harvester gets after parsing). Prints records/s, the server's
resident memory while the walk goes on (flat if responses stream) and its peak (VmHWM).
Nothing is asserted; figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.models import KINDS, Library, Record  # noqa: E402
from catalog.store import Store  # noqa: E402
from config.settings import Settings  # noqa: E402

LIBRARIES = (
    Library(
        code="cantho", name_vi="Thư viện thành phố Cần Thơ", name_en="Can Tho", province="Cần Thơ"
    ),
    Library(code="camau", name_vi="Thư viện tỉnh Cà Mau", name_en="Ca Mau", province="Cà Mau"),
    Library(
        code="dongthap",
        name_vi="Thư viện tỉnh Đồng Tháp",
        name_en="Dong Thap",
        province="Đồng Tháp",
    ),
    Library(
        code="travinh", name_vi="Thư viện tỉnh Trà Vinh", name_en="Tra Vinh", province="Trà Vinh"
    ),
)
_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
_MARC = (
    '<marc:record xmlns:marc="http://www.loc.gov/MARC21/slim">'
    "<marc:leader>00000nam a2200000 a 4500</marc:leader>"
    '<marc:controlfield tag="001">{n}</marc:controlfield>'
    '<marc:datafield tag="245" ind1="1" ind2="0">'
    '<marc:subfield code="a">{title}</marc:subfield></marc:datafield>'
    '<marc:datafield tag="651" ind1=" " ind2="4">'
    '<marc:subfield code="a">Trà Vinh</marc:subfield></marc:datafield>'
    "</marc:record>"
)


def make_record(n: int) -> Record:
    library = LIBRARIES[n % len(LIBRARIES)].code
    title = f"Địa chí {library} tập {n}: lịch sử, văn hóa và con người"
    marc = library == "travinh"
    return Record(
        library=library,
        oai_id=f"oai:{library}.bench:{n}",
        datestamp=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
        deleted=n % 50 == 49,
        source_format="marc21" if marc else "oai_dc",
        title=title,
        creators=(f"Nguyễn Văn {n % 97}",),
        subjects=("Địa chí", "Đồng bằng sông Cửu Long"),
        description="Tài liệu địa chí về vùng đồng bằng sông Cửu Long.",
        publisher="Nhà xuất bản Tổng hợp",
        date=str(1900 + n % 125),
        kind=KINDS[n % 7],
        languages=("vie",),
        identifiers=(f"https://opac.example.invalid/{library}/{n}",),
        places=("Cần Thơ",),
        raw_xml=_MARC.format(n=n, title=title).encode() if marc else None,
    )


def fill(path: Path, count: int, batch: int = 5000) -> float:
    """Write ``count`` records in batches; return the seconds it took."""
    started = time.perf_counter()
    with Store.open(path) as store:
        for start in range(0, count, batch):
            store.upsert_page(make_record(n) for n in range(start, min(start + batch, count)))
    return time.perf_counter() - started


def serve(catalog: Path, page_size: int) -> None:
    """Child process: serve the union app with waitress and print the port."""
    from waitress import create_server

    from webapp import create_app

    settings = replace(
        Settings(),
        catalog_path=catalog,
        index_dir=catalog.parent / "index",
        secret_key="bench",
        oai_page_size=page_size,
    )
    app = create_app(settings, libraries=LIBRARIES)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    print(f"port {server.effective_port}", flush=True)  # type: ignore[union-attr]
    server.run()


def status_kib(pid: int, field: str) -> int:
    """Read one memory field (VmRSS, VmHWM) of a process from /proc, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


class RssSampler(threading.Thread):
    """Sample the server's VmRSS every 0.2 s while a walk runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.samples.append(status_kib(self.pid, "VmRSS"))


def walk_raw(base_url: str) -> int:
    """Walk ListRecords with plain GETs, reading only the token; return the records seen."""
    query = urlencode({"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    seen = 0
    while True:
        with urllib.request.urlopen(f"{base_url}?{query}", timeout=60) as response:
            body = response.read()
        seen += body.count(b"<header")
        match = _TOKEN.search(body)
        if not match:
            return seen
        query = urlencode({"verb": "ListRecords", "resumptionToken": match.group(1).decode()})


def walk_sickle(base_url: str) -> int:
    from sickle import Sickle

    sickle = Sickle(base_url, max_retries=0, timeout=60)
    return sum(1 for _ in sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))


def timed_walk(name: str, walk: object, base_url: str, pid: int, expected: int) -> None:
    sampler = RssSampler(pid)
    sampler.start()
    started = time.perf_counter()
    seen = walk(base_url)  # type: ignore[operator]
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    samples = sampler.samples or [status_kib(pid, "VmRSS")]
    tenth = max(1, len(samples) // 10)
    print(
        f"{name:>6}: {seen} records in {seconds:.1f} s = {seen / seconds:,.0f} records/s; "
        f"server RSS first/last tenth of the walk {max(samples[:tenth]) / 1024:.1f}/"
        f"{max(samples[-tenth:]) / 1024:.1f} MiB"
    )
    if seen != expected:
        print(f"        warning: expected {expected} records, the walk saw {seen}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="records in the catalog")
    parser.add_argument("--page-size", type=int, default=100, help="records per OAI-PMH page")
    parser.add_argument("--serve", type=Path, metavar="CATALOG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.page_size)
        return

    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Path(tmp) / "catalog.sqlite"
        seconds = fill(catalog, args.records)
        print(f"catalog: {args.records} records written in {seconds:.1f} s")
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(catalog), "--page-size", str(args.page_size)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            port = int(child.stdout.readline().split()[1])
            base_url = f"http://127.0.0.1:{port}/oai"
            print(
                f"server: waitress, page size {args.page_size}, "
                f"RSS at start {status_kib(child.pid, 'VmRSS') / 1024:.1f} MiB"
            )
            timed_walk("http", walk_raw, base_url, child.pid, args.records)
            timed_walk("sickle", walk_sickle, base_url, child.pid, args.records)
            print(f"server peak memory (VmHWM): {status_kib(child.pid, 'VmHWM') / 1024:.1f} MiB")
        finally:
            child.terminate()
            child.wait(timeout=10)


if __name__ == "__main__":
    main()
