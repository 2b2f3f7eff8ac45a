"""The API describes itself: GET /openapi.json (OpenAPI 3.1) and a page to browse it, and a
property-based run (schemathesis) over every operation it describes: no server error, and
every response conforms to the document (status code, content type and body)."""

from __future__ import annotations

import json

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from broker.wsgi import application

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


def test_the_browsable_page_serves_its_own_assets(api):
    response = api.get("/openapi")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"/openapi.json" in response.content
    assert b"swagger-ui" in response.content


# Loaded when the module is collected: generating the document touches no database.
schema = schemathesis.openapi.from_wsgi("/openapi.json", application)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_operation_answers_a_server_error_or_outside_the_document(case, transactional_db):
    # Committed, not rolled back: a request that hits a database error (and is answered
    # 400) must not leave the test's own transaction broken for the next one.
    case.call_and_validate(checks=CHECKS)
