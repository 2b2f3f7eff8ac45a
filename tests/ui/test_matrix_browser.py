"""The "Can I deploy?" page in a real browser: the form works (with and without JavaScript),
the answer is permalinked, every link lands, light and dark, and axe finds nothing serious."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.ui.browser import assert_nothing_serious, axe_and_screenshot, links_land

pytestmark = pytest.mark.django_db(transaction=True)


def _drifting_version() -> str:
    """admin-console's version whose pact payments-api drifts from in production (tests/ui/scene.py)."""
    from contracts.models import ContractPublication

    publication = ContractPublication.objects.filter(
        consumer__name="admin-console", provider__name="payments-api"
    ).select_related("consumer_version")
    return publication.latest("id").consumer_version.number


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_ask_and_get_the_answer(page_at, scene, live_broker, scheme: str) -> None:
    version = _drifting_version()
    page = page_at("/ui/can-i-deploy", color_scheme=scheme, permissions=["clipboard-read", "clipboard-write"])
    assert page.title() == "Can I deploy? · Accord"
    page.get_by_label("Application").fill("admin-console")
    page.get_by_label("Version").fill(version)
    page.get_by_label("To environment").select_option("production")
    page.get_by_label("Ignore (optional)").fill("reporting-job")
    page.get_by_role("button", name="Ask").click()
    page.wait_for_url("**environment=production**")
    # The answer is a permalink: the same URL asks the same question again.
    query = parse_qs(urlsplit(page.url).query)
    assert query["pacticipant"] == ["admin-console"] and query["version"] == [version]
    assert page.locator(".verdict-word").inner_text() in ("Yes, deployable", "No, not deployable", "No, not yet known")
    assert page.locator(".verdict .reasons li").count() >= 1
    # The open drift incident on payments-api in production is advice, in words, with its link.
    advice = page.get_by_role("region", name="Also worth knowing")
    assert "Drift monitoring: 1 open incident(s) between admin-console and payments-api in production" in (
        advice.inner_text()
    )
    rows = page.get_by_role("table", name="Each pact of the versions").locator("tbody tr")
    assert rows.count() == 1 and "payments-api" in rows.first.inner_text()
    axe_and_screenshot(page, "can-i-deploy", scheme)
    page.get_by_role("button", name="Copy command").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == (
        f"pact broker can-i-deploy --pacticipant admin-console --version {version} --to-environment production "
        f"--ignore reporting-job --broker-base-url {live_broker}"
    )
    links_land(page, live_broker, at_least=6)


def test_a_deployable_version_without_javascript(page_at, scene) -> None:
    from contracts.models import Integration

    verified = Integration.objects.filter(verification_status="verified").select_related("consumer").first()
    page = page_at("/ui/can-i-deploy", java_script_enabled=False)
    page.get_by_label("Application").fill(verified.consumer.name)
    page.get_by_label("Version").fill(verified.latest_consumer_version_number)
    page.get_by_label("To environment").select_option("test")
    page.get_by_role("button", name="Ask").click()
    page.wait_for_url("**environment=test**")
    assert page.locator(".verdict").is_visible()
    assert page.locator("button.copy:visible").count() == 0  # copy needs JavaScript; the text is there
    assert "pact broker can-i-deploy" in page.locator(".copyable code").inner_text()


def test_bad_input_shows_the_error_next_to_the_field(page_at, scene, live_broker) -> None:
    page = page_at("/ui/can-i-deploy")
    page.get_by_label("Application").fill("nobody")
    page.get_by_label("Version").fill("1")
    page.get_by_label("To environment").select_option("production")
    with page.expect_response(lambda response: "/ui/can-i-deploy?" in response.url) as answer:
        page.get_by_role("button", name="Ask").click()
    assert answer.value.status == 400
    field = page.get_by_label("Application")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.locator("#id_pacticipant_error").inner_text() == "Pacticipant nobody not found"
    assert_nothing_serious(page)


def test_narrow_screens_keep_the_page_usable(page_at, scene) -> None:
    page = page_at(f"/ui/can-i-deploy?pacticipant=admin-console&version={_drifting_version()}&environment=production")
    page.set_viewport_size({"width": 375, "height": 800})
    # The page itself never scrolls sideways; the matrix scrolls inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".verdict-word").is_visible()
