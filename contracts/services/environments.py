"""Environments: create, replace, delete, with the Pact Broker's validation rules."""

from __future__ import annotations

import uuid as uuid_lib

from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts import access
from contracts.exceptions import InvalidInput, NotFound
from contracts.models import Environment
from contracts.services.transactions import atomic_with_retry

MAX_LENGTH = 255


def _single_line(value: object, field: str, errors: dict[str, list[str]], *, required: bool) -> str | None:
    if value is None:
        if required:
            errors.setdefault(field, []).append("is missing")
        return None
    if not isinstance(value, str):
        errors.setdefault(field, []).append("must be a string")
        return None
    if required and not value.strip():
        errors.setdefault(field, []).append("must be filled")
    elif "\n" in value or "\r" in value:
        errors.setdefault(field, []).append("cannot contain multiple lines")
    elif len(value) > MAX_LENGTH:
        errors.setdefault(field, []).append(f"is longer than {MAX_LENGTH} characters")
    return value


def _clean_contacts(contacts: object, errors: dict[str, list[str]]) -> list[dict]:
    if contacts is None:
        return []
    if not isinstance(contacts, list):
        errors.setdefault("contacts", []).append("must be an array")
        return []
    cleaned: list[dict] = []
    for index, contact in enumerate(contacts):
        if not isinstance(contact, dict):
            errors.setdefault("contacts", []).append(f"contacts[{index}] must be an object")
            continue
        name = contact.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.setdefault("contacts", []).append(f"contacts[{index}].name must be a non-blank string")
        elif "\n" in name or "\r" in name:
            errors.setdefault("contacts", []).append(f"contacts[{index}].name cannot contain multiple lines")
        details = contact.get("details")
        if details is not None and not isinstance(details, dict):
            errors.setdefault("contacts", []).append(f"contacts[{index}].details must be an object")
        # Only the documented keys are kept: contacts are rendered back verbatim.
        entry: dict = {"name": name}
        if details is not None:
            entry["details"] = details
        cleaned.append(entry)
    return cleaned


def _validated(
    *, name: object, display_name: object, production: object, contacts: object, exclude: Environment | None = None
) -> dict:
    """The model fields for an environment body, or InvalidInput with every problem found."""
    errors: dict[str, list[str]] = {}
    name = _single_line(name, "name", errors, required=True)
    if isinstance(name, str) and "name" not in errors and any(char.isspace() for char in name):
        errors["name"] = ["cannot contain spaces"]
    display_name = _single_line(display_name, "displayName", errors, required=False)
    if production is None:
        errors["production"] = ["is missing"]
    elif not isinstance(production, bool):
        errors["production"] = ["must be one of: true, false"]
    cleaned_contacts = _clean_contacts(contacts, errors)
    if "name" not in errors:
        taken = Environment.objects.filter(name=name)
        if exclude is not None:
            taken = taken.exclude(pk=exclude.pk)
        if taken.exists():
            errors["name"] = [_name_taken(name)]
    if errors:
        raise InvalidInput(errors)
    return {"name": name, "display_name": display_name or None, "production": production, "contacts": cleaned_contacts}


def _described(fields: dict) -> dict:
    """What the audit log keeps of an environment's fields (contacts are people's details: not kept)."""
    described = {"production": fields["production"], "displayName": fields["display_name"]}
    if "uuid" in fields:
        described["uuid"] = str(fields["uuid"])
    return described


def _name_taken(name: object) -> str:
    return f"Another environment with name '{name}' already exists."


def _constraint_error(fields: dict, exclude: Environment | None = None) -> InvalidInput:
    """Explain a constraint violation found on write (a concurrent writer got there first)."""
    taken = Environment.objects.filter(name=fields["name"])
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        return InvalidInput({"name": [_name_taken(fields["name"])]})
    if "uuid" in fields and Environment.objects.filter(uuid=fields["uuid"]).exists():
        return InvalidInput({"uuid": [f"An environment with uuid '{fields['uuid']}' already exists."]})
    # Left: the database's no-whitespace check, for a character Python does not call a space.
    return InvalidInput({"name": ["cannot contain spaces"]})


def _parse_uuid(value: object) -> uuid_lib.UUID:
    if not isinstance(value, str):
        raise InvalidInput({"uuid": ["must be a string"]})
    try:
        return uuid_lib.UUID(value)
    except ValueError:
        raise InvalidInput({"uuid": ["is not a valid UUID"]}) from None


@atomic_with_retry
def environment_create(
    *, name: object, production: object, display_name: object = None, contacts: object = None, uuid: object = None
) -> Environment:
    """Create an environment; the name must be unique and free of whitespace."""
    fields = _validated(name=name, display_name=display_name, production=production, contacts=contacts)
    if uuid is not None:
        fields["uuid"] = _parse_uuid(uuid)
        if Environment.objects.filter(uuid=fields["uuid"]).exists():
            raise InvalidInput({"uuid": [f"An environment with uuid '{fields['uuid']}' already exists."]})
    access.write("environment.create", fields["name"], admin=True, details=_described(fields))
    try:
        # A savepoint: a concurrent create of the same name loses on the unique constraint
        # and gets the validation error, not a 500.
        with transaction.atomic():
            return Environment.objects.create(**fields)
    except IntegrityError:
        raise _constraint_error(fields) from None


@atomic_with_retry
def environment_replace(
    *, environment: Environment, name: object, production: object, display_name: object = None, contacts: object = None
) -> Environment:
    """Replace every editable field of an environment (PUT): fields not given are cleared."""
    fields = _validated(
        name=name, display_name=display_name, production=production, contacts=contacts, exclude=environment
    )
    renamed = {"previousName": environment.name} if environment.name != fields["name"] else {}
    access.write("environment.update", fields["name"], admin=True, details={**_described(fields), **renamed})
    try:
        with transaction.atomic():
            # A targeted update, not save(): save() would re-insert a row deleted meanwhile.
            updated = Environment.objects.filter(pk=environment.pk).update(**fields, updated_at=timezone.now())
    except IntegrityError:
        raise _constraint_error(fields, exclude=environment) from None
    if not updated:
        raise NotFound(f"No environment with uuid '{environment.uuid}' found")
    environment.refresh_from_db()
    return environment


@atomic_with_retry
def environment_delete(*, environment: Environment) -> None:
    """Delete an environment with the deployments and releases recorded in it."""
    access.write("environment.delete", environment.name, admin=True, details={"uuid": str(environment.uuid)})
    environment.delete()
