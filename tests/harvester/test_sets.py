"""A member harvested in several named sets (registry `sets`), each with its own window."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from catalog.errors import ConfigError
from catalog.store import Store
from config.registry import parse_registry
from harvester import HarvestOptions, harvest_library
from tests.factories import make_library
from tests.peers.oai_repo_server import RepoData, serve_repo
from tests.peers.peer_server import make_records

RECORDS = make_records(1200, deleted_every=9)
OPTIONS = HarvestOptions(timeout=30, max_retries=0)
SETS = ("prov:camau", "type:bando")


@pytest.fixture(scope="module")
def peer() -> Iterator[str]:
    with serve_repo(RepoData(RECORDS, limit=100)) as url:
        yield url


def _in_sets(names: tuple[str, ...]) -> set[str]:
    return {
        r.identifier
        for r in RECORDS
        if any(s == n or s.startswith(f"{n}:") for s in r.set_specs for n in names)
    }


def test_each_named_set_is_harvested_once_into_its_own_window(peer: str, store: Store) -> None:
    library = make_library(code="repo", endpoint=peer, sets=SETS)
    summary = harvest_library(library, store, OPTIONS)

    assert summary.ok, summary.error
    assert {s.record.oai_id for s in store.select()} == _in_sets(SETS)
    assert _in_sets(SETS) != _in_sets(SETS[:1])  # the second set adds records
    for name in SETS:
        window = store.harvest_window("repo", name)
        assert window is not None and not window.in_flight and window.next_from is not None
    again = harvest_library(library, store, OPTIONS)
    assert again.ok and (again.stored, again.deleted) == (0, 0)


def test_a_run_cut_short_in_the_first_set_resumes_there_then_does_the_second(
    peer: str, store: Store
) -> None:
    library = make_library(code="repo", endpoint=peer, sets=SETS)
    first = harvest_library(library, store, replace(OPTIONS, max_requests=1))

    assert first.pages >= 1
    window = store.harvest_window("repo", SETS[0])
    assert window is not None and window.in_flight and window.resumption_token
    assert store.harvest_window("repo", SETS[1]) is None  # not started: the cap came first
    rest = harvest_library(library, store, OPTIONS)
    assert rest.ok, rest.error
    assert {s.record.oai_id for s in store.select()} == _in_sets(SETS)


def _entry(**fields: object) -> dict[str, object]:
    return {"code": "repo", "name_vi": "Thư viện", "name_en": "Library", "province": "Cà Mau",
            **fields}  # fmt: skip


def test_the_registry_reads_sets_and_refuses_bad_ones() -> None:
    [library] = parse_registry({"library": [_entry(sets=list(SETS))]}, source="t.toml")
    assert library.sets == SETS
    bad = [
        _entry(sets=[]),
        _entry(sets=["a", ""]),
        _entry(sets=["a", "a"]),
        _entry(sets=["a"], set_spec="b"),
        _entry(sets="a"),
    ]
    for number, entry in enumerate(bad):
        entry["code"] = f"repo{number}"
    with pytest.raises(ConfigError) as info:
        parse_registry({"library": bad}, source="t.toml")
    problems = info.value.problems
    assert len(problems) == 5, problems
    assert all("sets" in problem or "set_spec" in problem for problem in problems)
