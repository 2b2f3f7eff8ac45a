"""Publishing records webhook deliveries (the outbox) for its events, in its transaction."""

from __future__ import annotations

import pytest

from contracts.services.publication import contracts_publish, prepare_contract
from tests.builders import pact_json
from webhooks.models import TriggeredWebhook, Webhook

pytestmark = pytest.mark.django_db


def webhook(*events: str, **scope) -> Webhook:
    return Webhook.objects.create(
        uuid=f"hook-{'-'.join(events)}-0123456789"[:60],
        events=list(events),
        method="POST",
        url="https://ci.example/build?pact=${pactbroker.pactUrl}",
        **scope,
    )


def publish(version="1.0", variant="", consumer="Web", provider="API", **kwargs):
    prepared = prepare_contract(
        pact_json(consumer, provider, variant=variant), consumer_name=consumer, provider_name=provider
    )
    return contracts_publish(
        pacticipant_name=consumer,
        version_number=version,
        contracts=[prepared],
        base_url="https://broker.example",
        **kwargs,
    )


def test_no_webhooks_means_no_deliveries():
    publish()
    assert TriggeredWebhook.objects.count() == 0


def test_each_event_a_webhook_listens_to_gets_one_delivery_with_its_template_values():
    webhook("contract_published")
    webhook("contract_content_changed")
    publish(version="1.0", branch="main")
    publish(version="1.1", branch="main")  # same content: published, not changed

    rows = list(TriggeredWebhook.objects.order_by("id").values_list("event_name", "context__consumerVersionNumber"))
    assert rows == [("contract_published", "1.0"), ("contract_content_changed", "1.0"), ("contract_published", "1.1")]
    context = TriggeredWebhook.objects.first().context
    assert context["pactUrl"].startswith("https://broker.example/pacts/provider/API/consumer/Web/pact-version/")
    assert context["consumerVersionBranch"] == "main"


def test_requiring_verification_names_each_provider_version_that_has_not_verified_the_content(td):
    webhook("contract_requiring_verification_published")
    td.branch("API", "main-head", "main").deploy("API", "prod-1", to="production").release(
        "API", "mobile-2", to="store"
    )
    publish()

    rows = dict(
        TriggeredWebhook.objects.values_list("context__providerVersionNumber", "context__providerVersionDescriptions")
    )
    assert rows == {
        "main-head": "latest from main branch",
        "prod-1": "deployed in production",
        "mobile-2": "released in store",
    }


def test_requiring_verification_skips_provider_versions_that_already_verified_the_content(td):
    webhook("contract_requiring_verification_published")
    td.publish("Web", "0.9", provider="API").verify("prod-1").deploy("API", "prod-1", to="production")
    TriggeredWebhook.objects.all().delete()
    publish(version="1.0")  # same content as 0.9, already verified by prod-1

    assert TriggeredWebhook.objects.count() == 0


def test_a_failed_publish_leaves_no_deliveries():
    webhook("contract_published")
    publish(variant="one")
    TriggeredWebhook.objects.all().delete()
    with pytest.raises(Exception, match="Cannot change the content"):
        publish(variant="two")
    assert TriggeredWebhook.objects.count() == 0
