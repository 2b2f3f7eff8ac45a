"""Drift monitoring's figures per integration and environment (what the UI shows).

`GET /drift-stats?provider=&consumer=&environment=&runs=20`. The pass rate is over
interactions, not runs: of this consumer's interactions replayed in the provider's last
`runs` checked runs (passed or drifted; unreachable, error and cancelled runs judged
nothing), the share that passed; unreachable and unauthorized answers and skipped
interactions count neither way. A run-based rate could not be per consumer (a run
replays every consumer deployed there). Mean time to detect is over incidents opened
since the window began, mean time to resolve over incidents resolved since then.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.inputs import Input, Text, Whole, parse
from contracts.api.links import Links
from contracts.api.schema import NULLABLE_STRING, STRING, collection
from contracts.api.timestamps import iso
from drift.api.common import (
    INTEGER,
    NULLABLE_NUMBER,
    NULLABLE_TIMESTAMP,
    environment_link_by,
    pacticipant_link,
    target_links,
)
from drift.selectors import IntegrationFigures, drift_figures

DEFAULT_RUNS = 20
MAX_RUNS = 1000
PASS_RATE_BASIS = "interactions"
PASS_RATE_MEANING = (
    "interactions: of the consumer's interactions replayed in the window's runs, the share that passed; "
    "skipped, unreachable and unauthorized ones count neither way"
)


class StatsQuery(Input):
    """Filters (each by exact name; blank means not given) and the window."""

    provider = Text(required=False, allow_blank=True, help_text="Only this provider")
    consumer = Text(required=False, allow_blank=True, help_text="Only this consumer")
    environment = Text(required=False, allow_blank=True, help_text="Only this environment (by name)")
    runs = Whole(
        required=False,
        min_value=1,
        max_value=MAX_RUNS,
        help_text=f"How many of each target's latest checked runs the figures cover (default {DEFAULT_RUNS})",
    )


def figures_body(figures: IntegrationFigures, links: Links) -> dict:
    """One integration in one environment."""
    body = {
        "consumer": figures.consumer,
        "provider": figures.provider,
        "environment": figures.environment,
        "livePassRate": figures.pass_rate,
        "interactionsPassed": figures.interactions_passed,
        "interactionsFailed": figures.interactions_failed,
        "runsCounted": figures.runs_counted,
        "since": iso(figures.window_since),
        "openIncidents": figures.open_incidents,
        "meanTimeToDetectSeconds": figures.mean_time_to_detect,
        "meanTimeToResolveSeconds": figures.mean_time_to_resolve,
        "lastRunAt": iso(figures.last_run_at),
        "lastStatus": figures.last_status,
        "_links": {
            "pb:consumer": pacticipant_link(links, figures.consumer, "Consumer"),
            "pb:provider": pacticipant_link(links, figures.provider, "Provider"),
            "pb:environment": environment_link_by(links, figures.environment_uuid, figures.environment),
        },
    }
    related = target_links(links, figures.provider, figures.environment)
    if not figures.has_target:  # deleted since: its incidents remain
        related.pop("accord:live-target")
    body["_links"].update(related)
    return body


FIGURES_PROPERTIES = {
    "consumer": STRING,
    "provider": STRING,
    "environment": STRING,
    "livePassRate": {
        **NULLABLE_NUMBER,
        "minimum": 0,
        "maximum": 1,
        "description": "Passed / (passed + failed) replayed interactions in the window; null when none",
    },
    "interactionsPassed": INTEGER,
    "interactionsFailed": INTEGER,
    "runsCounted": INTEGER,
    "since": {**NULLABLE_TIMESTAMP, "description": "When the oldest run of the window was created"},
    "openIncidents": {**INTEGER, "description": "Open or acknowledged incidents"},
    "meanTimeToDetectSeconds": {
        **NULLABLE_NUMBER,
        "description": "Mean time from the preceding deployment to the incident, of incidents opened since `since`",
    },
    "meanTimeToResolveSeconds": {
        **NULLABLE_NUMBER,
        "description": "Mean time from opening to resolution, of incidents resolved since `since`",
    },
    "lastRunAt": NULLABLE_TIMESTAMP,
    "lastStatus": NULLABLE_STRING,
}
FIGURES = {
    "type": "object",
    "properties": {**FIGURES_PROPERTIES, "_links": {"$ref": "#/components/schemas/Links"}},
    "required": [*FIGURES_PROPERTIES, "_links"],
}
STATS = collection("driftStats", FIGURES)
STATS["properties"].update(
    runs={**INTEGER, "description": "How many latest checked runs of each target the figures cover"},
    passRateBasis={"type": "string", "enum": [PASS_RATE_BASIS], "description": PASS_RATE_MEANING},
)
STATS["required"] = [*STATS["required"], "runs", "passRateBasis"]


class DriftStatsApi(BrokerApi):
    """GET the figures of every integration drift monitoring watches (filters by name)."""

    @extend_schema(parameters=[StatsQuery], responses={200: STATS})
    def get(self, request: Request) -> Response:
        query = parse(StatsQuery, request.query_params)
        runs = query.get("runs") or DEFAULT_RUNS
        filters = {key: query[key] for key in ("provider", "consumer", "environment") if query.get(key)}
        figures = drift_figures(runs=runs, **filters)
        links = Links(request)
        return Response(
            {
                "runs": runs,
                "passRateBasis": PASS_RATE_BASIS,
                "_embedded": {"driftStats": [figures_body(each, links) for each in figures]},
                "_links": {
                    "self": {
                        "href": links.route(
                            "drift-stats", query={**filters, **({"runs": runs} if "runs" in query else {})}
                        ),
                        "title": "Drift monitoring figures",
                    }
                },
            }
        )


urlpatterns = [path("drift-stats", DriftStatsApi.as_view(), name="drift-stats")]
