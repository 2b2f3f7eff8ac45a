"""Celery entry points for verification runs: take an id, call a service. Names are
explicit so renames never strand queued messages."""

from __future__ import annotations

from celery import shared_task

from verifier.services import runs


@shared_task(name=runs.RUN_TASK, ignore_result=True, acks_late=True)
def verification_run_task(verification_run_id: int) -> str:
    return runs.verification_run_execute(run_id=verification_run_id)


@shared_task(name="verifier.verification_runs_reap", ignore_result=True)
def verification_runs_reap_task() -> dict:
    return runs.verification_runs_reap()
