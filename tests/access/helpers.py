"""Helpers for access control tests: credentials, and accounts, tokens, teams and
restrictions made the way an admin makes them (through the services, as the system: no
request, no actor). The fixtures `auth_on` and `tokens_only` are in tests/conftest.py."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import READER, WRITER

__all__ = ["READER", "WRITER", "basic", "bearer", "make_token", "own", "restrict", "sign_in"]


def bearer(value: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def basic(user: tuple[str, str]) -> dict[str, str]:
    import base64

    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()}


def make_token(
    account: str,
    *scopes: str,
    name: str = "ci",
    kind: str = "system",
    teams: tuple[str, ...] = (),
    expires_at: datetime | None = None,
) -> str:
    """A token of `account` (created, with its teams, when missing): its value."""
    from access.models import Account, Team
    from access.services.accounts import account_create
    from access.services.teams import team_create, team_member_add
    from access.services.tokens import token_create

    found = Account.objects.filter(name=account).first() or account_create(name=account, kind=kind)
    for team in teams:
        team_member_add(team=Team.objects.filter(name=team).first() or team_create(name=team), account=found)
    _, value = token_create(account=found, name=name, scopes=list(scopes or ("write",)), expires_at=expires_at,
                            allow_open=True)  # fmt: skip
    return value


def own(team: str, *applications: str) -> None:
    """`team` (created when missing) owns these applications (created when missing)."""
    from access.models import Team
    from access.services.teams import team_application_add, team_create
    from contracts.models import Pacticipant

    found = Team.objects.filter(name=team).first() or team_create(name=team)
    for name in applications:
        pacticipant, _ = Pacticipant.objects.get_or_create(name=name)
        team_application_add(team=found, pacticipant=pacticipant)


def restrict(environment: str, *teams: str) -> None:
    """Only `teams` (and admins) may deploy to `environment` (created when missing)."""
    from access.models import Team
    from access.services.restrictions import restriction_put
    from access.services.teams import team_create
    from contracts.models import Environment

    found = Environment.objects.filter(name=environment).first() or Environment.objects.create(
        name=environment, production=environment == "production"
    )
    restriction_put(
        environment=found, teams=[Team.objects.filter(name=t).first() or team_create(name=t) for t in teams]
    )


def sign_in(client, username: str, password: str):
    """Sign in to the web UI through the login form (with its CSRF token) as a browser would."""
    import re

    form = client.get("/ui/login")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode()).group(1)
    return client.post("/ui/login", {"username": username, "password": password, "csrfmiddlewaretoken": csrf})
