"""Sending work to the Celery workers, after the writing transaction commits.

Services queue tasks by name rather than importing the task functions (tasks sit above
services: they take ids and call them). Messages are sent only once the rows they name
have committed, and a broker outage never fails the request whose rows did commit: the
send is `robust` (logged, not raised), and the sweepers find the rows again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from celery import current_app
from django.db import transaction


def send_after_commit(
    task_name: str,
    ids: Iterable[int],
    *,
    countdown: float | None = None,
    eta: datetime | None = None,
    queue: str | None = None,
) -> None:
    """Queue `task_name(id)` for each id once the current transaction commits (now, outside one)."""
    ids = list(ids)
    if not ids:
        return

    def send() -> None:
        for item in ids:
            current_app.send_task(task_name, args=[item], countdown=countdown, eta=eta, queue=queue)

    transaction.on_commit(send, robust=True)
