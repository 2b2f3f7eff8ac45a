"""Publishing through the HTTP API: POST /contracts/publish and the legacy PUT/PATCH/DELETE /pacts/..."""

from __future__ import annotations

import base64
import json

import pytest

from contracts.models import Contract, ContractPublication, Pacticipant, Version
from tests.builders import interaction, pact_document, pact_json
from webhooks.models import TriggeredWebhook

PUBLISH = "/contracts/publish"
BASE = "http://testserver"


@pytest.fixture
def api(api):
    """The shared client, sending dict/list bodies as JSON for every method.

    Django's post() form-encodes a dict and put()/patch() label it application/octet-stream
    before tests/client.py sees it, so the content type is set here explicitly.
    """
    return JsonBodies(api)


class JsonBodies:
    def __init__(self, client) -> None:
        self._client = client

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def _send(self, method: str, path: str, data=None, content_type: str | None = None, **extra):
        if isinstance(data, (dict, list)):
            data, content_type = json.dumps(data), content_type or "application/json"
        send = getattr(self._client, method)
        return send(path, data if data is not None else "", content_type=content_type or "application/json", **extra)

    def post(self, path: str, data=None, **kwargs):
        return self._send("post", path, data, **kwargs)

    def put(self, path: str, data=None, **kwargs):
        return self._send("put", path, data, **kwargs)

    def patch(self, path: str, data=None, **kwargs):
        return self._send("patch", path, data, **kwargs)


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def contract(consumer: str = "Web", provider: str = "API", *, content: str | None = None, **fields) -> dict:
    item = {
        "consumerName": consumer,
        "providerName": provider,
        "specification": "pact",
        "contentType": "application/json",
        "content": b64(content if content is not None else pact_json(consumer, provider)),
    }
    item.update(fields)
    return item


def body(consumer: str = "Web", version: str = "1.0", *, contracts: list | None = None, **fields) -> dict:
    data = {
        "pacticipantName": consumer,
        "pacticipantVersionNumber": version,
        "contracts": contracts if contracts is not None else [contract(consumer)],
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not ...}


def texts(response) -> list[str]:
    return [notice["text"] for notice in response.json()["notices"]]


def assert_nothing_stored() -> None:
    assert Pacticipant.objects.count() == 0
    assert Version.objects.count() == 0
    assert Contract.objects.count() == 0
    assert ContractPublication.objects.count() == 0


# --- POST /contracts/publish: success ---------------------------------------------------------


def test_publish_answers_every_field_the_rust_cli_parses(api):
    response = api.post(PUBLISH, body(branch="main", tags=["dev", "feat-x"], buildUrl="https://ci.example/1"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/hal+json; charset=utf-8"
    data = response.json()
    assert data["_embedded"] == {
        "pacticipant": {"name": "Web", "_links": {"self": {"href": f"{BASE}/pacticipants/Web"}}},
        "version": {
            "number": "1.0",
            "_links": {"self": {"title": "Version", "name": "1.0", "href": f"{BASE}/pacticipants/Web/versions/1.0"}},
        },
    }
    assert data["_links"] == {
        "pb:pacticipant": {"title": "Pacticipant", "name": "Web", "href": f"{BASE}/pacticipants/Web"},
        "pb:pacticipant-version": {
            "title": "Pacticipant version",
            "name": "1.0",
            "href": f"{BASE}/pacticipants/Web/versions/1.0",
        },
        "pb:pacticipant-version-tags": [
            {"title": "Tag", "name": "dev", "href": f"{BASE}/pacticipants/Web/versions/1.0/tags/dev"},
            {"title": "Tag", "name": "feat-x", "href": f"{BASE}/pacticipants/Web/versions/1.0/tags/feat-x"},
        ],
        "pb:contracts": [
            {
                "title": "Pact",
                "name": "Pact between Web (1.0) and API",
                "href": f"{BASE}/pacts/provider/API/consumer/Web/version/1.0",
            }
        ],
    }
    assert all(set(notice) == {"type", "text"} for notice in data["notices"])
    assert data["logs"] == [
        {"level": n["type"], "message": n["text"], "deprecationWarning": "Replaced by notices"} for n in data["notices"]
    ]

    version = Version.objects.get(pacticipant__name="Web", number="1.0")
    assert version.build_url == "https://ci.example/1"
    assert sorted(version.tags.values_list("name", flat=True)) == ["dev", "feat-x"]
    assert list(version.branch_versions.values_list("branch_name", flat=True)) == ["main"]
    publication = ContractPublication.objects.get(consumer_version=version, provider__name="API")
    stored = json.loads(publication.contract.document)
    assert stored["consumer"] == {"name": "Web"}
    assert all("_id" in item for item in stored["interactions"])


def test_notices_for_a_new_version_with_branch_and_tags(api):
    response = api.post(PUBLISH, body(branch="main", tags=["dev", "feat-x"]))

    assert texts(response) == [
        "Created Web version 1.0 with branch main and tags dev, feat-x",
        "Pact successfully published for Web version 1.0 and provider API.",
        f"  View the published pact at {BASE}/pacts/provider/API/consumer/Web/version/1.0",
        "  Events detected: contract_published, contract_content_changed (first time any pact published for this "
        "consumer with consumer version tagged dev, first time any pact published for this consumer with consumer "
        "version tagged feat-x)",
        "  Next steps:",
        "    * Add Pact verification tests to the API build. See https://docs.pact.io/go/provider_verification",
        (
            "    * Configure separate API pact verification build and webhook to trigger it when the pact content "
            "changes. See https://docs.pact.io/go/webhooks"
        ),
    ]
    assert [n["type"] for n in response.json()["notices"]] == [
        "debug",
        "success",
        "debug",
        "debug",
        "prompt",
        "prompt",
        "prompt",
    ]


def test_without_a_branch_the_answer_prompts_for_one(api):
    response = api.post(PUBLISH, body(tags=["a", "b"]))

    assert texts(response)[:2] == [
        "Created Web version 1.0 with tags a, b",
        "  Next steps:\n    Configure the version branch to be the value of your repository branch.",
    ]
    assert response.json()["notices"][1]["type"] == "prompt"


def test_republishing_the_same_content_updates_the_version_and_changes_nothing(api, td):
    td.publish("Web", "1.0", provider="API").verify("9.0")
    response = api.post(PUBLISH, body(branch="main"))

    assert response.status_code == 200
    notices = texts(response)
    assert notices[0] == "Updated Web version 1.0 with branch main"
    assert "Pact successfully republished for Web version 1.0 and provider API with no content changes." in notices
    assert "  Events detected: contract_published, contract_content_unchanged (pact content was unchanged)" in notices
    assert not any("Add Pact verification tests" in text for text in notices)
    assert ContractPublication.objects.count() == 1


def test_the_ruby_clients_own_contract_body_is_accepted(api):
    # Exactly what the Ruby client's pact (Pact Broker Client V2) sends, content included.
    content = (
        "eyJjb25zdW1lciI6eyJuYW1lIjoiRm9vIn0sInByb3ZpZGVyIjp7Im5hbWUiOiJCYXIifSwiaW50ZXJhY3Rpb25zIjpbeyJkZXNjcmlwdGlvbiI6"
        "ImFuIGV4YW1wbGUgcmVxdWVzdCIsInByb3ZpZGVyU3RhdGUiOiJhIHByb3ZpZGVyIHN0YXRlIiwicmVxdWVzdCI6eyJtZXRob2QiOiJHRVQiLCJw"
        "YXRoIjoiLyIsImhlYWRlcnMiOnt9fSwicmVzcG9uc2UiOnsic3RhdHVzIjoyMDAsImhlYWRlcnMiOnsiQ29udGVudC1UeXBlIjoiYXBwbGljYXRp"
        "b24vaGFsK2pzb24ifX19XSwibWV0YWRhdGEiOnsicGFjdFNwZWNpZmljYXRpb24iOnsidmVyc2lvbiI6IjIuMC4wIn19fQ=="
    )
    request = {
        "branch": "main",
        "buildUrl": "http://build",
        "contracts": [
            {
                "consumerName": "Foo",
                "content": content,
                "contentType": "application/json",
                "onConflict": "merge",
                "providerName": "Bar",
                "specification": "pact",
            }
        ],
        "pacticipantName": "Foo",
        "pacticipantVersionNumber": "5556b8149bf8bac76bc30f50a8a2dd4c22c85f30",
        "tags": ["dev"],
    }
    response = api.post(PUBLISH, request, HTTP_ACCEPT="application/hal+json")

    assert response.status_code == 200
    assert response.json()["_links"]["pb:pacticipant-version-tags"][0]["name"] == "dev"
    assert ContractPublication.objects.filter(consumer__name="Foo", provider__name="Bar").count() == 1


def test_several_providers_are_listed_in_request_order(api):
    response = api.post(PUBLISH, body(contracts=[contract(provider="Zeta"), contract(provider="Alpha")]))

    names = [link["name"] for link in response.json()["_links"]["pb:contracts"]]
    assert names == ["Pact between Web (1.0) and Zeta", "Pact between Web (1.0) and Alpha"]
    assert ContractPublication.objects.count() == 2


def test_names_with_slashes_and_spaces_are_encoded_in_every_href(api):
    response = api.post(
        PUBLISH, body("team/web", "1 0", contracts=[contract("team/web", "Pricing Service")], tags=["feat/x"])
    )

    links = response.json()["_links"]
    assert links["pb:pacticipant-version"]["href"] == f"{BASE}/pacticipants/team%2Fweb/versions/1%200"
    assert links["pb:pacticipant-version-tags"][0]["href"].endswith("/versions/1%200/tags/feat%2Fx")
    assert (
        links["pb:contracts"][0]["href"] == f"{BASE}/pacts/provider/Pricing%20Service/consumer/team%2Fweb/version/1%200"
    )
    assert api.get(links["pb:contracts"][0]["href"]).status_code == 200


def test_merge_adds_interactions_to_the_existing_pact(api):
    first = pact_document("Web", "API", interactions=[interaction("a", path="/a")])
    second = pact_document("Web", "API", interactions=[interaction("b", path="/b")])
    api.post(PUBLISH, body(contracts=[contract(content=json.dumps(first))]))

    response = api.post(PUBLISH, body(contracts=[contract(content=json.dumps(second), onConflict="merge")]))

    assert response.status_code == 200
    assert "Pact content merged with the existing content for Web version 1.0 and provider API." in texts(response)
    current = ContractPublication.objects.get(is_current=True)
    assert sorted(i["description"] for i in json.loads(current.contract.document)["interactions"]) == ["a", "b"]


def test_contracts_other_than_pacts_are_skipped_with_a_notice(api):
    other = contract(provider="Events", specification="asyncapi", contentType="application/yaml", content="x: 1")
    response = api.post(PUBLISH, body(contracts=[contract(), other]))

    assert response.status_code == 200
    assert any("asyncapi contract for provider Events was not stored" in text for text in texts(response))
    assert len(response.json()["_links"]["pb:contracts"]) == 1
    assert not Pacticipant.objects.filter(name="Events").exists()


# --- POST /contracts/publish: conflicts and bad input ---------------------------------------------


def test_changed_content_for_a_published_version_is_a_409_with_notices(api):
    api.post(PUBLISH, body())
    changed = pact_json("Web", "API", variant="changed")

    response = api.post(PUBLISH, body(contracts=[contract(content=changed)], tags=["new"]))

    assert response.status_code == 409
    data = response.json()
    assert data["notices"][0]["type"] == "error"
    assert data["notices"][0]["text"].startswith("Cannot change the content of the pact for Web version 1.0")
    assert data["errors"]["contracts"] == [data["notices"][0]["text"]]
    assert ContractPublication.objects.count() == 1
    assert not Version.objects.get(number="1.0").tags.exists()  # the tag of the refused request was rolled back


def test_a_409_shows_how_the_new_content_differs_from_the_stored_content(api):
    stored = [interaction("get an order", path="/orders/1")]
    sent = [interaction("get an order", path="/orders/2")]
    api.post(PUBLISH, body(contracts=[contract(content=pact_json("Web", "API", interactions=stored))]))

    response = api.post(PUBLISH, body(contracts=[contract(content=pact_json("Web", "API", interactions=sent))]))

    assert response.status_code == 409
    error, difference = response.json()["notices"]
    assert error["type"] == "error" and difference["type"] == "info"
    lines = difference["text"].splitlines()
    assert lines[:2] == ["--- stored", "+++ published"]
    assert '-        "path": "/orders/1"' in lines
    assert '+        "path": "/orders/2"' in lines
    assert not any('"_id"' in line for line in lines)  # our interaction ids are not content


# --- POST /contracts/publish: what the events triggered -------------------------------------------


def _webhook(api, *events: str, description: str = "CI build") -> None:
    created = api.post(
        "/webhooks",
        {
            "description": description,
            "provider": {"name": "API"},
            "events": [{"name": name} for name in events],
            "request": {"method": "POST", "url": "https://ci.example/build"},
        },
    )
    assert created.status_code == 201, created.content


def test_each_triggered_webhook_is_named_with_a_link_to_its_logs(api):
    api.post(PUBLISH, body(version="0.9"))
    _webhook(api, "contract_published", "contract_content_changed")

    response = api.post(PUBLISH, body(contracts=[contract(content=pact_json("Web", "API", variant="new"))]))

    triggered = {t.event_name: t for t in TriggeredWebhook.objects.all()}
    assert set(triggered) == {"contract_published", "contract_content_changed"}
    notices = texts(response)
    for event_name in ("contract_published", "contract_content_changed"):
        assert (
            f'  Webhook "CI build" triggered for event {event_name}.\n'
            f"    View logs at {BASE}/triggered-webhooks/{triggered[event_name].uuid}/logs"
        ) in notices
    assert "  No enabled webhooks found for the detected events" not in notices
    assert not any("Configure separate" in text for text in notices)


def test_webhooks_that_match_no_detected_event_are_reported(api):
    api.post(PUBLISH, body(version="0.9"))
    _webhook(api, "provider_verification_published")

    notices = texts(api.post(PUBLISH, body()))

    assert "  No enabled webhooks found for the detected events" in notices
    assert not any("triggered for event" in text for text in notices)
    assert not any("Configure separate" in text for text in notices)
    assert not TriggeredWebhook.objects.exists()


def test_content_published_again_unchanged_under_a_tag_says_so(api):
    api.post(PUBLISH, body(version="1.0", tags=["main"]))

    notices = texts(api.post(PUBLISH, body(version="1.1", tags=["main"])))

    assert (
        "  Events detected: contract_published (pact content is the same as previous version with tag main and no "
        "new tags were applied)"
    ) in notices


def test_a_missing_version_number_is_the_pact_brokers_exact_400(api):
    response = api.post(PUBLISH, body(pacticipantVersionNumber=...))

    assert response.status_code == 400
    assert response.json() == {"errors": {"pacticipantVersionNumber": ["is missing"]}}
    assert_nothing_stored()


def _nan_pact() -> str:
    return pact_json("Web", "API").replace('"id": 1', '"id": NaN')


def _schema_error_pact() -> str:
    return pact_json("Web", "API").replace('"status": 200', '"status": "ok"')


BAD_REQUESTS = {
    "body is not an object": ([body()], "body"),
    "pacticipantName missing": (body(pacticipantName=...), "pacticipantName"),
    "blank version number": (body(version="  "), "pacticipantVersionNumber"),
    "contracts missing": (body(contracts=...), "contracts"),
    "contracts not an array": (body(contracts={"a": 1}), "contracts"),
    "tags not an array": (body(tags="dev"), "tags"),
    "blank tag": (body(tags=["ok", " "]), "tags[1]"),
    "branch not a string": (body(branch=["main"]), "branch"),
    "buildUrl too long": (body(buildUrl="http://x/" + "a" * 3000), "buildUrl"),
    "contract not an object": (body(contracts=["x"]), "contracts[0]"),
    "consumerName missing": (body(contracts=[contract(consumerName=None)]), "contracts[0].consumerName"),
    "consumerName differs from pacticipantName": (body(contracts=[contract("Mobile")]), "contracts[0].consumerName"),
    "providerName missing": (body(contracts=[contract(providerName=None)]), "contracts[0].providerName"),
    "specification missing": (body(contracts=[contract(specification=None)]), "contracts[0].specification"),
    "content missing": (body(contracts=[contract() | {"content": None}]), "contracts[0].content"),
    "onConflict unknown": (body(contracts=[contract(onConflict="replace")]), "contracts[0].onConflict"),
    "yaml content type": (body(contracts=[contract(contentType="application/yml")]), "contracts[0].contentType"),
    "bad base64": (body(contracts=[contract() | {"content": "not*base64!"}]), "contracts[0].content"),
    "base64 with line breaks": (
        body(contracts=[contract() | {"content": base64.encodebytes(pact_json("Web", "API").encode()).decode()}]),
        "contracts[0].content",
    ),
    "content not UTF-8": (body(contracts=[contract() | {"content": b64(b"\xff\xfe{}")}]), "contracts[0].content"),
    "content not JSON": (body(contracts=[contract(content="{not json")]), "contracts[0].content"),
    "content with NaN": (body(contracts=[contract(content=_nan_pact())]), "contracts[0].content"),
    "content fails the pact schema": (body(contracts=[contract(content=_schema_error_pact())]), "contracts[0].content"),
    "content names another provider": (
        body(contracts=[contract(content=pact_json("Web", "Other"))]),
        "contracts[0].content",
    ),
    "content is a JSON array": (body(contracts=[contract(content="[1, 2]")]), "contracts[0].content"),
    "two contracts for one provider": (body(contracts=[contract(), contract()]), "contracts"),
}


@pytest.mark.parametrize("request_body, field", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api, request_body, field):
    response = api.post(PUBLISH, request_body)

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in errors, errors
    assert all(isinstance(message, str) and message for message in errors[field])
    assert_nothing_stored()


def test_one_bad_contract_in_a_batch_stores_nothing(api):
    response = api.post(PUBLISH, body(contracts=[contract(provider="Good"), contract(provider="Bad", content="{")]))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["contracts[1].content"]
    assert_nothing_stored()


def test_every_problem_in_a_body_is_reported_at_once_with_its_path(api):
    response = api.post(
        PUBLISH,
        body(
            version="1.0\n",
            tags=["dev", 7],
            contracts=[contract("Mobile"), contract(provider="Good"), contract(provider="Bad", content="{")],
        ),
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"pacticipantVersionNumber", "tags[1]", "contracts[0].consumerName", "contracts[2].content"}
    assert errors["pacticipantVersionNumber"] == ["cannot contain a new line"]
    assert errors["tags[1]"] == ["must be a string"]
    assert errors["contracts[0].consumerName"] == ["must match pacticipantName ('Web') but is 'Mobile'"]
    assert [message.split(":")[0] for message in errors["contracts[2].content"]] == ["is not valid JSON"]
    assert_nothing_stored()


def test_malformed_json_body_is_a_400(api):
    response = api.post(PUBLISH, '{"pacticipantName": ', content_type="application/json")

    assert response.status_code == 400
    assert "errors" in response.json()
    assert_nothing_stored()


def test_an_empty_body_lists_the_missing_fields(api):
    response = api.post(PUBLISH)

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "pacticipantName": ["is missing"],
            "pacticipantVersionNumber": ["is missing"],
            "contracts": ["is missing"],
        }
    }
    assert_nothing_stored()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_non_json_content_type_is_a_415(api, content_type):
    response = api.post(PUBLISH, json.dumps(body()), content_type=content_type)

    assert response.status_code == 415
    assert "application/json" in response.json()["error"]
    assert_nothing_stored()


# --- legacy PUT / PATCH / DELETE /pacts/provider/P/consumer/C/version/V ------------------------------

LEGACY = "/pacts/provider/API/consumer/Web/version/1.0"


def test_put_creates_then_finds_the_pact(api):
    created = api.put(LEGACY, pact_document("Web", "API"))
    again = api.put(LEGACY, pact_document("Web", "API"))

    assert (created.status_code, again.status_code) == (201, 200)
    assert created["Content-Type"] == "application/hal+json; charset=utf-8"
    data = created.json()
    assert data["consumer"] == {"name": "Web"}
    assert data["_links"]["self"]["href"] == f"{BASE}{LEGACY}"
    assert data["_links"]["pb:publish-verification-results"]["href"].endswith("/verification-results")
    assert ContractPublication.objects.filter(consumer_version__number="1.0", provider__name="API").count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/pact/provider/API/consumer/Web/version/1.0",
        "/pacts/provider/API/consumer/Web/versions/1.0",
        "/pact/provider/API/consumer/Web/versions/1.0",
    ],
)
def test_put_works_at_the_deprecated_paths(api, path):
    response = api.put(path, pact_document("Web", "API"))

    assert response.status_code == 201
    assert api.get(LEGACY).status_code == 200


def test_put_with_changed_content_is_a_409_error(api):
    api.put(LEGACY, pact_document("Web", "API"))

    response = api.put(LEGACY, pact_document("Web", "API", variant="changed"))

    assert response.status_code == 409
    assert response.json()["error"].startswith("Cannot change the content of the pact for Web version 1.0")
    assert ContractPublication.objects.count() == 1


@pytest.mark.parametrize(
    "raw, content_type, status",
    [
        ("{not json", "application/json", 400),
        ('{"consumer": {"name": "Web"}, "provider": {"name": "Other"}, "interactions": []}', "application/json", 400),
        ('{"interactions": NaN}', "application/json", 400),
        ("", "application/json", 400),
        (pact_json("Web", "API"), "text/plain", 415),
    ],
)
def test_put_with_bad_input_stores_nothing(api, raw, content_type, status):
    response = api.put(LEGACY, raw, content_type=content_type)

    assert response.status_code == status, response.content
    assert_nothing_stored()


def test_patch_merges_interactions(api):
    api.put(LEGACY, pact_document("Web", "API", interactions=[interaction("a", path="/a")]))

    response = api.patch(LEGACY, pact_document("Web", "API", interactions=[interaction("b", path="/b")]))

    assert response.status_code == 200
    assert sorted(i["description"] for i in response.json()["interactions"]) == ["a", "b"]
    current = ContractPublication.objects.get(is_current=True)
    assert current.revision == 2


def test_patch_with_a_clashing_interaction_is_a_409(api):
    api.put(LEGACY, pact_document("Web", "API", interactions=[interaction("a", path="/a")]))

    response = api.patch(LEGACY, pact_document("Web", "API", interactions=[interaction("a", path="/other")]))

    assert response.status_code == 409
    assert "error" in response.json()
    assert ContractPublication.objects.count() == 1


def test_patch_creates_a_missing_pact(api):
    response = api.patch(LEGACY, pact_document("Web", "API"), content_type="application/merge-patch+json")

    assert response.status_code == 201


def test_delete_removes_every_revision_and_orphaned_content(api, td):
    api.put(LEGACY, pact_document("Web", "API", interactions=[interaction("a", path="/a")]))
    api.patch(LEGACY, pact_document("Web", "API", interactions=[interaction("b", path="/b")]))
    td.publish("Web", "2.0", provider="API", variant="kept")
    deleted = list(
        ContractPublication.objects.filter(consumer_version__number="1.0").values_list("contract_id", flat=True)
    )

    response = api.delete(LEGACY)

    assert response.status_code == 200
    assert response.json()["_links"] == {
        "index": {"href": BASE, "title": "Index"},
        "pb:latest-pact-version": {
            "href": f"{BASE}/pacts/provider/API/consumer/Web/latest",
            "title": "Latest version of this pact",
        },
    }
    assert not ContractPublication.objects.filter(consumer_version__number="1.0").exists()
    assert len(deleted) == 2 and not Contract.objects.filter(id__in=deleted).exists()
    assert Contract.objects.filter(publications__consumer_version__number="2.0").exists()
    assert Version.objects.filter(number="1.0").exists()  # the version itself stays
    assert api.get(LEGACY).status_code == 404


def test_delete_of_a_missing_pact_is_a_404(api, td):
    td.publish("Web", "2.0", provider="API")

    response = api.delete(LEGACY)

    assert response.status_code == 404
    assert "error" in response.json()
