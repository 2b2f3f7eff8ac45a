"""Bearer tokens (access/, broker/auth.py): the format, what a token may do by its scopes,
the 401s of a token that does not authenticate, last use, and what stays as it was: the
basic-auth users, and an open broker that looks at no token."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from access import tokens
from access.models import Account, Token
from access.services.tokens import token_revoke
from contracts.models import Pacticipant
from tests.access.helpers import READER, WRITER, basic, bearer, make_token

pytestmark = pytest.mark.django_db
CHALLENGE = 'Bearer realm="Accord", error="invalid_token"'


def test_a_token_is_random_its_prefix_public_and_only_its_digest_stored() -> None:
    first, second = tokens.generate(), tokens.generate()
    assert re.fullmatch(r"acc_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", first.value)
    assert first.value != second.value and first.prefix == first.value.split("_")[1]
    assert tokens.prefix_of(first.value) == first.prefix
    assert tokens.matches(first.value, first.digest) and not tokens.matches(second.value, first.digest)
    assert first.value not in first.digest and len(first.digest) == 64
    for odd in ("", "acc_", "acc_12345678_short", "Bearer x", first.value + "x", first.value.upper()):
        assert tokens.prefix_of(odd) is None, odd


def test_scopes_are_cumulative() -> None:
    assert tokens.scopes_closure(["admin"]) == ["read", "write", "admin"]
    assert tokens.scopes_closure(["write"]) == ["read", "write"]
    assert tokens.scopes_closure(["read", "read"]) == ["read"]
    assert tokens.scopes_closure([]) == []


def test_a_write_token_writes_and_a_read_token_only_reads(api, auth_on) -> None:
    writer = make_token("payments-pipeline", "write")
    reader = make_token("dashboards", "read", name="dash")

    assert api.get("/", **bearer(reader)).status_code == 200
    assert api.post("/pacts/provider/API/for-verification", {}, **bearer(reader)).status_code != 403
    refused = api.post("/pacticipants", {"name": "Web"}, **bearer(reader))
    assert refused.status_code == 403
    assert refused.json()["error"] == (
        "Forbidden: token 'dash' of account 'dashboards' gives read access, this request needs write access: "
        "the write scope is missing"
    )
    assert not Pacticipant.objects.exists()

    created = api.post("/pacticipants", {"name": "Web"}, **bearer(writer))
    assert created.status_code == 201, created.content
    assert Pacticipant.objects.filter(name="Web").exists()


def test_the_admin_api_needs_the_admin_scope_even_to_read(api, auth_on) -> None:
    writer = make_token("payments-pipeline", "write")
    admin = make_token("ops", "admin", kind="user", name="laptop")
    for path in ("/admin/accounts", "/admin/teams", "/admin/restrictions", "/admin/accounts/ops/tokens"):
        refused = api.get(path, **bearer(writer))
        assert refused.status_code == 403, path
        assert "token 'ci' of account 'payments-pipeline' lacks the admin scope" in refused.json()["error"]
        assert api.get(path, **bearer(admin)).status_code == 200, path
        # The basic-auth read-write user is an admin; the read-only user is not.
        assert api.get(path, **basic(WRITER)).status_code == 200, path
        read_only = api.get(path, **basic(READER))
        assert read_only.status_code == 403
        assert "user 'viewer' lacks the admin scope" in read_only.json()["error"]
    assert "needs an admin" in api.post("/admin/teams", {"name": "x"}, **bearer(writer)).json()["error"]


@pytest.mark.parametrize("public_read", [False, True])
def test_a_token_that_does_not_authenticate_is_a_401_saying_why(api, auth_on, settings, public_read) -> None:
    settings.ACCORD_ALLOW_PUBLIC_READ = public_read
    revoked = make_token("payments-pipeline", "write", name="old")
    token_revoke(token=Token.objects.get(name="old"))
    expired = make_token("payments-pipeline", "write", name="short", expires_at=timezone.now() + timedelta(seconds=1))
    Token.objects.filter(name="short").update(expires_at=timezone.now() - timedelta(minutes=5))
    disabled = make_token("gone-pipeline", "write")
    Account.objects.filter(name="gone-pipeline").update(active=False)
    valid = make_token("payments-pipeline", "write", name="new")
    forged = valid[:-4] + ("AAAA" if not valid.endswith("AAAA") else "BBBB")  # right prefix, wrong secret

    cases = {
        revoked: "token 'old' of account 'payments-pipeline' was revoked",
        expired: "token 'short' of account 'payments-pipeline' expired at",
        disabled: "account 'gone-pipeline' is deactivated",
        forged: "the bearer token is not valid for this broker",
        "not-a-token": "the bearer token is not an Accord token",
        "": "the bearer token is not an Accord token",
    }
    for value, reason in cases.items():
        for method, path in (("get", "/"), ("get", "/pacticipants"), ("post", "/pacticipants")):
            response = (
                getattr(api, method)(path, **bearer(value))
                if method == "get"
                else api.post(path, {"name": "Web"}, **bearer(value))
            )
            # Even where public read would let the GET in without a token: the client meant one.
            assert response.status_code == 401, (value, path)
            assert response["WWW-Authenticate"] == CHALLENGE
            assert response.json()["error"].startswith("Authentication failed: " + reason), response.json()
            assert value == "" or value not in response.content.decode()
    assert not Pacticipant.objects.exists()
    assert api.post("/pacticipants", {"name": "Web"}, **bearer(valid)).status_code == 201


def test_last_use_is_recorded_at_most_once_a_minute(api, auth_on) -> None:
    value = make_token("payments-pipeline", "read")
    token = Token.objects.get()
    assert token.last_used_at is None

    api.get("/", **bearer(value))
    first = Token.objects.get().last_used_at
    assert first is not None
    api.get("/", **bearer(value))
    assert Token.objects.get().last_used_at == first  # within the minute: no write

    a_while_ago = timezone.now() - timedelta(minutes=2)
    Token.objects.update(last_used_at=a_while_ago)
    api.get("/", **bearer(value))
    assert Token.objects.get().last_used_at > a_while_ago


def test_the_basic_auth_users_keep_working_beside_tokens(api, auth_on) -> None:
    make_token("payments-pipeline", "write")
    assert api.post("/pacticipants", {"name": "Web"}, **basic(WRITER)).status_code == 201
    assert api.get("/pacticipants", **basic(READER)).status_code == 200
    refused = api.post("/pacticipants", {"name": "Other"}, **basic(READER))
    assert refused.status_code == 403
    assert refused.json()["error"] == (
        "Forbidden: these credentials give read access, this request needs write access: the write scope is missing"
    )
    anonymous = api.get("/pacticipants")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == 'Basic realm="Restricted area"'


def test_an_open_broker_looks_at_no_token(api, settings) -> None:
    # No basic-auth users and ACCORD_REQUIRE_AUTH off: open, as the Pact Broker is; a client
    # sending a token (even a revoked one) is served as everyone is.
    settings.ACCORD_REQUIRE_AUTH = False
    revoked = make_token("payments-pipeline", "read")
    token_revoke(token=Token.objects.get())
    assert api.post("/pacticipants", {"name": "Web"}, **bearer(revoked)).status_code == 201
    assert api.get("/pacticipants", **bearer("anything")).status_code == 200
    assert Token.objects.get().last_used_at is None


def test_require_auth_closes_a_broker_without_users(api, tokens_only) -> None:
    value = make_token("payments-pipeline", "write")
    for method, path in (("get", "/"), ("get", "/pacticipants"), ("post", "/pacticipants")):
        response = getattr(api, method)(path)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == 'Bearer realm="Accord"'
        assert response.json()["error"] == (
            "Authentication required: send a bearer token (Authorization: Bearer acc_...) for this broker"
        )
    assert api.post("/pacticipants", {"name": "Web"}, **bearer(value)).status_code == 201


def test_no_token_reaches_a_log(api, auth_on, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    value = make_token("payments-pipeline", "read")
    revoked = make_token("payments-pipeline", "read", name="old")
    token_revoke(token=Token.objects.get(name="old"))
    api.get("/", **bearer(value))
    api.post("/pacticipants", {"name": "Web"}, **bearer(value))
    api.get("/", **bearer(revoked))
    created = api.post("/admin/accounts/payments-pipeline/tokens", {"name": "more", "scopes": ["read"]},
                       **basic(WRITER))  # fmt: skip
    assert created.status_code == 201
    for secret in (value, revoked, created.json()["token"]):
        assert secret.split("_", 2)[2] not in caplog.text
    assert "Forbidden" in caplog.text  # the logs were captured at all
