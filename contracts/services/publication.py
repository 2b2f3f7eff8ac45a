"""Publishing contracts: `POST /contracts/publish` and the legacy `PUT /pacts/...`.

Everything a request asks for is validated before anything is written, so a bad
contract in a batch stores nothing. Writes then happen in one transaction, in one lock
order (pacticipants by name, version, branch, tags, contracts by provider name), which
is what keeps concurrent publishers of the same version free of deadlocks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from contracts import access, events
from contracts.events import Notice
from contracts.exceptions import Conflict, InvalidInput
from contracts.models import (
    Contract,
    ContractPublication,
    Integration,
    Pacticipant,
    Tag,
    Version,
)
from contracts.pact.content import (
    MergeConflict,
    content_diff,
    content_sha,
    interaction_counts,
    merge_pacts,
    with_interaction_ids,
)
from contracts.pact.parsing import JsonParseError, parse_json
from contracts.pact.validation import (
    specification_version,
    validate_pact,
    validate_pact_names,
)
from contracts.services.integration_summaries import integration_summary_refresh
from contracts.services.pacticipants import pacticipants_find_or_create, validate_name
from contracts.services.transactions import (
    atomic_with_retry,
    get_or_insert,
    insert_unless_conflict,
    rows_where,
    run_statement,
)
from contracts.services.versions import (
    branch_version_add,
    tag_add,
    validate_ref_name,
    validate_version_number,
    version_find_or_create,
)

ON_CONFLICT = ("overwrite", "merge")


@dataclass(frozen=True)
class PreparedContract:
    """A validated pact, ready to store."""

    consumer_name: str
    provider_name: str
    raw: str
    document: dict[str, Any]
    sha: str
    on_conflict: str = "overwrite"

    @property
    def document_text(self) -> str:
        return json.dumps(self.document, ensure_ascii=False, separators=(",", ":"))


@dataclass
class PublishedContract:
    """What happened to one contract of a publish request.

    `events` are the events detected, each with the Pact Broker's explanation (or None);
    `notices` are what the events' subscribers had to say (webhooks triggered, advice).
    """

    publication: ContractPublication
    outcome: str  # created | unchanged | merged | overwritten
    events: list[tuple[str, str | None]] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    # Whether the provider has ever published a verification result for this pair.
    pair_verified: bool = False

    @property
    def event_names(self) -> list[str]:
        return [name for name, _ in self.events]


@dataclass
class PublishResult:
    pacticipant: Pacticipant
    version: Version
    version_created: bool
    branch: str | None
    tags: list[str]
    contracts: list[PublishedContract]


def prepare_contract(
    raw: str | bytes, *, consumer_name: str, provider_name: str, on_conflict: str = "overwrite", field: str = "content"
) -> PreparedContract:
    """Parse and validate one pact document, or raise InvalidInput naming what is wrong."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        doc = parse_json(text)
    except UnicodeDecodeError as exc:
        raise InvalidInput({field: [f"is not valid UTF-8 (byte {exc.start})"]}) from None
    except JsonParseError as exc:
        raise InvalidInput({field: [f"is not valid JSON: {exc}"]}) from None
    errors = validate_pact(doc)
    if not errors:
        errors = validate_pact_names(doc, consumer=consumer_name, provider=provider_name)
    if errors:
        raise InvalidInput({field: errors})
    return PreparedContract(
        consumer_name=consumer_name,
        provider_name=provider_name,
        raw=text,
        document=with_interaction_ids(doc),
        sha=content_sha(doc),
        on_conflict=on_conflict,
    )


def _store_content(consumer: Pacticipant, provider: Pacticipant, prepared: PreparedContract) -> Contract:
    interactions, messages = interaction_counts(prepared.document)
    contract, _ = get_or_insert(
        Contract,
        consumer=consumer,
        provider=provider,
        sha=prepared.sha,
        defaults={
            "document": prepared.document_text,
            "raw": prepared.raw,
            "specification_version": specification_version(prepared.document),
            "interactions_count": interactions,
            "messages_count": messages,
        },
    )
    return contract


def _conflict_message(consumer: Pacticipant, version: Version, provider: Pacticipant) -> str:
    return (
        f"Cannot change the content of the pact for {consumer.name} version {version.number} and provider "
        f"{provider.name}, as race conditions will cause unreliable results for can-i-deploy. Each pact must "
        "be published with a unique consumer version number. Use a version number that changes with the "
        "content (e.g. the git SHA), or publish with onConflict: merge to add interactions."
    )


_CURRENT_WHERE = "consumer_version_id = %s AND provider_id = %s AND is_current"


def _current_publication(consumer: Pacticipant, version: Version, provider: Pacticipant) -> ContractPublication | None:
    """The version's current publication for the provider, locked (FOR UPDATE) until commit."""
    found = rows_where(ContractPublication, _CURRENT_WHERE, [version.id, provider.id], suffix="FOR UPDATE")
    if not found:
        return None
    current = found[0]
    current.consumer_version, current.consumer, current.provider = version, consumer, provider
    return current


def _publish_one(
    *, consumer: Pacticipant, version: Version, provider: Pacticipant, prepared: PreparedContract, conflict_field: str
) -> PublishedContract:
    current = _current_publication(consumer, version, provider)
    if current is None or prepared.on_conflict != "merge":
        contract = _store_content(consumer, provider, prepared)
    if current is None:
        publication = ContractPublication(
            consumer_version=version, consumer=consumer, provider=provider, contract=contract, revision=1
        )
        if insert_unless_conflict(publication):
            return PublishedContract(publication, "created")
        # A concurrent publisher of the same version won the insert; compare with it.
        current = _current_publication(consumer, version, provider)
        if current is None:
            raise AssertionError("a conflicting current publication must exist once the insert conflicted")
    if prepared.on_conflict != "merge" and current.contract_id == contract.id:
        return PublishedContract(current, "unchanged")

    if prepared.on_conflict == "merge":
        try:
            merged = merge_pacts(json.loads(current.contract.document), prepared.document)
        except MergeConflict as exc:
            raise Conflict(
                f"{_conflict_message(consumer, version, provider)} Merge failed: {exc}", field=conflict_field
            ) from None
        merged_prepared = PreparedContract(
            consumer_name=consumer.name,
            provider_name=provider.name,
            raw=json.dumps(merged, ensure_ascii=False),
            document=with_interaction_ids(merged),
            sha=content_sha(merged),
        )
        contract = _store_content(consumer, provider, merged_prepared)
        if contract.id == current.contract_id:
            return PublishedContract(current, "unchanged")
        outcome = "merged"
    elif settings.ACCORD_ALLOW_CONTRACT_MODIFICATION:
        outcome = "overwritten"
    else:
        difference = content_diff(json.loads(current.contract.document), prepared.document)
        raise Conflict(
            _conflict_message(consumer, version, provider),
            field=conflict_field,
            notices=[{"type": "info", "text": difference}],
        )

    ContractPublication.objects.filter(pk=current.pk).update(is_current=False)
    publication = ContractPublication.objects.create(
        consumer_version=version,
        consumer=consumer,
        provider=provider,
        contract=contract,
        revision=current.revision + 1,
    )
    return PublishedContract(publication, outcome)


# The pair's previous current pact before a consumer version, among the consumer's versions
# carrying a tag (walking tag_head_idx back from the version), or among its untagged ones
# (walking publication_latest_idx back; the versions passed over are the pair's tagged ones).
# Both are planned for their values, not prepared: a generic plan, which knows only how many
# pairs there are on average, could walk every pair's publications back from the version
# (the plan it chose with one provider and 30 consumers), reading the whole table for a pair
# that has published nothing before.
_PREVIOUS_TAGGED_SQL = """
SELECT p.contract_id
FROM contracts_tag t
JOIN contracts_contractpublication p
  ON p.consumer_version_id = t.version_id AND p.provider_id = %(provider)s AND p.is_current
WHERE t.pacticipant_id = %(consumer)s AND t.name = %(tag)s AND t.version_id < %(version)s
ORDER BY t.version_id DESC
LIMIT 1
"""
_PREVIOUS_UNTAGGED_SQL = """
SELECT p.contract_id FROM contracts_contractpublication p
WHERE p.provider_id = %(provider)s AND p.consumer_id = %(consumer)s AND p.is_current
  AND p.consumer_version_id < %(version)s
  AND NOT EXISTS (SELECT 1 FROM contracts_tag t WHERE t.version_id = p.consumer_version_id)
ORDER BY p.consumer_version_id DESC
LIMIT 1
"""


def _previous_contract_id(publication: ContractPublication, version: Version, tag: str | None) -> int | None:
    params = {"provider": publication.provider_id, "consumer": publication.consumer_id, "version": version.id}
    if tag is None:
        rows = run_statement(ContractPublication, _PREVIOUS_UNTAGGED_SQL, params, prepared=False)
    else:
        rows = run_statement(ContractPublication, _PREVIOUS_TAGGED_SQL, {**params, "tag": tag}, prepared=False)
    return rows[0][0] if rows else None


def _content_changes(published: PublishedContract, version: Version, tag_names: list[str]) -> list[str]:
    """The Pact Broker's rule for contract_content_changed, with its explanations: changed
    compared with the previous pact for each tag of this version, or with the previous
    untagged pact when the version has no tags. Empty when nothing changed."""
    publication = published.publication
    reasons = []
    for tag in sorted(tag_names) or [None]:
        before = _previous_contract_id(publication, version, tag)
        if before == publication.contract_id:
            continue
        if tag is None:
            reasons.append(
                "first time untagged pact published"
                if before is None
                else "pact content has changed since previous untagged version"
            )
        else:
            reasons.append(
                f"first time any pact published for this consumer with consumer version tagged {tag}"
                if before is None
                else f"pact content has changed since the last consumer version tagged with {tag}"
            )
    return reasons


def _unchanged_comment(tag_names: list[str]) -> str:
    if len(tag_names) == 1:
        return f"pact content is the same as previous version with tag {tag_names[0]} and no new tags were applied"
    if tag_names:
        tags = ", ".join(sorted(tag_names))
        return f"pact content is the same as previous versions with tags {tags} and no new tags were applied"
    return "pact content is the same as the previous untagged version"


def _events_for(published: PublishedContract, version: Version, tag_names: list[str]) -> list[tuple[str, str | None]]:
    """The events a publication raises, each with the explanation the publish answer shows."""
    if published.outcome == "unchanged":
        return [("contract_published", None), ("contract_content_unchanged", "pact content was unchanged")]
    if published.outcome in {"merged", "overwritten"}:
        number = version.number
        reason = f"pact content modified since previous publication for {published.publication.consumer.name} version {number}"
        return [("contract_published", None), ("contract_content_changed", reason)]
    reasons = _content_changes(published, version, tag_names)
    if reasons:
        return [("contract_published", None), ("contract_content_changed", ", ".join(reasons))]
    return [("contract_published", _unchanged_comment(tag_names))]


def _raise_events(published: PublishedContract, *, base_url: str | None, build_url: str | None) -> list[Notice]:
    """Raise the publication's domain events (subscribers record what they owe) and collect
    their notices. Every publication may need verifying by provider versions that have not
    verified its content yet, so that event is raised each time; its subscribers decide."""
    names = published.event_names
    kinds: list[type[events.PublicationEvent]] = [events.ContractPublished]
    if "contract_content_changed" in names:
        kinds.append(events.ContractContentChanged)
    kinds.append(events.ContractRequiringVerificationPublished)
    notices: list[Notice] = []
    for kind in kinds:
        notices += events.emit(kind(publication=published.publication, base_url=base_url, build_url=build_url))
    return notices


def _touch_integrations(consumer: Pacticipant, published: list[PublishedContract]) -> None:
    """Create or refresh the summary of each pair published to, and note on each published
    contract whether its pair has been verified."""
    now = timezone.now()
    for one in sorted(published, key=lambda p: p.publication.provider.name):
        provider = one.publication.provider
        _, created = get_or_insert(Integration, consumer=consumer, provider=provider)
        one.pair_verified = integration_summary_refresh(
            consumer_id=consumer.id, provider_id=provider.id, touched_at=None if created else now
        )


_TAG_NAMES_SQL = "SELECT name FROM contracts_tag WHERE version_id = %s"


@atomic_with_retry
def _publish(
    *,
    pacticipant_name: str,
    version_number: str,
    branch: str | None,
    tags: list[str],
    build_url: str | None,
    contracts: list[PreparedContract],
    conflict_field: str,
    base_url: str | None,
) -> PublishResult:
    # One write for the whole request: the consumer's version with its branch, tags and pacts.
    providers = sorted(c.provider_name for c in contracts)
    access.write(
        "pact.publish",
        f"{pacticipant_name} {version_number} → {', '.join(providers)}",
        applications=[pacticipant_name],
        details={"version": version_number, "branch": branch, "tags": sorted(set(tags)), "providers": providers},
    )
    names = [pacticipant_name, *(c.provider_name for c in contracts)]
    pacticipants = pacticipants_find_or_create(names=names)
    consumer = pacticipants[pacticipant_name]
    version, version_created = version_find_or_create(pacticipant=consumer, number=version_number, build_url=build_url)
    if branch:
        branch_version_add(version=version, branch_name=branch)
    for tag_name in sorted(set(tags)):
        tag_add(version=version, name=tag_name)
    # A version this transaction created carries only the tags just added: no one else can
    # tag it before it commits.
    tag_names = (
        sorted(set(tags)) if version_created else [row[0] for row in run_statement(Tag, _TAG_NAMES_SQL, [version.id])]
    )

    published = []
    for prepared in sorted(contracts, key=lambda c: c.provider_name):
        outcome = _publish_one(
            consumer=consumer,
            version=version,
            provider=pacticipants[prepared.provider_name],
            prepared=prepared,
            conflict_field=conflict_field,
        )
        outcome.events = _events_for(outcome, version, tag_names)
        outcome.notices = _raise_events(outcome, base_url=base_url, build_url=build_url)
        published.append(outcome)
    _touch_integrations(consumer, published)
    # Keep the caller's order in the result (the response lists contracts as sent).
    order = {c.provider_name: i for i, c in enumerate(contracts)}
    published.sort(key=lambda p: order[p.publication.provider.name])
    return PublishResult(consumer, version, version_created, branch, sorted(set(tags)), published)


def contracts_publish(
    *,
    pacticipant_name: str,
    version_number: str,
    contracts: list[PreparedContract],
    branch: str | None = None,
    tags: list[str] | None = None,
    build_url: str | None = None,
    base_url: str | None = None,
) -> PublishResult:
    """Publish a consumer version's contracts with its branch, tags and build URL.

    `base_url` is the public URL webhook templates link to (the request's, for the API).
    """
    validate_name(pacticipant_name, "pacticipantName")
    validate_version_number(version_number, "pacticipantVersionNumber")
    if branch is not None:
        validate_ref_name(branch, "branch")
    for tag in tags or []:
        validate_ref_name(tag, "tags")
    providers = [c.provider_name for c in contracts]
    if len(set(providers)) != len(providers):
        raise InvalidInput({"contracts": ["contain more than one contract for the same provider"]})
    return _publish(
        pacticipant_name=pacticipant_name,
        version_number=version_number,
        branch=branch,
        tags=list(tags or []),
        build_url=build_url,
        contracts=contracts,
        conflict_field="contracts",
        base_url=base_url,
    )


def pact_publish(
    *, consumer_name: str, provider_name: str, version_number: str, raw: str | bytes, base_url: str | None = None
) -> PublishedContract:
    """The legacy single-pact publish (PUT /pacts/provider/P/consumer/C/version/V)."""
    validate_name(consumer_name, "consumer")
    validate_name(provider_name, "provider")
    validate_version_number(version_number, "consumerVersionNumber")
    prepared = prepare_contract(raw, consumer_name=consumer_name, provider_name=provider_name, field="pact")
    result = _publish(
        pacticipant_name=consumer_name,
        version_number=version_number,
        branch=None,
        tags=[],
        build_url=None,
        contracts=[prepared],
        conflict_field="pact",
        base_url=base_url,
    )
    return result.contracts[0]


@atomic_with_retry
def pact_delete(*, version: Version, provider_id: int) -> None:
    """Delete every revision of a consumer version's pact for a provider, and content no one else publishes."""
    consumer = version.pacticipant.name
    provider = Pacticipant.objects.get(pk=provider_id).name
    access.write(
        "pact.delete",
        f"{consumer} {version.number} → {provider}",
        applications=[consumer],
        details={"version": version.number, "provider": provider},
    )
    publications = ContractPublication.objects.filter(consumer_version=version, provider_id=provider_id)
    contract_ids = list(publications.values_list("contract_id", flat=True))
    publications.delete()
    # Content nobody publishes any more goes, with its verifications (as in version_delete).
    Contract.objects.filter(id__in=contract_ids, publications__isnull=True).delete()
    integration_summary_refresh(consumer_id=version.pacticipant_id, provider_id=provider_id)
