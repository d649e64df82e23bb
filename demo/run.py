"""The offline demo: sample members on 127.0.0.1, harvested, indexed and searchable."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from catalog.models import HarvestSummary, Library
from catalog.store import Store
from config.settings import Settings
from demo.members import MemberServers
from demo.sample_data import generate_libraries
from harvester import HarvestOptions, harvest_libraries
from index.build import IndexSummary, update_index

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Demo:
    """A running demo: its settings, member libraries and what harvesting did."""

    settings: Settings
    libraries: tuple[Library, ...]
    harvests: tuple[HarvestSummary, ...]
    index: IndexSummary


@contextmanager
def running_demo(
    workdir: Path,
    *,
    registry: tuple[Library, ...] = (),
    seed: int = 2025,
    page_size: int = 50,
    say: Callable[[str], None] = print,
) -> Iterator[Demo]:
    """Start the sample members, harvest them into a fresh catalog, index it, and yield.

    The members stop when the block ends; the catalog and index stay in ``workdir``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    catalog_path = workdir / "catalog.sqlite"
    for stale in (catalog_path, Path(f"{catalog_path}-wal"), Path(f"{catalog_path}-shm")):
        stale.unlink(missing_ok=True)
    settings = replace(
        Settings(),
        catalog_path=catalog_path,
        index_dir=workdir / "index",
        web_state_path=workdir / "web-state.sqlite",
        oai_page_size=page_size,
        secret_key=secrets.token_hex(16),  # the demo's tokens need not outlive it
    )
    samples = generate_libraries(seed)
    say(
        f"Generated {sum(len(s.records) for s in samples)} sample records for "
        f"{len(samples)} member libraries (seed {seed})."
    )
    known = {library.code: library for library in registry}
    with MemberServers(
        samples, workdir / "members", registry=known, page_size=page_size
    ) as members:
        for library in members.libraries:
            say(f"  {library.name_vi}: OAI-PMH at {library.endpoint} ({library.metadata_prefix})")
        with Store.open(catalog_path) as store:
            harvests = harvest_libraries(
                members.libraries,
                store,
                HarvestOptions(timeout=10, max_retries=1, full=True),
                progress=lambda code, page, n: None,
            )
            for summary in harvests:
                say(
                    f"  harvested {summary.library}: {summary.pages} pages, "
                    f"{summary.stored} records, {summary.deleted} deleted"
                    + (f", FAILED: {summary.error}" if summary.error else "")
                )
            indexed = update_index(store, settings.index_dir, rebuild=True)
            say(f"Indexed {indexed.indexed} records.")
        all_libraries = tuple(members.libraries) + tuple(
            library
            for library in registry
            if library.code not in {m.code for m in members.libraries}
        )
        yield Demo(
            settings=settings, libraries=all_libraries, harvests=tuple(harvests), index=indexed
        )
