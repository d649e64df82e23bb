"""Headless Chromium (Debian's, driven by playwright) against the app on a real port."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from catalog.store import Store
from config.settings import Settings
from index.build import update_index
from tests.factories import make_library, make_record
from webapp import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM}: apt-get install chromium (make test does, as root)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: a missing browser is a broken CI, not a skip
        pytest.skip(message)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(settings: Settings) -> Iterator[str]:
    """Base URL of the union app over a small catalog, served on a free loopback port."""
    records = [
        make_record(oai_id=f"oai:ct:{n}", title=f"Cần Thơ xưa và nay, tập {n}")
        for n in range(1, 26)
    ] + [
        make_record(library="camau", oai_id="oai:cm:1", title="Địa chí Cà Mau", kind="map"),
    ]
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(records)
        update_index(store, settings.index_dir)
    libraries = (
        make_library(
            code="cantho", name_vi="Thư viện thành phố Cần Thơ", name_en="Can Tho City Library"
        ),
        make_library(
            code="camau", name_vi="Thư viện tỉnh Cà Mau", name_en="Ca Mau Provincial Library"
        ),
    )
    app = create_app(settings, libraries=libraries)
    with serving(app) as url:
        yield url
    app.extensions["unioncat"].search_index.close()


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yield its base URL; stop it cleanly."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


ADMIN_PASSWORD = "thư viện 2025"


def dashboard_settings(settings: Settings, tmp_path: Path, oai_server: str) -> Settings:
    """``settings`` with the dashboard on (password ADMIN_PASSWORD) and one member, "good",
    served by the replay server: what "harvest now" runs `unioncat harvest` with."""
    registry = tmp_path / "libraries.toml"
    registry.write_text(
        '[[library]]\ncode = "good"\nname_vi = "Thư viện thử nghiệm"\n'
        'name_en = "Test library"\nprovince = "Cần Thơ"\n'
        f'endpoint = "{oai_server}/clean/oai"\nenabled = true\n',
        encoding="utf-8",
    )
    return replace(
        settings,
        registry_path=registry,
        admin_password_hash=generate_password_hash(ADMIN_PASSWORD, method="pbkdf2:sha256:1000"),
        quarantine_dir=tmp_path / "quarantine",
        harvest_log_dir=tmp_path / "harvest-logs",
        harvest_timeout=2,
        harvest_max_retries=0,
        harvest_polite_delay=0,
    )
