"""Drift incidents over HTTP: list with filters, one with its timeline, acknowledge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from drift.models import DriftIncident
from drift.services.runs import live_runs_prune
from drift.services.targets import live_target_delete
from tests.builders import live_run, live_target

pytestmark = pytest.mark.django_db


@pytest.fixture
def anti_flap_of_one(settings):
    """One failing run opens an incident, one passing run resolves it: the rule itself is
    tested with the runner (tests/drift/test_live_runs*.py); here it only makes data."""
    settings.ACCORD_DRIFT_OPEN_AFTER = 1
    settings.ACCORD_DRIFT_RESOLVE_AFTER = 1


@pytest.fixture
def incidents(td, anti_flap_of_one) -> dict[str, DriftIncident]:
    """Four incidents, opened in this order: Mobile/API/production then Web/API/production
    (by the same run; Mobile's resolved by the next run), Web/API/test, Web/Stock/production."""
    td.publish("Web", "1.0", provider="API").publish("Mobile", "3.0", provider="API")
    td.publish("Web", "1.0", provider="Stock")
    td.deploy("Web", "1.0", to="production").deploy("Mobile", "3.0", to="production").deploy("Web", "1.0", to="test")
    td.deploy("API", "2.0", to="production")
    api_production = live_target("API", "production")
    live_run(api_production, {"Web": "failed", "Mobile": "failed"})
    live_run(api_production, {"Web": "failed"})
    live_run(live_target("API", "test"), {"Web": "failed"})
    live_run(live_target("Stock", "production"), {"Web": "failed"})
    found = {
        f"{i.consumer.name}/{i.provider.name}/{i.environment.name}": i
        for i in DriftIncident.objects.select_related("consumer", "provider", "environment")
    }
    assert len(found) == 4
    return found


def _listed(api, query: str = "") -> list[str]:
    response = api.get(f"/drift-incidents{query}")
    assert response.status_code == 200, response.content
    return [
        f"{i['consumer']}/{i['provider']}/{i['environment']}" for i in response.json()["_embedded"]["driftIncidents"]
    ]


def test_incidents_are_listed_newest_first_and_filtered(api, incidents):
    everything = ["Web/Stock/production", "Web/API/test", "Web/API/production", "Mobile/API/production"]
    assert _listed(api) == everything
    assert _listed(api, "?status=open") == ["Web/Stock/production", "Web/API/test", "Web/API/production"]
    assert _listed(api, "?status=resolved") == ["Mobile/API/production"]
    assert _listed(api, "?status=acknowledged") == []
    assert _listed(api, "?provider=API&environment=production") == ["Web/API/production", "Mobile/API/production"]
    assert _listed(api, "?consumer=Mobile") == ["Mobile/API/production"]
    assert _listed(api, "?environment=test") == ["Web/API/test"]
    assert _listed(api, "?provider=Nobody") == []
    assert _listed(api, "?status=&provider=") == everything


def test_an_unknown_status_is_a_400(api, incidents):
    response = api.get("/drift-incidents?status=closed")

    assert response.status_code == 400
    assert response.json() == {"errors": {"status": ["must be one of open, acknowledged, resolved"]}}


def test_the_list_is_paged(api, incidents):
    body = api.get("/drift-incidents?size=3&page=2").json()

    assert [i["consumer"] + "/" + i["provider"] for i in body["_embedded"]["driftIncidents"]] == ["Mobile/API"]
    assert body["page"] == {"number": 2, "size": 3, "totalElements": 4, "totalPages": 2}
    assert body["_links"]["previous"]["href"] == "http://testserver/drift-incidents?page=1&size=3"


def test_an_incident_shows_what_drifted_when_and_its_links(api, incidents):
    incident = incidents["Web/API/production"]

    response = api.get(f"/drift-incidents/{incident.uuid}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["uuid"] == str(incident.uuid) and body["status"] == "open"
    assert (body["consumer"], body["provider"], body["environment"]) == ("Web", "API", "production")
    assert body["interaction"] == {
        "description": "a request for an order",
        "providerStates": [],
        "method": "GET",
        "path": "/orders/1",
    }
    assert body["mismatches"] == [
        {"type": "body", "path": "$.id", "expected": 1, "description": "Expected $.id but it was missing"}
    ]
    assert body["consumerVersion"] == "1.0" and body["providerVersion"] == "2.0"
    assert body["openedByRun"] == {
        "uuid": str(incident.opened_by_run_uuid),
        "href": f"http://testserver/live-runs/{incident.opened_by_run_uuid}",
    }
    # The provider's deployment came last before the run.
    assert body["precedingDeployment"]["description"] == "API 2.0 deployed"
    assert body["timeToDetectSeconds"] >= 0
    assert body["acknowledgedAt"] is body["acknowledgedBy"] is body["acknowledgementNote"] is None
    assert body["resolvedAt"] is body["resolvedByRun"] is None
    links = body["_links"]
    assert links["self"]["href"] == f"http://testserver/drift-incidents/{incident.uuid}"
    assert links["accord:acknowledge"]["href"] == f"http://testserver/drift-incidents/{incident.uuid}/acknowledge"
    assert links["pb:consumer"]["href"] == "http://testserver/pacticipants/Web"
    assert links["pb:provider"]["href"] == "http://testserver/pacticipants/API"
    assert links["pb:environment"]["name"] == "production"
    assert links["accord:live-target"]["href"] == "http://testserver/pacticipants/API/live-targets/production"
    assert [(t["oldState"], t["newState"]) for t in body["timeline"]] == [(None, "open")]
    assert body["timeline"][0]["run"]["uuid"] == str(incident.opened_by_run_uuid)
    assert "$.id: Expected $.id but it was missing" in body["timeline"][0]["note"]


def test_acknowledging_records_who_and_why_and_the_timeline_shows_it(api, incidents):
    incident = incidents["Web/API/test"]
    path = f"/drift-incidents/{incident.uuid}/acknowledge"

    first = api.post(path, {"note": "the provider team is rolling back", "by": "ana"})
    again = api.post(path, {"note": "rollback done, waiting for the next run"})

    assert first.status_code == 200, first.content
    body = first.json()
    assert body["status"] == "acknowledged"
    assert body["acknowledgedBy"] == "ana" and body["acknowledgementNote"] == "the provider team is rolling back"
    assert body["acknowledgedAt"] is not None
    assert again.status_code == 200
    assert again.json()["acknowledgementNote"] == "rollback done, waiting for the next run"
    assert again.json()["acknowledgedAt"] == body["acknowledgedAt"], "acknowledged once, the note replaced"
    timeline = api.get(f"/drift-incidents/{incident.uuid}").json()["timeline"]
    assert [(t["oldState"], t["newState"], t["actor"], t["note"]) for t in timeline][1:] == [
        ("open", "acknowledged", "ana", "the provider team is rolling back"),
        ("acknowledged", "acknowledged", None, "rollback done, waiting for the next run"),
    ]
    assert timeline[1]["run"] is None
    assert _listed(api, "?status=acknowledged") == ["Web/API/test"]


def test_a_resolved_incident_cannot_be_acknowledged(api, incidents):
    incident = incidents["Mobile/API/production"]

    response = api.post(f"/drift-incidents/{incident.uuid}/acknowledge", {"note": "looking"})

    assert response.status_code == 409
    assert response.json() == {"errors": {"base": [f"drift incident {incident.uuid} is already resolved"]}}
    incident.refresh_from_db()
    assert incident.acknowledgement_note is None


def test_a_resolved_incident_shows_the_run_that_resolved_it(api, incidents):
    incident = incidents["Mobile/API/production"]

    body = api.get(f"/drift-incidents/{incident.uuid}").json()

    assert body["status"] == "resolved" and body["resolvedAt"] is not None
    assert body["resolvedByRun"]["uuid"] == str(incident.resolved_by_run_uuid)
    assert body["resolvedByRun"]["uuid"] != body["openedByRun"]["uuid"]
    assert [(t["oldState"], t["newState"]) for t in body["timeline"]] == [(None, "open"), ("open", "resolved")]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "note", "is missing"),
        ({"note": "   "}, "note", "cannot be blank"),
        ({"note": 3}, "note", "must be a string"),
        ({"note": "ok", "by": "a\nb"}, "by", "cannot contain multiple lines"),
        ({"note": "ok", "who": "ana"}, "body", "unknown field(s): who"),
    ],
)
def test_an_acknowledgement_needs_a_note(api, incidents, body, field, message):
    incident = incidents["Web/API/test"]

    response = api.post(f"/drift-incidents/{incident.uuid}/acknowledge", body)

    assert response.status_code == 400
    assert message in response.json()["errors"][field]
    assert DriftIncident.objects.get(id=incident.id).status == "open"


def test_an_incident_outlives_its_runs(api, incidents):
    incident = incidents["Web/Stock/production"]
    live_runs_prune(now=timezone.now() + timedelta(days=400))

    body = api.get(f"/drift-incidents/{incident.uuid}").json()

    assert body["openedByRun"] == {"uuid": str(incident.opened_by_run_uuid), "href": None}
    assert body["timeline"][0]["run"] == {"uuid": str(incident.opened_by_run_uuid), "href": None}


def test_an_incident_outlives_its_target(api, incidents):
    incident = incidents["Web/Stock/production"]
    live_target_delete(target=incident.target)

    response = api.get(f"/drift-incidents/{incident.uuid}")

    assert response.status_code == 200
    assert "accord:live-target" not in response.json()["_links"]
    assert _listed(api, "?provider=Stock") == ["Web/Stock/production"]


@pytest.mark.parametrize("uuid", ["nope", "7a0c6c4e-1d2f-4d55-9b1e-3f1b2c3d4e5f", "%00"])
def test_unknown_incidents_are_404s(api, incidents, uuid):
    for response in (
        api.get(f"/drift-incidents/{uuid}"),
        api.post(f"/drift-incidents/{uuid}/acknowledge", {"note": "x"}),
    ):
        assert response.status_code == 404
        assert response.json()["error"].startswith("No drift incident")
