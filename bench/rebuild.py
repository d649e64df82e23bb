"""Measure `unioncat rebuild`: mapping every stored record again from its raw XML.

    .venv/bin/python bench/rebuild.py [--records 20000] [--stale 0.1] [--workdir DIR]

The demo's sample records (mapped with the harvester's own mapping, raw XML kept) are repeated
under new identifiers until there are ``--records`` live records in a fresh catalog. Figures:

- a rebuild where nothing changed (every record parsed, mapped and compared; nothing written);
- a rebuild after ``--stale`` of the rows were made stale as an older mapping left them (kind
  unknown, work key old): those are rewritten with new change numbers;
- the same as a dry run.
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.models import Record  # noqa: E402
from catalog.store import Store  # noqa: E402
from demo.members import map_sample  # noqa: E402
from demo.sample_data import generate_libraries  # noqa: E402
from harvester.rebuild import rebuild_catalog  # noqa: E402


def live_sample(count: int) -> list[Record]:
    """``count`` live records with their raw XML: the demo sample under new identifiers."""
    mapped = [
        record
        for sample in generate_libraries(2025)
        for record in map_sample(sample)
        if not record.deleted and record.raw_xml
    ]
    return [
        replace(mapped[n % len(mapped)], oai_id=f"{mapped[n % len(mapped)].oai_id}-{n}")
        for n in range(count)
    ]


def _make_stale(path: Path, share: float) -> int:
    db = sqlite3.connect(path)
    try:
        every = max(1, round(1 / share)) if share > 0 else 0
        if not every:
            return 0
        cursor = db.execute(
            "UPDATE records SET kind = 'other', cluster = 'stale' WHERE seq % ? = 0", (every,)
        )
        db.commit()
        return cursor.rowcount
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--stale", type=float, default=0.1, help="share of rows made stale")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        path = (args.workdir or Path(scratch)) / "rebuild-bench.sqlite"
        path.unlink(missing_ok=True)
        with Store.open(path) as store:
            records = live_sample(args.records)
            for start in range(0, len(records), 500):
                store.upsert_page(records[start : start + 500])
            print(f"{platform.python_implementation()} {platform.python_version()}, "
                  f"{len(records):,} live records")  # fmt: skip
            for label, prepare, dry_run in (
                ("nothing to change", lambda: 0, False),
                (f"{args.stale:.0%} stale rows", lambda: _make_stale(path, args.stale), True),
                (f"{args.stale:.0%} stale rows", lambda: 0, False),
            ):
                stale = prepare()
                seq = store.max_seq()
                started = time.perf_counter()
                summaries = rebuild_catalog(store, dry_run=dry_run)
                seconds = time.perf_counter() - started
                examined = sum(s.examined for s in summaries)
                changed = sum(s.changed for s in summaries)
                command = "rebuild --dry-run" if dry_run else "rebuild"
                verb = "would change" if dry_run else "changed"
                print(
                    f"{command}, {label}{f' ({stale:,})' if stale else ''}: {examined:,} examined, "
                    f"{changed:,} {verb}, {store.max_seq() - seq:,} new change numbers — "
                    f"{examined / seconds:,.0f} records/s ({seconds:.2f} s)"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
