"""The HAL index: clients discover every feature from its relation names."""

from __future__ import annotations

import pytest
from django.test import override_settings

FEATURE_RELATIONS = [
    "pb:publish-contracts",
    "pb:provider-pacts-for-verification",
    "pb:latest-provider-pacts",
    "pb:pacticipant",
    "pb:pacticipants",
    "pb:pacticipant-version",
    "pb:latest-version",
    "pb:latest-tagged-version",
    "pb:pacticipant-version-tag",
    "pb:pacticipant-branch-version",
    "pb:pacticipant-branch",
    "pb:environments",
    "pb:environment",
    "pb:webhook",
    "pb:webhooks",
    "pb:latest-pact-versions",
    "pb:publish-pact",
]


def test_index_is_hal_with_absolute_links_from_the_request_host(api):
    response = api.get("/", HTTP_HOST="broker.example:8443")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/hal+json; charset=utf-8"
    assert response["X-Pact-Broker-Version"]
    links = response.json()["_links"]
    assert links["self"]["href"] == "http://broker.example:8443"
    assert links["pb:pacticipant"] == {
        "href": "http://broker.example:8443/pacticipants/{pacticipant}",
        "title": "Fetch pacticipant by name",
        "templated": True,
    }


@pytest.mark.parametrize("relation", FEATURE_RELATIONS)
def test_index_has_every_relation_the_clients_follow(api, relation):
    assert relation in api.get("/").json()["_links"]


@override_settings(ACCORD_BASE_URLS=["https://pact.example.com"])
def test_configured_base_url_wins_over_the_host_header(api):
    links = api.get("/", HTTP_HOST="evil.example").json()["_links"]
    assert links["pb:publish-contracts"]["href"] == "https://pact.example.com/contracts/publish"


@pytest.mark.parametrize("accept", ["*/*", "application/json", "application/hal+json", ""])
def test_index_answers_hal_whatever_the_client_accepts(api, accept):
    response = api.get("/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/hal+json")
