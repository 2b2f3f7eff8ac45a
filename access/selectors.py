"""Reads for access control: accounts, tokens, teams, owners and restrictions.

Every list is ordered by name and bounded by what an organisation has (accounts and teams
number in the hundreds, not millions); the permission check's reads are one query each.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from access.models import Account, ApplicationOwner, EnvironmentRestriction, Membership, Team, Token
from contracts.exceptions import NotFound
from contracts.models import Environment


def authentication_on() -> bool:
    """Whether requests need credentials: basic-auth users are configured, or
    ACCORD_REQUIRE_AUTH is on. Otherwise the broker is open (as the Pact Broker is) and
    bearer tokens are not looked at."""
    return bool(
        settings.ACCORD_BASIC_AUTH_USERNAME
        or settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME
        or settings.ACCORD_REQUIRE_AUTH
    )


# ---------------------------------------------------------------- accounts and tokens


def accounts_list() -> QuerySet[Account]:
    """Every account by name, with its teams and the number of its usable tokens."""
    return (
        Account.objects.order_by("name")
        .annotate(live_tokens=Count("tokens", filter=Q(tokens__revoked_at__isnull=True)))
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("team").order_by("team__name"))
        )
    )


def account_get(*, name: str) -> Account:
    """The account with this name, or NotFound."""
    account = accounts_list().filter(name=name).first()
    if account is None:
        raise NotFound(f"No account with name '{name}' found")
    return account


def account_tokens(*, account: Account) -> QuerySet[Token]:
    """The account's tokens, newest first, revoked ones included."""
    return Token.objects.filter(account=account).select_related("account").order_by("-created_at", "-id")


def token_get(*, account: Account, prefix: str) -> Token:
    """The account's token with this public prefix (its id), or NotFound."""
    token = Token.objects.select_related("account").filter(account=account, prefix=prefix).first()
    if token is None:
        raise NotFound(f"Account '{account.name}' has no token with id '{prefix}'")
    return token


def tokens_list() -> QuerySet[Token]:
    """Every token of every account, newest first."""
    return Token.objects.select_related("account").order_by("-created_at", "-id")


# ---------------------------------------------------------------- teams


@dataclass(frozen=True)
class TeamDetail:
    team: Team
    members: list[Account]
    applications: list[str]
    environments: list[str]  # restricted environments this team may deploy to


def teams_list() -> QuerySet[Team]:
    """Every team by name, with its members, applications and restricted environments."""
    return Team.objects.order_by("name").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("account").order_by("account__name")),
        Prefetch(
            "owned", queryset=ApplicationOwner.objects.select_related("pacticipant").order_by("pacticipant__name")
        ),
        Prefetch("restrictions", queryset=EnvironmentRestriction.objects.select_related("environment")),
    )


def team_detail(team: Team) -> TeamDetail:
    """A team from teams_list() as its representation shows it."""
    return TeamDetail(
        team=team,
        members=[membership.account for membership in team.memberships.all()],
        applications=[owner.pacticipant.name for owner in team.owned.all()],
        environments=sorted(restriction.environment.name for restriction in team.restrictions.all()),
    )


def team_get(*, name: str) -> Team:
    """The team with this name (prefetched as teams_list), or NotFound."""
    team = teams_list().filter(name=name).first()
    if team is None:
        raise NotFound(f"No team with name '{name}' found")
    return team


def teams_named(names: list[str]) -> list[Team]:
    """The teams with these names, in the order given, or NotFound naming the first missing."""
    found = {team.name: team for team in Team.objects.filter(name__in=names)}
    for name in names:
        if name not in found:
            raise NotFound(f"No team with name '{name}' found")
    return [found[name] for name in names]


def teams_exist() -> bool:
    return Team.objects.exists()


# ---------------------------------------------------------------- restrictions


def restrictions_list() -> QuerySet[EnvironmentRestriction]:
    """Every restricted environment by name, with its allowed teams."""
    return (
        EnvironmentRestriction.objects.select_related("environment")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("environment__name")
    )


def restriction_get(*, environment: Environment) -> EnvironmentRestriction:
    """The restriction on this environment, or NotFound (the environment is unrestricted)."""
    restriction = restrictions_list().filter(environment=environment).first()
    if restriction is None:
        raise NotFound(f"Environment '{environment.name}' is not restricted")
    return restriction


def environment_by_name(*, name: str) -> Environment:
    environment = Environment.objects.filter(name=name).first()
    if environment is None:
        raise NotFound(f"No environment with name '{name}' found")
    return environment


# ---------------------------------------------------------------- what the permission check reads


def team_ids_of(account_id: int | None) -> set[int]:
    """The ids of the teams an account belongs to (none for no account)."""
    if account_id is None:
        return set()
    return set(Membership.objects.filter(account_id=account_id).values_list("team_id", flat=True))


def owners_of(names: tuple[str, ...]) -> dict[str, Team]:
    """The owning team of each named application that has one."""
    if not names:
        return {}
    owners = ApplicationOwner.objects.filter(pacticipant__name__in=names).select_related("team", "pacticipant")
    return {owner.pacticipant.name: owner.team for owner in owners}


def restriction_of(environment_name: str) -> list[Team] | None:
    """The teams allowed in a restricted environment (maybe none), or None when it is unrestricted."""
    restriction = (
        EnvironmentRestriction.objects.filter(environment__name=environment_name)
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .first()
    )
    return None if restriction is None else list(restriction.teams.all())


def usable_token(token_id: int) -> Token | None:
    """The token, with its account, while it authenticates (not revoked, not expired, its
    account active): a web UI session signed in with it checks this on every request."""
    return Token.objects.usable().select_related("account").filter(pk=token_id).first()
