"""Absolute links: from ACCORD_BASE_URL when configured, else from the request's Host.

Hrefs are built from route names (`links.route("version", name=..., number=...)`), so a
link cannot drift from the URL conf: renaming a path changes every link to it, and a
link to a route that does not exist fails loudly. Each name segment is percent-encoded
once (a branch `feat/x` is `feat%2Fx`), which Django's reverse() cannot do: it would
encode our `%2F` a second time.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, get_resolver

_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


class Placeholder(str):
    """A URI-template variable for a templated href: `Placeholder("tag")` is "{tag}".

    Only these are kept as they are in a path; any other value is percent-encoded, so a
    pacticipant literally named "{tag}" still gets `%7Btag%7D`.
    """

    def __new__(cls, name: str) -> Placeholder:
        return super().__new__(cls, "{" + name + "}")


@functools.cache
def _routes(urlconf: str) -> dict[str, str]:
    """Route name -> path pattern ("pacticipants/<seg:name>/versions/<seg:number>")."""
    found: dict[str, str] = {}

    def walk(patterns: list, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name:
                found.setdefault(entry.name, prefix + str(entry.pattern))

    walk(get_resolver(urlconf).url_patterns, "")
    return found


@functools.cache
def _formats(urlconf: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Route name -> a format string of its path ("pacticipants/{}/versions/{}") and the
    parameter names that fill it, in order."""
    formats = {}
    for name, pattern in _routes(urlconf).items():
        parts = _PARAMETER.split(pattern)
        literals = [part.replace("{", "{{").replace("}", "}}") for part in parts[0::2]]
        formats[name] = ("{}".join(literals), tuple(parts[1::2]))
    return formats


def route_path(name: str, params: dict[str, object], urlconf: str | None = None) -> str:
    """The path of route `name` with its parameters filled in (without the leading slash).

    A `Placeholder` value ("{version}") is kept as it is, for templated links. Every
    response with links builds hundreds of them (a hub's matrix: over 300), so each route
    is a format string made once and each value encoded once per process.
    """
    return _fill(_formats(urlconf or settings.ROOT_URLCONF), name, params)


def _fill(formats: dict[str, tuple[str, tuple[str, ...]]], name: str, params: dict[str, object]) -> str:
    try:
        path, names = formats[name]
    except KeyError:
        raise KeyError(f"no route named {name!r}") from None
    try:
        return path.format(*[_segment(params[param]) for param in names])
    except KeyError:
        missing = [param for param in names if param not in params]
        raise KeyError(f"route {name!r} needs {', '.join(missing)}") from None


def _segment(value: object) -> str:
    """A path segment's text: percent-encoded (`seg`), but for a `Placeholder`."""
    if type(value) is str:  # the usual case, in one call
        return _quoted(value)
    return value if isinstance(value, Placeholder) else seg(value)


def base_url(request: HttpRequest) -> str:
    """The base every href starts with (the configured one matching the request host)."""
    configured = settings.ACCORD_BASE_URLS
    if configured:
        if len(configured) > 1:
            host = request.get_host()
            for url in configured:
                if urlsplit(url).netloc == host:
                    return url
        return configured[0]
    return f"{request.scheme}://{request.get_host()}"


def seg(value: object) -> str:
    """Percent-encode one path segment (everything but unreserved characters)."""
    if type(value) is str:
        return _quoted(value)
    if type(value) is int:
        return str(value)  # digits and a sign: nothing to encode
    return quote(str(value), safe="")


@functools.lru_cache(maxsize=8192)
def _quoted(value: str) -> str:
    return quote(value, safe="")


class Links:
    """Builds hrefs for one request."""

    def __init__(self, request: HttpRequest) -> None:
        self.base = base_url(request)
        self.urlconf = settings.ROOT_URLCONF
        self._formats = _formats(self.urlconf)

    def route(self, route_name: str, /, *, query: dict | list | None = None, **params: object) -> str:
        """The absolute href of a route; `Placeholder` values make a templated href."""
        href = f"{self.base}/{_fill(self._formats, route_name, params)}".rstrip("/") or self.base
        if query:
            href += "?" + urlencode(query, doseq=True)
        return href

    def link(
        self, route: str, params: dict | None = None, *, title: str | None = None, name: str | None = None
    ) -> dict:
        """A HAL link object to route `route`, with an optional title and name."""
        out: dict = {"href": self.route(route, **(params or {}))}
        if title is not None:
            out["title"] = title
        if name is not None:
            out["name"] = name
        return out
