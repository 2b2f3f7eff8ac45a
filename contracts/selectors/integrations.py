"""Reads of integrations: the consumer/provider pairs that have exchanged a contract."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from contracts.exceptions import NotFound
from contracts.models import Integration


def integrations_list(*, query: str | None = None) -> QuerySet[Integration]:
    """Every integration, most recently updated first (the Pact Broker's order).

    `query` keeps pairs where the consumer's or the provider's name contains it,
    ignoring case. Consumer and provider come in the same query.
    """
    integrations = Integration.objects.select_related("consumer", "provider")
    if query:
        integrations = integrations.filter(Q(consumer__name__icontains=query) | Q(provider__name__icontains=query))
    return integrations.order_by(F("contract_data_updated_at").desc(nulls_last=True), "-id")


def integration_get(*, provider_name: str, consumer_name: str) -> Integration:
    """The integration between two pacticipants named exactly so, or NotFound."""
    integration = (
        Integration.objects.select_related("consumer", "provider")
        .filter(provider__name=provider_name, consumer__name=consumer_name)
        .first()
    )
    if integration is None:
        raise NotFound(f"No integration between consumer '{consumer_name}' and provider '{provider_name}' found")
    return integration
