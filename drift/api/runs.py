"""Live runs: start one now, list a target's runs, read one with its outcomes.

A live run is monitoring, not verification: what it found is here and in drift
incidents, never in verification results.
"""

from __future__ import annotations

from itertools import groupby

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.inputs import Empty, parse
from contracts.api.links import Links
from contracts.api.pacticipants import PAGE
from contracts.api.schema import NULLABLE_STRING, STRING, TIMESTAMP, collection, hal
from contracts.api.timestamps import iso
from contracts.exceptions import Conflict
from drift.api.common import (
    INTEGER,
    NULLABLE_TIMESTAMP,
    UUID,
    Paged,
    PagedQuery,
    environment_link,
    pacticipant_link,
)
from drift.models import LiveOutcome, LiveRun
from drift.selectors import live_run_get, live_run_outcomes, live_runs_of, live_target_get
from drift.services.runs import TargetPaused, live_run_request

RUNS_PER_PAGE = 20

# ---------------------------------------------------------------- output


def coverage(run: LiveRun) -> str:
    """What share of the pacts was checked live, in words."""
    noun = "interaction" if run.interactions_total == 1 else "interactions"
    return f"{run.interactions_replayed} of {run.interactions_total} {noun} replayed live"


def run_href(links: Links, run: LiveRun) -> str:
    return links.route("live-run", uuid=run.uuid)


def run_body(run: LiveRun, links: Links, outcomes: list[LiveOutcome] | None = None) -> dict:
    """A run; with `outcomes`, also its log and what happened per consumer version and interaction."""
    provider, environment = run.provider.name, run.environment.name
    body: dict = {
        "uuid": str(run.uuid),
        "provider": provider,
        "environment": environment,
        "status": run.status,
        "trigger": run.trigger,
        "triggerDetail": run.trigger_detail,
        "providerVersion": run.provider_version_number,
        "createdAt": iso(run.created_at),
        "startedAt": iso(run.started_at),
        "finishedAt": iso(run.finished_at),
        "counts": {
            "total": run.interactions_total,
            "replayed": run.interactions_replayed,
            "passed": getattr(run, "passed_count", 0),
            "failed": run.interactions_failed,
            "skipped": run.interactions_skipped,
        },
        "coverage": coverage(run),
        "error": run.error,
        "_links": {
            "self": {"href": run_href(links, run), "title": "Live run"},
            "accord:live-target": links.link(
                "live-target",
                {"provider": provider, "environment": environment},
                title=f"Live target of {provider} in {environment}",
            ),
            "pb:provider": pacticipant_link(links, provider, "Provider"),
            "pb:environment": environment_link(links, run.environment),
        },
    }
    if run.provider_version_id is not None and run.provider_version_number:
        body["_links"]["pb:provider-version"] = links.link(
            "version", {"name": provider, "number": run.provider_version_number}, title="Provider version"
        )
    if outcomes is not None:
        body["log"] = run.log  # redacted by the runner before it was stored
        body["consumers"] = consumers_of(outcomes, links)
    return body


def consumers_of(outcomes: list[LiveOutcome], links: Links) -> list[dict]:
    """Outcomes grouped per consumer version (the selector orders them so)."""
    grouped = []
    for (consumer, version), items in groupby(outcomes, key=lambda o: (o.consumer.name, o.consumer_version_number)):
        grouped.append(
            {
                "consumer": consumer,
                "consumerVersion": version,
                "interactions": [
                    {
                        "description": item.description,
                        "providerStates": item.provider_states,
                        "method": item.method,
                        "path": item.path,
                        "status": item.status,
                        "skipReason": item.skip_reason,
                        "mismatches": item.mismatches,
                    }
                    for item in items
                ],
                "_links": {"pb:consumer": pacticipant_link(links, consumer, "Consumer")},
            }
        )
    return grouped


COUNTS = {
    "type": "object",
    "properties": {name: INTEGER for name in ("total", "replayed", "passed", "failed", "skipped")},
    "required": ["total", "replayed", "passed", "failed", "skipped"],
}
MISMATCH = {
    "type": "object",
    "properties": {"type": STRING, "path": STRING, "expected": {}, "actual": {}, "description": STRING},
}
OUTCOME = {
    "type": "object",
    "properties": {
        "description": STRING,
        "providerStates": {"type": "array", "items": STRING},
        "method": STRING,
        "path": STRING,
        "status": {"type": "string", "enum": list(LiveOutcome.Status.values)},
        "skipReason": NULLABLE_STRING,
        "mismatches": {"type": "array", "items": MISMATCH},
    },
    "required": ["description", "providerStates", "method", "path", "status", "skipReason", "mismatches"],
}
RUN_PROPERTIES = {
    "uuid": UUID,
    "provider": STRING,
    "environment": STRING,
    "status": {"type": "string", "enum": list(LiveRun.Status.values)},
    "trigger": {"type": "string", "enum": list(LiveRun.Trigger.values)},
    "triggerDetail": STRING,
    "providerVersion": NULLABLE_STRING,
    "createdAt": TIMESTAMP,
    "startedAt": NULLABLE_TIMESTAMP,
    "finishedAt": NULLABLE_TIMESTAMP,
    "counts": COUNTS,
    "coverage": {"type": "string", "description": "Like '12 of 30 interactions replayed live'"},
    "error": NULLABLE_STRING,
}
RUN = hal(RUN_PROPERTIES, required=tuple(RUN_PROPERTIES))
RUN_DETAIL_PROPERTIES = {
    **RUN_PROPERTIES,
    "log": {"type": "string", "description": "What the run did; credentials redacted"},
    "consumers": {
        "type": "array",
        "items": hal(
            {"consumer": STRING, "consumerVersion": STRING, "interactions": {"type": "array", "items": OUTCOME}},
            required=("consumer", "consumerVersion", "interactions"),
        ),
    },
}
RUN_DETAIL = hal(RUN_DETAIL_PROPERTIES, required=tuple(RUN_DETAIL_PROPERTIES))
RUNS = collection("liveRuns", RUN, page=PAGE)


# ---------------------------------------------------------------- views


class LiveTargetRunsApi(BrokerApi):
    """GET a target's runs (newest first, paged); POST to start one now."""

    @extend_schema(parameters=[PagedQuery], responses={200: RUNS})
    def get(self, request: Request, provider: str, environment: str) -> Response:
        target = live_target_get(provider_name=provider, environment_name=environment)
        query = parse(PagedQuery, request.query_params)
        paged = Paged(query, RUNS_PER_PAGE)
        runs = paged.apply(live_runs_of(target))
        links = Links(request)
        pair = {"provider": provider, "environment": environment}
        body = {
            "_embedded": {"liveRuns": [run_body(run, links) for run in runs]},
            "_links": {
                "self": links.link("live-target-runs", pair, title=f"Live runs of {provider} in {environment}"),
                "accord:live-target": links.link("live-target", pair, title="Live target"),
            },
        }
        return Response(paged.decorate(body, links, "live-target-runs", pair, {}))

    @extend_schema(request=Empty, responses={202: RUN_DETAIL})
    def post(self, request: Request, provider: str, environment: str) -> Response:
        target = live_target_get(provider_name=provider, environment_name=environment)
        parse(Empty, request.data)  # nothing to read, but a body that is not an object is still refused
        try:
            run = live_run_request(target=target, trigger=LiveRun.Trigger.API, detail="requested through the API")
        except TargetPaused as exc:
            raise Conflict(str(exc)) from None
        links = Links(request)
        body = run_body(live_run_get(uuid=str(run.uuid)), links, outcomes=[])
        return Response(body, status=202, headers={"Location": run_href(links, run)})


class LiveRunApi(BrokerApi):
    """GET one live run: status, counts, coverage, log and the outcome of every interaction."""

    @extend_schema(responses={200: RUN_DETAIL})
    def get(self, request: Request, uuid: str) -> Response:
        run = live_run_get(uuid=uuid)
        return Response(run_body(run, Links(request), outcomes=live_run_outcomes(run)))


urlpatterns = [
    path(
        "pacticipants/<seg:provider>/live-targets/<seg:environment>/runs",
        LiveTargetRunsApi.as_view(),
        name="live-target-runs",
    ),
    path("live-runs/<seg:uuid>", LiveRunApi.as_view(), name="live-run"),
]
