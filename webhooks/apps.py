from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Subscribing here keeps the dependency one way: contracts/ and verifier/ raise
        # events without knowing that webhooks exist.
        from contracts.metrics import register_count
        from webhooks import subscribers
        from webhooks.models import TriggeredWebhook, Webhook, WebhookExecution

        subscribers.subscribe_all()
        # GET /metrics counts these through contracts' registry.
        register_count("webhooks", Webhook, help="Webhook definitions.")
        register_count("triggeredWebhooks", TriggeredWebhook, help="Webhook deliveries, by status.", by="status")
        register_count("webhookExecutions", WebhookExecution, help="Webhook delivery attempts.", counter=True)
