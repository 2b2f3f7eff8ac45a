"""Reads the UI's pages need that no other app offers (the ORM lives here, not in views)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower

from contracts.models import DeployedVersion, Environment, Integration, Label, ReleasedVersion, VerificationStatus
from drift.selectors import PairDrift, drift_by_pair

PAGE_SIZE = 25
# Never verified / never published sorts last in a newest-first list.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Each sort: the annotated keys, ascending (True) or descending, ending with the id so the
# order is total (keyset pagination needs that).
SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    "name": (("k_consumer", True), ("k_provider", True), ("id", True)),
    "latest_pact": (("k_pact_at", False), ("id", False)),
    "last_verified": (("k_verified_at", False), ("id", False)),
}
# The statuses a row can have, as contracts defines them (VerificationStatus's docstring).
STATUSES = [status.value for status in VerificationStatus]
SORT_LABELS = {"name": "Name", "latest_pact": "Latest pact", "last_verified": "Last verified"}


class BadCursor(ValueError):
    """A pagination cursor that was not made by this page (edited or truncated)."""


@dataclass
class HomeRow:
    integration: Integration
    drift: list[PairDrift] = field(default_factory=list)


@dataclass
class HomePage:
    rows: list[HomeRow]
    next_cursor: str | None
    previous_cursor: str | None


@dataclass(frozen=True)
class HomeOptions:
    """What the filters offer: every label and environment name (two queries)."""

    labels: list[str]
    environments: list[str]


def home_options() -> HomeOptions:
    labels = list(Label.objects.order_by("name").values_list("name", flat=True).distinct())
    environments = list(Environment.objects.order_by("name").values_list("name", flat=True))
    return HomeOptions(labels, environments)


def _in_environment(name: str, side: str) -> Q:
    """The pacticipant on `side` has a version deployed (not undeployed) or released
    (still supported) in the environment."""
    deployed = DeployedVersion.objects.filter(
        pacticipant_id=OuterRef(f"{side}_id"), environment__name=name, undeployed_at__isnull=True
    )
    released = ReleasedVersion.objects.filter(
        pacticipant_id=OuterRef(f"{side}_id"), environment__name=name, support_ended_at__isnull=True
    )
    return Q(Exists(deployed)) | Q(Exists(released))


def _filtered(*, search: str, status: str, label: str, environment: str) -> QuerySet:
    integrations = Integration.objects.select_related("consumer", "provider").annotate(
        k_consumer=Lower("consumer__name"),
        k_provider=Lower("provider__name"),
        k_pact_at=Coalesce("latest_publication_at", Value(_EPOCH)),
        k_verified_at=Coalesce("latest_verification_at", Value(_EPOCH)),
    )
    if search:
        integrations = integrations.filter(Q(consumer__name__icontains=search) | Q(provider__name__icontains=search))
    if status:
        integrations = integrations.filter(verification_status=status)
    if label:
        integrations = integrations.filter(
            Q(Exists(Label.objects.filter(pacticipant_id=OuterRef("consumer_id"), name=label)))
            | Q(Exists(Label.objects.filter(pacticipant_id=OuterRef("provider_id"), name=label)))
        )
    if environment:
        integrations = integrations.filter(
            _in_environment(environment, "consumer") | _in_environment(environment, "provider")
        )
    return integrations


def _after(keys: tuple[tuple[str, bool], ...], values: list, *, forward: bool) -> Q:
    """Rows strictly after `values` in the sort order (before it when not `forward`):
    (a > x) or (a = x and b > y) or ..., each comparison flipped for descending keys."""
    condition = Q()
    for i, (key, ascending) in enumerate(keys):
        lookup = "gt" if ascending == forward else "lt"
        step = Q(**{f"{key}__{lookup}": values[i]})
        for j in range(i):
            step &= Q(**{keys[j][0]: values[j]})
        condition |= step
    return condition


def _encode(row: Integration, keys: tuple[tuple[str, bool], ...]) -> str:
    values = [getattr(row, key) for key, _ in keys]
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, keys: tuple[tuple[str, bool], ...]) -> list:
    """The key values a cursor holds, typed like the keys; BadCursor when it is not one of ours."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list) or len(plain) != len(keys):
            raise BadCursor(cursor)
        values = []
        for (key, _), value in zip(keys, plain, strict=True):
            if key == "id":
                if not isinstance(value, int):
                    raise BadCursor(cursor)
                values.append(value)
            elif key.endswith("_at"):
                values.append(datetime.fromisoformat(value))
            elif isinstance(value, str):
                values.append(value)
            else:
                raise BadCursor(cursor)
        return values
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError) as error:
        raise BadCursor(cursor) from error


def home_page(
    *,
    search: str = "",
    status: str = "",
    label: str = "",
    environment: str = "",
    sort: str = "name",
    after: str = "",
    before: str = "",
    page_size: int = PAGE_SIZE,
) -> HomePage:
    """One page of integrations from their summaries, by keyset (no OFFSET): one query for
    the rows and two for their drift, whatever the number of integrations."""
    keys = SORTS[sort]
    integrations = _filtered(search=search, status=status, label=label, environment=environment)
    forward = not before
    order = [key if ascending == forward else f"-{key}" for key, ascending in keys]
    if after or before:
        integrations = integrations.filter(_after(keys, _decode(after or before, keys), forward=forward))
    found = list(integrations.order_by(*order)[: page_size + 1])
    more = len(found) > page_size
    found = found[:page_size]
    if not forward:
        found.reverse()
    # A further page exists beyond the fetched one; the other side exists when we came from it.
    has_next = more if forward else True
    has_previous = bool(after) if forward else more
    drift = drift_by_pair([(row.consumer_id, row.provider_id) for row in found])
    return HomePage(
        rows=[HomeRow(row, drift.get((row.consumer_id, row.provider_id), [])) for row in found],
        next_cursor=_encode(found[-1], keys) if found and has_next else None,
        previous_cursor=_encode(found[0], keys) if found and has_previous else None,
    )
