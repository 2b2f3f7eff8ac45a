"""Verification runs: Accord's workers verify a provider build as its CI would.

A run picks pacts exactly as pacts-for-verification does for its selectors, replays
them with the reference engine (verifier/engine.py), and records verification results
into the matrix, as a client publishing results would.

Reliability (ecosystem.md B6 item 5), on the lease mechanism of verifier/leases.py:
- a worker claims a queued run with a conditional UPDATE and a fresh claim token;
- while it works, a heartbeat renews its lease; a run whose lease lapses (the worker
  died) is re-queued by the reaper, or ends in `error` after its attempts: never success;
- results are written in one transaction at the end, and only if the claim is still the
  worker's, so a run executed twice records one set of results;
- a provider that cannot be reached is retried on a schedule; a failing contract is a
  result, not a retry;
- at most ACCORD_VERIFICATION_CONCURRENCY_PER_PROVIDER runs of one provider at a time.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from contracts import access, events
from contracts.events import ContractRequiringVerificationPublished
from contracts.models import Contract, ContractPublication, Pacticipant
from contracts.selectors.for_verification import ForVerificationQuery, VerifiablePact, pacts_for_verification
from contracts.selectors.for_verification_query import for_verification_query
from contracts.services.transactions import atomic_with_retry, rows_where
from contracts.services.verifications import verification_record
from contracts.services.versions import (
    branch_version_add,
    tag_add,
    validate_version_number,
    version_find_or_create,
)
from verifier import engine, http
from verifier.events import VerificationRunFinished, VerifiedPact
from verifier.leases import Lease, LeaseLost
from verifier.models import InteractionResult, VerificationRun, VerificationRunPact, VerificationTarget
from verifier.queue import send_after_commit

logger = logging.getLogger("accord.verification_runs")
Status = VerificationRun.Status
RUN_TASK = "verifier.verification_run"
URL_MAX_LENGTH = VerificationRun._meta.get_field("base_url").max_length

lease = Lease(VerificationRun, seconds=lambda: settings.ACCORD_VERIFICATION_LEASE_SECONDS)


class ProviderUnavailable(Exception):
    """The provider build could not be reached: worth trying again later."""


# ------------------------------------------------------------------------- creating runs


@atomic_with_retry
def verification_run_create(
    *,
    provider: Pacticipant,
    provider_version_number: str,
    base_url: str,
    query: ForVerificationQuery,
    selectors: list[dict],
    state_change_url: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> VerificationRun:
    """Someone asks for a run (POST /verification-runs): queue it, on their behalf."""
    validate_version_number(provider_version_number, "providerVersion")
    access.write(
        "verification_run.create",
        f"{provider.name} {provider_version_number} at {http.url_origin(base_url)}",
        applications=[provider.name],
        details={"providerVersion": provider_version_number, "baseUrl": http.url_origin(base_url)},
    )
    return verification_run_queue(
        provider=provider,
        provider_version_number=provider_version_number,
        base_url=base_url,
        query=query,
        selectors=selectors,
        state_change_url=state_change_url,
        headers=headers,
    )


@atomic_with_retry
def verification_run_queue(
    *,
    provider: Pacticipant,
    provider_version_number: str,
    base_url: str,
    query: ForVerificationQuery,
    selectors: list[dict],
    state_change_url: str | None = None,
    headers: Mapping[str, str] | None = None,
    contract_ids: list[int] | None = None,
    target: VerificationTarget | None = None,
    trigger: str = "api",
) -> VerificationRun:
    """Queue a run (the task is sent once the caller's transaction commits). Called as it is
    for the runs Accord starts itself (a registered target, on a publication).

    The URLs and headers come validated (the API's input, or a target's stored values).
    """
    validate_version_number(provider_version_number, "providerVersion")
    run = VerificationRun.objects.create(
        provider=provider,
        provider_version_number=provider_version_number,
        provider_version_branch=query.provider_version_branch,
        provider_version_tags=list(query.provider_version_tags),
        base_url=base_url,
        state_change_url=state_change_url or None,
        headers=dict(headers or {}),
        consumer_version_selectors=selectors,
        include_pending_status=query.include_pending_status,
        include_wip_pacts_since=query.include_wip_pacts_since.date() if query.include_wip_pacts_since else None,
        contract_ids=contract_ids,
        target=target,
        trigger=trigger,
    )
    runs_enqueue([run.id])
    return run


def runs_enqueue(ids: list[int], countdown: float | None = None) -> None:
    """Send run tasks after the current transaction commits (the reaper re-sends lost ones)."""
    # The queue is read now: the setting may differ at commit time in tests.
    send_after_commit(RUN_TASK, ids, countdown=countdown, queue=settings.ACCORD_VERIFICATION_QUEUE)


def render_target_template(template: str, *, provider_version: str, branch: str | None) -> str:
    return template.replace("${providerVersion}", provider_version).replace("${providerVersionBranch}", branch or "")


def verification_runs_for_publication(event: ContractRequiringVerificationPublished) -> None:
    """Start runs for new content on every registered target of its provider, for each
    provider version that should verify it and has not (the event's provider versions),
    without anyone calling the API. A subscriber of contracts' event (verifier.apps)."""
    publication = event.publication
    targets = rows_where(VerificationTarget, "provider_id = %s AND enabled", [publication.provider_id])
    if not targets:
        return
    for provider_version, _description in event.provider_versions:
        branch = provider_version.branch_versions.order_by("-id").values_list("branch_name", flat=True).first()
        for target in targets:
            pending_already = VerificationRun.objects.filter(
                target=target,
                provider_version_number=provider_version.number,
                contract_ids=[publication.contract_id],
                status__in=[Status.QUEUED, Status.RUNNING],
            ).exists()
            if pending_already:
                continue
            base_url = render_target_template(target.base_url, provider_version=provider_version.number, branch=branch)
            state_change_url = (
                render_target_template(target.state_change_url, provider_version=provider_version.number, branch=branch)
                if target.state_change_url
                else None
            )
            if max(len(base_url), len(state_change_url or "")) > URL_MAX_LENGTH:
                # The consumer's publish must not fail for the provider's template: skip, say why.
                logger.warning(
                    "verification target %r of %s: its URL for version %r is longer than %s characters; no run started",
                    target.name,
                    publication.provider.name,
                    provider_version.number,
                    URL_MAX_LENGTH,
                )
                continue
            verification_run_queue(
                provider=publication.provider,
                provider_version_number=provider_version.number,
                base_url=base_url,
                state_change_url=state_change_url,
                headers=target.headers,
                query=ForVerificationQuery(provider_version_branch=branch),
                selectors=[],
                contract_ids=[publication.contract_id],
                target=target,
                trigger="contract_requiring_verification_published",
            )


# ------------------------------------------------------------------------- claiming


def _claim(run_id: int) -> uuid.UUID | None:
    """Take a queued run if the provider is under its concurrency cap; returns the claim token."""
    with transaction.atomic():
        run = VerificationRun.objects.filter(id=run_id).only("provider_id", "status").first()
        if run is None or run.status != Status.QUEUED:
            return None
        # One claimer per provider at a time while counting, so the cap holds under races.
        Pacticipant.objects.select_for_update(no_key=True).filter(id=run.provider_id).first()
        running = VerificationRun.objects.filter(provider_id=run.provider_id, status=Status.RUNNING).count()
        if running >= settings.ACCORD_VERIFICATION_CONCURRENCY_PER_PROVIDER:
            return None
        now = timezone.now()
        return lease.claim(
            run_id,
            where=Q(status=Status.QUEUED) & ~Q(not_before__gt=now),
            status=Status.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            updated_at=now,
        )


# ------------------------------------------------------------------------- running


def _query(run: VerificationRun) -> ForVerificationQuery:
    body: dict[str, Any] = {
        "consumerVersionSelectors": run.consumer_version_selectors,
        "includePendingStatus": run.include_pending_status,
    }
    if run.provider_version_branch:
        body["providerVersionBranch"] = run.provider_version_branch
    if run.provider_version_tags:
        body["providerVersionTags"] = run.provider_version_tags
    if run.include_wip_pacts_since:
        body["includeWipPactsSince"] = run.include_wip_pacts_since.isoformat()
    return for_verification_query(body)


def _pacts(run: VerificationRun) -> list[VerifiablePact]:
    if run.contract_ids is not None:
        publications = {
            p.contract_id: p
            for p in ContractPublication.objects.filter(contract_id__in=run.contract_ids, is_current=True)
            .select_related("contract", "consumer", "provider", "consumer_version")
            .order_by("contract_id", "-id")
        }
        return [VerifiablePact(publication=p, pending=None) for p in publications.values()]
    pacts = pacts_for_verification(provider=run.provider, query=_query(run))
    # The selectors answer with plain values; a run reads the documents and records the
    # verified publications, so it works on the models.
    models = ContractPublication.objects.select_related("contract", "consumer", "provider", "consumer_version").in_bulk(
        [pact.publication.id for pact in pacts]
    )
    for pact in pacts:
        pact.publication = models[pact.publication.id]
    return pacts


def _target(run: VerificationRun) -> tuple[engine.Target, list[str]]:
    """Vet the URLs through the outbound seam; returns the engine target and secrets to redact."""
    policy = http.OutboundPolicy.from_settings()
    base = http.vet_target(run.base_url, policy=policy)
    headers = dict(run.headers)
    if base.host_header:
        headers.setdefault("Host", base.host_header)
    state = http.vet_target(run.state_change_url, policy=policy).url if run.state_change_url else None
    secrets = http.secret_header_values(run.headers)
    timeout_ms = int(settings.ACCORD_OUTBOUND_READ_TIMEOUT * 1000)
    return engine.Target(base.url, state, headers, timeout_ms), secrets


def _probe(run: VerificationRun) -> None:
    """Is anything answering at the base URL? Any HTTP answer counts; silence is a retry."""
    try:
        http.request("GET", run.base_url, headers=run.headers, secrets=run.headers.values())
    except http.OutboundUnavailable as exc:
        raise ProviderUnavailable(str(exc)) from None


def verification_run_execute(*, run_id: int) -> str:
    """Claim and run one verification run; returns its status or why nothing happened."""
    token = _claim(run_id)
    if token is None:
        _defer_if_capped(run_id)
        return "not claimed"
    run = VerificationRun.objects.select_related("provider").get(id=run_id)
    log: list[str] = [
        f"Verifying {run.provider.name} version {run.provider_version_number} at "
        f"{http.redact_url(run.base_url)} (attempt {run.attempts})"
    ]
    secrets: list[str] = []
    try:
        with lease.heartbeat(run.id, token):
            target, secrets = _target(run)
            _probe(run)
            outcomes = []
            for pact in _pacts(run):
                log.append(
                    f"Pact between {pact.publication.consumer.name} and {run.provider.name} "
                    f"({pact.short_description() or 'selected'}){' [pending]' if pact.pending else ''}"
                )
                outcome = engine.replay(
                    pact.publication.contract.document,
                    provider_name=run.provider.name,
                    target=target,
                    pending=bool(pact.pending),
                )
                if outcome.unreachable:
                    raise ProviderUnavailable(f"the provider stopped answering during {pact.short_description()}")
                log.append(outcome.output)
                outcomes.append((pact, outcome))
        status = _finish(run, token, outcomes, log, secrets)
    except http.OutboundRefused as exc:
        status = _end(run, token, Status.ERROR, str(exc), log, secrets)
    except ProviderUnavailable as exc:
        status = _retry_or_fail(run, token, str(exc), log, secrets)
    except LeaseLost:
        logger.warning("verification run %s: lease lost, results discarded", run.id)
        return "claim lost"
    except Exception as exc:  # noqa: BLE001 - an unexpected error ends the run, never as success
        logger.exception("verification run %s failed unexpectedly", run.id)
        status = _end(run, token, Status.ERROR, f"{type(exc).__name__}: {exc}", log, secrets)
    return status


def _defer_if_capped(run_id: int) -> None:
    """A queued run not claimed because of the concurrency cap (or not due) tries again soon."""
    if VerificationRun.objects.filter(id=run_id, status=Status.QUEUED).exists():
        runs_enqueue([run_id], countdown=settings.ACCORD_VERIFICATION_REQUEUE_SECONDS)


def _redacted(log: list[str], secrets: list[str]) -> str:
    return http.redact_text("\n".join(log), secrets)


def _end(run: VerificationRun, token: uuid.UUID, status: str, error: str, log: list[str], secrets: list[str]) -> str:
    log.append(f"Error: {error}")
    ended = lease.release(
        run.id,
        token,
        status=status,
        error=http.redact_text(error, secrets),
        log=_redacted(log, secrets),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return status if ended else "claim lost"


def _retry_or_fail(run: VerificationRun, token: uuid.UUID, error: str, log: list[str], secrets: list[str]) -> str:
    schedule = settings.ACCORD_VERIFICATION_RETRY_SCHEDULE
    if run.attempts > len(schedule):
        return _end(
            run, token, Status.ERROR, f"provider unreachable after {run.attempts} attempts: {error}", log, secrets
        )
    delay = schedule[run.attempts - 1]
    log.append(f"Provider unreachable ({error}); retrying in {delay}s")
    requeued = lease.release(
        run.id,
        token,
        status=Status.QUEUED,
        not_before=timezone.now() + timedelta(seconds=delay),
        log=_redacted(log, secrets),
        error=http.redact_text(error, secrets),
        updated_at=timezone.now(),
    )
    if requeued:
        runs_enqueue([run.id], countdown=delay)
    return Status.QUEUED if requeued else "claim lost"


def _finish(run: VerificationRun, token: uuid.UUID, outcomes: list, log: list[str], secrets: list[str]) -> str:
    """Record every result in one transaction, only if the claim is still ours."""
    failed_blocking = [pact for pact, outcome in outcomes if not outcome.success and not pact.pending]
    status = Status.FAILED if failed_blocking else Status.SUCCEEDED
    log.append(f"{len(outcomes)} pact(s) verified; {len(failed_blocking)} failed (pending failures do not count)")
    with transaction.atomic():
        lease.hold(run.id, token)
        provider_version, _ = version_find_or_create(pacticipant=run.provider, number=run.provider_version_number)
        if run.provider_version_branch:
            branch_version_add(version=provider_version, branch_name=run.provider_version_branch)
        for tag in run.provider_version_tags:
            tag_add(version=provider_version, name=tag)
        for pact, outcome in outcomes:
            verification = verification_record(
                contract=Contract.objects.get(id=pact.publication.contract_id),
                provider_version_number=run.provider_version_number,
                success=outcome.success,
                test_results=outcome.test_results(),
                verified_by={
                    "implementation": "Accord",
                    "version": settings.ACCORD_VERSION,
                    "clientLanguage": {"name": "accord-verification-run", "testFramework": "pact_ffi"},
                },
                wip=pact.wip,
                pending=pact.pending,
                consumer_version_selectors=[s.metadata() for s in pact.selectors],
                consumer_versions=(pact.publication.consumer_version,),
            )
            run_pact = VerificationRunPact.objects.create(
                run=run,
                contract_id=pact.publication.contract_id,
                short_description=pact.short_description(),
                pending=bool(pact.pending),
                wip=pact.wip,
                success=outcome.success,
                verification=verification,
            )
            InteractionResult.objects.bulk_create(
                [
                    InteractionResult(
                        run_pact=run_pact,
                        interaction_id=item.interaction_id,
                        description=item.description,
                        success=item.success,
                        pending=item.pending,
                        mismatches=item.mismatches,
                    )
                    for item in outcome.interactions
                ]
            )
        lease.release(
            run.id,
            token,
            status=status,
            log=_redacted(log, secrets),
            finished_at=timezone.now(),
            error=None,
            updated_at=timezone.now(),
        )
        run.status = status
        verified = tuple(VerifiedPact(pact.publication, outcome.success) for pact, outcome in outcomes)
        events.emit(VerificationRunFinished(run=run, succeeded=status == Status.SUCCEEDED, pacts=verified))
    return status


def verification_runs_reap() -> dict[str, int]:
    """Runs whose worker died (lease lapsed): re-queue them, or end them in error."""
    reaped = lease.reap(
        max_attempts=settings.ACCORD_VERIFICATION_MAX_ATTEMPTS,
        gave_up="the worker running this verification stopped (lease expired) too many times",
    )
    runs_enqueue(reaped.requeued + reaped.lost)
    return reaped.counts()
