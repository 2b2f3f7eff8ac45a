"""The Ruby `pact-broker` CLI (pact_broker-client 1.77) against a live Accord.

Each test runs one real command and then reads what it left in the database.
Flags as `pact-broker help <command>` gives them (Ruby: `-t a -t b`; PATCH is sent as
application/json; tag PUTs have an empty body).
"""

from __future__ import annotations

import json

import pytest

from contracts.models import ContractPublication, DeployedVersion, Environment, Pacticipant, ReleasedVersion, Version
from contracts.services.deployments import deployment_record
from contracts.services.environments import environment_create
from tests.builders import TestData
from tests.clients.conftest import run_cli, succeeded
from webhooks.models import Webhook

pytestmark = pytest.mark.clients

BUILD_URL = "https://ci.example.org/builds/43"
WEBHOOK_UUID = "ruby-cli-webhook-0001"


def pact_broker(ruby_pact_broker: str, broker: str, command: str, *args: str) -> str:
    """Run `pact-broker <command> ...` against the broker; assert exit 0; return stdout."""
    return succeeded(run_cli([ruby_pact_broker, command, *args, "--broker-base-url", broker]), f"pact-broker {command}")


def test_publish_records_version_branch_tags_build_url_and_contract(ruby_pact_broker, broker, pact_file):
    path = pact_file("RubyWeb", "RubyApi")

    pact_broker(
        ruby_pact_broker,
        broker,
        "publish",
        str(path),
        "--consumer-app-version",
        "1.0.0",
        "--branch",
        "main",
        "-t",
        "dev",
        "-t",
        "feat-x",
        "--build-url",
        BUILD_URL,
    )

    version = Version.objects.get(pacticipant__name="RubyWeb", number="1.0.0")
    assert version.build_url == BUILD_URL
    assert set(version.tags.values_list("name", flat=True)) == {"dev", "feat-x"}
    assert "main" in version.branch_versions.values_list("branch_name", flat=True)
    publication = ContractPublication.objects.get(consumer_version=version, is_current=True)
    assert publication.provider.name == "RubyApi"
    assert json.loads(publication.contract.raw) == json.loads(path.read_text())


def test_create_or_update_pacticipant_creates_then_updates(ruby_pact_broker, broker):
    pact_broker(
        ruby_pact_broker,
        broker,
        "create-or-update-pacticipant",
        "--name",
        "RubyFoo",
        "--display-name",
        "Ruby Foo",
        "--main-branch",
        "main",
        "--repository-url",
        "https://git.example.org/foo",
    )

    created = Pacticipant.objects.get(name="RubyFoo")
    assert (created.display_name, created.main_branch, created.repository_url) == (
        "Ruby Foo",
        "main",
        "https://git.example.org/foo",
    )

    pact_broker(
        ruby_pact_broker,
        broker,
        "create-or-update-pacticipant",
        "--name",
        "RubyFoo",
        "--repository-url",
        "https://git.example.org/foo2",
    )

    updated = Pacticipant.objects.get(name="RubyFoo")
    assert updated.repository_url == "https://git.example.org/foo2"
    assert updated.main_branch == "main"  # PATCH keeps what was not sent
    assert Pacticipant.objects.filter(name="RubyFoo").count() == 1


def test_describe_version_shows_number_and_tags(ruby_pact_broker, broker):
    TestData().publish("RubyFoo", "1.2.3", provider="RubyBar", tags=["prod"])

    body = json.loads(
        pact_broker(
            ruby_pact_broker,
            broker,
            "describe-version",
            "--pacticipant",
            "RubyFoo",
            "--version",
            "1.2.3",
            "--output",
            "json",
        )
    )

    assert body["number"] == "1.2.3"
    assert [tag["name"] for tag in body["_embedded"]["tags"]] == ["prod"]
    latest = json.loads(
        pact_broker(
            ruby_pact_broker,
            broker,
            "describe-version",
            "--pacticipant",
            "RubyFoo",
            "--latest",
            "prod",
            "--output",
            "json",
        )
    )
    assert latest["number"] == "1.2.3"


def test_create_version_tag_tags_an_existing_version_and_auto_creates_one(ruby_pact_broker, broker):
    TestData().version("RubyFoo", "1.0.0")

    pact_broker(
        ruby_pact_broker,
        broker,
        "create-version-tag",
        "--pacticipant",
        "RubyFoo",
        "--version",
        "1.0.0",
        "-t",
        "prod",
        "-t",
        "v1",
    )
    pact_broker(
        ruby_pact_broker,
        broker,
        "create-version-tag",
        "--pacticipant",
        "RubyFoo",
        "--version",
        "2.0.0",
        "-t",
        "next",
        "--auto-create-version",
    )

    tags = {
        number: set(Version.objects.get(pacticipant__name="RubyFoo", number=number).tags.values_list("name", flat=True))
        for number in ("1.0.0", "2.0.0")
    }
    assert tags == {"1.0.0": {"prod", "v1"}, "2.0.0": {"next"}}


def test_create_environment_stores_every_field(ruby_pact_broker, broker):
    out = pact_broker(
        ruby_pact_broker,
        broker,
        "create-environment",
        "--name",
        "staging",
        "--display-name",
        "Staging",
        "--production",
        "--contact-name",
        "Ops",
        "--contact-email-address",
        "ops@example.org",
        "--output",
        "json",
    )

    environment = Environment.objects.get(name="staging")
    assert (environment.display_name, environment.production) == ("Staging", True)
    assert environment.contacts == [{"name": "Ops", "details": {"emailAddress": "ops@example.org"}}]
    assert json.loads(out)["uuid"] == str(environment.uuid)


def test_record_deployment_to_an_application_instance(ruby_pact_broker, broker):
    TestData().version("RubyFoo", "1.2.3")
    environment_create(name="production", production=True)

    pact_broker(
        ruby_pact_broker,
        broker,
        "record-deployment",
        "--pacticipant",
        "RubyFoo",
        "--version",
        "1.2.3",
        "--environment",
        "production",
        "--application-instance",
        "blue",
    )

    deployed = DeployedVersion.objects.get(version__pacticipant__name="RubyFoo", version__number="1.2.3")
    assert (deployed.environment.name, deployed.target, deployed.undeployed_at) == ("production", "blue", None)


def test_record_undeployment_ends_the_current_deployment(ruby_pact_broker, broker):
    version = TestData().version("RubyFoo", "1.2.3")
    deployed, _ = deployment_record(
        version=version, environment=environment_create(name="test", production=False), target="blue"
    )

    pact_broker(
        ruby_pact_broker,
        broker,
        "record-undeployment",
        "--pacticipant",
        "RubyFoo",
        "--environment",
        "test",
        "--application-instance",
        "blue",
    )

    deployed.refresh_from_db()
    assert deployed.undeployed_at is not None


def test_record_release_then_support_ended(ruby_pact_broker, broker):
    TestData().version("RubyFoo", "3.0.0")
    environment_create(name="production", production=True)

    pact_broker(
        ruby_pact_broker,
        broker,
        "record-release",
        "--pacticipant",
        "RubyFoo",
        "--version",
        "3.0.0",
        "--environment",
        "production",
    )

    released = ReleasedVersion.objects.get(version__pacticipant__name="RubyFoo", version__number="3.0.0")
    assert (released.environment.name, released.support_ended_at) == ("production", None)

    pact_broker(
        ruby_pact_broker,
        broker,
        "record-support-ended",
        "--pacticipant",
        "RubyFoo",
        "--version",
        "3.0.0",
        "--environment",
        "production",
    )

    released.refresh_from_db()
    assert released.support_ended_at is not None


def test_list_latest_pact_versions_lists_each_integration(ruby_pact_broker, broker):
    TestData().publish("RubyWeb", "1.0.0", provider="RubyApi").publish(
        "RubyWeb", "1.1.0", provider="RubyApi", variant="b"
    )

    body = json.loads(pact_broker(ruby_pact_broker, broker, "list-latest-pact-versions", "--output", "json"))

    rows = [
        (
            pact["_embedded"]["consumer"]["name"],
            pact["_embedded"]["consumer"]["_embedded"]["version"]["number"],
            pact["_embedded"]["provider"]["name"],
        )
        for pact in body["pacts"]
    ]
    assert rows == [("RubyWeb", "1.1.0", "RubyApi")]


def test_create_or_update_webhook_creates_then_updates_by_uuid(ruby_pact_broker, broker):
    TestData().publish("RubyWeb", "1.0.0", provider="RubyApi")
    args = [
        "https://hooks.example.org/build",
        "--uuid",
        WEBHOOK_UUID,
        "--request",
        "POST",
        "--header",
        "Content-Type: application/json",
        "--data",
        '{"pact":"${pactbroker.pactUrl}"}',
        "--consumer",
        "RubyWeb",
        "--provider",
        "RubyApi",
        "--contract-requiring-verification-published",
        "--provider-verification-published",
    ]

    pact_broker(ruby_pact_broker, broker, "create-or-update-webhook", *args, "--description", "trigger build")

    webhook = Webhook.objects.get(uuid=WEBHOOK_UUID)
    assert (webhook.consumer.name, webhook.provider.name) == ("RubyWeb", "RubyApi")
    assert (webhook.method, webhook.url, webhook.description) == (
        "POST",
        "https://hooks.example.org/build",
        "trigger build",
    )
    assert webhook.headers == {"Content-Type": "application/json"}
    assert json.loads(webhook.body) == {"pact": "${pactbroker.pactUrl}"}
    assert set(webhook.events) == {"contract_requiring_verification_published", "provider_verification_published"}

    pact_broker(ruby_pact_broker, broker, "create-or-update-webhook", *args, "--description", "trigger the build")

    assert Webhook.objects.get(uuid=WEBHOOK_UUID).description == "trigger the build"
    assert Webhook.objects.count() == 1


def test_publish_of_changed_content_for_a_published_version_is_refused(ruby_pact_broker, broker, pact_file):
    TestData().publish("RubyWeb", "1.0.0", provider="RubyApi", variant="original")
    before = ContractPublication.objects.get(consumer__name="RubyWeb").contract.sha
    path = pact_file("RubyWeb", "RubyApi", variant="changed")

    code, out, err = run_cli(
        [ruby_pact_broker, "publish", str(path), "--consumer-app-version", "1.0.0", "--broker-base-url", broker]
    )

    assert code != 0, out
    assert "Cannot change the content of the pact" in out + err
    assert list(ContractPublication.objects.values_list("contract__sha", flat=True)) == [before]


def test_record_deployment_of_an_unknown_version_fails_and_stores_nothing(ruby_pact_broker, broker):
    environment_create(name="production", production=True)

    code, out, err = run_cli(
        [
            ruby_pact_broker,
            "record-deployment",
            "--pacticipant",
            "Nobody",
            "--version",
            "9.9.9",
            "--environment",
            "production",
            "--broker-base-url",
            broker,
        ]
    )

    assert code != 0, out
    assert "Nobody version 9.9.9 not found" in out + err
    assert not DeployedVersion.objects.exists()
    assert not Version.objects.exists()
