"""Provider CI against Accord, end to end, with the real tools only.

pact-python's Verifier (the Rust pact_ffi provider CIs use) verifies a real provider
process with selectors mainBranch, deployedOrReleased and branch, pending and WIP on,
and publishes results; then both CLIs' can-i-deploy answer true, false and unknown.
"""

from __future__ import annotations

import pytest

from contracts.models import Verification
from tests.builders import interaction, pact_json
from tests.clients.conftest import RUBY_PACT_BROKER, RUST_PACT, run_cli
from tests.verifier.conftest import Provider

pytestmark = [pytest.mark.clients]


def order_pact(consumer: str, *, variant: str = "") -> str:
    body = {"id": 1, "name": "Widget"}
    items = [interaction("a request for order 1", path="/orders/1", body=body, state="order 1 exists")]
    if variant:
        items.append(interaction(f"a request for the health check {variant}", path="/health", body={"ok": True}))
    return pact_json(consumer, "API", interactions=items)


def verify(broker: str, provider_url: str, version: str, branch: str = "main") -> None:
    from pact import Verifier

    verifier = Verifier("API", host="127.0.0.1").add_transport(url=provider_url)
    verifier.state_handler(provider_url + "/_pact/provider_states", body=True)
    (
        verifier.broker_source(broker, selector=True, use_env=False)
        .consumer_version(main_branch=True)
        .consumer_version(deployed_or_released=True)
        .consumer_version(branch="feat-y")
        .include_pending()
        .include_wip_since("2020-01-01")
        .provider_branch(branch)
        .build()
    )
    verifier.set_publish_options(version=version, branch=branch)
    try:
        verifier.verify()
    except RuntimeError:
        pass  # a failing non-pending pact; the results are what we check


def can_i_deploy(cli, broker: str, *args: str) -> tuple[int, str]:
    command = [RUST_PACT, "broker", "can-i-deploy"] if cli == "rust" else [RUBY_PACT_BROKER, "can-i-deploy"]
    code, stdout, stderr = run_cli([*command, "--broker-base-url", broker, *args])
    return code, stdout + stderr


@pytest.fixture
def scenario(transactional_db, td, tmp_path):
    """Web 0.9 is in production; 1.0 is on main; 1.1 is on feat-y with an extra interaction."""
    from contracts.services.publication import contracts_publish, prepare_contract

    def publish(version: str, branch: str, variant: str = "") -> None:
        prepared = prepare_contract(order_pact("Web", variant=variant), consumer_name="Web", provider_name="API")
        contracts_publish(pacticipant_name="Web", version_number=version, branch=branch, contracts=[prepared])

    publish("0.9", "main")
    td.deploy("Web", "0.9", to="production")
    publish("1.0", "main")
    publish("1.1", "feat-y", variant="y")
    return td


def test_the_verifier_and_both_clis_gate_releases_through_accord(scenario, live_broker, tmp_path):
    correct = Provider("correct", tmp_path)
    broken = Provider("broken", tmp_path)
    try:
        verify(live_broker, correct.url, "2.0")
        results = sorted(Verification.objects.filter(provider_version__number="2.0").values_list("success", "wip"))
        # One content for main and production (0.9 and 1.0 share it), one for feat-y.
        assert results == [(True, False), (True, False)], results

        scenario.deploy("API", "2.0", to="production")
        for cli in ("rust", "ruby"):
            code, output = can_i_deploy(
                cli, live_broker, "--pacticipant", "API", "--version", "2.0", "--to-environment", "production"
            )
            assert code == 0, output  # true

        verify(live_broker, broken.url, "2.1")
        assert not Verification.objects.get(
            provider_version__number="2.1", wip=False, contract__publications__consumer_version__number="1.0"
        ).success
        for cli in ("rust", "ruby"):
            code, output = can_i_deploy(
                cli, live_broker, "--pacticipant", "API", "--version", "2.1", "--to-environment", "production"
            )
            assert code == 1 and "failed" in output.lower(), output  # false

        # A consumer version with new, unverified content: unknown until a provider verifies it.
        from contracts.services.publication import contracts_publish, prepare_contract

        prepared = prepare_contract(order_pact("Web", variant="z"), consumer_name="Web", provider_name="API")
        contracts_publish(pacticipant_name="Web", version_number="1.2", branch="feat-z", contracts=[prepared])
        for cli in ("rust", "ruby"):
            code, output = can_i_deploy(
                cli,
                live_broker,
                "--pacticipant",
                "Web",
                "--version",
                "1.2",
                "--to-environment",
                "production",
                "--retry-while-unknown",
                "1",
                "--retry-interval",
                "1",
            )
            assert code == 1 and "no verified pact" in output.lower(), output  # unknown, still after a retry
            code, output = can_i_deploy(
                cli,
                live_broker,
                "--pacticipant",
                "Web",
                "--version",
                "1.2",
                "--to-environment",
                "production",
                "--ignore",
                "API",
            )
            assert code == 0, output  # ignoring the provider
            code, output = can_i_deploy(
                cli, live_broker, "--pacticipant", "Web", "--branch", "main", "--to-environment", "production"
            )
            assert code == 0, output  # main's head (1.0) was verified by 2.0, which is in production
    finally:
        correct.stop()
        broken.stop()
