"""A realistic broker for the browser tests and the screenshots: tens of integrations
with every status, labels, environments, deployments and an open drift incident."""

from __future__ import annotations

from contracts.models import Label, Pacticipant, Version
from contracts.services import verifications
from tests.builders import TestData, drift_incident

CONSUMERS = ["web-shop", "mobile-app", "checkout-ui", "admin-console", "partner-gateway", "reporting-job",
             "search-frontend", "email-worker"]  # fmt: skip
PROVIDERS = ["orders-api", "payments-api", "inventory-service", "customer-profile", "shipping-quotes"]
LABELS = {"orders-api": "team-orders", "payments-api": "team-payments", "web-shop": "frontend",
          "mobile-app": "frontend", "checkout-ui": "frontend"}  # fmt: skip


def seed_scene() -> None:
    """About 30 integrations: verified, failed, pending, stale and unverified ones."""
    td = TestData()
    td.environment("test")
    td.environment("production", production=True)
    n = 0
    for c, consumer in enumerate(CONSUMERS):
        for p, provider in enumerate(PROVIDERS):
            if (c + p) % 4 == 3:
                continue  # not everyone talks to everyone
            n += 1
            version = f"{c + 1}.{p}.{n}-{'a1b2c3d4e5'[n % 10]}"
            td.publish(consumer, version, provider=provider, branch="main")
            kind = n % 6
            if kind in (0, 1):
                td.verify(f"{p + 4}.2.{n}")
            elif kind == 2:
                td.verify(f"{p + 4}.2.{n}", success=False)
            elif kind == 3:
                verifications.verification_record(
                    contract=td.contract, provider_version_number=f"{p + 4}.3.{n}", success=False, pending=True
                )
            elif kind == 4:
                td.verify(f"{p + 4}.1.{n}")
                td.publish(consumer, version + ".1", provider=provider, branch="main", variant="changed")
    for name, label in LABELS.items():
        Label.objects.get_or_create(pacticipant=Pacticipant.objects.get(name=name), name=label)
    for name in ("web-shop", "mobile-app", "orders-api", "payments-api"):
        latest = Version.objects.filter(pacticipant__name=name).order_by("-id").first()
        td.deploy(name, latest.number, to="production")
    _spread_in_time()
    incident = drift_incident("admin-console", "payments-api", "production")
    type(incident.target).objects.filter(pk=incident.target_id).update(last_status="drifted")
    drift_incident("checkout-ui", "payments-api", "test", status="resolved", production=False)


def _spread_in_time() -> None:
    """Publications and results an hour to a few weeks old, as in a broker in use."""
    from datetime import timedelta

    from django.utils import timezone

    from contracts.models import ContractPublication, Integration, Verification
    from contracts.services.integration_summaries import integration_summary_refresh

    now = timezone.now()
    for n, publication in enumerate(ContractPublication.objects.order_by("id")):
        publication.created_at = now - timedelta(hours=(37 - n) * 9 + 1)
        publication.save(update_fields=["created_at"])
    for n, verification in enumerate(Verification.objects.order_by("id")):
        verification.created_at = now - timedelta(hours=(37 - n) * 7, minutes=20)
        verification.save(update_fields=["created_at"])
    for consumer_id, provider_id in Integration.objects.values_list("consumer_id", "provider_id"):
        integration_summary_refresh(consumer_id=consumer_id, provider_id=provider_id)
