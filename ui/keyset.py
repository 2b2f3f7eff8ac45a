"""Keyset pagination for the UI's lists: no OFFSET, so page 1,000 costs what page 1 does.

A list is sorted by `keys`, a tuple of (annotated field, ascending) ending with a unique
field so the order is total. A cursor is the opaque encoding of one row's key values; a page
holds the rows strictly after (`after`) or before (`before`) it, and cursors for the pages on
either side when they exist.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

Keys = tuple[tuple[str, bool], ...]


class BadCursor(ValueError):
    """A pagination cursor that was not made by this page (edited or truncated)."""


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None
    previous_cursor: str | None


def after(keys: Keys, values: list, *, forward: bool) -> Q:
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


def encode(row: object, keys: Keys) -> str:
    values = [getattr(row, key) for key, _ in keys]
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode(cursor: str, keys: Keys) -> list:
    """The key values a cursor holds, typed like the keys (`id` and `*_id` are integers,
    `*_at` are times, the rest strings); BadCursor when it is not one of ours."""
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list) or len(plain) != len(keys):
            raise BadCursor(cursor)
        values = []
        for (key, _), value in zip(keys, plain, strict=True):
            if key == "id" or key.endswith("_id"):
                if not isinstance(value, int) or isinstance(value, bool):
                    raise BadCursor(cursor)
                values.append(value)
            elif key.endswith("_at"):
                if not isinstance(value, str):
                    raise BadCursor(cursor)
                values.append(datetime.fromisoformat(value))
            elif isinstance(value, str):
                values.append(value)
            else:
                raise BadCursor(cursor)
        return values
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError) as error:
        raise BadCursor(cursor) from error


def page(
    queryset: QuerySet,
    keys: Keys,
    *,
    after_cursor: str = "",
    before_cursor: str = "",
    size: int,
    fetch: Callable[[QuerySet], list] = list,
) -> Page:
    """One page of `queryset` (annotated with every key) in the order of `keys`.

    `fetch` turns the sliced queryset into rows (for a prefetch); one query otherwise."""
    forward = not before_cursor
    order = [key if ascending == forward else f"-{key}" for key, ascending in keys]
    if after_cursor or before_cursor:
        queryset = queryset.filter(after(keys, decode(after_cursor or before_cursor, keys), forward=forward))
    found = fetch(queryset.order_by(*order)[: size + 1])
    more = len(found) > size
    found = found[:size]
    if not forward:
        found.reverse()
    # A further page exists beyond the fetched one; the other side exists when we came from it.
    has_next = more if forward else True
    has_previous = bool(after_cursor) if forward else more
    return Page(
        rows=found,
        next_cursor=encode(found[-1], keys) if found and has_next else None,
        previous_cursor=encode(found[0], keys) if found and has_previous else None,
    )
