"""Measure work clustering on the demo's sample data: shared works grouped, splits, false merges.

    .venv/bin/python bench/clusters.py [--seed 2025]

Every sample record is mapped the way a harvest maps it (harvester.mapping), keyed with
catalog.merge.work_key, and compared with the truth: the sample data gives each work its own
title proper, so records whose folded title proper is equal are one work.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.merge import same_work, work_key  # noqa: E402
from catalog.models import Record  # noqa: E402
from demo.sample_data import DC_NS, MARC_NS, generate_libraries  # noqa: E402
from harvester.mapping import map_record  # noqa: E402

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def _truth(xml: bytes) -> str:
    """The work a sample record belongs to: its folded title proper (unique per work)."""
    root = etree.fromstring(xml, _PARSER)
    title = (
        root.findtext(f"{{{DC_NS}}}title")
        or root.findtext(f"{{{MARC_NS}}}datafield[@tag='245']/{{{MARC_NS}}}subfield[@code='a']")
        or ""
    )
    text = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").casefold()
    return " ".join(re.sub(r"\W+", " ", re.split(r" [:/] ", text)[0]).split())


def load(seed: int) -> list[tuple[Record, str]]:
    """Map every live sample record; return each with its true work."""
    out = []
    for library in generate_libraries(seed):
        for sample in library.records:
            if sample.metadata_xml is None:
                continue
            record = map_record(
                library=library.code,
                oai_id=sample.oai_id,
                datestamp=sample.datestamp,
                deleted=False,
                metadata_prefix=library.metadata_prefix,
                element=etree.fromstring(sample.metadata_xml, _PARSER),
            )
            out.append((record, _truth(sample.metadata_xml)))
    return out


def measure(records: list[tuple[Record, str]], *, with_kind: bool) -> dict[str, int]:
    """Count how the keys group the works held by two or more libraries."""
    by_key: dict[str, set[str]] = defaultdict(set)
    keys_of: dict[str, set[str]] = defaultdict(set)
    libraries_of: dict[str, set[str]] = defaultdict(set)
    for record, work in records:
        key = work_key(
            record.title,
            record.creators,
            record.isbns,
            kind=record.kind if with_kind else None,
        )
        by_key[key].add(work)
        keys_of[work].add(key)
        libraries_of[work].add(record.library)
    shared = [work for work, libraries in libraries_of.items() if len(libraries) > 1]
    grouped = [w for w in shared if len(keys_of[w]) == 1 and by_key[next(iter(keys_of[w]))] == {w}]
    return {
        "records": len(records),
        "works": len(libraries_of),
        "shared works": len(shared),
        "shared works grouped correctly": len(grouped),
        "shared works split": sum(1 for w in shared if len(keys_of[w]) > 1),
        "false merges (keys holding 2+ works)": sum(
            1 for works in by_key.values() if len(works) > 1
        ),
    }


def verify_pairs(records: list[tuple[Record, str]]) -> dict[str, float]:
    """Score same_work on every cross-library pair that shares a work or a title key."""
    by_work: dict[str, list[Record]] = defaultdict(list)
    for record, work in records:
        by_work[work].append(record)
    true_pairs = [
        (a, b)
        for group in by_work.values()
        for a, b in itertools.combinations(group, 2)
        if a.library != b.library
    ]
    # Hard negatives: different works with the same kind and first creator, or near titles.
    by_creator: dict[tuple[str, str], list[tuple[Record, str]]] = defaultdict(list)
    for record, work in records:
        if record.creators:
            by_creator[(record.kind, record.creators[0])].append((record, work))
    false_pairs = [
        (a, b)
        for group in by_creator.values()
        for (a, work_a), (b, work_b) in itertools.combinations(group, 2)
        if work_a != work_b
    ]
    found_true = sum(1 for a, b in true_pairs if same_work(a, b))
    found_false = sum(1 for a, b in false_pairs if same_work(a, b))
    return {
        "same-work pairs": len(true_pairs),
        "recall": found_true / len(true_pairs) if true_pairs else 1.0,
        "different-work pairs (same kind and creator)": len(false_pairs),
        "wrongly accepted": found_false,
        "precision": found_true / (found_true + found_false) if found_true + found_false else 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2025, help="sample data seed (default 2025)")
    args = parser.parse_args()
    records = load(args.seed)
    for label, with_kind in (("work_key(title, creators, isbns)", False),
                             ("work_key(..., kind=record.kind)", True)):  # fmt: skip
        print(label)
        for name, value in measure(records, with_kind=with_kind).items():
            print(f"  {name}: {value}")
    print("same_work(a, b)")
    for name, value in verify_pairs(records).items():
        print(f"  {name}: {value:.3f}" if isinstance(value, float) else f"  {name}: {value}")


if __name__ == "__main__":
    main()
