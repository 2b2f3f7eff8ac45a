"""Reads of the network page: every application and integration as ids and names, in a
handful of queries whatever the size of the system (the page draws all of them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from contracts.models import DeployedVersion, Integration, Label, Pacticipant, ReleasedVersion
from drift.models import DriftIncident
from drift.selectors import UNRESOLVED
from ui.network_graph import Edge


@dataclass(frozen=True)
class NetworkData:
    """The applications (names), the integrations between them, the applications a
    filter picked (None: no filter) and the providers with an unresolved drift incident."""

    names: list[str]
    edges: list[Edge]
    matched: set[str] | None
    drifting: set[str]


def network_data(*, label: str = "", environment: str = "") -> NetworkData:
    """Two queries for the system (applications; integrations as ids and status), one for
    drift, and one more when a label or environment filters the applications."""
    names = dict(Pacticipant.objects.order_by("name").values_list("id", "name"))
    drifting_pairs = set(DriftIncident.objects.filter(status__in=UNRESOLVED).values_list("consumer_id", "provider_id"))
    edges = [
        Edge(names[consumer], names[provider], status, (consumer, provider) in drifting_pairs)
        for consumer, provider, status in Integration.objects.values_list(
            "consumer_id", "provider_id", "verification_status"
        )
    ]
    matched = None
    if label or environment:
        picked = Pacticipant.objects.all()
        if label:
            picked = picked.filter(Exists(Label.objects.filter(pacticipant_id=OuterRef("id"), name=label)))
        if environment:
            deployed = DeployedVersion.objects.filter(
                pacticipant_id=OuterRef("id"), environment__name=environment, undeployed_at__isnull=True
            )
            released = ReleasedVersion.objects.filter(
                pacticipant_id=OuterRef("id"), environment__name=environment, support_ended_at__isnull=True
            )
            picked = picked.filter(Q(Exists(deployed)) | Q(Exists(released)))
        matched = set(picked.values_list("name", flat=True))
    return NetworkData(
        names=list(names.values()),
        edges=edges,
        matched=matched,
        drifting={names[provider] for _, provider in drifting_pairs if provider in names},
    )
