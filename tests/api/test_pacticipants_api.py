"""Pacticipants and labels through the HTTP API (spec 3.4; client-wire.md sections 3 and 5)."""

from __future__ import annotations

import pytest

from contracts.models import Label, Pacticipant, Version
from tests.clients.conftest import RUBY_PACT_BROKER, RUST_PACT, run_installed

HAL = "application/hal+json; charset=utf-8"
JSON = "application/json"
BASE = "http://testserver"


def test_get_pacticipant_has_every_link_the_clients_follow(api, td):
    td.publish("Web", "1.0", provider="API").publish("Web", "2.0", provider="API")
    td.deploy("Web", "1.0", to="prod", target="blue")
    api.put("/pacticipants/Web/labels/frontend")

    response = api.get("/pacticipants/Web")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    assert body["name"] == "Web"
    assert body["displayName"] == "Web"
    assert body["createdAt"].endswith("+00:00")
    assert "repositoryUrl" not in body  # nil fields are omitted
    assert body["_embedded"]["latestVersion"] == {
        "number": "2.0",
        "_links": {"self": {"title": "Version", "name": "2.0", "href": f"{BASE}/pacticipants/Web/versions/2.0"}},
    }
    assert body["_embedded"]["latest-version"]["number"] == "2.0"
    assert [label["name"] for label in body["_embedded"]["labels"]] == ["frontend"]
    links = body["_links"]
    assert links["self"]["href"] == f"{BASE}/pacticipants/Web"
    assert links["pb:versions"]["href"] == f"{BASE}/pacticipants/Web/versions"
    assert links["pb:branches"]["href"] == f"{BASE}/pacticipants/Web/branches"
    # The Rust verifier expands these two to tag and branch provider versions.
    assert links["pb:version-tag"]["href"] == f"{BASE}/pacticipants/Web/versions/{{version}}/tags/{{tag}}"
    assert links["pb:version-tag"]["templated"] is True
    assert links["pb:branch-version"]["href"] == f"{BASE}/pacticipants/Web/branches/{{branch}}/versions/{{version}}"
    assert links["pb:branch-version"]["templated"] is True
    assert links["pb:version"]["href"] == f"{BASE}/pacticipants/Web/versions/{{version}}"
    assert links["pb:label"]["href"] == f"{BASE}/pacticipants/Web/labels/{{label}}"
    assert links["versions"]["href"] == f"{BASE}/pacticipants/Web/versions"
    assert links["pb:can-i-deploy-badge"]["templated"] is True
    assert links["pb:can-i-deploy-branch-to-environment-badge"]["templated"] is True
    [deployed] = links["pb:deployed-environments"]
    assert deployed["name"] == "prod"
    assert deployed["currently_deployed"] is True
    assert deployed["application_instance"] == "blue"
    assert deployed["href"].startswith(f"{BASE}/deployed-versions/")


def test_get_pacticipant_without_versions_has_no_latest_version(api):
    api.post("/pacticipants", {"name": "Lonely"}, content_type=JSON)

    body = api.get("/pacticipants/Lonely").json()

    assert "latestVersion" not in body["_embedded"]
    assert body["_embedded"]["labels"] == []
    assert body["_links"]["pb:deployed-environments"] == []


def test_get_unknown_pacticipant_is_404(api):
    response = api.get("/pacticipants/Nobody")

    assert response.status_code == 404
    assert "Nobody" in response.json()["error"]


def test_names_with_spaces_and_slashes_round_trip(api):
    assert api.post("/pacticipants", {"name": "team/Pricing Service"}, content_type=JSON).status_code == 201

    response = api.get("/pacticipants/team%2FPricing%20Service")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "team/Pricing Service"
    assert body["_links"]["self"]["href"] == f"{BASE}/pacticipants/team%2FPricing%20Service"
    tag_href = body["_links"]["pb:version-tag"]["href"]
    assert tag_href == f"{BASE}/pacticipants/team%2FPricing%20Service/versions/{{version}}/tags/{{tag}}"


def test_post_creates_with_201_and_location(api):
    response = api.post(
        "/pacticipants",
        {"name": "Foo", "repositoryUrl": "http://foo", "mainBranch": "main", "displayName": "Foo App"},
        content_type=JSON,
    )

    assert response.status_code == 201
    assert response["Location"] == f"{BASE}/pacticipants/Foo"
    assert response["Content-Type"] == HAL
    assert response.json()["repositoryUrl"] == "http://foo"
    stored = Pacticipant.objects.get(name="Foo")
    assert (stored.repository_url, stored.main_branch, stored.display_name) == ("http://foo", "main", "Foo App")


def test_post_of_an_existing_name_returns_it_instead_of_failing(api):
    api.post("/pacticipants", {"name": "Foo"}, content_type=JSON)

    response = api.post("/pacticipants", {"name": "Foo", "repositoryUrl": "http://foo"}, content_type=JSON)

    assert response.status_code == 200
    assert response.json()["name"] == "Foo"
    assert Pacticipant.objects.filter(name="Foo").count() == 1
    assert Pacticipant.objects.get(name="Foo").repository_url == "http://foo"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": 42}, "name"),
        ({"name": "Foo\nBar"}, "name"),
        ({"name": "Foo", "mainBranch": "has space"}, "mainBranch"),
        ({"name": "Foo", "repositoryUrl": {"nested": True}}, "repositoryUrl"),
        ({"name": "Foo", "displayName": "x" * 256}, "displayName"),
        ({"name": "Foo", "displayName": 5}, "displayName"),  # not coerced into "5"
        ({"name": "Foo", "repository_url": True}, "repository_url"),  # named as the client spelled it
        (["Foo"], "body"),
    ],
)
def test_post_with_bad_input_is_400_and_stores_nothing(api, body, field):
    response = api.post("/pacticipants", body, content_type=JSON)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Pacticipant.objects.exists()


def test_post_with_malformed_json_is_400(api):
    response = api.post("/pacticipants", '{"name": ', content_type="application/json")

    assert response.status_code == 400
    assert "errors" in response.json()
    assert not Pacticipant.objects.exists()


def test_post_with_a_form_body_is_415(api):
    response = api.post("/pacticipants", "name=Foo", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert not Pacticipant.objects.exists()


@pytest.mark.parametrize("content_type", ["application/json", "application/merge-patch+json"])
def test_patch_updates_only_the_given_fields(api, content_type):
    api.post("/pacticipants", {"name": "Foo", "repositoryUrl": "http://foo", "mainBranch": "main"}, content_type=JSON)

    response = api.patch("/pacticipants/Foo", {"name": "Foo", "displayName": "Foo App"}, content_type=content_type)

    assert response.status_code == 200
    assert response.json()["displayName"] == "Foo App"
    stored = Pacticipant.objects.get(name="Foo")
    assert (stored.display_name, stored.repository_url, stored.main_branch) == ("Foo App", "http://foo", "main")


def test_patch_creates_a_missing_pacticipant_with_201(api):
    # The Ruby client's create-or-update-pacticipant, old style (snake_case field).
    response = api.patch(
        "/pacticipants/Pricing%20Service", {"repository_url": "git@example.org:pricing"}, content_type=JSON
    )

    assert response.status_code == 201
    assert response["Location"] == f"{BASE}/pacticipants/Pricing%20Service"
    assert Pacticipant.objects.get(name="Pricing Service").repository_url == "git@example.org:pricing"


def test_patch_with_bad_input_stores_nothing(api):
    response = api.patch("/pacticipants/Foo", {"mainBranch": "a b"}, content_type=JSON)

    assert response.status_code == 400
    assert response.json()["errors"]["mainBranch"] == ["cannot contain spaces"]
    assert not Pacticipant.objects.exists()


def test_snake_case_spellings_are_accepted_and_camel_case_wins(api):
    body = {"name": "Foo", "repository_url": "http://old", "repositoryUrl": "http://new", "main_branch": "develop"}

    response = api.post("/pacticipants", body, content_type=JSON)

    assert response.status_code == 201
    assert (response.json()["repositoryUrl"], response.json()["mainBranch"]) == ("http://new", "develop")
    stored = Pacticipant.objects.get(name="Foo")
    assert (stored.repository_url, stored.main_branch) == ("http://new", "develop")


def test_put_replaces_every_field(api):
    api.post("/pacticipants", {"name": "Foo", "repositoryUrl": "http://foo", "mainBranch": "main"}, content_type=JSON)

    response = api.put("/pacticipants/Foo", {"repositoryName": "foo"}, content_type=JSON)

    assert response.status_code == 200
    stored = Pacticipant.objects.get(name="Foo")
    assert (stored.repository_url, stored.main_branch, stored.repository_name) == (None, None, "foo")
    assert "mainBranch" not in response.json()


def test_put_of_a_missing_pacticipant_is_404_and_creates_nothing(api):
    response = api.put("/pacticipants/Foo", {"repositoryName": "foo"}, content_type=JSON)

    assert response.status_code == 404
    assert not Pacticipant.objects.exists()


def test_delete_removes_the_pacticipant_and_its_versions(api, td):
    td.publish("Web", "1.0", provider="API", tags=["dev"])

    response = api.delete("/pacticipants/Web")

    assert response.status_code == 204
    assert not Pacticipant.objects.filter(name="Web").exists()
    assert not Version.objects.filter(number="1.0", pacticipant__name="Web").exists()
    assert api.get("/pacticipants/Web").status_code == 404
    assert api.delete("/pacticipants/Web").status_code == 404


def test_list_pacticipants_has_embedded_and_deprecated_collections(api, td):
    td.publish("Web", "1.0", provider="API")

    response = api.get("/pacticipants")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    assert [item["name"] for item in body["_embedded"]["pacticipants"]] == ["API", "Web"]
    web = body["_embedded"]["pacticipants"][1]
    assert web["_embedded"]["latestVersion"]["number"] == "1.0"
    # Old clients read the deprecated top-level array and its latest-version.
    assert [item["name"] for item in body["pacticipants"]] == ["API", "Web"]
    assert body["pacticipants"][1]["_embedded"]["latest-version"]["number"] == "1.0"
    assert body["_links"]["self"]["href"] == f"{BASE}/pacticipants"
    assert body["_links"]["pb:pacticipants"][1] == {
        "href": f"{BASE}/pacticipants/Web",
        "title": "Pacticipant",
        "name": "Web",
    }
    assert body["_links"]["pacticipants"][1]["title"] == "Web"
    assert body["_links"]["pb:pacticipants-with-label"]["templated"] is True
    assert "page" not in body  # no pagination unless asked


def test_list_filters_by_name_substring(api):
    for name in ("OrderService", "order-ui", "Billing"):
        api.post("/pacticipants", {"name": name}, content_type=JSON)

    body = api.get("/pacticipants", {"q": "order"}).json()

    assert [item["name"] for item in body["_embedded"]["pacticipants"]] == ["order-ui", "OrderService"]


@pytest.mark.parametrize(("params", "number"), [({"page": 2, "size": 2}, 2), ({"pageNumber": 2, "pageSize": 2}, 2)])
def test_list_paginates_when_asked(api, params, number):
    for name in ("A", "B", "C", "D", "E"):
        api.post("/pacticipants", {"name": name}, content_type=JSON)

    body = api.get("/pacticipants", params).json()

    assert [item["name"] for item in body["_embedded"]["pacticipants"]] == ["C", "D"]
    assert body["page"] == {"number": number, "size": 2, "totalElements": 5, "totalPages": 3}
    assert body["_links"]["next"]["href"] == f"{BASE}/pacticipants?page=3&size=2"
    assert body["_links"]["previous"]["href"] == f"{BASE}/pacticipants?page=1&size=2"


@pytest.mark.parametrize("params", [{"page": "0"}, {"size": "-1"}, {"pageSize": "many"}, {"page": "²"}])
def test_list_with_bad_page_parameters_is_400(api, params):
    response = api.get("/pacticipants", params)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params)


def test_blank_page_parameters_mean_no_pagination(api):
    for name in ("A", "B"):
        api.post("/pacticipants", {"name": name}, content_type=JSON)

    response = api.get("/pacticipants?page=&size=&q=")

    assert response.status_code == 200
    body = response.json()
    assert [item["name"] for item in body["_embedded"]["pacticipants"]] == ["A", "B"]
    assert "page" not in body


def test_list_costs_the_same_queries_for_many_pacticipants(api, td, django_assert_num_queries):
    for index in range(6):
        td.publish(f"Consumer{index}", "1.0", provider="API").deploy(f"Consumer{index}", "1.0", to="prod")
        api.put(f"/pacticipants/Consumer{index}/labels/team")

    # pacticipants, labels, latest versions, current deployments
    with django_assert_num_queries(4):
        response = api.get("/pacticipants")

    assert len(response.json()["_embedded"]["pacticipants"]) == 7


def test_labels_put_get_delete(api):
    api.post("/pacticipants", {"name": "Foo"}, content_type=JSON)

    created = api.put("/pacticipants/Foo/labels/ui")
    again = api.put("/pacticipants/Foo/labels/ui", "", content_type="application/json")

    assert created.status_code == 201
    assert created["Location"] == f"{BASE}/pacticipants/Foo/labels/ui"
    assert again.status_code == 200
    body = api.get("/pacticipants/Foo/labels/ui").json()
    assert body["name"] == "ui"
    assert body["_links"]["self"]["href"] == f"{BASE}/pacticipants/Foo/labels/ui"
    assert body["_links"]["pacticipant"]["name"] == "Foo"
    assert Label.objects.filter(pacticipant__name="Foo", name="ui").count() == 1

    assert api.delete("/pacticipants/Foo/labels/ui").status_code == 204
    assert not Label.objects.exists()
    assert api.get("/pacticipants/Foo/labels/ui").status_code == 404


def test_label_on_a_missing_pacticipant_is_404(api):
    response = api.put("/pacticipants/Nobody/labels/ui")

    assert response.status_code == 404
    assert not Label.objects.exists()


def test_pacticipants_by_label_and_all_labels(api):
    for name in ("Foo", "Bar", "Baz"):
        api.post("/pacticipants", {"name": name}, content_type=JSON)
    api.put("/pacticipants/Foo/labels/ui")
    api.put("/pacticipants/Bar/labels/ui")
    api.put("/pacticipants/Bar/labels/team%2Fcore")

    labelled = api.get("/pacticipants/label/ui").json()
    labels = api.get("/labels").json()

    assert [item["name"] for item in labelled["_embedded"]["pacticipants"]] == ["Bar", "Foo"]
    assert labelled["_links"]["self"]["href"] == f"{BASE}/pacticipants/label/ui"
    assert [label["name"] for label in labels["_embedded"]["labels"]] == ["team/core", "ui"]
    assert labels["_embedded"]["labels"][0]["_links"]["pb:pacticipants"]["href"] == (
        f"{BASE}/pacticipants/label/team%2Fcore"
    )


def test_the_label_keyword_shadows_a_pacticipant_named_label_and_the_document_says_so(api):
    # As in the Pact Broker, /pacticipants/label/{label} comes first: for a pacticipant named
    # "label", /pacticipants/label/versions lists the pacticipants labelled "versions".
    api.post("/pacticipants", {"name": "label"}, content_type=JSON)
    api.post("/pacticipants", {"name": "Foo"}, content_type=JSON)
    api.put("/pacticipants/Foo/labels/versions")

    body = api.get("/pacticipants/label/versions").json()

    assert [item["name"] for item in body["_embedded"]["pacticipants"]] == ["Foo"]
    document = api.get("/openapi.json").json()
    [name] = [p for p in document["paths"]["/pacticipants/{name}/versions"]["get"]["parameters"] if p["in"] == "path"]
    assert name["schema"]["pattern"] == "^(?!label$)[^/]+$"


# --- the real clients, against the real server -------------------------------------------

RUST_CLI, RUBY_CLI = RUST_PACT, RUBY_PACT_BROKER


@pytest.mark.clients
def test_real_clients_create_update_describe_and_list(live_broker, transactional_db):
    rust = [str(RUST_CLI), "broker"]
    broker = ["-b", live_broker]

    # GET (404) -> POST, then GET (200) -> PATCH: application/json from Ruby, merge-patch from Rust.
    results = [
        run_installed(
            [
                str(RUBY_CLI),
                "create-or-update-pacticipant",
                *broker,
                "--name",
                "Bar",
                "--main-branch",
                "main",
                "--repository-url",
                "http://git/bar",
            ]
        ),
        run_installed(
            [str(RUBY_CLI), "create-or-update-pacticipant", *broker, "--name", "Bar", "--display-name", "Bar App"]
        ),
        run_installed(
            [*rust, "create-or-update-pacticipant", *broker, "--name", "Baz", "--main-branch", "main", "--retries", "0"]
        ),
        run_installed(
            [
                *rust,
                "create-or-update-pacticipant",
                *broker,
                "--name",
                "Baz",
                "--display-name",
                "Baz App",
                "--retries",
                "0",
            ]
        ),
    ]

    assert [result.returncode for result in results] == [0, 0, 0, 0], [r.stdout + r.stderr for r in results]
    assert sorted(Pacticipant.objects.values_list("name", "display_name", "main_branch", "repository_url")) == [
        ("Bar", "Bar App", "main", "http://git/bar"),
        ("Baz", "Baz App", "main", None),
    ]

    described = run_installed([*rust, "describe-pacticipant", *broker, "--name", "Bar", "--retries", "0"])
    listed = run_installed([str(RUBY_CLI), "list-pacticipants", *broker])

    assert described.returncode == 0, described.stderr
    assert "Bar App" in described.stdout
    assert "http://git/bar" in described.stdout
    assert listed.returncode == 0, listed.stderr
    assert "Bar App" in listed.stdout
    assert "Baz App" in listed.stdout
