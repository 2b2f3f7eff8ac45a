"""The contract, diff, verification result and verification run pages in a real browser:
each renders, its form works, every link on it lands, axe finds nothing serious, in light
and dark (and `make screenshots` writes the README's pictures)."""

from __future__ import annotations

import copy

import pytest
from playwright.sync_api import expect

from tests.builders import TestData
from tests.ui import contracts_scene
from tests.ui.browser import axe_and_screenshot, links_land

pytestmark = pytest.mark.django_db(transaction=True)
PAIR = "/ui/pacts/provider/orders-api/consumer/web-shop"


@pytest.fixture
def pacts(scene) -> dict:
    """The seeded broker plus two versions of a pact with every interaction kind, a
    verification with a failing interaction, and the run of a provider build that recorded it."""
    from datetime import timedelta

    from django.utils import timezone

    from contracts.models import ContractPublication, Verification

    td = TestData()
    first = contracts_scene.rich_pact("web-shop", "orders-api")
    contracts_scene.publish(td, first, "2.4.0")
    second = copy.deepcopy(first)
    second["interactions"][1]["response"]["body"]["content"]["status"] = "active"
    del second["interactions"][2]
    contract = contracts_scene.publish(td, second, "2.5.0")
    td.branch("orders-api", "4.8.1", "main")
    contracts_scene.verify(contract, "4.8.0")
    result = contracts_scene.verify(
        contract, "4.8.1", failing={"a request for user 123": contracts_scene.NAME_MISMATCH}
    )
    run = contracts_scene.verification_run(contract, "4.8.1", verification=result, failing="a request for user 123")
    # As in a broker in use: published yesterday, verified this morning.
    now = timezone.now()
    ContractPublication.objects.filter(consumer_version__number="2.4.0").update(created_at=now - timedelta(days=2))
    ContractPublication.objects.filter(contract=contract).update(created_at=now - timedelta(hours=20))
    Verification.objects.filter(contract=contract).update(execution_date=now - timedelta(hours=3))
    return {"result": result.id, "run": str(run.uuid)}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contract_page(page_at, pacts, live_broker, scheme: str) -> None:
    page = page_at(PAIR + "/latest", color_scheme=scheme)
    assert page.title() == "Pact web-shop → orders-api · Accord"
    cards = page.locator("article.interaction")
    assert cards.count() == 5
    failing = cards.filter(has_text="a request for user 123")
    assert failing.locator(".badge-failed").inner_text() == "✕ failed" or failing.locator(".badge-failed").count() == 1
    assert failing.get_by_role("table", name="Mismatches").is_visible()
    # The rules toggle opens to sentences.
    failing.locator("summary", has_text="Matching rules").click()
    assert failing.get_by_text("response $.id: is an integer").is_visible()
    links_land(page, live_broker, at_least=5)
    axe_and_screenshot(page, "contract", scheme)
    # The raw JSON comes when its toggle opens.
    raw = page.locator("details.raw")
    raw.locator("summary").click()
    expect(raw.locator("pre code")).to_contain_text('"consumer": {')
    # The form: an older provider version's results, where everything passed.
    page.get_by_label("Provider version of orders-api").fill("4.8.0")
    page.get_by_role("button", name="Show results").click()
    page.wait_for_url("**provider_version=4.8.0**")
    assert page.locator("article.interaction .badge-failed").count() == 0
    assert "5 passed, 0 failed" in page.locator(".summary").first.inner_text()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_diff_page(page_at, pacts, live_broker, scheme: str) -> None:
    page = page_at(PAIR + "/compare", color_scheme=scheme)
    summary = page.locator(".summary").inner_text()
    assert "1 removed" in summary and "1 changed" in summary and "4 unchanged" in summary
    assert page.get_by_role("table", name="What changed, by JSON path (old → new)").is_visible()
    links_land(page, live_broker, at_least=3)
    axe_and_screenshot(page, "diff", scheme)
    # The form: compare a version with itself.
    page.get_by_label("From version (older)").fill("2.5.0")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**from=2.5.0**")
    assert "5 unchanged" in page.locator(".summary").inner_text()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_verification_result_page(page_at, pacts, live_broker, scheme: str) -> None:
    page = page_at(f"/ui/verification-results/{pacts['result']}", color_scheme=scheme)
    assert page.get_by_role("heading", level=1).inner_text().startswith(f"Verification result #{pacts['result']}")
    assert page.get_by_text("Pact-Rust 1.2.5").is_visible()
    rows = page.get_by_role("table", name="Each interaction's outcome in this verification")
    assert rows.locator(":scope > tbody > tr").count() == 5
    assert page.get_by_role("table", name="Mismatches of a request for user 123").is_visible()
    links_land(page, live_broker, at_least=3)
    axe_and_screenshot(page, "verification-result", scheme)
    page.get_by_role("link", name="web-shop version 2.5.0 → orders-api").click()
    page.wait_for_url("**provider_version=4.8.1**")
    assert page.locator("article.interaction .badge-failed").count() == 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_verification_run_page(page_at, pacts, live_broker, scheme: str) -> None:
    page = page_at(f"/ui/verification-runs/{pacts['run']}", color_scheme=scheme)
    assert "Verification run of orders-api 4.8.1" in page.get_by_role("heading", level=1).inner_text()
    assert "s3cret-token" not in page.content()
    log = page.locator("details.raw")
    assert not log.locator("pre").is_visible()  # collapsed until asked for
    log.locator("summary").click()
    assert "1 pact(s) verified" in log.locator("pre").inner_text()
    links_land(page, live_broker, at_least=3)
    axe_and_screenshot(page, "verification-run", scheme)
