"""The API describes itself: GET /openapi.json (OpenAPI 3.1) and a page to browse it, and a
property-based run (schemathesis) over every operation it describes: no server error, and
every response conforms to the document (status code, content type and body)."""

from __future__ import annotations

import json
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoverageScenario
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from broker.wsgi import application
from contracts.pact.content import content_sha
from contracts.services.environments import environment_create
from contracts.services.pacticipants import label_add
from drift.models import DriftIncident, DriftTransition, LiveRun
from tests.builders import TestData, live_run, live_target, pact_document
from webhooks.models import WebhookSecret
from webhooks.services.definitions import WebhookDefinition, webhook_put
from webhooks.services.secrets import secret_put

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_document_is_openapi_3_1_and_names_every_operation_by_its_route(api):
    response = api.get("/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = json.loads(response.content)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "Accord"
    operations = [op for path in document["paths"].values() for op in path.values() if isinstance(op, dict)]
    assert len(operations) > 80
    assert all("." in op["operationId"] for op in operations), "every operation id is '<route name>.<method>'"
    assert "/_pact/provider_states" not in document["paths"], "the test-only endpoint is not part of the API"


def test_every_operation_describes_its_answers(api):
    document = json.loads(api.get("/openapi.json").content)

    undescribed = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for response in operation["responses"].values()
        for media in (response.get("content") or {}).values()
        if media.get("schema", {}).get("description") == "Not described yet"
    ]
    assert undescribed == []


def test_the_browsable_page_serves_its_own_assets(api):
    response = api.get("/openapi")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger-ui" in response.content
    # Its start-up script comes from the site (the Content-Security-Policy allows no inline
    # script) and points Swagger UI at the document.
    assert b'src="/openapi?script' in response.content
    script = api.get("/openapi?script")
    assert script.status_code == 200 and b"/openapi.json" in script.content


# Loaded when the module is collected: generating the document touches no database.
schema = schemathesis.openapi.from_wsgi("/openapi.json", application)

# Every run starts from the same small broker, and path parameters are drawn from its real
# names half of the time (random strings otherwise), so generated requests reach the
# resources themselves, not only their 404s.
ENVIRONMENT_UUID = uuid.UUID("0e8e4a5c-1f0a-4b0e-9c39-6d4e52a3c001")
WEBHOOK_UUID = "openapi-seeded-hook-01"
LIVE_RUN_UUID = uuid.UUID("0e8e4a5c-1f0a-4b0e-9c39-6d4e52a3c002")
INCIDENT_UUID = uuid.UUID("0e8e4a5c-1f0a-4b0e-9c39-6d4e52a3c003")
SECRET_UUID = uuid.UUID("0e8e4a5c-1f0a-4b0e-9c39-6d4e52a3c004")
SHA = content_sha(pact_document("Web", "API"))
KNOWN = {
    "provider": ["API"],
    "consumer": ["Web"],
    "pacticipant": ["Web", "API"],
    "name": ["Web", "API", "review"],
    "version": ["1.0", "2.0"],
    "number": ["1.0", "2.0", "1"],
    "tag": ["prod"],
    "to_tag": ["prod"],
    "provider_tag": ["prod"],
    "consumer_tag": ["prod"],
    "branch": ["main"],
    "label": ["team-a"],
    "environment": ["production"],
    "uuid": [str(ENVIRONMENT_UUID), WEBHOOK_UUID, str(LIVE_RUN_UUID), str(INCIDENT_UUID), str(SECRET_UUID)],
    "sha": [SHA],
}


@pytest.fixture
def seeded(transactional_db, settings):
    """Web 1.0 (main, prod) published for API, verified by API 2.0 (main), both deployed to
    production; a label, a webhook for the pair and a secret; API's live target in production
    with a drifted run and the open incident it opened."""
    environment_create(name="production", production=True, uuid=str(ENVIRONMENT_UUID))
    td = TestData().publish("Web", "1.0", provider="API", branch="main", tags=["prod"])
    td.verify("2.0", branch="main").deploy("Web", "1.0", to="production").deploy("API", "2.0", to="production")
    web = td.version("Web", "1.0").pacticipant
    label_add(pacticipant=web, name="team-a")
    api = td.version("API", "2.0").pacticipant
    definition = WebhookDefinition(method="POST", url="https://ci.example/hook", consumer=web, provider=api)
    webhook_put(uuid=WEBHOOK_UUID, definition=definition)
    secret = secret_put(name="CiToken", value="openapi-secret-value")
    WebhookSecret.objects.filter(id=secret.id).update(uuid=SECRET_UUID)
    settings.ACCORD_DRIFT_OPEN_AFTER = 1
    run = live_run(live_target("API", "production", headers={"X-Api-Key": "k"}), {"Web": "failed"})
    # Known uuids, so that generated requests reach the run and the incident.
    LiveRun.objects.filter(id=run.id).update(uuid=LIVE_RUN_UUID)
    DriftTransition.objects.filter(run_id=run.id).update(run_uuid=LIVE_RUN_UUID)
    DriftIncident.objects.update(uuid=INCIDENT_UUID, opened_by_run_uuid=LIVE_RUN_UUID)


@schema.hook("flatmap_path_parameters")
def _known_names(context, parameters):
    return st.fixed_dictionaries(
        {name: st.sampled_from([value, *KNOWN.get(name, [])]) for name, value in (parameters or {}).items()}
    )


def _another_operations_path(case) -> bool:
    """A coverage case whose path parameter breaks its pattern on purpose: for a pacticipant
    name that is `label`, the path is /pacticipants/label/{label}'s, another operation of the
    document, whose answer is not this operation's to check."""
    data = getattr(case.meta.phase, "data", None) if case.meta is not None else None
    return getattr(data, "scenario", None) == CoverageScenario.INVALID_PATTERN and (
        getattr(data, "parameter_location", None) == ParameterLocation.PATH
    )


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
def test_no_operation_answers_a_server_error_or_outside_the_document(case, seeded):
    # Committed, not rolled back (transactional_db): a request that hits a database error
    # (answered 400) must not leave the test's own transaction broken for the next one.
    # Still never a server error; the status, type and body are checked against the
    # operation the path really names by that operation's own cases.
    case.call_and_validate(checks=[not_a_server_error] if _another_operations_path(case) else CHECKS)
