"""Pacts for verification (api spec 3.11, 4.3-4.5): which pacts a provider build must verify.

Each consumer version selector is resolved with one set-based query over the provider's
current publications (never a query per consumer), giving (publication, resolved
selector) pairs. Pairs are merged by (consumer, content): one entry per contract, shown
with the newest consumer version that published it and every selector that picked it.
Pending status and WIP pacts (contracts.selectors.pending) are then one query each.

Fallbacks are per consumer: `{branch: B, fallbackBranch: F}` gives each consumer without
a pact at the head of B the pact at the head of F (the Pact Broker 2.120 validates
`fallbackBranch` but ignores it); `fallbackTag` works the same way for `{tag, latest}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from contracts.models import Branch, ContractPublication, Integration, Pacticipant, Tag
from contracts.selectors import pending as pending_queries
from contracts.selectors.publication_refs import PublicationRef, current_publication_refs, publication_refs

# Resolved selector kinds, in the order their descriptions are listed (api spec 4.3).
LATEST, MAIN_BRANCH, BRANCH, TAG_LATEST, TAG_ALL, DEPLOYED, RELEASED = (
    "latest",
    "main_branch",
    "branch",
    "tag_latest",
    "tag_all",
    "deployed",
    "released",
)
_RANK = {LATEST: 0, MAIN_BRANCH: 1, BRANCH: 1, TAG_LATEST: 2, TAG_ALL: 3, DEPLOYED: 4, RELEASED: 5}


@dataclass(frozen=True)
class Selector:
    """A validated consumer version selector (`deployedOrReleased` arrives split in two).

    `consumer_ids` and `main_branch_tag` are only set on default selectors, which apply to
    a set of consumers at once and may take the tag name from each consumer's main branch.
    """

    latest: bool = False
    main_branch: bool = False
    branch: str | None = None
    each_branch: bool = False
    fallback_branch: str | None = None
    matching_branch: bool = False
    tag: str | None = None
    fallback_tag: str | None = None
    deployed: bool = False
    released: bool = False
    environment: str | None = None
    consumer: str | None = None
    consumer_ids: frozenset[int] | None = None
    main_branch_tag: bool = False


@dataclass(frozen=True)
class ForVerificationQuery:
    """A validated pacts-for-verification request."""

    selectors: tuple[Selector, ...] = ()
    provider_version_branch: str | None = None
    provider_version_tags: tuple[str, ...] = ()
    include_pending_status: bool = True
    include_wip_pacts_since: datetime | None = None


@dataclass(frozen=True)
class ResolvedSelector:
    """A selector applied to one consumer version (for environments: one deployment)."""

    kind: str
    consumer_version_id: int
    consumer_version_number: str
    consumer: str | None = None
    branch: str | None = None
    tag: str | None = None
    # The branch or tag that was asked for, when it had no pact and its fallback was used.
    fallback_for: str | None = None
    environment: str | None = None
    production: bool = False
    target: str | None = None

    def sort_key(self) -> tuple:
        name = self.branch or self.tag or ""
        return (
            _RANK[self.kind],
            name,
            self.consumer or "",
            self.production,
            self.environment or "",
            self.consumer_version_id,
        )

    def short_description(self) -> str:
        """The terse name verifiers print and Pact Go uses to name tests."""
        if self.kind == LATEST:
            return "latest"
        if self.kind == MAIN_BRANCH:
            return "latest from main branch"
        if self.kind == BRANCH:
            return f"latest from branch {self.branch}"
        if self.kind == TAG_LATEST:
            return f"latest with tag {self.tag}"
        if self.kind == TAG_ALL:
            return f"one of {self.consumer} {self.tag}" if self.consumer else f"one of {self.tag}"
        if self.kind == DEPLOYED:
            return f"deployed to {self.environment}"
        return f"released in {self.environment}"

    def description(self, provider_name: str) -> str:
        """One criterion line of the inclusion notice, ending with the consumer version."""
        version_of = f"version of {self.consumer}" if self.consumer else "version"
        if self.kind == LATEST:
            text = f"latest version of {self.consumer or 'a consumer'} that has a pact with {provider_name}"
        elif self.kind == MAIN_BRANCH:
            text = f"latest {version_of} from the main branch '{self.branch}'"
        elif self.kind in (BRANCH, TAG_LATEST):
            what, name = ("from branch", self.branch) if self.kind == BRANCH else ("tagged", self.tag)
            text = f"latest {version_of} {what} '{name}'"
            if self.fallback_for:
                text += f" (used as a fallback because no pact was found {what} '{self.fallback_for}')"
        elif self.kind == TAG_ALL:
            text = f"all {self.consumer + ' ' if self.consumer else 'consumer '}versions tagged '{self.tag}'"
        else:
            where = "currently deployed to" if self.kind == DEPLOYED else "released and supported in"
            instance = f" (application instance {self.target})" if self.target else ""
            text = f"{self.consumer or 'a consumer'} version {where} {self.environment}{instance}"
        return f"{text} ({self.consumer_version_number})"

    def metadata(self) -> dict:
        """This selector in the pact URL's metadata (api spec 4.10 key names)."""
        data: dict = {"cv": self.consumer_version_id, "cvn": self.consumer_version_number}
        if self.kind in (LATEST, MAIN_BRANCH, BRANCH, TAG_LATEST):
            data["l"] = True
        if self.branch:
            data["b"] = self.branch
        if self.tag:
            data["t"] = self.tag
        if self.environment:
            data["e"] = self.environment
        return data


@dataclass
class VerifiablePact:
    """One entry of the answer: a contract, why it was selected, and its pending state.
    The publication is a PublicationRef when the selectors found it, or a model."""

    publication: PublicationRef | ContractPublication
    selectors: list[ResolvedSelector] = field(default_factory=list)
    wip: bool = False
    pending: bool | None = None
    pending_tags: tuple[str, ...] = ()
    non_pending_tags: tuple[str, ...] = ()

    def short_description(self) -> str:
        return ", ".join(dict.fromkeys(s.short_description() for s in self.selectors))

    def sort_key(self) -> tuple:
        consumer = self.publication.consumer.name
        return (consumer.lower(), consumer, self.publication.consumer_version_id)


def _publications(provider: Pacticipant, selector: Selector) -> QuerySet[ContractPublication]:
    publications = ContractPublication.objects.filter(provider=provider, is_current=True)
    if selector.consumer is not None:
        publications = publications.filter(consumer__name=selector.consumer)
    if selector.consumer_ids is not None:
        publications = publications.filter(consumer_id__in=selector.consumer_ids)
    return publications


def _consumer_condition(selector: Selector) -> tuple[list[str], dict]:
    """`_publications`' consumer conditions, for the hand-written selectors: SQL and values."""
    where, params = [], {}
    if selector.consumer is not None:
        where.append("c.name = %(consumer)s")
        params["consumer"] = selector.consumer
    if selector.consumer_ids is not None:
        where.append("pub.consumer_id = ANY(%(consumer_ids)s::bigint[])")
        params["consumer_ids"] = sorted(selector.consumer_ids)
    return where, params


def _branch_heads(name: object = None) -> QuerySet[Branch]:
    """Branches whose head is the outer publication's consumer version (optionally by name).

    The consumer condition changes no answer (a head is a version of its own pacticipant)
    but lets the planner match each consumer's main branch by (pacticipant, name) instead
    of pairing every consumer with every branch of that name in the broker."""
    heads = Branch.objects.filter(
        pacticipant_id=OuterRef("consumer_id"), head__version_id=OuterRef("consumer_version_id")
    )
    return heads.filter(name=name) if name is not None else heads


def _head_tag(name: object) -> Subquery:
    """The newest version of the outer publication's consumer carrying the tag (its "head")."""
    newest = Tag.objects.filter(pacticipant_id=OuterRef("consumer_id"), name=name).order_by("-version_id")
    return Subquery(newest.values("version_id")[:1])


def _resolve(provider: Pacticipant, selector: Selector) -> list[tuple[PublicationRef, ResolvedSelector]]:
    """Every (publication, resolved selector) one selector picks: one query (two with a fallback)."""
    publications = _publications(provider, selector)

    def refs(rows: QuerySet[ContractPublication]) -> list[PublicationRef]:
        return [ref for (ref,) in publication_refs(rows)]

    def resolved(publication: PublicationRef, kind: str, **values) -> ResolvedSelector:
        consumer = publication.consumer.name if selector.consumer_ids is not None else selector.consumer
        version = publication.consumer_version
        return ResolvedSelector(kind, version.id, version.number, consumer=consumer, **values)

    if selector.deployed or selector.released:
        # Hand-written and prepared (contracts/reading.py), as the other hot selector: one
        # row per publication and current deployment (or supported release).
        where, params = _consumer_condition(selector)
        # Releases have no application instance.
        table, current, target = (
            ("contracts_deployedversion", "undeployed_at", "live.target")
            if selector.deployed
            else ("contracts_releasedversion", "support_ended_at", "NULL::text")
        )
        joins = (
            f"JOIN {table} live ON live.version_id = pub.consumer_version_id AND live.{current} IS NULL\n"
            "JOIN contracts_environment e ON e.id = live.environment_id"
        )
        if selector.environment:
            where.append("e.name = %(environment)s")
            params["environment"] = selector.environment
        rows = current_publication_refs(
            provider.id, params, columns=f"e.name, e.production, {target}", joins=joins, where=" AND ".join(where)
        )
        kind = DEPLOYED if selector.deployed else RELEASED
        return [
            (p, resolved(p, kind, environment=name, production=production, target=target))
            for p, name, production, target in rows
        ]
    if selector.each_branch:
        rows = publications.filter(Exists(_branch_heads())).annotate(
            head_branches=ArraySubquery(_branch_heads().order_by("name").values("name"))
        )
        return [
            (p, resolved(p, BRANCH, branch=name))
            for p, names in publication_refs(rows, "head_branches")
            for name in names
        ]
    if selector.main_branch:
        # The heads of the consumers' main branches first (init plans: a few dozen rows, each
        # head's membership by its primary key), then their pacts by the consumer version
        # index: as an EXISTS or a join, the planner hashes every branch membership.
        where, params = _consumer_condition(selector)
        where.append(
            "pub.consumer_version_id = ANY(ARRAY("
            "SELECT bv.version_id FROM contracts_branchversion bv WHERE bv.id = ANY(ARRAY("
            "SELECT b.head_id FROM contracts_integration i"
            " JOIN contracts_pacticipant owner ON owner.id = i.consumer_id"
            " JOIN contracts_branch b ON b.pacticipant_id = i.consumer_id AND b.name = owner.main_branch"
            " WHERE i.provider_id = %(provider)s AND b.head_id IS NOT NULL))))"
        )
        rows = current_publication_refs(provider.id, params, where=" AND ".join(where))
        return [(p, resolved(p, MAIN_BRANCH, branch=p.consumer.main_branch)) for (p,) in rows]
    if selector.branch is not None:
        found = [
            (p, resolved(p, BRANCH, branch=selector.branch))
            for p in refs(publications.filter(Exists(_branch_heads(selector.branch))))
        ]
        if selector.fallback_branch:
            # Fallback per consumer: a consumer without a pact on the branch gets its
            # fallback branch's pact; consumers that have one are unaffected.
            missing = publications.exclude(consumer_id__in={p.consumer_id for p, _ in found})
            found += [
                (p, resolved(p, BRANCH, branch=selector.fallback_branch, fallback_for=selector.branch))
                for p in refs(missing.filter(Exists(_branch_heads(selector.fallback_branch))))
            ]
        return found
    if selector.tag is not None or selector.main_branch_tag:
        tag = OuterRef("consumer__main_branch") if selector.main_branch_tag else selector.tag
        if not selector.latest:
            rows = publications.filter(Exists(Tag.objects.filter(version_id=OuterRef("consumer_version_id"), name=tag)))
            return [(p, resolved(p, TAG_ALL, tag=selector.tag)) for p in refs(rows)]
        rows = publications.filter(consumer_version_id=_head_tag(tag))
        found = [
            (p, resolved(p, TAG_LATEST, tag=p.consumer.main_branch if selector.main_branch_tag else selector.tag))
            for p in refs(rows)
        ]
        if selector.fallback_tag:
            missing = publications.exclude(consumer_id__in={p.consumer_id for p, _ in found})
            found += [
                (p, resolved(p, TAG_LATEST, tag=selector.fallback_tag, fallback_for=selector.tag))
                for p in refs(missing.filter(consumer_version_id=_head_tag(selector.fallback_tag)))
            ]
        return found
    # Overall latest: the newest consumer version of each consumer that has a pact with the provider.
    rows = publications.order_by("consumer_id", "-consumer_version_id").distinct("consumer_id")
    return [(p, resolved(p, LATEST)) for p in refs(rows)]


def default_selectors(provider: Pacticipant) -> list[Selector]:
    """The selectors used when none are given (api spec 4.3), in one query.

    Per integrated consumer: its main branch if that branch has versions, else the latest
    version tagged with the main branch's name if there is one, else its latest pact;
    plus everything currently deployed or released.
    """
    consumers = (
        Pacticipant.objects.filter(id__in=Integration.objects.filter(provider=provider).values("consumer_id"))
        .annotate(
            has_main_branch=Exists(
                Branch.objects.filter(pacticipant_id=OuterRef("id"), name=OuterRef("main_branch"), head__isnull=False)
            ),
            has_main_tag=Exists(Tag.objects.filter(pacticipant_id=OuterRef("id"), name=OuterRef("main_branch"))),
        )
        .values_list("id", "has_main_branch", "has_main_tag")
    )
    by_branch, by_tag, by_latest = set(), set(), set()
    for consumer_id, has_main_branch, has_main_tag in consumers:
        (by_branch if has_main_branch else by_tag if has_main_tag else by_latest).add(consumer_id)
    selectors = []
    if by_branch:
        selectors.append(Selector(main_branch=True, latest=True, consumer_ids=frozenset(by_branch)))
    if by_tag:
        selectors.append(Selector(main_branch_tag=True, latest=True, consumer_ids=frozenset(by_tag)))
    if by_latest:
        selectors.append(Selector(latest=True, consumer_ids=frozenset(by_latest)))
    return [*selectors, Selector(deployed=True), Selector(released=True)]


def _merge(found: list[tuple[PublicationRef, ResolvedSelector]]) -> list[VerifiablePact]:
    """One entry per (consumer, content), shown with its newest publication and all its selectors."""
    merged: dict[tuple[int, int], VerifiablePact] = {}
    for publication, resolved in found:
        key = (publication.consumer_id, publication.contract_id)
        entry = merged.setdefault(key, VerifiablePact(publication))
        if publication.consumer_version_id > entry.publication.consumer_version_id:
            entry.publication = publication
        if resolved not in entry.selectors:
            entry.selectors.append(resolved)
    for entry in merged.values():
        entry.selectors.sort(key=ResolvedSelector.sort_key)
    return sorted(merged.values(), key=VerifiablePact.sort_key)


def _wip(provider: Pacticipant, query: ForVerificationQuery, explicit: list[VerifiablePact]) -> list[VerifiablePact]:
    """WIP pacts (api spec 4.5), minus any content already selected explicitly."""
    selected = {(pact.publication.consumer_id, pact.publication.contract_id) for pact in explicit}
    candidates = pending_queries.wip_candidates(
        provider=provider,
        since=query.include_wip_pacts_since,
        branch=query.provider_version_branch,
        tags=query.provider_version_tags,
    )
    found = []
    pending_tags: dict[tuple[int, int], set[str]] = {}
    for candidate in candidates:
        publication = candidate.publication
        key = (publication.consumer_id, publication.contract_id)
        if key in selected:
            continue
        version = publication.consumer_version
        found += [
            (publication, ResolvedSelector(BRANCH, version.id, version.number, branch=name))
            for name in candidate.head_branches
        ]
        found += [
            (publication, ResolvedSelector(TAG_LATEST, version.id, version.number, tag=name))
            for name in candidate.head_tags
        ]
        pending_tags.setdefault(key, set()).update(candidate.pending_tags)
    wip = _merge(found)
    for pact in wip:
        key = (pact.publication.consumer_id, pact.publication.contract_id)
        pact.wip, pact.pending = True, True
        pact.pending_tags = tuple(tag for tag in query.provider_version_tags if tag in pending_tags[key])
    return wip


def pacts_for_verification(*, provider: Pacticipant, query: ForVerificationQuery) -> list[VerifiablePact]:
    """The pacts a provider version must verify: selected ones by consumer name, then WIP ones."""
    selectors = list(query.selectors) or default_selectors(provider)
    found = [pair for selector in selectors for pair in _resolve(provider, selector)]
    explicit = _merge(found)
    if query.include_pending_status and explicit:
        statuses = pending_queries.pending_statuses(
            provider=provider,
            contract_ids={pact.publication.contract_id for pact in explicit},
            branch=query.provider_version_branch,
            tags=query.provider_version_tags,
        )
        for pact in explicit:
            status = statuses[pact.publication.contract_id]
            pact.pending, pact.pending_tags, pact.non_pending_tags = (
                status.pending,
                status.pending_tags,
                status.non_pending,
            )
    # WIP needs to know what the provider version will be: without a branch or tags, none.
    wip: list[VerifiablePact] = []
    if query.include_wip_pacts_since and (query.provider_version_branch or query.provider_version_tags):
        wip = _wip(provider, query, explicit)
    return explicit + wip


def with_matching_branch(selector: Selector, provider_version_branch: str) -> Selector:
    """`matchingBranch: true` is the provider version's branch, asked of each consumer."""
    return replace(selector, matching_branch=True, branch=provider_version_branch, latest=True)
