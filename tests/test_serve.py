"""`unioncat serve` with several processes: real gunicorn workers on 127.0.0.1, real requests."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from lxml import etree

from catalog.store import Store
from index.build import update_index
from tests.factories import make_record

ROOT = Path(__file__).resolve().parents[1]
UNIONCAT = Path(sys.executable).parent / "unioncat"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
RECORDS = 30


@pytest.fixture
def indexed(tmp_path: Path) -> dict[str, str]:
    """Settings variables of a catalog of RECORDS records with its index."""
    catalog, index_dir = tmp_path / "catalog.sqlite", tmp_path / "index"
    with Store.open(catalog) as store:
        store.upsert_page(
            [
                make_record(oai_id=f"oai:serve:{n}", title=f"Địa chí Cà Mau tập {n}")
                for n in range(RECORDS)
            ]
        )
        update_index(store, index_dir)
    return {
        "UNIONCAT_CATALOG_PATH": str(catalog),
        "UNIONCAT_INDEX_DIR": str(index_dir),
        "UNIONCAT_OAI_PAGE_SIZE": "4",
    }


@contextmanager
def serving(variables: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """Run `unioncat serve ARGS` on a free port; yield (process, port); SIGTERM it after."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNIONCAT_")}
    env.update(variables, PYTHONUNBUFFERED="1")
    command = [str(UNIONCAT), "serve", "--host", "127.0.0.1", "--port", "0", *args]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert process.stdout is not None
    said: list[str] = []
    port = None
    deadline = time.monotonic() + 60
    while port is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        said.append(line)
        found = re.search(r"Serving on http://127\.0\.0\.1:(\d+)/", line)
        port = int(found.group(1)) if found else None
    try:
        assert port is not None, "".join(said)
        yield process, port
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=60)
        process.said = "".join(said) + rest  # type: ignore[attr-defined]


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def wait_for_workers(pid: int, count: int) -> list[int]:
    """Return the worker processes of the server ``pid`` once there are ``count``."""
    deadline = time.monotonic() + 30
    while len(children(pid)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = children(pid)
    assert len(workers) == count, workers
    return workers


def get(port: int, path: str) -> tuple[int, bytes]:
    """GET ``path`` on a fresh connection (gunicorn hands each to whichever worker is free)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_serve_runs_the_workers_asked_for_and_stops_every_one(indexed: dict[str, str]) -> None:
    with serving({**indexed, "UNIONCAT_SECRET_KEY": "t"}, "--workers", "2", "--threads", "2") as (
        process,
        port,
    ):
        workers = wait_for_workers(process.pid, 2)
        status, body = get(port, "/healthz")
        assert status == 200 and json.loads(body)["documents"] == RECORDS
        pages = [get(port, f"/?q=ca+mau&page={n}") for n in (1, 2)]
        assert all(status == 200 for status, _ in pages)
        shown = [re.findall(r"tập (\d+)<", body.decode()) for _, body in pages]
        assert shown[0] and shown[1] and not set(shown[0]) & set(shown[1])  # two pages
        status, body = get(port, "/api/search?q=dia+chi&per_page=5")
        assert status == 200 and json.loads(body)["total"] == RECORDS
    said = process.said  # type: ignore[attr-defined]
    assert process.returncode == 0, said
    assert "2 processes of 2 threads" in said
    assert said.count("Stopped.") == 1, said  # the arbiter's, not one per worker
    for pid in workers:
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )


def test_serve_workers_share_the_secret_it_makes_when_none_is_set(
    indexed: dict[str, str],
) -> None:
    """A resumption token made by one worker is good in the others: the key is made once."""
    with serving(indexed, "--workers", "2", "--threads", "1") as (process, port):
        workers = wait_for_workers(process.pid, 2)
        identifiers: list[str] = []
        path = "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"
        try:
            for page in range(RECORDS):
                # Each page from the other worker: the paused one cannot accept the connection.
                os.kill(workers[page % 2], signal.SIGSTOP)
                os.kill(workers[(page + 1) % 2], signal.SIGCONT)
                status, body = get(port, path)
                assert status == 200, body
                tree = etree.fromstring(body)
                assert tree.find(f"{OAI}error") is None, body.decode()
                identifiers += [e.text for e in tree.iter(f"{OAI}identifier")]
                token = tree.find(f".//{OAI}resumptionToken")
                if token is None or not token.text:
                    break
                path = f"/oai?verb=ListIdentifiers&resumptionToken={token.text}"
        finally:
            for pid in workers:
                os.kill(pid, signal.SIGCONT)
    said = process.said  # type: ignore[attr-defined]
    assert len(identifiers) == len(set(identifiers)) == RECORDS
    assert "no secret_key set: the 2 server processes share one" in said


def test_serve_on_a_port_in_use_says_so_and_starts_nothing(indexed: dict[str, str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNIONCAT_")}
        result = subprocess.run(
            [str(UNIONCAT), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            cwd=ROOT,
            env={**env, **indexed, "UNIONCAT_SECRET_KEY": "t"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "choose another --port" in result.stderr


def test_serve_with_one_worker_is_a_single_waitress_process(indexed: dict[str, str]) -> None:
    with serving({**indexed, "UNIONCAT_SECRET_KEY": "t"}, "--workers", "1") as (process, port):
        status, body = get(port, "/healthz")
        assert status == 200 and json.loads(body)["ok"] is True
        assert children(process.pid) == []
    assert process.returncode == 0


@pytest.mark.parametrize("workers", ["1", "2"], ids=["waitress", "gunicorn"])
def test_serve_starts_without_an_index_and_says_what_to_do(tmp_path: Path, workers: str) -> None:
    variables = {
        "UNIONCAT_CATALOG_PATH": str(tmp_path / "catalog.sqlite"),
        "UNIONCAT_INDEX_DIR": str(tmp_path / "index"),
        "UNIONCAT_SECRET_KEY": "test",
    }
    with serving(variables, "--workers", workers) as (process, port):
        status, body = get(port, "/healthz")
    said = process.said  # type: ignore[attr-defined]
    assert process.returncode == 0, said
    assert status == 503
    health = json.loads(body)
    assert health["ok"] is False and "unioncat index" in health["error"]
    assert "searches answer once it exists" in said
    assert "unioncat index" in said
