"""Accounts: created, changed, deactivated and activated again; never deleted."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from access.models import Account
from access.services._names import check_name
from contracts import access
from contracts.exceptions import InvalidInput
from contracts.services.transactions import atomic_with_retry

UNCHANGED = object()
TEXT_MAX_LENGTH = 255


def _text(value: object, field: str, errors: dict[str, list[str]]) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = ["must be a string"]
        return ""
    if len(value) > TEXT_MAX_LENGTH:
        errors[field] = [f"is longer than {TEXT_MAX_LENGTH} characters"]
    elif any(ord(char) < 32 or char == "\x7f" for char in value):
        errors[field] = ["cannot contain control characters"]
    return value


@atomic_with_retry
def account_create(*, name: str, kind: str, display_name: str | None = None, email: str | None = None) -> Account:
    """A new account for a person (`user`) or a pipeline (`system`)."""
    check_name(name)
    errors: dict[str, list[str]] = {}
    if kind not in Account.KINDS:
        errors["kind"] = ["must be one of user, system"]
    fields = {"display_name": _text(display_name, "displayName", errors), "email": _text(email, "email", errors)}
    if errors:
        raise InvalidInput(errors)
    access.write("account.create", f"account {name}", admin=True, details={"account": name, "kind": kind})
    try:
        with transaction.atomic():
            return Account.objects.create(name=name, kind=kind, **fields)
    except IntegrityError:
        raise InvalidInput({"name": [f"an account named '{name}' already exists"]}) from None


@atomic_with_retry
def account_update(
    *, account: Account, display_name: object = UNCHANGED, email: object = UNCHANGED, active: object = UNCHANGED
) -> Account:
    """Change what is given; `active=False` deactivates the account (its tokens stop working)."""
    errors: dict[str, list[str]] = {}
    changed: dict[str, object] = {}
    if display_name is not UNCHANGED:
        changed["display_name"] = _text(display_name, "displayName", errors)
    if email is not UNCHANGED:
        changed["email"] = _text(email, "email", errors)
    if active is not UNCHANGED:
        if not isinstance(active, bool):
            errors["active"] = ["must be true or false"]
        changed["active"] = active
    if errors:
        raise InvalidInput(errors)
    details = {"account": account.name, "changed": sorted(changed)}
    if "active" in changed:
        details["active"] = changed["active"]
    access.write("account.update", f"account {account.name}", admin=True, details=details)
    for field, value in changed.items():
        setattr(account, field, value)
    account.save()
    return account
