"""Deleting integrations: one consumer/provider pair's contract data, or all data."""

from __future__ import annotations

from django.db import connection

from contracts import access, events
from contracts.models import (
    Branch,
    BranchVersion,
    Contract,
    ContractPublication,
    DeployedVersion,
    Integration,
    Label,
    Pacticipant,
    ReleasedVersion,
    Tag,
    Verification,
    Version,
)
from contracts.services.transactions import atomic_with_retry

# Everything that belongs to pacticipants; environments are not in it and stay.
_ALL_DATA = (
    Verification,
    ContractPublication,
    Contract,
    Integration,
    Tag,
    DeployedVersion,
    ReleasedVersion,
    BranchVersion,
    Branch,
    Version,
    Label,
    Pacticipant,
)


@atomic_with_retry
def integration_delete(*, integration: Integration) -> None:
    """Delete a pair's pacts (every revision), their content and verification results, and the integration.

    The two pacticipants stay, with their versions, branches, tags and deployments:
    those are facts about each application, which may take part in other integrations.
    Other apps remove what they keep about the pair (webhooks scoped to it, their
    deliveries) on IntegrationDeleted.
    """
    consumer, provider = integration.consumer.name, integration.provider.name
    access.write("integration.delete", f"{consumer} → {provider}", applications=[consumer, provider])
    events.emit(events.IntegrationDeleted(consumer=integration.consumer, provider=integration.provider))
    pair = {"consumer_id": integration.consumer_id, "provider_id": integration.provider_id}
    # Publications first: they protect the content they point at from deletion.
    ContractPublication.objects.filter(**pair).delete()
    Verification.objects.filter(**pair).delete()
    Contract.objects.filter(**pair).delete()
    Integration.objects.filter(pk=integration.pk).delete()


@atomic_with_retry
def integrations_delete_all() -> None:
    """Delete all data, as the Pact Broker's DELETE /integrations does; environments stay.

    TRUNCATE ... CASCADE, as upstream: it takes seconds where row-by-row deletes of a big
    broker take hours, and the cascade also empties the tables of other apps that refer
    to these rows (webhooks, their deliveries, verification runs) without contracts/
    naming them. It locks the tables until the transaction ends.
    """
    access.write("integrations.delete_all", "every integration, pacticipant and version", admin=True)
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in _ALL_DATA)
    with connection.cursor() as cursor:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, and PostgreSQL refuses
        # to TRUNCATE a table with checks still pending in this transaction: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {tables} CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
