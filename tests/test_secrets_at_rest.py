"""Credentials are encrypted at rest: a search of the whole database finds none of them."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from audit.models import AuditEntry
from contracts.models.secrets import decrypt, encrypt
from verifier.models import VerificationRun, VerificationTarget
from webhooks.models import Webhook

SECRETS = ("hook-header-s3cret", "hook-passw0rd-s3cret", "target-token-s3cret", "run-token-s3cret")


def _database_contains(text: str) -> list[str]:
    """Every (table.column) of the public schema whose text holds `text`."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1', [f"%{text}%"])
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found


@pytest.mark.django_db
def test_a_search_of_the_database_finds_no_credential_but_accord_can_still_use_them(api, td):
    td.publish("Web", "1.0", provider="API")
    created = api.post(
        "/webhooks",
        {
            "provider": {"name": "API"},
            "request": {
                "method": "POST",
                "url": "https://ci.example/hook",
                "headers": {"X-Api-Token": SECRETS[0], "X-Accord-Probe-Header": "plain"},
                "username": "ci",
                "password": SECRETS[1],
            },
        },
    )
    assert created.status_code == 201, created.content
    target = api.put(
        "/pacticipants/API/verification-targets/review",
        {"baseUrl": "https://api.example", "headers": {"Authorization": f"Bearer {SECRETS[2]}"}},
    )
    assert target.status_code == 201, target.content
    run = api.post(
        "/verification-runs",
        {
            "provider": "API",
            "providerVersion": "2.0",
            "baseUrl": "https://api.example",
            "headers": {"Authorization": f"Bearer {SECRETS[3]}"},
        },  # fmt: skip
    )
    assert run.status_code == 201, run.content

    # The search covers the audit log too: each of these writes has its row there.
    audited = AuditEntry.objects.filter(actor_kind="anonymous").values_list("action", flat=True)
    assert sorted(audited) == ["verification_run.create", "verification_target.put", "webhook.create"]
    for secret in SECRETS:
        assert _database_contains(secret) == [], f"{secret} is stored in clear"
        assert secret not in created.content.decode() + target.content.decode() + run.content.decode()
    # What is stored is still usable: the models decrypt it.
    webhook = Webhook.objects.get()
    assert webhook.headers["X-Api-Token"] == SECRETS[0] and webhook.password == SECRETS[1]
    assert VerificationTarget.objects.get().headers["Authorization"] == f"Bearer {SECRETS[2]}"
    assert VerificationRun.objects.get().headers["Authorization"] == f"Bearer {SECRETS[3]}"
    assert _database_contains("X-Accord-Probe-Header") == [], "the whole headers object is encrypted, names included"


def test_keys_rotate_the_first_encrypts_every_one_decrypts():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(ACCORD_SECRETS_KEYS=[old]):
        stored = encrypt("rotate me")
    with override_settings(ACCORD_SECRETS_KEYS=[new, old]):
        assert decrypt(stored) == "rotate me"
        assert decrypt(encrypt("again")) == "again"
    with override_settings(ACCORD_SECRETS_KEYS=[new]), pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        decrypt(stored)


def test_a_bad_key_is_a_configuration_error_naming_the_setting():
    with (
        override_settings(ACCORD_SECRETS_KEYS=["not-a-key"]),
        pytest.raises(ImproperlyConfigured, match="ACCORD_SECRETS_KEYS"),
    ):
        encrypt("x")


LIVE_SECRETS = ("live-header-s3cret", "live-passw0rd-s3cret", "live-t0ken-s3cret", "live-client-s3cret")


@pytest.mark.django_db
def test_live_target_credentials_are_encrypted_at_rest_and_never_shown(api, td):
    from drift.models import LiveTarget

    td.publish("Web", "1.0", provider="API").environment("production")
    auth = {
        "type": "basic",
        "username": "monitor",
        "password": LIVE_SECRETS[1],
        "consumers": {
            "Web": {"type": "bearer", "token": LIVE_SECRETS[2]},
            "Mobile": {"type": "oauth2", "tokenUrl": "https://auth.example/token", "clientId": "accord",
                       "clientSecret": LIVE_SECRETS[3]},
        },
    }  # fmt: skip
    body = {"baseUrl": "https://api.example", "headers": {"X-Live-Probe-Header": LIVE_SECRETS[0]}, "auth": auth}
    created = api.put("/pacticipants/API/live-targets/production", body)
    assert created.status_code == 201, created.content
    shown = created.content.decode() + api.get("/live-targets").content.decode()

    assert AuditEntry.objects.filter(action="live_target.put", actor_kind="anonymous").exists()
    for secret in LIVE_SECRETS:
        assert _database_contains(secret) == [], f"{secret} is stored in clear"
        assert secret not in shown
    assert _database_contains("X-Live-Probe-Header") == [], "the whole headers object is encrypted, names included"
    target = LiveTarget.objects.get()
    assert target.headers == {"X-Live-Probe-Header": LIVE_SECRETS[0]}
    assert target.auth == auth


WEBHOOK_SECRETS = ("user-secret-FIRST-8101", "user-secret-ROTATED-8202", "user-secret-PASSWORD-8303")


@pytest.mark.django_db
@override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"])
def test_webhook_secrets_are_in_no_column_and_no_answer_even_after_a_delivery(api, td, receiver):
    from webhooks.models import TriggeredWebhook, WebhookSecret
    from webhooks.services.delivery import webhook_deliver

    created = api.post("/secrets", {"name": "CiToken", "value": WEBHOOK_SECRETS[0], "description": "CI"})
    assert created.status_code == 201, created.content
    uuid = created.json()["uuid"]
    rotated = api.put(f"/secrets/{uuid}", {"name": "CiToken", "value": WEBHOOK_SECRETS[1]})
    password = api.post("/secrets", {"name": "CiPassword", "value": WEBHOOK_SECRETS[2]})
    # A webhook to the loopback receiver (plain http: made as the model, the API wants https).
    Webhook.objects.create(
        uuid="at-rest-secret-hook-01", events=["contract_published"], method="POST",
        url=receiver.url + "/hook?t=${user.CiToken}", headers={"X-Probe": "${user.CiToken}"},
        body='{"t": "${user.CiToken}"}', body_is_json=True, username="ci", password="${user.CiPassword}",
    )  # fmt: skip
    td.publish("Web", "1.0", provider="API")
    triggered = TriggeredWebhook.objects.get()
    assert webhook_deliver(triggered_webhook_id=triggered.id) == "success"
    assert receiver.requests[0]["headers"]["X-Probe"] == WEBHOOK_SECRETS[1]

    answers = [created, rotated, password, api.get("/secrets"), api.get(f"/secrets/{uuid}"),
               api.get("/webhooks/at-rest-secret-hook-01"), api.get(f"/triggered-webhooks/{triggered.uuid}/logs"),
               api.post("/webhooks/at-rest-secret-hook-01/execute")]  # fmt: skip
    shown = "".join(answer.content.decode() for answer in answers)
    for secret in WEBHOOK_SECRETS:
        assert _database_contains(secret) == [], f"{secret} is stored in clear"
        assert secret not in shown
    assert len(receiver.requests) == 2
    # Stored encrypted, still usable: the model decrypts it.
    assert WebhookSecret.objects.get(name="CiToken").value == WEBHOOK_SECRETS[1]


@pytest.mark.django_db
def test_tokens_are_stored_as_digests_and_shown_once(api, settings):
    import base64
    import re

    from django.test import Client

    from access.models import Token

    settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = "admin", "admin-pass-1"
    admin = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"admin:admin-pass-1").decode()}
    api.post("/admin/accounts", {"name": "ana", "kind": "user"}, **admin)
    created = api.post("/admin/accounts/ana/tokens", {"name": "laptop", "scopes": ["admin"]}, **admin)
    assert created.status_code == 201, created.content
    value = created.json()["token"]
    secret = value.split("_", 2)[2]
    # Used: by the API, and to sign in to the web UI (the session keeps no token either).
    assert api.get("/admin/accounts", HTTP_AUTHORIZATION=f"Bearer {value}").status_code == 200
    browser = Client(HTTP_ACCEPT="text/html")
    form = browser.get("/ui/login").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    signed_in = browser.post("/ui/login", {"username": "ana", "password": value, "csrfmiddlewaretoken": csrf})
    assert signed_in.status_code == 303 and browser.get("/ui/applications").status_code == 200

    for found in (value, secret, secret[:20]):
        assert _database_contains(found) == [], f"the token is stored in clear in {_database_contains(found)}"
    shown = "".join(
        api.get(path, **admin).content.decode()
        for path in (
            "/admin/accounts",
            "/admin/accounts/ana",
            "/admin/accounts/ana/tokens",
            f"/admin/accounts/ana/tokens/{created.json()['id']}",
        )  # fmt: skip
    )
    assert secret not in shown
    assert Token.objects.get().digest not in shown  # not even the digest leaves the database
