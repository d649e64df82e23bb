"""The relevance set as judge: the demo sample must keep ranking what librarians expect."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest

from bench.relevance import Report, evaluate, load_judgements, sample_index
from catalog.normalize import fold
from index.search import SearchIndex


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    with sample_index(tmp_path_factory.mktemp("relevance")) as index:
        yield index


@pytest.fixture(scope="module")
def report(demo_index: SearchIndex) -> Report:
    return evaluate(demo_index, load_judgements())


def test_relevance_set_has_forty_queries_or_more() -> None:
    judgements = load_judgements()

    assert len(judgements) >= 40
    assert all(judgement.relevant for judgement in judgements)


def test_relevance_stays_above_its_floor(report: Report) -> None:
    # Measured 0.971 / 0.990 / 0.984 when the set was written: a drop below is a regression.
    assert report.mean("ndcg") >= 0.95, report.summary()
    assert report.mean("reciprocal_rank") >= 0.95, report.summary()
    assert report.mean("recall") >= 0.95, report.summary()
    assert report.first_accuracy >= 0.9, report.summary()


@pytest.mark.parametrize("text", ["địa chí cà mau", "Sơn Nam", "rừng ngập mặn", "Mỹ Hoà"])
def test_unaccented_and_nfd_twins_find_what_the_nfc_query_finds(
    demo_index: SearchIndex, text: str
) -> None:
    nfc = {hit.cluster for hit in demo_index.search(text, per_page=50).hits}
    nfd = {
        hit.cluster
        for hit in demo_index.search(unicodedata.normalize("NFD", text), per_page=50).hits
    }
    folded = {hit.cluster for hit in demo_index.search(fold(text), per_page=50).hits}

    assert nfd == nfc
    assert nfc <= folded  # without marks, the folded-only records join in
