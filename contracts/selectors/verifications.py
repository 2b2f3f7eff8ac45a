"""Reads of verification results: by content and number, the latest for a pact, per consumer version."""

from __future__ import annotations

import re

from django.db.models import OuterRef, QuerySet, Subquery

from contracts.exceptions import NotFound
from contracts.models import Contract, ContractPublication, Verification, Version

SHA = re.compile(r"^[0-9a-f]{40}$")
NUMBER = re.compile(r"^[0-9]{1,18}$")


def _results() -> QuerySet[Verification]:
    """Verifications with what their representation needs, without pact content."""
    return Verification.objects.select_related("contract__consumer", "contract__provider", "provider_version").defer(
        "contract__document", "contract__raw"
    )


def contract_by_sha(*, provider_name: str, consumer_name: str, sha: str) -> Contract:
    """Pact content of a pair by its sha (without the document), or NotFound."""
    contract = None
    if SHA.match(sha.lower()):
        contract = (
            Contract.objects.select_related("consumer", "provider")
            .defer("document", "raw")
            .filter(provider__name=provider_name, consumer__name=consumer_name, sha=sha.lower())
            .first()
        )
    if contract is None:
        raise NotFound(f"No pact with content {sha} found between {consumer_name} and {provider_name}")
    return contract


def newest_publication(contract: Contract) -> ContractPublication | None:
    """The publication a result for this content is shown against: current, newest version."""
    return (
        ContractPublication.objects.filter(contract=contract)
        .select_related("consumer", "provider", "consumer_version", "contract")
        .defer("contract__document", "contract__raw")
        .order_by("-is_current", "-consumer_version_id")
        .first()
    )


def verification_get(*, pk: int) -> Verification:
    return _results().get(pk=pk)


def verification_for_content(*, provider_name: str, consumer_name: str, sha: str, number: str) -> Verification:
    """Result `number` (or "latest") of a pair's content, or NotFound."""
    results = _results().filter(
        contract__provider__name=provider_name, contract__consumer__name=consumer_name, contract__sha=sha.lower()
    )
    if number == "latest":
        found = results.order_by("-id").first()
    else:
        found = results.filter(id=int(number)).first() if NUMBER.match(number) else None
    if found is None:
        raise NotFound(
            f"No verification result {number} found for the pact between {consumer_name} and {provider_name} "
            f"with content {sha}"
        )
    return found


def latest_verification_of(publication: ContractPublication | None, what: str) -> Verification:
    """The newest result for a publication's content, or NotFound naming `what`."""
    if publication is None:
        raise NotFound(f"No pact found for {what}")
    verification = _results().filter(contract_id=publication.contract_id).order_by("-id").first()
    if verification is None:
        raise NotFound(f"No verification results have been published for the pact of {what}")
    return verification


def latest_results_for_consumer_version(
    *, consumer_name: str, version_number: str
) -> list[tuple[ContractPublication, Verification | None]]:
    """Each current pact of a consumer version (by provider name) with its newest result, if any."""
    publications = list(
        ContractPublication.objects.filter(
            consumer__name=consumer_name, consumer_version__number=version_number, is_current=True
        )
        .select_related("consumer", "provider", "consumer_version", "contract")
        .defer("contract__document", "contract__raw")
        .annotate(
            latest_id=Subquery(
                Verification.objects.filter(contract_id=OuterRef("contract_id")).order_by("-id").values("id")[:1]
            )
        )
        .order_by("provider__name")
    )
    if not publications and not Version.objects.filter(pacticipant__name=consumer_name, number=version_number).exists():
        raise NotFound(f"No version '{version_number}' of pacticipant '{consumer_name}' found")
    latest = _results().in_bulk([p.latest_id for p in publications if p.latest_id])
    return [(p, latest.get(p.latest_id) if p.latest_id else None) for p in publications]
