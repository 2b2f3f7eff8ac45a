"""The permission check (access/permissions.py) through the API and the web UI: what each
refusal says, that a refused write leaves nothing behind, and who the writes are made as.
The README's table (tests/access/test_access_table.py) covers every role and action; these
are the details around it."""

from __future__ import annotations

import pytest
from django.test import Client

from contracts import access
from contracts.models import DeployedVersion, Pacticipant, Tag, Version
from tests.access.helpers import WRITER, basic, bearer, make_token, own, restrict, sign_in
from tests.builders import publish_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(td, auth_on) -> dict[str, str]:
    """Team orders owns web-shop and orders-api; team payments owns payments-api; production
    is restricted to team release; tokens of a member of each, and of an account in none."""
    td.publish("web-shop", "1.0", provider="orders-api")
    td.publish("web-shop", "1.0", provider="payments-api")
    td.version("payments-api", "3.0")
    td.version("legacy-app", "1.0")
    td.environment("production", production=True)
    tokens = {
        "orders": make_token("orders-ci", "write", teams=("orders",)),
        "payments": make_token("payments-ci", "write", teams=("payments",)),
        "release": make_token("release-bot", "write", teams=("release",), name="deploy"),
        "none": make_token("loose-ci", "write"),
    }
    own("orders", "web-shop", "orders-api")
    own("payments", "payments-api")
    restrict("production", "release")
    return tokens


def test_a_refusal_names_the_token_the_application_and_its_team(api, teams) -> None:
    refused = api.put("/pacticipants/web-shop/versions/1.0/tags/qa", {}, **bearer(teams["payments"]))
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "Forbidden: token 'ci' of account 'payments-ci' has no write permission on application "
        "'web-shop' (owned by team 'orders')"
    }
    assert not Tag.objects.filter(name="qa").exists()  # the write rolled back
    assert api.put("/pacticipants/web-shop/versions/1.0/tags/qa", {}, **bearer(teams["orders"])).status_code == 201


def test_a_publish_is_refused_whole(api, teams) -> None:
    body = publish_body("web-shop", "2.0", provider="brand-new-api", branch="main", tags=["dev"])
    assert api.post("/contracts/publish", body, **bearer(teams["payments"])).status_code == 403
    assert not Version.objects.filter(number="2.0").exists()
    assert not Pacticipant.objects.filter(name="brand-new-api").exists()
    assert api.post("/contracts/publish", body, **bearer(teams["orders"])).status_code == 200
    # The provider the publish created belongs to no team: every writer may write about it.
    assert api.put("/pacticipants/brand-new-api/versions/9.0", {}, **bearer(teams["none"])).status_code in (200, 201)


def test_a_restricted_environment_names_its_teams(api, teams, td) -> None:
    production = td.environment("production").uuid
    path = f"/pacticipants/legacy-app/versions/1.0/deployed-versions/environment/{production}"
    refused = api.post(path, {}, **bearer(teams["none"]))
    assert refused.status_code == 403
    assert refused.json()["error"] == (
        "Forbidden: token 'ci' of account 'loose-ci' may not record deployments or releases in environment "
        "'production': it is restricted to team(s) 'release' and admins"
    )
    assert not DeployedVersion.objects.exists()
    assert api.post(path, {}, **bearer(teams["release"])).status_code == 201
    # A team's own application, in an environment its team may not deploy to.
    own_app = f"/pacticipants/web-shop/versions/1.0/deployed-versions/environment/{production}"
    assert "restricted to team(s) 'release'" in api.post(own_app, {}, **bearer(teams["orders"])).json()["error"]
    # A tag named like the environment records a deployment there: restricted alike.
    tag = api.put("/pacticipants/legacy-app/versions/1.0/tags/production", {}, **bearer(teams["none"]))
    assert tag.status_code == 403 and "environment 'production'" in tag.json()["error"]
    # Restricted to no team: admins only.
    restrict("production")
    only_admins = api.post(path, {}, **bearer(teams["release"]))
    assert only_admins.json()["error"].endswith("it is restricted to admins")
    assert (
        api.post(path.replace("legacy-app", "payments-api").replace("1.0", "3.0"), {}, **basic(WRITER)).status_code
        == 201
    )


def test_ending_a_deployment_in_a_restricted_environment_is_restricted_too(api, teams, td) -> None:
    td.deploy("legacy-app", "1.0", to="production")
    deployed = DeployedVersion.objects.get()
    refused = api.patch(f"/deployed-versions/{deployed.uuid}", {"currentlyDeployed": False}, **bearer(teams["none"]))
    assert refused.status_code == 403 and "environment 'production'" in refused.json()["error"]
    done = api.patch(f"/deployed-versions/{deployed.uuid}", {"currentlyDeployed": False}, **bearer(teams["release"]))
    assert done.status_code == 200


def test_an_integration_is_deleted_only_with_permission_on_both_sides(api, teams) -> None:
    refused = api.delete("/integrations/provider/payments-api/consumer/web-shop", **bearer(teams["orders"]))
    assert (
        refused.status_code == 403
        and "application 'payments-api' (owned by team 'payments')" in refused.json()["error"]
    )
    admin = make_token("ops", "admin", kind="user")
    assert api.delete("/integrations/provider/payments-api/consumer/web-shop", **bearer(admin)).status_code == 204


def test_administrative_writes_need_the_admin_scope(api, teams) -> None:
    webhook = {"events": [{"name": "contract_published"}], "request": {"method": "POST", "url": "https://ci.example/h"}}
    for path, body, purpose in (
        ("/webhooks", webhook, "managing webhooks"),
        ("/environments", {"name": "staging", "production": False}, "managing environments"),
        ("/admin/teams", {"name": "platform"}, "managing teams"),
    ):
        refused = api.post(path, body, **bearer(teams["orders"]))
        assert refused.status_code == 403, path
        assert refused.json()["error"] == (
            f"Forbidden: token 'ci' of account 'orders-ci' lacks the admin scope: {purpose} needs an admin"
        )
    refused = api.delete("/integrations", **bearer(teams["orders"]))
    assert "deleting every integration needs an admin" in refused.json()["error"]
    assert Pacticipant.objects.exists()


def test_the_actor_of_a_token_request(api, teams, monkeypatch) -> None:
    seen: list = []
    monkeypatch.setattr(access, "_handlers", [*access.registered(), lambda actor, write: seen.append(actor)])
    api.put("/pacticipants/web-shop/versions/1.0/tags/qa", {}, **bearer(teams["orders"]), REMOTE_ADDR="10.1.2.3")
    actor = seen[0]
    from access.models import Account

    assert (actor.kind, actor.name, actor.token, actor.via) == ("token", "orders-ci", "ci", "api")
    assert actor.account_id == Account.objects.get(name="orders-ci").id
    assert actor.scopes == frozenset({"read", "write"})


def test_a_refusal_inside_a_ui_form_is_a_page_not_a_500(tokens_only) -> None:
    # A person whose token may write, but not manage webhooks, submits the webhook form: the
    # view lets writers in, the service's permission check refuses, and the page says why.
    value = make_token("ana", "write", kind="user", name="laptop", teams=("payments",))
    client = Client(HTTP_ACCEPT="text/html")
    assert sign_in(client, "ana", value).status_code == 303
    refused = client.post("/ui/webhooks/new", {"description": "mine", "events": ["contract_published"],
                                               "method": "POST", "url": "https://ci.example/h", "enabled": "on"})  # fmt: skip
    assert refused.status_code == 403 and refused["Content-Type"].startswith("text/html")
    page = refused.content.decode()
    assert "Not allowed" in page
    assert (
        "token &#x27;laptop&#x27; of account &#x27;ana&#x27; lacks the admin scope: managing webhooks needs an admin"
        in page
    )
