"""Celery entry points: load by id, call a service. Names are explicit so renames never
strand queued messages."""

from __future__ import annotations

from celery import shared_task

from verifier.services import delivery


@shared_task(name="verifier.webhook_deliver", ignore_result=True, acks_late=True)
def webhook_deliver_task(triggered_webhook_id: int) -> str:
    return delivery.webhook_deliver(triggered_webhook_id=triggered_webhook_id)


@shared_task(name="verifier.webhooks_sweep", ignore_result=True)
def webhooks_sweep_task() -> int:
    return delivery.deliveries_sweep()


@shared_task(name="verifier.verification_run", ignore_result=True, acks_late=True)
def verification_run_task(verification_run_id: int) -> str:
    from verifier.services import runs

    return runs.verification_run_execute(run_id=verification_run_id)


@shared_task(name="verifier.verification_runs_reap", ignore_result=True)
def verification_runs_reap_task() -> dict:
    from verifier.services import runs

    return runs.verification_runs_reap()
