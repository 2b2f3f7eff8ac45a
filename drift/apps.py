from django.apps import AppConfig


class DriftConfig(AppConfig):
    name = "drift"
    verbose_name = "Drift monitoring"

    def ready(self) -> None:
        # Live checks start after deployments and releases: contracts/ raises those events
        # without knowing drift monitoring exists.
        from contracts import advisories, events
        from contracts.metrics import register_count
        from drift.advisories import drift_notices
        from drift.models import DriftIncident, LiveRun, LiveTarget
        from drift.services import triggers

        events.subscribe(events.DeploymentRecorded, triggers.live_runs_for_deployment)
        events.subscribe(events.ReleaseRecorded, triggers.live_runs_for_release)
        register_count("liveTargets", LiveTarget, help="Live targets (drift monitoring).")
        register_count("liveRuns", LiveRun, help="Live runs, by status.", by="status")
        register_count("driftIncidents", DriftIncident, help="Drift incidents, by status.", by="status")
        # The warning beside matrix and can-i-deploy answers (never a change to them).
        advisories.register(drift_notices)
