"""Live runs over HTTP: start one (202, or 409 while paused), list a target's runs, read one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from drift.models import LiveRun
from tests.builders import interaction, live_run, live_target, pact_json

pytestmark = pytest.mark.django_db

TARGET = "/pacticipants/API/live-targets/production"
RUNS = f"{TARGET}/runs"


@pytest.fixture
def target(td):
    """Web 1.0 (two GETs, one with a standing state, one POST, one with a state that is not
    standing) and Mobile 3.0 (one GET), both deployed with API 2.0 to production."""
    web = [
        interaction("get order 1", path="/orders/1"),
        interaction("get order 10", path="/orders/10", state="order 10 exists"),
        {**interaction("create an order", path="/orders"), "request": {"method": "POST", "path": "/orders"}},
        interaction("get a secret order", path="/orders/99", state="order 99 is secret"),
    ]
    td.publish("Web", "1.0", provider="API", content=pact_json("Web", "API", interactions=web))
    td.publish("Mobile", "3.0", provider="API")
    td.deploy("Web", "1.0", to="production").deploy("Mobile", "3.0", to="production")
    td.deploy("API", "2.0", to="production")
    return live_target("API", "production", standing_states=["order 10 exists"])


def test_post_queues_a_run_and_answers_202_with_its_link(api, target):
    response = api.post(RUNS)

    assert response.status_code == 202, response.content
    body = response.json()
    run = LiveRun.objects.get()
    assert run.status == "queued" and run.trigger == "api" and run.target_id == target.id
    assert body["uuid"] == str(run.uuid)
    assert response["Location"] == body["_links"]["self"]["href"] == f"http://testserver/live-runs/{run.uuid}"
    assert body["status"] == "queued" and body["trigger"] == "api"
    assert body["counts"] == {"total": 0, "replayed": 0, "passed": 0, "failed": 0, "skipped": 0}
    assert body["consumers"] == [] and body["startedAt"] is None and body["finishedAt"] is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"paused": True}, "paused"),
        ({"enabled": False}, "disabled"),
        ({"maintenance_from": -1, "maintenance_until": 1}, "in a maintenance window"),
    ],
)
def test_post_answers_409_while_the_target_is_paused_disabled_or_in_maintenance(api, target, change, reason):
    now = timezone.now()
    for field in ("maintenance_from", "maintenance_until"):
        if field in change:
            change[field] = now + timedelta(hours=change[field])
    live_target("API", "production", **change)

    response = api.post(RUNS)

    assert response.status_code == 409
    assert response.json() == {"errors": {"base": [f"the live target of API in production is {reason}"]}}
    assert not LiveRun.objects.exists()


def test_a_run_shows_what_it_replayed_and_skipped_per_consumer_version(api, target):
    run = live_run(target, {("Web", "get order 10"): "failed"})

    response = api.get(f"/live-runs/{run.uuid}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "drifted"
    assert body["providerVersion"] == "2.0"
    assert body["counts"] == {"total": 5, "replayed": 3, "passed": 2, "failed": 1, "skipped": 2}
    assert body["coverage"] == "3 of 5 interactions replayed live"
    assert body["startedAt"] and body["finishedAt"] and body["error"] is None
    assert "built by tests.builders.live_run" in body["log"]
    assert [(c["consumer"], c["consumerVersion"]) for c in body["consumers"]] == [("Mobile", "3.0"), ("Web", "1.0")]
    web = {i["description"]: i for i in body["consumers"][1]["interactions"]}
    assert web["get order 1"] == {
        "description": "get order 1",
        "providerStates": [],
        "method": "GET",
        "path": "/orders/1",
        "status": "passed",
        "skipReason": None,
        "mismatches": [],
    }
    assert web["get order 10"]["status"] == "failed"
    assert web["get order 10"]["providerStates"] == ["order 10 exists"]
    assert web["get order 10"]["mismatches"][0]["path"] == "$.id"
    assert web["create an order"]["status"] == "skipped"
    assert "method POST is not replayed live" in web["create an order"]["skipReason"]
    assert "'order 99 is secret' is not a standing state" in web["get a secret order"]["skipReason"]
    links = body["_links"]
    assert links["accord:live-target"]["href"] == f"http://testserver{TARGET}"
    assert links["pb:provider"]["href"] == "http://testserver/pacticipants/API"
    assert links["pb:environment"]["name"] == "production"
    assert links["pb:provider-version"]["href"] == "http://testserver/pacticipants/API/versions/2.0"


def test_the_runs_of_a_target_are_listed_newest_first_and_paged(api, target):
    runs = [live_run(target), live_run(target, {"Web": "failed"}), live_run(target)]

    listed = api.get(RUNS)
    paged = api.get(f"{RUNS}?page=2&size=2")

    assert listed.status_code == 200
    body = listed.json()
    assert [r["uuid"] for r in body["_embedded"]["liveRuns"]] == [str(r.uuid) for r in reversed(runs)]
    assert [r["status"] for r in body["_embedded"]["liveRuns"]] == ["passed", "drifted", "passed"]
    assert "log" not in body["_embedded"]["liveRuns"][0], "the list shows summaries"
    assert body["_embedded"]["liveRuns"][1]["counts"]["failed"] == 2
    assert body["page"] == {"number": 1, "size": 20, "totalElements": 3, "totalPages": 1}
    assert [r["uuid"] for r in paged.json()["_embedded"]["liveRuns"]] == [str(runs[0].uuid)]
    assert paged.json()["_links"]["previous"]["href"] == f"http://testserver{RUNS}?page=1&size=2"


@pytest.mark.parametrize("query", ["size=0", "size=501", "page=0", "page=x"])
def test_bad_paging_is_a_400(api, target, query):
    response = api.get(f"{RUNS}?{query}")

    assert response.status_code == 400
    assert set(response.json()["errors"]) <= {"page", "size"}


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("get", "/live-runs/not-a-uuid", "No live run not-a-uuid"),
        ("get", "/live-runs/7a0c6c4e-1d2f-4d55-9b1e-3f1b2c3d4e5f", "No live run 7a0c6c4e-1d2f-4d55-9b1e-3f1b2c3d4e5f"),
        ("get", "/pacticipants/API/live-targets/staging/runs", "No environment with name 'staging' found"),
        ("post", "/pacticipants/API/live-targets/staging/runs", "No environment with name 'staging' found"),
        ("post", "/pacticipants/Nobody/live-targets/production/runs", "No provider with name 'Nobody' found"),
        (
            "post",
            "/pacticipants/Web/live-targets/production/runs",
            "No live target for 'Web' in environment 'production'",
        ),
    ],
)
def test_unknown_runs_and_targets_are_404s_naming_what_is_missing(api, target, method, path, message):
    response = getattr(api, method)(path)

    assert response.status_code == 404
    assert response.json() == {"error": message}


def test_runs_of_a_target_without_runs_is_an_empty_page(api, target):
    body = api.get(RUNS).json()

    assert body["_embedded"]["liveRuns"] == []
    assert body["page"]["totalElements"] == 0
