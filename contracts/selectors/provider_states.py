"""Provider states across a provider's consumers (the Pact Broker 2.113+ aggregated view).

Which pacts count follows the Pact Broker: by default the pact of the version at the head
of each consumer's main branch (a consumer without a main branch, or whose head did not
publish for this provider, contributes nothing); with a branch, the pact at the head of
that branch of each consumer; with an environment, the pacts of every consumer version
currently deployed or released and supported there. Only current revisions count.

Three queries whatever the number of consumers: the provider, the environment when one
is asked for, and the contents of the chosen pacts (each content read once, however many
versions published it).
"""

from __future__ import annotations

import json
import uuid as uuid_lib
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from contracts.exceptions import NotFound
from contracts.models import (
    Branch,
    Contract,
    ContractPublication,
    DeployedVersion,
    Environment,
    Pacticipant,
    ReleasedVersion,
)
from contracts.pact.states import ProviderState, provider_states


@dataclass(frozen=True)
class ProviderStateUse:
    """A distinct provider state and the consumers whose pacts name it (by name)."""

    name: str
    params: dict | None
    consumers: tuple[str, ...]


def _environment(name_or_uuid: str) -> Environment:
    """The environment with this name (what the CLIs send) or, failing that, this uuid."""
    try:
        parsed: uuid_lib.UUID | None = uuid_lib.UUID(name_or_uuid)
    except ValueError:
        parsed = None
    condition = Q(name=name_or_uuid) | Q(uuid=parsed) if parsed else Q(name=name_or_uuid)
    candidates = sorted(Environment.objects.filter(condition), key=lambda env: env.name != name_or_uuid)
    if not candidates:
        raise NotFound(f"No environment with name '{name_or_uuid}' found")
    return candidates[0]


def _at_branch_heads(publications: QuerySet[ContractPublication], branch: object) -> QuerySet[ContractPublication]:
    """Publications by the version at the head of `branch` (a name, or an OuterRef) of their consumer."""
    heads = Branch.objects.filter(
        pacticipant_id=OuterRef("consumer_id"), name=branch, head__version_id=OuterRef("consumer_version_id")
    )
    return publications.filter(Exists(heads))


def _in_environment(publications: QuerySet[ContractPublication], environment: Environment):
    deployed = DeployedVersion.objects.filter(
        version_id=OuterRef("consumer_version_id"), environment=environment, undeployed_at__isnull=True
    )
    released = ReleasedVersion.objects.filter(
        version_id=OuterRef("consumer_version_id"), environment=environment, support_ended_at__isnull=True
    )
    return publications.filter(Exists(deployed) | Exists(released))


def aggregate(states_by_consumer: list[tuple[str, list[ProviderState]]]) -> list[ProviderStateUse]:
    """Distinct states (by name and params) with their consumers, by name, then params.

    Consumers are listed by name, each once.
    """
    uses: dict[tuple[str, str], tuple[ProviderState, set[str]]] = {}
    for consumer, states in states_by_consumer:
        for state in states:
            uses.setdefault(state.key, (state, set()))[1].add(consumer)
    return [
        ProviderStateUse(state.name, state.params, tuple(sorted(consumers)))
        for key, (state, consumers) in sorted(uses.items())
    ]


def provider_states_list(
    *, provider_name: str, branch: str | None = None, environment: str | None = None
) -> list[ProviderStateUse]:
    """The provider states the provider's consumers rely on; NotFound for an unknown provider or environment."""
    provider = Pacticipant.objects.filter(name=provider_name).first()
    if provider is None:
        raise NotFound(f"No provider with name '{provider_name}' found")
    publications = ContractPublication.objects.filter(provider=provider, is_current=True)
    if environment is not None:
        publications = _in_environment(publications, _environment(environment))
    elif branch is not None:
        publications = _at_branch_heads(publications, branch)
    else:
        publications = _at_branch_heads(publications, OuterRef("consumer__main_branch"))
    # A content belongs to one consumer, so its row names the consumer too.
    contents = Contract.objects.filter(id__in=publications.values("contract_id")).values_list(
        "consumer__name", "document"
    )
    return aggregate([(consumer, provider_states(json.loads(document))) for consumer, document in contents])
