"""What the drift monitoring views share: shapes, paging, links to the pacticipants and environments."""

from __future__ import annotations

from typing import Any

from contracts.api.inputs import Input, Whole
from contracts.api.links import Links
from contracts.api.pacticipants import MAX_PAGE, Pagination
from contracts.models import Environment

INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_NUMBER = {"type": ["number", "null"]}
UUID = {"type": "string", "format": "uuid"}
# A run (or other resource) that may have been pruned: its uuid stays, the link only while it exists.
RUN_REFERENCE = {
    "type": "object",
    "properties": {"uuid": UUID, "href": {"type": ["string", "null"]}},
    "required": ["uuid", "href"],
}
NULLABLE_RUN_REFERENCE = {"anyOf": [RUN_REFERENCE, {"type": "null"}]}
MAX_SIZE = 500


def _paging(**kwargs: Any) -> Whole:
    return Whole(required=False, min_value=1, **kwargs)


class PagedQuery(Input):
    """`page` (from 1) and `size`: these lists are always paged, newest first."""

    page = _paging(max_value=MAX_PAGE, help_text="The page to show (from 1)")
    size = _paging(max_value=MAX_SIZE, help_text=f"Items per page (at most {MAX_SIZE})")


class Paged(Pagination):
    """Pagination that always applies (runs and incidents accumulate), with its own default size."""

    def __init__(self, query: dict, default_size: int) -> None:
        super().__init__(query)
        self.requested = True
        self.size = query.get("size") or default_size


def environment_link(links: Links, environment: Environment) -> dict:
    return environment_link_by(links, environment.uuid, environment.name)


def environment_link_by(links: Links, uuid: object, name: str) -> dict:
    return links.link("environment", {"uuid": uuid}, title="Environment", name=name)


def pacticipant_link(links: Links, name: str, title: str) -> dict:
    return links.link("pacticipant", {"name": name}, title=title, name=name)


def target_links(links: Links, provider: str, environment: str) -> dict:
    """The target of a provider in an environment: its resource, runs and open incidents."""
    pair = {"provider": provider, "environment": environment}
    return {
        "accord:live-target": links.link("live-target", pair, title=f"Live target of {provider} in {environment}"),
        "accord:drift-incidents": {
            "href": links.route("drift-incidents", query={**pair, "status": "open"}),
            "title": f"Open drift incidents of {provider} in {environment}",
        },
    }
