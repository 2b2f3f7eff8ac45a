"""Integrations through the HTTP API (spec 3.16): the list, the DOT graph, deleting a pair, deleting all."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from django.test import override_settings

from contracts.models import (
    Branch,
    BranchVersion,
    Contract,
    ContractPublication,
    DeployedVersion,
    Environment,
    Integration,
    Label,
    Pacticipant,
    ReleasedVersion,
    Tag,
    Verification,
    Version,
)
from verifier.models import VerificationRun
from webhooks.models import TriggeredWebhook, Webhook, WebhookExecution

HAL = "application/hal+json; charset=utf-8"
BASE = "http://testserver"
AUTH = {
    "ACCORD_BASIC_AUTH_USERNAME": "writer",
    "ACCORD_BASIC_AUTH_PASSWORD": "w-pass",
    "ACCORD_BASIC_AUTH_READ_ONLY_USERNAME": "reader",
    "ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD": "r-pass",
}
WRITER = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"writer:w-pass").decode()}
READER = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"reader:r-pass").decode()}
HOOK = {"events": [{"name": "contract_published"}], "request": {"method": "POST", "url": "https://ci.example/hook"}}


def _updated(consumer: str, provider: str, day: int) -> None:
    """Pin when an integration's contract data last changed (the list's order)."""
    Integration.objects.filter(consumer__name=consumer, provider__name=provider).update(
        contract_data_updated_at=datetime(2000, 1, day, tzinfo=UTC)
    )


@pytest.fixture
def network(td) -> None:
    """Foo->Bar, Apple->Pear and Dog->Cat (the Pact Broker's own example), Dog->Cat newest."""
    for day, (consumer, provider) in enumerate([("Foo", "Bar"), ("Apple", "Pear"), ("Dog", "Cat")], start=1):
        td.publish(consumer, "1.0", provider=provider)
        _updated(consumer, provider, day)


def _pairs(body: dict) -> list[tuple[str, str]]:
    return [(i["consumer"]["name"], i["provider"]["name"]) for i in body["_embedded"]["integrations"]]


def test_list_embeds_each_pair_with_links_to_what_accord_has(api, td):
    td.publish("Web", "1.0", provider="API")

    response = api.get("/integrations")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    assert body["_links"] == {"self": {"title": "All integrations", "href": f"{BASE}/integrations"}}
    assert body["_embedded"]["integrations"] == [
        {
            "consumer": {"name": "Web"},
            "provider": {"name": "API"},
            "_links": {
                "pb:consumer": {"title": "Consumer", "name": "Web", "href": f"{BASE}/pacticipants/Web"},
                "pb:provider": {"title": "Provider", "name": "API", "href": f"{BASE}/pacticipants/API"},
                "pb:latest-pact-version": {
                    "title": "Latest version of the pact",
                    "href": f"{BASE}/pacts/provider/API/consumer/Web/latest",
                },
                "pb:all-pact-versions": {
                    "title": "All versions of the pact",
                    "href": f"{BASE}/pacts/provider/API/consumer/Web/versions",
                },
                # Absolute, where the Pact Broker's lacks the base URL.
                "pb:matrix": {
                    "title": "Matrix of pacts/verification results for Web and API",
                    "href": f"{BASE}/matrix/provider/API/consumer/Web",
                },
                "pb:group": {"href": f"{BASE}/pacticipants/Web"},
                "pb:delete_integration": {
                    "title": "Delete the integration between Web and API",
                    "href": f"{BASE}/integrations/provider/API/consumer/Web",
                },
            },
        }
    ]
    assert "page" not in body  # no pagination unless asked, as upstream


def test_every_link_of_an_integration_leads_somewhere(api, td):
    td.publish("Web", "1.0", provider="API").verify("2.0")
    [integration] = api.get("/integrations").json()["_embedded"]["integrations"]

    for rel, link in integration["_links"].items():
        if rel != "pb:delete_integration":
            assert api.get(link["href"].removeprefix(BASE)).status_code == 200, rel


def test_names_are_encoded_in_links(api, td):
    td.publish("team/Web app", "1.0", provider="Pricing Service")

    [integration] = api.get("/integrations").json()["_embedded"]["integrations"]

    assert integration["consumer"] == {"name": "team/Web app"}
    href = integration["_links"]["pb:delete_integration"]["href"]
    assert href == f"{BASE}/integrations/provider/Pricing%20Service/consumer/team%2FWeb%20app"


def test_most_recently_updated_first(api, network):
    assert _pairs(api.get("/integrations").json()) == [("Dog", "Cat"), ("Apple", "Pear"), ("Foo", "Bar")]


def test_publishing_again_moves_an_integration_to_the_top(api, td, network):
    td.publish("Foo", "2.0", provider="Bar", variant="b")

    assert _pairs(api.get("/integrations").json())[0] == ("Foo", "Bar")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("pp", [("Apple", "Pear")]),
        ("o", [("Dog", "Cat"), ("Foo", "Bar")]),  # consumer or provider name
        ("e", [("Apple", "Pear")]),  # both names of one pair match: listed once
        ("PEAR", [("Apple", "Pear")]),  # ignoring case
        ("x", []),
        ("", [("Dog", "Cat"), ("Apple", "Pear"), ("Foo", "Bar")]),
    ],
)
def test_q_keeps_pairs_with_a_name_containing_it(api, network, q, expected):
    response = api.get("/integrations", {"q": q})

    assert response.status_code == 200
    assert _pairs(response.json()) == expected


def test_pages_when_asked(api, network):
    first = api.get("/integrations", {"size": "2", "page": "1"}).json()
    second = api.get("/integrations", {"size": "2", "page": "2"}).json()

    assert _pairs(first) == [("Dog", "Cat"), ("Apple", "Pear")]
    assert first["page"] == {"number": 1, "size": 2, "totalElements": 3, "totalPages": 2}
    assert first["_links"]["next"]["href"] == f"{BASE}/integrations?page=2&size=2"
    assert "previous" not in first["_links"]
    assert _pairs(second) == [("Foo", "Bar")]
    assert second["_links"]["previous"]["href"] == f"{BASE}/integrations?page=1&size=2"


def test_pages_keep_the_filter(api, network):
    body = api.get("/integrations", {"q": "o", "size": "1"}).json()

    assert _pairs(body) == [("Dog", "Cat")]
    assert body["_links"]["next"]["href"] == f"{BASE}/integrations?q=o&page=2&size=1"


@pytest.mark.parametrize("params", [{"page": "0"}, {"size": "many"}, {"pageSize": "-1"}])
def test_bad_pagination_is_a_400_naming_the_parameter(api, network, params):
    response = api.get("/integrations", params)

    assert response.status_code == 400
    [(name, messages)] = response.json()["errors"].items()
    assert name == next(iter(params))
    assert "whole number" in messages[0]


def test_graphviz_accept_gets_a_dot_graph_of_the_network(api, network, td):
    td.publish("Pricing Service", "1.0", provider='Legacy "core"')
    _updated("Pricing Service", 'Legacy "core"', 4)

    response = api.get("/integrations", HTTP_ACCEPT="text/vnd.graphviz")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/vnd.graphviz;charset=utf-8"
    assert response.content.decode() == (
        "digraph {\n"
        "  ranksep=3; ratio=auto; overlap=false;\n"
        "  node [shape=plaintext, fontname=Helvetica];\n"
        '  "Pricing Service" -> "Legacy \\"core\\"";\n'
        "  Dog -> Cat;\n"
        "  Apple -> Pear;\n"
        "  Foo -> Bar;\n"
        "}\n"
    )


def test_the_dot_graph_takes_the_filter_too(api, network):
    response = api.get("/integrations", {"q": "pp"}, HTTP_ACCEPT="text/vnd.graphviz, */*;q=0.1")

    assert response.content.decode().splitlines()[3:] == ["  Apple -> Pear;", "}"]


@pytest.mark.parametrize("accept", ["*/*", "application/hal+json", "application/json, text/plain", ""])
def test_other_accept_headers_get_hal(api, network, accept):
    response = api.get("/integrations", HTTP_ACCEPT=accept)

    assert response["Content-Type"] == HAL
    assert len(response.json()["_embedded"]["integrations"]) == 3


# --- deleting one integration --------------------------------------------------------------


def test_delete_removes_the_pairs_contract_data_and_keeps_the_rest(api, td):
    td.publish("Web", "1.0", provider="API", branch="main", tags=["prod"]).verify("2.0")
    td.publish("Web", "2.0", provider="API", variant="b").verify("2.1", success=False)
    td.publish("Web", "2.0", provider="Other").verify("9.0")
    td.publish("Mobile", "1.0", provider="API").verify("2.0")
    td.deploy("Web", "1.0", to="production")

    response = api.delete("/integrations/provider/API/consumer/Web")

    assert response.status_code == 204
    assert response.content == b""
    pair = {"consumer__name": "Web", "provider__name": "API"}
    assert not ContractPublication.objects.filter(**pair).exists()
    assert not Contract.objects.filter(**pair).exists()
    assert not Verification.objects.filter(**pair).exists()
    assert not Integration.objects.filter(**pair).exists()
    # Other pairs keep everything; the pacticipants keep their versions, tags, deployments.
    for consumer, provider in (("Web", "Other"), ("Mobile", "API")):
        assert Integration.objects.filter(consumer__name=consumer, provider__name=provider).exists()
        assert ContractPublication.objects.filter(consumer__name=consumer, provider__name=provider).count() == 1
        assert Verification.objects.filter(consumer__name=consumer, provider__name=provider).count() == 1
    assert set(Pacticipant.objects.values_list("name", flat=True)) == {"Web", "API", "Other", "Mobile"}
    assert set(Version.objects.filter(pacticipant__name="Web").values_list("number", flat=True)) == {"1.0", "2.0"}
    assert Tag.objects.filter(version__number="1.0", name="prod").exists()
    assert DeployedVersion.objects.filter(version__pacticipant__name="Web").exists()
    assert api.get("/pacts/provider/API/consumer/Web/latest").status_code == 404
    assert set(_pairs(api.get("/integrations").json())) == {("Mobile", "API"), ("Web", "Other")}


def test_delete_with_encoded_names(api, td):
    td.publish("team/Web app", "1.0", provider="Pricing Service")

    response = api.delete("/integrations/provider/Pricing%20Service/consumer/team%2FWeb%20app")

    assert response.status_code == 204
    assert not Integration.objects.exists()
    assert not ContractPublication.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/integrations/provider/Web/consumer/API",  # both exist, but not as this pair
        "/integrations/provider/API/consumer/Nobody",
        "/integrations/provider/Nobody/consumer/Web",
    ],
)
def test_delete_of_a_pair_without_an_integration_is_404_and_deletes_nothing(api, td, path):
    td.publish("Web", "1.0", provider="API").verify("2.0")

    response = api.delete(path)

    assert response.status_code == 404
    assert response["Content-Type"] == HAL
    assert "No integration between" in response.json()["error"]
    assert Integration.objects.count() == ContractPublication.objects.count() == Verification.objects.count() == 1


def test_an_integration_has_no_get(api, td):
    td.publish("Web", "1.0", provider="API")

    response = api.get("/integrations/provider/API/consumer/Web")

    assert response.status_code == 405
    assert "DELETE" in response["Allow"]
    assert Integration.objects.count() == 1


# --- deleting all data ---------------------------------------------------------------------


def _everything(api, td) -> None:
    """Data in every table contracts/ and verifier/ own, webhooks and deliveries included."""
    assert api.post("/webhooks", HOOK).status_code == 201
    td.publish("Web", "1.0", provider="API", branch="main", tags=["prod"]).verify("2.0")
    td.deploy("API", "2.0", to="production").release("Web", "1.0", to="production")
    api.put("/pacticipants/Web/labels/team")
    triggered = TriggeredWebhook.objects.get()
    WebhookExecution.objects.create(triggered_webhook=triggered, attempt=1, success=True)
    VerificationRun.objects.create(
        provider=Pacticipant.objects.get(name="API"), provider_version_number="2.1", base_url="https://api.example"
    )


def test_delete_all_removes_every_pacticipant_and_what_refers_to_one_but_keeps_environments(api, td):
    _everything(api, td)

    response = api.delete("/integrations")

    assert response.status_code == 204
    emptied = (Pacticipant, Label, Version, Branch, BranchVersion, Tag, Contract, ContractPublication, Integration,
               Verification, DeployedVersion, ReleasedVersion, Webhook, TriggeredWebhook, WebhookExecution,
               VerificationRun)  # fmt: skip
    for model in emptied:
        assert not model.objects.exists(), model.__name__
    assert list(Environment.objects.values_list("name", flat=True)) == ["production"]
    assert api.get("/integrations").json()["_embedded"]["integrations"] == []


def test_the_broker_works_after_deleting_all(api, td):
    _everything(api, td)
    api.delete("/integrations")

    td.publish("Web", "1.0", provider="API")

    assert _pairs(api.get("/integrations").json()) == [("Web", "API")]


@override_settings(**AUTH)
def test_deleting_needs_write_access(api, td):
    td.publish("Web", "1.0", provider="API")

    for path in ("/integrations", "/integrations/provider/API/consumer/Web"):
        refused = api.delete(path, **READER)
        assert refused.status_code == 403, path
        assert Integration.objects.count() == ContractPublication.objects.count() == 1
    assert api.get("/integrations", **READER).status_code == 200
    assert api.delete("/integrations/provider/API/consumer/Web", **WRITER).status_code == 204
    assert not Integration.objects.exists()
