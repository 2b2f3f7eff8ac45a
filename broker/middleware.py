"""Request plumbing every endpoint relies on: raw-path routing, body caps, broker headers,
and 503 (not 500) when a dependency is down."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_htmx.middleware import HtmxDetails

from contracts.api.outage import outage_answer

Handler = Callable[[HttpRequest], HttpResponse]


def _raw_path(request: HttpRequest) -> str | None:
    """The path as the client sent it, still percent-encoded, when the server tells us."""
    scope = getattr(request, "scope", None)
    if scope is not None and scope.get("raw_path"):  # ASGI
        return scope["raw_path"].decode("latin-1")
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")  # gunicorn / uWSGI, Apache
    if not raw:
        return None
    if "://" in raw:  # absolute-form request target
        raw = "/" + raw.split("://", 1)[1].split("/", 1)[-1]
    raw = raw.split("?", 1)[0]
    script_name = request.META.get("SCRIPT_NAME", "")
    if script_name and raw.startswith(script_name):
        raw = raw[len(script_name) :]
    return raw


class RawPathMiddleware:
    """Route on the raw path so that `%2F` inside a name stays inside one segment.

    Branch names such as `feat/x` arrive as `feat%2Fx`. WSGI servers decode PATH_INFO,
    which would split that into two segments. We rebuild path_info from the raw request
    target with each segment decoded except for `/` and `%` (re-escaped as %2F and %25);
    the `seg` URL converter then decodes the captured segment once.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = _raw_path(request)
        if raw is not None:
            segments = [unquote(part) for part in raw.split("/")]
        else:
            segments = request.path_info.split("/")
        request.path_info = "/".join(part.replace("%", "%25").replace("/", "%2F") for part in segments)
        return self.get_response(request)


# Room in a publish request for its fields around the Base64 contracts.
PUBLISH_ENVELOPE_BYTES = 1024 * 1024


def body_limit_for(path: str) -> int:
    """How many bytes a request body to `path` may have. A pact PUT is the contract itself; a
    publish carries it in Base64, a third larger, so its request may be that much bigger and
    the publish view caps each decoded contract at ACCORD_PUBLISH_MAX_BYTES."""
    if path.startswith("/contracts/publish"):
        return -(-settings.ACCORD_PUBLISH_MAX_BYTES * 4 // 3) + PUBLISH_ENVELOPE_BYTES
    if path.startswith("/pacts/"):
        return settings.ACCORD_PUBLISH_MAX_BYTES
    return settings.ACCORD_BODY_MAX_BYTES


class BrokerHeadersMiddleware:
    """Cap request bodies and add the headers every Pact Broker response carries."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._check_body(request) or self.get_response(request)
        response.headers.setdefault("X-Pact-Broker-Version", settings.PACT_BROKER_API_VERSION)
        response.headers.setdefault("X-Accord-Version", settings.ACCORD_VERSION)
        response.headers.setdefault("Cache-Control", "no-cache")
        vary = response.headers.get("Vary")
        if not vary:
            response.headers["Vary"] = "Accept"
        elif "accept" not in vary.lower():
            response.headers["Vary"] = f"{vary}, Accept"
        return response

    def _check_body(self, request: HttpRequest) -> HttpResponse | None:
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            return JsonResponse({"error": f"Content-Length {raw_length!r} is not a number"}, status=400)
        limit = body_limit_for(request.path_info)
        if length > limit:
            message = f"Request body of {length} bytes exceeds the limit of {limit} bytes for this endpoint"
            if request.path_info.startswith(("/contracts/publish", "/pacts/")):
                message += (
                    f" (contracts may be up to {settings.ACCORD_PUBLISH_MAX_BYTES} bytes: ACCORD_PUBLISH_MAX_BYTES)"
                )
            return JsonResponse({"error": message}, status=413)
        return None


# The pages' policy: everything from this site only, no inline script or style, no framing.
# The UI passes it (tests/ui/test_security_headers_browser.py loads every page and finds no
# violation); the OpenAPI page's Swagger UI keeps one inline <style>, so it alone may.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
OPENAPI_PAGE_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
POLICED_TYPES = ("text/html", "image/svg+xml")


class SecurityHeadersMiddleware:
    """A Content-Security-Policy and X-Frame-Options on pages (HTML and SVG); Django's
    SecurityMiddleware adds nosniff, the referrer policy and, over https, HSTS."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type in POLICED_TYPES:
            policy = OPENAPI_PAGE_POLICY if request.path_info == "/openapi" else CONTENT_SECURITY_POLICY
            response.headers.setdefault("Content-Security-Policy", policy)
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response


class DependencyOutageMiddleware:
    """A plain Django view that fails because the database or broker is down answers 503.

    DRF views answer the same from their exception handler (contracts.api.errors); this
    covers the rest (such as `/triggered-webhooks/{uuid}/logs`). Other exceptions stay 500s.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return outage_answer(exception)


class QueryCountMiddleware:
    """Report how many SQL statements a request ran (X-Accord-Queries), for benchmarks.

    Installed only when ACCORD_QUERY_COUNT_HEADER is on; counting uses a connection
    execute wrapper, so it measures what the server really sent to PostgreSQL.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.db import connection

        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response.headers["X-Accord-Queries"] = str(count)
        return response


class HtmxMiddleware:
    """`request.htmx`: django-htmx's details of an htmx request (is it one, boosted, its
    target), holding the request weakly.

    django-htmx's own middleware has the details hold the request that holds them: a
    reference cycle that left every request, and all that hangs off it, to the garbage
    collector's next pass instead of freeing it when the response is sent.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.htmx = HtmxDetails(weakref.proxy(request))
        return self.get_response(request)
