"""The union served for conformance tests: the demo's sample records in a Store, over HTTP.

The `union` fixture (tests/conformance/conftest.py) builds one and serves it on 127.0.0.1.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from werkzeug.serving import make_server

from catalog.models import Library, Record
from catalog.store import Store
from config.settings import Settings
from demo.members import map_sample
from demo.sample_data import generate_libraries
from webapp import create_app
from webapp.provider import province_spec

PAGE_SIZE = 37  # odd, so that pages never line up with set or store boundaries


@dataclass(frozen=True, slots=True)
class Union:
    """The served union: its base URL and what its Store says each list must hold."""

    base_url: str
    namespace: str
    catalog_path: Path
    expected: dict[tuple[str, str | None], list[str]]  # (prefix, set) -> identifiers
    deleted: dict[tuple[str, str | None], int]  # (prefix, set) -> tombstones among them


def sample_records() -> list[Record]:
    """Map the demo's sample records with the harvester's own mapping, tombstones included."""
    return [record for sample in generate_libraries() for record in map_sample(sample)]


@contextmanager
def serve_union(workdir: Path) -> Iterator[Union]:
    """Store the sample records in a catalog under ``workdir`` and serve its /oai."""
    settings = replace(
        Settings(),
        catalog_path=workdir / "catalog.sqlite",
        index_dir=workdir / "index",
        secret_key="conformance",
        oai_page_size=PAGE_SIZE,
    )
    libraries = tuple(
        Library(code=s.code, name_vi=s.name_vi, name_en=s.name_en, province=s.province)
        for s in generate_libraries()
    )
    namespace = settings.oai_namespace
    expected: dict[tuple[str, str | None], list[str]] = {}
    deleted: dict[tuple[str, str | None], int] = {}
    with Store.open(settings.catalog_path) as store:
        store.upsert_page(sample_records())
        sets: list[tuple[str | None, dict[str, object]]] = [(None, {}), ("library", {})]
        sets += [("type", {}), ("province", {"province": ""})]
        sets += [(f"library:{code}", {"library": code}) for code in store.distinct("library")]
        sets += [(f"type:{kind}", {"kind": kind}) for kind in store.distinct("kind")]
        sets += [(province_spec(p), {"province": p}) for p in store.distinct_provinces()]
        for spec, where in sets:
            for prefix, formats in (("oai_dc", None), ("marc21", ("marc21", "marcxml"))):
                chosen = store.select(source_formats=formats, **where)  # type: ignore[arg-type]
                if chosen:
                    expected[prefix, spec] = [f"oai:{namespace}:{s.record.key}" for s in chosen]
                    deleted[prefix, spec] = sum(s.record.deleted for s in chosen)

    app = create_app(settings, libraries=libraries)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Union(
            f"http://127.0.0.1:{server.server_port}/oai",
            namespace,
            settings.catalog_path,
            expected,
            deleted,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        app.extensions["unioncat"].search_index.close()
