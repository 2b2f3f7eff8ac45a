"""`manage.py ui_benchmark` at a tiny size, so that it cannot rot: it seeds, measures every
page and prints the table; the summaries its SQL fills are the ones the service computes."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection

from contracts.models import Contract, Integration, Pacticipant, Verification, VerificationStatus, Version
from contracts.services.integration_summaries import integration_summary_refresh
from drift.models import DriftIncident, LiveTarget
from ui import bench

SUMMARY = [
    "consumer_id",
    "provider_id",
    "latest_publication_id",
    "latest_publication_at",
    "latest_consumer_version_number",
    "latest_verification_id",
    "latest_verification_at",
    "latest_verification_success",
    "latest_provider_version_number",
    "verification_status",
]
ROWS = [
    "home, first page",
    "home, next page (keyset cursor)",
    "home, search",
    "home, status filter",
    "home, label filter",
    "home, environment filter",
    "home, sorted by latest pact",
    "network, whole system",
    "network, whole graph drawn",
    "network, one neighbourhood",
    "contract, 25 interactions",
]


SHAPE = {"applications": 40, "integrations": 150, "versions": 3000, "interactions": 25}


@pytest.fixture
def tiny(transactional_db) -> Iterator[str]:
    """The command run on the test database itself (committed, flushed afterwards)."""
    out = io.StringIO()
    database = connection.settings_dict["NAME"]
    call_command("ui_benchmark", database=database, requests=2, warmup=1, reseed=True, stdout=out, **SHAPE)
    yield out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {bench.META_TABLE}")


def test_it_seeds_the_shape_and_prints_a_row_per_page(tiny: str) -> None:
    assert Pacticipant.objects.count() == 40
    assert Integration.objects.count() == 150
    assert Version.objects.count() == 3000  # the big pact's consumer version included
    big = Contract.objects.order_by("-interactions_count")[0]
    assert big.interactions_count == 25
    assert Verification.objects.filter(contract=big).exclude(test_results=None).count() == 3
    assert LiveTarget.objects.exists() and DriftIncident.objects.exists()
    assert "\n  integration summaries: " in tiny
    for row in ROWS:
        # name, p50, p99, max, SQL p50, queries, KB, every request answered 200
        assert re.search(rf"^{re.escape(row)} +(\d+\.\d +){{4}}\d+ +\d+  200x2$", tiny, re.M), row
    assert "in-process, django.test.Client through the full middleware stack" in tiny
    # The home page's statement count is the one tests/ui/test_home.py pins.
    home = re.search(r"^home, first page +(?:\S+ +){4}(\d+) ", tiny, re.M)
    assert home is not None and home.group(1) == "5"

    # A second run of the same shape measures the data set already there.
    again = io.StringIO()
    database = connection.settings_dict["NAME"]
    call_command("ui_benchmark", database=database, requests=1, warmup=0, stdout=again, **SHAPE)
    assert "reusing the data set" in again.getvalue() and "seeding" not in again.getvalue()
    assert Version.objects.count() == 3000


def test_the_seeded_summaries_are_what_the_service_computes(tiny: str) -> None:
    seeded = list(Integration.objects.order_by("id").values(*SUMMARY))
    # Every status occurs, so each branch of the SQL's CASE is compared.
    assert {row["verification_status"] for row in seeded} == set(VerificationStatus.values)
    assert all(row["latest_publication_id"] for row in seeded)
    for row in seeded:
        integration_summary_refresh(consumer_id=row["consumer_id"], provider_id=row["provider_id"])
    assert list(Integration.objects.order_by("id").values(*SUMMARY)) == seeded
