"""The real clients with tokens, against a live broker whose only credentials are tokens
(ACCORD_REQUIRE_AUTH, no basic-auth users): the Rust and Ruby `pact-broker` CLIs publish,
tag, record deployments and ask can-i-deploy; pact-python's Verifier verifies a real
provider process and publishes its results. And what they are refused: a read token's
publish, another team's application, a restricted environment, a revoked or expired token.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import Token
from access.services.tokens import token_revoke
from contracts.models import ContractPublication, DeployedVersion, Tag, Verification, Version
from contracts.services.verifications import verification_record
from tests.access.helpers import make_token, own, restrict
from tests.clients.conftest import RUBY_PACT_BROKER, RUST_PACT, run_cli
from tests.verifier.conftest import Provider, order_pact

pytestmark = pytest.mark.clients


@pytest.fixture
def tokens(token_broker, td) -> dict[str, str]:
    """Team orders owns web-shop and orders-api, team payments owns payments-api; production
    is restricted to orders. A write token for each team, a read token, a revoked and an
    expired one."""
    td.environment("test")
    td.environment("production", production=True)
    td.version("payments-api", "5.0")
    made = {
        "orders": make_token("orders-ci", "write", teams=("orders",)),
        "payments": make_token("payments-ci", "write", teams=("payments",)),
        "read": make_token("dashboards", "read"),
        "revoked": make_token("old-ci", "write", name="old"),
        "expired": make_token("old-ci", "write", name="short", expires_at=timezone.now() + timedelta(minutes=1)),
    }
    token_revoke(token=Token.objects.get(name="old"))
    Token.objects.filter(name="short").update(expires_at=timezone.now() - timedelta(minutes=1))
    own("orders", "web-shop", "orders-api")
    own("payments", "payments-api")
    restrict("production", "orders")
    return made


def rust(broker: str, token: str, command: str, *args: str) -> tuple[int, str]:
    code, out, err = run_cli(
        [RUST_PACT, "broker", command, *args, "--broker-base-url", broker, "--broker-token", token]
    )
    return code, out + err


def ruby(broker: str, token: str, command: str, *args: str) -> tuple[int, str]:
    code, out, err = run_cli([RUBY_PACT_BROKER, command, *args, "--broker-base-url", broker, "-k", token])
    return code, out + err


def ok(result: tuple[int, str], what: str) -> str:
    code, output = result
    assert code == 0, f"{what} exited {code}:\n{output}"
    return output


def refused(result: tuple[int, str], *words: str) -> str:
    code, output = result
    assert code != 0, output
    for word in words:
        assert word in output, output
    return output


def _verified(consumer_version: str, provider_version: str) -> None:
    publication = ContractPublication.objects.get(consumer_version__number=consumer_version, is_current=True)
    verification_record(contract=publication.contract, provider_version_number=provider_version, success=True)


@pytest.mark.parametrize("client", ["rust", "ruby"])
def test_a_team_token_publishes_tags_deploys_and_asks_can_i_deploy(client, token_broker, tokens, pact_file, td) -> None:
    cli, token = (rust, tokens["orders"]) if client == "rust" else (ruby, tokens["orders"])
    version = f"1.0-{client}"
    ok(cli(token_broker, token, "publish", str(pact_file("web-shop", "orders-api")), "--consumer-app-version",
           version, "--branch", "main"), "publish")  # fmt: skip
    assert ContractPublication.objects.filter(consumer_version__number=version, provider__name="orders-api").exists()
    tag = ["--tag", "prod"]
    ok(cli(token_broker, token, "create-version-tag", "--pacticipant", "web-shop", "--version", version, *tag),
       "create-version-tag")  # fmt: skip
    assert Tag.objects.filter(version__number=version, name="prod").exists()
    # production is restricted to this team
    ok(cli(token_broker, token, "record-deployment", "--pacticipant", "web-shop", "--version", version,
           "--environment", "production"), "record-deployment")  # fmt: skip
    assert DeployedVersion.objects.filter(version__number=version, environment__name="production").exists()
    _verified(version, "2.0")
    td.deploy("orders-api", "2.0", to="production")
    output = ok(cli(token_broker, token, "can-i-deploy", "--pacticipant", "orders-api", "--version", "2.0",
                    "--to-environment", "production"), "can-i-deploy")  # fmt: skip
    assert "yes" in output.lower() or "computer says yes" in output.lower(), output


@pytest.mark.parametrize("client", ["rust", "ruby"])
def test_a_read_token_cannot_publish(client, token_broker, tokens, pact_file) -> None:
    cli = rust if client == "rust" else ruby
    path = str(pact_file("web-shop", "orders-api"))
    # Both print the 403's message, which names the missing scope.
    refused(cli(token_broker, tokens["read"], "publish", path, "--consumer-app-version", "9.9"),
            "token 'ci' of account 'dashboards' gives read access", "the write scope is missing")  # fmt: skip
    assert not Version.objects.filter(number="9.9").exists()
    # ...and reads: can-i-deploy answers it.
    code, output = cli(token_broker, tokens["read"], "can-i-deploy", "--pacticipant", "payments-api", "--version",
                       "5.0", "--to-environment", "test")  # fmt: skip
    assert code == 0, output


def test_a_team_token_cannot_write_about_another_teams_application(token_broker, tokens, pact_file, td) -> None:
    td.version("web-shop", "1.0")
    other = tokens["payments"]
    message = "has no write permission on application 'web-shop' (owned by team 'orders')"
    path = str(pact_file("web-shop", "orders-api"))
    tag = ["create-version-tag", "--pacticipant", "web-shop", "--version", "1.0", "--tag", "prod"]
    deploy = ["record-deployment", "--pacticipant", "web-shop", "--version", "1.0", "--environment", "test"]
    for cli in (rust, ruby):
        refused(cli(token_broker, other, "publish", path, "--consumer-app-version", "3.0"), message)
        refused(cli(token_broker, other, *deploy), message)
    refused(ruby(token_broker, other, *tag), message)
    # The Rust CLI's create-version-tag prints the refusal but exits 0 whatever the broker
    # answers (pact-python-cli's `pact broker`): the tag is not there all the same.
    code, output = rust(token_broker, other, *tag)
    assert "Failed" in output and "403 Forbidden" in output and message in output, (code, output)
    assert not Version.objects.filter(number="3.0").exists() and not Tag.objects.exists()
    assert not DeployedVersion.objects.exists()


def test_only_the_permitted_team_deploys_to_the_restricted_environment(token_broker, tokens) -> None:
    payments = tokens["payments"]
    deploy = ["record-deployment", "--pacticipant", "payments-api", "--version", "5.0", "--environment"]
    message = "may not record deployments or releases in environment 'production': it is restricted to team(s) 'orders'"
    refused(rust(token_broker, payments, *deploy, "production"), message)
    refused(ruby(token_broker, payments, *deploy, "production"), message)
    assert not DeployedVersion.objects.exists()
    ok(rust(token_broker, payments, *deploy, "test"), "record-deployment to test")  # not restricted
    assert DeployedVersion.objects.get().environment.name == "test"


@pytest.mark.parametrize("which", ["revoked", "expired"])
def test_a_revoked_or_expired_token_gets_a_401(which, token_broker, tokens, pact_file) -> None:
    path = str(pact_file("web-shop", "orders-api"))
    refused(rust(token_broker, tokens[which], "publish", path, "--consumer-app-version", "4.0"), "401")
    output = refused(ruby(token_broker, tokens[which], "publish", path, "--consumer-app-version", "4.0"))
    assert "401" in output or which in output, output
    refused(rust(token_broker, tokens[which], "list-environments"), "401")
    assert not Version.objects.filter(number="4.0").exists()


def _verify(broker: str, provider_url: str, token: str, version: str) -> None:
    from pact import Verifier

    verifier = Verifier("orders-api", host="127.0.0.1").add_transport(url=provider_url)
    verifier.state_handler(provider_url + "/_pact/provider_states", body=True)
    verifier.broker_source(broker, token=token, selector=True, use_env=False).consumer_version(main_branch=True).build()
    verifier.set_publish_options(version=version, branch="main")
    verifier.verify()


def test_the_verifier_verifies_and_publishes_with_a_team_token(token_broker, tokens, tmp_path) -> None:
    from contracts.services.publication import contracts_publish, prepare_contract

    prepared = prepare_contract(order_pact("web-shop", "orders-api"), consumer_name="web-shop",
                                provider_name="orders-api")  # fmt: skip
    contracts_publish(pacticipant_name="web-shop", version_number="1.0", branch="main", contracts=[prepared])
    provider = Provider("correct", tmp_path)
    try:
        _verify(token_broker, provider.url, tokens["orders"], "2.0")
        assert Verification.objects.get(provider_version__number="2.0").success
        # Another team's token fetches the pacts (reading is open to it) but may not publish
        # the provider's results: the verifier says so and nothing is recorded.
        try:
            _verify(token_broker, provider.url, tokens["payments"], "2.1")
        except RuntimeError:
            pass  # some verifier versions fail the run when publishing fails
        assert not Verification.objects.filter(provider_version__number="2.1").exists()
        assert not Version.objects.filter(pacticipant__name="orders-api", number="2.1").exists()
        # A revoked token cannot even fetch them.
        with pytest.raises(RuntimeError):
            _verify(token_broker, provider.url, tokens["revoked"], "2.2")
        assert not Verification.objects.filter(provider_version__number="2.2").exists()
    finally:
        provider.stop()
