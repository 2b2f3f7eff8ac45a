"""Status badges (3.13, 3.14), drawn here as SVG: no redirect, no external service.

Badges go in READMEs and dashboards, so they always answer 200 with an image: anything
that goes wrong (unknown names, no pact, a bad query) draws a grey "unknown" badge.
With PACT_BROKER_ENABLE_PUBLIC_BADGE_ACCESS they need no credentials (broker.auth).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from html import escape

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from contracts.api.matrix import branch_to_environment_query, tag_to_tag_query
from contracts.api.outage import unavailable_dependency
from contracts.exceptions import BrokerError
from contracts.matrix.pipeline import MatrixResult, matrix_evaluate
from contracts.matrix.query import MatrixQuery, SelectorSpec
from contracts.selectors.pacts import latest_pact_verification_status

logger = logging.getLogger("accord.badges")

COLOURS = {"brightgreen": "#4c1", "green": "#97ca00", "red": "#e05d44", "orange": "#fe7d37", "lightgrey": "#9f9f9f"}
# Pact badge statuses: (text, colour).
VERIFIED, FAILED, FAILED_PENDING = ("verified", "brightgreen"), ("failed", "red"), ("failed (pending)", "red")
CHANGED, UNKNOWN = ("changed", "orange"), ("unknown", "lightgrey")

# Approximate advance widths (px) of Verdana 11px, enough to size the two halves.
_NARROW, _WIDE = set("ijlt.,:;|!'()[] f"), set("mwMW@%")
# Characters XML 1.0 cannot carry at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text_width(text: str) -> int:
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 3.8
        elif char in _WIDE:
            width += 10.5
        elif char.isupper() or char.isdigit():
            width += 7.5
        else:
            width += 6.6
    return round(width)


def render_badge(left: str, right: str, colour: str) -> str:
    """A flat two-part badge: grey `left`, coloured `right`."""
    left_width, right_width = _text_width(left) + 12, _text_width(right) + 12
    total = left_width + right_width
    fill = COLOURS.get(colour, COLOURS["lightgrey"])
    left_text, right_text = escape(_CONTROL.sub("", left)), escape(_CONTROL.sub("", right))
    left_x, right_x = left_width / 2, left_width + right_width / 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{left_text}: {right_text}"><title>{left_text}: {right_text}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left_width}" height="20" fill="#555"/>'
        f'<rect x="{left_width}" width="{right_width}" height="20" fill="{fill}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left_x}" y="15" fill="#010101" fill-opacity=".3">{left_text}</text>'
        f'<text x="{left_x}" y="14">{left_text}</text>'
        f'<text x="{right_x}" y="15" fill="#010101" fill-opacity=".3">{right_text}</text>'
        f'<text x="{right_x}" y="14">{right_text}</text></g></svg>'
    )


def _svg(left: str, right: str, colour: str) -> HttpResponse:
    response = HttpResponse(render_badge(left, right, colour), content_type="image/svg+xml;charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def _safely(request: HttpRequest, compute: Callable[[], tuple[str, str, str]], fallback_left: str) -> HttpResponse:
    """Draw what `compute` returns; a grey badge if it fails for any reason."""
    names = request.resolver_match.kwargs.values() if request.resolver_match else ()
    if any("\x00" in name for name in names):  # names nothing that can be stored: no query needed
        return _svg(fallback_left, UNKNOWN[0], UNKNOWN[1])
    try:
        return _svg(*compute())
    except BrokerError:
        return _svg(fallback_left, UNKNOWN[0], UNKNOWN[1])
    except Exception as exc:  # a badge must never break a README; log it, draw grey
        if unavailable_dependency(exc):
            raise  # an outage: 503 with Retry-After (broker.middleware), so caches do not keep a grey badge
        logger.exception("Badge failed; answering with an unknown badge")
        return _svg(fallback_left, UNKNOWN[0], UNKNOWN[1])


_WORDS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[\s_\-.]+")


def _name(name: str, initials: bool) -> str:
    parts = [part for part in _WORDS.split(name) if part]
    return "".join(part[0] for part in parts) if initials and len(parts) > 1 else name


def _pact_title(request: HttpRequest, consumer: str, provider: str) -> str:
    initials = request.GET.get("initials") == "true"
    consumer, provider = _name(consumer, initials), _name(provider, initials)
    label = (request.GET.get("label") or "").lower()
    title = consumer if label == "consumer" else provider if label == "provider" else f"{consumer}/{provider}"
    return f"{title} pact".lower()


def pact_status(provider: str, consumer: str, *, tag: str | None = None, untagged: bool = False) -> tuple[str, str]:
    """verified / failed / changed (the pact changed since the last verification) / unknown."""
    status = latest_pact_verification_status(provider_name=provider, consumer_name=consumer, tag=tag, untagged=untagged)
    return {"verified": VERIFIED, "failed": FAILED, "failed-pending": FAILED_PENDING, "changed": CHANGED}.get(
        status, UNKNOWN
    )


def _pact_badge(
    request: HttpRequest, provider: str, consumer: str, *, tag: str | None = None, untagged: bool = False
) -> HttpResponse:
    title = _pact_title(request, consumer, provider)
    return _safely(request, lambda: (title, *pact_status(provider, consumer, tag=tag, untagged=untagged)), title)


@require_safe
def latest_pact_badge(request: HttpRequest, provider: str, consumer: str) -> HttpResponse:
    """GET /pacts/provider/{P}/consumer/{C}/latest/badge[.svg]."""
    return _pact_badge(request, provider, consumer)


@require_safe
def latest_tagged_pact_badge(request: HttpRequest, provider: str, consumer: str, tag: str) -> HttpResponse:
    """GET /pacts/provider/{P}/consumer/{C}/latest/{tag}/badge[.svg]."""
    return _pact_badge(request, provider, consumer, tag=tag)


@require_safe
def latest_untagged_pact_badge(request: HttpRequest, provider: str, consumer: str) -> HttpResponse:
    """GET /pacts/provider/{P}/consumer/{C}/latest-untagged/badge[.svg]."""
    return _pact_badge(request, provider, consumer, untagged=True)


def _all_found(result: MatrixResult) -> bool:
    """A badge for a version that does not exist is "unknown", not "failed"."""
    return all(selector.exists for selector in result.resolution.specified)


def _deploy_badge(request: HttpRequest, query: MatrixQuery, status: str, default_label: str) -> HttpResponse:
    label = request.GET.get("label") or default_label

    def compute() -> tuple[str, str, str]:
        result = matrix_evaluate(query)
        deployable = result.decision.deployable if _all_found(result) else None
        colour = "brightgreen" if deployable else "red" if deployable is False else "lightgrey"
        return label, status, colour

    return _safely(request, compute, label)


@require_safe
def can_i_deploy_tag_badge(request: HttpRequest, pacticipant: str, tag: str, to_tag: str) -> HttpResponse:
    """GET /pacticipants/{P}/latest-version/{tag}/can-i-deploy/to/{toTag}/badge."""
    return _deploy_badge(request, tag_to_tag_query(pacticipant, tag, to_tag), f"{tag} to {to_tag}", "can-i-deploy")


@require_safe
def can_i_deploy_branch_badge(request: HttpRequest, pacticipant: str, branch: str, environment: str) -> HttpResponse:
    """GET /pacticipants/{P}/branches/{b}/latest-version/can-i-deploy/to-environment/{env}/badge."""
    query = branch_to_environment_query(pacticipant, branch, environment)
    return _deploy_badge(request, query, f"{branch} to {environment}", "can-i-deploy")


@require_safe
def can_i_merge_badge(request: HttpRequest, pacticipant: str) -> HttpResponse:
    """GET /pacticipants/{P}/main-branch/can-i-merge/badge: its main branch head vs everyone's."""
    label = request.GET.get("label") or "can-i-merge"
    query = MatrixQuery(
        selectors=(SelectorSpec(pacticipant=pacticipant, main_branch=True, latest=True),),
        latestby="cvp",
        latest=True,
        main_branch=True,
    )

    def compute() -> tuple[str, str, str]:
        result = matrix_evaluate(query)
        deployable = result.decision.deployable if _all_found(result) else None
        if deployable is None:
            return label, *UNKNOWN
        return (label, "success", "brightgreen") if deployable else (label, "failed", "red")

    return _safely(request, compute, label)


@require_safe
def matrix_badge(
    request: HttpRequest, provider: str, provider_tag: str, consumer: str, consumer_tag: str
) -> HttpResponse:
    """GET /matrix/provider/{P}/latest/{ptag}/consumer/{C}/latest/{ctag}/badge."""
    title = _pact_title(request, consumer, provider)
    query = MatrixQuery(
        selectors=(
            SelectorSpec(pacticipant=consumer, tag=consumer_tag, latest=True),
            SelectorSpec(pacticipant=provider, tag=provider_tag, latest=True),
        ),
        latestby="cvpv",
    )

    def compute() -> tuple[str, str, str]:
        decision = matrix_evaluate(query).decision
        verdicts = [row.success for row in decision.considered if row.provider_id != row.consumer_id]
        if not verdicts or any(verdict is None for verdict in verdicts):
            return title, *UNKNOWN
        return (title, *VERIFIED) if all(verdicts) else (title, *FAILED)

    return _safely(request, compute, title)


def _badge_paths(route: str, view: Callable, name: str) -> list:
    # `.svg` is the suffix README images use; both spellings are the same badge.
    return [path(f"{route}/badge", view, name=name), path(f"{route}/badge.svg", view, name=f"{name}-svg")]


urlpatterns = [
    *_badge_paths("pacts/provider/<seg:provider>/consumer/<seg:consumer>/latest", latest_pact_badge, "pact-badge"),
    *_badge_paths(
        "pacts/provider/<seg:provider>/consumer/<seg:consumer>/latest-untagged",
        latest_untagged_pact_badge,
        "untagged-pact-badge",
    ),
    *_badge_paths(
        "pacts/provider/<seg:provider>/consumer/<seg:consumer>/latest/<seg:tag>",
        latest_tagged_pact_badge,
        "tagged-pact-badge",
    ),
    *_badge_paths(
        "pacticipants/<seg:pacticipant>/latest-version/<seg:tag>/can-i-deploy/to/<seg:to_tag>",
        can_i_deploy_tag_badge,
        "can-i-deploy-tag-badge",
    ),
    *_badge_paths(
        "pacticipants/<seg:pacticipant>/branches/<seg:branch>/latest-version/can-i-deploy/"
        "to-environment/<seg:environment>",
        can_i_deploy_branch_badge,
        "can-i-deploy-branch-badge",
    ),
    *_badge_paths("pacticipants/<seg:pacticipant>/main-branch/can-i-merge", can_i_merge_badge, "can-i-merge-badge"),
    *_badge_paths(
        "matrix/provider/<seg:provider>/latest/<seg:provider_tag>/consumer/<seg:consumer>/latest/<seg:consumer_tag>",
        matrix_badge,
        "matrix-badge",
    ),
]
