"""Recording deployments and releases, reading them back, and undoing them with PATCH."""

from __future__ import annotations

import re
import uuid

import pytest

from contracts.models import DeployedVersion, ReleasedVersion

HAL = "application/hal+json; charset=utf-8"
BASE = "http://testserver"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
MERGE_PATCH = "application/merge-patch+json"


def send(api, method: str, path: str, body=None, content_type: str = "application/json"):
    # Django's client multipart-encodes POSTed dicts unless told the body is JSON.
    return getattr(api, method)(path, body if body is not None else "", content_type=content_type)


def deploy_url(pacticipant: str, version: str, environment) -> str:
    return f"/pacticipants/{pacticipant}/versions/{version}/deployed-versions/environment/{environment.uuid}"


def release_url(pacticipant: str, version: str, environment) -> str:
    return f"/pacticipants/{pacticipant}/versions/{version}/released-versions/environment/{environment.uuid}"


@pytest.fixture
def production(td):
    td.version("Foo", "1.0")
    td.version("Foo", "2.0")
    return td.environment("production", production=True)


# --- recording a deployment -------------------------------------------------------------


def test_record_deployment_as_the_clis_send_it(api, production):
    response = send(
        api, "post", deploy_url("Foo", "1.0", production), {"applicationInstance": "blue", "target": "blue"}
    )

    assert response.status_code == 201
    assert response["Content-Type"] == HAL
    stored = DeployedVersion.objects.get()
    assert (stored.version.number, stored.environment, stored.target, stored.undeployed_at) == (
        "1.0",
        production,
        "blue",
        None,
    )
    body = response.json()
    assert response["Location"] == f"{BASE}/deployed-versions/{stored.uuid}"
    assert body["_links"] == {"self": {"href": response["Location"]}}
    assert body["uuid"] == str(stored.uuid)
    assert body["currentlyDeployed"] is True
    assert (body["applicationInstance"], body["target"]) == ("blue", "blue")
    assert TIMESTAMP.match(body["createdAt"])
    assert "undeployedAt" not in body
    embedded = body["_embedded"]
    assert embedded["pacticipant"] == {"name": "Foo", "_links": {"self": {"href": f"{BASE}/pacticipants/Foo"}}}
    assert embedded["version"] == {
        "number": "1.0",
        "_links": {"self": {"title": "Version", "name": "1.0", "href": f"{BASE}/pacticipants/Foo/versions/1.0"}},
    }
    assert embedded["environment"]["uuid"] == str(production.uuid)
    assert embedded["environment"]["name"] == "production"
    assert embedded["environment"]["production"] is True
    assert "pb:currently-deployed-deployed-versions" in embedded["environment"]["_links"]


@pytest.mark.parametrize("body", [None, {}, {"applicationInstance": ""}, {"applicationInstance": None}])
def test_record_deployment_without_an_instance(api, production, body):
    response = send(api, "post", deploy_url("Foo", "1.0", production), body)

    assert response.status_code == 201
    assert "applicationInstance" not in response.json()
    assert "target" not in response.json()
    assert DeployedVersion.objects.get().target is None


def test_the_deprecated_target_alone_is_the_instance(api, production):
    response = send(api, "post", deploy_url("Foo", "1.0", production), {"target": "green"})

    assert response.json()["applicationInstance"] == "green"
    assert DeployedVersion.objects.get().target == "green"


def test_recording_the_current_version_again_returns_the_same_deployment(api, production):
    first = send(api, "post", deploy_url("Foo", "1.0", production), {}).json()

    again = send(api, "post", deploy_url("Foo", "1.0", production), {})

    assert again.status_code == 201
    assert again.json()["uuid"] == first["uuid"]
    assert DeployedVersion.objects.count() == 1


def test_a_new_deployment_replaces_the_one_on_the_same_instance_only(api, production):
    blue_1 = send(api, "post", deploy_url("Foo", "1.0", production), {"applicationInstance": "blue"}).json()
    green_1 = send(api, "post", deploy_url("Foo", "1.0", production), {"applicationInstance": "green"}).json()

    blue_2 = send(api, "post", deploy_url("Foo", "2.0", production), {"applicationInstance": "blue"}).json()

    current = DeployedVersion.objects.filter(undeployed_at__isnull=True)
    assert sorted((d.target, d.version.number) for d in current) == [("blue", "2.0"), ("green", "1.0")]
    assert DeployedVersion.objects.get(uuid=blue_1["uuid"]).undeployed_at is not None
    replaced = api.get(f"/deployed-versions/{blue_1['uuid']}").json()
    assert replaced["currentlyDeployed"] is False
    assert TIMESTAMP.match(replaced["undeployedAt"])
    assert api.get(f"/deployed-versions/{green_1['uuid']}").json()["currentlyDeployed"] is True
    assert blue_2["currentlyDeployed"] is True


def test_names_with_slashes_and_spaces_route_and_are_encoded_in_hrefs(api, td):
    td.version("team/app one", "1.0/rc 1")
    environment = td.environment("test")

    response = send(api, "post", deploy_url("team%2Fapp%20one", "1.0%2Frc%201", environment), {})

    assert response.status_code == 201
    links = response.json()["_embedded"]
    assert links["pacticipant"]["name"] == "team/app one"
    assert links["version"]["_links"]["self"]["href"] == f"{BASE}/pacticipants/team%2Fapp%20one/versions/1.0%2Frc%201"
    assert DeployedVersion.objects.get().version.pacticipant.name == "team/app one"


@pytest.mark.parametrize(
    ("pacticipant", "version", "env_uuid"),
    [
        ("Foo", "9.9.9", None),
        ("Nobody", "1.0", None),
        ("Foo", "1.0", "1c0e7a85-5f62-4d92-b130-6e5ae96628f9"),
        ("Foo", "1.0", "not-a-uuid"),
    ],
)
@pytest.mark.parametrize("kind", ["deployed-versions", "released-versions"])
def test_unknown_version_or_environment_is_404_and_records_nothing(
    api, production, pacticipant, version, env_uuid, kind
):
    path = f"/pacticipants/{pacticipant}/versions/{version}/{kind}/environment/{env_uuid or production.uuid}"

    for method in ("post", "get"):
        response = send(api, method, path, {})
        assert response.status_code == 404
        assert response["Content-Type"] == HAL
        assert "error" in response.json()
    assert DeployedVersion.objects.count() == 0
    assert ReleasedVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"applicationInstance": 42}, "must be a string"),
        ({"applicationInstance": "blue\ngreen"}, "cannot contain multiple lines"),
        ({"applicationInstance": "x" * 256}, "is longer than 255 characters"),
        (["blue"], None),
    ],
)
def test_invalid_application_instance_is_400_and_records_nothing(api, production, body, message):
    response = send(api, "post", deploy_url("Foo", "1.0", production), body)

    assert response.status_code == 400
    errors = response.json()["errors"]
    if message:
        assert message in errors["applicationInstance"]
    assert DeployedVersion.objects.count() == 0


def test_malformed_json_is_400_and_records_nothing(api, production):
    response = send(api, "post", deploy_url("Foo", "1.0", production), '{"applicationInstance": ')

    assert response.status_code == 400
    assert DeployedVersion.objects.count() == 0


def test_a_body_that_is_not_json_is_415(api, production):
    response = send(api, "post", deploy_url("Foo", "1.0", production), "blue", content_type="text/plain")

    assert response.status_code == 415
    assert DeployedVersion.objects.count() == 0


def test_get_lists_every_deployment_of_the_version_in_the_environment(api, td, production):
    td.deploy("Foo", "1.0", to="production").deploy("Foo", "2.0", to="production").deploy("Foo", "1.0", to="production")
    td.deploy("Foo", "1.0", to="test")

    response = api.get(deploy_url("Foo", "1.0", production))

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    listed = body["_embedded"]["deployedVersions"]
    assert [entry["currentlyDeployed"] for entry in listed] == [False, True]
    assert {entry["_embedded"]["version"]["number"] for entry in listed} == {"1.0"}
    assert body["_links"]["self"] == {
        "href": BASE + deploy_url("Foo", "1.0", production),
        "title": "Deployed versions for Foo version 1.0",
    }


# --- deployed versions: GET and PATCH ---------------------------------------------------


def current_deployment(td, target: str | None = None) -> DeployedVersion:
    td.deploy("Foo", "1.0", to="production", target=target)
    return DeployedVersion.objects.get(undeployed_at__isnull=True)


def test_get_deployed_version(api, td):
    deployed = current_deployment(td, target="blue")

    response = api.get(f"/deployed-versions/{deployed.uuid}")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    assert (body["uuid"], body["currentlyDeployed"], body["applicationInstance"]) == (str(deployed.uuid), True, "blue")
    assert body["_embedded"]["environment"]["name"] == "production"


@pytest.mark.parametrize("kind", ["deployed-versions", "released-versions"])
@pytest.mark.parametrize("method", ["get", "patch"])
@pytest.mark.parametrize("entity_uuid", ["d99f96b1-030e-43c3-8b8f-3ea450855bce", "nope"])
def test_unknown_deployed_or_released_version_is_404(api, kind, method, entity_uuid):
    response = send(api, method, f"/{kind}/{entity_uuid}", {"currentlyDeployed": False}, content_type=MERGE_PATCH)

    assert response.status_code == 404
    assert "error" in response.json()


@pytest.mark.parametrize("content_type", [MERGE_PATCH, "application/json"])  # Rust CLI, Ruby CLI
def test_patch_currently_deployed_false_records_the_undeployment(api, td, content_type):
    deployed = current_deployment(td)

    response = send(
        api, "patch", f"/deployed-versions/{deployed.uuid}", {"currentlyDeployed": False}, content_type=content_type
    )

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    assert body["currentlyDeployed"] is False
    assert TIMESTAMP.match(body["undeployedAt"])
    assert body["_embedded"]["version"]["number"] == "1.0"
    deployed.refresh_from_db()
    assert deployed.undeployed_at is not None


def test_patch_false_twice_keeps_the_first_undeployment_time(api, td):
    deployed = current_deployment(td)
    send(api, "patch", f"/deployed-versions/{deployed.uuid}", {"currentlyDeployed": False}, content_type=MERGE_PATCH)
    deployed.refresh_from_db()
    first = deployed.undeployed_at

    response = send(
        api, "patch", f"/deployed-versions/{deployed.uuid}", {"currentlyDeployed": False}, content_type=MERGE_PATCH
    )

    assert response.status_code == 200
    deployed.refresh_from_db()
    assert deployed.undeployed_at == first


def test_patch_currently_deployed_true_is_422_and_changes_nothing(api, td):
    deployed = current_deployment(td)
    send(api, "patch", f"/deployed-versions/{deployed.uuid}", {"currentlyDeployed": False}, content_type=MERGE_PATCH)

    response = send(
        api, "patch", f"/deployed-versions/{deployed.uuid}", {"currentlyDeployed": True}, content_type=MERGE_PATCH
    )

    assert response.status_code == 422
    assert response["Content-Type"] == HAL
    assert list(response.json()["errors"]) == ["currentlyDeployed"]
    deployed.refresh_from_db()
    assert deployed.undeployed_at is not None


@pytest.mark.parametrize("body", [{}, {"applicationInstance": "other"}, None])
def test_patch_without_currently_deployed_is_a_no_op(api, td, body):
    deployed = current_deployment(td)

    response = send(api, "patch", f"/deployed-versions/{deployed.uuid}", body, content_type=MERGE_PATCH)

    assert response.status_code == 200
    assert response.json()["currentlyDeployed"] is True
    deployed.refresh_from_db()
    assert (deployed.undeployed_at, deployed.target) == (None, None)


@pytest.mark.parametrize(
    ("body", "status"),
    [({"currentlyDeployed": "false"}, 400), ({"currentlyDeployed": None}, 400), ([False], 400), ("{", 400)],
)
def test_patch_with_a_bad_body_is_4xx_and_changes_nothing(api, td, body, status):
    deployed = current_deployment(td)

    response = send(api, "patch", f"/deployed-versions/{deployed.uuid}", body, content_type=MERGE_PATCH)

    assert response.status_code == status
    assert "errors" in response.json()
    deployed.refresh_from_db()
    assert deployed.undeployed_at is None


def test_patch_with_another_content_type_is_415(api, td):
    deployed = current_deployment(td)

    response = send(
        api,
        "patch",
        f"/deployed-versions/{deployed.uuid}",
        "currentlyDeployed=false",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 415
    deployed.refresh_from_db()
    assert deployed.undeployed_at is None


# --- currently deployed in an environment ------------------------------------------------


@pytest.fixture
def deployments(td, production):
    td.deploy("Foo", "1.0", to="production", target="blue")
    td.deploy("Foo", "2.0", to="production", target="green")
    td.deploy("Foo", "2.0", to="production")
    td.deploy("Foo", "1.0", to="production")  # replaces 2.0 on the no-instance slot
    td.deploy("Bar", "5.0", to="production")
    td.deploy("Foo", "2.0", to="test")
    return production


def currently_deployed(api, environment, query: str = ""):
    return api.get(f"/environments/{environment.uuid}/deployed-versions/currently-deployed{query}")


def listed(response) -> list[tuple[str, str, str | None]]:
    return [
        (
            entry["_embedded"]["pacticipant"]["name"],
            entry["_embedded"]["version"]["number"],
            entry.get("applicationInstance"),
        )
        for entry in response.json()["_embedded"]["deployedVersions"]
    ]


def test_currently_deployed_for_a_pacticipant(api, deployments):
    response = currently_deployed(api, deployments, "?pacticipant=Foo")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    assert listed(response) == [("Foo", "1.0", "blue"), ("Foo", "2.0", "green"), ("Foo", "1.0", None)]
    body = response.json()
    assert body["_links"]["self"] == {
        "href": f"{BASE}/environments/{deployments.uuid}/deployed-versions/currently-deployed?pacticipant=Foo",
        "title": "Currently deployed versions for production",
    }
    entry = body["_embedded"]["deployedVersions"][0]
    # What the CLIs read to undeploy: the instance, the version number and the PATCH target.
    assert entry["target"] == "blue"
    assert entry["currentlyDeployed"] is True
    assert entry["_links"]["self"]["href"].startswith(f"{BASE}/deployed-versions/")


def test_currently_deployed_without_a_pacticipant_lists_everyone(api, deployments):
    assert sorted(listed(currently_deployed(api, deployments)), key=str) == sorted(
        [("Foo", "1.0", "blue"), ("Foo", "2.0", "green"), ("Foo", "1.0", None), ("Bar", "5.0", None)], key=str
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("&applicationInstance=blue", [("Foo", "1.0", "blue")]),
        ("&target=green", [("Foo", "2.0", "green")]),
        ("&applicationInstance=", [("Foo", "1.0", None)]),  # blank = deployed without an instance
        ("&target=", [("Foo", "1.0", None)]),
        ("&applicationInstance=purple", []),
    ],
)
def test_currently_deployed_by_application_instance(api, deployments, query, expected):
    assert listed(currently_deployed(api, deployments, "?pacticipant=Foo" + query)) == expected


def test_currently_deployed_for_an_unknown_pacticipant_is_empty(api, deployments):
    response = currently_deployed(api, deployments, "?pacticipant=Nobody")

    assert response.status_code == 200
    assert response.json()["_embedded"] == {"deployedVersions": []}


def test_currently_deployed_in_an_unknown_environment_is_404(api):
    response = api.get(f"/environments/{uuid.uuid4()}/deployed-versions/currently-deployed?pacticipant=Foo")

    assert response.status_code == 404


def test_the_undeployment_flow_of_the_clis(api, deployments):
    """record-undeployment --pacticipant Foo --environment production --application-instance blue."""
    environments = api.get("/environments").json()
    environment_href = next(
        link["href"] for link in environments["_links"]["pb:environments"] if link["name"] == "production"
    )
    environment = api.get(environment_href).json()
    search = environment["_links"]["pb:currently-deployed-deployed-versions"]["href"] + "?pacticipant=Foo"
    entries = [
        entry
        for entry in api.get(search).json()["_embedded"]["deployedVersions"]
        if entry.get("applicationInstance") == "blue"
    ]

    for entry in entries:
        response = send(api, "patch", entry["_links"]["self"]["href"], {"currentlyDeployed": False})
        assert response.status_code == 200

    assert len(entries) == 1
    assert not DeployedVersion.objects.filter(target="blue", undeployed_at__isnull=True).exists()
    assert DeployedVersion.objects.filter(target="green", undeployed_at__isnull=True).exists()
    assert listed(currently_deployed(api, deployments, "?pacticipant=Foo")) == [
        ("Foo", "2.0", "green"),
        ("Foo", "1.0", None),
    ]


# --- releases ----------------------------------------------------------------------------


def test_record_release_is_201_then_200(api, production):
    response = send(api, "post", release_url("Foo", "1.0", production), {})

    assert response.status_code == 201
    assert response["Content-Type"] == HAL
    stored = ReleasedVersion.objects.get()
    body = response.json()
    assert response["Location"] == f"{BASE}/released-versions/{stored.uuid}"
    assert body["_links"] == {"self": {"href": response["Location"]}}
    assert (body["uuid"], body["currentlySupported"]) == (str(stored.uuid), True)
    assert TIMESTAMP.match(body["createdAt"])
    assert "supportEndedAt" not in body
    assert body["_embedded"]["pacticipant"]["name"] == "Foo"
    assert body["_embedded"]["version"]["number"] == "1.0"
    assert body["_embedded"]["environment"]["name"] == "production"

    again = send(api, "post", release_url("Foo", "1.0", production), {})

    assert again.status_code == 200
    assert again.json()["uuid"] == body["uuid"]
    assert ReleasedVersion.objects.count() == 1


def test_releases_are_concurrent(api, production):
    send(api, "post", release_url("Foo", "1.0", production), None)
    send(api, "post", release_url("Foo", "2.0", production), None)

    response = api.get(f"/environments/{production.uuid}/released-versions/currently-supported?pacticipant=Foo")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    assert [
        (entry["_embedded"]["version"]["number"], entry["currentlySupported"])
        for entry in body["_embedded"]["releasedVersions"]
    ] == [("1.0", True), ("2.0", True)]
    assert body["_links"]["self"]["title"] == "Currently supported versions in production"
    assert ReleasedVersion.objects.filter(support_ended_at__isnull=True).count() == 2


def test_record_support_ended_flow_and_re_release(api, production):
    send(api, "post", release_url("Foo", "1.0", production), {})
    send(api, "post", release_url("Foo", "2.0", production), {})
    # The Ruby CLI adds &version=; both then PATCH every listed entry.
    search = f"/environments/{production.uuid}/released-versions/currently-supported?pacticipant=Foo&version=1.0"
    entries = api.get(search).json()["_embedded"]["releasedVersions"]
    assert len(entries) == 1

    response = send(
        api, "patch", entries[0]["_links"]["self"]["href"], {"currentlySupported": False}, content_type=MERGE_PATCH
    )

    assert response.status_code == 200
    assert response.json()["currentlySupported"] is False
    assert TIMESTAMP.match(response.json()["supportEndedAt"])
    ended = ReleasedVersion.objects.get(version__number="1.0")
    assert ended.support_ended_at is not None
    assert api.get(search).json()["_embedded"]["releasedVersions"] == []
    assert ReleasedVersion.objects.get(version__number="2.0").support_ended_at is None

    again = send(api, "post", release_url("Foo", "1.0", production), {})

    assert again.status_code == 200
    assert again.json()["uuid"] == str(ended.uuid)
    assert again.json()["currentlySupported"] is True
    ended.refresh_from_db()
    assert ended.support_ended_at is None


def test_patch_currently_supported_true_is_422(api, production):
    released = send(api, "post", release_url("Foo", "1.0", production), {}).json()

    response = send(
        api, "patch", f"/released-versions/{released['uuid']}", {"currentlySupported": True}, content_type=MERGE_PATCH
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["currentlySupported"]
    assert ReleasedVersion.objects.get().support_ended_at is None


def test_patch_released_version_with_a_non_boolean_is_400(api, production):
    released = send(api, "post", release_url("Foo", "1.0", production), {}).json()

    response = send(
        api,
        "patch",
        f"/released-versions/{released['uuid']}",
        {"currentlySupported": "no"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert ReleasedVersion.objects.get().support_ended_at is None


def test_get_released_version_and_the_version_release_list(api, production):
    released = send(api, "post", release_url("Foo", "1.0", production), {}).json()

    one = api.get(f"/released-versions/{released['uuid']}")
    listed_for_version = api.get(release_url("Foo", "1.0", production)).json()
    not_released = api.get(release_url("Foo", "2.0", production)).json()

    assert one.status_code == 200
    assert one.json() == released
    assert [entry["uuid"] for entry in listed_for_version["_embedded"]["releasedVersions"]] == [released["uuid"]]
    assert not_released["_embedded"]["releasedVersions"] == []


def test_record_release_with_a_non_object_body_is_400(api, production):
    response = send(api, "post", release_url("Foo", "1.0", production), [1])

    assert response.status_code == 400
    assert ReleasedVersion.objects.count() == 0


def test_currently_supported_in_an_unknown_environment_is_404(api):
    assert api.get(f"/environments/{uuid.uuid4()}/released-versions/currently-supported").status_code == 404
