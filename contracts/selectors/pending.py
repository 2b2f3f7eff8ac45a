"""Pending and WIP pacts (api spec 4.4, 4.5): has the provider ever accepted this content?

Both are answered per contract (content), because a verification counts for every
consumer version that published the same content. Each function is a fixed number of
queries whatever the number of contracts or consumers: one lookup of when the provider
branch or tags were first used, and one query with an EXISTS per rule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, Min, OuterRef, QuerySet
from django.utils import timezone

from contracts.models import (
    Branch,
    BranchVersion,
    Contract,
    ContractPublication,
    Integration,
    Pacticipant,
    Tag,
    Verification,
)
from contracts.selectors.publication_refs import PublicationRef, publication_refs

# Since Pact Broker 2.119 (#902) WIP exclusions only look at recent verifications.
DEFAULT_LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class PendingStatus:
    """Pending state of one contract for the provider version about to verify it."""

    pending: bool
    # Tags mode: the provider tags it is (not) pending for.
    pending_tags: tuple[str, ...] = ()
    non_pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class WipCandidate:
    """A recent head pact not yet accepted by the provider branch or tags."""

    publication: PublicationRef
    head_branches: list[str]
    head_tags: list[str]
    pending_tags: tuple[str, ...] = ()


def _successes(contract_ref: str, **conditions: object) -> QuerySet[Verification]:
    return Verification.objects.filter(contract_id=OuterRef(contract_ref), success=True, **conditions)


def _on_branch(branch: str) -> Exists:
    return Exists(BranchVersion.objects.filter(version_id=OuterRef("provider_version_id"), branch_name=branch))


def _on_other_branch(branch: str) -> Exists:
    return Exists(BranchVersion.objects.filter(version_id=OuterRef("provider_version_id")).exclude(branch_name=branch))


def _branch_created_at(provider: Pacticipant, branch: str) -> datetime | None:
    return Branch.objects.filter(pacticipant=provider, name=branch).values_list("created_at", flat=True).first()


def _tags_first_used(provider: Pacticipant, tags: Iterable[str]) -> dict[str, datetime]:
    rows = (
        Tag.objects.filter(pacticipant=provider, name__in=list(tags)).values("name").annotate(first=Min("created_at"))
    )
    return {row["name"]: row["first"] for row in rows}


def _accepted_by_branch(successes: QuerySet[Verification], branch: str, created_at: datetime | None) -> dict:
    """EXISTS annotations: accepted on the branch, or on another branch before it existed.

    A branch that does not exist yet inherits every other branch's acceptance: a new
    feature branch of the provider starts where main is.
    """
    elsewhere = successes.filter(_on_other_branch(branch))
    if created_at is not None:
        elsewhere = elsewhere.filter(execution_date__lt=created_at)
    return {"here": Exists(successes.filter(_on_branch(branch))), "elsewhere": Exists(elsewhere)}


def _accepted_by_tags(successes: QuerySet[Verification], tags: tuple[str, ...], first_used: dict) -> dict:
    """Per tag i, EXISTS annotations `here_i` / `elsewhere_i` (the branch rules, with tags).

    Tags are the ones the provider version had when its result was published.
    """
    annotations = {}
    for index, tag in enumerate(tags):
        elsewhere = successes.exclude(provider_version_tags=[]).exclude(provider_version_tags=[tag])
        if tag in first_used:
            elsewhere = elsewhere.filter(execution_date__lt=first_used[tag])
        annotations[f"here_{index}"] = Exists(successes.filter(provider_version_tags__contains=[tag]))
        annotations[f"elsewhere_{index}"] = Exists(elsewhere)
    return annotations


def _pending_tags(row: dict, tags: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(tag for i, tag in enumerate(tags) if not (row[f"here_{i}"] or row[f"elsewhere_{i}"]))


def pending_statuses(
    *, provider: Pacticipant, contract_ids: Collection[int], branch: str | None, tags: tuple[str, ...]
) -> dict[int, PendingStatus]:
    """Pending state per contract id for a provider version on `branch` (else with `tags`).

    Any successful result counts here, WIP ones included; failures never clear pending.
    """
    contracts = Contract.objects.filter(id__any=set(contract_ids))
    successes = _successes("pk")
    if branch:
        annotations = _accepted_by_branch(successes, branch, _branch_created_at(provider, branch))
        rows = contracts.annotate(**annotations).values("id", "here", "elsewhere")
        return {row["id"]: PendingStatus(not (row["here"] or row["elsewhere"])) for row in rows}
    if tags:
        rows = contracts.annotate(**_accepted_by_tags(successes, tags, _tags_first_used(provider, tags))).values()
        statuses = {}
        for row in rows:
            pending = _pending_tags(row, tags)
            statuses[row["id"]] = PendingStatus(bool(pending), pending, tuple(t for t in tags if t not in pending))
        return statuses
    rows = contracts.annotate(accepted=Exists(successes)).values_list("id", "accepted")
    return {contract_id: PendingStatus(not accepted) for contract_id, accepted in rows}


def wip_candidates(
    *, provider: Pacticipant, since: datetime, branch: str | None, tags: tuple[str, ...]
) -> list[WipCandidate]:
    """Head pacts published after `since` that the provider branch (else tags) has not accepted.

    Candidates are the pacts of consumer branch heads and head-tag versions. Only
    successful non-WIP results from the look-back window exclude one: a WIP result does
    not make a pact stop being WIP, and very old results no longer count (#902).
    """
    lookback = getattr(settings, "ACCORD_VERIFIED_BY_OTHER_BRANCH_LOOKBACK_DAYS", DEFAULT_LOOKBACK_DAYS)
    successes = _successes("contract_id", wip=False, execution_date__gte=timezone.now() - timedelta(days=lookback))
    branch_heads = Branch.objects.filter(head__version_id=OuterRef("consumer_version_id"))
    newer_tag = Tag.objects.filter(
        pacticipant_id=OuterRef("pacticipant_id"), name=OuterRef("name"), version_id__gt=OuterRef("version_id")
    )
    tag_heads = Tag.objects.filter(version_id=OuterRef("consumer_version_id")).filter(~Exists(newer_tag))
    # Start from the heads, not from the publications in the window: a busy provider has
    # hundreds of thousands of publications a month but only a few hundred branch heads
    # and head tags (the query the Pact Broker had to fix in #902).
    consumers = Integration.objects.filter(provider=provider).values("consumer_id")
    # The heads' versions by the heads' ids, an explicit list too: joined to the branch
    # memberships, the planner hashes the whole membership table for a few hundred heads.
    head_memberships = Branch.objects.filter(pacticipant_id__in=consumers, head__isnull=False).values_list(
        "head_id", flat=True
    )
    head_ids = set(BranchVersion.objects.filter(id__any=set(head_memberships)).values_list("version_id", flat=True))
    head_ids.update(
        Tag.objects.filter(pacticipant_id__in=consumers)
        .order_by("pacticipant_id", "name", "-version_id")
        .distinct("pacticipant_id", "name")
        .values_list("version_id", flat=True)
    )
    # An explicit (small) list, not a subquery: the planner then probes the publication
    # and verification indexes per head instead of scanning and hashing whole tables. The
    # contracts are read for the candidates found (usually none or a few): joined here, the
    # planner merges them in, reading every contract of the broker.
    publications = (
        ContractPublication.objects.filter(provider=provider, is_current=True, created_at__gt=since)
        .filter(consumer_version_id__any=head_ids)
        .annotate(
            head_branches=ArraySubquery(branch_heads.order_by("name").values("name")),
            head_tags=ArraySubquery(tag_heads.order_by("name").values("name")),
        )
    )
    if branch:
        accepted = _accepted_by_branch(successes, branch, _branch_created_at(provider, branch))
        rows = publications.filter(~accepted["here"], ~accepted["elsewhere"])
        found = publication_refs(rows, "head_branches", "head_tags", join_contracts=False)
        return [WipCandidate(p, names, tags) for p, names, tags in found]
    annotations = _accepted_by_tags(successes, tags, _tags_first_used(provider, tags))
    flags = list(annotations)
    candidates = []
    for ref, names, head_tags, *accepted in publication_refs(
        publications.annotate(**annotations), "head_branches", "head_tags", *flags, join_contracts=False
    ):
        pending = _pending_tags(dict(zip(flags, accepted, strict=True)), tags)
        if pending:
            candidates.append(WipCandidate(ref, names, head_tags, pending))
    return candidates
