"""Reads the UI's pages need that no other app offers (the ORM lives here, not in views)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower

from contracts.models import DeployedVersion, Environment, Integration, Label, ReleasedVersion, VerificationStatus
from drift.selectors import PairDrift, drift_by_pair

PAGE_SIZE = 25
# Never verified / never published sorts last in a newest-first list.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Each sort: the annotated keys, ascending (True) or descending, ending with the id so the
# order is total (keyset pagination needs that).
SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    "name": (("k_consumer", True), ("k_provider", True), ("id", True)),
    "latest_pact": (("k_pact_at", False), ("id", False)),
    "last_verified": (("k_verified_at", False), ("id", False)),
}
# The statuses a row can have, as contracts defines them (VerificationStatus's docstring).
STATUSES = [status.value for status in VerificationStatus]
SORT_LABELS = {"name": "Name", "latest_pact": "Latest pact", "last_verified": "Last verified"}


class BadCursor(ValueError):
    """A pagination cursor that was not made by this page (edited or truncated)."""


@dataclass
class HomeRow:
    integration: Integration
    drift: list[PairDrift] = field(default_factory=list)


@dataclass
class HomePage:
    rows: list[HomeRow]
    next_cursor: str | None
    previous_cursor: str | None


@dataclass(frozen=True)
class HomeOptions:
    """What the filters offer: every label and environment name (two queries)."""

    labels: list[str]
    environments: list[str]


def home_options() -> HomeOptions:
    labels = list(Label.objects.order_by("name").values_list("name", flat=True).distinct())
    environments = list(Environment.objects.order_by("name").values_list("name", flat=True))
    return HomeOptions(labels, environments)


def _in_environment(name: str, side: str) -> Q:
    """The pacticipant on `side` has a version deployed (not undeployed) or released
    (still supported) in the environment."""
    deployed = DeployedVersion.objects.filter(
        pacticipant_id=OuterRef(f"{side}_id"), environment__name=name, undeployed_at__isnull=True
    )
    released = ReleasedVersion.objects.filter(
        pacticipant_id=OuterRef(f"{side}_id"), environment__name=name, support_ended_at__isnull=True
    )
    return Q(Exists(deployed)) | Q(Exists(released))


def _filtered(*, search: str, status: str, label: str, environment: str) -> QuerySet:
    integrations = Integration.objects.select_related("consumer", "provider").annotate(
        k_consumer=Lower("consumer__name"),
        k_provider=Lower("provider__name"),
        k_pact_at=Coalesce("latest_publication_at", Value(_EPOCH)),
        k_verified_at=Coalesce("latest_verification_at", Value(_EPOCH)),
    )
    if search:
        integrations = integrations.filter(Q(consumer__name__icontains=search) | Q(provider__name__icontains=search))
    if status:
        integrations = integrations.filter(verification_status=status)
    if label:
        integrations = integrations.filter(
            Q(Exists(Label.objects.filter(pacticipant_id=OuterRef("consumer_id"), name=label)))
            | Q(Exists(Label.objects.filter(pacticipant_id=OuterRef("provider_id"), name=label)))
        )
    if environment:
        integrations = integrations.filter(
            _in_environment(environment, "consumer") | _in_environment(environment, "provider")
        )
    return integrations


def _after(keys: tuple[tuple[str, bool], ...], values: list, *, forward: bool) -> Q:
    """Rows strictly after `values` in the sort order (before it when not `forward`):
    (a > x) or (a = x and b > y) or ..., each comparison flipped for descending keys."""
    condition = Q()
    for i, (key, ascending) in enumerate(keys):
        lookup = "gt" if ascending == forward else "lt"
        step = Q(**{f"{key}__{lookup}": values[i]})
        for j in range(i):
            step &= Q(**{keys[j][0]: values[j]})
        condition |= step
    return condition


def _encode(row: Integration, keys: tuple[tuple[str, bool], ...]) -> str:
    values = [getattr(row, key) for key, _ in keys]
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, keys: tuple[tuple[str, bool], ...]) -> list:
    """The key values a cursor holds, typed like the keys; BadCursor when it is not one of ours."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list) or len(plain) != len(keys):
            raise BadCursor(cursor)
        values = []
        for (key, _), value in zip(keys, plain, strict=True):
            if key == "id":
                if not isinstance(value, int):
                    raise BadCursor(cursor)
                values.append(value)
            elif key.endswith("_at"):
                values.append(datetime.fromisoformat(value))
            elif isinstance(value, str):
                values.append(value)
            else:
                raise BadCursor(cursor)
        return values
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError) as error:
        raise BadCursor(cursor) from error


def home_page(
    *,
    search: str = "",
    status: str = "",
    label: str = "",
    environment: str = "",
    sort: str = "name",
    after: str = "",
    before: str = "",
    page_size: int = PAGE_SIZE,
) -> HomePage:
    """One page of integrations from their summaries, by keyset (no OFFSET): one query for
    the rows and two for their drift, whatever the number of integrations."""
    keys = SORTS[sort]
    integrations = _filtered(search=search, status=status, label=label, environment=environment)
    forward = not before
    order = [key if ascending == forward else f"-{key}" for key, ascending in keys]
    if after or before:
        integrations = integrations.filter(_after(keys, _decode(after or before, keys), forward=forward))
    found = list(integrations.order_by(*order)[: page_size + 1])
    more = len(found) > page_size
    found = found[:page_size]
    if not forward:
        found.reverse()
    # A further page exists beyond the fetched one; the other side exists when we came from it.
    has_next = more if forward else True
    has_previous = bool(after) if forward else more
    drift = drift_by_pair([(row.consumer_id, row.provider_id) for row in found])
    return HomePage(
        rows=[HomeRow(row, drift.get((row.consumer_id, row.provider_id), [])) for row in found],
        next_cursor=_encode(found[-1], keys) if found and has_next else None,
        previous_cursor=_encode(found[0], keys) if found and has_previous else None,
    )


# ---------------------------------------------------------------- drift and environments pages
# (ui/drift_views.py). Drift's own reads come from drift.selectors; what is here shapes them
# for a page in a bounded number of queries.

from django.db.models import Count, Subquery  # noqa: E402

from contracts.models import Pacticipant  # noqa: E402
from drift import selectors as drift_selectors  # noqa: E402
from drift.models import DriftIncident, LiveRun, LiveTarget  # noqa: E402

DRIFT_LIST_LIMIT = 100
RECENT_RUNS = 20
# The overview's status filter: unresolved (open and acknowledged) when none is chosen.
INCIDENT_STATUSES = [status.value for status in DriftIncident.Status]


@dataclass(frozen=True)
class DriftOptions:
    """What the drift filters offer (three queries): environments, providers with a live
    target or an incident, consumers with an incident."""

    environments: list[str]
    providers: list[str]
    consumers: list[str]


def drift_options() -> DriftOptions:
    environments = list(Environment.objects.order_by("name").values_list("name", flat=True))
    providers = Pacticipant.objects.filter(
        Q(Exists(LiveTarget.objects.filter(provider_id=OuterRef("pk"))))
        | Q(Exists(DriftIncident.objects.filter(provider_id=OuterRef("pk"))))
    )
    consumers = Pacticipant.objects.filter(Exists(DriftIncident.objects.filter(consumer_id=OuterRef("pk"))))
    return DriftOptions(
        environments,
        list(providers.order_by("name").values_list("name", flat=True)),
        list(consumers.order_by("name").values_list("name", flat=True)),
    )


def drift_incidents(
    *, status: str = "", provider: str = "", consumer: str = "", environment: str = "", limit: int = DRIFT_LIST_LIMIT
) -> tuple[list[DriftIncident], bool]:
    """Incidents newest first (unresolved ones when no status is given), at most `limit`,
    and whether there are more. One query."""
    incidents = drift_selectors.incidents_list(
        status=status or None,
        provider_name=provider or None,
        consumer_name=consumer or None,
        environment_name=environment or None,
    )
    if not status:
        incidents = incidents.filter(status__in=drift_selectors.UNRESOLVED)
    found = list(incidents[: limit + 1])
    return found[:limit], len(found) > limit


@dataclass
class TargetRow:
    """A live target with its last finished run (for its coverage), its live pass rate
    (drift_figures' window) and its unresolved incidents."""

    target: LiveTarget
    last_run: LiveRun | None
    passed: int = 0
    failed: int = 0
    open_incidents: int = 0

    @property
    def pass_rate(self) -> float | None:
        judged = self.passed + self.failed
        return self.passed / judged if judged else None


def drift_target_rows(
    *, provider: str = "", environment: str = "", limit: int = DRIFT_LIST_LIMIT
) -> tuple[list[TargetRow], bool]:
    """Live targets by provider and environment name, at most `limit`, and whether there
    are more: the targets, their last finished runs, and drift_figures (three queries)."""
    last_finished = LiveRun.objects.filter(target_id=OuterRef("pk"), finished_at__isnull=False).order_by("-id")
    targets = drift_selectors.live_targets_list(
        provider_name=provider or None, environment_name=environment or None
    ).annotate(last_run_id=Subquery(last_finished.values("id")[:1]))
    found = list(targets[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    if not found:
        return [], more
    runs = LiveRun.objects.in_bulk([t.last_run_id for t in found if t.last_run_id])
    rows = {(t.provider.name, t.environment.name): TargetRow(t, runs.get(t.last_run_id)) for t in found}
    for figure in drift_selectors.drift_figures(provider=provider or None, environment=environment or None):
        row = rows.get((figure.provider, figure.environment))
        if row is not None:
            row.passed += figure.interactions_passed
            row.failed += figure.interactions_failed
            row.open_incidents += figure.open_incidents
    return list(rows.values()), more


def drift_target_page(target: LiveTarget) -> tuple[list[LiveRun], list[DriftIncident]]:
    """A target's recent runs (newest first) and unresolved incidents: two queries."""
    runs = list(drift_selectors.live_runs_of(target)[:RECENT_RUNS])
    incidents, _ = drift_incidents(provider=target.provider.name, environment=target.environment.name)
    return runs, incidents


@dataclass
class EnvironmentApplication:
    """One application in one environment: its current deployments (one per instance),
    its supported releases, and, as a provider, its live target and unresolved incidents."""

    name: str
    deployed: list[DeployedVersion] = field(default_factory=list)
    released: list[ReleasedVersion] = field(default_factory=list)
    target: LiveTarget | None = None
    open_incidents: int = 0


@dataclass
class EnvironmentSummary:
    environment: Environment
    applications: list[EnvironmentApplication]
    open_incidents: int
    targets: list[LiveTarget]


def environments_overview() -> list[EnvironmentSummary]:
    """Every environment, production ones first, with what runs there and its drift health:
    five queries whatever the number of environments and applications."""
    environments = list(Environment.objects.order_by("-production", "name"))
    apps: dict[int, dict[str, EnvironmentApplication]] = {env.id: {} for env in environments}

    def app(environment_id: int, name: str) -> EnvironmentApplication:
        return apps[environment_id].setdefault(name, EnvironmentApplication(name))

    for deployed in (
        DeployedVersion.objects.filter(undeployed_at__isnull=True)
        .select_related("pacticipant", "version")
        .order_by("pacticipant__name", Coalesce("target", Value("")), "id")
    ):
        app(deployed.environment_id, deployed.pacticipant.name).deployed.append(deployed)
    for released in (
        ReleasedVersion.objects.filter(support_ended_at__isnull=True)
        .select_related("pacticipant", "version")
        .order_by("pacticipant__name", "-created_at", "-id")
    ):
        app(released.environment_id, released.pacticipant.name).released.append(released)
    targets: dict[int, list[LiveTarget]] = {}
    for target in LiveTarget.objects.select_related("provider").order_by("provider__name"):
        targets.setdefault(target.environment_id, []).append(target)
        app(target.environment_id, target.provider.name).target = target
    open_by_env: dict[int, int] = {}
    for row in (
        DriftIncident.objects.filter(status__in=drift_selectors.UNRESOLVED)
        .values("environment_id", "provider__name")
        .annotate(n=Count("id"))
    ):
        open_by_env[row["environment_id"]] = open_by_env.get(row["environment_id"], 0) + row["n"]
        app(row["environment_id"], row["provider__name"]).open_incidents += row["n"]
    return [
        EnvironmentSummary(
            env,
            sorted(apps[env.id].values(), key=lambda a: a.name.lower()),
            open_by_env.get(env.id, 0),
            targets.get(env.id, []),
        )
        for env in environments
    ]
