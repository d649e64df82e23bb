"""Take the README's screenshots from the offline demo in headless Chromium.

    .venv/bin/python docs/screenshots/make.py [--out docs/screenshots] [--chromium PATH]

Starts the demo's sample members, harvests and indexes them in a temporary directory (as
`make demo` does), serves the union app on a free loopback port and saves PNGs of the search
page (desktop and phone), a record page, browse and the librarians' dashboard. A script, not
a test: it writes into the source tree and takes a whole demo harvest; run it after a change
to the pages and commit the PNGs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from demo.run import running_demo  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS, serving  # noqa: E402
from webapp import create_app  # noqa: E402

_PASSWORD = "screenshots-only"  # the temporary demo's dashboard, never a real one
_MAX_BYTES = 200_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument(
        "--chromium", default=shutil.which("chromium") or "/usr/bin/chromium",
        help="the Chromium to drive (Debian's: apt-get install chromium)",
    )  # fmt: skip
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as workdir, running_demo(Path(workdir)) as demo:
        settings = replace(
            demo.settings,
            admin_password_hash=generate_password_hash(_PASSWORD, method="pbkdf2:sha256:1000"),
        )
        app = create_app(settings, libraries=demo.libraries)
        with serving(app) as site, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=options.chromium, args=CHROMIUM_ARGS
            )
            desktop = browser.new_page(viewport={"width": 1200, "height": 900})
            shots = []
            desktop.goto(site + "/?q=ca+mau")
            shots.append(_save(desktop, options.out / "search.png"))
            desktop.locator(".hit .title").first.click()
            desktop.wait_for_selector("article.record h1")
            shots.append(_save(desktop, options.out / "record.png"))
            desktop.goto(site + "/browse")
            shots.append(_save(desktop, options.out / "browse.png"))
            desktop.goto(site + "/admin")
            desktop.fill("#username", settings.admin_username)
            desktop.fill("#password", _PASSWORD)
            desktop.click("#sign-in")
            desktop.wait_for_url("**/admin")
            shots.append(_save(desktop, options.out / "dashboard.png"))
            phone = browser.new_page(viewport={"width": 375, "height": 667})
            phone.goto(site + "/?q=lich+su")
            shots.append(_save(phone, options.out / "search-phone.png"))
            browser.close()
        app.extensions["unioncat"].search_index.close()
    for path, size in shots:
        print(f"{path}: {size / 1000:.0f} KB")
    too_big = [str(path) for path, size in shots if size > _MAX_BYTES]
    if too_big:
        print(f"Error: over {_MAX_BYTES // 1000} KB: {', '.join(too_big)}", file=sys.stderr)
        return 1
    return 0


def _save(page: object, path: Path) -> tuple[Path, int]:
    """Save the visible part of ``page`` (the first screen a visitor sees) as ``path``."""
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    return path, path.stat().st_size


if __name__ == "__main__":
    sys.exit(main())
