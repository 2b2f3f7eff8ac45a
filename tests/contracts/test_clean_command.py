"""`manage.py clean`, and the beat entry that runs the clean when it is on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contracts.models import Version
from tests.builders import TestData
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(td: TestData) -> TestData:
    for number in range(1, 6):
        td.publish("Web", f"1.0.{number}", provider="API", branch="main")
    return td


def clean(*args: str) -> str:
    out = StringIO()
    call_command("clean", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_prints_what_would_go_and_deletes_nothing(versions):
    out = clean("--dry-run", "--keep", '[{"pacticipant": "Nobody"}]')
    assert "[DRY RUN] Would delete 4 of the 4 versions not kept (5 versions, 1 kept)" in out
    assert "4 pacts" in out
    assert "Web: 4 versions, 1.0.1 .. 1.0.4" in out
    assert 'kept by {"latest": true, "mainBranch": true}: 1' in out
    assert Version.objects.count() == 5


def test_the_limit_and_what_is_left(versions):
    out = clean("--limit", "3", "--keep", '{"pacticipant": "Nobody"}')
    assert "Deleted 3 of the 4 versions not kept" in out
    assert "More versions are left to delete" in out
    assert Version.objects.count() == 2
    result = json.loads(clean("--json", "--keep", '[{"pacticipant": "Nobody"}]'))
    assert (result["status"], result["counts"]["versionsDeleted"], result["deleted"]["publications"]) == ("done", 1, 1)
    assert list(Version.objects.values_list("number", flat=True)) == ["1.0.5"]


def test_the_configured_dry_run_applies_unless_told_otherwise(versions, settings):
    settings.ACCORD_CLEAN_DRY_RUN = True
    settings.ACCORD_CLEAN_KEEP_VERSION_SELECTORS = [{"pacticipant": "Nobody"}]
    assert "[DRY RUN]" in clean()
    assert Version.objects.count() == 5
    assert "Deleted 4" in clean("--no-dry-run")
    assert Version.objects.count() == 1


@pytest.mark.parametrize(
    "keep, message",
    [
        ("{maxAge: 1}", "--keep must be JSON"),
        ('"maxAge"', "--keep must be a JSON list"),
        ('[{"maxage": 1}]', "unknown keep selector key 'maxage'"),
        ("[]", "give at least one keep selector"),
    ],
)
def test_bad_keep_selectors_are_refused(keep, message):
    with pytest.raises(CommandError, match=message):
        clean("--keep", keep)


def _beat_schedule(**env: str) -> dict:
    code = (
        "import json, broker.settings as s; "
        "print(json.dumps({k: [v['task'], str(v['schedule'])] for k, v in s.CELERY_BEAT_SCHEDULE.items()}))"
    )
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("ACCORD_CLEAN", "PACT_BROKER_DATABASE_CLEAN"))
    }
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment | env, capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout)


def test_beat_runs_the_clean_on_its_cron_schedule_only_when_enabled():
    off = _beat_schedule()
    assert "contracts-clean" not in off
    assert off["webhooks-prune"][0] == "webhooks.deliveries_prune"
    on = _beat_schedule(
        PACT_BROKER_DATABASE_CLEAN_ENABLED="true", PACT_BROKER_DATABASE_CLEAN_CRON_SCHEDULE="*/5 3 * * 1"
    )
    assert on["contracts-clean"] == ["contracts.clean", "<crontab: */5 3 * * 1 (m/h/dM/MY/d)>"]
