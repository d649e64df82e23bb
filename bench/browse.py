"""Time the browse page (/browse: provinces and types with their counts) on a large index.

    .venv/bin/python bench/browse.py [--copies 70] [--rounds 5]

Uses the catalog and index bench/search_cold.py keeps under --workdir (building them when
missing). A first-time page empties the index's result caches first, as after a harvest; a
repeated page is served from them. The page runs one empty search for the facet counts and
one filtered search per province or type that has records.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pipeline import forget  # noqa: E402
from bench.search_cold import prepare  # noqa: E402
from config.settings import Settings  # noqa: E402
from webapp import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=70, help="times each sample record repeats")
    parser.add_argument("--rounds", type=int, default=5, help="times the page is fetched")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "unioncat-bench",
        help="where the catalog and index are kept between runs",
    )
    args = parser.parse_args()

    index_dir = prepare(args.workdir, args.copies, rebuild=False)
    settings = replace(
        Settings(),
        catalog_path=args.workdir / f"catalog-{args.copies}.sqlite",
        index_dir=index_dir,
        secret_key="bench",
    )
    app = create_app(settings, libraries=())
    index = app.extensions["unioncat"].search_index
    client = app.test_client()
    try:
        print(f"documents: {index.count()}")
        index.search("warm up")  # open the searcher, as a running server has it
        first, repeated = [], []
        for _ in range(args.rounds):
            forget(index)
            started = time.perf_counter()
            page = client.get("/browse")
            first.append((time.perf_counter() - started) * 1000)
            assert page.status_code == 200, page.status_code
            started = time.perf_counter()
            client.get("/browse")
            repeated.append((time.perf_counter() - started) * 1000)
        links = page.text.count('href="/?province=') + page.text.count('href="/?kind=')
        print(f"linked entries: {links}")
        print(f"first-time /browse: median {statistics.median(first):.1f} ms, max {max(first):.1f}")
        print(f"repeated /browse:   median {statistics.median(repeated):.1f} ms")
    finally:
        index.close()


if __name__ == "__main__":
    main()
