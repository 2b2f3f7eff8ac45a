from django.apps import AppConfig


class VerifierConfig(AppConfig):
    name = "verifier"
    verbose_name = "Verifier"

    def ready(self) -> None:
        # contracts/ raises the event without knowing verification targets exist, and
        # counts runs for GET /metrics through its registry (contracts imports no other app).
        from contracts import events
        from contracts.metrics import register_count
        from verifier.models import VerificationRun
        from verifier.services.runs import verification_runs_for_publication

        events.subscribe(events.ContractRequiringVerificationPublished, verification_runs_for_publication)
        register_count("verificationRuns", VerificationRun, help="Verification runs, by status.", by="status")
