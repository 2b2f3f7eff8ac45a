from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Subscribing here keeps the dependency one way: contracts/ and verifier/ raise
        # events without knowing that webhooks exist.
        from webhooks import subscribers

        subscribers.subscribe_all()
