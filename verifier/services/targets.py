"""Verification targets: where a provider build can be verified, so events can start runs."""

from __future__ import annotations

from typing import Any

from contracts.exceptions import InvalidInput
from contracts.models import Pacticipant
from contracts.services.transactions import atomic_with_retry
from verifier.models import VerificationTarget


def validate_url(value: Any, field: str, *, required: bool) -> str | None:
    """An absolute http(s) URL of at most 2048 characters (None when optional and absent)."""
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")) or len(value) > 2048:
        raise InvalidInput({field: ["must be an absolute http(s) URL"]})
    return value


def validate_headers(value: Any) -> dict[str, str]:
    """Header names to string values (sent to the provider; redacted wherever shown)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidInput({"headers": ["must be an object of string header names to string values"]})
    return value


def _target_fields(data: Any) -> dict:
    if not isinstance(data, dict):
        raise InvalidInput({"body": ["must be a JSON object"]})
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidInput({"enabled": ["must be true or false"]})
    return {
        "base_url": validate_url(data.get("baseUrl"), "baseUrl", required=True),
        "state_change_url": validate_url(data.get("stateChangeUrl"), "stateChangeUrl", required=False),
        "headers": validate_headers(data.get("headers")),
        "enabled": enabled,
    }


@atomic_with_retry
def verification_target_put(*, provider: Pacticipant, name: str, data: Any) -> tuple[VerificationTarget, bool]:
    """Create or replace a provider's named target; returns (target, created)."""
    return VerificationTarget.objects.update_or_create(provider=provider, name=name, defaults=_target_fields(data))


@atomic_with_retry
def verification_target_delete(*, target: VerificationTarget) -> None:
    """Delete a target; runs it started keep their history (their target link is cleared)."""
    target.delete()
