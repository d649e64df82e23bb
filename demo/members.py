"""Stand-in member libraries for the demo and the tests: real OAI-PMH servers on 127.0.0.1.

Each sample member's records go into a catalog Store of its own, which the project's own
provider serves over HTTP, exactly as the union's /oai endpoint does.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, make_server

from catalog.models import Library, Record
from catalog.store import Store
from demo.sample_data import SampleLibrary
from harvester.mapping import map_record
from harvester.xml import parse_xml
from webapp import create_member_app

log = logging.getLogger(__name__)


def map_sample(sample: SampleLibrary) -> list[Record]:
    """Map one sample member's records with the harvester's own mapping, tombstones included."""
    return [
        map_record(
            library=sample.code,
            oai_id=item.oai_id,
            datestamp=item.datestamp,
            deleted=item.deleted,
            metadata_prefix=sample.metadata_prefix,
            element=parse_xml(item.metadata_xml) if item.metadata_xml else None,
            set_specs=item.set_specs,
        )
        for item in sample.records
    ]


def load_member_store(sample: SampleLibrary, path: Path) -> Store:
    """Write one sample member's records into a fresh Store at ``path``."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    store = Store.open(path)
    records = map_sample(sample)
    # Deleted records come last so that they are tombstones with a datestamp of their own.
    store.upsert_page(sorted(records, key=lambda r: r.datestamp), member_datestamps=True)
    return store


class MemberServers:
    """Start an OAI-PMH server per sample member; stop them all on exit."""

    def __init__(
        self,
        samples: Iterable[SampleLibrary],
        workdir: Path,
        *,
        registry: dict[str, Library] | None = None,
        page_size: int = 50,
        host: str = "127.0.0.1",
    ) -> None:
        self.samples = tuple(samples)
        self.workdir = workdir
        self.registry = registry or {}
        self.page_size = page_size
        self.host = host
        self.libraries: tuple[Library, ...] = ()
        self._servers: list[BaseWSGIServer] = []
        self._threads: list[threading.Thread] = []
        self._stores: list[Store] = []

    def __enter__(self) -> MemberServers:
        # One access-log line per OAI request would bury the demo's own output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.workdir.mkdir(parents=True, exist_ok=True)
        libraries = []
        secret = secrets.token_hex(16)
        for sample in self.samples:
            path = self.workdir / f"member-{sample.code}.sqlite"
            load_member_store(sample, path).close()
            local = threading.local()

            def store_factory(path: Path = path, local: threading.local = local) -> Store:
                store: Store | None = getattr(local, "store", None)
                if store is None:
                    store = local.store = Store.open(path)
                    self._stores.append(store)
                return store

            known = self.registry.get(sample.code) or Library(
                code=sample.code,
                name_vi=sample.name_vi,
                name_en=sample.name_en,
                province=sample.province,
            )
            app = create_member_app(
                store_factory, known, secret_key=secret, page_size=self.page_size
            )
            server = make_server(self.host, 0, app, threaded=True)
            base = f"http://{self.host}:{server.server_port}"
            thread = threading.Thread(
                target=server.serve_forever, name=f"member-{sample.code}", daemon=True
            )
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
            libraries.append(
                replace(
                    known,
                    endpoint=f"{base}/oai",
                    metadata_prefix=sample.metadata_prefix,
                    enabled=True,
                    record_url_template=f"{base}/records/{{oai_id}}",
                )
            )
            log.info("member %s serves OAI-PMH at %s/oai", sample.code, base)
        self.libraries = tuple(libraries)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        for store in self._stores:
            try:
                store.close()
            except Exception:  # noqa: BLE001 - a store opened by a finished thread
                pass
