"""Automated accessibility checks: axe-core (bundled by axe-playwright-python) in Chromium.

axe-core finds about a third of WCAG problems (missing names, contrast, ARIA misuse, landmark
and heading order); keyboard use and reading order still need a person.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

pytestmark = pytest.mark.browser

# axe's impact levels; a serious or critical violation blocks some readers from the page.
BLOCKING = ("serious", "critical")
PAGES = [
    "/?q=can+tho",
    "/?q=&kind=map&lang=en",
    "/?q=khong+co+gi+ca",  # nothing found, with "did you mean"
    "/records/cantho:oai:ct:1",
    "/libraries",
    "/browse",
    "/browse?lang=en",
    "/new",
    "/records/nothing",  # the error page
]


@pytest.fixture(scope="module")
def axe() -> Any:
    return Axe()  # reads the bundled axe.min.js; page.evaluate injects it, past the CSP


def _blocking(results: Any) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_or_critical_accessibility_violation(
    browser: Any, site: str, axe: Any, path: str
) -> None:
    page = browser.new_page()
    page.goto(site + path)
    page.wait_for_load_state("load")

    results = axe.run(page)

    assert _blocking(results) == []
    page.close()


def test_phone_width_search_page_has_no_serious_violation(
    browser: Any, site: str, axe: Any
) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 740})
    page.goto(site + "/?q=can+tho")

    assert _blocking(axe.run(page)) == []
    page.close()


def test_axe_reports_a_violation_when_there_is_one(browser: Any, site: str, axe: Any) -> None:
    """The checks above can fail: an unlabelled field and an image without text are caught."""
    page = browser.new_page()
    page.goto(site + "/libraries")
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML(
             "beforeend", '<input type="text"><img src="/static/favicon.svg">')"""
    )

    found = {violation.split(" ")[0] for violation in _blocking(axe.run(page))}

    assert {"label", "image-alt"} <= found
    page.close()
