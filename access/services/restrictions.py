"""Environment restrictions: which teams may record deployments and releases where."""

from __future__ import annotations

from access.models import EnvironmentRestriction, Team
from contracts import access
from contracts.models import Environment
from contracts.services.transactions import atomic_with_retry


@atomic_with_retry
def restriction_put(*, environment: Environment, teams: list[Team]) -> tuple[EnvironmentRestriction, bool]:
    """Restrict the environment to these teams (none: admins only), replacing any earlier
    list; returns (restriction, created)."""
    names = [team.name for team in teams]
    access.write("environment_restriction.put", f"environment {environment.name}", admin=True,
                 details={"environment": environment.name, "teams": names})  # fmt: skip
    restriction, created = EnvironmentRestriction.objects.get_or_create(environment=environment)
    restriction.teams.set(teams)
    restriction.save(update_fields=["updated_at"])
    return restriction, created


@atomic_with_retry
def restriction_delete(*, environment: Environment) -> bool:
    """Lift the restriction (any writer may deploy there again); False when there was none."""
    access.write("environment_restriction.delete", f"environment {environment.name}", admin=True,
                 details={"environment": environment.name})  # fmt: skip
    deleted, _ = EnvironmentRestriction.objects.filter(environment=environment).delete()
    return bool(deleted)
