"""Teams, their members and the applications they own."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from access.models import Account, ApplicationOwner, Membership, Team
from access.services._names import check_name
from contracts import access
from contracts.exceptions import InvalidInput
from contracts.models import Pacticipant
from contracts.services.transactions import atomic_with_retry


@atomic_with_retry
def team_create(*, name: str) -> Team:
    """A new team, with no members and no applications yet."""
    check_name(name)
    access.write("team.create", f"team {name}", admin=True, details={"team": name})
    try:
        with transaction.atomic():
            return Team.objects.create(name=name)
    except IntegrityError:
        raise InvalidInput({"name": [f"a team named '{name}' already exists"]}) from None


@atomic_with_retry
def team_delete(*, team: Team) -> None:
    """Delete a team: its applications become unowned, its members stay (in other teams)."""
    access.write("team.delete", f"team {team.name}", admin=True, details={"team": team.name})
    team.delete()


@atomic_with_retry
def team_member_add(*, team: Team, account: Account) -> bool:
    """Put an account in a team; False when it already was."""
    access.write("team.member_add", f"account {account.name} in team {team.name}", admin=True,
                 details={"team": team.name, "account": account.name})  # fmt: skip
    _, created = Membership.objects.get_or_create(team=team, account=account)
    return created


@atomic_with_retry
def team_member_remove(*, team: Team, account: Account) -> bool:
    """Take an account out of a team; False when it was not in it."""
    access.write("team.member_remove", f"account {account.name} in team {team.name}", admin=True,
                 details={"team": team.name, "account": account.name})  # fmt: skip
    deleted, _ = Membership.objects.filter(team=team, account=account).delete()
    return bool(deleted)


@atomic_with_retry
def team_application_add(*, team: Team, pacticipant: Pacticipant) -> str | None:
    """Make the team own an application (taking it from the team that owned it, whose name
    is returned)."""
    owner = ApplicationOwner.objects.select_for_update().select_related("team").filter(pacticipant=pacticipant).first()
    previous = owner.team.name if owner is not None else None
    details = {"team": team.name, "application": pacticipant.name, "previousTeam": previous}
    access.write("team.application_add", f"application {pacticipant.name} owned by team {team.name}", admin=True,
                 details=details)  # fmt: skip
    if owner is None:
        ApplicationOwner.objects.create(pacticipant=pacticipant, team=team)
    elif owner.team_id != team.id:
        owner.team = team
        owner.save(update_fields=["team"])
    return previous


@atomic_with_retry
def team_application_remove(*, team: Team, pacticipant: Pacticipant) -> bool:
    """The application is no longer the team's (it becomes unowned); False when it was not."""
    access.write("team.application_remove", f"application {pacticipant.name} owned by team {team.name}",
                 admin=True, details={"team": team.name, "application": pacticipant.name})  # fmt: skip
    deleted, _ = ApplicationOwner.objects.filter(team=team, pacticipant=pacticipant).delete()
    return bool(deleted)
