"""Links that work when Accord is served under a sub-path.

Two deployments exist. Either the proxy passes the prefix as SCRIPT_NAME (Django's
`{% url %}` and `{% static %}` include it by themselves), or it strips the prefix and
ACCORD_BASE_URL carries it (`https://ci.example/pact`), as the API's links assume
(contracts.api.links). For the second, a page sets the script prefix from the
configured base URL before it renders, so the same `{% url %}` calls follow it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import get_script_prefix, set_script_prefix
from django.utils.encoding import iri_to_uri

from contracts.api.links import base_url


def use_base_path(request: HttpRequest) -> None:
    """Make reversed URLs start with the configured base URL's path (when there is one
    and the server gave no SCRIPT_NAME). Django resets the prefix at every request."""
    script_name = request.META.get("SCRIPT_NAME", "").rstrip("/")
    if script_name:
        # WSGIHandler has set this already; Django's test client has not.
        set_script_prefix(script_name + "/")
        return
    # Always set, never left as it was: Django's test client (unlike its WSGI and ASGI
    # handlers) does not reset the prefix between requests, so one page asked under a
    # sub-path would otherwise leak its prefix into the next request's links.
    path = urlsplit(base_url(request)).path.rstrip("/")
    set_script_prefix(path + "/")


def broker_url(request: HttpRequest) -> str:
    """This broker's public base URL, as a Pact client should be given it."""
    configured = base_url(request)
    if urlsplit(configured).path.strip("/"):
        return configured.rstrip("/")
    return request.build_absolute_uri(get_script_prefix()).rstrip("/")


def local_url(request: HttpRequest) -> str:
    """This request's address as the browser asked for it, without scheme and host (the
    sub-path included, once use_base_path has run): where to come back to after sign-in."""
    # path_info is the raw path (broker.middleware.RawPathMiddleware): a `%2F` inside a
    # name stays encoded; iri_to_uri encodes what was decoded and leaves `%` escapes be.
    path = iri_to_uri(get_script_prefix().rstrip("/") + request.path_info)
    query = request.META.get("QUERY_STRING", "")
    return path + ("?" + query if query else "")
