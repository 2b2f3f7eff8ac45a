"""Celery entry points of the audit log (an explicit name: renames never strand messages)."""

from __future__ import annotations

from celery import shared_task

from audit.services import audit_prune


@shared_task(name="audit.prune", ignore_result=True)
def audit_prune_task() -> int:
    return audit_prune()
