"""What every browser test checks on a page: its links land, axe finds nothing serious,
the colour scheme took, and (with ACCORD_WRITE_SCREENSHOTS=1, `make screenshots`) its picture."""

from __future__ import annotations

import os

from tests.conftest import ROOT

BACKGROUNDS = {"light": "rgb(255, 255, 255)", "dark": "rgb(13, 17, 23)"}


def links_land(page, base: str, *, at_least: int = 1) -> int:
    """Every link to this broker on the page (`base`: its origin; other hosts are not ours to
    test), the SVG's included (their href is not a string property), answers 200.
    Returns how many were followed, and fails when fewer than `at_least`."""
    hrefs = set(
        page.eval_on_selector_all(
            "a[href]", "links => links.map(a => new URL(a.getAttribute('href'), document.baseURI).href)"
        )
    )
    ours = sorted(href for href in hrefs if href.startswith(base) and "#" not in href)
    assert len(ours) >= at_least, ours
    for href in ours:
        response = page.request.get(href)
        assert response.status == 200, href
    return len(ours)


def assert_nothing_serious(page) -> None:
    """axe-core finds no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == []


def screenshot(page, file_stem: str) -> None:
    """docs/screenshots/<file_stem>.png under `make screenshots`; else the page must render."""
    if os.environ.get("ACCORD_WRITE_SCREENSHOTS"):
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / f"{file_stem}.png"))
    else:
        assert page.screenshot()  # renders at the context's viewport (1280x800)


def axe_and_screenshot(page, name: str, scheme: str) -> None:
    """The page is in `scheme`, axe finds nothing serious, and its picture is `name-scheme`."""
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == BACKGROUNDS[scheme]
    assert_nothing_serious(page)
    page.evaluate("window.scrollTo(0, 0)")  # the top of the page, whatever was clicked before
    screenshot(page, f"{name}-{scheme}")
