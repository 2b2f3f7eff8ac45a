"""The per-integration summary (latest pact, the verification shown with it, the status).

Every service that publishes, verifies or deletes calls one of these in its own
transaction, so the summary commits or rolls back with the fact that changed it. Each
refresh reads only the pair's rows, through the indexes the matrix already uses.
"""

from __future__ import annotations

from django.db.models import Q

from contracts.models import ContractPublication, Integration, Verification, VerificationStatus


def integration_summary_refresh(*, consumer_id: int, provider_id: int) -> None:
    """Recompute one pair's summary from its publications and verifications."""
    pair = {"consumer_id": consumer_id, "provider_id": provider_id}
    latest = (
        ContractPublication.objects.filter(is_current=True, **pair)
        .select_related("consumer_version")
        .order_by("-consumer_version_id", "-revision")
        .first()
    )
    verifications = Verification.objects.filter(**pair).select_related("provider_version").order_by("-id")
    # The newest verification of the latest content; failing that, the newest of the pair (stale).
    shown = verifications.filter(contract_id=latest.contract_id).first() if latest else None
    if shown is None:
        shown = verifications.first()
    Integration.objects.filter(**pair).update(
        latest_publication=latest,
        latest_publication_at=latest.created_at if latest else None,
        latest_consumer_version_number=latest.consumer_version.number if latest else None,
        latest_verification=shown,
        latest_verification_at=shown.created_at if shown else None,
        latest_verification_success=shown.success if shown else None,
        latest_provider_version_number=shown.provider_version.number if shown else None,
        verification_status=VerificationStatus.of(latest.contract_id if latest else None, shown),
    )


def integration_summaries_refresh_for(*, pacticipant_id: int) -> None:
    """Recompute the summary of every integration a pacticipant takes part in (after one
    of its versions went, with the pacts it published or the results it verified)."""
    pairs = Integration.objects.filter(Q(consumer_id=pacticipant_id) | Q(provider_id=pacticipant_id))
    for consumer_id, provider_id in pairs.values_list("consumer_id", "provider_id"):
        integration_summary_refresh(consumer_id=consumer_id, provider_id=provider_id)
