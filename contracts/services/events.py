"""Domain events -> triggered webhooks (the outbox), inside the writer's transaction."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Q

from contracts.models import (
    ContractPublication,
    DeployedVersion,
    ReleasedVersion,
    Verification,
    Version,
    Webhook,
)
from contracts.services.webhooks import webhook_template_context, webhooks_trigger


def default_base_url() -> str:
    """The base URL for links in events raised outside a request (workers)."""
    return settings.ACCORD_BASE_URLS[0] if settings.ACCORD_BASE_URLS else "http://127.0.0.1:9292"


def events_listened_to(event_names: list[str]) -> set[str]:
    """The subset of events some enabled webhook listens to (one query)."""
    wanted = Q()
    for name in event_names:
        wanted |= Q(events__contains=[name])
    listening: set[str] = set()
    for events in Webhook.objects.filter(wanted, enabled=True).values_list("events", flat=True):
        listening.update(events)
    return listening & set(event_names)


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


def publication_events_record(
    *, publication: ContractPublication, events: list[str], base_url: str | None = None, build_url: str | None = None
) -> None:
    """Trigger webhooks for a publication's events, plus contract_requiring_verification_published,
    and start verification runs on the provider's registered targets."""
    from verifier.services.runs import verification_runs_for_publication

    verification_runs_for_publication(publication=publication)
    base = base_url or default_base_url()
    candidates = [*events]
    if "contract_content_changed" in events or "contract_published" in events:
        candidates.append("contract_requiring_verification_published")
    listening = events_listened_to(candidates)
    if not listening:
        return
    for event in events:
        if event in listening:
            context = webhook_template_context(
                event_name=event, base_url=base, publication=publication, build_url=build_url
            )
            webhooks_trigger(
                event_name=event, consumer=publication.consumer, provider=publication.provider, context=context
            )
    if "contract_requiring_verification_published" in listening:
        for provider_version, description in versions_requiring_verification(publication):
            context = webhook_template_context(
                event_name="contract_requiring_verification_published",
                base_url=base,
                publication=publication,
                provider_version=provider_version,
                provider_version_descriptions=description,
                build_url=build_url,
            )
            webhooks_trigger(
                event_name="contract_requiring_verification_published",
                consumer=publication.consumer,
                provider=publication.provider,
                context=context,
            )


def verification_events_record(*, verification: Verification, events: list[str], base_url: str | None = None) -> None:
    """Trigger webhooks for a verification's events."""
    listening = events_listened_to(events)
    for event in events:
        if event in listening:
            context = webhook_template_context(
                event_name=event, base_url=base_url or default_base_url(), verification=verification
            )
            webhooks_trigger(
                event_name=event, consumer=verification.consumer, provider=verification.provider, context=context
            )
