"""The UI with a keyboard only, in a real browser: the skip link, the search and filter
forms, the results table's links, the can-i-deploy form, the network's nodes; and a focus
ring that can be seen wherever the focus goes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

FOCUSED = "() => { const e = document.activeElement; return e ? e.outerHTML.slice(0, 120) : '' }"
RING = "() => getComputedStyle(document.activeElement).outlineStyle"


def tab_until(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches `selector`; fail after `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}; last focused: {page.evaluate(FOCUSED)}")


def test_home_skip_link_search_and_results_by_keyboard(page_at, scene) -> None:
    page = page_at("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0  # shown once focused, not left off-screen
    assert page.evaluate(RING) != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next stop is the search box, inside the content: type and submit with Enter.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "id_q"
    page.keyboard.type("web-shop")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=web-shop**")
    page.wait_for_function("() => [...document.querySelectorAll('#results tbody tr')].length > 0")
    rows = page.locator("#results tbody tr")
    assert all("web-shop" in rows.nth(i).inner_text() for i in range(rows.count()))
    # On to the first link in the results, visibly focused, and Enter follows it.
    tab_until(page, "#results tbody a")
    assert page.evaluate(RING) != "none"
    target = page.evaluate("() => document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(target)
    assert page.get_by_role("heading", level=1).is_visible()


def test_can_i_deploy_by_keyboard(page_at, scene) -> None:
    page = page_at("/ui/can-i-deploy")
    tab_until(page, "#id_pacticipant")
    page.keyboard.type("web-shop")
    tab_until(page, "#id_branch")
    page.keyboard.type("main")
    tab_until(page, "#id_environment")
    page.keyboard.press("ArrowDown")  # past "Choose…" to the first environment
    assert page.evaluate("() => document.activeElement.value") != ""
    tab_until(page, "button[type=submit]")
    assert page.evaluate(RING) != "none"
    page.keyboard.press("Enter")
    page.wait_for_url("**pacticipant=web-shop**")
    assert page.locator(".verdict-word").inner_text() in ("Yes, deployable", "No, not deployable", "No, not yet known")


def test_the_network_nodes_are_links_a_keyboard_reaches(page_at, scene) -> None:
    page = page_at("/ui/network")
    tab_until(page, "svg a.node", limit=80)
    name = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert name and ":" in name  # the application's name and its status, in words
    page.keyboard.press("Enter")
    page.wait_for_url("**/ui/applications/**")
    assert page.get_by_role("heading", level=1).inner_text().startswith(name.split(" ")[0].rstrip(":"))
