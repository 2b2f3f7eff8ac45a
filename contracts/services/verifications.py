"""Recording verification results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from contracts.exceptions import InvalidInput
from contracts.models import Contract, Integration, Verification
from contracts.services._tx import atomic_with_retry
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
) -> tuple[Verification, list[str]]:
    """Record a provider version's result for a piece of content; returns the events."""
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
    outcome = "provider_verification_succeeded" if success else "provider_verification_failed"
    return verification, ["provider_verification_published", outcome]
