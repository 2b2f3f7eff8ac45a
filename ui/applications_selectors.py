"""Reads for the application pages: the list of applications and one application's page.

Every read is bounded: a page of applications, a page of versions, the integrations of one
application (capped), and what runs in each environment; each is one query, whatever the
number of versions or integrations in the broker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Lower

from contracts.exceptions import NotFound
from contracts.matrix.details import VersionDetails, version_details
from contracts.models import Branch, DeployedVersion, Environment, Integration, Pacticipant, ReleasedVersion, Version
from ui import keyset
from ui.keyset import BadCursor

PAGE_SIZE = 25
VERSIONS_SHOWN = 20
# An application with more integrations than this is shown with the first ones by name
# and a note; the Home page's search lists them all.
INTEGRATIONS_SHOWN = 200
_NAME_KEYS = (("k_name", True), ("id", True))

__all__ = ["BadCursor"]


@dataclass
class ApplicationListPage:
    rows: list[Pacticipant]  # with `labels` prefetched
    next_cursor: str | None
    previous_cursor: str | None


def application_list(
    *, search: str = "", after: str = "", before: str = "", page_size: int = PAGE_SIZE
) -> ApplicationListPage:
    """One page of applications by name (case-insensitive) with their newest version, by
    keyset: two queries (rows, labels)."""
    # The newest version of each row: one probe of version_latest_idx per row, in the same query.
    newest = Version.objects.filter(pacticipant=OuterRef("pk")).order_by("-id")
    applications = Pacticipant.objects.annotate(
        k_name=Lower("name"),
        latest_version_number=Subquery(newest.values("number")[:1]),
        latest_version_at=Subquery(newest.values("created_at")[:1]),
    )
    if search:
        applications = applications.filter(name__icontains=search)
    found = keyset.page(
        applications,
        _NAME_KEYS,
        after_cursor=after,
        before_cursor=before,
        size=page_size,
        fetch=lambda rows: list(rows.prefetch_related("labels")),
    )
    return ApplicationListPage(found.rows, found.next_cursor, found.previous_cursor)


@dataclass(frozen=True)
class VersionRow:
    version: Version
    details: VersionDetails  # branches, tags, environments it is currently in


@dataclass(frozen=True)
class Running:
    """A version of the application that is live in an environment."""

    kind: str  # "deployed" or "released"
    version_number: str
    instance: str | None  # the application instance of a deployment (None: the only one)
    since: datetime


@dataclass(frozen=True)
class EnvironmentRuns:
    environment: Environment
    running: list[Running]


@dataclass
class ApplicationDetail:
    application: Pacticipant
    labels: list[str]
    versions: list[VersionRow]
    older_cursor: int | None  # the id to pass as `before` for the next (older) versions
    environments: list[EnvironmentRuns]
    as_consumer: list[Integration]
    as_provider: list[Integration]
    integrations_capped: bool
    # The version can-i-deploy is asked about: the main branch head, else the latest version.
    candidate: Version | None
    candidate_source: str


def application_get(*, name: str) -> Pacticipant:
    """The application with this exact name, or NotFound."""
    application = Pacticipant.objects.filter(name=name).first()
    if application is None:
        raise NotFound(f"No application named '{name}'")
    return application


def _versions(application: Pacticipant, before: int | None) -> tuple[list[VersionRow], int | None]:
    """A page of versions, newest (highest id) first, with their details: two queries."""
    versions = Version.objects.filter(pacticipant=application).order_by("-id")
    if before is not None:
        versions = versions.filter(id__lt=before)
    found = list(versions[: VERSIONS_SHOWN + 1])
    older = found[VERSIONS_SHOWN - 1].id if len(found) > VERSIONS_SHOWN else None
    found = found[:VERSIONS_SHOWN]
    details = version_details(version.id for version in found)
    return [VersionRow(version, details[version.id]) for version in found], older


def _environments(application: Pacticipant) -> list[EnvironmentRuns]:
    """Every environment with what of this application is live there: three queries."""
    environments = list(Environment.objects.order_by("-production", "name"))
    running: dict[int, list[Running]] = {environment.id: [] for environment in environments}
    deployed = (
        DeployedVersion.objects.filter(pacticipant=application, undeployed_at__isnull=True)
        .order_by("target", "-created_at")
        .values_list("environment_id", "version__number", "target", "created_at")
    )
    for environment_id, number, target, since in deployed:
        running[environment_id].append(Running("deployed", number, target, since))
    released = (
        ReleasedVersion.objects.filter(pacticipant=application, support_ended_at__isnull=True)
        .order_by("-created_at")
        .values_list("environment_id", "version__number", "created_at")
    )
    for environment_id, number, since in released:
        running[environment_id].append(Running("released", number, None, since))
    return [EnvironmentRuns(environment, running[environment.id]) for environment in environments]


def _candidate(application: Pacticipant) -> tuple[Version | None, str]:
    """The main branch's head when there is one, else the newest version: one or two queries."""
    if application.main_branch:
        branch = (
            Branch.objects.filter(pacticipant=application, name=application.main_branch)
            .select_related("head__version")
            .first()
        )
        if branch is not None and branch.head is not None:
            return branch.head.version, f"the head of its main branch ({application.main_branch})"
    latest = Version.objects.filter(pacticipant=application).order_by("-id").first()
    return latest, "its latest version"


def application_detail(*, name: str, before: int | None = None) -> ApplicationDetail:
    """Everything the application page shows except can-i-deploy: about ten queries."""
    application = application_get(name=name)
    labels = list(application.labels.order_by("name").values_list("name", flat=True))
    versions, older = _versions(application, before)
    integrations = list(
        Integration.objects.filter(Q(consumer=application) | Q(provider=application))
        .select_related("consumer", "provider")
        .order_by(Lower("consumer__name"), Lower("provider__name"))[: INTEGRATIONS_SHOWN + 1]
    )
    capped = len(integrations) > INTEGRATIONS_SHOWN
    integrations = integrations[:INTEGRATIONS_SHOWN]
    candidate, source = _candidate(application)
    return ApplicationDetail(
        application=application,
        labels=labels,
        versions=versions,
        older_cursor=older,
        environments=_environments(application),
        as_consumer=[i for i in integrations if i.consumer_id == application.id],
        as_provider=sorted(
            (i for i in integrations if i.provider_id == application.id), key=lambda i: i.consumer.name.lower()
        ),
        integrations_capped=capped,
        candidate=candidate,
        candidate_source=source,
    )
