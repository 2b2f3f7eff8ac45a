"""Drift incidents: the anti-flap rule, immutable transitions, and notifications from them.

The rule (docs/drift.md): per (consumer, provider, environment, interaction) an
`InteractionWatch` counts consecutive live failures and passes. An incident opens after
ACCORD_DRIFT_OPEN_AFTER consecutive failures (2; a first-ever live run that fails counts
as the first) and resolves after ACCORD_DRIFT_RESOLVE_AFTER consecutive passes (2). A
skipped, unreachable or unauthorized outcome changes nothing: it says nothing about the
contract.

Every change of state is a `DriftTransition` row with a unique key; its event is raised
only when the row was inserted, so a retried or duplicated run never notifies twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts import access, events
from contracts.models import DeployedVersion, ReleasedVersion
from contracts.services.transactions import atomic_with_retry
from drift.events import DriftDetected, DriftResolved, LiveTargetUnreachable
from drift.models import DriftIncident, DriftTransition, InteractionWatch, LiveRun, LiveTarget

if TYPE_CHECKING:
    from drift.services.runs import Replayed

Incident = DriftIncident.Status


class AlreadyResolved(Exception):
    """An incident that is resolved cannot be acknowledged."""


def _transition(key: str, **fields) -> DriftTransition | None:
    """Insert the transition unless its key exists; the row, or None when it already did."""
    try:
        with transaction.atomic():
            return DriftTransition.objects.create(key=key, **fields)
    except IntegrityError:
        return None


def _preceding_deployment(run: LiveRun, consumer_ids: Iterable[int], before: datetime) -> tuple[datetime | None, str]:
    """The latest deployment or release, of the provider or the consumer, before `before`."""
    pacticipants = [run.provider_id, *consumer_ids]
    found: list[tuple[datetime, str]] = []
    for model, verb in ((DeployedVersion, "deployed"), (ReleasedVersion, "released")):
        latest = (
            model.objects.filter(
                environment_id=run.environment_id, pacticipant_id__in=pacticipants, created_at__lte=before
            )
            .select_related("version", "pacticipant")
            .order_by("-created_at")
            .first()
        )
        if latest is not None:
            found.append((latest.created_at, f"{latest.pacticipant.name} {latest.version.number} {verb}"))
    return max(found, key=lambda pair: pair[0]) if found else (None, "")


def apply_outcomes(run: LiveRun, replayed: list[Replayed], now: datetime) -> None:
    """Advance the watches of every passed or failed interaction; open and resolve incidents.

    Called inside the run's finishing transaction. An interaction replayed for several
    consumer versions of one consumer counts once per run: failed if any failed.
    """
    verdicts: dict[tuple[int, str], list[Replayed]] = {}
    for result in replayed:
        verdicts.setdefault((result.publication.consumer_id, result.item.key), []).append(result)
    if not verdicts:
        return
    watches = {
        (w.consumer_id, w.interaction_key): w
        for w in InteractionWatch.objects.select_for_update().filter(
            provider_id=run.provider_id,
            environment_id=run.environment_id,
            consumer_id__in={c for c, _ in verdicts},
            interaction_key__in={k for _, k in verdicts},
        )
    }
    unresolved = {
        (i.consumer_id, i.interaction_key): i
        for i in DriftIncident.objects.select_for_update()
        .filter(
            provider_id=run.provider_id,
            environment_id=run.environment_id,
            consumer_id__in={c for c, _ in verdicts},
            interaction_key__in={k for _, k in verdicts},
        )
        .exclude(status=Incident.RESOLVED)
    }
    open_after, resolve_after = settings.ACCORD_DRIFT_OPEN_AFTER, settings.ACCORD_DRIFT_RESOLVE_AFTER
    for (consumer_id, key), results in verdicts.items():
        failures = [r for r in results if r.status == "failed"]
        sample = failures[0] if failures else results[0]
        watch = watches.get((consumer_id, key))
        if watch is None:
            watch = InteractionWatch.objects.create(
                consumer_id=consumer_id,
                provider_id=run.provider_id,
                environment_id=run.environment_id,
                interaction_key=key,
                description=sample.item.description,
            )
        incident = unresolved.get((consumer_id, key))
        if failures:
            watch.consecutive_failures += 1
            watch.consecutive_passes = 0
            if incident is None and watch.consecutive_failures >= open_after:
                _open(run, sample, now)
        else:
            watch.consecutive_passes += 1
            watch.consecutive_failures = 0
            watch.ever_passed = True
            if incident is not None and watch.consecutive_passes >= resolve_after:
                _resolve(incident, run, now)
        watch.last_run = run
        watch.description = sample.item.description
        watch.save()


def _open(run: LiveRun, result: Replayed, now: datetime) -> DriftIncident:
    publication = result.publication
    deployed_at, deployment = _preceding_deployment(run, [publication.consumer_id], now)
    incident = DriftIncident.objects.create(
        consumer_id=publication.consumer_id,
        provider_id=run.provider_id,
        environment_id=run.environment_id,
        target_id=run.target_id,
        interaction_key=result.item.key,
        description=result.item.description,
        provider_states=result.item.states,
        method=result.item.method,
        path=result.item.path,
        status=Incident.OPEN,
        opened_at=now,
        opened_by_run=run,
        opened_by_run_uuid=run.uuid,
        mismatches=result.mismatches,
        consumer_version_number=publication.consumer_version.number,
        provider_version_number=run.provider_version_number,
        preceding_deployment_at=deployed_at,
        preceding_deployment=deployment,
        detection_seconds=(now - deployed_at).total_seconds() if deployed_at else None,
    )
    _notify(incident, run, now, None, _summary(result.mismatches), DriftDetected)
    return incident


def resolve_withdrawn(run: LiveRun, present: set[tuple[int, str]], now: datetime) -> None:
    """Resolve the unresolved incidents of the run's provider and environment whose
    interaction is in no pact deployed there any more (the consumer changed its contract,
    or is no longer deployed): nothing is left to drift. `present` holds the (consumer id,
    interaction key) of everything the run planned, replayed or skipped."""
    unresolved = (
        DriftIncident.objects.select_for_update()
        .filter(provider_id=run.provider_id, environment_id=run.environment_id)
        .exclude(status=Incident.RESOLVED)
    )
    for incident in unresolved.select_related("environment"):
        if (incident.consumer_id, incident.interaction_key) not in present:
            note = f"the interaction is no longer in any pact deployed in {incident.environment.name}"
            _resolve(incident, run, now, note=note)


def _resolve(incident: DriftIncident, run: LiveRun, now: datetime, note: str | None = None) -> None:
    old = incident.status
    incident.status = Incident.RESOLVED
    incident.resolved_at = now
    incident.resolved_by_run = run
    incident.resolved_by_run_uuid = run.uuid
    incident.save()
    note = note or f"passed live on {settings.ACCORD_DRIFT_RESOLVE_AFTER} consecutive run(s)"
    _notify(incident, run, now, old, note, DriftResolved)


def _notify(incident: DriftIncident, run: LiveRun, now: datetime, old: str | None, note: str, event) -> None:
    """Record the incident's transition to its current status; raise `event` if it is new."""
    transition = _transition(
        f"incident:{incident.uuid}:{incident.status}",
        kind=DriftTransition.Kind.INCIDENT,
        incident=incident,
        target_id=run.target_id,
        old_state=old,
        new_state=incident.status,
        run=run,
        run_uuid=run.uuid,
        at=now,
        note=note,
    )
    if transition is not None:
        events.emit(event(transition=transition, incident=incident, run=run))


def _summary(mismatches: list[dict]) -> str:
    parts = []
    for m in mismatches[:5]:
        where = f"{m.get('path')}: " if m.get("path") else ""
        parts.append(f"{where}{m.get('description', '')}")
    return "; ".join(parts)


def target_unreachable(target: LiveTarget, run: LiveRun, now: datetime) -> None:
    """The first unreachable run of an outage: one transition, one event."""
    transition = _transition(
        f"target:{target.uuid}:unreachable:{run.uuid}",
        kind=DriftTransition.Kind.TARGET,
        target=target,
        old_state="reachable",
        new_state="unreachable",
        run=run,
        run_uuid=run.uuid,
        at=now,
        note=run.error or "",
    )
    if transition is not None:
        events.emit(LiveTargetUnreachable(transition=transition, target=target, run=run))


def target_reachable(target: LiveTarget, run: LiveRun, now: datetime) -> None:
    """The outage is over (recorded; no event)."""
    _transition(
        f"target:{target.uuid}:reachable:{run.uuid}",
        kind=DriftTransition.Kind.TARGET,
        target=target,
        old_state="unreachable",
        new_state="reachable",
        run=run,
        run_uuid=run.uuid,
        at=now,
    )


@atomic_with_retry
def incident_acknowledge(*, incident: DriftIncident, note: str, actor: str | None = None) -> DriftIncident:
    """Someone is looking at it; acknowledging again replaces the note. Raises AlreadyResolved."""
    incident = DriftIncident.objects.select_for_update().get(id=incident.id)
    if incident.status == Incident.RESOLVED:
        raise AlreadyResolved(f"drift incident {incident.uuid} is already resolved")
    provider, consumer = incident.provider.name, incident.consumer.name
    access.write(
        "drift_incident.acknowledge",
        f"drift incident {incident.uuid} ({consumer} → {provider} in {incident.environment.name})",
        applications=[provider],
        details={"by": actor},
    )
    now = timezone.now()
    old = incident.status
    if old == Incident.OPEN:
        incident.status = Incident.ACKNOWLEDGED
        incident.acknowledged_at = now
    incident.acknowledged_by = actor
    incident.acknowledgement_note = note
    incident.save()
    count = incident.transitions.filter(new_state=Incident.ACKNOWLEDGED).count()
    _transition(
        f"incident:{incident.uuid}:acknowledged:{count + 1}",
        kind=DriftTransition.Kind.INCIDENT,
        incident=incident,
        target_id=incident.target_id,
        old_state=old,
        new_state=Incident.ACKNOWLEDGED,
        at=now,
        note=note,
        actor=actor,
    )
    return incident
