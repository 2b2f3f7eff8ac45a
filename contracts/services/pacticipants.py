"""Pacticipants and labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from contracts import access
from contracts.exceptions import InvalidInput
from contracts.models import Label, Pacticipant
from contracts.services._validation import single_line_name
from contracts.services.transactions import atomic_with_retry, get_or_insert, rows_where

EDITABLE_FIELDS = ("display_name", "main_branch", "repository_url", "repository_name", "repository_namespace")


def validate_name(name: object, field: str = "name") -> str:
    """A pacticipant name: a non-blank single-line string."""
    return single_line_name(name, field)


def pacticipant_find_or_create(*, name: str) -> Pacticipant:
    """The pacticipant with this exact name, created if it does not exist yet."""
    pacticipant, _ = get_or_insert(Pacticipant, name=validate_name(name))
    return pacticipant


def pacticipants_find_or_create(*, names: Iterable[str]) -> dict[str, Pacticipant]:
    """Several pacticipants at once: the existing ones in one read, the others created in
    name order (one lock order for everyone)."""
    valid = {name: validate_name(name) for name in sorted(set(names))}
    existing = rows_where(Pacticipant, "name = ANY(%s::text[])", [sorted(set(valid.values()))])
    found = {pacticipant.name: pacticipant for pacticipant in existing}
    return {name: found.get(valid[name]) or pacticipant_find_or_create(name=name) for name in valid}


@atomic_with_retry
def pacticipant_upsert(*, name: str, fields: Mapping[str, object], replace: bool = False) -> tuple[Pacticipant, bool]:
    """Create the pacticipant or update it; `replace` clears fields not given (PUT)."""
    pacticipant, created = get_or_insert(Pacticipant, name=validate_name(name))
    values = {field: fields.get(field) for field in EDITABLE_FIELDS} if replace else dict(fields)
    access.write(
        "pacticipant.create" if created else "pacticipant.update",
        pacticipant.name,
        applications=[pacticipant.name],
        details={"fields": sorted(field for field in values if field in EDITABLE_FIELDS), "replace": replace},
    )
    for field, value in values.items():
        if field not in EDITABLE_FIELDS:
            continue
        if field == "main_branch" and value is not None and (not isinstance(value, str) or " " in value):
            raise InvalidInput({"mainBranch": ["cannot contain spaces"]})
        setattr(pacticipant, field, value)
    pacticipant.save()
    return pacticipant, created


@atomic_with_retry
def pacticipant_delete(*, pacticipant: Pacticipant) -> None:
    """Delete a pacticipant and everything that belongs to it."""
    # Content rows are protected from cascading publication deletes; remove them first.
    from contracts.models import Contract, ContractPublication

    access.write("pacticipant.delete", pacticipant.name, applications=[pacticipant.name])
    ContractPublication.objects.filter(consumer=pacticipant).delete()
    ContractPublication.objects.filter(provider=pacticipant).delete()
    Contract.objects.filter(consumer=pacticipant).delete()
    Contract.objects.filter(provider=pacticipant).delete()
    pacticipant.delete()


@atomic_with_retry
def label_add(*, pacticipant: Pacticipant, name: str) -> tuple[Label, bool]:
    """Put a label on a pacticipant (idempotent)."""
    if not name.strip():
        raise InvalidInput({"name": ["cannot be blank"]})
    access.write(
        "label.add", f"{pacticipant.name} label {name}", applications=[pacticipant.name], details={"label": name}
    )
    return get_or_insert(Label, pacticipant=pacticipant, name=name)


@atomic_with_retry
def label_remove(*, label: Label) -> None:
    """Take a label off its pacticipant."""
    owner = label.pacticipant.name
    access.write("label.remove", f"{owner} label {label.name}", applications=[owner], details={"label": label.name})
    label.delete()
