"""Deployment and release semantics, and the database invariants behind them.

Deployed = exclusive per (pacticipant, environment, application instance); released =
concurrent. The constraints are tested with raw ORM inserts: they must hold even if a
service had a bug.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction

from contracts.exceptions import InvalidInput, NotFound
from contracts.models import DeployedVersion, Environment, ReleasedVersion
from contracts.services.deployments import (
    deployment_end,
    deployment_record,
    release_end_support,
    release_record,
)
from contracts.services.environments import (
    environment_create,
    environment_delete,
    environment_replace,
)
from tests.builders import TestData

pytestmark = pytest.mark.django_db


@pytest.fixture
def prod(td):
    return td.environment("production", production=True)


def current(environment=None) -> list[tuple]:
    """(pacticipant, version, instance) currently deployed; with the environment name when not given one."""
    rows = DeployedVersion.objects.filter(undeployed_at__isnull=True)
    if environment is not None:
        found = [(d.pacticipant.name, d.version.number, d.target) for d in rows.filter(environment=environment)]
    else:
        found = [(d.environment.name, d.pacticipant.name, d.version.number, d.target) for d in rows]
    return sorted(found, key=lambda row: tuple(value or "" for value in row))


# --- deployments --------------------------------------------------------------------------


def test_recording_a_deployment_replaces_the_previous_one_on_the_same_instance(td, prod):
    first, created_first = deployment_record(version=td.version("Foo", "1.0"), environment=prod)
    second, created_second = deployment_record(version=td.version("Foo", "2.0"), environment=prod)

    assert (created_first, created_second) == (True, True)
    first.refresh_from_db()
    assert first.undeployed_at is not None
    assert second.undeployed_at is None
    assert current(prod) == [("Foo", "2.0", None)]


def test_recording_the_current_version_again_returns_it(td, prod):
    first, _ = deployment_record(version=td.version("Foo", "1.0"), environment=prod, target="blue")

    again, created = deployment_record(version=td.version("Foo", "1.0"), environment=prod, target="blue")

    assert created is False
    assert again.pk == first.pk
    assert DeployedVersion.objects.count() == 1


def test_redeploying_an_older_version_makes_a_new_record(td, prod):
    td.deploy("Foo", "1.0", to="production").deploy("Foo", "2.0", to="production").deploy("Foo", "1.0", to="production")

    assert DeployedVersion.objects.count() == 3
    assert current(prod) == [("Foo", "1.0", None)]


def test_instances_environments_and_pacticipants_are_independent(td, prod):
    td.deploy("Foo", "1.0", to="production", target="blue")
    td.deploy("Foo", "1.0", to="production", target="green")
    td.deploy("Foo", "1.0", to="production")
    td.deploy("Foo", "1.0", to="test")
    td.deploy("Bar", "1.0", to="production")

    td.deploy("Foo", "2.0", to="production", target="blue")

    assert current() == [
        ("production", "Bar", "1.0", None),
        ("production", "Foo", "1.0", None),
        ("production", "Foo", "1.0", "green"),
        ("production", "Foo", "2.0", "blue"),
        ("test", "Foo", "1.0", None),
    ]


@pytest.mark.parametrize("blank", ["", None])
def test_a_blank_instance_is_no_instance(td, prod, blank):
    deployed, _ = deployment_record(version=td.version("Foo", "1.0"), environment=prod, target=blank)

    assert deployed.target is None


@pytest.mark.parametrize(
    ("target", "message"),
    [(7, "must be a string"), ("a\nb", "cannot contain a new line"), ("x" * 256, "is longer than 255 characters")],
)
def test_an_invalid_instance_is_refused_and_nothing_changes(td, prod, target, message):
    td.deploy("Foo", "1.0", to="production", target=None)

    with pytest.raises(InvalidInput) as raised:
        deployment_record(version=td.version("Foo", "2.0"), environment=prod, target=target)

    assert raised.value.errors == {"applicationInstance": [message]}
    assert current(prod) == [("Foo", "1.0", None)]
    assert DeployedVersion.objects.count() == 1


def test_ending_a_deployment_is_idempotent(td, prod):
    deployed, _ = deployment_record(version=td.version("Foo", "1.0"), environment=prod)

    ended = deployment_end(deployed_version=deployed)
    undeployed_at = ended.undeployed_at
    again = deployment_end(deployed_version=deployed)

    assert undeployed_at is not None
    assert again.undeployed_at == undeployed_at
    assert current(prod) == []


def test_after_an_undeployment_the_same_version_can_be_deployed_again(td, prod):
    deployed, _ = deployment_record(version=td.version("Foo", "1.0"), environment=prod)
    deployment_end(deployed_version=deployed)

    redeployed, created = deployment_record(version=td.version("Foo", "1.0"), environment=prod)

    assert created is True
    assert redeployed.pk != deployed.pk
    assert current(prod) == [("Foo", "1.0", None)]


# --- releases -------------------------------------------------------------------------------


def test_releases_of_one_pacticipant_are_concurrent(td, prod):
    release_record(version=td.version("Foo", "1.0"), environment=prod)
    release_record(version=td.version("Foo", "2.0"), environment=prod)

    assert ReleasedVersion.objects.filter(support_ended_at__isnull=True).count() == 2


def test_re_releasing_an_ended_release_re_enables_the_same_row(td, prod):
    released, created = release_record(version=td.version("Foo", "1.0"), environment=prod)
    release_end_support(released_version=released)

    again, created_again = release_record(version=td.version("Foo", "1.0"), environment=prod)

    assert (created, created_again) == (True, False)
    assert again.pk == released.pk
    assert again.support_ended_at is None
    assert ReleasedVersion.objects.count() == 1


def test_ending_support_is_idempotent(td, prod):
    released, _ = release_record(version=td.version("Foo", "1.0"), environment=prod)

    ended_at = release_end_support(released_version=released).support_ended_at
    again = release_end_support(released_version=released)

    assert ended_at is not None
    assert again.support_ended_at == ended_at


# --- database invariants -------------------------------------------------------------------


def raw_deployment(td, number: str, environment: Environment, target: str | None = None, **extra) -> DeployedVersion:
    version = td.version("Foo", number)
    return DeployedVersion.objects.create(
        version=version, pacticipant=version.pacticipant, environment=environment, target=target, **extra
    )


@pytest.mark.parametrize(("first", "second"), [(None, None), ("blue", "blue"), (None, "")])
def test_the_database_refuses_a_second_current_deployment_on_one_instance(td, prod, first, second):
    raw_deployment(td, "1.0", prod, first)

    # "" and NULL are the same instance to the constraint (coalesced), as in the Pact Broker.
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_deployment(td, "2.0", prod, second)


def test_the_database_allows_current_deployments_on_other_instances_and_past_ones(td, prod):
    raw_deployment(td, "1.0", prod, None, undeployed_at="2026-01-01T00:00:00Z")
    raw_deployment(td, "1.0", prod, None)
    raw_deployment(td, "2.0", prod, "blue")
    raw_deployment(td, "2.0", td.environment("test"), None)

    assert DeployedVersion.objects.count() == 4


def test_the_database_refuses_two_releases_of_one_version_in_one_environment(td, prod):
    version = td.version("Foo", "1.0")
    ReleasedVersion.objects.create(version=version, pacticipant=version.pacticipant, environment=prod)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReleasedVersion.objects.create(
            version=version, pacticipant=version.pacticipant, environment=prod, support_ended_at="2026-01-01T00:00:00Z"
        )


@pytest.mark.parametrize("name", ["my env", "", "a\tb"])
def test_the_database_refuses_environment_names_with_whitespace(name):
    with pytest.raises(IntegrityError), transaction.atomic():
        Environment.objects.create(name=name, production=False)


def test_the_database_refuses_duplicate_environment_names(prod):
    with pytest.raises(IntegrityError), transaction.atomic():
        Environment.objects.create(name="production", production=False)


# --- environments ---------------------------------------------------------------------------


def test_environment_create_and_replace():
    environment = environment_create(
        name="test",
        production=False,
        display_name="Test",
        contacts=[{"name": "Ops", "details": {"slack": "#ops"}, "extra": 1}],
    )

    assert environment.contacts == [{"name": "Ops", "details": {"slack": "#ops"}}]

    environment_replace(environment=environment, name="test-eu", production=True)

    stored = Environment.objects.get(pk=environment.pk)
    assert (stored.name, stored.display_name, stored.production, stored.contacts) == ("test-eu", None, True, [])


def test_environment_create_refuses_a_taken_name_and_stores_nothing(prod):
    with pytest.raises(InvalidInput) as raised:
        environment_create(name="production", production=True)

    assert raised.value.errors == {"name": ["Another environment with name 'production' already exists."]}
    assert Environment.objects.count() == 1


def test_replacing_an_environment_deleted_meanwhile_is_not_found_and_does_not_resurrect_it():
    environment = environment_create(name="test", production=False)
    Environment.objects.filter(pk=environment.pk).delete()

    with pytest.raises(NotFound):
        environment_replace(environment=environment, name="test", production=True)

    assert Environment.objects.count() == 0


def test_environment_delete_removes_its_deployments_and_releases(td, prod):
    td.deploy("Foo", "1.0", to="production").release("Foo", "1.0", to="production").deploy("Foo", "1.0", to="test")

    environment_delete(environment=prod)

    assert list(DeployedVersion.objects.values_list("environment__name", flat=True)) == ["test"]
    assert ReleasedVersion.objects.count() == 0


# --- concurrency ----------------------------------------------------------------------------

THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_deployments_to_one_instance_leave_exactly_one_current():
    """Parallel pipelines deploying different versions of Foo at once: each is recorded, one wins."""
    td = TestData()
    environment = td.environment("production")
    versions = [td.version("Foo", f"1.{i}") for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def deploy(index: int) -> bool:
        try:
            barrier.wait(timeout=30)
            return deployment_record(version=versions[index], environment=environment, target="blue")[1]
        finally:
            connection.close()  # each thread has its own connection; leave none open for the flush

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(deploy, index) for index in range(THREADS)]
        created = [future.result(timeout=60) for future in futures]  # re-raises a thread's error

    assert created == [True] * THREADS
    assert DeployedVersion.objects.count() == THREADS
    assert DeployedVersion.objects.filter(undeployed_at__isnull=True).count() == 1
