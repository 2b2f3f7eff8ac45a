"""Events the verifier raises (on contracts' event bus; subscribers register in ready())."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from contracts.events import Event, default_base_url

if TYPE_CHECKING:
    from contracts.models import ContractPublication
    from verifier.models import VerificationRun


@dataclass(frozen=True)
class VerifiedPact:
    """One pact a run verified, and whether it passed."""

    publication: ContractPublication
    success: bool


@dataclass(frozen=True, eq=False)
class VerificationRunFinished(Event):
    """A verification run recorded its results (succeeded or failed; not error)."""

    name: ClassVar[str] = "verification_run_finished"

    run: VerificationRun
    succeeded: bool
    pacts: tuple[VerifiedPact, ...] = ()

    @property
    def links_base(self) -> str:
        return default_base_url().rstrip("/")
