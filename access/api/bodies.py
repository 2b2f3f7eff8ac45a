"""What the access API answers: accounts, tokens, teams and restrictions as HAL, and the
shapes the OpenAPI document declares for them. A token's value appears in one answer only:
the one that created it."""

from __future__ import annotations

from access.models import Account, EnvironmentRestriction, Team, Token
from access.selectors import team_detail
from contracts.api.links import Links, Placeholder
from contracts.api.schema import BOOLEAN, STRING, TIMESTAMP, collection, hal
from contracts.api.timestamps import iso

NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
NAMES = {"type": "array", "items": STRING}


def curies(links: Links) -> list[dict]:
    docs = links.route("doc", rel=Placeholder("rel")) + "?context=index"
    return [{"name": "accord", "href": docs, "templated": True}]


def account_body(account: Account, links: Links) -> dict:
    """An account, with the teams it is in and how many of its tokens are not revoked."""
    return {
        "name": account.name,
        "kind": account.kind,
        "displayName": account.display_name,
        "email": account.email,
        "active": account.active,
        "teams": [membership.team.name for membership in account.memberships.all()],
        "liveTokens": getattr(account, "live_tokens", None) or 0,
        "createdAt": iso(account.created_at),
        "_links": {
            "self": links.link("access-account", {"account": account.name}, title="Account", name=account.name),
            "accord:tokens": links.link("access-account-tokens", {"account": account.name}, title="Its tokens"),
            "accord:accounts": links.link("access-accounts", title="Accounts"),
            "curies": curies(links),
        },
    }


def accounts_body(accounts, links: Links) -> dict:
    return {
        "_embedded": {"accounts": [account_body(account, links) for account in accounts]},
        "_links": {
            "self": links.link("access-accounts", title="Accounts"),
            "accord:teams": links.link("access-teams", title="Teams"),
            "curies": curies(links),
        },
    }


def token_body(token: Token, links: Links, *, value: str | None = None) -> dict:
    """A token without its value; `value` only in the answer that created it."""
    account = token.account.name
    body: dict = {
        "id": token.prefix,
        "name": token.name,
        "account": account,
        "scopes": list(token.scopes),
        "status": token.status(),
        "createdAt": iso(token.created_at),
        "createdBy": token.created_by,
        "expiresAt": iso(token.expires_at),
        "lastUsedAt": iso(token.last_used_at),
        "revokedAt": iso(token.revoked_at),
    }
    if token.revoked_by:
        body["revokedBy"] = token.revoked_by
    if value is not None:
        body["token"] = value
    body["_links"] = {
        "self": links.link(
            "access-account-token", {"account": account, "token": token.prefix}, title="Token", name=token.name
        ),  # fmt: skip
        "accord:account": links.link("access-account", {"account": account}, title="Account", name=account),
        "accord:tokens": links.link("access-account-tokens", {"account": account}, title="The account's tokens"),
        "curies": curies(links),
    }
    return body


def tokens_body(account: Account, tokens, links: Links) -> dict:
    return {
        "_embedded": {"tokens": [token_body(token, links) for token in tokens]},
        "_links": {
            "self": links.link("access-account-tokens", {"account": account.name}, title="Tokens"),
            "accord:account": links.link("access-account", {"account": account.name}, title="Account"),
            "curies": curies(links),
        },
    }


def team_body(team: Team, links: Links) -> dict:
    """A team (from teams_list: prefetched) with its members, applications and the
    restricted environments it may record deployments and releases in."""
    detail = team_detail(team)
    return {
        "name": team.name,
        "members": [account.name for account in detail.members],
        "applications": detail.applications,
        "environments": detail.environments,
        "createdAt": iso(team.created_at),
        "_links": {
            "self": links.link("access-team", {"team": team.name}, title="Team", name=team.name),
            "accord:teams": links.link("access-teams", title="Teams"),
            "curies": curies(links),
        },
    }


def teams_body(teams, links: Links) -> dict:
    return {
        "_embedded": {"teams": [team_body(team, links) for team in teams]},
        "_links": {
            "self": links.link("access-teams", title="Teams"),
            "accord:restrictions": links.link("access-restrictions", title="Restricted environments"),
            "curies": curies(links),
        },
    }


def restriction_body(restriction: EnvironmentRestriction, links: Links) -> dict:
    environment = restriction.environment.name
    return {
        "environment": environment,
        "teams": [team.name for team in restriction.teams.all()],
        "createdAt": iso(restriction.created_at),
        "updatedAt": iso(restriction.updated_at),
        "_links": {
            "self": links.link(
                "access-restriction", {"environment": environment}, title="Restriction", name=environment
            ),  # fmt: skip
            "pb:environment": links.link("environment", {"uuid": restriction.environment.uuid}, title="Environment"),
            "accord:restrictions": links.link("access-restrictions", title="Restricted environments"),
            "curies": curies(links),
        },
    }


def restrictions_body(restrictions, links: Links) -> dict:
    return {
        "_embedded": {"restrictions": [restriction_body(restriction, links) for restriction in restrictions]},
        "_links": {
            "self": links.link("access-restrictions", title="Restricted environments"),
            "accord:teams": links.link("access-teams", title="Teams"),
            "curies": curies(links),
        },
    }


# ---------------------------------------------------------------- shapes for the OpenAPI document

ACCOUNT = hal(
    {
        "name": STRING,
        "kind": {"type": "string", "enum": ["user", "system"]},
        "displayName": STRING,
        "email": STRING,
        "active": BOOLEAN,
        "teams": NAMES,
        "liveTokens": {"type": "integer", "description": "Tokens not revoked (some may have expired)"},
        "createdAt": TIMESTAMP,
    },
    required=("name", "kind", "active", "teams", "createdAt"),
)
ACCOUNTS = collection("accounts", ACCOUNT)
_TOKEN_PROPERTIES = {
    "id": {"type": "string", "description": "The token's public prefix: acc_<id>_..."},
    "name": STRING,
    "account": STRING,
    "scopes": {"type": "array", "items": {"type": "string", "enum": ["read", "write", "admin"]}},
    "status": {"type": "string", "enum": ["active", "expired", "revoked"]},
    "createdAt": TIMESTAMP,
    "createdBy": STRING,
    "expiresAt": NULLABLE_TIMESTAMP,
    "lastUsedAt": NULLABLE_TIMESTAMP,
    "revokedAt": NULLABLE_TIMESTAMP,
    "revokedBy": STRING,
}
_TOKEN_REQUIRED = ("id", "name", "account", "scopes", "status", "createdAt")
TOKEN = hal(_TOKEN_PROPERTIES, required=_TOKEN_REQUIRED)
TOKEN_CREATED = hal(
    {**_TOKEN_PROPERTIES, "token": {"type": "string", "description": "The token itself: shown this once only"}},
    required=(*_TOKEN_REQUIRED, "token"),
)
TOKENS = collection("tokens", TOKEN)
TEAM = hal(
    {"name": STRING, "members": NAMES, "applications": NAMES, "environments": NAMES, "createdAt": TIMESTAMP},
    required=("name", "members", "applications", "environments", "createdAt"),
)
TEAMS = collection("teams", TEAM)
RESTRICTION = hal(
    {"environment": STRING, "teams": NAMES, "createdAt": TIMESTAMP, "updatedAt": TIMESTAMP},
    required=("environment", "teams"),
)
RESTRICTIONS = collection("restrictions", RESTRICTION)
