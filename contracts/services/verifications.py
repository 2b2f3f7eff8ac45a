"""Recording verification results."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from contracts import access, events
from contracts.exceptions import InvalidInput
from contracts.models import (
    Contract,
    ContractPublication,
    Integration,
    Verification,
    Version,
)
from contracts.services.integration_summaries import integration_summary_refresh
from contracts.services.transactions import atomic_with_retry
from contracts.services.versions import version_find_or_create


@atomic_with_retry
def verification_record(
    *,
    contract: Contract,
    provider_version_number: str,
    success: bool,
    build_url: str | None = None,
    test_results: Any = None,
    verified_by: dict | None = None,
    wip: bool = False,
    pending: bool | None = None,
    consumer_version_selectors: list | None = None,
    execution_date: datetime | None = None,
    consumer_versions: tuple[Version | None, ...] = (None,),
    base_url: str | None = None,
) -> Verification:
    """Record a provider version's result for a piece of content, and raise
    VerificationPublished (whoever recorded it: a client or Accord's own workers).

    `consumer_versions` are the consumer versions the result reports to; `base_url` is
    the public URL links in the event point at (the request's; workers use the default).
    """
    if not isinstance(success, bool):
        raise InvalidInput({"success": ["must be true or false"]})
    provider = contract.provider
    provider_version, _ = version_find_or_create(pacticipant=provider, number=provider_version_number)
    verification = Verification.objects.create(
        contract=contract,
        provider_version=provider_version,
        consumer_id=contract.consumer_id,
        provider_id=contract.provider_id,
        success=success,
        build_url=build_url,
        test_results=test_results,
        verified_by=verified_by,
        wip=wip,
        pending=pending,
        consumer_version_selectors=consumer_version_selectors or [],
        provider_version_tags=sorted(provider_version.tags.values_list("name", flat=True)),
        execution_date=execution_date or timezone.now(),
    )
    Integration.objects.filter(consumer_id=contract.consumer_id, provider_id=contract.provider_id).update(
        contract_data_updated_at=timezone.now()
    )
    integration_summary_refresh(consumer_id=contract.consumer_id, provider_id=contract.provider_id)
    events.emit(
        events.VerificationPublished(verification=verification, consumer_versions=consumer_versions, base_url=base_url)
    )
    return verification


def _metadata_flags(metadata: dict) -> tuple[bool, bool | None, list[dict]]:
    """(wip, pending, selectors) from a pact URL's metadata; anything malformed is ignored."""
    wip = metadata.get("w") in (True, "true")
    pending = metadata.get("p")
    pending = True if wip else {True: True, "true": True, False: False, "false": False}.get(pending)
    selectors = metadata.get("s")
    selectors = [s for s in selectors if _storable(s)] if isinstance(selectors, list) else []
    return wip, pending, selectors


def _storable(selector: object) -> bool:
    # Metadata comes from the URL: PostgreSQL's jsonb refuses NUL characters in strings.
    return isinstance(selector, dict) and "\\u0000" not in json.dumps(selector)


def _version_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _version_number(value: object) -> bool:
    return isinstance(value, str) and "\x00" not in value


def _verified_consumer_versions(contract: Contract, metadata: dict, selectors: list[dict]) -> list[Version | None]:
    """The consumer versions a result reports to: each selected one that published this content.

    Every commit sharing the content gets its own status (api spec 3.15); without
    metadata the newest publication of the content stands for all of them (None).
    """
    ids = {s["cv"] for s in selectors if _version_id(s.get("cv"))}
    numbers = {s["cvn"] for s in selectors if _version_number(s.get("cvn"))}
    if _version_number(metadata.get("cvn")):
        numbers.add(metadata["cvn"])
    if not ids and not numbers:
        return [None]
    publications = ContractPublication.objects.filter(contract=contract).filter(
        Q(consumer_version_id__in=ids) | Q(consumer_version__number__in=numbers)
    )
    versions = Version.objects.filter(id__in=publications.values("consumer_version_id")).order_by("id")
    return list(versions) or [None]


@atomic_with_retry
def verification_publish(
    *,
    contract: Contract,
    provider_version_number: str,
    success: bool,
    base_url: str,
    build_url: str | None = None,
    test_results: Any = None,
    verified_by: dict | None = None,
    metadata: dict | None = None,
) -> Verification:
    """Record a result a verifier published (through a pact URL with `metadata`)."""
    if not isinstance(success, bool):
        raise InvalidInput({"success": ["must be true or false"]})
    consumer, provider = contract.consumer.name, contract.provider.name
    access.write(
        "verification.publish",
        f"{provider} {provider_version_number} verified the pact of {consumer}",
        applications=[provider],
        details={
            "consumer": consumer,
            "providerVersion": provider_version_number,
            "success": success,
            "pactVersion": contract.sha,
        },
    )
    metadata = metadata or {}
    wip, pending, selectors = _metadata_flags(metadata)
    return verification_record(
        contract=contract,
        provider_version_number=provider_version_number,
        success=success,
        build_url=build_url,
        test_results=test_results,
        verified_by=verified_by,
        wip=wip,
        pending=pending,
        consumer_version_selectors=selectors,
        consumer_versions=tuple(_verified_consumer_versions(contract, metadata, selectors)),
        base_url=base_url,
    )


@atomic_with_retry
def verification_delete(*, verification: Verification) -> None:
    """Delete one verification result."""
    consumer, provider = verification.consumer.name, verification.provider.name
    access.write(
        "verification.delete",
        f"{provider} {verification.provider_version.number}'s result for the pact of {consumer}",
        applications=[provider],
        details={"consumer": consumer, "verification": verification.id},
    )
    verification.delete()
    integration_summary_refresh(consumer_id=verification.consumer_id, provider_id=verification.provider_id)
