"""Live runs after deployments and releases (subscribers of contracts' events).

A deployment or release of the provider, or of one of its consumers, into an environment
with a live target starts a run there after ACCORD_DRIFT_SETTLE_SECONDS (the new version
needs a moment to take traffic). A run already waiting for that target absorbs the new
trigger rather than adding another.
"""

from __future__ import annotations

from django.conf import settings

from contracts.events import DeploymentRecorded, ReleaseRecorded
from contracts.models import ContractPublication, Version
from drift.models import LiveRun, LiveTarget
from drift.services.runs import live_run_queue
from drift.services.targets import in_maintenance


def _targets_for(version: Version, environment_id: int):
    """Targets in the environment of the version's pacticipant, or of providers it has pacts with."""
    providers = set(
        ContractPublication.objects.filter(consumer_version=version, is_current=True).values_list(
            "provider_id", flat=True
        )
    )
    providers.add(version.pacticipant_id)
    return LiveTarget.objects.filter(environment_id=environment_id, provider_id__in=providers).select_related(
        "provider", "environment"
    )


def _start(version: Version, environment_id: int, trigger: str, what: str) -> None:
    for target in _targets_for(version, environment_id):
        if in_maintenance(target):
            continue
        # A run already waiting out a settle delay will see this change too.
        waiting = LiveRun.objects.filter(
            target=target,
            status=LiveRun.Status.QUEUED,
            trigger__in=[LiveRun.Trigger.DEPLOYMENT, LiveRun.Trigger.RELEASE],
        ).exists()
        if waiting:
            continue
        live_run_queue(target=target, trigger=trigger, detail=what, delay=settings.ACCORD_DRIFT_SETTLE_SECONDS)


def live_runs_for_deployment(event: DeploymentRecorded) -> None:
    deployed = event.deployed_version
    version = deployed.version
    what = f"{version.pacticipant.name} {version.number} deployed to {deployed.environment.name}"
    _start(version, deployed.environment_id, LiveRun.Trigger.DEPLOYMENT, what)


def live_runs_for_release(event: ReleaseRecorded) -> None:
    released = event.released_version
    version = released.version
    what = f"{version.pacticipant.name} {version.number} released to {released.environment.name}"
    _start(version, released.environment_id, LiveRun.Trigger.RELEASE, what)
