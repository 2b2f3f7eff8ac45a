"""Basic authentication (broker/auth.py): who may read, who may write, what stays public."""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings

from webhooks.models import Webhook

CREDENTIALS = {
    "ACCORD_BASIC_AUTH_USERNAME": "writer",
    "ACCORD_BASIC_AUTH_PASSWORD": "w-pass",
    "ACCORD_BASIC_AUTH_READ_ONLY_USERNAME": "reader",
    "ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD": "r-pass",
    "ACCORD_ALLOW_PUBLIC_READ": False,
    "ACCORD_PUBLIC_HEARTBEAT": True,
    "ACCORD_PUBLIC_BADGE_ACCESS": False,
}
UUID = "auth-test-webhook-0001"
WEBHOOK = {"request": {"method": "POST", "url": "https://ci.example.com/hook"}}
REALM = 'Basic realm="Restricted area"'


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


WRITER = basic("writer", "w-pass")
READER = basic("reader", "r-pass")


def send(api, method: str, path: str, auth: dict | None = None, body: dict | None = None):
    """One request; bodies go as JSON (what every Pact client sends)."""
    return api.generic(method, path, body if body is not None else "", content_type="application/json", **(auth or {}))


def assert_unauthenticated(response) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == REALM
    assert response["Content-Type"].startswith("application/json")
    assert "credentials" in response.json()["error"]


def assert_passed_auth(response) -> None:
    # The request reached the application: whatever it answered, auth did not refuse it.
    assert response.status_code not in (401, 403), response.content


pytestmark = pytest.mark.usefixtures("db")


@override_settings(**CREDENTIALS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/webhooks"),
        ("POST", "/webhooks"),
        ("PUT", f"/webhooks/{UUID}"),
        ("DELETE", f"/webhooks/{UUID}"),
        ("POST", "/pacts/provider/Bar/for-verification"),
    ],
)
def test_no_credentials_is_401_with_a_basic_challenge(api, method, path):
    assert_unauthenticated(send(api, method, path, body=WEBHOOK if method in ("POST", "PUT") else None))
    assert not Webhook.objects.exists()


@override_settings(**CREDENTIALS)
@pytest.mark.parametrize(
    "auth",
    [
        basic("writer", "wrong"),
        basic("reader", "w-pass"),  # a real password, of the other identity
        basic("nobody", "w-pass"),
        basic("writer", ""),
        {"HTTP_AUTHORIZATION": "Basic not-base64!"},
        {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"writer-without-colon").decode()},
    ],
    ids=[
        "wrong password",
        "other identity's password",
        "unknown user",
        "empty password",
        "malformed basic",
        "no colon",
    ],
)
def test_wrong_or_unsupported_credentials_are_401(api, auth):
    assert_unauthenticated(send(api, "GET", "/", auth))
    assert_unauthenticated(send(api, "POST", "/webhooks", auth, WEBHOOK))
    assert not Webhook.objects.exists()


@override_settings(**CREDENTIALS)
def test_a_bearer_token_that_is_not_accords_is_401_with_a_bearer_challenge(api):
    # A basic-auth password sent as a token authenticates nothing (tests/access: real tokens).
    for method, path in (("GET", "/"), ("POST", "/webhooks")):
        response = send(api, method, path, {"HTTP_AUTHORIZATION": "Bearer w-pass"}, WEBHOOK)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="Accord", error="invalid_token"'
        assert "not an Accord token" in response.json()["error"]
    assert not Webhook.objects.exists()


@override_settings(**CREDENTIALS)
def test_the_read_only_identity_can_read(api):
    for method in ("GET", "HEAD", "OPTIONS"):
        assert_passed_auth(send(api, method, "/webhooks", READER))
    assert send(api, "GET", "/", READER).status_code == 200


@override_settings(**CREDENTIALS)
@pytest.mark.parametrize("provider", ["Bar", "team%2Fapi", "Pricing%20Service"])
def test_the_read_only_identity_can_post_to_pacts_for_verification(api, provider):
    # A verifier with read-only credentials asks for its pacts with a POST.
    assert_passed_auth(send(api, "POST", f"/pacts/provider/{provider}/for-verification", READER, {}))


@override_settings(**CREDENTIALS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/webhooks"),
        ("PUT", f"/webhooks/{UUID}"),
        ("DELETE", f"/webhooks/{UUID}"),
        ("PATCH", "/pacticipants/Foo"),
        ("POST", "/pacts/provider/Bar/for-verification/extra"),
    ],
)
def test_the_read_only_identity_cannot_write(api, method, path):
    response = send(api, method, path, READER, WEBHOOK)

    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith("application/json")
    message = response.json()["error"]
    assert "read access" in message and "write access" in message
    assert not Webhook.objects.exists()


@override_settings(**CREDENTIALS)
def test_the_write_identity_can_do_everything(api):
    created = send(api, "PUT", f"/webhooks/{UUID}", WRITER, WEBHOOK)
    assert created.status_code == 201, created.content
    assert send(api, "GET", f"/webhooks/{UUID}", WRITER).status_code == 200
    assert send(api, "POST", "/webhooks", WRITER, WEBHOOK).status_code == 201
    assert_passed_auth(send(api, "POST", "/pacts/provider/Bar/for-verification", WRITER, {}))
    assert send(api, "DELETE", f"/webhooks/{UUID}", WRITER).status_code == 204
    assert Webhook.objects.count() == 1


@override_settings(**{**CREDENTIALS, "ACCORD_ALLOW_PUBLIC_READ": True})
def test_public_read_opens_reads_but_not_writes(api):
    assert send(api, "GET", "/").status_code == 200
    assert send(api, "GET", "/webhooks").status_code == 200
    assert_passed_auth(send(api, "POST", "/pacts/provider/Bar/for-verification", body={}))
    assert send(api, "POST", "/webhooks", WRITER, WEBHOOK).status_code == 201
    assert send(api, "POST", "/webhooks", READER, WEBHOOK).status_code == 403


@override_settings(**{**CREDENTIALS, "ACCORD_ALLOW_PUBLIC_READ": True})
@pytest.mark.parametrize(
    "auth",
    [None, basic("writer", "wrong")],
    ids=["none", "wrong password"],
)
def test_public_read_still_challenges_writes_without_valid_credentials(api, auth):
    assert_unauthenticated(send(api, "POST", "/webhooks", auth, WEBHOOK))


@override_settings(**CREDENTIALS)
def test_the_heartbeat_is_public_by_default(api):
    response = send(api, "GET", "/diagnostic/status/heartbeat")

    assert response.status_code == 200
    assert response.json()["ok"] is True


@override_settings(**{**CREDENTIALS, "ACCORD_PUBLIC_HEARTBEAT": False})
def test_a_private_heartbeat_needs_credentials(api):
    assert_unauthenticated(send(api, "GET", "/diagnostic/status/heartbeat"))
    assert send(api, "GET", "/diagnostic/status/heartbeat", READER).status_code == 200


@override_settings(
    **{**CREDENTIALS, "ACCORD_BASIC_AUTH_READ_ONLY_USERNAME": None, "ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD": None}
)
def test_with_only_a_write_identity_reads_need_it_too(api):
    assert_unauthenticated(send(api, "GET", "/", READER))
    assert send(api, "GET", "/", WRITER).status_code == 200


@override_settings(
    ACCORD_BASIC_AUTH_USERNAME=None,
    ACCORD_BASIC_AUTH_PASSWORD=None,
    ACCORD_BASIC_AUTH_READ_ONLY_USERNAME=None,
    ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD=None,
)
def test_without_identities_everything_is_open_as_in_the_pact_broker(api):
    assert send(api, "POST", "/webhooks", body=WEBHOOK).status_code == 201
    assert send(api, "GET", "/webhooks", {"HTTP_AUTHORIZATION": "Bearer anything"}).status_code == 200
