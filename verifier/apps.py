from django.apps import AppConfig


class VerifierConfig(AppConfig):
    name = "verifier"
    verbose_name = "Verifier"

    def ready(self) -> None:
        # GET /metrics counts these through contracts' registry (contracts imports no other app).
        from contracts.metrics import register_count
        from contracts.models import Webhook
        from verifier.models import TriggeredWebhook, VerificationRun, WebhookExecution

        register_count("webhooks", Webhook, help="Webhook definitions.")
        register_count("triggeredWebhooks", TriggeredWebhook, help="Webhook deliveries, by status.", by="status")
        register_count("webhookExecutions", WebhookExecution, help="Webhook delivery attempts.", counter=True)
        register_count("verificationRuns", VerificationRun, help="Verification runs, by status.", by="status")
