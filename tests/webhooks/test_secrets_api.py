"""The secrets API: create, list, get, replace, delete; its rules; a value never comes back."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import override_settings

from webhooks.models import WebhookSecret

pytestmark = pytest.mark.django_db
BASE = "http://testserver"
VALUE = "ghp-SECRET-VALUE-7781"
OTHER_VALUE = "ghp-ROTATED-VALUE-9902"


def create(api, name: str = "GithubToken", value: str = VALUE, **extra):
    return api.post("/secrets", {"name": name, "value": value, **extra})


def no_value_in(*responses) -> None:
    for response in responses:
        text = response.content.decode()
        assert VALUE not in text and OTHER_VALUE not in text, text


def test_create_answers_the_secret_without_its_value(api):
    response = create(api, description="Token of the CI bot")

    assert response.status_code == 201, response.content
    body = response.json()
    secret = WebhookSecret.objects.get()
    assert response["Location"] == f"{BASE}/secrets/{secret.uuid}"
    assert body == {
        "uuid": str(secret.uuid),
        "name": "GithubToken",
        "description": "Token of the CI bot",
        "createdAt": body["createdAt"],
        "_links": {
            "self": {"href": f"{BASE}/secrets/{secret.uuid}", "title": "Secret", "name": "GithubToken"},
            "accord:secrets": {"href": f"{BASE}/secrets", "title": "Secrets"},
        },
    }
    assert secret.value == VALUE
    no_value_in(response)


def test_list_and_get_show_names_descriptions_and_times_never_values(api):
    first = create(api, "ZetaToken").json()
    create(api, "AlphaPassword", OTHER_VALUE, description="basic auth of the chat bot")

    listed = api.get("/secrets")
    one = api.get(f"/secrets/{first['uuid']}")

    assert listed.status_code == 200 and one.status_code == 200
    secrets = listed.json()["_embedded"]["secrets"]
    assert [s["name"] for s in secrets] == ["AlphaPassword", "ZetaToken"]
    assert secrets[0]["description"] == "basic auth of the chat bot"
    assert all(set(s) <= {"uuid", "name", "description", "createdAt", "updatedAt", "_links"} for s in secrets)
    assert listed.json()["_links"]["self"] == {"href": f"{BASE}/secrets", "title": "Secrets"}
    assert one.json() == first
    no_value_in(listed, one)


def test_put_replaces_name_and_description_and_keeps_the_value_when_none_is_given(api):
    uuid = create(api, description="old").json()["uuid"]

    renamed = api.put(f"/secrets/{uuid}", {"name": "GithubBotToken"})

    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["name"] == "GithubBotToken" and "description" not in renamed.json()
    secret = WebhookSecret.objects.get()
    assert secret.value == VALUE and secret.updated_at > secret.created_at
    rotated = api.put(f"/secrets/{uuid}", {"name": "GithubBotToken", "description": "rotated", "value": OTHER_VALUE})
    assert rotated.status_code == 200
    secret = WebhookSecret.objects.get()
    assert (secret.value, secret.description) == (OTHER_VALUE, "rotated")
    no_value_in(renamed, rotated)


def test_delete_removes_it_and_then_it_is_not_found(api):
    uuid = create(api).json()["uuid"]

    assert api.delete(f"/secrets/{uuid}").status_code == 204
    assert WebhookSecret.objects.count() == 0
    for response in (api.get(f"/secrets/{uuid}"), api.delete(f"/secrets/{uuid}"), api.put(f"/secrets/{uuid}", {})):
        assert response.status_code == 404
        assert response.json() == {"error": f"No secret with uuid {uuid}"}


@pytest.mark.parametrize("uuid", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00%FF"])
def test_an_unknown_or_malformed_uuid_is_a_404(api, uuid):
    assert api.get(f"/secrets/{uuid}").status_code == 404
    assert api.put(f"/secrets/{uuid}", {"name": "X", "value": VALUE}).status_code == 404


def test_a_name_taken_in_any_case_is_a_409_naming_the_field(api):
    create(api, "GithubToken")

    again = create(api, "GithubToken", OTHER_VALUE)
    other_case = create(api, "githubtoken", OTHER_VALUE)

    assert again.status_code == 409
    assert again.json() == {"errors": {"name": ["A secret named 'GithubToken' already exists"]}}
    assert other_case.status_code == 409
    assert "as 'GithubToken'" in other_case.json()["errors"]["name"][0]
    # Renaming onto another secret's name is the same conflict.
    uuid = create(api, "ChatToken", OTHER_VALUE).json()["uuid"]
    renamed = api.put(f"/secrets/{uuid}", {"name": "GITHUBTOKEN"})
    assert renamed.status_code == 409 and list(renamed.json()["errors"]) == ["name"]
    # Its own name in another case is no conflict.
    assert api.put(f"/secrets/{uuid}", {"name": "CHATTOKEN"}).status_code == 200
    assert WebhookSecret.objects.count() == 2
    no_value_in(again, other_case, renamed)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"value": VALUE}, "name", "is missing"),
        ({"name": "GithubToken"}, "value", "is missing"),
        ({"name": "Github Token", "value": VALUE}, "name", "must start with a letter"),
        ({"name": "1token", "value": VALUE}, "name", "must start with a letter"),
        ({"name": "github-token", "value": VALUE}, "name", "must start with a letter"),
        ({"name": "x" * 101, "value": VALUE}, "name", "longer than 100"),
        ({"name": 7, "value": VALUE}, "name", "must be a string"),
        ({"name": "Token", "value": ""}, "value", "cannot be blank"),
        ({"name": "Token", "value": "abc"}, "value", "shorter than 4"),
        ({"name": "Token", "value": "v" * 8193}, "value", "longer than 8192"),
        ({"name": "Token", "value": 12345}, "value", "must be a string"),
        ({"name": "Token", "value": "ab\u0000cd"}, "value", "NUL"),
        ({"name": "Token", "value": VALUE, "description": "two\nlines"}, "description", "multiple lines"),
        ({"name": "Token", "value": VALUE, "teamUuid": "t"}, "body", "unknown field(s): teamUuid"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_never_echoing_the_value(api, body, field, message):
    response = api.post("/secrets", body)

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in errors and message in " ".join(errors[field]), errors
    value = body.get("value")
    if isinstance(value, str) and len(value) > 1:
        assert value not in response.content.decode()
    assert WebhookSecret.objects.count() == 0


def test_a_put_with_a_bad_value_keeps_the_secret_as_it_was(api):
    uuid = create(api).json()["uuid"]

    response = api.put(f"/secrets/{uuid}", {"name": "GithubToken", "value": "abc"})

    assert response.status_code == 400 and list(response.json()["errors"]) == ["value"]
    assert WebhookSecret.objects.get().value == VALUE


def test_the_index_links_to_secrets(api):
    link = api.get("/").json()["_links"]["accord:secrets"]
    assert link["href"] == f"{BASE}/secrets" and link["templated"] is False


def auth(user: str, password: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@override_settings(
    ACCORD_BASIC_AUTH_USERNAME="admin",
    ACCORD_BASIC_AUTH_PASSWORD="secret",
    ACCORD_BASIC_AUTH_READ_ONLY_USERNAME="viewer",
    ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD="look",
)
def test_writes_need_write_access_and_reads_show_names_only(api):
    writer, reader = auth("admin", "secret"), auth("viewer", "look")
    created = api.post("/secrets", {"name": "GithubToken", "value": VALUE}, **writer)
    assert created.status_code == 201
    uuid = created.json()["uuid"]

    assert api.post("/secrets", {"name": "Other", "value": VALUE}, **reader).status_code == 403
    assert api.put(f"/secrets/{uuid}", {"name": "GithubToken", "value": OTHER_VALUE}, **reader).status_code == 403
    assert api.delete(f"/secrets/{uuid}", **reader).status_code == 403
    assert api.get("/secrets").status_code == 401
    listed = api.get("/secrets", **reader)
    assert listed.status_code == 200 and [s["name"] for s in listed.json()["_embedded"]["secrets"]] == ["GithubToken"]
    assert WebhookSecret.objects.get().value == VALUE
    no_value_in(created, listed)


def test_a_webhook_may_refer_to_a_secret_not_created_yet_and_is_told_so(api):
    body = {
        "events": [{"name": "contract_published"}],
        "request": {
            "method": "POST",
            "url": "https://ci.example.com/build?token=${user.CiToken}",
            "headers": {"Authorization": "Bearer ${user.GithubToken}"},
            "username": "${user.CiUser}",
            "password": "${user.CiPassword}",
        },
    }
    create(api, "CiUser", "ci-bot-user")

    created = api.post("/webhooks", body)

    assert created.status_code == 201, created.content
    notices = created.json()["notices"]
    assert [notice["type"] for notice in notices] == ["warning"] * 3
    assert [notice["text"].split(" exists")[0] for notice in notices] == [
        "No secret named CiPassword",
        "No secret named CiToken",
        "No secret named GithubToken",
    ]
    # The definition keeps its references as written: they are not secrets.
    request = created.json()["request"]
    assert request["url"] == "https://ci.example.com/build?token=${user.CiToken}"
    assert request["headers"] == {"Authorization": "Bearer ${user.GithubToken}"}
    assert (request["username"], request["password"]) == ("${user.CiUser}", "${user.CiPassword}")
    uuid = created.json()["uuid"]
    assert "notices" not in api.get(f"/webhooks/{uuid}").json()
    # Once the secrets exist, a replace says nothing.
    for name in ("CiToken", "GithubToken", "CiPassword"):
        create(api, name, f"{name}-value")
    replaced = api.put(f"/webhooks/{uuid}", body)
    assert replaced.status_code == 200 and "notices" not in replaced.json()
    assert "ci-bot-user" not in json.dumps(replaced.json())


def test_a_secret_reference_cannot_make_the_host(api):
    response = api.post(
        "/webhooks",
        {
            "request": {"method": "POST", "url": "https://${user.CiHost}/build"},
            "events": [{"name": "contract_published"}],
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"]["request.url"] == ["cannot have a template parameter in the host"]


def test_hostile_bodies_get_a_4xx_on_a_secret_that_exists(api):
    # tests/api/test_hostile_input.py deletes before it writes; here the secret stays.
    from tests.api.test_hostile_input import BODIES

    uuid = create(api).json()["uuid"]
    for body in [*BODIES, json.dumps({"name": "GithubToken", "value": ["x"]}), json.dumps({"name": None})]:
        for method, path in (("post", "/secrets"), ("put", f"/secrets/{uuid}")):
            response = getattr(api, method)(path, body, content_type="application/json")
            assert 400 <= response.status_code < 500, (method, body[:60], response.content[:200])
    assert WebhookSecret.objects.get().value == VALUE
