"""Judge search quality with the relevance set: nDCG@10, MRR, P@10 and recall@10.

    .venv/bin/python bench/relevance.py [--variant bigram|none|pyvi|underthesea|all]
                                        [--verbose] [--by-category]

Indexes the seeded demo sample (demo.sample_data, 710 records) and runs every query of
tests/relevance/judgements.toml (with its facet filters and years, as the search page asks
them). `--by-category` prints the figures of each category (accented, unaccented, nfd,
phrase, name, place, year, fielded, boolean, typo). `--variant` swaps how multi-syllable
words are matched, to compare the syllable-bigram field (what the index ships) with no phrase
boost at all and with a word segmenter (pyvi or underthesea, when installed) in its place.
tests/relevance/test_relevance.py asserts a floor on `bigram`.
"""

from __future__ import annotations

import argparse
import importlib
import math
import statistics
import sys
import tempfile
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.store import Store  # noqa: E402
from demo.members import map_sample  # noqa: E402
from demo.sample_data import generate_libraries  # noqa: E402
from index.build import update_index  # noqa: E402
from index.search import SearchIndex  # noqa: E402

JUDGEMENTS = Path(__file__).resolve().parents[1] / "tests" / "relevance" / "judgements.toml"
DEPTH = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Judgement:
    """One query and the works a librarian expects for it."""

    text: str
    relevant: tuple[str, ...]  # record keys; any record of the same work counts
    category: str = "accented"
    first: str | None = None
    follow_suggestion: bool = False
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    years: tuple[int | None, int | None] = (None, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryScore:
    """How one query did."""

    text: str
    category: str
    ndcg: float
    reciprocal_rank: float
    precision: float
    recall: float
    first_ok: bool | None  # None when the judgement names no first record
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Means over the relevance set."""

    scores: tuple[QueryScore, ...]

    def mean(self, name: str) -> float:
        return statistics.fmean(float(getattr(score, name)) for score in self.scores)

    def by_category(self) -> dict[str, Report]:
        """Split the report by the judgements' categories, in the order they first appear."""
        parts: dict[str, list[QueryScore]] = {}
        for score in self.scores:
            parts.setdefault(score.category, []).append(score)
        return {name: Report(scores=tuple(scores)) for name, scores in parts.items()}

    @property
    def first_accuracy(self) -> float:
        judged = [score.first_ok for score in self.scores if score.first_ok is not None]
        return sum(judged) / len(judged) if judged else 1.0

    def summary(self) -> str:
        return (
            f"{len(self.scores)} queries: nDCG@10 {self.mean('ndcg'):.3f}, "
            f"MRR {self.mean('reciprocal_rank'):.3f}, P@10 {self.mean('precision'):.3f}, "
            f"recall@10 {self.mean('recall'):.3f}, right first {self.first_accuracy:.2f}"
        )


def load_judgements(path: Path = JUDGEMENTS) -> tuple[Judgement, ...]:
    """Read the relevance set."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    judgements = []
    for entry in data["query"]:
        category = entry.get("category", "accented")
        years = entry.get("years", [None, None])
        judgements.append(
            Judgement(
                # An editor may have saved the file in NFC: NFD queries are made NFD here.
                text=unicodedata.normalize("NFD", entry["text"])
                if category == "nfd"
                else entry["text"],
                relevant=tuple(entry["relevant"]),
                category=category,
                first=entry.get("first"),
                follow_suggestion=entry.get("follow_suggestion", False),
                filters={name: tuple(values) for name, values in entry.get("filters", {}).items()},
                years=(years[0], years[1]),
            )
        )
    return tuple(judgements)


def load_sample_catalog(path: Path, seed: int = 2025) -> Store:
    """Store the seeded demo sample in a fresh catalog at ``path``, as a harvest would."""
    store = Store.open(path)
    for sample in generate_libraries(seed):
        records = map_sample(sample)
        store.upsert_page(sorted(records, key=lambda record: record.datestamp))
    return store


def evaluate(index: SearchIndex, judgements: tuple[Judgement, ...]) -> Report:
    """Run every judged query and score its first page of 10 works."""
    cluster_of = _clusters(index)
    scores = []
    for judgement in judgements:
        text = judgement.text
        result = index.search(
            text, filters=judgement.filters, years=judgement.years, per_page=DEPTH
        )
        if judgement.follow_suggestion and not result.hits and result.suggestion:
            text = result.suggestion
            result = index.search(
                text, filters=judgement.filters, years=judgement.years, per_page=DEPTH
            )
        ranked = [hit.cluster for hit in result.hits]
        wanted = {cluster_of.get(key, key): key for key in judgement.relevant}
        gains = [1.0 if cluster in wanted else 0.0 for cluster in ranked]
        ideal = sum(1 / math.log2(rank + 2) for rank in range(min(len(wanted), DEPTH)))
        dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))
        first_hit = next((rank for rank, gain in enumerate(gains) if gain), None)
        first_ok = None
        if judgement.first is not None:
            first_ok = bool(ranked) and ranked[0] == cluster_of.get(judgement.first)
        scores.append(
            QueryScore(
                text=judgement.text,
                category=judgement.category,
                ndcg=dcg / ideal if ideal else 0.0,
                reciprocal_rank=1 / (first_hit + 1) if first_hit is not None else 0.0,
                precision=sum(gains) / DEPTH,
                recall=sum(gains) / min(len(wanted), DEPTH),
                first_ok=first_ok,
                missing=tuple(key for cluster, key in wanted.items() if cluster not in ranked),
            )
        )
    return Report(scores=tuple(scores))


def _clusters(index: SearchIndex) -> dict[str, str]:
    searcher = index.searcher()
    return {fields["key"]: fields["cluster"] for fields in searcher.all_stored_fields()}


@contextmanager
def sample_index(workdir: Path, variant: str = "bigram") -> Iterator[SearchIndex]:
    """Index the demo sample under ``workdir`` with one way of matching words; yield it."""
    with _variant(variant):
        with load_sample_catalog(workdir / "catalog.sqlite") as store:
            update_index(store, workdir / f"index-{variant}", rebuild=True)
        index = SearchIndex(workdir / f"index-{variant}")
        try:
            yield index
        finally:
            index.close()


@contextmanager
def _variant(variant: str) -> Iterator[None]:
    """Swap the bigram fields for another way of matching multi-syllable words."""
    if variant == "bigram":
        yield
        return
    build: Any = importlib.import_module("index.build")
    query: Any = importlib.import_module("index.query")
    # build.py holds its own references to the schema functions: patch those.
    saved = (build.to_document, build.make_schema, query._flush_bigrams)
    if variant == "none":
        query._flush_bigrams = lambda run, bigrams: run.clear()
    elif variant in ("pyvi", "underthesea"):
        _install_segmenter(build, query, _segmenter(variant))
    else:
        raise SystemExit(f"unknown variant {variant!r}: bigram, none, pyvi or underthesea")
    try:
        yield
    finally:
        build.to_document, build.make_schema, query._flush_bigrams = saved


def _segmenter(name: str) -> Callable[[str], str]:
    """Return a function joining the syllables of each word with "_" ("địa_chí cà_mau")."""
    if name == "pyvi":
        from pyvi import ViTokenizer

        return ViTokenizer.tokenize  # type: ignore[no-any-return]
    from underthesea import word_tokenize

    return lambda text: str(word_tokenize(text, format="text"))


def _install_segmenter(build: Any, query: Any, segment: Callable[[str], str]) -> None:
    """Index a segmenter's words in the bigram fields and look query words up there."""
    from whoosh.fields import TEXT

    from index.schema import FOLDED

    make_schema, to_document = build.make_schema, build.to_document

    def make_words_schema() -> Any:
        made = make_schema()
        for name in ("title_bi", "text_bi"):
            made.remove(name)
            made.add(name, TEXT(analyzer=FOLDED, phrase=False))
        return made

    def to_words_document(stored: object) -> dict[str, object]:
        document: dict[str, object] = to_document(stored)
        for name in ("title_bi", "text_bi"):
            if name in document:
                document[name] = segment(str(document[name]))
        return document

    def flush_words(run: list[str], found: list[object]) -> None:
        from whoosh.query import Term

        from catalog.normalize import fold

        words = [word for word in segment(" ".join(run)).split() if "_" in word]
        for word in words:
            folded = fold(word.lower())
            found.append(Term("title_bi", folded, boost=4.0))
            found.append(Term("text_bi", folded, boost=2.0))
        run.clear()

    build.make_schema = make_words_schema
    build.to_document = to_words_document
    query._flush_bigrams = flush_words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variant", default="bigram", help="bigram, none, pyvi, underthesea or all"
    )
    parser.add_argument("--verbose", action="store_true", help="list queries that lose points")
    parser.add_argument(
        "--by-category", action="store_true", help="print the figures of each category too"
    )
    args = parser.parse_args()
    judgements = load_judgements()
    variants = (
        ("bigram", "none", "pyvi", "underthesea") if args.variant == "all" else (args.variant,)
    )
    for variant in variants:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            with sample_index(Path(tmp), variant) as index:
                built = time.perf_counter() - started
                started = time.perf_counter()
                report = evaluate(index, judgements)
                seconds = (time.perf_counter() - started) / len(judgements) * 1000
        print(f"{variant:7} {report.summary()}; build {built:.1f} s, {seconds:.1f} ms/query")
        if args.by_category:
            for name, part in report.by_category().items():
                print(f"   {name:10} {part.summary()}")
        if args.verbose:
            for score in report.scores:
                if score.ndcg < 1 or score.first_ok is False:
                    print(
                        f"   {score.text!r}: nDCG {score.ndcg:.2f}, first ok {score.first_ok}, "
                        f"missing {list(score.missing)}"
                    )


if __name__ == "__main__":
    main()
