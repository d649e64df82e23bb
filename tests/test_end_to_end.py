"""The whole path: two sample members served over real HTTP, harvested, indexed, searched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
import requests

from catalog.models import HarvestSummary, Library
from catalog.store import Store
from config.settings import Settings
from demo.members import MemberServers
from demo.sample_data import generate_libraries
from harvester import HarvestOptions, harvest_libraries
from index.build import update_index
from webapp import create_app


@dataclass(frozen=True)
class Union:
    settings: Settings
    libraries: tuple[Library, ...]
    harvests: tuple[HarvestSummary, ...]
    samples: dict[str, int]  # library code -> live sample records


@pytest.fixture(scope="module")
def union(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Union]:
    workdir = tmp_path_factory.mktemp("union")
    chosen = [s for s in generate_libraries(2025) if s.code in ("cantho", "travinh")]
    settings = replace(
        Settings(),
        catalog_path=workdir / "catalog.sqlite",
        index_dir=workdir / "index",
        secret_key="e2e",
    )
    with MemberServers(chosen, workdir / "members", page_size=40) as members:
        with Store.open(settings.catalog_path) as store:
            harvests = harvest_libraries(
                members.libraries, store, HarvestOptions(timeout=10, max_retries=1)
            )
            update_index(store, settings.index_dir)
        yield Union(
            settings=settings,
            libraries=members.libraries,
            harvests=tuple(harvests),
            samples={s.code: sum(not r.deleted for r in s.records) for s in chosen},
        )


def test_both_members_harvest_over_several_pages(union: Union) -> None:
    by_code = {h.library: h for h in union.harvests}
    assert {lib.metadata_prefix for lib in union.libraries} == {"oai_dc", "marc21"}
    for code, live in union.samples.items():
        summary = by_code[code]
        assert summary.ok, summary.error
        assert summary.pages >= 3
        assert summary.stored == live
        assert summary.deleted >= 1
        assert summary.skipped == 0


def test_search_page_and_json_find_can_tho_without_diacritics(union: Union) -> None:
    app = create_app(union.settings, libraries=union.libraries)
    client = app.test_client()
    try:
        page = client.get("/?q=can+tho")
        data = client.get("/api/search?q=can+tho&per_page=50").get_json()
    finally:
        app.extensions["unioncat"].search_index.close()

    assert page.status_code == 200
    assert "Cần Thơ" in page.get_data(as_text=True)
    assert data["total"] >= 10
    assert {"cantho", "travinh"} <= {hit["library"] for hit in data["hits"]}
    assert all("Cần Thơ" in (hit["title"] or "") or hit["score"] > 0 for hit in data["hits"])


def test_record_page_links_back_to_the_member_record_page(union: Union) -> None:
    app = create_app(union.settings, libraries=union.libraries)
    client = app.test_client()
    try:
        hit = client.get("/api/search?q=tra+vinh&library=travinh").get_json()["hits"][0]
        holdings = client.get(f"/api/records/{hit['id']}").get_json()["holdings"]
    finally:
        app.extensions["unioncat"].search_index.close()

    own = next(h for h in holdings if h["id"] == hit["id"])
    member_page = requests.get(own["url"], timeout=5)
    assert member_page.status_code == 200
    assert "Thư viện tỉnh Trà Vinh" in member_page.text or "Trà Vinh" in member_page.text


def test_marc_records_keep_their_marcxml_for_the_union_provider(union: Union) -> None:
    with Store.open(union.settings.catalog_path) as store:
        records = [s.record for s in store.select(library="travinh", limit=5)]
    assert records and all(
        r.source_format == "marc21" and r.raw_xml for r in records if not r.deleted
    )
    assert any(r.title for r in records)
