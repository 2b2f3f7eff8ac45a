"""Every relation the HAL index advertises leads somewhere, and so does every curie doc link.

The index is the clients' map of the API: a relation that answers 404 breaks whoever
follows it. These tests fill each template with real data and follow it.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest

from contracts.models import Environment

BASE = "http://testserver"
PLACEHOLDER = re.compile(r"\{([^}]+)\}")
# Relations whose resource answers something other than 200 to a GET, and why.
NOT_A_GET = {
    "pb:publish-contracts": 405,  # POST only
}


@pytest.fixture
def values(api, td) -> dict[str, dict[str, str]]:
    """Real values for each placeholder (a pact with branch and tag, a verification, a
    deployment, an environment, a webhook), with per-relation overrides for `{uuid}`."""
    td.publish("Web", "1.0", provider="API", branch="main", tags=["prod"]).verify("2.0", branch="main")
    td.deploy("API", "2.0", to="production")
    webhook = {"events": [{"name": "contract_published"}], "request": {"method": "POST", "url": "https://ci.example/h"}}
    webhook_uuid = api.post("/webhooks", webhook).json()["uuid"]
    common = {
        "provider": "API",
        "consumer": "Web",
        "pacticipant": "Web",
        "version": "1.0",
        "consumerApplicationVersion": "1.0",
        "tag": "prod",
        "branch": "main",
        "environment": "production",
    }
    return {
        "*": common,
        "pb:webhook": {**common, "uuid": webhook_uuid},
        "pb:environment": {**common, "uuid": str(Environment.objects.get(name="production").uuid)},
    }


def _fill(href: str, values: dict[str, str]) -> str:
    """The href's path and query, each {placeholder} replaced by its percent-encoded value."""
    missing = [name for name in PLACEHOLDER.findall(href) if name not in values]
    assert not missing, f"no test value for {missing} in {href}: add one to the `values` fixture"
    filled = PLACEHOLDER.sub(lambda match: quote(values[match.group(1)], safe=""), href)
    assert filled.startswith(BASE), filled
    parts = urlsplit(filled)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _relations(links: dict) -> list[tuple[str, dict]]:
    """(relation, link) for every link of a `_links` object (arrays give one entry each)."""
    out = []
    for rel, link in links.items():
        if rel == "curies":
            continue
        for one in link if isinstance(link, list) else [link]:
            out.append((rel, one))
    return out


def test_every_index_relation_answers_a_get(api, values):
    links = api.get("/").json()["_links"]
    failures = []

    for rel, link in _relations(links):
        path = _fill(link["href"], values.get(rel, values["*"]))
        response = api.get(path)
        expected = NOT_A_GET.get(rel, 200)
        if response.status_code != expected:
            failures.append(f"{rel} GET {path}: {response.status_code} {response.content[:150]!r}")

    assert not failures, "\n".join(failures)
    walked = {rel for rel, _ in _relations(links)}
    assert {
        "pb:integrations",
        "pb:metrics",
        "beta:provider-pacts-for-verification",
        "accord:verification-runs",
    } <= walked
    assert len(walked) >= 36


def _doc_links(links: dict) -> list[tuple[str, str]]:
    """(relation, doc path) for every prefixed relation, through the curie of its prefix."""
    curies = {curie["name"]: curie["href"] for curie in links.get("curies", [])}
    out = []
    for rel in links:
        if ":" not in rel:
            continue
        prefix, name = rel.split(":", 1)
        assert prefix in curies, f"{rel} has no curie named {prefix}"
        out.append((rel, _fill(curies[prefix], {"rel": name})))
    return out


def _assert_doc_pages(api, links: dict) -> int:
    failures = []
    pages = _doc_links(links)
    for rel, path in pages:
        response = api.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            failures.append(f"{rel} GET {path}: {response.status_code} {response['Content-Type']}")
        elif rel.split(":", 1)[1].encode() not in response.content:
            failures.append(f"{rel} GET {path}: the page does not name the relation")
    assert not failures, "\n".join(failures)
    return len(pages)


def test_every_index_relation_has_a_doc_page(api):
    assert _assert_doc_pages(api, api.get("/").json()["_links"]) >= 35


def test_every_relation_of_resources_with_curies_has_a_doc_page(api, values):
    api.put("/pacticipants/Web/labels/team")
    resources = [
        "/pacts/provider/API/consumer/Web/version/1.0",  # context=pact
        "/pacticipants/Web",  # context=pacticipant
        "/pacticipants/Web/versions/1.0",  # context=version
        "/pacts/latest",  # context=index
        "/webhooks",  # /doc/webhooks-{rel}
        "/webhooks/provider/API/consumer/Web",
    ]
    checked = 0
    for path in resources:
        links = api.get(path).json()["_links"]
        assert "curies" in links, path
        checked += _assert_doc_pages(api, links)

    assert checked >= 40


def test_a_relation_means_what_its_resource_says(api):
    from_index = api.get("/doc/pacticipant?context=index")
    from_version = api.get("/doc/pacticipant?context=version")

    assert from_index.status_code == from_version.status_code == 200
    assert b"this version belongs to" in from_version.content
    assert b"this version belongs to" not in from_index.content
