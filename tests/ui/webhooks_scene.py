"""Webhooks as a team has them: CI triggers, a chat notification, a drift alert, each with
secrets (a password, secret headers, tokens in URLs) that no page may show, and deliveries
that succeeded, failed and are retrying, with their attempts' (redacted) logs."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from contracts.models import Label, Pacticipant
from webhooks.models import TriggeredWebhook, Webhook, WebhookExecution
from webhooks.services.definitions import WebhookDefinition, webhook_create

PASSWORD = "hunter2-PASSWORD-9137"
HEADER_SECRET = "tok-HEADER-SECRET-5521"
URL_TOKEN = "url-TOKEN-SECRET-7734"
URL_PASSWORD = "pw-USERINFO-SECRET-4410"
SECRETS = (PASSWORD, HEADER_SECRET, URL_TOKEN, URL_PASSWORD)


def pacticipant(name: str, *labels: str) -> Pacticipant:
    found, _ = Pacticipant.objects.get_or_create(name=name)
    for label in labels:
        Label.objects.get_or_create(pacticipant=found, name=label)
    return found


def ci_webhook(consumer: str = "web-shop", provider: str = "orders-api", url: str | None = None):
    """A webhook that triggers the provider's CI build, with every kind of secret."""
    return webhook_create(
        definition=WebhookDefinition(
            description="Trigger orders-api CI build",
            method="POST",
            url=url or f"https://ci.example.com/job/orders-api/build?token={URL_TOKEN}&branch=main",
            events=("contract_requiring_verification_published", "contract_content_changed"),
            consumer=pacticipant(consumer),
            provider=pacticipant(provider),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {HEADER_SECRET}"},
            body={"pact": "${pactbroker.pactUrl}", "consumerVersion": "${pactbroker.consumerVersionNumber}"},
            username="ci-bot",
            password=PASSWORD,
        )
    )


def chat_webhook():
    """A chat notification for failed verifications of the team's providers (a label scope)."""
    pacticipant("payments-api", "team-payments")
    return webhook_create(
        definition=WebhookDefinition(
            description="Tell #payments when a verification fails",
            method="POST",
            url=f"https://bot:{URL_PASSWORD}@chat.example.com/hooks/T024/B07",
            events=("provider_verification_failed",),
            provider_label="team-payments",
            headers={"Content-Type": "application/json", "X-Api-Key": HEADER_SECRET},
            body={"text": "${pactbroker.providerName} failed to verify ${pactbroker.consumerName}"},
        )
    )


def drift_webhook():
    """A disabled drift alert for every provider."""
    return webhook_create(
        definition=WebhookDefinition(
            description="",
            method="POST",
            url="https://alerts.example.com/v1/drift",
            events=("drift_detected", "drift_resolved", "live_target_unreachable"),
            enabled=False,
            body="drift ${pactbroker.providerName}",
        )
    )


REQUEST_LOG = (
    "POST https://ci.example.com/job/orders-api/build?token=**********&branch=main\n"
    "Content-Type: application/json\nAuthorization: **********\n\n"
    '{"pact": "https://broker.example.com/pacts/provider/orders-api/consumer/web-shop/version/2.5.0", '
    '"consumerVersion": "2.5.0"}'
)


def delivery(webhook, status: str, attempts: list[tuple[bool, int | None]], *, event: str, ago: timedelta):
    """A delivery of `webhook` with one execution per (success, HTTP status) attempt."""
    when = timezone.now() - ago
    triggered = TriggeredWebhook.objects.create(
        webhook=webhook,
        webhook_uuid=webhook.uuid,
        event_name=event,
        status=status,
        attempts_made=len(attempts),
        next_attempt_at=timezone.now() + timedelta(minutes=4) if status == "retrying" else None,
        consumer=webhook.consumer,
        provider=webhook.provider,
    )
    TriggeredWebhook.objects.filter(pk=triggered.pk).update(created_at=when)
    for number, (success, code) in enumerate(attempts, start=1):
        # Retries follow the schedule: a minute, then ten.
        attempted = when + timedelta(minutes=(0, 1, 11, 71)[number - 1])
        response = (
            f"HTTP/1.1 {code}\nContent-Type: application/json\n\n"
            + ('{"queued": true}' if success else '{"error": "upstream unavailable"}')
            if code
            else ""
        )
        execution = WebhookExecution.objects.create(
            triggered_webhook=triggered,
            attempt=number,
            success=success,
            status_code=code,
            request_log=REQUEST_LOG,
            response_log=response,
            error=None if success else (f"HTTP {code}" if code else "connection refused by ci.example.com"),
            duration_ms=180 + 40 * number,
        )
        WebhookExecution.objects.filter(pk=execution.pk).update(created_at=attempted)
    return triggered


def seed_webhooks() -> dict:
    """Three webhooks and five deliveries; returns the webhooks and deliveries by role."""
    ci, chat, drift = ci_webhook(), chat_webhook(), drift_webhook()
    # Made weeks ago, the CI one edited since.
    now = timezone.now()
    for webhook, made, edited in ((ci, 30, 6), (chat, 21, 21), (drift, 9, 9)):
        Webhook.objects.filter(pk=webhook.pk).update(
            created_at=now - timedelta(days=made), updated_at=now - timedelta(days=edited)
        )
        webhook.refresh_from_db()
    old = delivery(ci, "success", [(True, 200)], event="contract_content_changed", ago=timedelta(days=2))
    failed = delivery(
        ci, "failure", [(False, None), (False, 503), (True, 200)][:2], event="contract_content_changed",
        ago=timedelta(hours=5),
    )  # fmt: skip
    latest = delivery(
        ci, "success", [(False, 502), (True, 202)], event="contract_requiring_verification_published",
        ago=timedelta(minutes=40),
    )  # fmt: skip
    retrying = delivery(
        chat, "retrying", [(False, 500)], event="provider_verification_failed", ago=timedelta(minutes=3)
    )
    return {"ci": ci, "chat": chat, "drift": drift, "old": old, "failed": failed, "latest": latest,
            "retrying": retrying}  # fmt: skip


SECRET_VALUES = ("ghp_SCENE-SECRET-VALUE-1", "xoxb-SCENE-SECRET-VALUE-2", "ci-SCENE-SECRET-VALUE-3")


def seed_secrets() -> dict:
    """Three secrets as a team has them (made weeks ago, one rotated since); by name."""
    from webhooks.models import WebhookSecret
    from webhooks.services.secrets import secret_put

    now = timezone.now()
    made = {}
    for (name, description, made_days, rotated_days), value in zip(
        (
            ("GithubToken", "Fine-grained token of the orders-api-ci bot (repository_dispatch only)", 40, 3),
            ("SlackBotToken", "Posts to #payments; owned by the payments team", 21, 21),
            ("CiPassword", None, 9, 9),
        ),
        SECRET_VALUES,
        strict=True,
    ):
        secret = secret_put(name=name, description=description, value=value)
        WebhookSecret.objects.filter(pk=secret.pk).update(
            created_at=now - timedelta(days=made_days), updated_at=now - timedelta(days=rotated_days)
        )
        made[name] = secret
    return made
