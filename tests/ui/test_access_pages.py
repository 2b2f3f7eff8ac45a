"""The Access pages (ui/access_views.py): admins manage accounts, tokens (shown once),
teams and restricted environments; everyone else gets a 403 page and no link to them."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from access.models import Account, ApplicationOwner, EnvironmentRestriction, Membership, Team, Token
from contracts.models import Environment, Pacticipant
from tests.access.helpers import READER, WRITER, basic, bearer, make_token, sign_in

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def admin() -> Client:
    return Client(**HTML, **basic(WRITER))


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def post_forms(response) -> list[str]:
    return re.findall(r'<form (?:class="[^"]*" )?method="post" action="([^"]*)"', response.content.decode())


def test_admins_see_accounts_teams_and_restrictions(auth_on) -> None:
    make_token("payments-ci", "write", teams=("payments",))
    Account.objects.create(name="ana", kind="user", display_name="Ana Lima", active=False)
    Pacticipant.objects.create(name="payments-api")
    ApplicationOwner.objects.create(pacticipant=Pacticipant.objects.get(), team=Team.objects.get())
    EnvironmentRestriction.objects.create(environment=Environment.objects.create(name="production", production=True))
    EnvironmentRestriction.objects.get().teams.add(Team.objects.get())

    page = admin().get("/ui/access")
    assert page.status_code == 200
    shown = text(page)
    assert '<a href="/ui/access" aria-current="page">Access</a>' in page.content.decode()  # in the header
    assert "ana Ana Lima person none 0 deactivated" in shown
    assert "payments-ci pipeline payments 1 active" in shown
    assert "payments payments-ci payments-api production" in shown
    assert post_forms(page) == ["/ui/access/accounts", "/ui/access/teams"]


def test_everyone_else_gets_a_403_and_no_link(auth_on, settings) -> None:
    Account.objects.create(name="ana", kind="user")
    Team.objects.create(name="orders")
    writer = make_token("ana", "write", kind="user")
    for client in (Client(**HTML, **basic(READER)), Client(**HTML, **bearer(writer))):
        assert 'href="/ui/access"' not in client.get("/ui/applications").content.decode()
        for path in ("/ui/access", "/ui/access/accounts/ana", "/ui/access/teams/orders", "/ui/access/environments"):
            refused = client.get(path)
            assert refused.status_code == 403, path
            assert "managing access (accounts, tokens, teams and restricted environments) needs an admin" in text(
                refused
            )
        for path, data in (("/ui/access/accounts", {"name": "eve", "kind": "user"}), ("/ui/access/teams", {"name": "x"}),
                           ("/ui/access/accounts/ana/tokens", {"name": "t", "scope": "admin"})):  # fmt: skip
            assert client.post(path, data).status_code == 403, path
    assert Account.objects.count() == 1 and Team.objects.count() == 1 and Token.objects.count() == 1


def test_an_account_is_added_and_a_bad_name_is_said_on_its_field(auth_on) -> None:
    client = admin()
    refused = client.post("/ui/access/accounts", {"name": "has space", "kind": "user"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "must start with a letter or digit" in text(refused)
    assert 'id="id_account_name" aria-describedby="id_account_name_help id_account_name_errors"' in html or (
        'aria-invalid="true"' in html
    )
    created = client.post("/ui/access/accounts", {"name": "payments-ci", "kind": "system",
                                                   "display_name": "Payments CI"})  # fmt: skip
    assert (created.status_code, created["Location"]) == (303, "/ui/access/accounts/payments-ci")
    again = client.post("/ui/access/accounts", {"name": "payments-ci", "kind": "user"})
    assert again.status_code == 400 and "an account named 'payments-ci' already exists" in text(again)
    assert Account.objects.get().display_name == "Payments CI"


def test_a_token_is_shown_once_then_revoked(auth_on, api) -> None:
    Account.objects.create(name="payments-ci", kind="system")
    client = admin()
    created = client.post("/ui/access/accounts/payments-ci/tokens", {"name": "ci", "scope": "write", "expires": "30"})
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    value = re.search(r'data-copy="(acc_[^"]+)"', created.content.decode()).group(1)
    assert "Copy it now: it is not stored and will not be shown again." in text(created)
    token = Token.objects.get()
    assert token.scopes == ["read", "write"] and token.expires_at is not None and token.created_by == "admin"
    assert api.post("/pacticipants", {"name": "Web"}, **bearer(value)).status_code == 201

    page = client.get("/ui/access/accounts/payments-ci")
    assert value.split("_", 2)[2] not in page.content.decode()
    assert f"ci acc_{token.prefix}_…" in text(page) and "read, write" in text(page)
    revoke = f"/ui/access/accounts/payments-ci/tokens/{token.prefix}/revoke"
    assert revoke in post_forms(page)

    revoked = client.post(revoke)
    assert (revoked.status_code, revoked["Location"]) == (
        303,
        f"/ui/access/accounts/payments-ci?revoked={token.prefix}",
    )
    assert "is refused from now on" in text(client.get(revoked["Location"]))
    assert api.get("/", **bearer(value)).status_code == 401
    bad = client.post("/ui/access/accounts/payments-ci/tokens", {"name": "x y", "scope": "root"})
    assert bad.status_code == 400 and "Select a valid choice" in text(bad)
    assert Token.objects.count() == 1


def test_an_open_broker_says_it_makes_no_token(settings) -> None:
    settings.ACCORD_REQUIRE_AUTH = False
    Account.objects.create(name="payments-ci", kind="system")
    client = Client(**HTML)
    assert "This broker is open" in text(client.get("/ui/access"))
    refused = client.post("/ui/access/accounts/payments-ci/tokens", {"name": "ci", "scope": "write", "expires": ""})
    assert refused.status_code == 400 and "ACCORD_REQUIRE_AUTH=true" in text(refused)
    assert not Token.objects.exists()


def test_an_account_is_deactivated_and_activated(auth_on, api) -> None:
    value = make_token("payments-ci", "write")
    client = admin()
    assert client.post("/ui/access/accounts/payments-ci/active", {"active": "false"}).status_code == 303
    assert api.get("/", **bearer(value)).status_code == 401
    assert "deactivated" in text(client.get("/ui/access/accounts/payments-ci"))
    assert client.post("/ui/access/accounts/payments-ci/active", {"active": "maybe"}).status_code == 400
    client.post("/ui/access/accounts/payments-ci/active", {"active": "true"})
    assert api.get("/", **bearer(value)).status_code == 200


def test_a_team_gets_members_and_applications(auth_on) -> None:
    Account.objects.create(name="orders-ci", kind="system")
    Pacticipant.objects.create(name="orders-api")
    client = admin()
    created = client.post("/ui/access/teams", {"name": "orders"})
    assert (created.status_code, created["Location"]) == (303, "/ui/access/teams/orders")
    page = client.get("/ui/access/teams/orders")
    assert '<option value="orders-ci">orders-ci</option>' in page.content.decode()

    assert client.post("/ui/access/teams/orders/members", {"account": "orders-ci"}).status_code == 303
    assert client.post("/ui/access/teams/orders/applications", {"application": "orders-api"}).status_code == 303
    missing = client.post("/ui/access/teams/orders/applications", {"application": "nope"})
    assert missing.status_code == 400 and "No application with name 'nope' found" in text(missing)
    assert Membership.objects.get().account.name == "orders-ci"
    assert ApplicationOwner.objects.get().team.name == "orders"
    page = client.get("/ui/access/teams/orders")
    assert "orders-ci pipeline Remove orders-ci" in text(page) and "orders-api Remove orders-api" in text(page)

    client.post("/ui/access/teams/orders/members", {"account": "orders-ci", "remove": "on"})
    client.post("/ui/access/teams/orders/applications", {"application": "orders-api", "remove": "on"})
    assert not Membership.objects.exists() and not ApplicationOwner.objects.exists()
    assert client.get("/ui/access/teams/nothing").status_code == 404


def test_an_environment_is_restricted_and_lifted(auth_on) -> None:
    Environment.objects.create(name="production", production=True)
    Environment.objects.create(name="test", production=False)
    Team.objects.create(name="release")
    Team.objects.create(name="orders")
    client = admin()
    page = client.get("/ui/access/environments")
    assert "production open to every writer" in text(page)
    assert post_forms(page) == ["/ui/access/environments/production", "/ui/access/environments/test"]

    done = client.post("/ui/access/environments/production", {"teams": ["release"]})
    assert (done.status_code, done["Location"]) == (303, "/ui/access/environments#env-production")
    assert list(EnvironmentRestriction.objects.get().teams.values_list("name", flat=True)) == ["release"]
    assert "production restricted Teams allowed: release ." in text(client.get("/ui/access/environments"))
    assert client.post("/ui/access/environments/production", {"teams": ["ghosts"]}).status_code == 400
    client.post("/ui/access/environments/production", {"lift": "on"})
    assert not EnvironmentRestriction.objects.exists()
    assert client.post("/ui/access/environments/nowhere", {}).status_code == 404


# ---------------------------------------------------------------- signing in with a token


def test_a_person_signs_in_with_a_token_while_it_lasts(tokens_only) -> None:
    value = make_token("ana", "admin", kind="user", name="laptop")
    pipeline = make_token("orders-ci", "write")
    client = Client(enforce_csrf_checks=True, **HTML)
    assert client.get("/ui/access")["Location"] == "/ui/login?next=%2Fui%2Faccess"
    form = client.get("/ui/login")
    assert "Sign in with your account's name and one of its tokens as the password." in text(form)
    # A token of another account, a pipeline's token, a revoked one: refused alike.
    assert "Wrong username or password." in text(sign_in(client, "orders-ci", value))
    assert "Wrong username or password." in text(sign_in(client, "orders-ci", pipeline))

    done = sign_in(client, "ana", value)
    assert (done.status_code, done["Location"]) == (303, "/")
    page = client.get("/ui/access")
    assert page.status_code == 200 and "Signed in as ana" in text(page)
    assert value.split("_", 2)[2] not in page.content.decode()
    # Revoked, the token ends the session it began.
    from access.services.tokens import token_revoke

    token_revoke(token=Token.objects.get(name="laptop"))
    assert client.get("/ui/access")["Location"] == "/ui/login?next=%2Fui%2Faccess"
    assert "Wrong username or password." in text(sign_in(client, "ana", value))


def test_a_read_token_session_reads_and_the_forms_refuse_it(tokens_only) -> None:
    value = make_token("viewer", "read", kind="user", name="laptop")
    client = Client(**HTML)
    sign_in(client, "viewer", value)
    page = client.get("/ui/applications")
    assert page.status_code == 200 and "read-only" in text(page)
    refused = client.post("/ui/access/teams", {"name": "x"})
    assert refused.status_code == 403
    assert "token 'laptop' of account 'viewer' gives read access, this request needs write access" in text(refused)
