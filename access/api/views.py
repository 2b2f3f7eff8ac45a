"""API views: accounts and their tokens, teams, environment restrictions (routes in
access/api/urls.py). Everything here is for admins, reads included: who holds which token,
and who may change what, is not for every reader.
"""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from access import selectors
from access.api import bodies
from access.models import SCOPES, Account
from access.permissions import require_admin
from access.services.accounts import UNCHANGED, account_create, account_update
from access.services.restrictions import restriction_delete, restriction_put
from access.services.teams import (
    team_application_add,
    team_application_remove,
    team_create,
    team_delete,
    team_member_add,
    team_member_remove,
)
from access.services.tokens import token_create, token_revoke
from contracts import access
from contracts.api.base import BrokerApi
from contracts.api.inputs import Choice, Empty, Flag, Items, StrictInput, Text, parse
from contracts.api.links import Links
from contracts.exceptions import InvalidInput, NotFound
from contracts.selectors.pacticipants import pacticipant_by_name

# ---------------------------------------------------------------- input


class AccountInput(StrictInput):
    """A new account: a person (`user`) or a pipeline (`system`)."""

    name = Text(help_text="Letters, digits and . _ @ + -, starting with a letter or digit; at most 100")
    kind = Choice(choices=Account.KINDS)
    displayName = Text(required=False, allow_null=True, allow_blank=True)  # noqa: N815 - the API's field name
    email = Text(required=False, allow_null=True, allow_blank=True)


class AccountChangeInput(StrictInput):
    """What PATCH changes; `active: false` deactivates the account (its tokens stop working)."""

    displayName = Text(required=False, allow_null=True, allow_blank=True)  # noqa: N815
    email = Text(required=False, allow_null=True, allow_blank=True)
    active = Flag(required=False)


class Moment(serializers.DateTimeField):
    """An ISO 8601 time as a JSON string ("2027-01-31T00:00:00Z"); without a zone, UTC."""

    default_error_messages = {
        "invalid": "must be an ISO 8601 time such as 2027-01-31T00:00:00Z",
        "date": "must be a time, not only a date (2027-01-31T00:00:00Z)",
        "null": "cannot be null",
        "make_aware": "is not a valid time in UTC",
        "overflow": "is out of range",
    }

    def to_internal_value(self, value: object) -> datetime:
        if not isinstance(value, str):
            self.fail("invalid")
        return super().to_internal_value(value)


class TokenInput(StrictInput):
    """A new token: its name (unique among the account's tokens not revoked), its scopes
    (read; write, which includes read; admin, which includes write) and when it expires."""

    name = Text()
    scopes = Items(child=Choice(choices=SCOPES), allow_empty=False)
    expiresAt = Moment(required=False, allow_null=True)  # noqa: N815


class TeamInput(StrictInput):
    name = Text(help_text="Letters, digits and . _ @ + -, starting with a letter or digit; at most 100")


class RestrictionInput(StrictInput):
    """The teams that may record deployments and releases in the environment (none: admins only)."""

    teams = Items(child=Text(), max_length=500)


# ---------------------------------------------------------------- views


class AdminApi(BrokerApi):
    """A view for admins only: the admin scope, reads included."""

    managing = "managing access"

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_admin(access.current(), self.managing)


class AccountsApi(AdminApi):
    """GET /admin/accounts lists every account; POST creates one."""

    managing = "managing accounts"

    @extend_schema(responses={200: bodies.ACCOUNTS})
    def get(self, request: Request) -> Response:
        return Response(bodies.accounts_body(selectors.accounts_list(), Links(request)))

    @extend_schema(request=AccountInput, responses={201: bodies.ACCOUNT})
    def post(self, request: Request) -> Response:
        values = parse(AccountInput, request.data)
        created = account_create(name=values["name"], kind=values["kind"], display_name=values.get("displayName"),
                                 email=values.get("email"))  # fmt: skip
        links = Links(request)
        href = links.route("access-account", account=created.name)
        return Response(bodies.account_body(created, links), status=201, headers={"Location": href})


class AccountApi(AdminApi):
    """GET one account; PATCH changes its display name, email or whether it is active.
    Accounts are never deleted (the audit log names them): deactivate one instead."""

    managing = "managing accounts"

    @extend_schema(responses={200: bodies.ACCOUNT})
    def get(self, request: Request, account: str) -> Response:
        return Response(bodies.account_body(selectors.account_get(name=account), Links(request)))

    @extend_schema(request=AccountChangeInput, responses={200: bodies.ACCOUNT})
    def patch(self, request: Request, account: str) -> Response:
        found = selectors.account_get(name=account)
        values = parse(AccountChangeInput, request.data)
        names = {"displayName": "display_name", "email": "email", "active": "active"}
        changes = {names[key]: values[key] if key in values else UNCHANGED for key in names}
        account_update(account=found, **changes)
        return Response(bodies.account_body(selectors.account_get(name=account), Links(request)))


class AccountTokensApi(AdminApi):
    """GET an account's tokens (never their values); POST creates one and answers its value, once."""

    managing = "managing tokens"

    @extend_schema(responses={200: bodies.TOKENS})
    def get(self, request: Request, account: str) -> Response:
        found = selectors.account_get(name=account)
        return Response(bodies.tokens_body(found, selectors.account_tokens(account=found), Links(request)))

    @extend_schema(request=TokenInput, responses={201: bodies.TOKEN_CREATED})
    def post(self, request: Request, account: str) -> Response:
        found = selectors.account_get(name=account)
        values = parse(TokenInput, request.data)
        token, value = token_create(account=found, name=values["name"], scopes=values["scopes"],
                                    expires_at=values.get("expiresAt"))  # fmt: skip
        links = Links(request)
        href = links.route("access-account-token", account=found.name, token=token.prefix)
        response = Response(bodies.token_body(token, links, value=value), status=201, headers={"Location": href})
        response["Cache-Control"] = "no-store"  # the only answer that holds the token
        return response


class AccountTokenApi(AdminApi):
    """GET one token by its id (the public prefix); DELETE revokes it (it stays listed)."""

    managing = "managing tokens"

    @extend_schema(responses={200: bodies.TOKEN})
    def get(self, request: Request, account: str, token: str) -> Response:
        found = selectors.token_get(account=selectors.account_get(name=account), prefix=token)
        return Response(bodies.token_body(found, Links(request)))

    @extend_schema(responses={200: bodies.TOKEN})
    def delete(self, request: Request, account: str, token: str) -> Response:
        found = selectors.token_get(account=selectors.account_get(name=account), prefix=token)
        token_revoke(token=found)
        return Response(bodies.token_body(found, Links(request)))


class TeamsApi(AdminApi):
    """GET /admin/teams lists every team; POST creates one."""

    managing = "managing teams"

    @extend_schema(responses={200: bodies.TEAMS})
    def get(self, request: Request) -> Response:
        return Response(bodies.teams_body(selectors.teams_list(), Links(request)))

    @extend_schema(request=TeamInput, responses={201: bodies.TEAM})
    def post(self, request: Request) -> Response:
        created = team_create(name=parse(TeamInput, request.data)["name"])
        links = Links(request)
        href = links.route("access-team", team=created.name)
        team = selectors.team_get(name=created.name)
        return Response(bodies.team_body(team, links), status=201, headers={"Location": href})


class TeamApi(AdminApi):
    """GET one team; DELETE it (its applications become unowned)."""

    managing = "managing teams"

    @extend_schema(responses={200: bodies.TEAM})
    def get(self, request: Request, team: str) -> Response:
        return Response(bodies.team_body(selectors.team_get(name=team), Links(request)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, team: str) -> Response:
        team_delete(team=selectors.team_get(name=team))
        return Response(status=204)


class TeamMemberApi(AdminApi):
    """PUT an account in the team; DELETE takes it out. Both answer the team."""

    managing = "managing teams"

    @extend_schema(request=Empty, responses={200: bodies.TEAM})
    def put(self, request: Request, team: str, account: str) -> Response:
        parse(Empty, request.data)
        team_member_add(team=selectors.team_get(name=team), account=selectors.account_get(name=account))
        return Response(bodies.team_body(selectors.team_get(name=team), Links(request)))

    @extend_schema(responses={200: bodies.TEAM})
    def delete(self, request: Request, team: str, account: str) -> Response:
        team_member_remove(team=selectors.team_get(name=team), account=selectors.account_get(name=account))
        return Response(bodies.team_body(selectors.team_get(name=team), Links(request)))


class TeamApplicationApi(AdminApi):
    """PUT makes the team own an application (taking it from another team); DELETE leaves
    it unowned. Both answer the team."""

    managing = "managing teams"

    @extend_schema(request=Empty, responses={200: bodies.TEAM})
    def put(self, request: Request, team: str, pacticipant: str) -> Response:
        parse(Empty, request.data)
        team_application_add(team=selectors.team_get(name=team), pacticipant=pacticipant_by_name(name=pacticipant))
        return Response(bodies.team_body(selectors.team_get(name=team), Links(request)))

    @extend_schema(responses={200: bodies.TEAM})
    def delete(self, request: Request, team: str, pacticipant: str) -> Response:
        found = selectors.team_get(name=team)
        team_application_remove(team=found, pacticipant=pacticipant_by_name(name=pacticipant))
        return Response(bodies.team_body(selectors.team_get(name=team), Links(request)))


class RestrictionsApi(AdminApi):
    """GET every restricted environment with the teams allowed there."""

    managing = "managing environment restrictions"

    @extend_schema(responses={200: bodies.RESTRICTIONS})
    def get(self, request: Request) -> Response:
        return Response(bodies.restrictions_body(selectors.restrictions_list(), Links(request)))


class RestrictionApi(AdminApi):
    """GET the restriction on an environment (404: unrestricted); PUT restricts it to the
    teams given (201 when it was unrestricted); DELETE lifts it."""

    managing = "managing environment restrictions"

    @extend_schema(responses={200: bodies.RESTRICTION})
    def get(self, request: Request, environment: str) -> Response:
        found = selectors.environment_by_name(name=environment)
        return Response(bodies.restriction_body(selectors.restriction_get(environment=found), Links(request)))

    @extend_schema(request=RestrictionInput, responses={200: bodies.RESTRICTION, 201: bodies.RESTRICTION})
    def put(self, request: Request, environment: str) -> Response:
        found = selectors.environment_by_name(name=environment)
        names = list(dict.fromkeys(parse(RestrictionInput, request.data)["teams"]))
        try:
            teams = selectors.teams_named(names)
        except NotFound as missing:
            raise InvalidInput({"teams": [missing.message]}) from None
        _, created = restriction_put(environment=found, teams=teams)
        restriction = selectors.restriction_get(environment=found)
        return Response(bodies.restriction_body(restriction, Links(request)), status=201 if created else 200)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, environment: str) -> Response:
        found = selectors.environment_by_name(name=environment)
        selectors.restriction_get(environment=found)  # 404 when there is nothing to lift
        restriction_delete(environment=found)
        return Response(status=204)
