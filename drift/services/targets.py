"""Live targets: create, replace, delete; keep each one's next scheduled slot in step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from contracts import access
from contracts.models import Environment, Pacticipant
from contracts.services.transactions import atomic_with_retry
from drift import schedule
from drift.models import DEFAULT_METHODS, LiveTarget
from verifier.http import url_origin


def next_slot(target: LiveTarget, now: datetime | None = None) -> datetime | None:
    """The target's next scheduled run (None while disabled or paused)."""
    if not target.enabled or target.paused:
        return None
    now = now or timezone.now()
    parsed = schedule.parse(target.schedule, minimum_seconds=1)
    return parsed.next_after(now, seed=str(target.uuid))


def in_maintenance(target: LiveTarget, now: datetime | None = None) -> bool:
    """Paused, or inside its maintenance window: no runs, no incidents."""
    now = now or timezone.now()
    if target.paused or not target.enabled:
        return True
    if target.maintenance_from and target.maintenance_until:
        return target.maintenance_from <= now < target.maintenance_until
    return False


@atomic_with_retry
def live_target_put(
    *,
    provider: Pacticipant,
    environment: Environment,
    base_url: str,
    headers: Mapping[str, str] | None = None,
    auth: Mapping[str, Any] | None = None,
    schedule_text: str | None = None,
    rate_limit_per_second: float | None = None,
    methods: Sequence[str] | None = None,
    standing_states: Sequence[str] | None = None,
    enabled: bool = True,
    paused: bool = False,
    maintenance_from: datetime | None = None,
    maintenance_until: datetime | None = None,
) -> tuple[LiveTarget, bool]:
    """Create or replace the provider's target in the environment; returns (target, created).

    Inputs come validated (drift/api). Replacing keeps the target's identity, history,
    incidents and back-off state; the next slot is recomputed from the new schedule.
    """
    target = LiveTarget.objects.select_for_update().filter(provider=provider, environment=environment).first()
    created = target is None
    access.write(
        "live_target.put",
        f"live target of {provider.name} in {environment.name}",
        applications=[provider.name],
        environment=environment.name,
        # Where it points and how it runs; never its headers or credentials (nor their names).
        details={
            "created": created,
            "baseUrl": url_origin(base_url),
            "enabled": enabled,
            "paused": paused,
            "schedule": schedule_text,
        },
    )
    if created:
        target = LiveTarget(provider=provider, environment=environment)
    credentials_changed = created or (target.base_url, target.headers, target.auth) != (
        base_url,
        dict(headers or {}),
        dict(auth or {}),
    )
    target.base_url = base_url
    target.headers = dict(headers or {})
    target.auth = dict(auth or {})
    target.schedule = schedule.parse(schedule_text, minimum_seconds=1).text
    target.rate_limit_per_second = rate_limit_per_second or 5.0
    target.methods = [m.upper() for m in (methods or DEFAULT_METHODS)]
    target.standing_states = list(standing_states or [])
    target.enabled = enabled
    target.paused = paused
    target.maintenance_from = maintenance_from
    target.maintenance_until = maintenance_until
    if credentials_changed:
        target.auth_problem = None  # the next run says whether the new credentials work
    target.next_run_at = next_slot(target)
    target.save()
    return target, created


@atomic_with_retry
def live_target_delete(*, target: LiveTarget) -> None:
    """Delete a target with its runs; incidents stay (their target link is cleared)."""
    provider, environment = target.provider.name, target.environment.name
    access.write(
        "live_target.delete",
        f"live target of {provider} in {environment}",
        applications=[provider],
        environment=environment,
    )
    target.delete()


def minimum_interval() -> int:
    return settings.ACCORD_DRIFT_MIN_INTERVAL_SECONDS
