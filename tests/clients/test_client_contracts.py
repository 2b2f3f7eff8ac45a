"""Accord verified against the Pact Broker clients' own consumer contract, with the real
Rust `pact verifier`, plus the test-only provider-state endpoint that makes it possible.

The contract is "Pact Broker Client V2-Pact Broker.json" (67 interactions), copied from
pact_broker-client (see tests/data/real-client-contracts/README.md). Links are built
from the Host header, so the verifier sends `Host: example.org` and the hrefs the
contract compares literally come out as http://example.org/...
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from contracts.models import DeployedVersion, Environment, Pacticipant, Verification, Version
from tests.builders import TestData
from tests.clients.conftest import ROOT, run_cli
from tests.clients.provider_states_data import (
    DEPLOY_ENV_UUID,
    DEPLOYED_VERSION_UUID,
    PRICING_REPOSITORY_URL,
    STATES,
    TEST_ENV_UUID,
    WEBHOOK_UUID,
)
from webhooks.models import Webhook
from webhooks.services.definitions import WebhookDefinition, webhook_put

pytestmark = pytest.mark.clients

CONTRACTS_DIR = Path(
    os.environ.get("ACCORD_CLIENT_CONTRACTS_DIR", Path(__file__).parents[1] / "data" / "real-client-contracts")
)
V2_CONTRACT = CONTRACTS_DIR / "Pact Broker Client V2-Pact Broker.json"
STATES_URL = "/_pact/provider_states"
JSON = "application/json"

# Interactions of a later issue (/matrix, can-i-deploy, verification results) that fail
# today, as (description, provider state). An interaction outside this list that fails,
# or one on it that passes, fails the test: the list holds exactly what really fails.
# It is empty: the 11 /matrix interactions, first listed here as known failing (/matrix
# answered 404), pass since the matrix landed.
KNOWN_FAILING: list[tuple[str, str | None]] = []
# Areas that may appear in KNOWN_FAILING: everything else (issue 3) must pass.
LATER_ISSUE_PATHS = ("/matrix", "/can-i-deploy", "/verification-results")


@dataclass
class Outcome:
    """One interaction of the contract and how it fared."""

    index: int
    description: str
    state: str | None
    request: str
    passed: bool
    mismatch: str = ""

    @property
    def key(self) -> tuple[str, str | None]:
        return self.description, self.state


def v2_contract() -> dict:
    if not V2_CONTRACT.is_file():
        pytest.fail(f"{V2_CONTRACT} not found (set ACCORD_CLIENT_CONTRACTS_DIR to the real-client-contracts folder)")
    return json.loads(V2_CONTRACT.read_text())


def _describe(mismatch: dict) -> str:
    # Status first: "expected 200 but was 404" says more than the body-type complaint it causes.
    for kind in ("StatusMismatch", "HeaderMismatch", "BodyMismatch", "BodyTypeMismatch", "QueryMismatch"):
        for item in mismatch.get("mismatches", []):
            if item.get("type") == kind:
                where = f"{item['path']}: " if item.get("path") else ""
                return where + str(item.get("mismatch", item)).replace("\n", " ")
    return str(mismatch.get("message") or mismatch)[:300]


def outcomes(contract: dict, report: dict) -> list[Outcome]:
    """Each interaction of the contract with its result from the verifier's --json report."""
    prefix = f"Verifying a pact between {contract['consumer']['name']} and {contract['provider']['name']}"
    errors = {error["interaction"]: error["mismatch"] for error in report.get("errors", [])}
    results = report["interactionResults"]
    assert [r["description"] for r in results] == [i["description"] for i in contract["interactions"]], (
        "the report does not list the contract's interactions in order"
    )
    found = []
    for index, (interaction, result) in enumerate(zip(contract["interactions"], results, strict=True)):
        state = interaction.get("providerState")
        name = (
            f"{prefix} Given {state} - {interaction['description']}"
            if state
            else (f"{prefix} - {interaction['description']}")
        )
        request = interaction["request"]
        shown = request["method"] + " " + request["path"] + (f"?{request['query']}" if request.get("query") else "")
        passed = result["result"] == "OK"
        mismatch = "" if passed else (_describe(errors[name]) if name in errors else "(no details in the report)")
        found.append(Outcome(index, interaction["description"], state, shown, passed, mismatch))
    return found


def summary(results: list[Outcome]) -> str:
    """A table of every interaction, then "N of 67 pass"."""
    known = set(KNOWN_FAILING)
    lines = ["", "Pact Broker Client V2 -> Accord"]
    for outcome in results:
        status = "PASS" if outcome.passed else ("KNOWN" if outcome.key in known else "FAIL")
        area = "later" if outcome.request.split(" ", 1)[1].startswith(LATER_ISSUE_PATHS) else "issue3"
        state = f" [{outcome.state}]" if outcome.state else ""
        request = f"{outcome.request[:70]:<70}"
        lines.append(f"{outcome.index:>2} {status:<5} {area:<6} {request} {outcome.description}{state}")
        if outcome.mismatch:
            lines.append(f"{'':>9}-> {outcome.mismatch[:400]}")
    passing = sum(outcome.passed for outcome in results)
    lines.append(f"{passing} of {len(results)} pass ({len(known)} known failing, of a later issue)")
    return "\n".join(lines)


def test_outcomes_read_the_verifier_report_and_name_the_first_mismatch():
    contract = {
        "consumer": {"name": "C"},
        "provider": {"name": "P"},
        "interactions": [
            {"description": "a get", "request": {"method": "GET", "path": "/a"}},
            {
                "description": "a get",
                "providerState": "b exists",
                "request": {"method": "GET", "path": "/b", "query": "x=1"},
            },
        ],
    }
    report = {
        "interactionResults": [{"description": "a get", "result": "OK"}, {"description": "a get", "result": "Error"}],
        "errors": [
            {
                "interaction": "Verifying a pact between C and P Given b exists - a get",
                "mismatch": {
                    "type": "mismatches",
                    "mismatches": [
                        {"type": "BodyMismatch", "path": "$.name", "mismatch": "Expected 'b' but was 'c'"},
                        {"type": "StatusMismatch", "mismatch": "expected 200 but was 404"},
                    ],
                },
            }
        ],
    }

    found = outcomes(contract, report)

    assert [(o.request, o.passed, o.mismatch) for o in found] == [
        ("GET /a", True, ""),
        ("GET /b?x=1", False, "expected 200 but was 404"),
    ]
    assert summary(found).endswith("1 of 2 pass (0 known failing, of a later issue)")


def test_known_failing_lists_only_later_issue_interactions_of_the_contract():
    interactions = {
        (i["description"], i.get("providerState")): i["request"]["path"] for i in v2_contract()["interactions"]
    }

    for key in KNOWN_FAILING:
        assert key in interactions, f"{key} is not an interaction of the contract"
        assert interactions[key].startswith(LATER_ISSUE_PATHS), f"{key} is an issue-3 interaction: it must pass"


def test_accord_satisfies_the_pact_broker_clients_v2_contract(rust_pact, broker, tmp_path, capsys):
    contract = v2_contract()
    report_path = tmp_path / "verification.json"

    code, out, err = run_cli(
        [
            rust_pact,
            "verifier",
            "--file",
            V2_CONTRACT,
            "--provider-name",
            "Pact Broker",
            "--hostname",
            "127.0.0.1",
            "--port",
            str(urlsplit(broker).port),
            "--state-change-url",
            broker + STATES_URL,
            "--state-change-teardown",
            "--header",
            "Host=example.org",
            "--no-colour",
            "--json",
            report_path,
        ],
        timeout=600,
    )

    (tmp_path / "verifier.log").write_text(out + err)
    assert report_path.is_file(), f"the verifier wrote no report (exit {code}):\n{out[-4000:]}\n{err[-4000:]}"
    results = outcomes(contract, json.loads(report_path.read_text()))
    table = summary(results)
    with capsys.disabled():
        print(table)
    failed = {outcome.key for outcome in results if not outcome.passed}
    unexpected = [outcome for outcome in results if outcome.key in failed - set(KNOWN_FAILING)]
    now_passing = set(KNOWN_FAILING) - failed
    assert not unexpected, (
        f"{len(unexpected)} interactions not on KNOWN_FAILING fail (verifier log: {tmp_path / 'verifier.log'}):\n"
        + "\n".join(f"{o.index} {o.request} - {o.description}: {o.mismatch}" for o in unexpected)
        + table
    )
    assert not now_passing, f"these now pass; take them off KNOWN_FAILING: {sorted(now_passing, key=str)}"
    assert code == (1 if failed else 0), f"verifier exit code {code}"


# --- The provider-state endpoint --------------------------------------------------------
def post_state(api, body: dict):
    return api.post(STATES_URL, body, content_type=JSON)


def set_up(api, state: str) -> None:
    response = post_state(api, {"action": "setup", "params": {}, "state": state})
    assert response.status_code == 200, response.content


def leftovers() -> None:
    """Rows in every kind of table (PROTECT-ed content included) for a setup to clear."""
    data = TestData().publish("Leftover", "1", provider="LeftoverApi", tags=["prod"], branch="main")
    data.verify("2", success=True).deploy("LeftoverApi", "2", to="leftover-env")
    data.release("Leftover", "1", to="leftover-env")
    webhook_put(
        uuid="leftover-webhook-0001", definition=WebhookDefinition(method="POST", url="https://hooks.example.org")
    )


def test_provider_states_route_does_not_exist_with_the_production_default():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="broker.settings")
    probe = (
        "import django; django.setup()\n"
        "from django.urls import Resolver404, resolve\n"
        "try:\n    resolve('/_pact/provider_states')\nexcept Resolver404:\n    print('absent')\n"
        "else:\n    print('present')\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "absent"


@pytest.mark.parametrize("state", sorted(STATES))
def test_setup_replaces_all_broker_data_with_the_states_data(api, state):
    leftovers()

    response = post_state(api, {"action": "setup", "params": {}, "state": state})

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/hal+json")
    assert response.json() == {"action": "setup", "state": state}
    assert not Pacticipant.objects.filter(name__startswith="Leftover").exists()
    assert not Webhook.objects.filter(uuid="leftover-webhook-0001").exists()
    assert not Environment.objects.filter(name="leftover-env").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"action": "teardown", "params": {}, "state": "a pacticipant with name Foo exists"},
        {"action": "setup", "params": {}, "state": ""},
        {"action": "setup", "state": None},
    ],
)
def test_teardown_and_the_empty_state_leave_an_empty_broker(api, body):
    leftovers()

    response = post_state(api, body)

    assert response.status_code == 200, response.content
    assert not Pacticipant.objects.exists()
    assert not Verification.objects.exists()
    assert not Webhook.objects.exists()


def test_unknown_state_is_a_400_naming_it_and_clears_nothing(api):
    leftovers()

    response = post_state(api, {"action": "setup", "params": {}, "state": "the moon is made of cheese"})

    assert response.status_code == 400
    assert response.json() == {"errors": {"state": ["unknown provider state 'the moon is made of cheese'"]}}
    assert Pacticipant.objects.filter(name="Leftover").exists()


def test_unknown_action_is_a_400_and_clears_nothing(api):
    leftovers()

    response = post_state(api, {"action": "explode", "state": ""})

    assert response.status_code == 400
    assert response.json() == {"errors": {"action": ["must be one of setup, teardown, got 'explode'"]}}
    assert Pacticipant.objects.filter(name="Leftover").exists()


def test_a_body_that_is_not_an_object_is_a_400_and_clears_nothing(api):
    leftovers()

    response = api.post(STATES_URL, ["setup"], content_type=JSON)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]
    assert Pacticipant.objects.filter(name="Leftover").exists()


def test_states_can_come_in_the_query_string(api):
    leftovers()

    response = api.post(f"{STATES_URL}?action=setup&state=a+pacticipant+with+name+Foo+exists", "", content_type=JSON)

    assert response.status_code == 200, response.content
    assert list(Pacticipant.objects.values_list("name", flat=True)) == ["Foo"]


def test_states_use_the_uuids_the_contract_puts_in_its_paths(api):
    set_up(api, "a currently deployed version exists")
    deployed = DeployedVersion.objects.select_related("environment").get()
    assert (str(deployed.uuid), str(deployed.environment.uuid)) == (DEPLOYED_VERSION_UUID, DEPLOY_ENV_UUID)
    assert deployed.undeployed_at is None

    set_up(
        api,
        "an version is deployed to environment with UUID 16926ef3-590f-4e3f-838e-719717aa88c9 with target customer-1",
    )
    deployed = DeployedVersion.objects.select_related("environment").get()
    assert (str(deployed.uuid), str(deployed.environment.uuid), deployed.target) == (
        DEPLOYED_VERSION_UUID,
        TEST_ENV_UUID,
        "customer-1",
    )

    set_up(api, "a webhook with the uuid 696c5f93-1b7f-44bc-8d03-59440fcaa9a0 exists")
    assert list(Webhook.objects.values_list("uuid", flat=True)) == [WEBHOOK_UUID]


def test_pricing_service_state_has_its_repository_url_and_a_version(api):
    set_up(api, "the 'Pricing Service' already exists in the pact-broker")

    assert Pacticipant.objects.get().repository_url == PRICING_REPOSITORY_URL
    assert list(Version.objects.values_list("number", flat=True)) == ["1.3.0"]
