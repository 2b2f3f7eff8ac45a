"""The Rust `pact broker` CLI (pact-python-cli) against a live Accord.

Each test runs one real command and then reads what it left in the database.
Flags as `pact broker <command> --help` gives them (Rust: `--tag a,b` for publish).
"""

from __future__ import annotations

import json

import pytest

from contracts.models import ContractPublication, DeployedVersion, Environment, Pacticipant, ReleasedVersion, Version
from contracts.services.deployments import deployment_record, release_record
from contracts.services.environments import environment_create
from tests.builders import TestData
from tests.clients.conftest import run_cli, succeeded
from webhooks.models import Webhook

pytestmark = pytest.mark.clients

BUILD_URL = "https://ci.example.org/builds/42"
WEBHOOK_UUID = "rust-cli-webhook-0001"


def pact_broker(rust_pact: str, broker: str, command: str, *args: str) -> str:
    """Run `pact broker <command> ...` against the broker; assert exit 0; return stdout."""
    result = run_cli([rust_pact, "broker", command, *args, "--broker-base-url", broker])
    return succeeded(result, f"pact broker {command}")


def test_publish_records_version_branch_tags_build_url_and_contract(rust_pact, broker, pact_file):
    path = pact_file("RustWeb", "RustApi")

    pact_broker(
        rust_pact,
        broker,
        "publish",
        str(path),
        "--consumer-app-version",
        "1.0.0",
        "--branch",
        "main",
        "--tag",
        "dev,feat-x",
        "--build-url",
        BUILD_URL,
    )

    version = Version.objects.get(pacticipant__name="RustWeb", number="1.0.0")
    assert version.build_url == BUILD_URL
    assert set(version.tags.values_list("name", flat=True)) == {"dev", "feat-x"}
    assert "main" in version.branch_versions.values_list("branch_name", flat=True)
    publication = ContractPublication.objects.get(consumer_version=version, is_current=True)
    assert publication.provider.name == "RustApi"
    sent = json.loads(path.read_text())
    stored = json.loads(publication.contract.document)
    assert [i["description"] for i in stored["interactions"]] == [i["description"] for i in sent["interactions"]]


def test_create_or_update_pacticipant_creates_then_updates(rust_pact, broker):
    pact_broker(
        rust_pact,
        broker,
        "create-or-update-pacticipant",
        "--name",
        "RustFoo",
        "--display-name",
        "Rust Foo",
        "--main-branch",
        "main",
        "--repository-url",
        "https://git.example.org/foo",
    )

    created = Pacticipant.objects.get(name="RustFoo")
    assert (created.display_name, created.main_branch, created.repository_url) == (
        "Rust Foo",
        "main",
        "https://git.example.org/foo",
    )

    pact_broker(
        rust_pact,
        broker,
        "create-or-update-pacticipant",
        "--name",
        "RustFoo",
        "--repository-url",
        "https://git.example.org/foo2",
    )

    updated = Pacticipant.objects.get(name="RustFoo")
    assert updated.repository_url == "https://git.example.org/foo2"
    assert updated.main_branch == "main"  # PATCH keeps what was not sent
    assert Pacticipant.objects.filter(name="RustFoo").count() == 1


def test_describe_version_shows_number_and_tags(rust_pact, broker):
    TestData().publish("RustFoo", "1.2.3", provider="RustBar", tags=["prod"])

    out = pact_broker(
        rust_pact, broker, "describe-version", "--pacticipant", "RustFoo", "--version", "1.2.3", "--output", "json"
    )

    body = json.loads(out)
    assert body["number"] == "1.2.3"
    assert [tag["name"] for tag in body["_embedded"]["tags"]] == ["prod"]
    latest = json.loads(
        pact_broker(
            rust_pact, broker, "describe-version", "--pacticipant", "RustFoo", "--latest", "prod", "--output", "json"
        )
    )
    assert latest["number"] == "1.2.3"


def test_create_version_tag_tags_an_existing_version_and_auto_creates_one(rust_pact, broker):
    TestData().version("RustFoo", "1.0.0")

    pact_broker(
        rust_pact, broker, "create-version-tag", "--pacticipant", "RustFoo", "--version", "1.0.0", "--tag", "prod", "v1"
    )
    pact_broker(
        rust_pact,
        broker,
        "create-version-tag",
        "--pacticipant",
        "RustFoo",
        "--version",
        "2.0.0",
        "--tag",
        "next",
        "--auto-create-version",
    )

    tags = {
        number: set(Version.objects.get(pacticipant__name="RustFoo", number=number).tags.values_list("name", flat=True))
        for number in ("1.0.0", "2.0.0")
    }
    assert tags == {"1.0.0": {"prod", "v1"}, "2.0.0": {"next"}}


def test_create_environment_stores_every_field(rust_pact, broker):
    out = pact_broker(
        rust_pact,
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


def test_record_deployment_to_an_application_instance(rust_pact, broker):
    TestData().version("RustFoo", "1.2.3")
    environment_create(name="production", production=True)

    pact_broker(
        rust_pact,
        broker,
        "record-deployment",
        "--pacticipant",
        "RustFoo",
        "--version",
        "1.2.3",
        "--environment",
        "production",
        "--application-instance",
        "blue",
    )

    deployed = DeployedVersion.objects.get(version__pacticipant__name="RustFoo", version__number="1.2.3")
    assert (deployed.environment.name, deployed.target, deployed.undeployed_at) == ("production", "blue", None)


def test_record_undeployment_ends_the_current_deployment(rust_pact, broker):
    version = TestData().version("RustFoo", "1.2.3")
    deployed, _ = deployment_record(
        version=version, environment=environment_create(name="test", production=False), target="blue"
    )

    pact_broker(
        rust_pact,
        broker,
        "record-undeployment",
        "--pacticipant",
        "RustFoo",
        "--environment",
        "test",
        "--application-instance",
        "blue",
    )

    deployed.refresh_from_db()
    assert deployed.undeployed_at is not None


def test_record_release_then_support_ended(rust_pact, broker):
    TestData().version("RustFoo", "3.0.0")
    environment_create(name="production", production=True)

    pact_broker(
        rust_pact,
        broker,
        "record-release",
        "--pacticipant",
        "RustFoo",
        "--version",
        "3.0.0",
        "--environment",
        "production",
    )

    released = ReleasedVersion.objects.get(version__pacticipant__name="RustFoo", version__number="3.0.0")
    assert (released.environment.name, released.support_ended_at) == ("production", None)

    pact_broker(
        rust_pact,
        broker,
        "record-support-ended",
        "--pacticipant",
        "RustFoo",
        "--version",
        "3.0.0",
        "--environment",
        "production",
    )

    released.refresh_from_db()
    assert released.support_ended_at is not None


def test_record_support_ended_leaves_other_releases_supported(rust_pact, broker):
    data = TestData()
    production = environment_create(name="production", production=True)
    old, _ = release_record(version=data.version("RustFoo", "1.0.0"), environment=production)
    new, _ = release_record(version=data.version("RustFoo", "2.0.0"), environment=production)

    pact_broker(
        rust_pact,
        broker,
        "record-support-ended",
        "--pacticipant",
        "RustFoo",
        "--version",
        "1.0.0",
        "--environment",
        "production",
    )

    old.refresh_from_db()
    new.refresh_from_db()
    assert old.support_ended_at is not None
    assert new.support_ended_at is None


def test_list_latest_pact_versions_lists_each_integration(rust_pact, broker):
    TestData().publish("RustWeb", "1.0.0", provider="RustApi").publish(
        "RustWeb", "1.1.0", provider="RustApi", variant="b"
    )

    body = json.loads(pact_broker(rust_pact, broker, "list-latest-pact-versions", "--output", "json"))

    rows = [
        (
            pact["_embedded"]["consumer"]["name"],
            pact["_embedded"]["consumer"]["_embedded"]["version"]["number"],
            pact["_embedded"]["provider"]["name"],
        )
        for pact in body["pacts"]
    ]
    assert rows == [("RustWeb", "1.1.0", "RustApi")]


def test_create_or_update_webhook_creates_then_updates_by_uuid(rust_pact, broker):
    TestData().publish("RustWeb", "1.0.0", provider="RustApi")
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
        "RustWeb",
        "--provider",
        "RustApi",
        "--contract-requiring-verification-published",
        "--provider-verification-published",
    ]

    pact_broker(rust_pact, broker, "create-or-update-webhook", *args, "--description", "trigger build")

    webhook = Webhook.objects.get(uuid=WEBHOOK_UUID)
    assert (webhook.consumer.name, webhook.provider.name) == ("RustWeb", "RustApi")
    assert (webhook.method, webhook.url, webhook.description) == (
        "POST",
        "https://hooks.example.org/build",
        "trigger build",
    )
    assert webhook.headers == {"Content-Type": "application/json"}
    assert json.loads(webhook.body) == {"pact": "${pactbroker.pactUrl}"}
    assert set(webhook.events) == {"contract_requiring_verification_published", "provider_verification_published"}

    pact_broker(rust_pact, broker, "create-or-update-webhook", *args, "--description", "trigger the build")

    assert Webhook.objects.get(uuid=WEBHOOK_UUID).description == "trigger the build"
    assert Webhook.objects.count() == 1


def test_publish_of_changed_content_for_a_published_version_is_refused(rust_pact, broker, pact_file):
    TestData().publish("RustWeb", "1.0.0", provider="RustApi", variant="original")
    before = ContractPublication.objects.get(consumer__name="RustWeb").contract.sha
    path = pact_file("RustWeb", "RustApi", variant="changed")

    code, out, err = run_cli(
        [rust_pact, "broker", "publish", str(path), "--consumer-app-version", "1.0.0", "--broker-base-url", broker]
    )

    assert code != 0, out
    assert "Cannot change the content of the pact" in out + err
    assert list(ContractPublication.objects.values_list("contract__sha", flat=True)) == [before]


def test_record_deployment_of_an_unknown_version_fails_and_stores_nothing(rust_pact, broker):
    environment_create(name="production", production=True)

    code, out, err = run_cli(
        [
            rust_pact,
            "broker",
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
    assert "404" in out + err
    assert not DeployedVersion.objects.exists()
    assert not Version.objects.exists()


def test_a_missing_client_fails_the_run_and_says_to_run_make_clients(tmp_path):
    from tests.clients.conftest import _client

    with pytest.raises(pytest.fail.Exception, match="run `make clients`"):
        _client(tmp_path / "pact", "The Rust `pact` CLI")
