"""Every drift monitoring answer, on realistic data, conforms to what /openapi.json says of it.

tests/api/test_openapi.py generates requests at random and seldom gets a valid body through
to a 201; this walks each operation with data that reaches its success answers (masked
credentials, outcomes, a timeline with acknowledgement and resolution, figures).
"""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from drift.models import DriftIncident, LiveTarget
from tests.builders import live_run

pytestmark = pytest.mark.django_db

TARGET = "/pacticipants/API/live-targets/production"


@pytest.fixture
def document(api) -> dict:
    return json.loads(api.get("/openapi.json").content)


def _conforms(document: dict, template: str, method: str, response) -> None:
    """The response's body is valid against the document's schema for its status."""
    operation = document["paths"][template][method]
    described = operation["responses"].get(str(response.status_code))
    assert described, f"{method.upper()} {template} answered {response.status_code}, which it does not describe"
    schema = {**described["content"]["application/hal+json"]["schema"], "components": document["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(response.json()), key=str)
    assert not errors, f"{method.upper()} {template} {response.status_code}: {errors[0]}"


@pytest.fixture
def data(api, td, settings):
    settings.ACCORD_DRIFT_OPEN_AFTER = settings.ACCORD_DRIFT_RESOLVE_AFTER = 1
    td.publish("Web", "1.0", provider="API").publish("Mobile", "3.0", provider="API")
    td.deploy("Web", "1.0", to="production").deploy("Mobile", "3.0", to="production").deploy(
        "API", "2.0", to="production"
    )
    auth = {
        "type": "oauth2",
        "tokenUrl": "https://auth.example/token?client_secret=x1",
        "clientId": "accord",
        "clientSecret": "s3cret",
        "consumers": {"Web": {"type": "basic", "username": "u", "password": "p"}},
    }
    created = api.put(
        TARGET,
        {
            "baseUrl": "https://api.example",
            "headers": {"X-Key": "k"},
            "auth": auth,
            "maintenanceWindow": {"from": "2031-01-01T00:00:00Z", "until": "2031-01-01T01:00:00Z"},
        },
    )
    target = LiveTarget.objects.get()
    live_run(target, {"Web": "failed", "Mobile": "failed"})
    resolving = live_run(target, {"Web": "failed"})
    open_one = DriftIncident.objects.get(consumer__name="Web")
    api.post(f"/drift-incidents/{open_one.uuid}/acknowledge", {"note": "on it", "by": "ana"})
    resolved = DriftIncident.objects.get(consumer__name="Mobile")
    return {"created": created, "run": resolving, "open": open_one, "resolved": resolved}


def test_each_answer_conforms_to_the_document(api, document, data):
    incident, run = data["open"], data["run"]
    calls = [
        ("/pacticipants/{provider}/live-targets/{environment}", "put", data["created"]),
        (
            "/pacticipants/{provider}/live-targets/{environment}",
            "put",
            api.put(TARGET, {"baseUrl": "https://a.example"}),
        ),
        ("/pacticipants/{provider}/live-targets/{environment}", "put", api.put(TARGET, {"methods": ["x"]})),
        ("/pacticipants/{provider}/live-targets/{environment}", "get", api.get(TARGET)),
        ("/live-targets", "get", api.get("/live-targets?size=1")),
        ("/pacticipants/{provider}/live-targets/{environment}/runs", "get", api.get(f"{TARGET}/runs?size=1&page=2")),
        ("/pacticipants/{provider}/live-targets/{environment}/runs", "post", api.post(f"{TARGET}/runs")),
        ("/live-runs/{uuid}", "get", api.get(f"/live-runs/{run.uuid}")),
        ("/live-runs/{uuid}", "get", api.get("/live-runs/nope")),
        ("/drift-incidents", "get", api.get("/drift-incidents")),
        ("/drift-incidents", "get", api.get("/drift-incidents?status=closed")),
        ("/drift-incidents/{uuid}", "get", api.get(f"/drift-incidents/{incident.uuid}")),
        ("/drift-incidents/{uuid}", "get", api.get(f"/drift-incidents/{data['resolved'].uuid}")),
        (
            "/drift-incidents/{uuid}/acknowledge",
            "post",
            api.post(f"/drift-incidents/{incident.uuid}/acknowledge", {"note": "still on it"}),
        ),
        (
            "/drift-incidents/{uuid}/acknowledge",
            "post",
            api.post(f"/drift-incidents/{data['resolved'].uuid}/acknowledge", {"note": "late"}),
        ),
        ("/drift-stats", "get", api.get("/drift-stats")),
        ("/pacticipants/{provider}/live-targets/{environment}/runs", "post", api.post(f"{TARGET}/runs")),
    ]
    statuses = []
    for template, method, response in calls:
        _conforms(document, template, method, response)
        statuses.append(response.status_code)

    assert statuses == [201, 200, 400, 200, 200, 200, 202, 200, 404, 200, 400, 200, 200, 200, 409, 200, 202]
