"""Migrations: an empty database to head and back to zero, and an upgrade that keeps data.

This release moved webhook definitions (contracts) and deliveries (verifier) into the
webhooks app. Each test runs on a database of its own, created here and dropped after,
with the production settings in a child process, as a release's migrate job would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings

from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

OUR_APPS = ("contracts", "verifier", "webhooks")
# The schema of the previous release: what its migrations had reached.
PREVIOUS_RELEASE = [("contracts", "0001_initial"), ("verifier", "0002_verification_runs")]


def _server(dbname: str = "postgres") -> psycopg.Connection:
    db = settings.DATABASES["default"]
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"], "dbname": dbname}
    return psycopg.connect(**{key: value for key, value in params.items() if value}, autocommit=True)


@pytest.fixture
def fresh_database() -> Iterator[str]:
    name = f"test_accord_{os.getpid()}_migrations_{uuid.uuid4().hex[:8]}"
    with _server() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with _server() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _django(database: str, script: str) -> dict:
    """Run `script` in a child with production settings on `database`; it prints one JSON object."""
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(DJANGO_SETTINGS_MODULE="broker.settings", ACCORD_DATABASE_NAME=database)
    prelude = "import json, django\ndjango.setup()\nfrom django.core.management import call_command\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _tables(database: str) -> set[str]:
    with _server(database) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {name for (name,) in rows if name.split("_", 1)[0] in OUR_APPS}


def test_an_empty_database_migrates_to_head_and_back_to_zero(fresh_database):
    _django(fresh_database, "call_command('migrate', verbosity=0)\nprint(json.dumps({}))")
    at_head = _tables(fresh_database)
    assert {"webhooks_webhook", "webhooks_triggeredwebhook", "webhooks_webhookexecution"} <= at_head
    assert {"contracts_pacticipant", "verifier_verificationrun"} <= at_head
    assert not {"contracts_webhook", "verifier_triggeredwebhook", "verifier_webhookexecution"} & at_head

    # Zero for contracts takes every migration that depends on it (verifier, webhooks) with it.
    _django(fresh_database, "call_command('migrate', 'contracts', 'zero', verbosity=0)\nprint(json.dumps({}))")
    assert _tables(fresh_database) == set()

    _django(fresh_database, "call_command('migrate', verbosity=0)\nprint(json.dumps({}))")
    assert _tables(fresh_database) == at_head


UPGRADE = """
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

executor = MigrationExecutor(connection)
executor.migrate(PREVIOUS_RELEASE)
old = executor.loader.project_state(PREVIOUS_RELEASE).apps
P, V, W = old.get_model("contracts", "Pacticipant"), old.get_model("contracts", "Version"), old.get_model("contracts", "Webhook")
T, X = old.get_model("verifier", "TriggeredWebhook"), old.get_model("verifier", "WebhookExecution")
Target, Run = old.get_model("verifier", "VerificationTarget"), old.get_model("verifier", "VerificationRun")
web, api = P.objects.create(name="Web"), P.objects.create(name="API")
V.objects.create(pacticipant=web, number="1.0")
hook = W.objects.create(uuid="kept-across-upgrade-01", consumer=web, events=["contract_published"], method="POST",
                        url="https://ci.example/hook", headers={"Authorization": "Bearer s3cret"})
sent = T.objects.create(webhook=hook, webhook_uuid=hook.uuid, event_name="contract_published", status="success",
                        context={"consumerName": "Web"}, consumer=web, provider=api, attempts_made=1)
X.objects.create(triggered_webhook=sent, attempt=1, success=True, status_code=200, request_log="POST ...")
target = Target.objects.create(provider=api, name="review", base_url="https://api.example")
Run.objects.create(provider=api, provider_version_number="2.0", base_url="https://api.example", target=target,
                   status="succeeded")

call_command("migrate", verbosity=0)

from contracts.models import Pacticipant, Version
from verifier.models import VerificationRun
from webhooks.models import TriggeredWebhook, Webhook, WebhookExecution

with connection.cursor() as cursor:
    cursor.execute("SELECT headers FROM webhooks_webhook WHERE uuid = 'kept-across-upgrade-01'")
    stored_headers = cursor.fetchone()[0]
hook = Webhook.objects.get(uuid="kept-across-upgrade-01")
sent = TriggeredWebhook.objects.get()
run = VerificationRun.objects.get()
print(json.dumps({
    "pacticipants": sorted(Pacticipant.objects.values_list("name", flat=True)),
    "versions": list(Version.objects.values_list("number", flat=True)),
    "webhook": [hook.consumer.name, hook.events, hook.headers],
    "headers_stored_in_clear": "s3cret" in stored_headers,
    "triggered": [sent.webhook_id == hook.id, sent.status, sent.context, sent.claim, sent.lease_expires_at],
    "executions": list(WebhookExecution.objects.values_list("triggered_webhook_id", "status_code")),
    "triggered_id": sent.id,
    "run": [run.provider.name, run.status, run.target.name],
    "new_ids_follow_old": Webhook.objects.create(uuid="created-after-upgrade1", events=[], method="POST",
                                                 url="https://x.example").id > hook.id,
}))
"""


def test_data_at_the_previous_release_schema_survives_the_upgrade(fresh_database):
    script = f"PREVIOUS_RELEASE = {PREVIOUS_RELEASE!r}\n" + UPGRADE

    after = _django(fresh_database, script)

    assert after["pacticipants"] == ["API", "Web"]
    assert after["versions"] == ["1.0"]
    assert after["webhook"] == ["Web", ["contract_published"], {"Authorization": "Bearer s3cret"}]
    assert after["headers_stored_in_clear"] is False  # encrypted at rest by the upgrade
    assert after["triggered"] == [True, "success", {"consumerName": "Web"}, None, None]
    assert after["executions"] == [[after["triggered_id"], 200]]
    assert after["run"] == ["API", "succeeded", "review"]
    assert after["new_ids_follow_old"] is True  # the id sequences moved with their tables
