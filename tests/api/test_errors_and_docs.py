"""Errors outside the API views answer JSON too (handler404, handler500), and the /doc pages."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from contracts.models import Pacticipant

HAL = "application/hal+json; charset=utf-8"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/no/such/path"),
        ("get", "/pacticipants/Web/no-such-child"),
        ("post", "/pacticipants/Web/versions/1.0/nothing"),
        ("delete", "/integrations/provider/API"),
        ("put", "/%FF%FE/x"),
        ("get", "/metrics/"),  # no trailing slashes, no redirects
    ],
)
def test_an_unknown_path_is_a_json_404(api, method, path):
    response = getattr(api, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == HAL
    assert response["X-Pact-Broker-Version"]
    body = response.json()
    assert list(body) == ["error"]
    assert "No resource at /" in body["error"]


def test_a_404_for_an_unknown_path_changes_nothing(api, td):
    td.publish("Web", "1.0", provider="API")

    api.delete("/pacticipants/Web/nothing-here")

    assert Pacticipant.objects.count() == 2


@pytest.mark.urls("tests.api.crash_urls")
def test_a_crash_outside_drf_is_a_json_500_with_a_reference(db, caplog):
    client = Client(raise_request_exception=False)

    response = client.get("/test-only/crash")

    assert response.status_code == 500
    assert response["Content-Type"] == HAL
    error = response.json()["error"]
    assert error["message"] == "An internal error occurred"
    assert len(error["reference"]) == 12
    assert error["reference"] in caplog.text  # the log line to find it by
    assert "a bug outside DRF" not in response.content.decode()  # no internals leak


def test_the_production_server_answers_unknown_paths_with_json(live_broker):
    # gunicorn, DEBUG off, the real URL conf: not the test client's view of it.
    response = httpx.get(f"{live_broker}/no/such/path", headers={"Accept": "application/hal+json"})

    assert response.status_code == 404
    assert response.headers["Content-Type"] == HAL
    assert "No resource at /no/such/path" in response.json()["error"]


# --- /doc pages ----------------------------------------------------------------------------


def test_a_doc_page_is_html_about_the_relation(api):
    response = api.get("/doc/integrations?context=index")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "<h1>Integrations</h1>" in page
    assert "<code>integrations</code>, as the index resource links it" in page
    assert "text/vnd.graphviz" in page
    assert '<a href="http://testserver">Accord</a>' in page


def test_the_webhook_whitelist_section_the_error_messages_point_at_exists(api):
    # contracts/services/webhooks.py refers clients to /doc/webhooks#whitelist.
    page = api.get("/doc/webhooks").content.decode()

    assert '<h2 id="whitelist">' in page
    assert "PACT_BROKER_WEBHOOK_SCHEME_WHITELIST" in page


def test_an_unknown_context_gets_the_general_page_without_echoing_it(api):
    response = api.get("/doc/latest-version", {"context": "<script>alert(1)</script>"})

    assert response.status_code == 200
    assert b"script" not in response.content
    assert b"as the" not in response.content


def test_the_diff_relations_describe_what_is_served(api):
    page = api.get("/doc/diff-previous-distinct?context=pact").content.decode()

    assert "unified diff" in page and "does not serve" not in page


def test_the_relation_as_the_index_names_it_finds_the_same_page(api):
    prefixed = api.get("/doc/pb:integrations?context=index")

    assert prefixed.status_code == 200
    assert prefixed.content == api.get("/doc/integrations?context=index").content


@pytest.mark.parametrize(
    "rel", ["no-such-relation", "xx:publish-pact", "pb:no-such-relation", "webhooks-nothing", "%00"]
)
def test_an_unknown_relation_is_a_json_404(api, rel):
    response = api.get(f"/doc/{rel}")

    assert response.status_code == 404
    assert response["Content-Type"] == HAL
    assert response.json()["error"].startswith("No documentation for the relation")


def test_doc_pages_are_read_only(api):
    response = api.post("/doc/integrations", {})

    assert response.status_code == 405
    assert response["Content-Type"] == HAL
