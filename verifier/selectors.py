"""Reads for verification runs and targets."""

from __future__ import annotations

import uuid as uuid_module

from django.db.models import QuerySet

from contracts.exceptions import NotFound
from contracts.models import Pacticipant
from verifier.models import VerificationRun, VerificationRunPact, VerificationTarget

RUNS_LISTED = 100


def run_get(*, uuid: str) -> VerificationRun:
    """A run by its uuid, or NotFound."""
    try:
        key = uuid_module.UUID(uuid)
    except ValueError:
        raise NotFound(f"No verification run {uuid}") from None
    run = VerificationRun.objects.select_related("provider").filter(uuid=key).first()
    if run is None:
        raise NotFound(f"No verification run {uuid}")
    return run


def runs_list(*, provider: Pacticipant | None = None, status: str | None = None) -> list[VerificationRun]:
    """The newest runs (at most RUNS_LISTED), of one provider and/or in one status."""
    runs = VerificationRun.objects.select_related("provider").order_by("-id")
    if provider is not None:
        runs = runs.filter(provider=provider)
    if status:  # validated by the API's VerificationRunsQuery
        runs = runs.filter(status=status)
    return list(runs[:RUNS_LISTED])


def run_pacts(run: VerificationRun) -> QuerySet[VerificationRunPact]:
    """The pacts a run verified, with their consumers and per-interaction results."""
    return run.pacts.select_related("contract__consumer").prefetch_related("interactions")


def targets_of(provider: Pacticipant) -> list[VerificationTarget]:
    return list(provider.verification_targets.order_by("name"))


def target_get(*, provider_name: str, name: str) -> VerificationTarget:
    """A provider's named target, or NotFound."""
    target = (
        VerificationTarget.objects.select_related("provider").filter(provider__name=provider_name, name=name).first()
    )
    if target is None:
        raise NotFound(f"No verification target '{name}' for {provider_name}")
    return target
