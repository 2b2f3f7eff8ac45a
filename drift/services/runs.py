"""Live runs: replay what is deployed in an environment against the provider running there.

Monitoring, not verification: outcomes go to drift's own tables, never to verification
results, so the matrix and can-i-deploy never change because of a live run.

Scheduling (docs/drift.md): beat runs `drift.tick` every few seconds; the tick takes the
due targets with SELECT ... FOR UPDATE SKIP LOCKED over a partial index on their next
slot, moves each to its following slot and creates its run, in one transaction. Two
beats, or an overlapping tick, never start one target twice for one slot (and a unique
constraint on (target, slot) would refuse it if they tried).

Reliability, on verifier/leases.py like verification runs: a worker claims a queued run
with a conditional UPDATE, holds a lease it renews, writes outcomes and incident changes
in one transaction only while the claim is its own; a run whose worker died is re-queued
or ends in `error`, never `passed`. One run per target at a time, so the target's rate
limit holds.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from contracts import access
from contracts.models import ContractPublication, DeployedVersion, ReleasedVersion, Version
from contracts.services.transactions import atomic_with_retry
from drift import plan as planning
from drift import schedule
from drift.models import LiveOutcome, LiveRun, LiveTarget
from drift.services import credentials, incidents
from drift.services.targets import in_maintenance, next_slot
from verifier import engine, http
from verifier.leases import Lease, LeaseLost
from verifier.queue import send_after_commit

logger = logging.getLogger("accord.drift")
Status = LiveRun.Status
Trigger = LiveRun.Trigger
RUN_TASK = "drift.live_run"

lease = Lease(LiveRun, seconds=lambda: settings.ACCORD_DRIFT_LEASE_SECONDS)


class TargetPaused(Exception):
    """A run was asked for while the target is paused or in a maintenance window."""


def schedule_text(text: str) -> str:
    """How a scheduled run says what started it: "every 15m" or "cron 0 3 * * *"."""
    return f"cron {text}" if " " in text else f"every {text}"


def runs_enqueue(ids: list[int], countdown: float | None = None) -> None:
    send_after_commit(RUN_TASK, ids, countdown=countdown, queue=settings.ACCORD_DRIFT_QUEUE)


# ------------------------------------------------------------------------- starting runs


@atomic_with_retry
def live_run_request(*, target: LiveTarget, trigger: str = Trigger.API, detail: str = "", delay: float = 0) -> LiveRun:
    """Someone asks for a run of the target now (the API, the UI); raises TargetPaused."""
    provider, environment = target.provider.name, target.environment.name
    access.write(
        "live_run.request",
        f"live target of {provider} in {environment}",
        applications=[provider],
        environment=environment,
        details={"trigger": trigger},
    )
    return live_run_queue(target=target, trigger=trigger, detail=detail, delay=delay)


@atomic_with_retry
def live_run_queue(*, target: LiveTarget, trigger: str = Trigger.API, detail: str = "", delay: float = 0) -> LiveRun:
    """Queue a run of the target now (or after `delay` seconds); raises TargetPaused. Called
    as it is by what Accord starts itself (deployments, releases: drift.services.triggers)."""
    if in_maintenance(target):
        raise TargetPaused(
            f"the live target of {target.provider.name} in {target.environment.name} is "
            + ("disabled" if not target.enabled else "paused" if target.paused else "in a maintenance window")
        )
    not_before = timezone.now() + timedelta(seconds=delay) if delay else None
    run = LiveRun.objects.create(
        target=target,
        provider_id=target.provider_id,
        environment_id=target.environment_id,
        trigger=trigger,
        trigger_detail=detail[:1024],
        not_before=not_before,
    )
    runs_enqueue([run.id], countdown=delay or None)
    return run


def tick(now: datetime | None = None, batch: int | None = None) -> dict[str, int]:
    """Start every target that is due; returns counts. Safe to run concurrently."""
    now = now or timezone.now()
    batch = batch or settings.ACCORD_DRIFT_TICK_BATCH
    started = skipped = 0
    with transaction.atomic():
        due = list(
            LiveTarget.objects.select_for_update(skip_locked=True)
            .filter(enabled=True, paused=False, next_run_at__isnull=False, next_run_at__lte=now)
            .order_by("next_run_at")
            .only(
                "id",
                "uuid",
                "schedule",
                "enabled",
                "paused",
                "next_run_at",
                "maintenance_from",
                "maintenance_until",
                "provider_id",
                "environment_id",
            )[:batch]  # fmt: skip
        )
        if not due:
            return {"due": 0, "started": 0, "skipped": 0}
        busy = set(
            LiveRun.objects.filter(target__in=due, status__in=[Status.QUEUED, Status.RUNNING]).values_list(
                "target_id", flat=True
            )
        )
        runs = []
        for target in due:
            slot = target.next_run_at
            target.next_run_at = next_slot(target, now)
            if in_maintenance(target, now) or target.id in busy:
                skipped += 1  # the last run is still going, or a maintenance window: this slot is missed
                continue
            runs.append(
                LiveRun(
                    target_id=target.id,
                    provider_id=target.provider_id,
                    environment_id=target.environment_id,
                    trigger=Trigger.SCHEDULE,
                    trigger_detail=schedule_text(target.schedule),
                    scheduled_for=slot,
                )
            )
        LiveTarget.objects.bulk_update(due, ["next_run_at"])
        created = LiveRun.objects.bulk_create(runs)
        started = len(created)
        runs_enqueue([run.id for run in created])
    return {"due": len(due), "started": started, "skipped": skipped}


# ------------------------------------------------------------------------- claiming


class NotYet(Exception):
    """The run cannot start now (its target is busy, or it waits for a settle delay)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"try again in {seconds:.0f}s")
        self.seconds = seconds


def _claim(run_id: int) -> uuid.UUID | None:
    """Take a queued run when no other run of its target is running; the claim token, or
    None when there is nothing to do. Raises NotYet when it should be tried again later."""
    with transaction.atomic():
        run = LiveRun.objects.filter(id=run_id).only("target_id", "status", "not_before").first()
        if run is None or run.status != Status.QUEUED:
            return None
        # One claimer per target at a time while checking, so two runs never overlap.
        LiveTarget.objects.select_for_update(no_key=True).filter(id=run.target_id).first()
        now = timezone.now()
        if run.not_before and run.not_before > now:
            raise NotYet((run.not_before - now).total_seconds())
        if LiveRun.objects.filter(target_id=run.target_id, status=Status.RUNNING).exists():
            raise NotYet(settings.ACCORD_VERIFICATION_REQUEUE_SECONDS)
        return lease.claim(
            run_id,
            where=Q(status=Status.QUEUED),
            status=Status.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            updated_at=now,
        )


# ------------------------------------------------------------------------- running


@dataclass
class Replayed:
    publication: ContractPublication
    item: planning.PlannedInteraction
    status: str  # LiveOutcome.Status
    mismatches: list[dict] = field(default_factory=list)
    skip_reason: str | None = None


class Pacer:
    """At most `rate` request starts per second: each waits for its slot (a token bucket of one).

    The slots are 2% wider than 1/rate: the engine sends each request a few milliseconds
    after it is started, and not always the same few, so exact spacing here could show as
    one request too many in some second at the provider. 2% leaves 20 ms of slack per second.
    """

    MARGIN = 1.02

    def __init__(self, rate: float) -> None:
        self.spacing = self.MARGIN / rate
        self.next_at = 0.0

    def ready_at(self) -> float:
        """When the next request may start (monotonic clock)."""
        return max(time.monotonic(), self.next_at)

    def wait(self) -> None:
        now = time.monotonic()
        if now < self.next_at:
            time.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.spacing


def deployed_consumer_versions(run: LiveRun) -> list[ContractPublication]:
    """The provider's pacts from every consumer version deployed or released in the environment."""
    deployed = DeployedVersion.objects.filter(environment_id=run.environment_id, undeployed_at__isnull=True)
    released = ReleasedVersion.objects.filter(environment_id=run.environment_id, support_ended_at__isnull=True)
    version_ids = set(deployed.values_list("version_id", flat=True)) | set(
        released.values_list("version_id", flat=True)
    )
    return list(
        ContractPublication.objects.filter(
            provider_id=run.provider_id, is_current=True, consumer_version_id__in=version_ids
        )
        .select_related("contract", "consumer", "consumer_version")
        .order_by("consumer__name", "consumer_version__id")
    )


def provider_version_now(run: LiveRun) -> Version | None:
    """The provider version deployed (or else released) in the environment right now."""
    deployment = (
        DeployedVersion.objects.filter(
            pacticipant_id=run.provider_id, environment_id=run.environment_id, undeployed_at__isnull=True
        )
        .select_related("version")
        .order_by("-created_at")
        .first()
    )
    if deployment:
        return deployment.version
    release = (
        ReleasedVersion.objects.filter(
            pacticipant_id=run.provider_id, environment_id=run.environment_id, support_ended_at__isnull=True
        )
        .select_related("version")
        .order_by("-created_at")
        .first()
    )
    return release.version if release else None


def live_run_execute(*, run_id: int) -> str:
    """Claim and run one live run; returns its status or why nothing happened."""
    try:
        token = _claim(run_id)
    except NotYet as wait:
        runs_enqueue([run_id], countdown=max(wait.seconds, 0.5))
        return "deferred"
    if token is None:
        return "not claimed"
    run = LiveRun.objects.select_related("target", "provider", "environment").get(id=run_id)
    target = run.target
    secrets = credentials.secrets_of(target.auth, target.headers)
    log = [
        f"Live check of {run.provider.name} in {run.environment.name} at {http.redact_url(target.base_url)} "
        f"({run.get_trigger_display().lower()}{': ' + run.trigger_detail if run.trigger_detail else ''}; "
        f"attempt {run.attempts})"
    ]
    try:
        return _run(run, token, log, secrets)
    except LeaseLost:
        logger.warning("live run %s: lease lost, outcomes discarded", run.id)
        return "claim lost"


def _run(run: LiveRun, token: uuid.UUID, log: list[str], secrets: list[str]) -> str:
    try:
        with lease.heartbeat(run.id, token) as beat:
            results = _replay_all(run, run.target, log, secrets, beat)
    except http.OutboundRefused as exc:
        return _end(run, token, Status.ERROR, str(exc), log, secrets)
    except http.OutboundUnavailable as exc:
        return _finish(run, token, [], log, secrets, unreachable=str(exc))
    except credentials.CredentialsFailed as exc:
        return _end(run, token, Status.ERROR, f"authentication: {exc}", log, secrets, auth_problem=str(exc))
    except LeaseLost:
        raise
    except Exception as exc:  # noqa: BLE001 - an unexpected error ends the run, never as passed
        logger.exception("live run %s failed unexpectedly", run.id)
        return _end(run, token, Status.ERROR, http.redact_text(f"{type(exc).__name__}: {exc}", secrets), log, secrets)
    return _finish(run, token, results, log, secrets)


def _replay_all(run: LiveRun, target: LiveTarget, log: list[str], secrets: list[str], beat) -> list[Replayed]:
    policy = http.OutboundPolicy.from_settings()
    vetted = http.vet_target(target.base_url, policy=policy)  # refused or unavailable: raised
    timeout_ms = int(settings.ACCORD_OUTBOUND_READ_TIMEOUT * 1000)
    deadline = time.monotonic() + settings.ACCORD_DRIFT_RUN_TIME_LIMIT_SECONDS
    pacer = Pacer(target.rate_limit_per_second)
    results: list[Replayed] = []
    headers_by_consumer: dict[str, dict[str, str]] = {}
    for publication in deployed_consumer_versions(run):
        consumer = publication.consumer.name
        document = publication.contract.document
        planned = planning.plan(document, methods=target.methods, standing_states=target.standing_states)
        replayable = [p for p in planned if p.replayable]
        log.append(
            f"Pact of {consumer} version {publication.consumer_version.number}: "
            f"{len(replayable)} of {len(planned)} interaction(s) replayable live"
        )
        if replayable and consumer not in headers_by_consumer:
            headers = credentials.request_headers(target.auth, target.headers, consumer)
            if vetted.host_header:
                headers.setdefault("Host", vetted.host_header)
            secrets.extend(http.secret_header_values(headers))
            headers_by_consumer[consumer] = headers
        for item in planned:
            if not item.replayable:
                results.append(Replayed(publication, item, LiveOutcome.Status.SKIPPED, skip_reason=item.skip_reason))
                continue
            if beat.lost.is_set():
                raise LeaseLost(f"live run {run.id}")
            if pacer.ready_at() > deadline:
                reason = f"the run's time limit ({settings.ACCORD_DRIFT_RUN_TIME_LIMIT_SECONDS}s) was reached"
                results.append(Replayed(publication, item, LiveOutcome.Status.SKIPPED, skip_reason=reason))
                continue
            pacer.wait()
            outcome = engine.replay(
                planning.single_interaction_document(document, item.element),
                provider_name=run.provider.name,
                target=engine.Target(vetted.url, None, headers_by_consumer[consumer], timeout_ms),
            )
            mismatches = (
                outcome.interactions[0].mismatches
                if outcome.interactions
                else [{"type": "error", "mismatch": "the engine reported no result for this interaction"}]
            )
            success = bool(outcome.interactions) and outcome.interactions[0].success
            status = planning.classify(success, mismatches)
            results.append(Replayed(publication, item, status, _clean(mismatches, secrets)))
            log.append(f"  {item.method} {item.path} ({item.description}): {status}")
    return results


def _clean(mismatches: list[dict], secrets: list[str]) -> list[dict]:
    """Mismatches as stored: path, expected, actual, description; secrets scrubbed."""
    cleaned = []
    for m in mismatches:
        entry = {
            "type": str(m.get("type", "error")),
            "path": m.get("path"),
            "expected": m.get("expected"),
            "actual": m.get("actual"),
            "description": m.get("mismatch") or m.get("message") or "",
        }
        entry = {k: (http.redact_text(v, secrets) if isinstance(v, str) else v) for k, v in entry.items()}
        cleaned.append({k: v for k, v in entry.items() if v is not None})
    return cleaned


def _status_of(results: list[Replayed]) -> tuple[str, str | None]:
    """The run's status from its outcomes, and the target's authentication problem if any."""
    replayed = [r for r in results if r.status != LiveOutcome.Status.SKIPPED]
    if not replayed:
        return Status.PASSED, None
    counts = {s: sum(1 for r in replayed if r.status == s) for s in LiveOutcome.Status.values}
    if counts["unauthorized"] and counts["unauthorized"] + counts["unreachable"] == len(replayed):
        return Status.ERROR, (
            f"every request was refused with 401/403 ({counts['unauthorized']} of {len(replayed)}): "
            "check the live target's credentials"
        )
    if counts["unreachable"] == len(replayed):
        return Status.UNREACHABLE, None
    if counts["failed"]:
        return Status.DRIFTED, None
    return Status.PASSED, None


def _redacted(log: list[str], secrets: list[str]) -> str:
    return http.redact_text("\n".join(log), secrets)


def _end(
    run: LiveRun, token: uuid.UUID, status: str, error: str, log: list[str], secrets: list[str], auth_problem=None
) -> str:
    log.append(f"Error: {error}")
    now = timezone.now()
    with transaction.atomic():
        lease.hold(run.id, token)
        lease.release(
            run.id, token, status=status, error=http.redact_text(error, secrets), log=_redacted(log, secrets),
            finished_at=now, updated_at=now,
        )  # fmt: skip
        LiveTarget.objects.filter(id=run.target_id).update(
            last_run_at=now,
            last_status=status,
            auth_problem=http.redact_text(auth_problem, secrets) if auth_problem else None,
        )
    return status


def _finish(
    run: LiveRun, token: uuid.UUID, results: list[Replayed], log: list[str], secrets: list[str], unreachable=None
) -> str:
    """Outcomes, the target's state and incident changes in one transaction, while the claim is ours."""
    status, auth_problem = (Status.UNREACHABLE, None) if unreachable else _status_of(results)
    now = timezone.now()
    with transaction.atomic():
        lease.hold(run.id, token)
        target = LiveTarget.objects.select_for_update().select_related("provider", "environment").get(id=run.target_id)
        run.target = target
        paused = in_maintenance(target, now)
        if paused:
            status = Status.CANCELLED
            log.append("The target was paused or entered a maintenance window: no incident changes from this run")
        provider_version = provider_version_now(run)
        LiveOutcome.objects.bulk_create(
            [
                LiveOutcome(
                    run_id=run.id,
                    consumer_id=r.publication.consumer_id,
                    consumer_version_id=r.publication.consumer_version_id,
                    consumer_version_number=r.publication.consumer_version.number,
                    contract_id=r.publication.contract_id,
                    interaction_key=r.item.key,
                    interaction_id=r.item.interaction_id,
                    description=r.item.description,
                    provider_states=r.item.states,
                    method=r.item.method,
                    path=r.item.path,
                    status=r.status,
                    skip_reason=r.skip_reason,
                    mismatches=r.mismatches,
                )
                for r in results
            ]
        )
        replayed = [r for r in results if r.status != LiveOutcome.Status.SKIPPED]
        failed = [r for r in replayed if r.status == LiveOutcome.Status.FAILED]
        log.append(
            f"{len(replayed)} of {len(results)} interaction(s) replayed live: "
            f"{sum(1 for r in replayed if r.status == 'passed')} passed, {len(failed)} failed; run {status}"
        )
        if unreachable:
            log.append(f"Unreachable: {unreachable}")
        lease.release(
            run.id,
            token,
            status=status,
            error=http.redact_text(unreachable or auth_problem or "", secrets) or None,
            log=_redacted(log, secrets),
            finished_at=now,
            updated_at=now,
            provider_version=provider_version,
            provider_version_number=provider_version.number if provider_version else None,
            interactions_total=len(results),
            interactions_replayed=len(replayed),
            interactions_failed=len(failed),
            interactions_skipped=len(results) - len(replayed),
        )
        run.status = status
        run.provider_version = provider_version
        run.provider_version_number = provider_version.number if provider_version else None
        run.finished_at = now
        if not paused:
            _target_after(target, run, status, auth_problem, now)
            if status in (Status.PASSED, Status.DRIFTED):
                incidents.apply_outcomes(run, [r for r in replayed if r.status in ("passed", "failed")], now)
                incidents.resolve_withdrawn(run, {(r.publication.consumer_id, r.item.key) for r in results}, now)
        target.last_run_at, target.last_status = now, status
        target.save()
    return status


def _target_after(target: LiveTarget, run: LiveRun, status: str, auth_problem: str | None, now: datetime) -> None:
    """Reachability and back-off: one unreachable transition (and event) per outage."""
    if status == Status.UNREACHABLE:
        target.unreachable_runs += 1
        parsed = schedule.parse(target.schedule, minimum_seconds=1)
        base = parsed.interval.total_seconds() if parsed.interval else 60.0
        delay = min(base * 2 ** (target.unreachable_runs - 1), settings.ACCORD_DRIFT_BACKOFF_MAX_SECONDS)
        target.backoff_until = now + timedelta(seconds=max(delay, base))
        if target.next_run_at and target.next_run_at < target.backoff_until:
            target.next_run_at = target.backoff_until
        if target.unreachable_since is None:
            target.unreachable_since = now
            incidents.target_unreachable(target, run, now)
        return
    if target.unreachable_since is not None:
        incidents.target_reachable(target, run, now)
    target.unreachable_runs = 0
    target.unreachable_since = None
    target.backoff_until = None
    target.auth_problem = auth_problem


# ------------------------------------------------------------------------- housekeeping


def live_runs_reap() -> dict[str, int]:
    """Runs whose worker died (lease lapsed): re-queue them, or end them in error."""
    reaped = lease.reap(
        max_attempts=settings.ACCORD_DRIFT_MAX_ATTEMPTS,
        gave_up="the worker running this live check stopped (lease expired) too many times",
    )
    runs_enqueue(reaped.requeued + reaped.lost)
    return reaped.counts()


def live_runs_prune(now: datetime | None = None) -> int:
    """Delete finished runs older than the retention period; incidents and transitions stay."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCORD_DRIFT_RUN_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(LiveRun.objects.filter(finished_at__lt=cutoff).values_list("id", flat=True)[:1000])
        if not ids:
            return deleted
        LiveRun.objects.filter(id__in=ids).delete()
        deleted += len(ids)
