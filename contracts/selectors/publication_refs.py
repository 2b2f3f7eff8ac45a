"""Publications read as plain values, for answers that list many of them (pacts for
verification): a provider's answer names hundreds, and model instances, with their related
ones and every timestamp parsed, cost more than the queries that find them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import QuerySet

from contracts.models import Contract, ContractPublication
from contracts.reading import read_rows


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
    code reading `publication.consumer.name` reads either."""

    id: int
    consumer_id: int
    provider_id: int
    consumer_version_id: int
    contract_id: int
    consumer: _Consumer
    provider: _Provider
    consumer_version: _Version
    contract: _Contract


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


def publication_refs(
    publications: QuerySet[ContractPublication], *extra: str, join_contracts: bool = True
) -> list[tuple]:
    """(PublicationRef, *extra values) per row, without model instances.

    `join_contracts=False` reads the contracts' shas in a second query, for the rows found
    only: joined to a query whose row count the planner cannot foresee (anti-joins on
    verifications), it merge-joins every contract of the broker to find none."""
    fields = (*REF_FIELDS, "contract__sha") if join_contracts else REF_FIELDS
    rows = list(publications.values_list(*fields, *extra))
    shas: dict[int, str] = {}
    if rows and not join_contracts:
        contract_ids = {row[REF_FIELDS.index("contract_id")] for row in rows}
        shas = dict(Contract.objects.filter(id__any=contract_ids).values_list("id", "sha"))
    found = []
    for row in rows:
        sha = row[len(REF_FIELDS)] if join_contracts else shas[row[REF_FIELDS.index("contract_id")]]
        found.append((_ref(row, sha), *row[len(fields) :]))
    return found


def _ref(row: tuple, sha: str) -> PublicationRef:
    pk, consumer_id, provider_id, version_id, contract_id, name, main_branch, provider, number = row[: len(REF_FIELDS)]
    return PublicationRef(
        pk,
        consumer_id,
        provider_id,
        version_id,
        contract_id,
        _Consumer(consumer_id, name, main_branch),
        _Provider(provider_id, provider),
        _Version(version_id, number),
        _Contract(contract_id, sha),
    )


# The same values as REF_FIELDS and the contract's sha, for the hand-written selectors. The
# sha is a scalar subquery, read for the rows found only (joined, the planner may merge
# every contract of the broker in when it cannot foresee how few rows there are).
_REFS_SQL = """
SELECT pub.id, pub.consumer_id, pub.provider_id, pub.consumer_version_id, pub.contract_id,
       c.name, c.main_branch, p.name, cv.number,
       (SELECT ct.sha FROM contracts_contract ct WHERE ct.id = pub.contract_id){columns}
FROM contracts_contractpublication pub
JOIN contracts_pacticipant c ON c.id = pub.consumer_id
JOIN contracts_pacticipant p ON p.id = pub.provider_id
JOIN contracts_version cv ON cv.id = pub.consumer_version_id{joins}
WHERE pub.provider_id = %(provider)s AND pub.is_current{where}
"""


def current_publication_refs(
    provider_id: int, params: dict, *, columns: str = "", joins: str = "", where: str = ""
) -> list[tuple]:
    """(PublicationRef, *extra columns) per current publication of the provider that `where`
    keeps, in one prepared statement (contracts/reading.py). `columns`, `joins` and `where`
    are SQL fragments of the caller's (`pub`, `c`, `p` and `cv` are the publication, its
    consumer, provider and consumer version); their values are parameters in `params`."""
    sql = _REFS_SQL.format(
        columns=f", {columns}" if columns else "",
        joins=f"\n{joins}" if joins else "",
        where=f" AND {where}" if where else "",
    )
    rows = read_rows(ContractPublication, sql, {**params, "provider": provider_id})
    width = len(REF_FIELDS) + 1
    return [(_ref(row, row[len(REF_FIELDS)]), *row[width:]) for row in rows]
