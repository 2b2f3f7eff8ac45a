from django.apps import AppConfig


class VerifierConfig(AppConfig):
    name = "verifier"
    verbose_name = "Verifier"

    def ready(self) -> None:
        # contracts/ raises the event without knowing verification targets exist.
        from contracts import events
        from verifier.services.runs import verification_runs_for_publication

        events.subscribe(events.ContractRequiringVerificationPublished, verification_runs_for_publication)
