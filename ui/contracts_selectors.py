"""Reads for the contract, diff, verification result and verification run pages.

Each page reads a fixed number of rows whatever the size of the pact: the document comes
in one row and is rendered in Python, and lists (versions, verifications) are capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from contracts.exceptions import NotFound
from contracts.models import (
    BranchVersion,
    ContractPublication,
    DeployedVersion,
    Environment,
    ReleasedVersion,
    Verification,
)
from contracts.selectors import pacts
from verifier.models import VerificationRun, VerificationRunPact
from verifier.selectors import run_get

VERSIONS_OFFERED = 100  # versions a form suggests (any other can still be typed)
VERIFICATIONS_LISTED = 10
NUMBER = re.compile(r"^[0-9]{1,18}$")


def publication_for(*, provider: str, consumer: str, version: str | None) -> ContractPublication:
    """The current pact a consumer version published for a provider (the latest when
    `version` is None), with its content, or NotFound saying what is missing."""
    if version is None:
        found = pacts.pact_latest(provider_name=provider, consumer_name=consumer)
        missing = f"No pact has been published between {consumer} and {provider}."
    else:
        found = pacts.pact_for_version(provider_name=provider, consumer_name=consumer, version_number=version)
        missing = f"No pact found for {consumer} version {version} and provider {provider}."
    if found is None:
        raise NotFound(missing)
    return found


def _pair(publication: ContractPublication):
    return ContractPublication.objects.filter(
        is_current=True, provider_id=publication.provider_id, consumer_id=publication.consumer_id
    )


def previous_distinct_version(publication: ContractPublication) -> str | None:
    """The nearest earlier consumer version whose pact differs (as pact_previous_distinct,
    reading only the version number, not the content)."""
    return (
        _pair(publication)
        .filter(consumer_version_id__lt=publication.consumer_version_id)
        .exclude(contract_id=publication.contract_id)
        .order_by("-consumer_version_id")
        .values_list("consumer_version__number", flat=True)
        .first()
    )


def pair_versions(publication: ContractPublication) -> list[str]:
    """The pair's consumer versions that published a pact, newest first (capped)."""
    numbers = _pair(publication).order_by("-consumer_version_id").values_list("consumer_version__number", flat=True)
    return list(numbers[:VERSIONS_OFFERED])


def environment_names() -> list[str]:
    return list(Environment.objects.order_by("name").values_list("name", flat=True))


def _verifications():
    return Verification.objects.select_related("provider_version")


def content_verifications(contract_id: int) -> list[Verification]:
    """The newest results for a piece of content (capped), newest first."""
    return list(_verifications().filter(contract_id=contract_id).order_by("-id")[:VERIFICATIONS_LISTED])


def provider_versions_verifying(contract_id: int) -> list[str]:
    """Provider versions that verified this content, newest first (capped): the form's suggestions."""
    numbers = (
        Verification.objects.filter(contract_id=contract_id)
        .order_by("-provider_version_id")
        .distinct("provider_version_id")
        .values_list("provider_version__number", flat=True)
    )
    return list(numbers[:VERSIONS_OFFERED])


def verification_chosen(
    *, publication: ContractPublication, provider_version: str = "", environment: str = ""
) -> Verification | None:
    """The result shown per interaction: the newest of this content by the given provider
    version, or by a provider version deployed or released (and supported) in the
    environment, or else the newest of all."""
    results = _verifications().filter(contract_id=publication.contract_id)
    if provider_version:
        results = results.filter(
            provider_version__pacticipant_id=publication.provider_id, provider_version__number=provider_version
        )
    elif environment:
        deployed = DeployedVersion.objects.filter(
            pacticipant_id=publication.provider_id, environment__name=environment, undeployed_at__isnull=True
        ).values("version_id")
        released = ReleasedVersion.objects.filter(
            pacticipant_id=publication.provider_id, environment__name=environment, support_ended_at__isnull=True
        ).values("version_id")
        results = results.filter(Q(provider_version_id__in=deployed) | Q(provider_version_id__in=released))
    return results.order_by("-id").first()


# ---------------------------------------------------------------- verification results


@dataclass
class VerificationDetail:
    verification: Verification
    branches: list[str]
    # A consumer version whose pact has this content (for the contract page), if any.
    consumer_version: str | None


def verification_detail(number: str) -> VerificationDetail:
    """A verification result by its number (the API's identifier), or NotFound."""
    verification = None
    if NUMBER.match(number):
        verification = (
            Verification.objects.select_related("contract__consumer", "contract__provider", "provider_version")
            .defer("contract__raw")
            .filter(id=int(number))
            .first()
        )
    if verification is None:
        raise NotFound(f"No verification result {number} exists.")
    branches = list(
        BranchVersion.objects.filter(version_id=verification.provider_version_id)
        .order_by("branch_name")
        .values_list("branch_name", flat=True)
    )
    consumer_version = (
        ContractPublication.objects.filter(contract_id=verification.contract_id)
        .order_by("-is_current", "-consumer_version_id")
        .values_list("consumer_version__number", flat=True)
        .first()
    )
    return VerificationDetail(verification, branches, consumer_version)


# ---------------------------------------------------------------- verification runs


@dataclass
class RunDetail:
    run: VerificationRun
    pacts: list[VerificationRunPact]
    # contract id -> a consumer version whose pact has that content (for links)
    consumer_versions: dict[int, str]


def run_detail(uuid: str) -> RunDetail:
    """A verification run with its pacts, their per-interaction results and a consumer
    version for each content: four queries whatever the run's size."""
    run = run_get(uuid=uuid)
    run_pacts = list(
        VerificationRunPact.objects.filter(run=run)
        .select_related("contract__consumer")
        .defer("contract__document", "contract__raw")
        .prefetch_related("interactions")
        .order_by("contract__consumer__name", "id")
    )
    contract_ids = [run_pact.contract_id for run_pact in run_pacts]
    newest = (
        ContractPublication.objects.filter(contract_id__in=contract_ids)
        .order_by("contract_id", "-is_current", "-consumer_version_id")
        .distinct("contract_id")
        .values_list("contract_id", "consumer_version__number")
    )
    return RunDetail(run, run_pacts, dict(newest) if contract_ids else {})
