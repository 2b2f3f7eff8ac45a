"""Verification targets: where a provider build can be verified, so events can start runs."""

from __future__ import annotations

from collections.abc import Mapping

from contracts import access
from contracts.models import Pacticipant
from contracts.services.transactions import atomic_with_retry
from verifier.http import url_origin
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
    access.write(
        "verification_target.put",
        f"verification target {name} of {provider.name}",
        applications=[provider.name],
        # Where it points; never its headers (credentials).
        details={"baseUrl": url_origin(base_url), "enabled": enabled},
    )
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
    access.write(
        "verification_target.delete",
        f"verification target {target.name} of {target.provider.name}",
        applications=[target.provider.name],
    )
    target.delete()
