"""Print precision and recall of catalog.legacy on the labelled set, per encoding.

    .venv/bin/python bench/legacy_precision.py [TSV]

The set (tests/catalog/data/legacy_labelled.tsv) holds Vietnamese titles and names encoded to
TCVN3 and VNI and read back as CP1252, and clean values that must not change.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.legacy import detect_legacy, fix_legacy  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "catalog" / "data" / "legacy_labelled.tsv"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        rows = [(label, text, expected) for label, text, expected in reader]
    print(f"{path.name}: {len(rows)} values")
    for encoding in ("tcvn3", "vni"):
        labelled = [(text, expected) for label, text, expected in rows if label == encoding]
        # Everything the fixer converted and called this encoding, whatever its label.
        converted = [(label, text, expected) for label, text, expected in rows
                     if detect_legacy(text) == encoding]  # fmt: skip
        right = sum(1 for label, text, expected in converted
                    if label == encoding and fix_legacy(text) == expected)  # fmt: skip
        recall = sum(fix_legacy(text) == expected for text, expected in labelled) / len(labelled)
        precision = right / len(converted) if converted else 1.0
        print(f"  {encoding:5}: {len(labelled)} labelled, {len(converted)} converted, "
              f"precision {precision:.3f}, recall {recall:.3f}")  # fmt: skip
        for text, expected in labelled:
            if fix_legacy(text) != expected:
                print(f"         missed: {text!r} (is {expected!r})")
    clean = [(text, expected) for label, text, expected in rows if label == "clean"]
    changed = [text for text, expected in clean if fix_legacy(text) != expected]
    print(f"  clean: {len(clean)} labelled, {len(changed)} changed, "
          f"precision {1 - len(changed) / len(clean):.3f}")  # fmt: skip
    for text in changed:
        print(f"         changed: {text!r} → {fix_legacy(text)!r}")


if __name__ == "__main__":
    main()
