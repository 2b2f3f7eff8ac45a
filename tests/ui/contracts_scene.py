"""Data for the contract, diff, verification result and run pages: real pacts written by
pact-python (tests/unit/pacts), verifications with per-interaction testResults as the
verifiers publish them, and a finished verification run as Accord's worker records it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from contracts.models import Contract
from contracts.services import verifications
from tests.builders import TestData

PACTS = Path(__file__).resolve().parents[1] / "unit" / "pacts"
V2_HTTP = "pact-python-v2-V2HttpConsumer-V2HttpProvider.json"
V3_HTTP = "pact-python-v3-V3HttpConsumer-V3HttpProvider.json"
V3_MESSAGE = "pact-python-v3-V3MessageConsumer-V3MessageProvider.json"
V4_MIXED = "pact-python-v4-V4MixedConsumer-V4MixedProvider.json"

# A v4 plugin interaction (the protobuf plugin's shape): its markup is what people read.
PLUGIN_INTERACTION = {
    "type": "Synchronous/Messages",
    "description": "a gRPC request for a user's address",
    "pluginConfiguration": {"protobuf": {"descriptorKey": "a1b2c3", "service": "Users/GetAddress"}},
    "interactionMarkup": {
        "markupType": "COMMON_MARK",
        "markup": "```protobuf\nmessage AddressRequest {\n  string user_id = 1;\n}\n```\n",
    },
    "request": {"contents": {"content": "CgM3ODk=", "contentType": "application/protobuf", "encoded": "base64"}},
    "response": [{"contents": {"content": "CgZCZXJsaW4=", "contentType": "application/protobuf", "encoded": "base64"}}],
}


def pact(name: str, consumer: str, provider: str) -> dict:
    """One of pact-python's pacts, renamed to the given pair."""
    doc = json.loads((PACTS / name).read_text())
    doc["consumer"] = {"name": consumer}
    doc["provider"] = {"name": provider}
    return doc


def rich_pact(consumer: str, provider: str) -> dict:
    """Every interaction kind: v4 HTTP, asynchronous and synchronous messages, a plugin one,
    with provider states and their parameters, matching rules and generators."""
    doc = pact(V4_MIXED, consumer, provider)
    doc["interactions"].append(copy.deepcopy(PLUGIN_INTERACTION))
    return doc


def big_pact(consumer: str, provider: str, count: int, *, variant: str = "") -> dict:
    """A v3 pact with `count` HTTP interactions, each with rules (the benchmark's 500-interaction pact)."""
    interactions = [
        {
            "description": f"a request for order {n}",
            "providerStates": [{"name": "an order exists", "params": {"id": n}}],
            "request": {"method": "GET", "path": f"/orders/{n}", "headers": {"Accept": "application/json"}},
            "response": {
                "status": 200,
                "headers": {"Content-Type": "application/json"},
                "body": {"id": n, "status": "open", "lines": [{"sku": "A-1", "quantity": 2}], "note": variant},
                "matchingRules": {"body": {"$.id": {"matchers": [{"match": "integer"}]}}},
            },
        }
        for n in range(count)
    ]
    return {
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }


def publish(td: TestData, doc: dict, version: str, *, branch: str | None = "main") -> Contract:
    td.publish(
        doc["consumer"]["name"], version, provider=doc["provider"]["name"], content=json.dumps(doc), branch=branch
    )
    assert td.contract is not None
    return td.contract


def test_results(contract: Contract, failing: dict[str, list[dict]] | None = None) -> list[dict]:
    """testResults as the Rust verifier publishes them, one per interaction of the stored pact
    (matched by the `_id` the broker gave it); `failing` maps a description to its mismatches."""
    failing = failing or {}
    document = json.loads(contract.document)
    results = []
    for key in ("interactions", "messages"):
        for element in document.get(key) or []:
            description = element["description"]
            entry: dict[str, Any] = {
                "interactionId": element["_id"],
                "interactionDescription": description,
                "success": description not in failing,
            }
            if description in failing:
                entry["mismatches"] = failing[description]
            results.append(entry)
    return results


NAME_MISMATCH = [
    {"attribute": "body", "identifier": "$.name", "description": "Expected 'Alice' (String) but received 42 (Integer)"},
    {"attribute": "status", "description": "expected 200 but was 500"},
]


def verify(
    contract: Contract,
    provider_version: str,
    *,
    failing: dict[str, list[dict]] | None = None,
    build_url: str | None = "https://ci.example.com/builds/812",
):
    """A published verification with per-interaction results and who verified it."""
    return verifications.verification_record(
        contract=contract,
        provider_version_number=provider_version,
        success=not failing,
        build_url=build_url,
        test_results=test_results(contract, failing),
        verified_by={"implementation": "Pact-Rust", "version": "1.2.5"},
    )


def verification_run(contract: Contract, provider_version: str, *, verification=None, failing: str = ""):
    """A finished run of a provider build, as the worker records it (raw pact_ffi mismatches)."""
    from django.utils import timezone

    from verifier.models import InteractionResult, VerificationRun, VerificationRunPact

    now = timezone.now()
    run = VerificationRun.objects.create(
        provider=contract.provider,
        provider_version_number=provider_version,
        provider_version_branch="main",
        base_url="https://deploy:s3cret-token@orders-review.example.com",
        trigger="contract_requiring_verification_published",
        status=VerificationRun.Status.FAILED if failing else VerificationRun.Status.SUCCEEDED,
        attempts=1,
        started_at=now,
        finished_at=now,
        log="Verifying a pact between web-shop and orders-api\n  a request for user 123 (0s loading, 12ms verification)\n"
        "    returns a response which\n      has status code 200 (FAILED)\n"
        "Authorization: ********\n1 pact(s) verified; 1 failed",
    )
    run_pact = VerificationRunPact.objects.create(
        run=run,
        contract=contract,
        short_description=f"latest from branch main of {contract.consumer.name}",
        success=not failing,
        verification=verification,
    )
    for element in json.loads(contract.document)["interactions"]:
        failed = element["description"] == failing
        InteractionResult.objects.create(
            run_pact=run_pact,
            interaction_id=element.get("_id"),
            description=element["description"],
            success=not failed,
            mismatches=[
                {
                    "type": "BodyMismatch",
                    "path": "$.name",
                    "expected": '"Alice"',
                    "actual": "42",
                    "mismatch": "Expected 'Alice' (String) but received 42 (Integer)",
                },
                {
                    "type": "HeaderMismatch",
                    "key": "Content-Type",
                    "expected": "application/json",
                    "actual": "text/html",
                    "mismatch": "Mismatch with header 'Content-Type'",
                },
            ]
            if failed
            else [],  # fmt: skip
        )
    return run
