"""The drift notice beside matrix and can-i-deploy answers: a warning, never a change.

An unresolved drift incident for a pair in the environment asked about adds one warning
to `notices`; everything else in the answer (summary, reason, rows) is byte for byte
what it is without drift monitoring.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts import advisories
from drift.models import DriftIncident
from tests.builders import TestData, drift_incident

pytestmark = pytest.mark.django_db
BASE = "http://testserver"
# The Rust CLI (cvpv) and the Ruby CLI (cvp) ask can-i-deploy --to-environment production like this.
RUST = "/matrix?q[][pacticipant]=API&q[][version]={v}&latestby=cvpv&environment=production"
RUBY = "/matrix?q[][pacticipant]=API&q[][version]={v}&latestby=cvp&environment=production"
CAN_I_DEPLOY = "/can-i-deploy?pacticipant=API&version={v}&environment=production"
QUESTIONS = [RUST, RUBY, CAN_I_DEPLOY]


@pytest.fixture
def deployed(td: TestData) -> TestData:
    """Web 1.0 in production; API 2.0 verified its pact, API 2.1 failed it."""
    td.environment("production", production=True)
    td.environment("staging")
    td.publish("Web", "1.0", provider="API", branch="main").deploy("Web", "1.0", to="production")
    td.verify("2.0", success=True).verify("2.1", success=False)
    return td


def answer(api, path: str) -> dict:
    response = api.get(path)
    assert response.status_code == 200, response.content
    return response.json()


def drift_text(incident: DriftIncident, count: int = 1, environment: str = "production") -> str:
    return (
        f"Drift monitoring: {count} open incident(s) between Web and API in {environment} "
        f"(the deployed provider no longer does what the pact says): {BASE}/drift-incidents/{incident.uuid}"
    )


@pytest.mark.parametrize("question", QUESTIONS, ids=["rust", "ruby", "can-i-deploy"])
def test_deployable_stays_true_with_the_warning_added(api, deployed, question):
    path = question.format(v="2.0")
    before = answer(api, path)
    assert before["summary"]["deployable"] is True

    incident = drift_incident("Web", "API", "production")
    after = answer(api, path)

    assert after["summary"] == before["summary"]
    assert after["matrix"] == before["matrix"]
    assert after["notices"] == [*before["notices"], {"type": "warning", "text": drift_text(incident)}]


@pytest.mark.parametrize("question", QUESTIONS, ids=["rust", "ruby", "can-i-deploy"])
def test_deployable_stays_false_with_the_warning_added(api, deployed, question):
    path = question.format(v="2.1")
    before = answer(api, path)
    assert before["summary"]["deployable"] is False

    incident = drift_incident("Web", "API", "production")
    after = answer(api, path)

    assert after["summary"] == before["summary"]
    assert after["notices"] == [*before["notices"], {"type": "warning", "text": drift_text(incident)}]


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"consumer": "Web", "provider": "API", "environment": "production", "status": "resolved"},
        {"consumer": "Web", "provider": "API", "environment": "staging", "production": False},
        {"consumer": "Mobile", "provider": "API", "environment": "production"},
        {"consumer": "API", "provider": "Web", "environment": "production"},
    ],
    ids=["resolved", "another environment", "another consumer", "the reversed pair"],
)
def test_no_unresolved_incident_for_the_pair_there_means_no_notice(api, deployed, elsewhere):
    before = answer(api, CAN_I_DEPLOY.format(v="2.0"))
    drift_incident(**elsewhere)

    after = answer(api, CAN_I_DEPLOY.format(v="2.0"))

    assert after == before
    assert not any("Drift monitoring" in notice["text"] for notice in after["notices"])


def test_acknowledged_incidents_still_count_and_are_said_to_be(api, deployed):
    first = drift_incident("Web", "API", "production")
    second = drift_incident("Web", "API", "production", status="acknowledged")

    notices = answer(api, CAN_I_DEPLOY.format(v="2.0"))["notices"]

    assert notices[-1] == {
        "type": "warning",
        "text": (
            "Drift monitoring: 2 open incident(s), 1 acknowledged between Web and API in production "
            "(the deployed provider no longer does what the pact says): "
            f"{BASE}/drift-incidents/{first.uuid} {BASE}/drift-incidents/{second.uuid}"
        ),
    }


def test_many_incidents_link_to_their_list(api, deployed):
    for _ in range(4):
        drift_incident("Web", "API", "production")

    notices = answer(api, CAN_I_DEPLOY.format(v="2.0"))["notices"]

    assert notices[-1]["text"].startswith("Drift monitoring: 4 open incident(s) between Web and API in production")
    assert notices[-1]["text"].endswith(f": {BASE}/drift-incidents?consumer=Web&provider=API&environment=production")


def test_a_question_naming_no_environment_hears_of_production(api, deployed):
    in_production = drift_incident("Web", "API", "production")
    drift_incident("Web", "API", "staging", production=False)

    notices = answer(api, "/matrix/provider/API/consumer/Web")["notices"]
    by_tag = answer(api, "/can-i-deploy?pacticipant=API&version=2.0&to=prod")["notices"]

    assert [n for n in notices if "Drift" in n["text"]] == [{"type": "warning", "text": drift_text(in_production)}]
    assert [n for n in by_tag if "Drift" in n["text"]] == [{"type": "warning", "text": drift_text(in_production)}]


def test_a_question_about_a_non_production_environment_hears_of_that_one_only(api, deployed):
    deployed.deploy("Web", "1.0", to="staging")
    drift_incident("Web", "API", "production")
    in_staging = drift_incident("Web", "API", "staging", production=False)

    notices = answer(api, "/can-i-deploy?pacticipant=API&version=2.0&environment=staging")["notices"]

    assert [n["text"] for n in notices if "Drift" in n["text"]] == [drift_text(in_staging, environment="staging")]


def test_the_path_based_can_i_deploy_routes_carry_it_too(api, deployed):
    deployed.branch("API", "2.0", "main")
    incident = drift_incident("Web", "API", "production")

    body = answer(api, "/pacticipants/API/branches/main/latest-version/can-i-deploy/to-environment/production")

    assert body["summary"]["deployable"] is True
    assert body["notices"][-1] == {"type": "warning", "text": drift_text(incident)}


def _queries(api, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        answer(api, path)
    return len(captured.captured_queries)


@pytest.mark.parametrize("question", QUESTIONS, ids=["rust", "ruby", "can-i-deploy"])
def test_drift_advice_costs_at_most_one_query(api, deployed, question, monkeypatch):
    path = question.format(v="2.0")
    answer(api, path)  # warm caches (the route table, content types)
    with_advice = _queries(api, path)
    monkeypatch.setattr(advisories, "_advisors", [])
    without_advice = _queries(api, path)

    assert with_advice - without_advice == 1


def test_a_question_without_integrations_costs_no_advice_query(api, td, monkeypatch):
    td.version("Lonely", "1.0")
    path = "/matrix?q[][pacticipant]=Lonely&q[][version]=1.0&latestby=cvp&latest=true"
    answer(api, path)
    with_advice = _queries(api, path)
    monkeypatch.setattr(advisories, "_advisors", [])

    assert with_advice == _queries(api, path)


def _broken(pairs, environment, base_url):
    raise RuntimeError("advisor bug")


@pytest.mark.parametrize(
    "advisor",
    [_broken, lambda pairs, environment, base_url: [{"type": "shout", "text": "hi"}, {"type": "info"}]],
    ids=["raises", "malformed notices"],
)
def test_a_failing_advisor_costs_its_notices_never_the_answer(api, deployed, monkeypatch, caplog, advisor):
    path = CAN_I_DEPLOY.format(v="2.0")
    monkeypatch.setattr(advisories, "_advisors", [])
    expected = answer(api, path)
    advisories.register(advisor)

    with caplog.at_level("ERROR", logger="accord.advisories"):
        body = answer(api, path)

    assert body == expected
    assert caplog.records and all("left out" in record.getMessage() for record in caplog.records)
