"""Environments: the list both CLIs read, create (201 + Location), GET/PUT/DELETE by uuid."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from django.test import override_settings

from contracts.models import DeployedVersion, Environment, ReleasedVersion

HAL = "application/hal+json; charset=utf-8"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
BASE = "http://testserver"

# Exactly what `pact-broker create-environment --name staging --display-name Staging --production
# --contact-name Ops --contact-email-address ops@example.org` sends (both CLIs).
CLI_BODY = {
    "name": "staging",
    "displayName": "Staging",
    "production": True,
    "contacts": [{"name": "Ops", "details": {"emailAddress": "ops@example.org"}}],
}


def post(api, path: str, body, **extra):
    # Django's client multipart-encodes POSTed dicts unless told the body is JSON.
    return api.post(path, body, content_type=extra.pop("content_type", "application/json"), **extra)


def put(api, path: str, body):
    return api.put(path, body, content_type="application/json")


def env_links(env_uuid: str, label: str, name: str) -> dict:
    return {
        "self": {"title": "Environment", "name": name, "href": f"{BASE}/environments/{env_uuid}"},
        "pb:currently-deployed-deployed-versions": {
            "title": f"Versions currently deployed to {label} environment",
            "href": f"{BASE}/environments/{env_uuid}/deployed-versions/currently-deployed",
        },
        "pb:currently-supported-released-versions": {
            "title": f"Versions released and supported in {label} environment",
            "href": f"{BASE}/environments/{env_uuid}/released-versions/currently-supported",
        },
        "pb:environments": {"title": "Environments", "href": f"{BASE}/environments"},
    }


def test_create_answers_201_with_location_and_stores_the_environment(api):
    response = post(api, "/environments", CLI_BODY)

    assert response.status_code == 201
    assert response["Content-Type"] == HAL
    body = response.json()
    stored = Environment.objects.get(name="staging")
    assert response["Location"] == f"{BASE}/environments/{stored.uuid}"
    assert body["uuid"] == str(stored.uuid)
    assert {key: body[key] for key in CLI_BODY} == CLI_BODY
    assert TIMESTAMP.match(body["createdAt"])
    assert "updatedAt" not in body
    assert body["_links"] == env_links(body["uuid"], "Staging", "staging")
    assert (stored.display_name, stored.production) == ("Staging", True)
    assert stored.contacts == CLI_BODY["contacts"]


def test_create_with_only_the_required_fields_omits_the_display_name(api):
    body = post(api, "/environments", {"name": "test", "production": False}).json()

    assert "displayName" not in body
    assert body["contacts"] == []
    assert body["production"] is False
    # Titles fall back to the name when there is no display name.
    assert body["_links"]["pb:currently-deployed-deployed-versions"]["title"] == (
        "Versions currently deployed to test environment"
    )
    assert Environment.objects.get(name="test").display_name is None


def test_create_accepts_a_client_chosen_uuid(api):
    chosen = "16926ef3-590f-4e3f-838e-719717aa88c9"
    response = post(api, "/environments", {"name": "test", "production": False, "uuid": chosen})

    assert response.status_code == 201
    assert response.json()["uuid"] == chosen
    assert Environment.objects.get(uuid=chosen).name == "test"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"production": False}, "name", "is missing"),
        ({"name": "", "production": False}, "name", "must be filled"),
        ({"name": "my env", "production": False}, "name", "cannot contain spaces"),
        ({"name": "a\nb", "production": False}, "name", "cannot contain multiple lines"),
        ({"name": 42, "production": False}, "name", "must be a string"),
        ({"name": "x" * 256, "production": False}, "name", "is longer than 255 characters"),
        ({"name": "test"}, "production", "is missing"),
        ({"name": "test", "production": "true"}, "production", "must be one of: true, false"),
        ({"name": "test", "production": False, "displayName": "A\nB"}, "displayName", "cannot contain multiple lines"),
        ({"name": "test", "production": False, "contacts": {"name": "Ops"}}, "contacts", "must be an array"),
        ({"name": "test", "production": False, "contacts": [{"details": {}}]}, "contacts[0].name", "is missing"),
        (
            {"name": "test", "production": False, "contacts": [{"name": "Ops", "details": "x"}]},
            "contacts[0].details",
            "must be an object",
        ),
        ({"name": "test", "production": False, "contacts": ["Ops"]}, "contacts[0]", "must be an object"),
        ({"name": "test", "production": False, "uuid": "not-a-uuid"}, "uuid", "is not a valid UUID"),
        (["name", "test"], "body", "must be a JSON object"),
    ],
)
def test_invalid_bodies_are_400_naming_the_field_and_store_nothing(api, body, field, message):
    response = post(api, "/environments", body)

    assert response.status_code == 400
    assert response["Content-Type"] == HAL
    assert message in response.json()["errors"][field]
    assert Environment.objects.count() == 0


def test_every_problem_is_reported_at_once(api):
    errors = post(api, "/environments", {"name": "a b", "production": "yes"}).json()["errors"]

    assert set(errors) == {"name", "production"}


def test_duplicate_name_is_400_on_name_and_keeps_the_first(api):
    first = post(api, "/environments", {"name": "test", "production": False}).json()

    response = post(api, "/environments", {"name": "test", "production": True})

    assert response.status_code == 400
    assert response.json() == {"errors": {"name": ["Another environment with name 'test' already exists."]}}
    assert list(Environment.objects.values_list("uuid", "production")) == [(uuid.UUID(first["uuid"]), False)]


def test_taken_uuid_is_400(api):
    first = post(api, "/environments", {"name": "test", "production": False}).json()

    response = post(api, "/environments", {"name": "other", "production": False, "uuid": first["uuid"]})

    assert response.status_code == 400
    assert "uuid" in response.json()["errors"]
    assert Environment.objects.count() == 1


def test_malformed_json_is_400_and_stores_nothing(api):
    response = post(api, "/environments", '{"name": "test",', content_type="application/json")

    assert response.status_code == 400
    assert "errors" in response.json()
    assert Environment.objects.count() == 0


def test_a_body_that_is_not_json_is_415(api):
    response = post(api, "/environments", "name=test", content_type="text/plain")

    assert response.status_code == 415
    assert response["Content-Type"] == HAL
    assert Environment.objects.count() == 0


def test_list_embeds_environments_and_names_them_in_the_pb_environments_array(api, td):
    test = td.environment("test")
    production = td.environment("production", production=True)

    response = api.get("/environments")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    # The Ruby CLI finds an environment by name in this array (record-undeployment, ...).
    assert body["_links"]["pb:environments"] == [
        {"title": "Environment", "name": "production", "href": f"{BASE}/environments/{production.uuid}"},
        {"title": "Environment", "name": "test", "href": f"{BASE}/environments/{test.uuid}"},
    ]
    assert body["_links"]["self"] == {"title": "Environments", "href": f"{BASE}/environments"}
    # The Rust CLI reads uuid and name from the embedded list.
    embedded = body["_embedded"]["environments"]
    assert [(env["uuid"], env["name"], env["production"]) for env in embedded] == [
        (str(production.uuid), "production", True),
        (str(test.uuid), "test", False),
    ]
    assert embedded[0]["_links"] == env_links(str(production.uuid), "production", "production")


def test_list_filters_by_exact_name(api, td):
    td.environment("test")
    td.environment("test2")

    body = api.get("/environments?name=test").json()

    assert [env["name"] for env in body["_embedded"]["environments"]] == ["test"]
    assert [link["name"] for link in body["_links"]["pb:environments"]] == ["test"]


def test_list_with_an_unknown_name_is_empty(api, td):
    td.environment("test")

    body = api.get("/environments?name=nope").json()

    assert body["_embedded"]["environments"] == []
    assert body["_links"]["pb:environments"] == []


def test_empty_list(api):
    body = api.get("/environments").json()

    assert body["_embedded"] == {"environments": []}
    assert body["_links"]["pb:environments"] == []


@override_settings(ACCORD_BASE_URLS=["https://pact.example.com/broker"])
def test_hrefs_use_the_configured_base_url(api, td):
    environment = td.environment("test")

    body = api.get(f"/environments/{environment.uuid}").json()

    assert body["_links"]["self"]["href"] == f"https://pact.example.com/broker/environments/{environment.uuid}"


def test_get_one_environment(api):
    created = post(api, "/environments", CLI_BODY).json()

    response = api.get(f"/environments/{created['uuid']}")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    assert response.json() == created


@pytest.mark.parametrize("method", ["get", "put", "delete"])
@pytest.mark.parametrize("env_uuid", ["a5111186-b9b9-43a2-bf62-49beb31b7868", "not-a-uuid", "16926ef3-590f-4e3f-838e"])
def test_unknown_or_malformed_uuid_is_404(api, method, env_uuid):
    response = getattr(api, method)(
        f"/environments/{env_uuid}", {"name": "test", "production": False}, content_type="application/json"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == HAL
    assert "error" in response.json()
    # PUT cannot create.
    assert Environment.objects.count() == 0


def test_put_replaces_every_field(api):
    created = post(api, "/environments", CLI_BODY).json()

    response = put(api, f"/environments/{created['uuid']}", {"name": "staging-eu", "production": False})

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    assert (body["uuid"], body["name"], body["production"], body["contacts"]) == (
        created["uuid"],
        "staging-eu",
        False,
        [],
    )
    assert "displayName" not in body
    stored = Environment.objects.get(uuid=created["uuid"])
    assert (stored.name, stored.display_name, stored.production, stored.contacts) == ("staging-eu", None, False, [])


def test_put_may_keep_its_own_name(api):
    created = post(api, "/environments", CLI_BODY).json()

    response = put(api, f"/environments/{created['uuid']}", {**CLI_BODY, "displayName": "Staging EU"})

    assert response.status_code == 200
    assert Environment.objects.get(uuid=created["uuid"]).display_name == "Staging EU"


def test_put_to_another_environments_name_is_400_and_changes_nothing(api, td):
    td.environment("production", production=True)
    created = post(api, "/environments", CLI_BODY).json()

    response = put(api, f"/environments/{created['uuid']}", {"name": "production", "production": True})

    assert response.status_code == 400
    assert response.json()["errors"]["name"] == ["Another environment with name 'production' already exists."]
    assert Environment.objects.get(uuid=created["uuid"]).name == "staging"


def test_put_with_an_invalid_body_is_400_and_changes_nothing(api):
    created = post(api, "/environments", CLI_BODY).json()

    response = put(api, f"/environments/{created['uuid']}", {"name": "staging"})

    assert response.status_code == 400
    assert response.json()["errors"]["production"] == ["is missing"]
    stored = Environment.objects.get(uuid=created["uuid"])
    assert (stored.display_name, stored.production) == ("Staging", True)


def test_delete_removes_the_environment_and_what_was_recorded_in_it(api, td):
    td.deploy("Foo", "1.0", to="test").release("Foo", "1.0", to="test").deploy("Foo", "1.0", to="production")
    environment = Environment.objects.get(name="test")

    response = api.delete(f"/environments/{environment.uuid}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Environment.objects.filter(name="test").exists()
    assert DeployedVersion.objects.filter(environment__name="test").count() == 0
    assert ReleasedVersion.objects.count() == 0
    # Other environments keep their deployments.
    assert DeployedVersion.objects.filter(environment__name="production").count() == 1
    assert api.get(f"/environments/{environment.uuid}").status_code == 404


def test_environments_do_not_allow_patch(api, td):
    environment = td.environment("test")

    response = api.patch(f"/environments/{environment.uuid}", {"name": "x"}, content_type="application/json")

    assert response.status_code == 405
    assert Environment.objects.get(uuid=environment.uuid).name == "test"


@pytest.mark.parametrize(
    ("created", "updated", "expected"),
    [
        (
            datetime(2021, 9, 1, 0, 7, 21, 100, tzinfo=UTC),
            datetime(2021, 9, 1, 0, 7, 21, 900, tzinfo=UTC),
            {"createdAt": "2021-09-01T00:07:21+00:00"},
        ),
        (
            datetime(2021, 9, 1, 0, 7, 21, tzinfo=UTC),
            datetime(2021, 9, 2, 10, 0, 0, tzinfo=UTC),
            {"createdAt": "2021-09-01T00:07:21+00:00", "updatedAt": "2021-09-02T10:00:00+00:00"},
        ),
    ],
)
def test_updated_at_is_rendered_only_when_it_differs_at_second_precision(created, updated, expected):
    from contracts.api.timestamps import timestamps

    assert timestamps(created, updated) == expected
