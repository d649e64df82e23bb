"""bench/search.py's fixed mix and seeded records: what issue 5 asks the benchmark to run."""

from __future__ import annotations

from bench.catalog import sample_records
from bench.search import Search, percentile, pg_statement, query_mix, seeded_records


def test_the_mix_has_two_hundred_distinct_searches_of_every_kind() -> None:
    mix = query_mix()
    labels = [search.label() for search in mix]

    assert len(mix) >= 200
    assert len(set(labels)) == len(labels)
    assert {search.kind for search in mix} == {
        "broad", "narrow", "fielded", "filtered", "years", "sorted", "paged",
    }  # fmt: skip
    assert {"địa chí", "lịch sử"} <= {search.text for search in mix if search.kind == "broad"}
    assert {search.sort for search in mix} == {"relevance", "newest", "oldest", "title"}
    assert query_mix() == mix  # fixed: the same searches on every run


def test_seeded_records_are_bench_catalogs_sample_one_at_a_time() -> None:
    assert list(seeded_records(1500)) == sample_records(1500)


def test_percentile_is_nearest_rank() -> None:
    ordered = [float(n) for n in range(1, 101)]

    assert percentile(ordered, 0.50) == 50.0
    assert percentile(ordered, 0.95) == 95.0
    assert percentile(ordered, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0


def test_postgres_gets_the_same_question() -> None:
    sql, params = pg_statement(Search(kind="years", text="năm:1945-1975 lịch sử"))
    assert "plainto_tsquery" in sql and params == ["lịch sử", 1945, 1975]

    sql, params = pg_statement(Search(kind="fielded", text='tác giả:"sơn nam"'))
    assert "phraseto_tsquery" in sql and "coalesce(creators" in sql and params == ["sơn nam"]

    sql, params = pg_statement(Search(kind="fielded", text="cần thơ HOẶC cà mau"))
    assert "websearch_to_tsquery" in sql and params == ["cần thơ or cà mau"]

    sql, params = pg_statement(
        Search(kind="filtered", text="", filters={"province": ("Cần Thơ",)}, sort="newest")
    )
    assert "tsv @@ q" not in sql and "provinces && %s::text[]" in sql
    assert params == ["", ["Cần Thơ"]] and "max(year) DESC" in sql
