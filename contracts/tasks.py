"""Celery entry points for contracts: thin, named explicitly so renames never strand queued messages."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from contracts.services import clean


@shared_task(name="contracts.clean", ignore_result=True)
def clean_task() -> dict:
    # Stops starting batches well before the soft time limit; what is left waits for the next run.
    return clean.versions_clean_scheduled(max_seconds=settings.CELERY_TASK_SOFT_TIME_LIMIT * 0.8)
