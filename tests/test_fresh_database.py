"""What `manage.py migrate` puts into a new database: the `test` and `production`
environments always, the example data when PACT_BROKER_SEED_EXAMPLE_DATA is on.

The suite's own test database has the seeded environments stripped (tests/conftest.py),
so these tests migrate databases of their own, as the production migrate job does: a
subprocess with the production settings. The example data set itself is checked through
the API on the ordinary test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings

from contracts.models import ContractPublication, DeployedVersion, Pacticipant, Verification
from contracts.services.example_data import example_data_seed
from tests.conftest import ROOT, postgres_connection

SEED_VARIABLES = ("PACT_BROKER_SEED_EXAMPLE_DATA", "ACCORD_SEED_EXAMPLE_DATA")


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database on the test server, named after the test run (so an abandoned one is dropped)."""
    name = f"test_accord_{os.environ['ACCORD_TEST_RUN_ID']}_fresh_{uuid.uuid4().hex[:8]}"
    with postgres_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with postgres_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(database: str, *args: str, **env: str) -> None:
    """`manage.py migrate` on `database` with the production settings, as the migrate job runs it."""
    child = {key: value for key, value in os.environ.items() if key not in SEED_VARIABLES}
    child.update(DJANGO_SETTINGS_MODULE="broker.settings", ACCORD_DATABASE_NAME=database, **env)
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", *args],
        cwd=ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"migrate failed:\n{done.stdout}\n{done.stderr}"


def rows(database: str, sql: str) -> list[tuple]:
    with postgres_connection(database) as conn:
        return conn.execute(sql).fetchall()


ENVIRONMENTS = "SELECT name, display_name, production FROM contracts_environment ORDER BY name"
COUNTS = """SELECT (SELECT count(*) FROM contracts_pacticipant), (SELECT count(*) FROM contracts_version),
                   (SELECT count(*) FROM contracts_contractpublication), (SELECT count(*) FROM contracts_verification),
                   (SELECT count(*) FROM contracts_deployedversion), (SELECT count(*) FROM contracts_environment)"""


def test_migrate_creates_the_test_and_production_environments_and_nothing_else(fresh_database):
    migrate(fresh_database)

    assert rows(fresh_database, ENVIRONMENTS) == [("production", "Production", True), ("test", "Test", False)]
    # Example data is off by default.
    assert rows(fresh_database, "SELECT count(*) FROM contracts_pacticipant") == [(0,)]

    migrate(fresh_database)  # a second release: nothing to apply, nothing added
    assert rows(fresh_database, ENVIRONMENTS) == [("production", "Production", True), ("test", "Test", False)]


def test_an_environment_that_already_has_the_name_is_left_alone(fresh_database):
    # A partial migrate never seeds example data, even when asked: the services need every table.
    migrate(fresh_database, "contracts", "0001", PACT_BROKER_SEED_EXAMPLE_DATA="true")
    assert rows(fresh_database, "SELECT count(*) FROM contracts_pacticipant") == [(0,)]
    mine = uuid.uuid4()
    with postgres_connection(fresh_database) as conn:
        conn.execute(
            "INSERT INTO contracts_environment (uuid, name, display_name, production, contacts, created_at, updated_at)"
            " VALUES (%s, 'production', 'Prod (EU)', false, '[]', now(), now())",
            [mine],
        )

    migrate(fresh_database)

    stored = rows(fresh_database, "SELECT uuid, name, display_name, production FROM contracts_environment")
    assert sorted(stored, key=lambda row: row[1])[0] == (mine, "production", "Prod (EU)", False)
    assert rows(fresh_database, ENVIRONMENTS) == [("production", "Prod (EU)", False), ("test", "Test", False)]


def test_migrate_seeds_the_example_data_once_when_asked(fresh_database):
    migrate(fresh_database, PACT_BROKER_SEED_EXAMPLE_DATA="true")

    assert rows(fresh_database, "SELECT name FROM contracts_pacticipant ORDER BY name") == [
        ("Example API",),
        ("Example App",),
    ]
    # 3 consumer and 2 provider versions, 3 pacts, 3 verifications, 4 deployments, 2 environments.
    assert rows(fresh_database, COUNTS) == [(2, 5, 3, 3, 4, 2)]

    migrate(fresh_database, PACT_BROKER_SEED_EXAMPLE_DATA="true")
    assert rows(fresh_database, COUNTS) == [(2, 5, 3, 3, 4, 2)]


def test_the_example_data_goes_only_into_a_broker_without_pacticipants(td):
    td.publish("Web", "1.0", provider="API")

    assert example_data_seed() is False

    assert list(Pacticipant.objects.values_list("name", flat=True).order_by("name")) == ["API", "Web"]
    assert not settings.ACCORD_SEED_EXAMPLE_DATA  # the suite's databases never seed on migrate


def test_the_example_data_is_a_history_the_api_can_show(api, db):
    assert example_data_seed() is True
    assert example_data_seed() is False  # once

    main = api.get("/pacts/provider/Example%20API/consumer/Example%20App/branch/main/latest")
    states = api.get("/pacts/provider/Example%20API/provider-states")
    feature = api.get("/pacts/provider/Example%20API/provider-states/branch/feat%2Fnew-product")
    can_i_deploy = "/matrix?q[][pacticipant]=Example%20App&q[][version]={}&latestby=cvpv&environment=test"
    verified, failed = api.get(can_i_deploy.format("9b2d4a1")), api.get(can_i_deploy.format("c47e8f2"))
    environments = api.get("/environments")

    assert main.status_code == 200 and main["X-Pact-Consumer-Version"] == "9b2d4a1"
    assert states.json()["providerStates"] == [
        {"name": "a product exists", "params": {"id": 10}, "consumers": ["Example App"]},
        {"name": "no products exist", "consumers": ["Example App"]},
    ]
    assert len(feature.json()["providerStates"]) == 2
    assert verified.json()["summary"]["deployable"] is True
    assert failed.json()["summary"]["deployable"] is False
    assert sorted(env["name"] for env in environments.json()["_embedded"]["environments"]) == ["production", "test"]
    assert Verification.objects.filter(success=False).count() == 1
    assert ContractPublication.objects.filter(consumer__name="Example App").count() == 3
    assert set(DeployedVersion.objects.values_list("environment__name", "version__number")) == {
        ("production", "1a6c2d9"),
        ("production", "3e1f0c7"),
        ("test", "5f8b3e0"),
        ("test", "9b2d4a1"),
    }
