"""Which provider versions should verify newly published content (the Pact Broker's rule
for contract_requiring_verification_published; verification targets start runs for them)."""

from __future__ import annotations

from django.db.models import F

from contracts.models import (
    ContractPublication,
    DeployedVersion,
    ReleasedVersion,
    Verification,
    Version,
)


def versions_requiring_verification(publication: ContractPublication) -> list[tuple[Version, str]]:
    """Provider versions that should verify this content and have not (main-branch head,
    deployed, released), each with a description; the Pact Broker's rule for
    contract_requiring_verification_published."""
    provider = publication.provider
    described: dict[int, list[str]] = {}
    if provider.main_branch:
        head = (
            Version.objects.filter(
                branch_versions__branch__pacticipant=provider,
                branch_versions__branch__name=provider.main_branch,
                branch_versions__branch__head__version_id=F("id"),
            )
            .values_list("id", flat=True)
            .first()
        )
        if head:
            described.setdefault(head, []).append("latest from main branch")
    for version_id, env in DeployedVersion.objects.filter(pacticipant=provider, undeployed_at__isnull=True).values_list(
        "version_id", "environment__name"
    ):
        described.setdefault(version_id, []).append(f"deployed in {env}")
    for version_id, env in ReleasedVersion.objects.filter(
        pacticipant=provider, support_ended_at__isnull=True
    ).values_list("version_id", "environment__name"):
        described.setdefault(version_id, []).append(f"released in {env}")
    if not described:
        return []
    verified = set(
        Verification.objects.filter(contract_id=publication.contract_id, provider_version_id__in=described).values_list(
            "provider_version_id", flat=True
        )
    )
    versions = Version.objects.in_bulk([vid for vid in described if vid not in verified])
    return [(versions[vid], ", ".join(described[vid])) for vid in sorted(versions)]
