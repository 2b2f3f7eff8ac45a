"""`/` answers the UI to a browser and the HAL index, unchanged, to every API client."""

from __future__ import annotations

import pytest

from tests.client import ApiClient

CHROMIUM = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# What the Pact clients send (/work/shared/docs/client-wire.md), then the generic ones.
API_ACCEPTS = [
    "application/hal+json, application/json",  # Rust `pact broker`, Rust verifier
    "application/hal+json",  # Ruby `pact-broker`, Ruby verifier
    "application/json",
    "*/*",  # curl, the Ruby verifier fetching pacts
    None,  # no Accept header at all
    "text/html;q=0.5, application/hal+json",  # HTML acceptable, but JSON preferred
    "text/plain",  # accepts neither: the first offer (HAL), never a 406
]


@pytest.mark.parametrize("accept", API_ACCEPTS)
def test_api_clients_keep_the_hal_index(api: ApiClient, accept: str | None) -> None:
    # An empty header is what a client that sends none looks like to the view.
    response = api.get("/", HTTP_ACCEPT=accept or "")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/hal+json")
    body = response.json()
    assert body["_links"]["pb:publish-contracts"]["href"] == "http://testserver/contracts/publish"
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize("accept", [CHROMIUM, FIREFOX, "text/html"])
def test_browsers_get_the_home_page(api: ApiClient, accept: str) -> None:
    response = api.get("/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "<title>Integrations · Accord</title>" in response.content.decode()
    assert "Accept" in response["Vary"] and "HX-Request" in response["Vary"]


def test_htmx_requests_get_the_results_partial(api: ApiClient) -> None:
    response = api.get("/", HTTP_ACCEPT="*/*", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="results">')
    assert "<html" not in html


def test_a_post_to_the_index_stays_with_the_api(api: ApiClient) -> None:
    response = api.post("/", {}, HTTP_ACCEPT=CHROMIUM)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/")


def test_the_hal_index_lists_the_same_relations_as_before(api: ApiClient) -> None:
    from contracts.api.index import RELATIONS

    links = api.get("/").json()["_links"]
    assert {relation.rel for relation in RELATIONS} <= set(links)
