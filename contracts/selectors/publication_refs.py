"""Publications read as plain values, for answers that list many of them (pacts for
verification): a provider's answer names hundreds, and model instances, with their related
ones and every timestamp parsed, cost more than the queries that find them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import QuerySet

from contracts.models import Contract, ContractPublication


class _Consumer(NamedTuple):
    id: int
    name: str
    main_branch: str | None


class _Provider(NamedTuple):
    id: int
    name: str


class _Version(NamedTuple):
    id: int
    number: str


class _Contract(NamedTuple):
    id: int
    sha: str


@dataclass(slots=True)
class PublicationRef:
    """What an answer needs of a publication. Attribute names are a publication's, so that
    code reading `publication.consumer.name` reads either; `model()` loads the real one."""

    id: int
    consumer_id: int
    provider_id: int
    consumer_version_id: int
    contract_id: int
    consumer: _Consumer
    provider: _Provider
    consumer_version: _Version
    contract: _Contract

    def model(self) -> ContractPublication:
        return ContractPublication.objects.select_related("consumer", "provider", "consumer_version", "contract").get(
            id=self.id
        )


REF_FIELDS = (
    "id",
    "consumer_id",
    "provider_id",
    "consumer_version_id",
    "contract_id",
    "consumer__name",
    "consumer__main_branch",
    "provider__name",
    "consumer_version__number",
)
_REF_WIDTH = len(REF_FIELDS) + 1  # and the contract's sha


def publication_refs(
    publications: QuerySet[ContractPublication], *extra: str, join_contracts: bool = True
) -> list[tuple]:
    """(PublicationRef, *extra values) per row, without model instances; consumers and
    providers are shared between the rows that name the same one.

    `join_contracts=False` reads the contracts' shas in a second query, for the rows found
    only: joined to a query whose row count the planner cannot foresee (anti-joins on
    verifications), it merge-joins every contract of the broker to find none."""
    sha = ("contract__sha",) if join_contracts else ()
    rows = list(publications.values_list(*REF_FIELDS, *sha, *extra))
    if not join_contracts:
        shas = dict(Contract.objects.filter(id__any={row[4] for row in rows}).values_list("id", "sha")) if rows else {}
        rows = [(*row[: _REF_WIDTH - 1], shas[row[4]], *row[_REF_WIDTH - 1 :]) for row in rows]
    consumers: dict[int, _Consumer] = {}
    providers: dict[int, _Provider] = {}
    found = []
    for row in rows:
        pk, consumer_id, provider_id, version_id, contract_id, name, main_branch, provider, number, sha = row[
            :_REF_WIDTH
        ]
        consumer = consumers.get(consumer_id)
        if consumer is None:
            consumer = consumers[consumer_id] = _Consumer(consumer_id, name, main_branch)
        provider_ref = providers.get(provider_id)
        if provider_ref is None:
            provider_ref = providers[provider_id] = _Provider(provider_id, provider)
        ref = PublicationRef(
            pk,
            consumer_id,
            provider_id,
            version_id,
            contract_id,
            consumer,
            provider_ref,
            _Version(version_id, number),
            _Contract(contract_id, sha),
        )
        found.append((ref, *row[_REF_WIDTH:]))
    return found
