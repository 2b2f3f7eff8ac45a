"""The webhooks a verification result triggered (its `pb:triggered-webhooks`), over HTTP."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from contracts.models import Verification
from webhooks.models import TriggeredWebhook, Webhook

pytestmark = pytest.mark.django_db
BASE = "http://testserver"
PAIR = "/pacts/provider/API/consumer/Web"


def listening(uuid: str, *events: str) -> Webhook:
    return Webhook.objects.create(
        uuid=uuid, events=list(events), method="POST", url="http://127.0.0.1:9/hook", description=f"Hook {uuid}"
    )


def result_path(verification: Verification) -> str:
    return f"{PAIR}/pact-version/{verification.contract.sha}/verification-results/{verification.id}"


def test_a_result_lists_the_webhooks_its_publication_triggered(api, td):
    listening("verification-hook-0001", "provider_verification_published", "provider_verification_failed")
    listening("publish-hook-000000001", "contract_published")
    td.publish("Web", "1.0", provider="API").verify("7.0", success=False)
    verification = Verification.objects.get()

    result = api.get(result_path(verification)).json()
    href = result["_links"]["pb:triggered-webhooks"]["href"]
    assert href == f"{BASE}{result_path(verification)}/triggered-webhooks"
    response = api.get(urlsplit(href).path)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/hal+json; charset=utf-8"
    body = response.json()
    entries = body["_embedded"]["triggeredWebhooks"]
    assert [entry["eventName"] for entry in entries] == [
        "provider_verification_published",
        "provider_verification_failed",
    ]
    stored = TriggeredWebhook.objects.filter(event_name__startswith="provider_verification_").order_by("id")
    assert [entry["_links"]["pb:logs"]["href"] for entry in entries] == [
        f"{BASE}/triggered-webhooks/{t.uuid}/logs" for t in stored
    ]
    assert entries[0]["name"] == "Hook verification-hook-0001" and entries[0]["status"] == "not_run"
    assert body["_links"]["self"] == {"href": href, "title": "Triggered webhooks"}


def test_only_this_results_webhooks_are_listed_not_one_whose_id_ends_the_same(api, td):
    listening("verification-hook-0002", "provider_verification_published")
    td.publish("Web", "1.0", provider="API").verify("7.0")
    td.verify("7.1")
    first, second = Verification.objects.order_by("id")
    own = TriggeredWebhook.objects.get(context__verificationResultUrl__endswith=result_path(first))
    # A delivery for a result whose id merely ends with this one's (…/verification-results/1<id>).
    url = own.context["verificationResultUrl"]
    TriggeredWebhook.objects.create(
        webhook_uuid="verification-hook-0002",
        event_name="provider_verification_published",
        consumer=first.contract.consumer,
        provider=first.contract.provider,
        context={"verificationResultUrl": f"{url[: -len(str(first.id))]}1{first.id}"},
    )

    listed = api.get(f"{result_path(first)}/triggered-webhooks").json()["_embedded"]["triggeredWebhooks"]

    assert [entry["_links"]["pb:logs"]["href"] for entry in listed] == [f"{BASE}/triggered-webhooks/{own.uuid}/logs"]
    assert len(api.get(f"{result_path(second)}/triggered-webhooks").json()["_embedded"]["triggeredWebhooks"]) == 1


def test_a_result_that_triggered_nothing_has_an_empty_list(api, td):
    td.publish("Web", "1.0", provider="API").verify("7.0")
    verification = Verification.objects.get()

    response = api.get(f"{result_path(verification)}/triggered-webhooks")

    assert response.status_code == 200
    assert response.json()["_embedded"] == {"triggeredWebhooks": []}


@pytest.mark.parametrize("number", ["999999999", "not-a-number"])
def test_an_unknown_result_is_a_json_404(api, td, number):
    td.publish("Web", "1.0", provider="API").verify("7.0")
    sha = Verification.objects.get().contract.sha

    response = api.get(f"{PAIR}/pact-version/{sha}/verification-results/{number}/triggered-webhooks")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/")
    assert f"No verification result {number} found" in response.json()["error"]


def test_a_result_under_another_pair_is_a_json_404(api, td):
    td.publish("Web", "1.0", provider="API").verify("7.0")
    verification = Verification.objects.get()

    response = api.get(
        f"/pacts/provider/API/consumer/Other/pact-version/{verification.contract.sha}"
        f"/verification-results/{verification.id}/triggered-webhooks"
    )

    assert response.status_code == 404
