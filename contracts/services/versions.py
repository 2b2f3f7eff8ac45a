"""Versions, branches and tags."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from contracts import access
from contracts.exceptions import InvalidInput
from contracts.models import Branch, BranchVersion, Pacticipant, Tag, Version
from contracts.services._validation import single_line_name
from contracts.services.integration_summaries import integration_summaries_refresh_for
from contracts.services.transactions import atomic_with_retry, get_or_insert, run_statement


def validate_version_number(number: object, field: str = "number") -> str:
    """A version number: a non-blank single-line string without surrounding spaces."""
    number = single_line_name(number, field)
    if number != number.strip():
        raise InvalidInput({field: ["cannot start or end with a space"]})
    return number


def validate_ref_name(name: object, field: str) -> str:
    """A branch or tag name: non-blank, single line."""
    return single_line_name(name, field)


def version_find_or_create(
    *, pacticipant: Pacticipant, number: str, build_url: str | None = None
) -> tuple[Version, bool]:
    """The version with this number, created if needed; a given build URL is recorded."""
    version, created = get_or_insert(
        Version, pacticipant=pacticipant, number=validate_version_number(number), defaults={"build_url": build_url}
    )
    if build_url and version.build_url != build_url:
        version.build_url = build_url
        version.save(update_fields=["build_url", "updated_at"])
    return version, created


def _maybe_set_main_branch(pacticipant: Pacticipant, name: str) -> None:
    # The Pact Broker's auto_detect_main_branch: the first develop/main/master seen wins.
    if pacticipant.main_branch is None and name in settings.ACCORD_MAIN_BRANCH_CANDIDATES:
        updated = Pacticipant.objects.filter(pk=pacticipant.pk, main_branch__isnull=True).update(main_branch=name)
        if updated:
            pacticipant.main_branch = name


# Head = the newest membership: a concurrent, older add never moves it backwards.
_ADVANCE_HEAD_SQL = """
UPDATE contracts_branch SET head_id = %s, updated_at = %s
WHERE id = %s AND (head_id IS NULL OR head_id <= %s)
"""


def branch_version_add(*, version: Version, branch_name: str, auto_created: bool = False) -> tuple[BranchVersion, bool]:
    """Put a version on a branch; it becomes the branch head (most recently added)."""
    pacticipant = version.pacticipant
    branch, _ = get_or_insert(Branch, pacticipant=pacticipant, name=validate_ref_name(branch_name, "branch"))
    branch_version, created = get_or_insert(
        BranchVersion,
        branch=branch,
        version=version,
        defaults={"pacticipant": pacticipant, "branch_name": branch.name, "auto_created": auto_created},
    )
    if created:
        run_statement(Branch, _ADVANCE_HEAD_SQL, [branch_version.id, timezone.now(), branch.pk, branch_version.id])
        _maybe_set_main_branch(pacticipant, branch.name)
    return branch_version, created


def branch_head_recompute(*, branch: Branch) -> None:
    """Point the branch head at its newest remaining version (after a removal)."""
    newest = branch.branch_versions.order_by("-id").first()
    Branch.objects.filter(pk=branch.pk).update(head=newest)


@atomic_with_retry
def branch_version_remove(*, branch_version: BranchVersion) -> None:
    """Take a version off a branch (the version stays)."""
    branch = branch_version.branch
    owner, number = branch_version.pacticipant.name, branch_version.version.number
    access.write(
        "branch_version.remove",
        f"{owner} {number} off branch {branch.name}",
        applications=[owner],
        details={"version": number, "branch": branch.name},
    )
    branch_version.delete()
    branch_head_recompute(branch=branch)


@atomic_with_retry
def branch_delete(*, branch: Branch) -> None:
    """Delete a branch; its versions stay."""
    owner = branch.pacticipant.name
    access.write(
        "branch.delete", f"{owner} branch {branch.name}", applications=[owner], details={"branch": branch.name}
    )
    branch.delete()


def tag_add(*, version: Version, name: str) -> tuple[Tag, bool]:
    """Tag a version; the first tag of a young, branchless version also becomes its branch."""
    tag, created = get_or_insert(
        Tag, version=version, name=validate_ref_name(name, "tag"), defaults={"pacticipant_id": version.pacticipant_id}
    )
    if not created:
        return tag, False
    pacticipant = version.pacticipant
    _maybe_set_main_branch(pacticipant, tag.name)
    young = timezone.now() - version.created_at <= timedelta(seconds=settings.ACCORD_FIRST_TAG_AS_BRANCH_SECONDS)
    if (
        settings.ACCORD_USE_FIRST_TAG_AS_BRANCH
        and young
        and not version.branch_versions.exists()
        and not version.tags.exclude(pk=tag.pk).exists()
    ):
        branch_version_add(version=version, branch_name=tag.name, auto_created=True)
    return tag, True


@atomic_with_retry
def version_upsert(
    *,
    pacticipant_name: str,
    number: str,
    build_url: str | None = None,
    tags: list[str] | None = None,
    replace: bool = False,
) -> tuple[Version, bool]:
    """PUT/PATCH a version: set its build URL; `tags`, when given, replaces its tags."""
    from contracts.services.pacticipants import pacticipant_find_or_create

    pacticipant = pacticipant_find_or_create(name=pacticipant_name)
    version, created = version_find_or_create(pacticipant=pacticipant, number=number)
    access.write(
        "version.create" if created else "version.update",
        f"{pacticipant.name} {version.number}",
        applications=[pacticipant.name],
        details={"version": version.number, **({"tags": sorted(set(tags))} if tags is not None else {})},
    )
    if replace or build_url is not None:
        version.build_url = build_url
        version.save(update_fields=["build_url", "updated_at"])
    if tags is not None:
        version.tags.exclude(name__in=tags).delete()
        for tag_name in sorted(set(tags)):
            tag_add(version=version, name=tag_name)
    return version, created


@atomic_with_retry
def version_delete(*, version: Version) -> None:
    """Delete a version with its tags, pacts and verifications; branch heads move back."""
    from contracts.models import Contract, ContractPublication

    owner = version.pacticipant.name
    access.write(
        "version.delete", f"{owner} {version.number}", applications=[owner], details={"version": version.number}
    )
    branches = list(Branch.objects.filter(branch_versions__version=version))
    contract_ids = list(version.publications.values_list("contract_id", flat=True))
    ContractPublication.objects.filter(consumer_version=version).delete()
    # Content no longer published by anyone is removed with its verifications.
    Contract.objects.filter(id__in=contract_ids, publications__isnull=True).delete()
    version.delete()
    for branch in branches:
        branch_head_recompute(branch=branch)
    # Its pacts (as a consumer) or its results (as a provider) may have been the latest.
    integration_summaries_refresh_for(pacticipant_id=version.pacticipant_id)


@atomic_with_retry
def branch_version_find_or_create(
    *, pacticipant_name: str, branch_name: str, version_number: str
) -> tuple[BranchVersion, bool]:
    """PUT a branch version: find or create the pacticipant, version, branch and membership."""
    from contracts.services.pacticipants import (
        pacticipant_find_or_create,
        validate_name,
    )

    # Validate every name first so bad input writes nothing (not even the pacticipant).
    validate_name(pacticipant_name, "pacticipant")
    validate_ref_name(branch_name, "branch")
    validate_version_number(version_number, "version")
    access.write(
        "branch_version.add",
        f"{pacticipant_name} {version_number} on branch {branch_name}",
        applications=[pacticipant_name],
        details={"version": version_number, "branch": branch_name},
    )
    pacticipant = pacticipant_find_or_create(name=pacticipant_name)
    version, _ = version_find_or_create(pacticipant=pacticipant, number=version_number)
    return branch_version_add(version=version, branch_name=branch_name)


@atomic_with_retry
def tag_find_or_create(*, pacticipant_name: str, version_number: str, tag_name: str) -> tuple[Tag, bool]:
    """PUT a tag: find or create pacticipant, version and tag.

    A new tag named like an existing environment also records a deployment there
    (the Pact Broker's create_deployed_versions_for_tags), so tag-based pipelines show
    up in environment-based queries. That is one write, `tag.add`, which then names the
    environment: whoever may not deploy there may not tag a version with its name either.
    """
    from contracts.models import Environment
    from contracts.services.deployments import deployment_record_as_part_of
    from contracts.services.pacticipants import (
        pacticipant_find_or_create,
        validate_name,
    )

    validate_name(pacticipant_name, "pacticipant")
    validate_version_number(version_number, "version")
    validate_ref_name(tag_name, "tag")
    environment = None
    if settings.ACCORD_CREATE_DEPLOYED_VERSIONS_FOR_TAGS:
        environment = Environment.objects.filter(name=tag_name).first()
    access.write(
        "tag.add",
        f"{pacticipant_name} {version_number} tag {tag_name}",
        applications=[pacticipant_name],
        environment=environment.name if environment is not None else None,
        details={"version": version_number, "tag": tag_name},
    )
    pacticipant = pacticipant_find_or_create(name=pacticipant_name)
    version, _ = version_find_or_create(pacticipant=pacticipant, number=version_number)
    tag, created = tag_add(version=version, name=tag_name)
    if created and environment is not None:
        deployment_record_as_part_of(version=version, environment=environment, auto_created=True)
    return tag, created


@atomic_with_retry
def tag_delete(*, tag: Tag) -> None:
    """Remove a tag from its version."""
    owner, number = tag.pacticipant.name, tag.version.number
    access.write(
        "tag.delete",
        f"{owner} {number} tag {tag.name}",
        applications=[owner],
        details={"version": number, "tag": tag.name},
    )
    tag.delete()


@atomic_with_retry
def branches_delete(*, pacticipant: Pacticipant, exclude: list[str]) -> tuple[int, list[str]]:
    """Delete every branch of a pacticipant except `exclude` and the main branch.

    Returns how many were deleted and the names left, oldest first. The versions stay.
    """
    keep = set(exclude)
    if pacticipant.main_branch:
        keep.add(pacticipant.main_branch)
    access.write(
        "branches.delete",
        f"{pacticipant.name} branches except {', '.join(sorted(keep))}" if keep else f"{pacticipant.name} branches",
        applications=[pacticipant.name],
        details={"kept": sorted(keep)},
    )
    doomed = Branch.objects.filter(pacticipant=pacticipant).exclude(name__in=keep)
    deleted = doomed.count()
    doomed.delete()
    remaining = Branch.objects.filter(pacticipant=pacticipant).order_by("created_at", "id")
    return deleted, list(remaining.values_list("name", flat=True))
