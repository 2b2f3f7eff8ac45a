"""The access API (/admin/...): accounts, tokens (shown once), teams, the applications they
own and restricted environments, with the answers for bad input. Everything as the
basic-auth read-write user, an admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from access.models import Account, ApplicationOwner, EnvironmentRestriction, Membership, Team, Token
from contracts.models import Environment, Pacticipant
from tests.access.helpers import WRITER, basic, bearer

pytestmark = pytest.mark.django_db
ADMIN = basic(WRITER)


@pytest.fixture
def admin(api, auth_on):
    """Requests as the read-write user: admin(method, path, body=None)."""

    def send(method: str, path: str, body=None):
        if method == "get":
            return api.get(path, **ADMIN)
        return getattr(api, method)(path, body if body is not None else "", **ADMIN)

    return send


def test_accounts_are_created_listed_changed_and_deactivated(admin) -> None:
    created = admin("post", "/admin/accounts", {"name": "payments-pipeline", "kind": "system",
                                                "displayName": "Payments CI"})  # fmt: skip
    assert created.status_code == 201, created.content
    assert created["Location"] == "http://testserver/admin/accounts/payments-pipeline"
    body = created.json()
    assert (body["name"], body["kind"], body["displayName"], body["active"], body["teams"]) == (
        "payments-pipeline", "system", "Payments CI", True, [])  # fmt: skip
    assert body["_links"]["accord:tokens"]["href"].endswith("/admin/accounts/payments-pipeline/tokens")
    admin("post", "/admin/accounts", {"name": "ana@example.com", "kind": "user", "email": "ana@example.com"})

    listed = admin("get", "/admin/accounts").json()["_embedded"]["accounts"]
    assert [account["name"] for account in listed] == ["ana@example.com", "payments-pipeline"]

    changed = admin("patch", "/admin/accounts/payments-pipeline", {"active": False, "email": "ci@example.com"})
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert Account.objects.get(name="payments-pipeline").email == "ci@example.com"
    assert admin("delete", "/admin/accounts/payments-pipeline").status_code == 405  # never deleted


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"kind": "user"}, "name", "is missing"),
        ({"name": "has space", "kind": "user"}, "name", "must start with a letter or digit"),
        ({"name": "-x", "kind": "user"}, "name", "must start with a letter or digit"),
        ({"name": "a" * 101, "kind": "user"}, "name", "is longer than 100 characters"),
        ({"name": "ok", "kind": "robot"}, "kind", "must be one of user, system"),
        ({"name": "ok", "kind": "user", "email": 7}, "email", "must be a string"),
        ({"name": "ok", "kind": "user", "role": "boss"}, "body", "unknown field(s): role"),
        ({"name": "ok\x00", "kind": "user"}, "name", "cannot contain NUL characters"),
    ],
)
def test_a_bad_account_is_a_400_naming_the_field(admin, body, field, message) -> None:
    response = admin("post", "/admin/accounts", body)
    assert response.status_code == 400, response.content
    assert any(message in text for text in response.json()["errors"][field]), response.json()
    assert not Account.objects.exists()


def test_an_account_name_is_taken_once(admin) -> None:
    admin("post", "/admin/accounts", {"name": "ci", "kind": "system"})
    again = admin("post", "/admin/accounts", {"name": "ci", "kind": "user"})
    assert again.status_code == 400
    assert again.json()["errors"]["name"] == ["an account named 'ci' already exists"]


def test_a_token_is_shown_once_listed_without_its_value_and_revoked(admin, api) -> None:
    admin("post", "/admin/accounts", {"name": "payments-pipeline", "kind": "system"})
    expires = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    created = admin("post", "/admin/accounts/payments-pipeline/tokens",
                    {"name": "ci", "scopes": ["write"], "expiresAt": expires.isoformat()})  # fmt: skip
    assert created.status_code == 201, created.content
    assert created["Cache-Control"] == "no-store"
    body = created.json()
    value = body["token"]
    assert value.startswith(f"acc_{body['id']}_")
    assert (body["name"], body["account"], body["scopes"], body["status"]) == (
        "ci", "payments-pipeline", ["read", "write"], "active")  # fmt: skip
    assert body["createdBy"] == "admin" and body["expiresAt"] == expires.isoformat().replace("Z", "+00:00")
    assert created["Location"].endswith(f"/admin/accounts/payments-pipeline/tokens/{body['id']}")

    # It works, and no answer shows it again.
    assert api.post("/pacticipants", {"name": "Web"}, **bearer(value)).status_code == 201
    listed = admin("get", "/admin/accounts/payments-pipeline/tokens")
    one = admin("get", f"/admin/accounts/payments-pipeline/tokens/{body['id']}")
    for answer in (listed, one, admin("get", "/admin/accounts"), admin("get", "/admin/accounts/payments-pipeline")):
        assert answer.status_code == 200
        assert value.split("_", 2)[2] not in answer.content.decode()
    assert listed.json()["_embedded"]["tokens"][0]["lastUsedAt"] is not None
    assert one.json()["id"] == body["id"] and "token" not in one.json()
    assert admin("get", "/admin/accounts/payments-pipeline").json()["liveTokens"] == 1

    revoked = admin("delete", f"/admin/accounts/payments-pipeline/tokens/{body['id']}")
    assert revoked.status_code == 200
    assert (revoked.json()["status"], revoked.json()["revokedBy"]) == ("revoked", "admin")
    assert api.get("/", **bearer(value)).status_code == 401
    assert admin("delete", f"/admin/accounts/payments-pipeline/tokens/{body['id']}").json()["status"] == "revoked"
    # Revoked, its name is free again (rotation keeps names).
    again = admin("post", "/admin/accounts/payments-pipeline/tokens", {"name": "ci", "scopes": ["read"]})
    assert again.status_code == 201 and again.json()["scopes"] == ["read"]
    assert Token.objects.filter(name="ci").count() == 2


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"scopes": ["read"]}, "name", "is missing"),
        ({"name": "ci"}, "scopes", "is missing"),
        ({"name": "ci", "scopes": []}, "scopes", "cannot be empty"),
        ({"name": "ci", "scopes": ["root"]}, "scopes[0]", "must be one of read, write, admin"),
        ({"name": "ci", "scopes": "admin"}, "scopes", "must be an array"),
        ({"name": "ci", "scopes": ["read"], "expiresAt": "2020-01-01T00:00:00Z"}, "expiresAt", "in the future"),
        ({"name": "ci", "scopes": ["read"], "expiresAt": "next week"}, "expiresAt", "ISO 8601"),
        ({"name": "ci", "scopes": ["read"], "expiresAt": 1893456000}, "expiresAt", "ISO 8601"),
        ({"name": "c i", "scopes": ["read"]}, "name", "must start with a letter or digit"),
    ],
)
def test_a_bad_token_request_is_a_400_naming_the_field(admin, body, field, message) -> None:
    admin("post", "/admin/accounts", {"name": "ci-account", "kind": "system"})
    response = admin("post", "/admin/accounts/ci-account/tokens", body)
    assert response.status_code == 400, response.content
    assert any(message in text for text in response.json()["errors"][field]), response.json()
    assert not Token.objects.exists()


def test_token_names_are_unique_among_live_tokens_and_deactivated_accounts_get_none(admin) -> None:
    admin("post", "/admin/accounts", {"name": "ci-account", "kind": "system"})
    admin("post", "/admin/accounts/ci-account/tokens", {"name": "ci", "scopes": ["read"]})
    taken = admin("post", "/admin/accounts/ci-account/tokens", {"name": "ci", "scopes": ["read"]})
    assert taken.status_code == 400
    assert "already has a token named 'ci'" in taken.json()["errors"]["name"][0]
    admin("patch", "/admin/accounts/ci-account", {"active": False})
    refused = admin("post", "/admin/accounts/ci-account/tokens", {"name": "other", "scopes": ["read"]})
    assert refused.status_code == 409 and "deactivated" in refused.json()["errors"]["base"][0]
    assert admin("get", "/admin/accounts/nobody/tokens").status_code == 404
    assert admin("get", "/admin/accounts/ci-account/tokens/00000000").status_code == 404


def test_an_open_broker_makes_no_token(api, settings) -> None:
    settings.ACCORD_REQUIRE_AUTH = False  # no users either: open
    api.post("/admin/accounts", {"name": "ci-account", "kind": "system"})
    refused = api.post("/admin/accounts/ci-account/tokens", {"name": "ci", "scopes": ["admin"]})
    assert refused.status_code == 409
    message = refused.json()["errors"]["base"][0]
    assert "ACCORD_REQUIRE_AUTH=true" in message and "this broker is open" in message
    assert not Token.objects.exists()


def test_teams_own_applications_and_hold_members(admin) -> None:
    admin("post", "/admin/accounts", {"name": "orders-ci", "kind": "system"})
    Pacticipant.objects.create(name="orders-api")
    created = admin("post", "/admin/teams", {"name": "orders"})
    assert created.status_code == 201 and created["Location"].endswith("/admin/teams/orders")
    assert admin("post", "/admin/teams", {"name": "orders"}).json()["errors"]["name"] == [
        "a team named 'orders' already exists"
    ]

    member = admin("put", "/admin/teams/orders/members/orders-ci")
    assert member.status_code == 200 and member.json()["members"] == ["orders-ci"]
    assert admin("put", "/admin/teams/orders/members/orders-ci").json()["members"] == ["orders-ci"]  # idempotent
    owned = admin("put", "/admin/teams/orders/applications/orders-api")
    assert owned.status_code == 200 and owned.json()["applications"] == ["orders-api"]
    assert admin("get", "/admin/accounts/orders-ci").json()["teams"] == ["orders"]

    # An application belongs to one team at most: another team's PUT takes it.
    admin("post", "/admin/teams", {"name": "platform"})
    admin("put", "/admin/teams/platform/applications/orders-api")
    assert ApplicationOwner.objects.get().team.name == "platform"
    assert admin("get", "/admin/teams/orders").json()["applications"] == []

    assert admin("put", "/admin/teams/orders/applications/nope").status_code == 404
    assert admin("put", "/admin/teams/orders/members/nobody").status_code == 404
    assert admin("put", "/admin/teams/nothing/members/orders-ci").status_code == 404
    assert admin("delete", "/admin/teams/orders/members/orders-ci").json()["members"] == []
    assert admin("delete", "/admin/teams/platform/applications/orders-api").json()["applications"] == []
    assert not ApplicationOwner.objects.exists() and not Membership.objects.exists()

    admin("put", "/admin/teams/platform/applications/orders-api")
    assert admin("delete", "/admin/teams/platform").status_code == 204
    assert not ApplicationOwner.objects.exists() and Pacticipant.objects.filter(name="orders-api").exists()
    listed = admin("get", "/admin/teams").json()["_embedded"]["teams"]
    assert [team["name"] for team in listed] == ["orders"]


def test_environments_are_restricted_to_teams(admin) -> None:
    Environment.objects.create(name="production", production=True)
    admin("post", "/admin/teams", {"name": "release"})
    assert admin("get", "/admin/restrictions/production").status_code == 404

    created = admin("put", "/admin/restrictions/production", {"teams": ["release", "release"]})
    assert created.status_code == 201, created.content
    assert (created.json()["environment"], created.json()["teams"]) == ("production", ["release"])
    assert admin("get", "/admin/teams/release").json()["environments"] == ["production"]
    only_admins = admin("put", "/admin/restrictions/production", {"teams": []})
    assert only_admins.status_code == 200 and only_admins.json()["teams"] == []
    listed = admin("get", "/admin/restrictions").json()["_embedded"]["restrictions"]
    assert [r["environment"] for r in listed] == ["production"]

    unknown = admin("put", "/admin/restrictions/production", {"teams": ["release", "ghosts"]})
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["teams"] == ["No team with name 'ghosts' found"]
    assert admin("put", "/admin/restrictions/nowhere", {"teams": []}).status_code == 404
    assert admin("put", "/admin/restrictions/production", {"teams": "release"}).status_code == 400
    assert admin("put", "/admin/restrictions/production", {}).json()["errors"]["teams"] == ["is missing"]

    assert admin("delete", "/admin/restrictions/production").status_code == 204
    assert not EnvironmentRestriction.objects.exists()
    assert admin("delete", "/admin/restrictions/production").status_code == 404


def test_the_index_links_the_access_api(admin) -> None:
    links = admin("get", "/").json()["_links"]
    for rel, path in (("accord:accounts", "/admin/accounts"), ("accord:teams", "/admin/teams"),
                      ("accord:restrictions", "/admin/restrictions")):  # fmt: skip
        assert links[rel]["href"] == "http://testserver" + path
        doc = admin("get", f"/doc/{rel.split(':')[1]}?context=index")
        assert doc.status_code == 200 and b"access control" in doc.content


def test_token_create_bootstraps_a_closed_broker(api, tokens_only, capsys) -> None:
    call_command("token_create", "--account", "ops", "--kind", "user", "--name", "laptop")
    out, err = capsys.readouterr()
    value = out.strip()
    assert value.startswith("acc_") and "\n" not in value
    assert "Created the user account 'ops'" in err and "not shown again" in err and value not in err
    token = Token.objects.get()
    assert (token.account.name, token.name, token.scopes, token.created_by) == (
        "ops", "laptop", ["read", "write", "admin"], "system")  # fmt: skip
    assert api.get("/admin/accounts", **bearer(value)).status_code == 200
    # Again, for the same account: another token, the account reused.
    call_command("token_create", "--account", "ops", "--name", "ci", "--scopes", "read", "--expires-in-days", "7")
    assert Account.objects.count() == 1 and Token.objects.get(name="ci").scopes == ["read"]
    assert Team.objects.count() == 0
