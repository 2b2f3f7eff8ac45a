"""Verification targets: where a provider build can be verified, so events can start runs."""

from __future__ import annotations

from collections.abc import Mapping

from contracts.models import Pacticipant
from contracts.services.transactions import atomic_with_retry
from verifier.models import VerificationTarget


@atomic_with_retry
def verification_target_put(
    *,
    provider: Pacticipant,
    name: str,
    base_url: str,
    state_change_url: str | None = None,
    headers: Mapping[str, str] | None = None,
    enabled: bool = True,
) -> tuple[VerificationTarget, bool]:
    """Create or replace a provider's named target; returns (target, created)."""
    return VerificationTarget.objects.update_or_create(
        provider=provider,
        name=name,
        defaults={
            "base_url": base_url,
            "state_change_url": state_change_url,
            "headers": dict(headers or {}),
            "enabled": enabled,
        },
    )


@atomic_with_retry
def verification_target_delete(*, target: VerificationTarget) -> None:
    """Delete a target; runs it started keep their history (their target link is cleared)."""
    target.delete()
