"""Deleting an integration takes the webhooks scoped to exactly that pair with it."""

from __future__ import annotations

import pytest

from contracts.models import Pacticipant
from webhooks.models import TriggeredWebhook, Webhook
from webhooks.services.definitions import WebhookDefinition, webhook_create

pytestmark = pytest.mark.django_db


def hook(**scope) -> Webhook:
    names = {role: Pacticipant.objects.get(name=name) for role, name in scope.items()}
    return webhook_create(definition=WebhookDefinition(method="POST", url="https://ci.example/hook", **names))


def test_the_pairs_webhooks_and_deliveries_go_others_stay(api, td):
    td.publish("Web", "1.0", provider="API").publish("Web", "1.0", provider="Billing")
    pair = hook(consumer="Web", provider="API")
    provider_wide = hook(provider="API")
    other_pair = hook(consumer="Web", provider="Billing")
    td.publish("Web", "1.1", provider="API", variant="changed")  # triggers the pair's and the provider-wide webhook
    assert TriggeredWebhook.objects.filter(provider__name="API").count() == 2

    response = api.delete("/integrations/provider/API/consumer/Web")

    assert response.status_code == 204
    assert set(Webhook.objects.values_list("uuid", flat=True)) == {provider_wide.uuid, other_pair.uuid}
    assert not Webhook.objects.filter(uuid=pair.uuid).exists()
    assert not TriggeredWebhook.objects.filter(consumer__name="Web", provider__name="API").exists()
