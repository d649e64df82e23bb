"""Filter bitsets and facet counts are cached per index generation, and never go stale."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.store import Store
from index.build import update_index
from index.cache import GenerationCache
from index.search import SearchIndex
from tests.factories import make_record


def test_cache_is_bounded_and_least_recently_used_goes_first() -> None:
    cache: GenerationCache[int] = GenerationCache(2)
    cache.get(1, "a", lambda: 1)
    cache.get(1, "b", lambda: 2)
    cache.get(1, "a", lambda: 0)  # a is now the most recent
    cache.get(1, "c", lambda: 3)

    assert len(cache) == 2
    assert cache.peek(1, "b") is None and cache.peek(1, "a") == 1


def test_cache_empties_for_a_newer_generation_and_ignores_older_ones() -> None:
    cache: GenerationCache[int] = GenerationCache(4)
    cache.put(1, "a", 1)

    assert cache.get(2, "a", lambda: 2) == 2
    cache.put(1, "a", 9)  # a thread with an old searcher: not kept
    assert cache.peek(2, "a") == 2


@pytest.fixture
def search_index(store: Store, tmp_path: Path) -> Iterator[SearchIndex]:
    store.upsert_page(
        [
            make_record(
                oai_id=f"oai:c:{n}", title=f"Cần Thơ {n}", year_from=1900 + n * 10, year_to=None
            )
            for n in range(6)
        ]
    )
    update_index(store, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    yield index
    index.close()


def test_cached_filters_and_counts_give_the_same_results(search_index: SearchIndex) -> None:
    first = search_index.search("can tho", years=(1915, 1935))
    again = search_index.search("can tho", years=(1915, 1935))

    assert first == again
    assert first.total == 2 and dict(first.facets["decade"]) == {"1920s": 1, "1930s": 1}


def test_a_filter_matching_nothing_filters_everything_out(search_index: SearchIndex) -> None:
    # whoosh 2.7 takes an empty allow-set for "no filter"; ours must still exclude all.
    assert search_index.search("can tho", years=(1500, 1600)).total == 0
    assert search_index.search("", filters={"kind": ("map",)}).hits == ()


def test_counts_follow_a_commit_without_restart(
    store: Store, search_index: SearchIndex, tmp_path: Path
) -> None:
    assert search_index.search("can tho", years=(1900, 2000)).total == 6
    store.upsert_page(
        [make_record(oai_id="oai:c:new", title="Cần Thơ mới", year_from=1999, year_to=None)]
    )
    update_index(store, tmp_path / "index")

    result = search_index.search("can tho", years=(1900, 2000))

    assert result.total == 7
    assert dict(result.facets["decade"])["1990s"] == 1
