"""The permission check every write passes (registered with contracts.access in AccessConfig).

The rules (README, "Access control"; tests/access/test_access_table.py pins them):

- No actor (a worker, a management command): the system's own write, allowed.
- The admin scope (admin tokens, the basic-auth read-write user, everyone on an open
  broker) allows every write, restricted environments included: an admin could lift the
  restriction anyway, so binding admins would only be friction.
- Administrative writes (webhooks, environments, teams, accounts, tokens, restrictions,
  secrets, deleting everything) need the admin scope.
- Other writes need the write scope, and for each application the write names that a team
  owns, membership of that team. An application no team owns is writable by every writer.
- Deployments and releases (recording or ending them, or a tag named like the environment,
  which records a deployment) into a restricted environment need membership of one of the
  teams it allows. Live targets there are the provider's, as anywhere.

Every refusal is access.Forbidden (a 403) whose message names the missing permission.
"""

from __future__ import annotations

from access import selectors
from access.naming import who
from contracts import access

# What an administrative write is, in words, by the object its action names.
PURPOSES = {
    "webhook": "managing webhooks",
    "environment": "managing environments",
    "environment_restriction": "managing environment restrictions",
    "team": "managing teams",
    "account": "managing accounts",
    "token": "managing tokens",
    "secret": "managing secrets",
    "integrations": "deleting every integration",
    "versions": "cleaning old versions",  # the clean (contracts/services/clean.py)
    "webhook_deliveries": "pruning webhook deliveries",
}
# Writes that a restricted environment limits to its teams: deployments and releases, and a
# tag named like the environment (it records a deployment there).
RESTRICTED_OBJECTS = ("deployment", "release", "tag")


def purpose(action: str) -> str:
    """'managing webhooks' for 'webhook.create'."""
    return PURPOSES.get(action.split(".", 1)[0], f"'{action}'")


def require_admin(actor: access.Actor | None, what: str) -> None:
    """Refuse unless the actor has the admin scope (no actor: the system's own)."""
    if actor is not None and "admin" not in actor.scopes:
        raise access.Forbidden(f"Forbidden: {who(actor)} lacks the admin scope: {what} needs an admin")


def permission_check(actor: access.Actor | None, write: access.Write) -> None:
    """contracts.access handler: refuse a write the actor has no permission for."""
    if actor is None or "admin" in actor.scopes:
        return
    if write.admin:
        require_admin(actor, purpose(write.action))
    if "write" not in actor.scopes:
        raise access.Forbidden(f"Forbidden: {who(actor)} lacks the write scope: {write.action} needs write access")
    restricted = write.environment is not None and write.action.split(".", 1)[0] in RESTRICTED_OBJECTS
    owners = selectors.owners_of(write.applications)
    if not owners and not restricted:
        return  # the usual case before teams: one query
    teams = selectors.team_ids_of(actor.account_id)
    for application in write.applications:
        team = owners.get(application)
        if team is not None and team.id not in teams:
            raise access.Forbidden(
                f"Forbidden: {who(actor)} has no write permission on application '{application}' "
                f"(owned by team '{team.name}')"
            )
    if restricted:
        allowed = selectors.restriction_of(write.environment)
        if allowed is not None and not any(team.id in teams for team in allowed):
            names = ", ".join(f"'{team.name}'" for team in allowed)
            limited = f"to team(s) {names} and admins" if allowed else "to admins"
            raise access.Forbidden(
                f"Forbidden: {who(actor)} may not record deployments or releases in environment "
                f"'{write.environment}': it is restricted {limited}"
            )
