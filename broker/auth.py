"""Basic authentication compatible with the Pact Broker's (README, "Authentication").

Two optional identities: read-write and read-only. Read access means GET, HEAD and
OPTIONS on every path, plus POST to pacts-for-verification (a read, despite the verb).
`PACT_BROKER_ALLOW_PUBLIC_READ` grants read access without credentials. With no
identities configured, everything is open, as in the Pact Broker.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
READ_POST_PATHS = re.compile(r"^/pacts/provider/[^/]+/for-verification/?$")
BADGE_PATHS = re.compile(r"/badge(\.svg)?/?$")
HEARTBEAT_PATH = "/diagnostic/status/heartbeat"


def _credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def _matches(given: tuple[str, str], username: str | None, password: str | None) -> bool:
    if not username or password is None:
        return False
    # Compare both parts in constant time, without short-circuiting on the username.
    user_ok = hmac.compare_digest(given[0].encode(), username.encode())
    password_ok = hmac.compare_digest(given[1].encode(), password.encode())
    return user_ok and password_ok


def access_level(request: HttpRequest) -> str:
    """'write', 'read', 'public-read' (no valid credentials, public read on) or 'none'."""
    if not settings.ACCORD_BASIC_AUTH_USERNAME and not settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME:
        return "write"
    given = _credentials(request)
    if given is not None:
        if _matches(given, settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD):
            return "write"
        if _matches(
            given, settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME, settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD
        ):
            return "read"
    return "public-read" if settings.ACCORD_ALLOW_PUBLIC_READ else "none"


def required_level(request: HttpRequest) -> str:
    """The lowest level that may make this request: 'public', 'read' or 'write'."""
    path = request.path_info
    if path == HEARTBEAT_PATH and settings.ACCORD_PUBLIC_HEARTBEAT:
        return "public"
    is_read = request.method in READ_METHODS or (request.method == "POST" and READ_POST_PATHS.match(path))
    if is_read and settings.ACCORD_PUBLIC_BADGE_ACCESS and BADGE_PATHS.search(path):
        return "public"
    return "read" if is_read else "write"


class BasicAuthMiddleware:
    """Refuse requests whose credentials do not reach the level the request needs."""

    RANK = {"none": 0, "public": 0, "public-read": 1, "read": 1, "write": 2}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        needed = required_level(request)
        level = access_level(request)
        if needed != "public" and self.RANK[level] < self.RANK[needed]:
            return self._refuse(request, level, needed)
        # The UI shows forms that change data only to those who may (ui.context).
        request.accord_can_write = level == "write"
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, level: str, needed: str) -> HttpResponse:
        # Without valid credentials the answer is a challenge, even where public read
        # would have been enough for a GET: the client may still authenticate.
        if level in ("none", "public-read"):
            response = JsonResponse(
                {"error": "Authentication required: send HTTP basic auth credentials for this broker"}, status=401
            )
            response.headers["WWW-Authenticate"] = 'Basic realm="Restricted area"'
            return response
        message = f"Forbidden: these credentials give {level} access, this request needs {needed} access"
        if request.path_info.startswith("/ui/"):
            # A person in the web UI (a read-only user submitting a form) gets a page.
            request.accord_can_write = False
            return render(request, "ui/forbidden.html", {"message": message}, status=403)
        return JsonResponse({"error": message}, status=403)
