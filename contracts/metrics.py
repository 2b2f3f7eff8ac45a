"""Counts that other apps contribute to `GET /metrics` (and its Prometheus exposition).

contracts/ owns the metrics endpoint but imports no other app, so rows that live in
other apps (webhook definitions and deliveries, verification runs) are counted through
this registry: an app registers its models from its `AppConfig.ready()`, e.g.

    register_count("triggeredWebhooks", TriggeredWebhook, help="Webhook deliveries", by="status")

and `contracts.selectors.metrics` counts each registered model with one statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class CountSource:
    """One registered model to count."""

    key: str  # the camelCase key in GET /metrics, e.g. "triggeredWebhooks"
    model: type[models.Model]
    help: str
    # A field to break the count down by (a Prometheus label), e.g. "status".
    by: str | None = None
    # True for rows that are only ever added (an attempt log): a Prometheus counter.
    counter: bool = False

    @property
    def metric_name(self) -> str:
        """The Prometheus name after the `accord_` prefix: "triggeredWebhooks" -> "triggered_webhooks"."""
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", self.key).lower()

    @property
    def by_values(self) -> list[str]:
        """The values of `by` always reported (zero when no row has them): the field's choices."""
        if self.by is None:
            return []
        return [str(value) for value, _ in self.model._meta.get_field(self.by).choices or []]


_sources: dict[str, CountSource] = {}


def register_count(
    key: str, model: type[models.Model], *, help: str, by: str | None = None, counter: bool = False
) -> None:
    """Add a model's row count to GET /metrics under `key` (registering a key again replaces it)."""
    if not re.fullmatch(r"[a-z][A-Za-z0-9]*", key):
        raise ValueError(f"metrics key {key!r} must be camelCase letters and digits")
    if by is not None:
        model._meta.get_field(by)  # fails now, at start-up, rather than on the first scrape
    _sources[key] = CountSource(key=key, model=model, help=help, by=by, counter=counter)


def registered_counts() -> list[CountSource]:
    """Every registered source, in registration order."""
    return list(_sources.values())
