"""API views: `GET /metrics`, the Pact Broker's JSON counts, and the same counts for Prometheus.

A Prometheus scraper asking `/metrics` for `text/plain; version=0.0.4` or
`application/openmetrics-text` gets the text exposition; `/metrics/prometheus` always
answers with it, for scrapers that cannot set headers. Counts of other apps' rows
arrive through the `contracts.metrics` registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.hal import HAL_JSON
from contracts.api.negotiation import preferred_media_type
from contracts.api.schema import hal
from contracts.api.timestamps import iso
from contracts.selectors.metrics import BrokerMetrics, broker_metrics

TEXT_PLAIN = "text/plain"
OPENMETRICS = "application/openmetrics-text"
CONTENT_TYPES = {
    TEXT_PLAIN: "text/plain; version=0.0.4; charset=utf-8",
    OPENMETRICS: "application/openmetrics-text; version=1.0.0; charset=utf-8",
}
PREFIX = "accord_"


def _distribution(counts: dict[int, int]) -> dict:
    return {"distribution": {str(key): value for key, value in sorted(counts.items())}}


def metrics_body(m: BrokerMetrics) -> dict:
    """The Pact Broker's /metrics shape, plus the counts other apps registered."""
    body: dict = {
        "interactions": {
            "latestInteractionsCount": m.latest_interactions,
            "latestMessagesCount": m.latest_messages,
            "latestInteractionsAndMessagesCount": m.latest_interactions + m.latest_messages,
        },
        "pacticipants": {"count": m.pacticipants, "withMainBranchSetCount": m.pacticipants_with_main_branch},
        "integrations": {"count": m.integrations},
        "pactPublications": {
            "count": m.publications,
            "first": iso(m.publications_first),
            "last": iso(m.publications_last),
        },
        "pactVersions": {"count": m.pact_versions},
        "pactRevisionsPerConsumerVersion": _distribution(m.revisions_per_consumer_version),
        "verificationResults": {
            "count": m.verifications,
            "successCount": m.verification_successes,
            "failureCount": m.verification_failures,
            "distinctCount": m.verifications_distinct,
            "first": iso(m.verifications_first),
            "last": iso(m.verifications_last),
        },
        "verificationResultsPerPactVersion": _distribution(m.verifications_per_pact_version),
        "pacticipantVersions": {
            "count": m.versions,
            "withUserCreatedBranchCount": m.versions_with_user_created_branch,
            "withBranchCount": m.versions_with_branch,
            "withBranchSetCount": m.versions_with_branch,  # upstream's older name for the same count
        },
        "tags": {
            "count": m.tags,
            "distinctCount": m.tag_names,
            "distinctWithPacticipantCount": m.tag_names_per_pacticipant,
        },
        # The Pact Broker reports -1: a count of matrix rows means nothing and costs a lot.
        "matrix": {"count": -1},
        "environments": {"count": m.environments},
        "deployedVersions": {
            "count": m.deployed_versions,
            "userCreatedCount": m.deployed_versions_user_created,
            "currentlyDeployedCount": m.deployed_versions_current,
        },
        "releasedVersions": {"count": m.released_versions, "currentlySupportedCount": m.released_versions_supported},
    }
    for registered in m.registered:
        entry: dict = {"count": registered.total}
        if registered.source.by is not None:
            entry["by" + registered.source.by[:1].upper() + registered.source.by[1:]] = registered.by
        body[registered.source.key] = entry
    return body


# --- Prometheus text exposition ----------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """One metric family: a name (without `_total`), its type, help text and samples."""

    name: str
    kind: str  # "gauge" or "counter"
    help: str
    samples: list[tuple[dict[str, str], int]]


def _one(name: str, help: str, value: int, kind: str = "gauge") -> Family:
    return Family(name, kind, help, [({}, value)])


def _families(m: BrokerMetrics) -> list[Family]:
    """The counts as metric families. Rows that are only ever added are counters (a
    deletion reads as a counter reset); the rest are gauges."""
    families = [
        _one("pacticipants", "Pacticipants (applications that take part in contracts).", m.pacticipants),
        _one("pacticipants_with_main_branch", "Pacticipants with a main branch set.", m.pacticipants_with_main_branch),
        _one("integrations", "Consumer/provider pairs that have exchanged a contract.", m.integrations),
        _one("pact_publications", "Pact publications stored, every revision.", m.publications, "counter"),
        _one("pact_versions", "Distinct pact contents stored.", m.pact_versions),
        _one("latest_pact_interactions", "HTTP interactions in the latest pact of each pair.", m.latest_interactions),
        _one("latest_pact_messages", "Messages in the latest pact of each pair.", m.latest_messages),
        Family(
            "verification_results",
            "counter",
            "Verification results published, by result.",
            [({"result": "success"}, m.verification_successes), ({"result": "failure"}, m.verification_failures)],
        ),
        _one(
            "verification_results_distinct",
            "Distinct (provider version, pact content, result) verification results.",
            m.verifications_distinct,
        ),
        _one("pacticipant_versions", "Pacticipant versions.", m.versions),
        _one(
            "pacticipant_versions_with_branch", "Pacticipant versions on at least one branch.", m.versions_with_branch
        ),
        _one("tags", "Tags on pacticipant versions.", m.tags),
        _one("environments", "Environments.", m.environments),
        Family(
            "deployed_versions",
            "gauge",
            "Deployments recorded, by whether the version is still deployed.",
            [
                ({"currently_deployed": "true"}, m.deployed_versions_current),
                ({"currently_deployed": "false"}, m.deployed_versions - m.deployed_versions_current),
            ],
        ),
        Family(
            "released_versions",
            "gauge",
            "Releases recorded, by whether the release is still supported.",
            [
                ({"currently_supported": "true"}, m.released_versions_supported),
                ({"currently_supported": "false"}, m.released_versions - m.released_versions_supported),
            ],
        ),
    ]
    for registered in m.registered:
        source = registered.source
        kind = "counter" if source.counter else "gauge"
        if source.by is None:
            families.append(_one(source.metric_name, source.help, registered.total, kind))
        else:
            samples = [({source.by: value}, count) for value, count in registered.by.items()]
            families.append(Family(source.metric_name, kind, source.help, samples))
    return families


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus_text(m: BrokerMetrics, *, openmetrics: bool = False) -> str:
    """The text exposition: format 0.0.4, or OpenMetrics 1.0 (which names a counter's
    family without `_total` and ends with `# EOF`)."""
    lines = []
    for family in _families(m):
        sample_name = PREFIX + family.name + ("_total" if family.kind == "counter" else "")
        family_name = PREFIX + family.name if openmetrics else sample_name
        lines.append(f"# HELP {family_name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family_name} {family.kind}")
        for labels, value in family.samples:
            rendered = ",".join(f'{key}="{_escape_label(label)}"' for key, label in labels.items())
            lines.append(f"{sample_name}{{{rendered}}} {value}" if rendered else f"{sample_name} {value}")
    if openmetrics:
        lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _prometheus_response(media_type: str) -> HttpResponse:
    text = prometheus_text(broker_metrics(), openmetrics=media_type == OPENMETRICS)
    return HttpResponse(text, content_type=CONTENT_TYPES[media_type])


_TEXT = {"type": "string", "description": "Prometheus text exposition (0.0.4), or OpenMetrics 1.0 when asked for"}
_EXPOSITION = OpenApiResponse(response=_TEXT, description="The counts as Prometheus metrics")


class MetricsApi(BrokerApi):
    """GET /metrics: JSON counts, or the Prometheus exposition when the Accept header prefers it."""

    @extend_schema(
        responses={
            (200, "application/hal+json"): OpenApiResponse(response=hal(links=False), description="The counts"),
            (200, "text/plain"): _EXPOSITION,
            (200, "application/openmetrics-text"): _EXPOSITION,
        }
    )
    def get(self, request: Request) -> Response | HttpResponse:
        # JSON first: on a tie (axios sends `application/json, text/plain, */*`) JSON wins.
        offered = (HAL_JSON, "application/json", OPENMETRICS, TEXT_PLAIN)
        media_type = preferred_media_type(request.headers.get("Accept"), offered)
        if media_type in CONTENT_TYPES:
            return _prometheus_response(media_type)
        return Response(metrics_body(broker_metrics()))


class PrometheusMetricsApi(BrokerApi):
    """GET /metrics/prometheus: the Prometheus exposition (OpenMetrics when asked for)."""

    @extend_schema(responses={(200, "text/plain"): _EXPOSITION, (200, "application/openmetrics-text"): _EXPOSITION})
    def get(self, request: Request) -> HttpResponse:
        return _prometheus_response(preferred_media_type(request.headers.get("Accept"), (TEXT_PLAIN, OPENMETRICS)))


urlpatterns = [
    path("metrics", MetricsApi.as_view(), name="metrics"),
    path("metrics/prometheus", PrometheusMetricsApi.as_view(), name="metrics-prometheus"),
]
