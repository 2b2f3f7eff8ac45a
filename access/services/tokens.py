"""Tokens: created (the value is returned once and never stored), revoked, and checked when
a request presents one."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from access import tokens
from access.models import SCOPES, Account, Token
from access.naming import label
from access.selectors import authentication_on
from access.services._names import name_problem
from contracts import access
from contracts.exceptions import Conflict, InvalidInput
from contracts.services.transactions import atomic_with_retry

# last_used_at is written at most this often per token: not one write per request.
LAST_USED_PRECISION = timedelta(minutes=1)
OPEN_BROKER = (
    "Tokens need authentication switched on, and this broker is open (no basic-auth users are configured "
    "and ACCORD_REQUIRE_AUTH is off): anyone may do anything without a token. Set ACCORD_REQUIRE_AUTH=true "
    "(or configure PACT_BROKER_BASIC_AUTH_USERNAME and _PASSWORD) first; `manage.py token_create` makes the "
    "first admin token of a closed broker"
)


class TokenRefused(Exception):
    """A presented token that does not authenticate; `reason` says why (a 401's message)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _checked(name: object, scopes: object, expires_at: object) -> list[str]:
    errors: dict[str, list[str]] = {}
    problem = name_problem(name)
    if problem:
        errors["name"] = [problem]
    if (
        not isinstance(scopes, (list, tuple, set, frozenset))
        or not scopes
        or not all(isinstance(scope, str) and scope in SCOPES for scope in scopes)
    ):
        errors["scopes"] = ["must be one or more of read, write, admin"]
    if expires_at is not None and (not isinstance(expires_at, datetime) or expires_at <= timezone.now()):
        errors["expiresAt"] = ["must be a time in the future"]
    if errors:
        raise InvalidInput(errors)
    return tokens.scopes_closure(scopes)  # type: ignore[arg-type]


@atomic_with_retry
def token_create(
    *,
    account: Account,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    allow_open: bool = False,
) -> tuple[Token, str]:
    """A new token for the account; returns (token, its value). The value exists only in
    this return: store it nowhere. `allow_open`: make it even on an open broker (the
    bootstrap command, ahead of switching authentication on)."""
    given = _checked(name, scopes, expires_at)
    if not allow_open and not authentication_on():
        raise Conflict(OPEN_BROKER)
    if not account.active:
        raise Conflict(f"Account '{account.name}' is deactivated: activate it before giving it a token")
    new = tokens.generate()
    details = {"account": account.name, "token": name, "id": new.prefix, "scopes": given,
               "expiresAt": expires_at.isoformat() if expires_at else None}  # fmt: skip
    access.write("token.create", f"token {name} of account {account.name}", admin=True, details=details)
    try:
        with transaction.atomic():
            token = Token.objects.create(
                account=account,
                name=name,
                prefix=new.prefix,
                digest=new.digest,
                scopes=given,
                expires_at=expires_at,
                created_by=label(access.current()),
            )
    except IntegrityError:
        raise InvalidInput(
            {"name": [f"account '{account.name}' already has a token named '{name}': revoke it or choose another name"]}
        ) from None
    return token, new.value


@atomic_with_retry
def token_revoke(*, token: Token) -> bool:
    """Revoke a token for good (it stays listed, as revoked); False when it already was."""
    access.write("token.revoke", f"token {token.name} of account {token.account.name}", admin=True,
                 details={"account": token.account.name, "token": token.name, "id": token.prefix})  # fmt: skip
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.revoked_by = label(access.current())
    token.save(update_fields=["revoked_at", "revoked_by"])
    return True


def token_authenticate(value: str) -> Token:
    """The token a request presents, if it authenticates now (else TokenRefused, saying why);
    its last use is recorded, at most once a minute."""
    prefix = tokens.prefix_of(value)
    if prefix is None:
        raise TokenRefused("the bearer token is not an Accord token (they look like acc_1a2b3c4d_...)")
    token = Token.objects.select_related("account").filter(prefix=prefix).first()
    if token is None or not tokens.matches(value, token.digest):
        raise TokenRefused("the bearer token is not valid for this broker")
    who = f"token '{token.name}' of account '{token.account.name}'"
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused(f"{who} was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused(f"{who} expired at {token.expires_at.isoformat()}")
    if not token.account.active:
        raise TokenRefused(f"account '{token.account.name}' is deactivated")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        # Conditional: of concurrent requests, one writes.
        Token.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token
