"""Reads for pacticipants and labels, shaped so a page of them costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Lower

from contracts.exceptions import NotFound
from contracts.models import DeployedVersion, Label, Pacticipant, Version


@dataclass(frozen=True)
class PacticipantDetail:
    """A pacticipant with what its representation shows besides its own columns."""

    pacticipant: Pacticipant
    latest_version: Version | None
    labels: list[Label]
    # Current deployments, with environment and version loaded.
    deployments: list[DeployedVersion]


def pacticipant_list(*, query: str | None = None, label: str | None = None) -> QuerySet[Pacticipant]:
    """Pacticipants by name (case-insensitive order), optionally filtered by a name substring or a label."""
    pacticipants = Pacticipant.objects.all()
    if query:
        pacticipants = pacticipants.filter(name__icontains=query)
    if label is not None:
        pacticipants = pacticipants.filter(labels__name=label)
    return pacticipants.order_by(Lower("name"), "name")


def pacticipant_by_name(*, name: str, role: str = "pacticipant") -> Pacticipant:
    """The pacticipant with this exact name, or NotFound ("No provider with name ..." for a role)."""
    pacticipant = Pacticipant.objects.filter(name=name).first()
    if pacticipant is None:
        raise NotFound(f"No {role} with name '{name}' found")
    return pacticipant


def first_missing_pacticipant(*names: str) -> str | None:
    """The first of these names no pacticipant has (one query), or None when all exist."""
    found = set(Pacticipant.objects.filter(name__in=names).values_list("name", flat=True))
    return next((name for name in names if name not in found), None)


def pacticipants_by_names(*names: str) -> tuple[Pacticipant, ...]:
    """Several pacticipants in one query, in the order asked; NotFound names the first missing."""
    found = {p.name: p for p in Pacticipant.objects.filter(name__in=names)}
    for name in names:
        if name not in found:
            raise NotFound(f"No pacticipant with name '{name}' found")
    return tuple(found[name] for name in names)


def pacticipant_details(pacticipants: list[Pacticipant]) -> list[PacticipantDetail]:
    """Latest version, labels and current deployments for each pacticipant: three queries in all."""
    ids = [pacticipant.id for pacticipant in pacticipants]
    if not ids:
        return []
    labels: dict[int, list[Label]] = {pid: [] for pid in ids}
    for label in Label.objects.filter(pacticipant_id__in=ids).order_by("name"):
        labels[label.pacticipant_id].append(label)
    # DISTINCT ON (pacticipant_id) with the newest id first: one index scan per pacticipant.
    latest = {
        version.pacticipant_id: version
        for version in Version.objects.filter(pacticipant_id__in=ids)
        .order_by("pacticipant_id", "-id")
        .distinct("pacticipant_id")
    }
    deployments: dict[int, list[DeployedVersion]] = {pid: [] for pid in ids}
    current = (
        DeployedVersion.objects.filter(pacticipant_id__in=ids, undeployed_at__isnull=True)
        .select_related("environment", "version")
        .order_by("environment__name", "target", "id")
    )
    for deployment in current:
        deployments[deployment.pacticipant_id].append(deployment)
    return [
        PacticipantDetail(
            pacticipant=pacticipant,
            latest_version=latest.get(pacticipant.id),
            labels=labels[pacticipant.id],
            deployments=deployments[pacticipant.id],
        )
        for pacticipant in pacticipants
    ]


def pacticipant_detail(*, name: str) -> PacticipantDetail:
    """One pacticipant with its details, or NotFound."""
    return pacticipant_details([pacticipant_by_name(name=name)])[0]


def label_get(*, pacticipant: Pacticipant, name: str) -> Label:
    """The label `name` of a pacticipant, or NotFound."""
    label = Label.objects.filter(pacticipant=pacticipant, name=name).first()
    if label is None:
        raise NotFound(f"No label '{name}' found for pacticipant '{pacticipant.name}'")
    return label


def label_names() -> list[str]:
    """Every label name in use, once each, alphabetically."""
    return list(Label.objects.order_by("name").values_list("name", flat=True).distinct())
