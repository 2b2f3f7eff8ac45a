"""Drift monitoring's own events, raised from its immutable transition rows.

Each is raised once per transition (the row's unique key guarantees that a retried or
duplicated run records none twice), inside the transaction that records it; the webhooks
app turns them into `drift_detected`, `drift_resolved` and `live_target_unreachable`
deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from contracts.events import Event, default_base_url

if TYPE_CHECKING:
    from drift.models import DriftIncident, DriftTransition, LiveRun, LiveTarget


@dataclass(frozen=True, eq=False)
class DriftEvent(Event):
    transition: DriftTransition

    @property
    def links_base(self) -> str:
        return default_base_url().rstrip("/")


@dataclass(frozen=True, eq=False)
class DriftDetected(DriftEvent):
    """An incident opened: the live provider no longer does what a consumer's pact says."""

    name: ClassVar[str] = "drift_detected"

    incident: DriftIncident
    run: LiveRun


@dataclass(frozen=True, eq=False)
class DriftResolved(DriftEvent):
    """An incident resolved: the interaction passes live again."""

    name: ClassVar[str] = "drift_resolved"

    incident: DriftIncident
    run: LiveRun


@dataclass(frozen=True, eq=False)
class LiveTargetUnreachable(DriftEvent):
    """A live target stopped answering (raised once per outage, not per run)."""

    name: ClassVar[str] = "live_target_unreachable"

    target: LiveTarget
    run: LiveRun
