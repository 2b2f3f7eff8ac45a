"""Pending and WIP pacts (api spec 4.4, 4.5): has the provider ever accepted this content?

Both are answered per contract (content), because a verification counts for every
consumer version that published the same content. Each function is a fixed number of
queries whatever the number of contracts or consumers. For a provider branch (what
verifiers send today) each is one prepared statement of hand-written SQL
(contracts/reading.py), the branch's creation read inside it; for provider tags, a lookup
of when the tags were first used, then one query with an EXISTS per rule.
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
from contracts.reading import read_rows
from contracts.selectors.publication_refs import PublicationRef, current_publication_refs, publication_refs

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


def _tags_first_used(provider: Pacticipant, tags: Iterable[str]) -> dict[str, datetime]:
    rows = (
        Tag.objects.filter(pacticipant=provider, name__in=list(tags)).values("name").annotate(first=Min("created_at"))
    )
    return {row["name"]: row["first"] for row in rows}


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


def _accepted_on_branch_sql(contract: str) -> str:
    """Accepted on the branch, or on another branch before it existed: an EXISTS expression
    of hand-written SQL for the contract `contract` names.

    A branch that does not exist yet inherits every other branch's acceptance: a new
    feature branch of the provider starts where main is. Its parameters: `provider`,
    `branch`, and `results_since`: NULL counts every successful result; a time counts only
    the non-WIP results executed since then (the WIP look-back).
    """
    successes = (
        f"SELECT 1 FROM contracts_verification v WHERE v.contract_id = {contract} AND v.success"
        " AND (%(results_since)s::timestamptz IS NULL OR (NOT v.wip AND v.execution_date >= %(results_since)s::timestamptz))"
    )
    on_branch = "SELECT 1 FROM contracts_branchversion bv WHERE bv.version_id = v.provider_version_id"
    created = (
        "coalesce((SELECT b.created_at FROM contracts_branch b WHERE b.pacticipant_id = %(provider)s"
        " AND b.name = %(branch)s ORDER BY b.id LIMIT 1), 'infinity')"
    )
    # One EXISTS over the contract's results, each tested on the branch first: most contracts
    # were verified on it, and the first such result ends the search. As two EXISTS, the
    # planner may test "elsewhere" first, reading every result of every contract.
    return (
        f"EXISTS ({successes} AND (EXISTS ({on_branch} AND bv.branch_name = %(branch)s)"
        f" OR (v.execution_date < {created} AND EXISTS ({on_branch} AND bv.branch_name <> %(branch)s))))"
    )


_PENDING_ON_BRANCH_SQL = f"SELECT k.id, {_accepted_on_branch_sql('k.id')} FROM unnest(%(ids)s::bigint[]) AS k(id)"  # noqa: S608 - ours


def _pending_tags(row: dict, tags: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(tag for i, tag in enumerate(tags) if not (row[f"here_{i}"] or row[f"elsewhere_{i}"]))


def pending_statuses(
    *, provider: Pacticipant, contract_ids: Collection[int], branch: str | None, tags: tuple[str, ...]
) -> dict[int, PendingStatus]:
    """Pending state per contract id for a provider version on `branch` (else with `tags`).

    Any successful result counts here, WIP ones included; failures never clear pending.
    """
    if branch:
        rows = read_rows(
            Contract,
            _PENDING_ON_BRANCH_SQL,
            {"ids": sorted(set(contract_ids)), "provider": provider.id, "branch": branch, "results_since": None},
        )
        return {contract_id: PendingStatus(not accepted) for contract_id, accepted in rows}
    contracts = Contract.objects.filter(id__any=set(contract_ids))
    successes = _successes("pk")
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
    lookback_start = timezone.now() - timedelta(days=lookback)
    if branch:
        return _wip_candidates_on_branch(provider, since, branch, lookback_start)
    successes = _successes("contract_id", wip=False, execution_date__gte=lookback_start)
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


# The heads of the provider's consumers: every branch head, and the newest version of each tag.
# The heads' memberships by their ids (an init plan): joined to the memberships, the planner
# hashes the whole membership table for a few hundred heads.
_CONSUMERS_SQL = "SELECT i.consumer_id FROM contracts_integration i WHERE i.provider_id = %(provider)s"
_HEADS_SQL = f"""
SELECT bv.version_id FROM contracts_branchversion bv WHERE bv.id = ANY(ARRAY(
    SELECT b.head_id FROM contracts_branch b WHERE b.head_id IS NOT NULL AND b.pacticipant_id IN ({_CONSUMERS_SQL})))
UNION ALL
SELECT tag_heads.version_id FROM (
    SELECT DISTINCT ON (t.pacticipant_id, t.name) t.version_id FROM contracts_tag t
     WHERE t.pacticipant_id IN ({_CONSUMERS_SQL})
     ORDER BY t.pacticipant_id, t.name, t.version_id DESC) tag_heads
"""
_ACCEPTED_PUBLICATION_SQL = _accepted_on_branch_sql("pub.contract_id")
_HEAD_BRANCHES_SQL = (
    "ARRAY(SELECT hb.name FROM contracts_branch hb JOIN contracts_branchversion hv ON hv.id = hb.head_id"
    " WHERE hv.version_id = pub.consumer_version_id ORDER BY hb.name)"
)
_HEAD_TAGS_SQL = (
    "ARRAY(SELECT ht.name FROM contracts_tag ht WHERE ht.version_id = pub.consumer_version_id AND NOT EXISTS ("
    "SELECT 1 FROM contracts_tag newer WHERE newer.pacticipant_id = ht.pacticipant_id AND newer.name = ht.name"
    " AND newer.version_id > ht.version_id) ORDER BY ht.name)"
)


def _wip_candidates_on_branch(
    provider: Pacticipant, since: datetime, branch: str, lookback_start: datetime
) -> list[WipCandidate]:
    """`wip_candidates` for a provider branch: one prepared statement (contracts/reading.py).

    The heads are an init plan (a few hundred versions), and the pacts are found from them
    by the consumer version index, as the ORM query's explicit list of heads did."""
    found = current_publication_refs(
        provider.id,
        {"results_since": lookback_start, "branch": branch, "published_after": since},
        columns=f"{_HEAD_BRANCHES_SQL}, {_HEAD_TAGS_SQL}",
        where=(
            f"pub.created_at > %(published_after)s AND pub.consumer_version_id = ANY(ARRAY({_HEADS_SQL}))"
            f" AND NOT {_ACCEPTED_PUBLICATION_SQL}"
        ),
    )
    return [WipCandidate(p, names, tags) for p, names, tags in found]
