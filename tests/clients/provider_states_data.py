"""The data behind each provider state of "Pact Broker Client V2-Pact Broker.json".

Served by tests/clients/provider_states_api.py (test-only) to the real `pact verifier`. Every
setup starts from an empty broker. The data follows what each interaction expects and
what the Pact Broker's own harness sets up (spec/service_consumers/shared_provider_states.rb):
fixed UUIDs, "Pricing Service" with its repository URL, pacts with no interactions.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from contracts.models import Contract, DeployedVersion, Environment, Pacticipant, Version
from contracts.services.deployments import deployment_record
from contracts.services.environments import environment_create
from contracts.services.pacticipants import (
    pacticipant_find_or_create,
    pacticipant_upsert,
)
from contracts.services.publication import contracts_publish, prepare_contract
from contracts.services.verifications import verification_record
from contracts.services.versions import (
    branch_version_add,
    tag_add,
    version_find_or_create,
)
from tests.builders import pact_json
from webhooks.services.definitions import WebhookDefinition, webhook_put

TEST_ENV_UUID = "16926ef3-590f-4e3f-838e-719717aa88c9"
# The environment the record-deployment/record-release interactions post to.
DEPLOY_ENV_UUID = "cb632df3-0a0d-4227-aac3-60114dd36479"
DEPLOYED_VERSION_UUID = "ff3adecf-cfc5-4653-a4e3-f1861092f8e0"
WEBHOOK_UUID = "696c5f93-1b7f-44bc-8d03-59440fcaa9a0"
FOO_SHA = "5556b8149bf8bac76bc30f50a8a2dd4c22c85f30"
PRICING_REPOSITORY_URL = "git@git.realestate.com.au:business-systems/pricing-service"

STATES: dict[str, Callable[[], None]] = {}


def state(*names: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register a setup function for one or more provider-state names."""

    def register(setup: Callable[[], None]) -> Callable[[], None]:
        for name in names:
            STATES[name] = setup
        return setup

    return register


def version(pacticipant: str, number: str, *, tags: tuple[str, ...] = (), branch: str | None = None) -> Version:
    """A version of a pacticipant (both created as needed), with tags and a branch."""
    found, _ = version_find_or_create(pacticipant=pacticipant_find_or_create(name=pacticipant), number=number)
    if branch:
        branch_version_add(version=found, branch_name=branch)
    for tag in tags:
        tag_add(version=found, name=tag)
    return found


def publish(
    consumer: str, number: str, provider: str, *, tags: tuple[str, ...] = (), variant: str = "", empty: bool = False
) -> Contract:
    """Publish a pact; `empty` gives the no-interaction pact the Condor interactions expect."""
    if empty:
        content = json.dumps(
            {
                "consumer": {"name": consumer},
                "provider": {"name": provider},
                "interactions": [],
                "metadata": {"pactSpecification": {"version": "2.0.0"}},
            }
        )
    else:
        content = pact_json(consumer, provider, variant=variant or f"{consumer}-{number}")
    prepared = prepare_contract(content, consumer_name=consumer, provider_name=provider)
    result = contracts_publish(pacticipant_name=consumer, version_number=number, tags=list(tags), contracts=[prepared])
    return result.contracts[0].publication.contract


def verify(contract: Contract, provider_version: str, *, success: bool = True) -> None:
    verification_record(contract=contract, provider_version_number=provider_version, success=success)


def environment(
    name: str,
    *,
    uuid: str | None = None,
    production: bool = False,
    display_name: str | None = None,
    contacts: list | None = None,
) -> Environment:
    """An environment; the fixed UUIDs are the ones the interactions use in their paths."""
    return environment_create(name=name, production=production, display_name=display_name, contacts=contacts, uuid=uuid)


def deploy(number: str, env: Environment, *, uuid: str, target: str | None = None) -> None:
    """Deploy Foo `number` to `env`, under the deployed-version UUID the interactions use."""
    deployed, _ = deployment_record(version=version("Foo", number), environment=env, target=target)
    DeployedVersion.objects.filter(pk=deployed.pk).update(uuid=uuid)


# --- States that need nothing (index relations, absent resources) ---------------------
@state(
    "'Condor' does not exist in the pact-broker",
    "no pact between Condor and the Pricing Service exists",
    "the 'Pricing Service' does not exist in the pact-broker",
    "the pacticipant relations are present",
    "the pb:environments relation exists in the index resource",
    "the pb:latest-tagged-version relation exists in the index resource",
    "the pb:latest-version relation exists in the index resource",
    "the pb:pacticipant-branch relation exists in the index resource",
    "the pb:pacticipant-version and pb:environments relations exist in the index resource",
    "the pb:publish-contracts relations exists in the index resource",
)
def nothing() -> None:
    pass


# --- Pacticipants and versions ---------------------------------------------------------
@state("'Condor' exists in the pact-broker")
def condor_exists() -> None:
    version("Condor", "1.3.0")


@state("'Condor' exists in the pact-broker with the latest tagged 'production' version 1.2.3")
def condor_latest_production() -> None:
    version("Condor", "1.2.3", tags=("production",))
    version("Condor", "2.0.0")


@state("'Condor' exists in the pact-broker with the latest version 1.2.3")
def condor_latest() -> None:
    version("Condor", "1.0.0")
    version("Condor", "1.2.3")


@state("'Condor' exists in the pact-broker with version 1.3.0, tagged with 'prod'")
def condor_tagged_prod() -> None:
    version("Condor", "1.3.0", tags=("prod",))


@state("a pacticipant with name Foo exists")
def foo_exists() -> None:
    pacticipant_find_or_create(name="Foo")


@state("a branch named main exists for pacticipant Foo")
def foo_branch_main() -> None:
    version("Foo", "1", branch="main")


@state("the 'Pricing Service' already exists in the pact-broker")
def pricing_service_exists() -> None:
    pacticipant_upsert(name="Pricing Service", fields={"repository_url": PRICING_REPOSITORY_URL})
    version("Pricing Service", "1.3.0")


@state("the 'Pricing Service' and 'Condor' already exist in the pact-broker")
def condor_and_pricing_service() -> None:
    pacticipant_find_or_create(name="Condor")
    pacticipant_find_or_create(name="Pricing Service")


# --- Pacts between Condor and the Pricing Service --------------------------------------
@state(
    "a pact between Condor and the Pricing Service exists",
    "a latest pact between Condor and the Pricing Service exists",
    "the 'Pricing Service' and 'Condor' already exist in the pact-broker, and Condor already has a pact "
    "published for version 1.3.0",
)
def condor_pact() -> None:
    publish("Condor", "1.3.0", "Pricing Service", empty=True)


@state(
    "tagged as prod pact between Condor and the Pricing Service exists",
    "a pact between Condor and the Pricing Service exists for the production version of Condor",
)
def condor_prod_pact() -> None:
    publish("Condor", "1.3.0", "Pricing Service", tags=("prod",), empty=True)


# --- Pacts between Foo and Bar, with verifications (the matrix interactions) -----------
@state("the pact for Foo Thing version 1.2.3 has been verified by Bar version 4.5.6")
def foo_thing_verified() -> None:
    first = publish("Foo Thing", "1.2.3", "Bar")
    verify(first, "4.5.6")
    verify(first, "7.8.9")
    verify(publish("Foo Thing", "2.0.0", "Bar"), "4.5.6")


@state("the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6")
def foo_verified() -> None:
    first = publish("Foo", "1.2.3", "Bar")
    verify(first, "4.5.6")
    verify(first, "7.8.9")
    verify(publish("Foo", "2.0.0", "Bar"), "4.5.6")


@state("the pact for Foo version 1.2.3 and 1.2.4 has been verified by Bar version 4.5.6")
def foo_two_versions_verified() -> None:
    verify(publish("Foo", "1.2.3", "Bar"), "4.5.6")
    verify(publish("Foo", "1.2.4", "Bar"), "4.5.6")


@state("the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6 and version 5.6.7")
def foo_verified_twice() -> None:
    contract = publish("Foo", "1.2.3", "Bar")
    verify(contract, "4.5.6")
    verify(contract, "5.6.7")


@state(
    "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6 (tagged prod) and version 5.6.7"
)
def foo_verified_by_prod_and_newer() -> None:
    contract = publish("Foo", "1.2.3", "Bar")
    verify(contract, "4.5.6")
    version("Bar", "4.5.6", tags=("prod",))
    verify(contract, "5.6.7")


@state(
    "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6, and 1.2.4 "
    "unsuccessfully by 9.9.9"
)
def foo_passed_and_failed() -> None:
    verify(publish("Foo", "1.2.3", "Bar"), "4.5.6")
    verify(publish("Foo", "1.2.4", "Bar"), "9.9.9", success=False)


@state(
    "the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6 with tag prod, and "
    "1.2.4 unsuccessfully by 9.9.9"
)
def foo_passed_by_prod_and_failed() -> None:
    verify(publish("Foo", "1.2.3", "Bar"), "4.5.6")
    version("Bar", "4.5.6", tags=("prod",))
    verify(publish("Foo", "1.2.4", "Bar"), "9.9.9", success=False)


@state(
    "provider Bar version 4.5.6 has a successful verification for Foo version 1.2.3 tagged prod and a "
    "failed verification for version 3.4.5 tagged prod"
)
def bar_passed_one_prod_failed_other() -> None:
    verify(publish("Foo", "1.2.3", "Bar", tags=("prod",)), "4.5.6")
    verify(publish("Foo", "3.4.5", "Bar", tags=("prod",)), "4.5.6", success=False)


# --- Environments, deployments, releases -----------------------------------------------
@state("an environment exists")
def an_environment() -> None:
    environment(
        "test", display_name="Test", contacts=[{"name": "Foo team", "details": {"emailAddress": "foo@bar.com"}}]
    )


@state("an environment with name test exists")
def test_environment() -> None:
    environment("test")


@state("an environment with name test and UUID 16926ef3-590f-4e3f-838e-719717aa88c9 exists")
def test_environment_with_uuid() -> None:
    environment("test", uuid=TEST_ENV_UUID)


@state(
    "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment "
    "available for deployment"
)
def foo_version_and_deploy_environment() -> None:
    version("Foo", FOO_SHA)
    environment("test", uuid=DEPLOY_ENV_UUID)


@state(
    "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with a test environment "
    "available for release"
)
def foo_version_and_release_environment() -> None:
    version("Foo", FOO_SHA)
    environment("test", uuid=TEST_ENV_UUID)


@state(
    "version 5556b8149bf8bac76bc30f50a8a2dd4c22c85f30 of pacticipant Foo exists with 2 environments that "
    "aren't test available for deployment"
)
def foo_version_and_two_environments() -> None:
    version("Foo", FOO_SHA)
    environment("prod", production=True)
    environment("dev")


@state("an version is deployed to environment with UUID 16926ef3-590f-4e3f-838e-719717aa88c9 with target customer-1")
def foo_deployed_to_customer_1() -> None:
    deploy(FOO_SHA, environment("test", uuid=TEST_ENV_UUID), uuid=DEPLOYED_VERSION_UUID, target="customer-1")


@state("a currently deployed version exists")
def foo_currently_deployed() -> None:
    deploy(FOO_SHA, environment("test", uuid=DEPLOY_ENV_UUID), uuid=DEPLOYED_VERSION_UUID)


# --- Webhooks ---------------------------------------------------------------------------
@state("a webhook with the uuid 696c5f93-1b7f-44bc-8d03-59440fcaa9a0 exists")
def webhook_exists() -> None:
    webhook_put(
        uuid=WEBHOOK_UUID,
        definition=WebhookDefinition(
            description="a webhook",
            consumer=pacticipant_find_or_create(name="Condor"),
            provider=pacticipant_find_or_create(name="Pricing Service"),
            events=("contract_content_changed",),
            method="POST",
            url="https://webhook",
            headers={"Content-Type": "application/json"},
            body={"some": "body"},
        ),
    )


def pacticipant_names() -> list[str]:
    """Every pacticipant now stored (for tests of the setups)."""
    return sorted(Pacticipant.objects.values_list("name", flat=True))
