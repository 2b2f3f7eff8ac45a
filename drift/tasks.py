"""Celery entry points for drift monitoring: take an id, call a service. Names are
explicit so renames never strand queued messages."""

from __future__ import annotations

from celery import shared_task

from drift.services import runs


@shared_task(name=runs.RUN_TASK, ignore_result=True, acks_late=True)
def live_run_task(live_run_id: int) -> str:
    return runs.live_run_execute(run_id=live_run_id)


@shared_task(name="drift.tick", ignore_result=True)
def tick_task() -> dict:
    return runs.tick()


@shared_task(name="drift.live_runs_reap", ignore_result=True)
def live_runs_reap_task() -> dict:
    return runs.live_runs_reap()


@shared_task(name="drift.live_runs_prune", ignore_result=True)
def live_runs_prune_task() -> int:
    return runs.live_runs_prune()
