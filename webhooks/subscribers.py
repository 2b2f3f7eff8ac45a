"""What webhooks do when contracts/, verifier/ and drift/ raise events: record the deliveries owed.

Each handler runs inside the transaction that records the fact (contracts.events), finds
the enabled webhooks for the event and the pair, and writes one triggered webhook per
match with the template values of that moment. Building those values costs queries, so
nothing is built for an event no enabled webhook listens to.
"""

from __future__ import annotations

from contracts import events
from contracts.events import (
    ContractContentChanged,
    ContractPublished,
    ContractRequiringVerificationPublished,
    IntegrationDeleted,
    Notice,
    PublicationEvent,
    VerificationPublished,
)
from drift.events import DriftDetected, DriftEvent, DriftResolved, LiveTargetUnreachable
from drift.models import LiveTarget
from verifier.events import VerificationRunFinished
from webhooks.models import TriggeredWebhook
from webhooks.selectors import events_listened_to, template_context, webhooks_exist_for
from webhooks.services.definitions import webhooks_of_pair_delete
from webhooks.services.delivery import drift_context
from webhooks.services.outbox import webhooks_trigger

NEXT_STEP_WEBHOOKS = (
    "    * Configure separate {provider} pact verification build and webhook to trigger it when the pact "
    "content changes. See https://docs.pact.io/go/webhooks"
)


def subscribe_all() -> None:
    """Called once from WebhooksConfig.ready()."""
    events.subscribe(ContractPublished, on_contract_published)
    events.subscribe(ContractContentChanged, on_publication_event)
    events.subscribe(ContractRequiringVerificationPublished, on_contract_requiring_verification_published)
    events.subscribe(VerificationPublished, on_verification_published)
    events.subscribe(VerificationRunFinished, on_verification_run_finished)
    events.subscribe(IntegrationDeleted, on_integration_deleted)
    events.subscribe(DriftDetected, on_drift_incident)
    events.subscribe(DriftResolved, on_drift_incident)
    events.subscribe(LiveTargetUnreachable, on_live_target_unreachable)


def triggered_notices(triggered: list[TriggeredWebhook], base_url: str) -> list[Notice]:
    """One line per delivery, pointing at its logs (the publish answer shows them)."""
    notices = []
    for row in triggered:
        description = f'"{row.webhook.description}"' if row.webhook and row.webhook.description else row.webhook_uuid
        notices.append(
            Notice(
                "debug",
                f"  Webhook {description} triggered for event {row.event_name}.\n"
                f"    View logs at {base_url}/triggered-webhooks/{row.uuid}/logs",
            )
        )
    return notices


def _trigger_for_publication(event: PublicationEvent, **context_extra) -> list[TriggeredWebhook]:
    publication = event.publication
    context = template_context(
        event_name=event.name,
        base_url=event.links_base,
        publication=publication,
        build_url=event.build_url,
        **context_extra,
    )
    return webhooks_trigger(
        event_name=event.name, consumer=publication.consumer, provider=publication.provider, context=context
    )


def on_publication_event(event: PublicationEvent) -> list[Notice]:
    """contract_content_changed (and the start of contract_published): deliveries and their notices."""
    if event.name not in events_listened_to([event.name]):
        return []
    return triggered_notices(_trigger_for_publication(event), event.links_base)


def on_contract_published(event: ContractPublished) -> list[Notice]:
    """contract_published, plus the advice the publish answer gives about webhooks: "none
    matched" when webhooks exist for the pair but no event triggered one (a fallback the
    other events' notices replace), or "configure one" when there are none."""
    notices = on_publication_event(event)
    publication = event.publication
    if webhooks_exist_for(consumer=publication.consumer, provider=publication.provider):
        notices.append(Notice("debug", "  No enabled webhooks found for the detected events", fallback=True))
    else:
        notices.append(Notice("prompt", NEXT_STEP_WEBHOOKS.format(provider=publication.provider.name), next_step=True))
    return notices


def on_contract_requiring_verification_published(event: ContractRequiringVerificationPublished) -> list[Notice]:
    """One delivery per provider version that should verify the content and has not."""
    if event.name not in events_listened_to([event.name]):
        return []
    triggered: list[TriggeredWebhook] = []
    for provider_version, description in event.provider_versions:
        triggered += _trigger_for_publication(
            event, provider_version=provider_version, provider_version_descriptions=description
        )
    return triggered_notices(triggered, event.links_base)


def on_verification_published(event: VerificationPublished) -> None:
    """provider_verification_published, and _succeeded or _failed: one delivery per
    consumer version the result reports to, so every commit sharing the content gets a status."""
    verification = event.verification
    outcome = "provider_verification_succeeded" if verification.success else "provider_verification_failed"
    listening = events_listened_to(["provider_verification_published", outcome])
    contract = verification.contract
    for event_name in ("provider_verification_published", outcome):
        if event_name not in listening:
            continue
        for consumer_version in event.consumer_versions:
            context = template_context(
                event_name=event_name,
                base_url=event.links_base,
                verification=verification,
                consumer_version=consumer_version,
            )
            webhooks_trigger(
                event_name=event_name, consumer=contract.consumer, provider=contract.provider, context=context
            )


def on_verification_run_finished(event: VerificationRunFinished) -> None:
    """Accord's own events: one delivery per consumer whose pact the run verified."""
    run = event.run
    event_name = "verification_run_succeeded" if event.succeeded else "verification_run_failed"
    if event_name not in events_listened_to([event_name]):
        return
    base = event.links_base
    for verified in event.pacts:
        context = template_context(event_name=event_name, base_url=base, publication=verified.publication)
        context.update(
            verificationRunUrl=f"{base}/verification-runs/{run.uuid}",
            providerVersionNumber=run.provider_version_number,
            verificationRunStatus=run.status,
            pactVerified="true" if verified.success else "false",
        )
        webhooks_trigger(
            event_name=event_name, consumer=verified.publication.consumer, provider=run.provider, context=context
        )


def on_integration_deleted(event: IntegrationDeleted) -> None:
    """The pair's contract data is gone: so are the webhooks scoped to exactly that pair
    and what it triggered (the Pact Broker deletes them with the integration)."""
    webhooks_of_pair_delete(consumer=event.consumer, provider=event.provider)


# ------------------------------------------------------------------ drift monitoring


def on_drift_incident(event: DriftDetected | DriftResolved) -> None:
    """drift_detected / drift_resolved: one delivery per matching webhook per transition."""
    _on_drift(event, event.incident, None)


def on_live_target_unreachable(event: LiveTargetUnreachable) -> None:
    """live_target_unreachable: once per outage (the runner raises it once), about the
    provider alone, so webhooks scoped to a consumer do not match."""
    _on_drift(event, None, event.target)


def _on_drift(event: DriftEvent, incident, target: LiveTarget | None) -> None:
    """The transition row is the source: its unique key is the deliveries' source key, so
    raising the same transition again (a retried or duplicated run) queues nothing more."""
    if event.name not in events_listened_to([event.name]):
        return
    context = drift_context(event.name, event.links_base, event.transition, event.run, incident, target)
    webhooks_trigger(
        event_name=event.name,
        consumer=incident.consumer if incident is not None else None,
        provider=incident.provider if incident is not None else target.provider,
        context=context,
        source_key=event.transition.key,
    )
