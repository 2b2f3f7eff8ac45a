"""GET /metrics: the Pact Broker's JSON counts, and the Prometheus text exposition beside it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.metrics import register_count, registered_counts
from contracts.models import Pacticipant
from tests.builders import interaction, pact_json
from verifier.models import VerificationRun
from webhooks.models import TriggeredWebhook, WebhookExecution

HAL = "application/hal+json; charset=utf-8"
TEXT_004 = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
HOOK = {"events": [{"name": "contract_published"}], "request": {"method": "POST", "url": "https://ci.example/hook"}}
# What real scrapers send (Prometheus 2.x and 3.x defaults).
PROMETHEUS_2 = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)
PROMETHEUS_3 = (
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;"
    "version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
)


@pytest.fixture
def scenario(api, td) -> None:
    """A broker with something in every table the metrics count."""
    assert api.post("/webhooks", HOOK).status_code == 201
    td.publish("Web", "1.0", provider="API", branch="main", tags=["prod"]).verify("2.0", success=True)
    td.publish("Web", "2.0", provider="API", variant="b").verify("2.1", success=False).verify("2.1", success=False)
    td.publish("Mobile", "1.0", provider="API", tags=["prod"])
    # A merge adds a second revision (with a second interaction) to Web 2.0's pact.
    extra = pact_json("Web", "API", interactions=[interaction("another request", path="/orders/2")])
    assert api.patch("/pacts/provider/API/consumer/Web/version/2.0", extra).status_code == 200
    td.deploy("API", "2.0", to="production").deploy("API", "2.1", to="production")
    td.release("Web", "1.0", to="production")
    WebhookExecution.objects.create(triggered_webhook=TriggeredWebhook.objects.first(), attempt=1, success=False)
    api_row = Pacticipant.objects.get(name="API")
    VerificationRun.objects.create(provider=api_row, provider_version_number="3.0", base_url="https://api.example")
    VerificationRun.objects.create(
        provider=api_row, provider_version_number="3.1", base_url="https://api.example", status="succeeded"
    )


def test_json_counts_in_the_pact_brokers_shape(api, scenario):
    response = api.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    for section in ("pactPublications", "verificationResults"):
        assert ISO.match(body[section].pop("first")) and ISO.match(body[section].pop("last"))
    assert body == {
        # Latest pact per pair: Web->API (merged, 2 interactions) and Mobile->API (1).
        "interactions": {
            "latestInteractionsCount": 3,
            "latestMessagesCount": 0,
            "latestInteractionsAndMessagesCount": 3,
        },
        "pacticipants": {"count": 3, "withMainBranchSetCount": 1},  # Web's first branch "main"
        "integrations": {"count": 2},
        "pactPublications": {"count": 4},  # Web 1.0, Web 2.0 (two revisions), Mobile 1.0
        "pactVersions": {"count": 4},
        "pactRevisionsPerConsumerVersion": {"distribution": {"1": 2, "2": 1}},
        "verificationResults": {"count": 3, "successCount": 1, "failureCount": 2, "distinctCount": 2},
        "verificationResultsPerPactVersion": {"distribution": {"1": 1, "2": 1}},
        "pacticipantVersions": {
            "count": 5,
            "withUserCreatedBranchCount": 1,  # Web 1.0 on main
            "withBranchCount": 2,  # and Mobile 1.0, whose first tag became its branch
            "withBranchSetCount": 2,
        },
        "tags": {"count": 2, "distinctCount": 1, "distinctWithPacticipantCount": 2},
        "matrix": {"count": -1},
        "environments": {"count": 1},
        "deployedVersions": {"count": 2, "userCreatedCount": 2, "currentlyDeployedCount": 1},
        "releasedVersions": {"count": 1, "currentlySupportedCount": 1},
        # Registered by the verifier app (contracts.metrics).
        "webhooks": {"count": 1},
        "triggeredWebhooks": {
            "count": 4,  # contract_published by three publishes and the merge
            "byStatus": {"not_run": 4, "retrying": 0, "success": 0, "failure": 0},
        },
        "webhookExecutions": {"count": 1},
        "verificationRuns": {
            "count": 2,
            "byStatus": {"queued": 1, "running": 0, "succeeded": 1, "failed": 0, "error": 0},
        },
        # Registered by the drift app.
        "liveTargets": {"count": 0},
        "liveRuns": {
            "count": 0,
            "byStatus": {s: 0 for s in ("queued", "running", "passed", "drifted", "unreachable", "error", "cancelled")},
        },
        "driftIncidents": {"count": 0, "byStatus": {"open": 0, "acknowledged": 0, "resolved": 0}},
    }


def test_an_empty_broker_has_zero_counts_and_no_dates(api):
    body = api.get("/metrics").json()

    assert body["pacticipants"] == {"count": 0, "withMainBranchSetCount": 0}
    assert body["pactPublications"] == {"count": 0, "first": None, "last": None}
    assert body["verificationResults"]["first"] is None
    assert body["interactions"]["latestInteractionsCount"] == 0
    assert body["pactRevisionsPerConsumerVersion"] == {"distribution": {}}
    assert body["verificationRuns"]["byStatus"]["queued"] == 0


def test_the_number_of_statements_does_not_grow_with_the_data(api, td, scenario):
    with CaptureQueriesContext(connection) as before:
        api.get("/metrics")
    for n in range(5):
        td.publish(f"Consumer{n}", "1.0", provider="API", branch=f"b{n}", tags=["prod", f"t{n}"]).verify(f"9.{n}")
        td.deploy(f"Consumer{n}", "1.0", to="production")

    with CaptureQueriesContext(connection) as after:
        body = api.get("/metrics").json()

    assert body["pacticipants"]["count"] == 8
    assert len(after) == len(before)
    assert len(before) == 15 + len(registered_counts())


# --- the Prometheus exposition -------------------------------------------------------------

SAMPLE = re.compile(r"(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})? (?P<value>-?\d+)")


def parse_exposition(text: str, *, openmetrics: bool) -> dict[str, dict]:
    """A strict reading of the text format: each family has HELP then TYPE before its
    samples, sample names match the family (with `_total` for counters), values are integers."""
    assert text.endswith("\n")
    lines = text.splitlines()
    if openmetrics:
        assert lines.pop() == "# EOF"
    families: dict[str, dict] = {}
    current = None
    for line in lines:
        if line.startswith("# HELP "):
            name, help_text = line[len("# HELP ") :].split(" ", 1)
            assert name not in families, f"{name} twice"
            families[name] = current = {"help": help_text, "type": None, "samples": {}}
            current_name = name
        elif line.startswith("# TYPE "):
            name, kind = line[len("# TYPE ") :].split(" ")
            assert current is not None and name == current_name and kind in ("gauge", "counter"), line
            current["type"] = kind
        else:
            match = SAMPLE.fullmatch(line)
            assert match and current is not None and current["type"], line
            expected = current_name + ("_total" if openmetrics and current["type"] == "counter" else "")
            assert match["name"] == expected, line
            current["samples"][match["labels"] or ""] = int(match["value"])
    for name, family in families.items():
        assert name.startswith("accord_") and family["help"] and family["samples"], name
        if family["type"] == "counter":
            assert name.endswith("_total") != openmetrics, name  # 0.0.4 names the family with _total
    return families


def _value(families: dict, name: str, labels: str = "") -> int:
    return families[name]["samples"][labels]


@pytest.mark.parametrize("accept", [PROMETHEUS_2, PROMETHEUS_3, "application/openmetrics-text"])
def test_a_prometheus_scraper_gets_openmetrics(api, scenario, accept):
    response = api.get("/metrics", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == OPENMETRICS
    families = parse_exposition(response.content.decode(), openmetrics=True)
    assert families["accord_verification_results"]["type"] == "counter"
    assert _value(families, "accord_verification_results", 'result="success"') == 1
    assert _value(families, "accord_verification_results", 'result="failure"') == 2
    assert _value(families, "accord_webhook_executions") == 1


@pytest.mark.parametrize("accept", ["text/plain; version=0.0.4", "text/plain", "text/*"])
def test_text_plain_gets_the_004_format_with_the_same_numbers_as_the_json(api, scenario, accept):
    response = api.get("/metrics", HTTP_ACCEPT=accept)

    assert response["Content-Type"] == TEXT_004
    families = parse_exposition(response.content.decode(), openmetrics=False)
    body = api.get("/metrics").json()
    assert _value(families, "accord_pacticipants") == body["pacticipants"]["count"] == 3
    assert _value(families, "accord_pacticipants_with_main_branch") == 1
    assert _value(families, "accord_integrations") == body["integrations"]["count"]
    assert _value(families, "accord_pact_publications_total") == body["pactPublications"]["count"]
    assert _value(families, "accord_pact_versions") == body["pactVersions"]["count"]
    assert _value(families, "accord_latest_pact_interactions") == 3
    assert _value(families, "accord_verification_results_total", 'result="success"') == 1
    assert _value(families, "accord_verification_results_total", 'result="failure"') == 2
    assert _value(families, "accord_verification_results_distinct") == 2
    assert _value(families, "accord_pacticipant_versions") == 5
    assert _value(families, "accord_tags") == 2
    assert _value(families, "accord_environments") == 1
    assert _value(families, "accord_deployed_versions", 'currently_deployed="true"') == 1
    assert _value(families, "accord_deployed_versions", 'currently_deployed="false"') == 1
    assert _value(families, "accord_released_versions", 'currently_supported="true"') == 1
    assert _value(families, "accord_webhooks") == 1
    assert _value(families, "accord_triggered_webhooks", 'status="not_run"') == 4
    assert _value(families, "accord_webhook_executions_total") == 1
    assert _value(families, "accord_verification_runs", 'status="queued"') == 1
    assert _value(families, "accord_verification_runs", 'status="running"') == 0
    assert families["accord_verification_runs"]["help"] == "Verification runs, by status."


@pytest.mark.parametrize(
    "accept", ["*/*", "", "application/hal+json", "application/json", "application/json, text/plain, */*"]
)
def test_everyone_else_gets_json(api, accept):
    response = api.get("/metrics", HTTP_ACCEPT=accept)

    assert response["Content-Type"] == HAL
    assert response.json()["matrix"] == {"count": -1}


@pytest.mark.parametrize(("accept", "content_type"), [("", TEXT_004), ("*/*", TEXT_004), (PROMETHEUS_3, OPENMETRICS)])
def test_the_prometheus_path_always_answers_text(api, scenario, accept, content_type):
    response = api.get("/metrics/prometheus", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    families = parse_exposition(response.content.decode(), openmetrics=content_type == OPENMETRICS)
    assert _value(families, "accord_pacticipants") == 3


def test_metrics_are_read_only(api):
    response = api.post("/metrics", {})

    assert response.status_code == 405
    assert response.json()["error"]


# --- the registry other apps use -----------------------------------------------------------


def test_the_verifier_webhooks_and_drift_apps_register_their_counts():
    assert [source.key for source in registered_counts()] == [
        "verificationRuns",
        "webhooks",
        "triggeredWebhooks",
        "webhookExecutions",
        "liveTargets",
        "liveRuns",
        "driftIncidents",
    ]
    [runs] = [source for source in registered_counts() if source.key == "verificationRuns"]
    assert runs.metric_name == "verification_runs"
    assert runs.by_values == ["queued", "running", "succeeded", "failed", "error"]


@pytest.mark.parametrize(
    ("key", "by", "error"),
    [("Bad Key", None, ValueError), ("verification_runs", None, ValueError), ("runs", "colour", Exception)],
)
def test_registering_a_bad_count_fails_at_start_up(key, by, error):
    with pytest.raises(error):
        register_count(key, VerificationRun, help="x", by=by)
    assert key not in [source.key for source in registered_counts()]
