"""Reads of drift monitoring: targets, runs, incidents and their figures."""

from __future__ import annotations

from drift.models import LiveTarget


def live_target(provider_name: str, environment_name: str) -> LiveTarget | None:
    return (
        LiveTarget.objects.select_related("provider", "environment")
        .filter(provider__name=provider_name, environment__name=environment_name)
        .first()
    )
