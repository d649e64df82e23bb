"""The relevance set as judge: the demo sample must keep ranking what librarians expect.

The judgements live in tests/relevance/judgements.toml (bench/relevance.py reads the same
file and prints the figures per category; docs/search-quality.md reports them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest

from bench.relevance import Judgement, Report, evaluate, load_judgements, sample_index
from index.search import SearchIndex

JUDGEMENTS = load_judgements()
CATEGORIES = {
    "accented", "unaccented", "nfd", "phrase", "name", "place", "year", "fielded", "boolean",
    "typo",
}  # fmt: skip


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    with sample_index(tmp_path_factory.mktemp("relevance")) as index:
        yield index


@pytest.fixture(scope="module")
def report(demo_index: SearchIndex) -> Report:
    return evaluate(demo_index, JUDGEMENTS)


def test_relevance_set_has_sixty_queries_in_every_category() -> None:
    assert len(JUDGEMENTS) >= 60
    assert all(judgement.relevant for judgement in JUDGEMENTS)
    assert {judgement.category for judgement in JUDGEMENTS} == CATEGORIES
    assert all(
        unicodedata.is_normalized("NFD", judgement.text)
        for judgement in JUDGEMENTS
        if judgement.category == "nfd"
    )


def test_relevance_meets_the_issue_target(report: Report) -> None:
    # Issue 5's target is nDCG@10 >= 0.9. Measured 0.978 (MRR 0.993, recall 0.988, right
    # first 0.96) with 67 queries (docs/search-quality.md): below the floor is a regression.
    assert report.mean("ndcg") >= 0.9, report.summary()
    assert report.mean("reciprocal_rank") >= 0.9, report.summary()
    assert report.mean("recall") >= 0.9, report.summary()
    assert report.first_accuracy >= 0.9, report.summary()


def test_every_category_scores_above_zero(report: Report) -> None:
    # A category at zero means a whole feature (phrases, years, ...) stopped working.
    for name, part in report.by_category().items():
        assert part.mean("recall") > 0, f"{name}: {part.summary()}"


def _every_work(
    index: SearchIndex, text: str, judgement: Judgement | None = None
) -> tuple[set[str], int]:
    """The whole result set of a query (every page) as works, and its record count."""
    filters = judgement.filters if judgement else {}
    years = judgement.years if judgement else (None, None)
    works: set[str] = set()
    page = 1
    while True:
        result = index.search(text, filters=filters, years=years, page=page, per_page=100)
        works |= {hit.cluster for hit in result.hits}
        if page >= result.pages:
            return works, result.records
        page += 1


def _without_marks(text: str) -> str:
    """Type ``text`` as on a keyboard without Vietnamese: marks dropped, case kept."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "D")


def _twins(judgement: Judgement) -> list[tuple[str, str]]:
    nfc = unicodedata.normalize("NFC", judgement.text)
    return [("nfd", unicodedata.normalize("NFD", nfc)), ("unaccented", _without_marks(nfc))]


ACCENTED = [
    pytest.param(judgement, id=unicodedata.normalize("NFC", judgement.text))
    for judgement in JUDGEMENTS
    if _without_marks(judgement.text) != unicodedata.normalize("NFC", judgement.text)
]


@pytest.mark.parametrize("judgement", ACCENTED)
def test_nfd_and_unaccented_twins_find_exactly_what_the_nfc_query_finds(
    demo_index: SearchIndex, judgement: Judgement
) -> None:
    nfc = unicodedata.normalize("NFC", judgement.text)
    found = _every_work(demo_index, nfc, judgement)
    assert found[0], f"{nfc!r} finds nothing: the twins would prove nothing"
    for form, twin in _twins(judgement):
        assert _every_work(demo_index, twin, judgement) == found, f"{form} twin {twin!r}"


def test_hoac_is_the_or_operator(demo_index: SearchIndex) -> None:
    # It was not: index.text.prepare moved the tone of "oặ" onto the o ("HỌĂC").
    either = _every_work(demo_index, "cần thơ OR cà mau")
    assert _every_work(demo_index, "cần thơ HOẶC cà mau") == either
