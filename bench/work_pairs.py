"""Score work clustering on the labelled record pairs: precision, recall and F1, per category.

    .venv/bin/python bench/work_pairs.py [TOML] [--errors]

The set (tests/catalog/data/work_pairs.toml) holds records written the way member libraries
catalogue them and pairs of them labelled "same" or "different" work. Two deciders are scored:
``same_work(a, b)``, the pairwise check, and equal cluster keys (``record_work_key``), the exact
key the store groups by. A "same" pair a decider accepts is a true positive; a "different" pair
it accepts is a false merge.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.merge import record_work_key, same_work  # noqa: E402
from catalog.models import KINDS, Record  # noqa: E402
from catalog.normalize import isbn13, year_range  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "catalog" / "data" / "work_pairs.toml"
LABELS = ("same", "different")
_FIELDS = {"library", "kind", "title", "creators", "date", "isbns", "identifiers", "publisher",
           "description", "languages", "nfd"}  # fmt: skip
_DATESTAMP = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pair:
    """Two records and what a cataloguer says of them."""

    a: Record
    b: Record
    same: bool
    category: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelledSet:
    """The categories (name → meaning) and the pairs of one labelled file."""

    categories: dict[str, str]
    pairs: tuple[Pair, ...]


@dataclass(slots=True)
class Score:
    """Counts of one decider over some pairs, and the pairs it got wrong."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    true_neg: int = 0
    errors: list[Pair] = field(default_factory=list)

    def add(self, pair: Pair, accepted: bool) -> None:
        if pair.same and accepted:
            self.true_pos += 1
        elif pair.same:
            self.false_neg += 1
            self.errors.append(pair)
        elif accepted:
            self.false_pos += 1
            self.errors.append(pair)
        else:
            self.true_neg += 1

    @property
    def precision(self) -> float:
        accepted = self.true_pos + self.false_pos
        return self.true_pos / accepted if accepted else 1.0

    @property
    def recall(self) -> float:
        positives = self.true_pos + self.false_neg
        return self.true_pos / positives if positives else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _record(record_id: str, values: dict[str, Any], where: str) -> Record:
    unknown = sorted(set(values) - _FIELDS)
    if unknown:
        raise ValueError(f"{where}: record {record_id!r}: unknown fields {unknown}; "
                         f"expected some of {sorted(_FIELDS)}")  # fmt: skip
    for name in ("library", "kind", "title"):
        if not isinstance(values.get(name), str):
            raise ValueError(f"{where}: record {record_id!r}: {name} must be a string")
    if values["kind"] not in KINDS:
        raise ValueError(f"{where}: record {record_id!r}: kind {values['kind']!r} is not one "
                         f"of {', '.join(KINDS)}")  # fmt: skip
    # "nfd": the member sends decomposed text; TOML files hold it composed for review.
    form: Literal["NFC", "NFD"] = "NFD" if values.get("nfd") else "NFC"
    title = unicodedata.normalize(form, values["title"])
    creators = tuple(unicodedata.normalize(form, name) for name in values.get("creators", ()))
    raw_isbns = tuple(values.get("isbns", ()))
    years = year_range(values["date"]) if values.get("date") else None
    return Record(
        library=values["library"],
        oai_id=record_id,
        datestamp=_DATESTAMP,
        title=title,
        creators=creators,
        date=values.get("date"),
        year_from=years[0] if years else None,
        year_to=years[1] if years else None,
        kind=values["kind"],
        publisher=values.get("publisher"),
        description=values.get("description"),
        languages=tuple(values.get("languages", ())),
        identifiers=raw_isbns + tuple(values.get("identifiers", ())),
        isbns=tuple(dict.fromkeys(code for code in map(isbn13, raw_isbns) if code)),
    )


def load_pairs(path: Path = DEFAULT) -> LabelledSet:
    """Read a labelled file; raise ValueError naming the group, record or pair at fault."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    categories: dict[str, str] = data.get("categories", {})
    records: dict[str, Record] = {}
    for number, group in enumerate(data.get("group", ()), 1):
        for record_id, values in group.get("records", {}).items():
            if record_id in records:
                raise ValueError(f"{path.name}: group {number}: record {record_id!r} is "
                                 "defined twice; give the second another id")  # fmt: skip
            records[record_id] = _record(record_id, values, f"{path.name}: group {number}")
    pairs = []
    for number, group in enumerate(data.get("group", ()), 1):
        for row in group.get("pairs", ()):
            where = f"{path.name}: group {number}: pair {row!r}"
            if len(row) != 5:
                raise ValueError(f"{where}: expected [a, b, label, category, reason]")
            a, b, label, category, reason = row
            missing = [record_id for record_id in (a, b) if record_id not in records]
            if missing:
                raise ValueError(f"{where}: no record {missing[0]!r}")
            if label not in LABELS:
                raise ValueError(f"{where}: label must be 'same' or 'different', got {label!r}")
            if category not in categories:
                raise ValueError(f"{where}: category {category!r} is not under [categories]")
            pairs.append(Pair(a=records[a], b=records[b], same=label == "same",
                              category=category, reason=reason))  # fmt: skip
    return LabelledSet(categories=categories, pairs=tuple(pairs))


def same_key(a: Record, b: Record) -> bool:
    """Whether the store would put the two records in one cluster."""
    return record_work_key(a) == record_work_key(b)


def score(pairs: Iterable[Pair], decide: Callable[[Record, Record], bool]) -> Score:
    """Score one decider over the pairs."""
    result = Score()
    for pair in pairs:
        result.add(pair, decide(pair.a, pair.b))
    return result


def _describe(record: Record) -> str:
    years = f"{record.year_from}-{record.year_to}" if record.year_from is not None else "?"
    return f"{record.oai_id} [{record.kind}, {years}] {record.title!r} / {list(record.creators)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT,
                        help=f"labelled pairs file (default {DEFAULT.name})")  # fmt: skip
    parser.add_argument("--errors", action="store_true",
                        help="list every pair a decider gets wrong, with both records")  # fmt: skip
    args = parser.parse_args()
    labelled = load_pairs(args.path)
    same = sum(pair.same for pair in labelled.pairs)
    print(f"{args.path.name}: {len(labelled.pairs)} pairs ({same} same, "
          f"{len(labelled.pairs) - same} different)")  # fmt: skip
    for name, decide in (("same_work(a, b)", same_work), ("equal cluster keys", same_key)):
        overall = score(labelled.pairs, decide)
        print(f"\n{name}: precision {overall.precision:.3f}, recall {overall.recall:.3f}, "
              f"F1 {overall.f1:.3f}  (TP {overall.true_pos}, FP {overall.false_pos}, "
              f"FN {overall.false_neg}, TN {overall.true_neg})")  # fmt: skip
        for category in labelled.categories:
            part = score((p for p in labelled.pairs if p.category == category), decide)
            total = part.true_pos + part.false_pos + part.false_neg + part.true_neg
            right = part.true_pos + part.true_neg
            print(
                f"  {category:24} {right:3}/{total:<3} right"
                + (f"  ({len(part.errors)} wrong)" if part.errors else "")
            )
        for pair in overall.errors if args.errors else ():
            kind = "missed" if pair.same else "false merge"
            print(f"  {kind} [{pair.category}] {pair.reason}\n"
                  f"      {_describe(pair.a)}\n      {_describe(pair.b)}")  # fmt: skip


if __name__ == "__main__":
    main()
