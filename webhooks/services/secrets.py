"""Secrets for webhooks: create or replace (`secret_put`), delete (`secret_delete`).

Each operation is one function, and both the API and the UI write through it: the place
for a permission check or an audit record when Accord has roles. Today the caller's write
access (broker.auth) is the permission.

A value is never part of an error, a log line or an answer: the messages here name the
secret and the rule, not what was typed.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts import access
from contracts.exceptions import Conflict, InvalidInput, NotFound
from contracts.services.transactions import atomic_with_retry
from webhooks.models import SECRET_NAME, WebhookSecret

NAME_RULE = "must start with a letter and hold only letters, digits and '_' (at most 100 characters)"
# Shorter values could not be told apart from ordinary text in logs (verifier.http.redact_text
# masks values of 4 characters or more), so they could not be kept out of them.
VALUE_MIN_LENGTH = 4
VALUE_MAX_LENGTH = 8192
DESCRIPTION_MAX_LENGTH = 1024


def _checked(*, name: str, description: str | None, value: str | None) -> None:
    """InvalidInput naming each field that breaks a rule (the API's input checks the same)."""
    errors: dict[str, list[str]] = {}
    if not SECRET_NAME.match(name):
        errors["name"] = [NAME_RULE]
    if description is not None and len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [f"is longer than {DESCRIPTION_MAX_LENGTH} characters"]
    if value is not None and not VALUE_MIN_LENGTH <= len(value) <= VALUE_MAX_LENGTH:
        errors["value"] = [f"must be {VALUE_MIN_LENGTH} to {VALUE_MAX_LENGTH} characters long"]
    if value is not None and "\x00" in value:
        errors["value"] = ["cannot contain NUL characters"]
    if errors:
        raise InvalidInput(errors)


def _name_taken(name: str, *, other_than: WebhookSecret | None = None) -> Conflict | None:
    """The 409 for a name another secret has (in any case), or None when it is free."""
    taken = WebhookSecret.objects.filter(name__iexact=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than.pk)
    found = taken.values_list("name", flat=True).first()
    if found is None:
        return None
    same = "" if found == name else f" (as '{found}': two names cannot differ only in case)"
    return Conflict(f"A secret named '{name}' already exists{same}", field="name")


@atomic_with_retry
def secret_put(
    *, secret: WebhookSecret | None = None, name: str, description: str | None = None, value: str | None = None
) -> WebhookSecret:
    """Create a secret (no `secret`: `value` is required), or replace the name and description
    of `secret`, and its value when one is given (None keeps the stored value).

    InvalidInput naming the field for a bad name, description or value; Conflict (409) for a
    name another secret has in any case; NotFound when `secret` was deleted meanwhile.
    """
    _checked(name=name, description=description, value=value)
    if secret is None and value is None:
        raise InvalidInput({"value": ["is missing"]})
    # Never the value: only which secret, and whether its value changed.
    access.write(
        "secret.put",
        f"secret {name}",
        admin=True,
        details={"created": secret is None, "value_changed": value is not None},
    )
    if secret is not None and not WebhookSecret.objects.select_for_update(of=("self",)).filter(pk=secret.pk).exists():
        raise NotFound(f"No secret with uuid {secret.uuid}")
    taken = _name_taken(name, other_than=secret)
    if taken is not None:
        raise taken
    try:
        # A savepoint: a concurrent write of the same name loses on the unique constraint.
        with transaction.atomic():
            if secret is None:
                created = WebhookSecret.objects.create(name=name, description=description, value=value)
                # auto_now and auto_now_add read the clock separately; equal stamps mean "never updated".
                WebhookSecret.objects.filter(pk=created.pk).update(updated_at=created.created_at)
                created.updated_at = created.created_at
                return created
            fields = {"name": name, "description": description, "updated_at": timezone.now()}
            if value is not None:
                fields["value"] = value
            WebhookSecret.objects.filter(pk=secret.pk).update(**fields)
    except IntegrityError:
        raise _name_taken(name, other_than=secret) or Conflict(f"A secret named '{name}' already exists", field="name")
    secret.refresh_from_db()
    return secret


@atomic_with_retry
def secret_delete(*, secret: WebhookSecret) -> None:
    """Delete a secret. Webhooks that refer to it stay; their deliveries fail, naming it, until
    a secret of that name exists again."""
    access.write("secret.delete", f"secret {secret.name}", admin=True)
    WebhookSecret.objects.filter(pk=secret.pk).delete()
