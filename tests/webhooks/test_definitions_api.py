"""Webhook definitions through the HTTP API: shapes, redaction, validation, PUT idempotency."""

from __future__ import annotations

import json
import re

import pytest
from django.test import override_settings

from contracts.models import Pacticipant
from webhooks.models import TriggeredWebhook, Webhook
from webhooks.rendering import MASK

HAL = "application/hal+json"
BASE = "http://testserver"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
UUID = "a-client-chosen-uuid-0001"


@pytest.fixture
def pair(db) -> tuple[Pacticipant, Pacticipant]:
    """Consumer Foo and provider Bar."""
    return Pacticipant.objects.create(name="Foo"), Pacticipant.objects.create(name="Bar")


def post(api, path: str, body: dict):
    # Django's client form-encodes (POST) or sends as octet-stream (PUT) unless told the type.
    return api.post(path, body, content_type="application/json")


def put(api, path: str, body: dict):
    return api.put(path, body, content_type="application/json")


def webhook_body(**overrides) -> dict:
    """What `pact-broker create-webhook` sends (client-wire.md section 3), with overrides."""
    request = {
        "method": "POST",
        "url": "https://ci.example.com/build?token=${pactbroker.consumerName}",
        "headers": {"Content-Type": "application/json", "Authorization": "Bearer s3cr3t", "X-Api-Token": "t0k3n"},
        "body": {"pact": "${pactbroker.pactUrl}"},
        "username": "ci",
        "password": "hunter2",
    }
    request.update(overrides.pop("request", {}))
    body = {
        "description": "trigger build",
        "consumer": {"name": "Foo"},
        "provider": {"name": "Bar"},
        "events": [{"name": "contract_content_changed"}, {"name": "provider_verification_published"}],
        "request": request,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def test_post_creates_a_webhook_with_a_generated_uuid_and_a_redacted_representation(api, pair):
    response = post(api, "/webhooks", webhook_body())

    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith(HAL)
    body = response.json()
    uuid = body["uuid"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", uuid)
    assert response["Location"] == f"{BASE}/webhooks/{uuid}"
    assert body["description"] == "trigger build"
    assert body["consumer"] == {"name": "Foo"} and body["provider"] == {"name": "Bar"}
    assert body["enabled"] is True
    assert body["request"] == {
        "method": "POST",
        "url": "https://ci.example.com/build?token=${pactbroker.consumerName}",
        "headers": {"Content-Type": "application/json", "Authorization": MASK, "X-Api-Token": MASK},
        "body": {"pact": "${pactbroker.pactUrl}"},
        "username": "ci",
        "password": MASK,
    }
    assert body["events"] == [{"name": "contract_content_changed"}, {"name": "provider_verification_published"}]
    assert ISO.match(body["createdAt"]) and "updatedAt" not in body
    assert body["_links"] == {
        "self": {"title": "trigger build", "href": f"{BASE}/webhooks/{uuid}"},
        "pb:execute": {"title": body["_links"]["pb:execute"]["title"], "href": f"{BASE}/webhooks/{uuid}/execute"},
        "pb:consumer": {"title": "Consumer", "name": "Foo", "href": f"{BASE}/pacticipants/Foo"},
        "pb:provider": {"title": "Provider", "name": "Bar", "href": f"{BASE}/pacticipants/Bar"},
        "pb:pact-webhooks": {
            "title": "All webhooks for consumer Foo and provider Bar",
            "href": f"{BASE}/webhooks/provider/Bar/consumer/Foo",
        },
        "pb:webhooks": {"title": "All webhooks", "href": f"{BASE}/webhooks"},
    }

    # Stored as sent (secrets are needed to deliver), the JSON body as JSON text.
    stored = Webhook.objects.get(uuid=uuid)
    assert (stored.consumer, stored.provider) == pair
    assert stored.headers["Authorization"] == "Bearer s3cr3t" and stored.password == "hunter2"
    assert stored.body_is_json is True and json.loads(stored.body) == {"pact": "${pactbroker.pactUrl}"}
    assert stored.events == ["contract_content_changed", "provider_verification_published"]


def test_get_answers_what_post_answered(api, pair):
    created = post(api, "/webhooks", webhook_body()).json()

    response = api.get(f"/webhooks/{created['uuid']}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith(HAL)
    assert response.json() == created


def test_a_minimal_webhook_gets_the_default_event_and_a_generated_description(api, db):
    response = post(api, "/webhooks", {"request": {"method": "post", "url": "https://hooks.example.org/x"}})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["events"] == [{"name": "contract_content_changed"}]
    assert body["description"] == "POST hooks.example.org"
    assert body["request"] == {"method": "POST", "url": "https://hooks.example.org/x"}
    assert "consumer" not in body and "provider" not in body
    assert set(body["_links"]) == {"self", "pb:execute", "pb:webhooks"}
    stored = Webhook.objects.get(uuid=body["uuid"])
    assert (stored.description, stored.consumer, stored.provider, stored.body) == (None, None, None, None)


def test_a_string_body_is_kept_as_text(api, pair):
    response = post(api, "/webhooks", webhook_body(request={"body": "<xml>${pactbroker.consumerName}</xml>"}))

    assert response.status_code == 201
    assert response.json()["request"]["body"] == "<xml>${pactbroker.consumerName}</xml>"
    stored = Webhook.objects.get(uuid=response.json()["uuid"])
    assert (stored.body, stored.body_is_json) == ("<xml>${pactbroker.consumerName}</xml>", False)


def test_values_that_are_only_template_parameters_are_not_masked(api, pair):
    response = post(
        api,
        "/webhooks",
        webhook_body(
            request={
                "headers": {"Authorization": "${pactbroker.consumerName}", "X-Token": "abc ${pactbroker.consumerName}"},
                "password": "${pactbroker.providerName}",
            }
        ),
    )

    request = response.json()["request"]
    assert request["headers"] == {"Authorization": "${pactbroker.consumerName}", "X-Token": MASK}
    assert request["password"] == "${pactbroker.providerName}"


def test_label_scopes_are_rendered_and_linked(api, db):
    response = post(api, "/webhooks", webhook_body(consumer={"label": "team-a"}, provider=None))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["consumer"] == {"label": "team-a"} and "provider" not in body
    assert body["_links"]["pb:consumers"] == {
        "title": "Consumers labelled 'team-a'",
        "name": "team-a",
        "href": f"{BASE}/pacticipants/label/team-a",
    }
    assert Webhook.objects.get(uuid=body["uuid"]).consumer_label == "team-a"


INVALID = {
    "no request": ({"request": None}, "request"),
    "no url": ({"request": {"url": None}}, "request.url"),
    "blank url": ({"request": {"url": " "}}, "request.url"),
    "url not a string": ({"request": {"url": ["https://ci.example.com/"]}}, "request.url"),
    "url without a host": ({"request": {"url": "webhook"}}, "request.url"),
    "http scheme": ({"request": {"url": "http://ci.example.com/build"}}, "request.url"),
    "templated host": ({"request": {"url": "https://${pactbroker.consumerName}.example.com/"}}, "request.url"),
    "bad port": ({"request": {"url": "https://ci.example.com:99999/"}}, "request.url"),
    "newline in url": ({"request": {"url": "https://ci.example.com/\nX: y"}}, "request.url"),
    "GET not allowed": ({"request": {"method": "GET"}}, "request.method"),
    "no method": ({"request": {"method": None}}, "request.method"),
    "method with a space": ({"request": {"method": "PO ST"}}, "request.method"),
    "header injection": ({"request": {"headers": {"X-A": "b\r\nX-Evil: 1"}}}, "request.headers"),
    "header value not a string": ({"request": {"headers": {"X-A": 1}}}, "request.headers"),
    "unknown consumer": ({"consumer": {"name": "Nobody"}}, "consumer.name"),
    "name and label": ({"provider": {"name": "Bar", "label": "x"}}, "provider"),
    "empty scope": ({"provider": {}}, "provider"),
    "blank label": ({"consumer": {"label": " "}}, "consumer.label"),
    "unknown event": ({"events": [{"name": "contract_published"}, {"name": "deployed"}]}, "events[1].name"),
    "event not an object": ({"events": ["contract_published"]}, "events[0]"),
    "event without a name": ({"events": [{}]}, "events[0].name"),
    "no events": ({"events": []}, "events"),
    "enabled not a boolean": ({"enabled": "yes"}, "enabled"),
    "description not a string": ({"description": 42}, "description"),
}


@pytest.mark.parametrize(("overrides", "field"), INVALID.values(), ids=INVALID.keys())
def test_invalid_webhooks_are_refused_with_the_field_and_nothing_is_stored(api, pair, overrides, field):
    request = overrides.pop("request", {})
    body = webhook_body(**overrides)
    if request is None:
        del body["request"]
    else:
        body["request"].update(request)
        body["request"] = {key: value for key, value in body["request"].items() if value is not None}

    response = post(api, "/webhooks", body)

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(HAL)
    errors = response.json()["errors"]
    assert list(errors) == [field], errors
    assert all(isinstance(message, str) and message for message in errors[field])
    assert not Webhook.objects.exists()


def test_errors_name_the_allowed_method_and_scheme(api, pair):
    body = webhook_body(request={"method": "PUT", "url": "http://ci.example.com/"})

    errors = post(api, "/webhooks", body).json()["errors"]

    assert errors["request.method"] == ["must be POST. See /doc/webhooks#whitelist for more information."]
    assert errors["request.url"] == ["scheme must be https. See /doc/webhooks#whitelist for more information."]


def test_every_problem_is_named_at_once_by_its_flattened_key(api, pair):
    body = {
        "enabled": 1,
        "consumer": {"name": "Nobody"},
        "events": [{"name": "contract_published"}, {"name": 7}],
        "request": {"method": "GET", "headers": {"X Bad": "1", "X-Ok": ["no"]}},
    }

    response = post(api, "/webhooks", body)

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "enabled": ["must be true or false"],
            "consumer.name": ["No pacticipant with name 'Nobody' found"],
            "events[1].name": [
                "must be one of contract_published, contract_content_changed, "
                "contract_requiring_verification_published, provider_verification_published, "
                "provider_verification_succeeded, provider_verification_failed, verification_run_succeeded, "
                "verification_run_failed, drift_detected, drift_resolved, live_target_unreachable"
            ],
            "request.method": ["must be POST. See /doc/webhooks#whitelist for more information."],
            "request.url": ["is missing"],
            "request.headers": ["'X Bad' is not a valid header name", "the value of 'X-Ok' must be a string"],
        }
    }
    assert not Webhook.objects.exists()


def test_repeated_events_are_stored_once_and_fields_the_api_does_not_know_are_ignored(api, pair):
    body = webhook_body(events=[{"name": "contract_published"}] * 2, teamUuid="2abbc12a-427d-432a-a521-c870af1739d9")

    response = post(api, "/webhooks", body)

    assert response.status_code == 201, response.content
    assert response.json()["events"] == [{"name": "contract_published"}]
    assert Webhook.objects.get().events == ["contract_published"]


@pytest.mark.parametrize("body", [[], "a string", 3])
def test_a_body_that_is_not_an_object_is_refused(api, db, body):
    response = api.post("/webhooks", json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"errors": {"body": ["must be a JSON object"]}}


def test_malformed_json_is_a_400_and_a_wrong_content_type_a_415(api, db):
    assert api.post("/webhooks", "{", content_type="application/json").status_code == 400
    assert api.post("/webhooks", "a=b", content_type="application/x-www-form-urlencoded").status_code == 415
    assert not Webhook.objects.exists()


@override_settings(ACCORD_WEBHOOK_METHODS=["POST", "GET"], ACCORD_WEBHOOK_SCHEMES=["https", "http"])
def test_the_allowed_methods_and_schemes_come_from_settings(api, pair):
    response = post(api, "/webhooks", webhook_body(request={"method": "get", "url": "http://ci.example.com/"}))

    assert response.status_code == 201, response.content
    assert Webhook.objects.get().method == "GET"


def test_put_creates_then_replaces_and_is_idempotent(api, pair):
    created = put(api, f"/webhooks/{UUID}", webhook_body())

    assert created.status_code == 201, created.content
    assert created["Location"] == f"{BASE}/webhooks/{UUID}"
    assert created.json()["uuid"] == UUID

    again = put(api, f"/webhooks/{UUID}", webhook_body())

    assert again.status_code == 200
    assert again["Content-Type"].startswith(HAL)
    assert {k: v for k, v in again.json().items() if k != "updatedAt"} == created.json()
    assert Webhook.objects.count() == 1

    # A PUT replaces the whole definition: what is not sent goes back to its default.
    replaced = put(api, f"/webhooks/{UUID}", {"request": {"method": "POST", "url": "https://hooks.example.org/y"}})

    assert replaced.status_code == 200
    stored = Webhook.objects.get(uuid=UUID)
    assert (stored.description, stored.consumer, stored.provider, stored.headers, stored.password) == (
        None,
        None,
        None,
        {},
        None,
    )
    assert stored.events == ["contract_content_changed"]
    assert replaced.json()["description"] == "POST hooks.example.org"
    assert ISO.match(replaced.json()["updatedAt"])


def test_an_invalid_put_leaves_the_webhook_as_it_was(api, pair):
    put(api, f"/webhooks/{UUID}", webhook_body())

    response = put(api, f"/webhooks/{UUID}", webhook_body(request={"url": "ftp://files.example.com/"}))

    assert response.status_code == 400
    assert Webhook.objects.get(uuid=UUID).url == "https://ci.example.com/build?token=${pactbroker.consumerName}"


@pytest.mark.parametrize("uuid", ["too-short", "has.a.dot.in.it.here", "x" * 65, "spaces%20in%20the%20uuid"])
def test_put_refuses_a_malformed_uuid(api, pair, uuid):
    response = put(api, f"/webhooks/{uuid}", webhook_body())

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["uuid"]
    assert not Webhook.objects.exists()


def test_get_and_delete_of_an_unknown_webhook_are_404(api, db):
    for method in (api.get, api.delete):
        response = method(f"/webhooks/{UUID}")
        assert response.status_code == 404
        assert UUID in response.json()["error"]


def test_delete_removes_the_webhook_and_orphans_its_pending_deliveries(api, pair):
    uuid = post(api, "/webhooks", webhook_body()).json()["uuid"]
    webhook = Webhook.objects.get(uuid=uuid)
    delivery = TriggeredWebhook.objects.create(webhook=webhook, webhook_uuid=uuid, event_name="contract_published")

    response = api.delete(f"/webhooks/{uuid}")

    assert response.status_code == 204
    assert not Webhook.objects.filter(uuid=uuid).exists()
    delivery.refresh_from_db()
    assert delivery.webhook is None and delivery.webhook_uuid == uuid
    assert api.get(f"/webhooks/{uuid}").status_code == 404


def test_the_webhooks_collection_is_links_only(api, pair):
    scoped = post(api, "/webhooks", webhook_body()).json()
    global_ = post(api, "/webhooks", webhook_body(description=None, consumer=None, provider=None)).json()

    response = api.get("/webhooks")

    assert response.status_code == 200
    assert response["Content-Type"].startswith(HAL)
    body = response.json()
    assert list(body) == ["_links"]
    links = body["_links"]
    assert links["self"] == {"title": "Webhooks", "href": f"{BASE}/webhooks"}
    assert links["pb:create"] == {"title": "POST to create a webhook", "href": f"{BASE}/webhooks"}
    assert links["pb:webhooks"] == [
        {
            "title": "A webhook for the pact between Foo and Bar",
            "name": "trigger build",
            "href": f"{BASE}/webhooks/{scoped['uuid']}",
        },
        {
            "title": "A webhook for all pacts",
            "name": "POST ci.example.com",
            "href": f"{BASE}/webhooks/{global_['uuid']}",
        },
    ]


def test_the_collection_is_empty_with_no_webhooks(api, db):
    assert api.get("/webhooks").json()["_links"]["pb:webhooks"] == []


SCOPES = {
    "provider and consumer": ("/webhooks/provider/Bar/consumer/Foo", ("Foo", "Bar")),
    "provider": ("/webhooks/provider/Bar", (None, "Bar")),
    "consumer": ("/webhooks/consumer/Foo", ("Foo", None)),
    "deprecated pact webhooks": ("/pacts/provider/Bar/consumer/Foo/webhooks", ("Foo", "Bar")),
}


@pytest.mark.parametrize(("url", "scope"), SCOPES.values(), ids=SCOPES.keys())
def test_scoped_collections_create_with_their_scope_and_list_exactly_it(api, pair, url, scope):
    # The path's scope wins over the body's (here: no scope at all).
    response = post(api, url, webhook_body(consumer=None, provider=None))

    assert response.status_code == 201, response.content
    uuid = response.json()["uuid"]
    stored = Webhook.objects.get(uuid=uuid)
    assert (getattr(stored.consumer, "name", None), getattr(stored.provider, "name", None)) == scope
    post(api, "/webhooks", webhook_body(consumer=None, provider=None))  # a global one, listed elsewhere

    listing = api.get(url)

    assert listing.status_code == 200
    links = listing.json()["_links"]
    assert links["self"]["href"] == f"{BASE}{url}" == links["pb:create"]["href"]
    assert [entry["href"] for entry in links["pb:webhooks"]] == [f"{BASE}/webhooks/{uuid}"]


def test_the_scope_in_the_path_replaces_the_bodys_for_its_role_only(api, pair):
    # The body's consumer is not even looked at (the path names it); its provider still counts.
    body = webhook_body(consumer={"name": "Nobody"}, provider={"label": "payments"})

    response = post(api, "/webhooks/consumer/Foo", body)

    assert response.status_code == 201, response.content
    assert response.json()["consumer"] == {"name": "Foo"} and response.json()["provider"] == {"label": "payments"}
    stored = Webhook.objects.get()
    assert (stored.consumer, stored.consumer_label, stored.provider, stored.provider_label) == (
        pair[0],
        None,
        None,
        "payments",
    )


@pytest.mark.parametrize(
    "url",
    [
        "/webhooks/provider/Nobody/consumer/Foo",
        "/webhooks/consumer/Nobody",
        "/webhooks/provider/Nobody",
        "/pacts/provider/Bar/consumer/Nobody/webhooks",
    ],
)
def test_scoped_collections_of_unknown_pacticipants_are_404_and_store_nothing(api, pair, url):
    assert api.get(url).status_code == 404
    response = post(api, url, webhook_body())
    assert response.status_code == 404
    assert "Nobody" in response.json()["error"]
    assert not Webhook.objects.exists()


def test_names_with_spaces_and_slashes_are_encoded_in_scoped_links(api, db):
    Pacticipant.objects.create(name="Pricing Service")
    Pacticipant.objects.create(name="team/web")
    url = "/webhooks/provider/Pricing%20Service/consumer/team%2Fweb"

    created = post(api, url, webhook_body(consumer=None, provider=None))

    assert created.status_code == 201, created.content
    links = created.json()["_links"]
    assert links["pb:pact-webhooks"]["href"] == f"{BASE}{url}"
    assert links["pb:consumer"]["href"] == f"{BASE}/pacticipants/team%2Fweb"
    assert api.get(url).json()["_links"]["self"]["href"] == f"{BASE}{url}"
