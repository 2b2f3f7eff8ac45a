"""Reads the UI's pages need that no other app offers (the ORM lives here, not in views)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower

from contracts.models import DeployedVersion, Environment, Integration, Label, ReleasedVersion, VerificationStatus
from drift.selectors import PairDrift, drift_by_pair
from ui import keyset

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
    integrations = _filtered(search=search, status=status, label=label, environment=environment)
    found = keyset.page(integrations, SORTS[sort], after_cursor=after, before_cursor=before, size=page_size)
    drift = drift_by_pair([(row.consumer_id, row.provider_id) for row in found.rows])
    return HomePage(
        rows=[HomeRow(row, drift.get((row.consumer_id, row.provider_id), [])) for row in found.rows],
        next_cursor=found.next_cursor,
        previous_cursor=found.previous_cursor,
    )


# ---------------------------------------------------------------- drift and environments pages
# (ui/drift_views.py). Drift's own reads come from drift.selectors; what is here shapes them
# for a page in a bounded number of queries.

from django.db.models import Count, F, Subquery  # noqa: E402

from contracts.models import Pacticipant  # noqa: E402
from drift import selectors as drift_selectors  # noqa: E402
from drift.models import DriftIncident, LiveRun, LiveTarget  # noqa: E402

DRIFT_PAGE_SIZE = 50
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


INCIDENT_KEYS: keyset.Keys = (("opened_at", False), ("id", False))
TARGET_KEYS: keyset.Keys = (("k_provider", True), ("k_environment", True), ("id", True))
RUN_KEYS: keyset.Keys = (("id", False),)


def _incidents(*, status: str, provider: str, consumer: str, environment: str) -> QuerySet:
    incidents = drift_selectors.incidents_list(
        status=status or None,
        provider_name=provider or None,
        consumer_name=consumer or None,
        environment_name=environment or None,
    )
    return incidents if status else incidents.filter(status__in=drift_selectors.UNRESOLVED)


def drift_incidents(
    *,
    status: str = "",
    provider: str = "",
    consumer: str = "",
    environment: str = "",
    after: str = "",
    before: str = "",
    page_size: int | None = None,
) -> keyset.Page:
    """A page of incidents newest first (unresolved ones when no status is given), by
    keyset on (opened_at, id): one query, whatever the number of incidents."""
    incidents = _incidents(status=status, provider=provider, consumer=consumer, environment=environment)
    size = page_size or DRIFT_PAGE_SIZE
    return keyset.page(incidents, INCIDENT_KEYS, after_cursor=after, before_cursor=before, size=size)


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
    *, provider: str = "", environment: str = "", after: str = "", before: str = "", page_size: int | None = None
) -> keyset.Page:
    """A page of live targets by provider and environment name, by keyset, each a TargetRow:
    the targets, their last finished runs, and drift_figures (three queries)."""
    last_finished = LiveRun.objects.filter(target_id=OuterRef("pk"), finished_at__isnull=False).order_by("-id")
    targets = drift_selectors.live_targets_list(
        provider_name=provider or None, environment_name=environment or None
    ).annotate(
        k_provider=F("provider__name"),
        k_environment=F("environment__name"),
        last_run_id=Subquery(last_finished.values("id")[:1]),
    )
    size = page_size or DRIFT_PAGE_SIZE
    found = keyset.page(targets, TARGET_KEYS, after_cursor=after, before_cursor=before, size=size)
    if not found.rows:
        return found
    runs = LiveRun.objects.in_bulk([t.last_run_id for t in found.rows if t.last_run_id])
    rows = {(t.provider.name, t.environment.name): TargetRow(t, runs.get(t.last_run_id)) for t in found.rows}
    for figure in drift_selectors.drift_figures(target_ids=[t.id for t in found.rows]):
        row = rows.get((figure.provider, figure.environment))
        if row is not None:
            row.passed += figure.interactions_passed
            row.failed += figure.interactions_failed
            row.open_incidents += figure.open_incidents
    found.rows = list(rows.values())
    return found


@dataclass
class TargetPage:
    runs: keyset.Page  # of LiveRun, newest first
    incidents: list[DriftIncident]  # unresolved, newest first (TARGET_INCIDENTS at most)
    more_incidents: bool


def drift_target_page(target: LiveTarget, *, runs_before: str = "", runs_after: str = "") -> TargetPage:
    """A page of the target's runs (newest first, by keyset) and its newest unresolved
    incidents: two queries."""
    runs = keyset.page(
        drift_selectors.live_runs_of(target),
        RUN_KEYS,
        after_cursor=runs_after,
        before_cursor=runs_before,
        size=RECENT_RUNS,
    )
    incidents = drift_incidents(provider=target.provider.name, environment=target.environment.name)
    return TargetPage(runs, incidents.rows, incidents.next_cursor is not None)


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
