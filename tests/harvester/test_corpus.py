"""Real responses captured from live servers: each is harvested or refused clearly, never a crash.

The corpus lives in ../shared/oai-corpus (override with UNIONCAT_OAI_CORPUS); it is read in
place, never copied into the project.
"""

from __future__ import annotations

import csv

import pytest

from catalog.store import Store
from harvester.run import HarvestOptions, harvest_library
from tests.factories import make_library
from tests.oai_server import CORPUS


def _corpus_files() -> list[str]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8") as handle:
        return [row["filename"] for row in csv.DictReader(handle, delimiter="\t")]


FILES = _corpus_files()


@pytest.mark.skipif(not FILES, reason=f"no OAI corpus at {CORPUS} (set UNIONCAT_OAI_CORPUS)")
@pytest.mark.parametrize("name", FILES)
def test_corpus_response_is_harvested_or_refused_clearly(
    oai_server: str, store: Store, name: str
) -> None:
    prefix = "marc21" if "marc21" in name else "oai_dc"
    library = make_library(
        code="corpus", endpoint=f"{oai_server}/corpus/{name}/oai", metadata_prefix=prefix
    )

    summary = harvest_library(
        library, store, HarvestOptions(timeout=5, max_retries=0, max_requests=3)
    )

    stored = store.count_by_library().get("corpus", (0, 0))
    if summary.ok:
        assert summary.stored + summary.deleted + summary.skipped >= 0
        assert sum(stored) == summary.stored + summary.deleted
    else:
        assert summary.error and summary.error.startswith("[corpus] ")
        assert len(summary.error) > 30  # names the request and the fault


def test_corpus_records_with_non_ascii_text_survive(oai_server: str, store: Store) -> None:
    name = "pyoai_dspace_erasmus__ListRecords_81recs_2deleted_nonascii.xml"
    if name not in FILES:
        pytest.skip(f"{name} not in the corpus at {CORPUS}")
    library = make_library(code="corpus", endpoint=f"{oai_server}/corpus/{name}/oai")

    summary = harvest_library(
        library, store, HarvestOptions(timeout=5, max_retries=0, max_requests=3)
    )

    assert summary.ok, summary.error
    assert summary.deleted == 2
    assert summary.stored == 79


def test_corpus_deleted_header_without_datestamp_still_deletes(
    oai_server: str, store: Store
) -> None:
    name = "vufindharvest__ListRecords_no_xmldecl_deleted_without_datestamp.xml"
    if name not in FILES:
        pytest.skip(f"{name} not in the corpus at {CORPUS}")
    library = make_library(code="corpus", endpoint=f"{oai_server}/corpus/{name}/oai")

    summary = harvest_library(
        library, store, HarvestOptions(timeout=5, max_retries=0, max_requests=3)
    )

    assert summary.ok, summary.error
    assert (summary.deleted, summary.skipped) == (1, 1)  # fake:foo2 has no datestamp either
    record = store.get("corpus", "fake:foo1").record
    assert record.deleted and record.datestamp.isoformat() == "2016-07-12T16:22:05+00:00"
