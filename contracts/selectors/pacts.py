"""Reads of published pacts, and the opaque `/metadata/{m}` segment of pact URLs.

"Latest pact" follows the Pact Broker (api spec 4.1): the current publication whose
consumer version has the highest order *among versions that published a pact for this
provider*, so a newer consumer version without a pact never hides an older pact. Only
current revisions count, except when content is looked up by its sha.

Every list read is one query: latest-per-consumer uses PostgreSQL's DISTINCT ON, and
the names a response needs come in through select_related.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.db.models import F, QuerySet

from contracts.models import ContractPublication, Pacticipant, Verification
from contracts.pact.parsing import parse_json

# Pact URL metadata is URL-safe Base64 (no padding) of a compact JSON object. The Pact
# Broker puts a Rack query string there; clients never read it, they only follow the
# href, so the encoding is ours. Keys in use (the Pact Broker's names):
#   cvn  consumer version number         cv  consumer version id
#   cvt  list of consumer version tags   w   true when the pact is WIP for the verifier
#   p    true when the pact is pending   s   list of selectors, e.g. {"b": "main", "l": true}
METADATA_MAX_LENGTH = 4096


def encode_metadata(data: dict[str, Any]) -> str:
    """The `/metadata/{m}` path segment for a small JSON-serialisable dict."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False, allow_nan=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).rstrip(b"=").decode("ascii")


def decode_metadata(segment: str | None) -> dict[str, Any]:
    """The dict inside a metadata segment; {} for anything that is not one of ours."""
    if not segment or not isinstance(segment, str) or len(segment) > METADATA_MAX_LENGTH:
        return {}
    padded = segment + "=" * (-len(segment) % 4)
    # URL-safe first (what we write); plain Base64 too, as the Pact Broker falls back to it.
    for altchars in (b"-_", None):
        try:
            value = parse_json(base64.b64decode(padded, altchars=altchars, validate=True))
        except ValueError:  # binascii.Error, non-ASCII input, UTF-8 and JSON errors
            continue
        return value if isinstance(value, dict) else {}
    return {}


def _current(*, with_content: bool = False) -> QuerySet[ContractPublication]:
    related = ["consumer_version", "consumer", "provider"]
    if with_content:
        related.append("contract")
    return ContractPublication.objects.filter(is_current=True).select_related(*related)


def _for_pair(provider_name: str, consumer_name: str) -> QuerySet[ContractPublication]:
    return _current(with_content=True).filter(provider__name=provider_name, consumer__name=consumer_name)


def pact_for_version(*, provider_name: str, consumer_name: str, version_number: str) -> ContractPublication | None:
    """The current pact a consumer version published for a provider (with its content)."""
    return _for_pair(provider_name, consumer_name).filter(consumer_version__number=version_number).first()


def pact_for_sha(*, provider_name: str, consumer_name: str, sha: str) -> ContractPublication | None:
    """A publication of this content: the newest consumer version's, current revisions first."""
    return (
        ContractPublication.objects.select_related("consumer_version", "consumer", "provider", "contract")
        .filter(provider__name=provider_name, consumer__name=consumer_name, contract__sha=sha)
        # An overwritten revision still identifies the content a verifier was given.
        .order_by("-is_current", "-consumer_version_id", "-revision")
        .first()
    )


def pact_latest(
    *,
    provider_name: str,
    consumer_name: str,
    tag: str | None = None,
    untagged: bool = False,
    branch: str | None = None,
) -> ContractPublication | None:
    """The latest pact between two pacticipants, optionally among tagged/untagged/branch versions."""
    publications = _for_pair(provider_name, consumer_name)
    if tag is not None:
        publications = publications.filter(consumer_version__tags__name=tag)
    if untagged:
        publications = publications.filter(consumer_version__tags__isnull=True)
    if branch is not None:
        publications = publications.filter(consumer_version__branch_versions__branch_name=branch)
    return publications.order_by("-consumer_version_id").first()


def pacts_latest_per_integration() -> list[ContractPublication]:
    """The latest pact of every consumer/provider pair, by consumer then provider name."""
    publications = (
        _current().order_by("consumer_id", "provider_id", "-consumer_version_id").distinct("consumer_id", "provider_id")
    )
    return sorted(publications, key=lambda p: (p.consumer.name, p.provider.name))


def _of_consumer_versions(
    publications: QuerySet[ContractPublication], tag: str | None, branch: str | None, main_branch: bool
) -> QuerySet[ContractPublication]:
    """Keep publications of consumer versions with `tag`, on `branch`, or on their consumer's main branch."""
    if tag is not None:
        publications = publications.filter(consumer_version__tags__name=tag)
    if branch is not None:
        publications = publications.filter(consumer_version__branch_versions__branch_name=branch)
    if main_branch:
        publications = publications.filter(consumer_version__branch_versions__branch_name=F("consumer__main_branch"))
    return publications


def provider_pacts(
    *,
    provider: Pacticipant,
    latest: bool,
    tag: str | None = None,
    branch: str | None = None,
    main_branch: bool = False,
) -> list[ContractPublication]:
    """A provider's pacts (all, or the latest per consumer), by consumer name, newest first.

    `tag`/`branch` keep consumer versions with that tag or on that branch; `main_branch`
    keeps versions on each consumer's own main branch.
    """
    publications = _of_consumer_versions(_current().filter(provider=provider), tag, branch, main_branch)
    publications = publications.order_by("consumer_id", "-consumer_version_id")
    if latest:
        publications = publications.distinct("consumer_id")
    return sorted(publications, key=lambda p: (p.consumer.name, -p.consumer_version_id))


def pact_history(
    *,
    provider: Pacticipant,
    consumer: Pacticipant,
    tag: str | None = None,
    branch: str | None = None,
    main_branch: bool = False,
    latest: bool = False,
) -> list[ContractPublication]:
    """Every consumer version's current pact between two pacticipants, newest first.

    `tag`/`branch` keep consumer versions with that tag or on that branch, `main_branch`
    those on the consumer's main branch; `latest` keeps only the newest of them.
    """
    publications = _of_consumer_versions(
        _current().filter(provider=provider, consumer=consumer), tag, branch, main_branch
    )
    publications = publications.order_by("-consumer_version_id")
    return list(publications[:1] if latest else publications)


def latest_pact_verification_status(
    *, provider_name: str, consumer_name: str, tag: str | None = None, untagged: bool = False
) -> str:
    """What a pact badge shows for the latest pact (optionally among tagged or untagged
    versions): "verified", "failed", "failed-pending", "changed" (not verified itself, but
    an earlier pact of the pair was) or "unknown"."""
    publications = ContractPublication.objects.filter(
        is_current=True, provider__name=provider_name, consumer__name=consumer_name
    )
    if tag is not None:
        publications = publications.filter(consumer_version__tags__name=tag)
    if untagged:
        publications = publications.filter(consumer_version__tags__isnull=True)
    latest = publications.order_by("-consumer_version_id").values_list("contract_id", flat=True).first()
    if latest is None:
        return "unknown"
    verification = Verification.objects.filter(contract_id=latest).order_by("-id").first()
    if verification is not None:
        if verification.success:
            return "verified"
        return "failed-pending" if verification.pending else "failed"
    earlier = Verification.objects.filter(contract__in=publications.values("contract_id"))
    return "changed" if earlier.exists() else "unknown"


def pact_previous_distinct(publication: ContractPublication) -> ContractPublication | None:
    """The pact of the pair's nearest earlier consumer version whose content differs.

    As the Pact Broker walks back version by version until the content changes: every
    version skipped has this pact's content, so the first earlier publication with other
    content is the answer (current revisions, by consumer version order).
    """
    return (
        _for_pair(publication.provider.name, publication.consumer.name)
        .filter(consumer_version_id__lt=publication.consumer_version_id)
        .exclude(contract_id=publication.contract_id)
        .order_by("-consumer_version_id")
        .first()
    )
