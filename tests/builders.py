"""A fluent builder for scenarios: publish, verify, deploy, release.

    td.publish("Web", "1.0", provider="API", branch="main").verify("2.0", success=True)
      .deploy("API", "2.0", to="prod")

Each step goes through the real services, so the data is exactly what the API writes.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from contracts.models import Contract, Environment, Pacticipant, Version
from contracts.services import deployments, verifications
from contracts.services.publication import PreparedContract, contracts_publish, prepare_contract
from contracts.services.versions import version_find_or_create


def interaction(
    description: str = "a request for an order",
    *,
    path: str = "/orders/1",
    status: int = 200,
    body: Any = None,
    state: str | None = None,
) -> dict:
    """One pact-spec-2 HTTP interaction."""
    item: dict[str, Any] = {
        "description": description,
        "request": {"method": "GET", "path": path},
        "response": {
            "status": status,
            "headers": {"Content-Type": "application/json"},
            "body": body if body is not None else {"id": 1},
        },
    }
    if state:
        item["providerState"] = state
    return item


def publish_body(consumer: str, version: str, provider: str = "Provider", **fields: Any) -> dict:
    """A POST /contracts/publish body with one pact (tests.builders.pact_json) for `provider`."""
    content = base64.b64encode(pact_json(consumer, provider).encode()).decode()
    contract = {
        "consumerName": consumer,
        "providerName": provider,
        "specification": "pact",
        "contentType": "application/json",
        "content": content,
    }
    return {"pacticipantName": consumer, "pacticipantVersionNumber": version, "contracts": [contract], **fields}


def pact_document(consumer: str, provider: str, *, interactions: list[dict] | None = None, variant: str = "") -> dict:
    """A valid pact; a different `variant` gives different content."""
    items = (
        interactions
        if interactions is not None
        else [interaction(body={"id": 1, "variant": variant} if variant else None)]
    )
    return {
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": items,
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    }


def pact_json(consumer: str, provider: str, **kwargs: Any) -> str:
    return json.dumps(pact_document(consumer, provider, **kwargs))


class TestData:
    """Builds scenarios step by step; remembers the last consumer version and contract."""

    __test__ = False  # not a test class, despite the name

    def __init__(self) -> None:
        self.consumer_version: Version | None = None
        self.contract: Contract | None = None
        self.contracts: dict[tuple[str, str, str], Contract] = {}

    def publish(
        self,
        consumer: str,
        version: str,
        *,
        provider: str = "Provider",
        branch: str | None = None,
        tags: list[str] | None = None,
        variant: str = "",
        content: str | None = None,
        providers: list[str] | None = None,
    ) -> TestData:
        prepared: list[PreparedContract] = [
            prepare_contract(
                content or pact_json(consumer, name, variant=variant), consumer_name=consumer, provider_name=name
            )
            for name in (providers or [provider])
        ]
        result = contracts_publish(
            pacticipant_name=consumer, version_number=version, branch=branch, tags=tags, contracts=prepared
        )
        self.consumer_version = result.version
        for published in result.contracts:
            contract = published.publication.contract
            self.contracts[(consumer, version, published.publication.provider.name)] = contract
            self.contract = contract
        return self

    def verify(
        self,
        provider_version: str,
        *,
        success: bool = True,
        contract: Contract | None = None,
        branch: str | None = None,
    ) -> TestData:
        target = contract or self.contract
        assert target is not None, "publish something before verifying it"
        if branch:
            self.branch(target.provider.name, provider_version, branch)
        verifications.verification_record(contract=target, provider_version_number=provider_version, success=success)
        return self

    def version(self, pacticipant: str, number: str) -> Version:
        owner, _ = Pacticipant.objects.get_or_create(name=pacticipant)
        version, _ = version_find_or_create(pacticipant=owner, number=number)
        return version

    def branch(self, pacticipant: str, number: str, branch: str) -> TestData:
        from contracts.services.versions import branch_version_add

        branch_version_add(version=self.version(pacticipant, number), branch_name=branch)
        return self

    def environment(self, name: str, *, production: bool = False) -> Environment:
        environment, _ = Environment.objects.get_or_create(name=name, defaults={"production": production})
        return environment

    def deploy(self, pacticipant: str, number: str, *, to: str, target: str | None = None) -> TestData:
        deployments.deployment_record(
            version=self.version(pacticipant, number), environment=self.environment(to), target=target
        )
        return self

    def release(self, pacticipant: str, number: str, *, to: str) -> TestData:
        deployments.release_record(version=self.version(pacticipant, number), environment=self.environment(to))
        return self


def drift_incident(
    consumer: str,
    provider: str,
    environment: str = "production",
    *,
    status: str = "open",
    production: bool = True,
    consumer_version: str = "1.0",
    provider_version: str = "2.0",
    mismatches: list[dict] | None = None,
):
    """An unresolved (or resolved) drift incident, as the live runner leaves one: the
    provider's live target in the environment (through the service), the drifted run, and
    the incident row. For tests that need an incident, not the runner that finds it."""
    from django.utils import timezone

    from drift.models import DriftIncident, LiveRun, LiveTarget
    from drift.plan import interaction_key
    from drift.services.targets import live_target_put

    env, _ = Environment.objects.get_or_create(name=environment, defaults={"production": production})
    consumer_row, _ = Pacticipant.objects.get_or_create(name=consumer)
    provider_row, _ = Pacticipant.objects.get_or_create(name=provider)
    target = LiveTarget.objects.filter(provider=provider_row, environment=env).first()
    if target is None:
        target, _ = live_target_put(provider=provider_row, environment=env, base_url="https://api.example.com")
    now = timezone.now()
    run = LiveRun.objects.create(
        target=target,
        provider=provider_row,
        environment=env,
        status=LiveRun.Status.DRIFTED,
        trigger=LiveRun.Trigger.SCHEDULE,
        provider_version_number=provider_version,
        started_at=now,
        finished_at=now,
    )
    description = f"a request for order {DriftIncident.objects.count() + 1}"
    return DriftIncident.objects.create(
        consumer=consumer_row,
        provider=provider_row,
        environment=env,
        target=target,
        interaction_key=interaction_key(description, []),
        description=description,
        method="GET",
        path="/orders/1",
        status=status,
        opened_at=now,
        opened_by_run=run,
        opened_by_run_uuid=run.uuid,
        mismatches=mismatches or [{"type": "body", "path": "$.name", "description": "Expected 'name' but was missing"}],
        consumer_version_number=consumer_version,
        provider_version_number=provider_version,
        resolved_at=now if status == "resolved" else None,
    )


# ---------------------------------------------------------------- drift monitoring


def live_target(provider: str, environment: str, **fields: Any):
    """A live target put through the service (the pacticipant and environment must exist)."""
    from contracts.models import Environment, Pacticipant
    from drift.services.targets import live_target_put

    values: dict[str, Any] = {"base_url": f"https://{provider.lower()}.example"} | fields
    target, _ = live_target_put(
        provider=Pacticipant.objects.get(name=provider), environment=Environment.objects.get(name=environment), **values
    )
    return target


def live_run(target, verdicts: dict | None = None, *, default: str = "passed"):
    """A finished live run of `target`, through the runner's own path: queued, claimed, and
    finished with outcomes (and incident changes) as `_finish` records them, without a provider.

    Each replayable interaction of each deployed consumer version gets `default`, or the status
    `verdicts` gives for its consumer name or (consumer, description); a failure has one mismatch.
    """
    from drift import plan
    from drift.models import LiveRun
    from drift.services import runs

    verdicts = verdicts or {}
    # The row only, no task: with a transactional database a running worker would take the
    # task and race this builder for the claim.
    run = LiveRun.objects.create(
        target=target, provider_id=target.provider_id, environment_id=target.environment_id,
        trigger="api", trigger_detail="tests.builders.live_run",
    )  # fmt: skip
    token = runs._claim(run.id)
    assert token is not None, f"could not claim live run {run.id}"
    results = []
    for publication in runs.deployed_consumer_versions(run):
        consumer = publication.consumer.name
        for item in plan.plan(
            publication.contract.document, methods=target.methods, standing_states=target.standing_states
        ):
            if not item.replayable:
                results.append(runs.Replayed(publication, item, "skipped", skip_reason=item.skip_reason))
                continue
            status = verdicts.get((consumer, item.description), verdicts.get(consumer, default))
            mismatches = [
                {"type": "body", "path": "$.id", "expected": 1, "description": "Expected $.id but it was missing"}
            ] if status == "failed" else []  # fmt: skip
            results.append(runs.Replayed(publication, item, status, mismatches))
    runs._finish(run, token, results, [f"built by tests.builders.live_run for {target.provider.name}"], [])
    run.refresh_from_db()
    return run
