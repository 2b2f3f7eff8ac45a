"""Choosing between a resource's representations from the Accept header (RFC 9110 12.5.1)."""

from __future__ import annotations

from collections.abc import Sequence


def _ranges(accept: str) -> list[tuple[str, float]]:
    """(media range, q) for each entry of an Accept header; unreadable entries are skipped."""
    ranges = []
    for entry in accept.split(","):
        media_range, *params = (part.strip() for part in entry.split(";"))
        if "/" not in media_range:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media_range.lower(), q))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """The q the most specific matching range gives `media_type` (0 when none matches)."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for media_range, q in ranges:
        if media_range == media_type:
            specificity = 2
        elif media_range == f"{kind}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        best = max(best, (specificity, q), key=lambda pair: pair[0])
    return best[1]


def preferred_media_type(accept: str | None, offered: Sequence[str]) -> str:
    """The offered type the client rates highest; ties go to the earlier offer.

    No Accept header, or one that accepts none of them, gets the first offer: the Pact
    clients send `*/*` or nothing, and a 406 would break them for no gain.
    """
    ranges = _ranges(accept or "")
    best, best_q = offered[0], 0.0
    for media_type in offered:
        q = _quality(media_type, ranges)
        if q > best_q:
            best, best_q = media_type, q
    return best
