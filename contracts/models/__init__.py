"""The contract broker's domain model (docs/glossary.md defines each term)."""

from contracts.models import lookups  # noqa: F401  (registers field__any)
from contracts.models.contract import Contract, ContractPublication, Integration, VerificationStatus
from contracts.models.environment import DeployedVersion, Environment, ReleasedVersion
from contracts.models.pacticipant import Label, Pacticipant
from contracts.models.verification import Verification
from contracts.models.version import Branch, BranchVersion, Tag, Version

__all__ = [
    "Branch",
    "BranchVersion",
    "Contract",
    "ContractPublication",
    "DeployedVersion",
    "Environment",
    "Integration",
    "Label",
    "Pacticipant",
    "ReleasedVersion",
    "Tag",
    "Verification",
    "Version",
    "VerificationStatus",
]
