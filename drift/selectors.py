"""Reads of drift monitoring: targets, runs, incidents and their figures."""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Avg, BigIntegerField, Count, F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from contracts.exceptions import NotFound
from contracts.models import Environment, Pacticipant
from drift.models import DriftIncident, DriftTransition, LiveOutcome, LiveRun, LiveTarget

# Runs that checked the contract (replayed what they could and judged it). Unreachable,
# error and cancelled runs say nothing about drift, so they neither count towards a pass
# rate nor take a place among "the last N runs".
CHECKED = (LiveRun.Status.PASSED, LiveRun.Status.DRIFTED)
UNRESOLVED = (DriftIncident.Status.OPEN, DriftIncident.Status.ACKNOWLEDGED)


def live_target(provider_name: str, environment_name: str) -> LiveTarget | None:
    return (
        LiveTarget.objects.select_related("provider", "environment")
        .filter(provider__name=provider_name, environment__name=environment_name)
        .first()
    )


# ---------------------------------------------------------------- targets


def environment_by_name(name: str) -> Environment:
    """The environment with this exact name, or NotFound naming it."""
    environment = Environment.objects.filter(name=name).first()
    if environment is None:
        raise NotFound(f"No environment with name '{name}' found")
    return environment


def provider_and_environment(provider_name: str, environment_name: str) -> tuple[Pacticipant, Environment]:
    """Both, or NotFound naming the one that does not exist (the provider first)."""
    provider = Pacticipant.objects.filter(name=provider_name).first()
    if provider is None:
        raise NotFound(f"No provider with name '{provider_name}' found")
    return provider, environment_by_name(environment_name)


def live_target_get(*, provider_name: str, environment_name: str) -> LiveTarget:
    """The provider's target in the environment, or NotFound naming what is missing."""
    target = live_target(provider_name, environment_name)
    if target is None:
        provider_and_environment(provider_name, environment_name)  # a clearer 404 when either is unknown
        raise NotFound(f"No live target for '{provider_name}' in environment '{environment_name}'")
    return target


def live_targets_list(*, provider_name: str | None = None, environment_name: str | None = None) -> QuerySet:
    """Targets by provider then environment name; unknown names simply match nothing."""
    targets = LiveTarget.objects.select_related("provider", "environment").order_by(
        "provider__name", "environment__name"
    )
    if provider_name:
        targets = targets.filter(provider__name=provider_name)
    if environment_name:
        targets = targets.filter(environment__name=environment_name)
    return targets


# ---------------------------------------------------------------- runs


def _with_passed(runs: QuerySet) -> QuerySet:
    """Runs with `passed_count`: the run row counts replayed and failed, not passed."""
    return runs.annotate(passed_count=Count("outcomes", filter=Q(outcomes__status=LiveOutcome.Status.PASSED)))


def live_runs_of(target: LiveTarget) -> QuerySet:
    """A target's runs, newest first, each with `passed_count`."""
    return _with_passed(
        LiveRun.objects.filter(target=target).select_related("provider", "environment", "target").order_by("-id")
    )


def live_run_get(*, uuid: str) -> LiveRun:
    """A run by uuid (with `passed_count`), or NotFound; a malformed uuid is not found either."""
    try:
        key = uuid_module.UUID(uuid)
    except ValueError:
        raise NotFound(f"No live run {uuid}") from None
    run = _with_passed(LiveRun.objects.select_related("provider", "environment", "target")).filter(uuid=key).first()
    if run is None:
        raise NotFound(f"No live run {uuid}")
    return run


def live_run_outcomes(run: LiveRun) -> list[LiveOutcome]:
    """A run's outcomes by consumer name, consumer version (oldest first), then pact order."""
    return list(
        run.outcomes.select_related("consumer").order_by(
            "consumer__name", "consumer_version_id", "consumer_version_number", "id"
        )
    )


# ---------------------------------------------------------------- incidents


def incidents_list(
    *,
    status: str | None = None,
    provider_name: str | None = None,
    consumer_name: str | None = None,
    environment_name: str | None = None,
) -> QuerySet:
    """Incidents, newest first; each filter by exact name (unknown names match nothing)."""
    incidents = DriftIncident.objects.select_related("consumer", "provider", "environment", "target").order_by(
        "-opened_at", "-id"
    )
    if status:  # validated by the API's query
        incidents = incidents.filter(status=status)
    if provider_name:
        incidents = incidents.filter(provider__name=provider_name)
    if consumer_name:
        incidents = incidents.filter(consumer__name=consumer_name)
    if environment_name:
        incidents = incidents.filter(environment__name=environment_name)
    return incidents


def incident_get(*, uuid: str) -> DriftIncident:
    """An incident by uuid, or NotFound (a malformed uuid included)."""
    try:
        key = uuid_module.UUID(uuid)
    except ValueError:
        raise NotFound(f"No drift incident {uuid}") from None
    incident = (
        DriftIncident.objects.select_related("consumer", "provider", "environment", "target").filter(uuid=key).first()
    )
    if incident is None:
        raise NotFound(f"No drift incident {uuid}")
    return incident


def incident_timeline(incident: DriftIncident) -> list[DriftTransition]:
    """The incident's transitions, oldest first."""
    return list(incident.transitions.order_by("at", "id"))


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class IntegrationFigures:
    """Drift monitoring's figures for one consumer, provider and environment.

    The window is the provider's last N checked runs in the environment (see CHECKED).
    """

    consumer: str
    provider: str
    environment: str
    environment_uuid: uuid_module.UUID
    has_target: bool
    runs_counted: int  # checked runs in the window that replayed or skipped this consumer's pacts
    window_since: datetime | None  # when the oldest run of the window was created
    interactions_passed: int
    interactions_failed: int
    open_incidents: int
    mean_time_to_detect: float | None
    mean_time_to_resolve: float | None
    last_run_at: datetime | None
    last_status: str | None

    @property
    def pass_rate(self) -> float | None:
        """Passed share of this consumer's replayed interactions in the window (None: nothing replayed)."""
        judged = self.interactions_passed + self.interactions_failed
        return round(self.interactions_passed / judged, 4) if judged else None


def _nth_newest_checked_run(field: str, runs: int, **outer: str):
    """A subquery: `field` of the N-th newest checked run of the target (OuterRef names), or of
    its oldest when it has fewer; null when it has none."""
    checked = LiveRun.objects.filter(status__in=CHECKED, **{k: OuterRef(v) for k, v in outer.items()})
    return Coalesce(
        Subquery(checked.order_by("-id").values(field)[runs - 1 : runs]),
        Subquery(checked.order_by("id").values(field)[:1]),
    )


def _names(queryset: QuerySet, prefix: str, *, provider: str | None, environment: str | None) -> QuerySet:
    if provider:
        queryset = queryset.filter(**{f"{prefix}provider__name": provider})
    if environment:
        queryset = queryset.filter(**{f"{prefix}environment__name": environment})
    return queryset


def drift_figures(
    *,
    provider: str | None = None,
    consumer: str | None = None,
    environment: str | None = None,
    runs: int = 20,
    target_ids: list[int] | None = None,
) -> list[IntegrationFigures]:
    """Per (consumer, provider, environment): pass rate over the last `runs` checked runs, open
    incidents, mean times to detect and to resolve (of incidents opened, resp. resolved, since the
    window began), the target's last run. Three aggregate queries, whatever the amount of data.

    An integration shows when the window holds outcomes of its consumer or it has incidents.
    `target_ids` narrows it to those targets' providers and environments (a page of them).
    """
    watched = _names(LiveTarget.objects, "", provider=provider, environment=environment)
    if target_ids is not None:
        watched = watched.filter(id__in=target_ids)
    targets = {
        (row["provider_id"], row["environment_id"]): row
        for row in watched.annotate(window_since=_nth_newest_checked_run("created_at", runs, target_id="pk")).values(
            "provider_id", "environment_id", "last_run_at", "last_status", "window_since"
        )
    }

    # The window: each target's last N checked runs, taken target by target through the
    # (target, -id) index rather than by ranking every run ever kept.
    latest = LiveRun.objects.filter(target_id=OuterRef("pk"), status__in=CHECKED).order_by("-id").values("id")[:runs]
    window = watched.annotate(
        run_id=Func(ArraySubquery(latest), function="unnest", output_field=BigIntegerField())
    ).values("run_id")
    outcomes = LiveOutcome.objects.filter(run_id__in=window)
    if consumer:
        outcomes = outcomes.filter(consumer__name=consumer)
    outcome_rows = outcomes.values(
        "consumer_id",
        "consumer__name",
        "run__provider_id",
        "run__provider__name",
        "run__environment_id",
        "run__environment__name",
        "run__environment__uuid",
    ).annotate(
        passed=Count("id", filter=Q(status=LiveOutcome.Status.PASSED)),
        failed=Count("id", filter=Q(status=LiveOutcome.Status.FAILED)),
        runs_counted=Count("run_id", distinct=True),
    )

    incidents = _names(DriftIncident.objects, "", provider=provider, environment=environment)
    if target_ids is not None:
        incidents = incidents.filter(target_id__in=target_ids)
    if consumer:
        incidents = incidents.filter(consumer__name=consumer)
    # An incident's window is its target's (none once the target is deleted: its runs went with it).
    since = _nth_newest_checked_run("created_at", runs, target_id="target_id")
    incident_rows = incidents.values(
        "consumer_id",
        "consumer__name",
        "provider_id",
        "provider__name",
        "environment_id",
        "environment__name",
        "environment__uuid",
    ).annotate(
        open=Count("id", filter=Q(status__in=UNRESOLVED)),
        detect=Avg("detection_seconds", filter=Q(opened_at__gte=since)),
        resolve=Avg(
            F("resolved_at") - F("opened_at"),
            filter=Q(status=DriftIncident.Status.RESOLVED, resolved_at__gte=since),
        ),
    )

    merged: dict[tuple[int, int, int], dict] = {}
    for row in outcome_rows:
        key = (row["consumer_id"], row["run__provider_id"], row["run__environment_id"])
        merged[key] = {
            "consumer": row["consumer__name"],
            "provider": row["run__provider__name"],
            "environment": row["run__environment__name"],
            "environment_uuid": row["run__environment__uuid"],
            "passed": row["passed"],
            "failed": row["failed"],
            "runs_counted": row["runs_counted"],
        }
    for row in incident_rows:
        key = (row["consumer_id"], row["provider_id"], row["environment_id"])
        entry = merged.setdefault(
            key,
            {
                "consumer": row["consumer__name"],
                "provider": row["provider__name"],
                "environment": row["environment__name"],
                "environment_uuid": row["environment__uuid"],
                "passed": 0,
                "failed": 0,
                "runs_counted": 0,
            },
        )
        entry.update(open=row["open"], detect=row["detect"], resolve=row["resolve"])

    figures = []
    for (_, provider_id, environment_id), entry in merged.items():
        target = targets.get((provider_id, environment_id)) or {}
        resolve: timedelta | None = entry.get("resolve")
        figures.append(
            IntegrationFigures(
                consumer=entry["consumer"],
                provider=entry["provider"],
                environment=entry["environment"],
                environment_uuid=entry["environment_uuid"],
                has_target=bool(target),
                runs_counted=entry["runs_counted"],
                window_since=target.get("window_since"),
                interactions_passed=entry["passed"],
                interactions_failed=entry["failed"],
                open_incidents=entry.get("open", 0),
                mean_time_to_detect=entry.get("detect"),
                mean_time_to_resolve=resolve.total_seconds() if resolve is not None else None,
                last_run_at=target.get("last_run_at"),
                last_status=target.get("last_status"),
            )
        )
    return sorted(figures, key=lambda f: (f.provider, f.environment, f.consumer))


# ---------------------------------------------------------------- per pair, for lists


@dataclass(frozen=True)
class PairDrift:
    """A pair's drift in one environment: 'drifting', 'unreachable', 'passing' or 'unchecked'."""

    environment: str
    status: str


def drift_by_pair(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], list[PairDrift]]:
    """Drift per environment for each (consumer_id, provider_id), in two queries whatever
    the number of pairs (the home page lists a page of integrations with it).

    An environment appears for a pair when the provider has a live target there or the
    pair has an unresolved incident there. Drifting: an unresolved incident of the pair;
    unreachable: the target's last run got no usable answer; passing: its last run
    checked the contract (a drifted run with no incident of this pair is another
    consumer's drift); unchecked: no run yet, or only errors and cancellations.
    """
    if not pairs:
        return {}
    consumer_ids = {consumer for consumer, _ in pairs}
    provider_ids = {provider for _, provider in pairs}
    drifting = set(
        DriftIncident.objects.filter(
            status__in=UNRESOLVED, consumer_id__in=consumer_ids, provider_id__in=provider_ids
        ).values_list("consumer_id", "provider_id", "environment__name")
    )
    targets: dict[int, dict[str, str | None]] = {}
    for provider_id, environment, last_status in LiveTarget.objects.filter(
        provider_id__in=provider_ids, enabled=True
    ).values_list("provider_id", "environment__name", "last_status"):
        targets.setdefault(provider_id, {})[environment] = last_status
    result: dict[tuple[int, int], list[PairDrift]] = {}
    for consumer_id, provider_id in pairs:
        of_provider = targets.get(provider_id, {})
        incident_envs = {env for c, p, env in drifting if (c, p) == (consumer_id, provider_id)}
        statuses = []
        for environment in sorted(set(of_provider) | incident_envs):
            last = of_provider.get(environment)
            if environment in incident_envs:
                status = "drifting"
            elif last == LiveRun.Status.UNREACHABLE:
                status = "unreachable"
            elif last in CHECKED:
                status = "passing"
            else:
                status = "unchecked"
            statuses.append(PairDrift(environment, status))
        result[(consumer_id, provider_id)] = statuses
    return result
