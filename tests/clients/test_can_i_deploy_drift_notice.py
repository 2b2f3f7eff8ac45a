"""Both real CLIs' can-i-deploy with an open drift incident: the notice, never a new answer.

Drift monitoring is advice: with an open incident for the pair in production, the Rust
and the Ruby CLI print the drift warning and exit exactly as they do without it (0 for a
verified pair, non-zero for a failed verification).
"""

from __future__ import annotations

import pytest

from tests.builders import drift_incident

pytestmark = [pytest.mark.clients]
CLIS = ["rust", "ruby"]


@pytest.fixture
def scene(broker, td):
    """Web 1.0 in production; API 2.0 verified Web's pact, API 2.1 failed it."""
    td.environment("production", production=True)
    td.publish("Web", "1.0", provider="API", branch="main").deploy("Web", "1.0", to="production")
    td.verify("2.0", success=True).verify("2.1", success=False)
    return broker


@pytest.fixture
def can_i_deploy(scene, run_cli, rust_pact, ruby_pact_broker):
    """can_i_deploy(cli, api_version) -> (exit code, everything the CLI printed)."""

    def ask(cli: str, version: str) -> tuple[int, str]:
        command = [rust_pact, "broker", "can-i-deploy"] if cli == "rust" else [ruby_pact_broker, "can-i-deploy"]
        code, stdout, stderr = run_cli(
            [*command, "--pacticipant", "API", "--version", version, "--to-environment", "production",
             "--broker-base-url", scene]
        )  # fmt: skip
        return code, stdout + stderr

    return ask


@pytest.mark.parametrize("cli", CLIS)
def test_a_verified_pair_with_open_drift_is_still_deployable_and_the_cli_prints_the_notice(can_i_deploy, cli):
    code_before, output_before = can_i_deploy(cli, "2.0")
    assert code_before == 0, output_before
    assert "Drift monitoring" not in output_before

    incident = drift_incident("Web", "API", "production")
    code, output = can_i_deploy(cli, "2.0")

    assert code == 0, output
    assert "Drift monitoring: 1 open incident(s) between Web and API in production" in output, output
    assert f"/drift-incidents/{incident.uuid}" in output, output


@pytest.mark.parametrize("cli", CLIS)
def test_a_failed_verification_fails_exactly_as_without_the_incident(can_i_deploy, cli):
    code_before, output_before = can_i_deploy(cli, "2.1")
    assert code_before != 0, output_before

    drift_incident("Web", "API", "production")
    code, output = can_i_deploy(cli, "2.1")

    assert code == code_before, output
    assert "failed" in output.lower(), output
