"""Counts of everything the broker stores, for `GET /metrics` and its Prometheus exposition.

Cost: the number of statements is fixed (one or two per table, plus one per count other
apps register in `contracts.metrics`), whatever the data. Each statement, though, reads
its whole table: PostgreSQL keeps no row counts, so `count(*)` is a sequential or
index-only scan, and the distinct counts and distributions sort or hash every row. On a
broker with millions of versions or verification results one call takes from hundreds of
milliseconds to seconds (the statement timeout still applies), so scrape it every minute
or so, not every few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from contracts.metrics import CountSource, registered_counts
from contracts.models import (
    BranchVersion,
    Contract,
    ContractPublication,
    DeployedVersion,
    Environment,
    Integration,
    Pacticipant,
    ReleasedVersion,
    Tag,
    Verification,
    Version,
)
from contracts.reading import read_rows


@dataclass(frozen=True)
class RegisteredCount:
    """The count of one model another app registered, split by its `by` field when it has one."""

    source: CountSource
    total: int
    by: dict[str, int]


@dataclass(frozen=True)
class BrokerMetrics:
    """What GET /metrics reports; distributions map "how many" to "how often"."""

    latest_interactions: int
    latest_messages: int
    pacticipants: int
    pacticipants_with_main_branch: int
    integrations: int
    publications: int
    publications_first: datetime | None
    publications_last: datetime | None
    pact_versions: int
    revisions_per_consumer_version: dict[int, int]
    verifications: int
    verification_successes: int
    verification_failures: int
    verifications_distinct: int
    verifications_first: datetime | None
    verifications_last: datetime | None
    verifications_per_pact_version: dict[int, int]
    versions: int
    versions_with_branch: int
    versions_with_user_created_branch: int
    tags: int
    tag_names: int
    tag_names_per_pacticipant: int
    environments: int
    deployed_versions: int
    deployed_versions_user_created: int
    deployed_versions_current: int
    released_versions: int
    released_versions_supported: int
    registered: list[RegisteredCount]


def _latest_pact_counts() -> dict[str, int]:
    """Interactions and messages in the latest pact of each consumer/provider pair."""
    latest = (
        ContractPublication.objects.filter(is_current=True)
        .order_by("consumer_id", "provider_id", "-consumer_version_id")
        .distinct("consumer_id", "provider_id")
        .values("contract_id")
    )
    return Contract.objects.filter(id__in=latest).aggregate(
        interactions=Coalesce(Sum("interactions_count"), 0), messages=Coalesce(Sum("messages_count"), 0)
    )


def _verifications_per_pact_version() -> dict[int, int]:
    """{n: how many pact contents have exactly n verification results} (one statement)."""
    table = Verification._meta.db_table
    # A count of counts: the ORM cannot aggregate over an aggregate, SQL can.
    sql = (
        f"SELECT per_content, count(*) FROM (SELECT count(*) AS per_content FROM {table} "  # noqa: S608 - our table name
        "GROUP BY contract_id) AS counts GROUP BY per_content ORDER BY per_content"
    )
    return dict(read_rows(Verification, sql))


def _registered(source: CountSource) -> RegisteredCount:
    rows = source.model._default_manager.all()
    if source.by is None:
        return RegisteredCount(source=source, total=rows.count(), by={})
    by = dict.fromkeys(source.by_values, 0)
    for value, count in rows.values(source.by).annotate(n=Count("pk")).order_by().values_list(source.by, "n"):
        by[str(value)] = count
    return RegisteredCount(source=source, total=sum(by.values()), by=by)


def broker_metrics() -> BrokerMetrics:
    """Every count GET /metrics shows, in a fixed number of statements (see the module docstring)."""
    latest = _latest_pact_counts()
    pacticipants = Pacticipant.objects.aggregate(
        count=Count("id"), with_main_branch=Count("id", filter=Q(main_branch__isnull=False))
    )
    publications = ContractPublication.objects.aggregate(
        count=Count("id"), first=Min("created_at"), last=Max("created_at")
    )
    # The current revision's number is how many revisions its consumer version published.
    revisions = (
        ContractPublication.objects.filter(is_current=True)
        .values("revision")
        .annotate(n=Count("id"))
        .order_by("revision")
        .values_list("revision", "n")
    )
    verifications = Verification.objects.aggregate(
        count=Count("id"),
        successes=Count("id", filter=Q(success=True)),
        failures=Count("id", filter=Q(success=False)),
        first=Min("created_at"),
        last=Max("created_at"),
    )
    on_branch = BranchVersion.objects.filter(version=OuterRef("pk"))
    versions = Version.objects.aggregate(
        count=Count("id"),
        with_branch=Count("id", filter=Exists(on_branch)),
        with_user_created_branch=Count("id", filter=Exists(on_branch.filter(auto_created=False))),
    )
    tags = Tag.objects.aggregate(count=Count("id"), names=Count("name", distinct=True))
    deployed = DeployedVersion.objects.aggregate(
        count=Count("id"),
        user_created=Count("id", filter=Q(auto_created=False)),
        current=Count("id", filter=Q(undeployed_at__isnull=True)),
    )
    released = ReleasedVersion.objects.aggregate(
        count=Count("id"), supported=Count("id", filter=Q(support_ended_at__isnull=True))
    )
    return BrokerMetrics(
        latest_interactions=latest["interactions"],
        latest_messages=latest["messages"],
        pacticipants=pacticipants["count"],
        pacticipants_with_main_branch=pacticipants["with_main_branch"],
        integrations=Integration.objects.count(),
        publications=publications["count"],
        publications_first=publications["first"],
        publications_last=publications["last"],
        pact_versions=Contract.objects.count(),
        revisions_per_consumer_version=dict(revisions),
        verifications=verifications["count"],
        verification_successes=verifications["successes"],
        verification_failures=verifications["failures"],
        verifications_distinct=Verification.objects.values("provider_version_id", "contract_id", "success")
        .distinct()
        .count(),
        verifications_first=verifications["first"],
        verifications_last=verifications["last"],
        verifications_per_pact_version=_verifications_per_pact_version(),
        versions=versions["count"],
        versions_with_branch=versions["with_branch"],
        versions_with_user_created_branch=versions["with_user_created_branch"],
        tags=tags["count"],
        tag_names=tags["names"],
        tag_names_per_pacticipant=Tag.objects.values("name", "pacticipant_id").distinct().count(),
        environments=Environment.objects.count(),
        deployed_versions=deployed["count"],
        deployed_versions_user_created=deployed["user_created"],
        deployed_versions_current=deployed["current"],
        released_versions=released["count"],
        released_versions_supported=released["supported"],
        registered=[_registered(source) for source in registered_counts()],
    )
