"""Drift incidents: list and read them (with their timeline), acknowledge one with a note."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.inputs import Choice, StrictInput, Text, not_blank, parse, single_line
from contracts.api.links import Links
from contracts.api.pacticipants import PAGE
from contracts.api.schema import NULLABLE_STRING, STRING, TIMESTAMP, collection, hal
from contracts.api.timestamps import iso
from contracts.exceptions import Conflict
from drift.api.common import (
    NULLABLE_NUMBER,
    NULLABLE_RUN_REFERENCE,
    NULLABLE_TIMESTAMP,
    RUN_REFERENCE,
    UUID,
    Paged,
    PagedQuery,
    environment_link,
    pacticipant_link,
)
from drift.api.runs import MISMATCH
from drift.models import DriftIncident, DriftTransition
from drift.selectors import incident_get, incident_timeline, incidents_list
from drift.services.incidents import AlreadyResolved, incident_acknowledge

INCIDENTS_PER_PAGE = 100

# ---------------------------------------------------------------- input


class IncidentsQuery(PagedQuery):
    """Filters (each by exact name; blank means not given) and paging."""

    status = Choice(choices=DriftIncident.Status.values, required=False, allow_blank=True)
    provider = Text(required=False, allow_blank=True, help_text="Only this provider's incidents")
    consumer = Text(required=False, allow_blank=True, help_text="Only this consumer's incidents")
    environment = Text(required=False, allow_blank=True, help_text="Only incidents in this environment (by name)")


class AcknowledgeInput(StrictInput):
    """Someone is looking at the incident: what they are doing about it, and who they are."""

    note = Text(max_length=10_000, validators=[not_blank], help_text="What is being done about it")
    by = Text(required=False, allow_null=True, max_length=255, validators=[single_line, not_blank], help_text="Who")


# ---------------------------------------------------------------- output


def _run_reference(links: Links, uuid, exists: bool) -> dict | None:
    """A run named by uuid, with its link while it exists (runs are pruned, incidents kept)."""
    if uuid is None:
        return None
    return {"uuid": str(uuid), "href": links.route("live-run", uuid=uuid) if exists else None}


def incident_href(links: Links, incident: DriftIncident) -> str:
    return links.route("drift-incident", uuid=incident.uuid)


def transition_body(transition: DriftTransition, links: Links) -> dict:
    return {
        "at": iso(transition.at),
        "oldState": transition.old_state,
        "newState": transition.new_state,
        "run": _run_reference(links, transition.run_uuid, transition.run_id is not None),
        "note": transition.note,
        "actor": transition.actor,
    }


def incident_body(incident: DriftIncident, links: Links, timeline: list[DriftTransition] | None = None) -> dict:
    """An incident; with `timeline`, its transitions too."""
    consumer, provider = incident.consumer.name, incident.provider.name
    environment = incident.environment.name
    preceding = None
    if incident.preceding_deployment_at is not None:
        preceding = {"description": incident.preceding_deployment, "at": iso(incident.preceding_deployment_at)}
    body: dict = {
        "uuid": str(incident.uuid),
        "status": incident.status,
        "consumer": consumer,
        "provider": provider,
        "environment": environment,
        "interaction": {
            "description": incident.description,
            "providerStates": incident.provider_states,
            "method": incident.method,
            "path": incident.path,
        },
        "openedAt": iso(incident.opened_at),
        "openedByRun": _run_reference(links, incident.opened_by_run_uuid, incident.opened_by_run_id is not None),
        "mismatches": incident.mismatches,
        "consumerVersion": incident.consumer_version_number,
        "providerVersion": incident.provider_version_number,
        "precedingDeployment": preceding,
        "timeToDetectSeconds": incident.detection_seconds,
        "acknowledgedAt": iso(incident.acknowledged_at),
        "acknowledgedBy": incident.acknowledged_by,
        "acknowledgementNote": incident.acknowledgement_note,
        "resolvedAt": iso(incident.resolved_at),
        "resolvedByRun": _run_reference(links, incident.resolved_by_run_uuid, incident.resolved_by_run_id is not None),
        "_links": {
            "self": {"href": incident_href(links, incident), "title": "Drift incident"},
            "accord:acknowledge": {
                "href": links.route("drift-incident-acknowledge", uuid=incident.uuid),
                "title": "POST {note} to acknowledge",
            },
            "pb:consumer": pacticipant_link(links, consumer, "Consumer"),
            "pb:provider": pacticipant_link(links, provider, "Provider"),
            "pb:environment": environment_link(links, incident.environment),
        },
    }
    if incident.target_id is not None:  # the target may have been deleted since
        body["_links"]["accord:live-target"] = links.link(
            "live-target",
            {"provider": provider, "environment": environment},
            title=f"Live target of {provider} in {environment}",
        )
    if timeline is not None:
        body["timeline"] = [transition_body(transition, links) for transition in timeline]
    return body


INCIDENT_PROPERTIES = {
    "uuid": UUID,
    "status": {"type": "string", "enum": list(DriftIncident.Status.values)},
    "consumer": STRING,
    "provider": STRING,
    "environment": STRING,
    "interaction": {
        "type": "object",
        "properties": {
            "description": STRING,
            "providerStates": {"type": "array", "items": STRING},
            "method": STRING,
            "path": STRING,
        },
        "required": ["description", "providerStates", "method", "path"],
    },
    "openedAt": TIMESTAMP,
    "openedByRun": RUN_REFERENCE,
    "mismatches": {"type": "array", "items": MISMATCH},
    "consumerVersion": STRING,
    "providerVersion": NULLABLE_STRING,
    "precedingDeployment": {
        "anyOf": [
            {
                "type": "object",
                "properties": {"description": STRING, "at": TIMESTAMP},
                "required": ["description", "at"],
            },
            {"type": "null"},
        ]
    },
    "timeToDetectSeconds": NULLABLE_NUMBER,
    "acknowledgedAt": NULLABLE_TIMESTAMP,
    "acknowledgedBy": NULLABLE_STRING,
    "acknowledgementNote": NULLABLE_STRING,
    "resolvedAt": NULLABLE_TIMESTAMP,
    "resolvedByRun": NULLABLE_RUN_REFERENCE,
}
INCIDENT = hal(INCIDENT_PROPERTIES, required=tuple(INCIDENT_PROPERTIES))
TRANSITION = {
    "type": "object",
    "properties": {
        "at": TIMESTAMP,
        "oldState": NULLABLE_STRING,
        "newState": STRING,
        "run": NULLABLE_RUN_REFERENCE,
        "note": NULLABLE_STRING,
        "actor": NULLABLE_STRING,
    },
    "required": ["at", "oldState", "newState", "run", "note", "actor"],
}
INCIDENT_DETAIL_PROPERTIES = {**INCIDENT_PROPERTIES, "timeline": {"type": "array", "items": TRANSITION}}
INCIDENT_DETAIL = hal(INCIDENT_DETAIL_PROPERTIES, required=tuple(INCIDENT_DETAIL_PROPERTIES))
INCIDENTS = collection("driftIncidents", INCIDENT, page=PAGE)


# ---------------------------------------------------------------- views


class DriftIncidentsApi(BrokerApi):
    """GET /drift-incidents[?status=&provider=&consumer=&environment=]: newest first, paged."""

    @extend_schema(parameters=[IncidentsQuery], responses={200: INCIDENTS})
    def get(self, request: Request) -> Response:
        query = parse(IncidentsQuery, request.query_params)
        filters = {key: query[key] for key in ("status", "provider", "consumer", "environment") if query.get(key)}
        paged = Paged(query, INCIDENTS_PER_PAGE)
        incidents = paged.apply(
            incidents_list(
                status=filters.get("status"),
                provider_name=filters.get("provider"),
                consumer_name=filters.get("consumer"),
                environment_name=filters.get("environment"),
            )
        )
        links = Links(request)
        body = {
            "_embedded": {"driftIncidents": [incident_body(incident, links) for incident in incidents]},
            "_links": {"self": {"href": links.route("drift-incidents", query=filters), "title": "Drift incidents"}},
        }
        return Response(paged.decorate(body, links, "drift-incidents", {}, filters))


class DriftIncidentApi(BrokerApi):
    """GET one incident with its timeline (every transition, oldest first)."""

    @extend_schema(responses={200: INCIDENT_DETAIL})
    def get(self, request: Request, uuid: str) -> Response:
        incident = incident_get(uuid=uuid)
        return Response(incident_body(incident, Links(request), timeline=incident_timeline(incident)))


class DriftIncidentAcknowledgeApi(BrokerApi):
    """POST {note, by?}: someone is on it (again: the note is replaced). 409 once resolved."""

    @extend_schema(request=AcknowledgeInput, responses={200: INCIDENT_DETAIL})
    def post(self, request: Request, uuid: str) -> Response:
        incident = incident_get(uuid=uuid)
        values = parse(AcknowledgeInput, request.data)
        try:
            incident = incident_acknowledge(incident=incident, note=values["note"], actor=values.get("by"))
        except AlreadyResolved as exc:
            raise Conflict(str(exc)) from None
        incident = incident_get(uuid=str(incident.uuid))
        return Response(incident_body(incident, Links(request), timeline=incident_timeline(incident)))


urlpatterns = [
    path("drift-incidents", DriftIncidentsApi.as_view(), name="drift-incidents"),
    path("drift-incidents/<seg:uuid>", DriftIncidentApi.as_view(), name="drift-incident"),
    path(
        "drift-incidents/<seg:uuid>/acknowledge",
        DriftIncidentAcknowledgeApi.as_view(),
        name="drift-incident-acknowledge",
    ),
]
