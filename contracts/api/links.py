"""Absolute links: from ACCORD_BASE_URL when configured, else from the request's Host."""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest


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
    return quote(str(value), safe="")


class Links:
    """Builds hrefs for one request."""

    def __init__(self, request: HttpRequest) -> None:
        self.base = base_url(request)

    def url(self, *segments: object, query: dict | list | None = None) -> str:
        path = "/".join(seg(part) for part in segments)
        href = f"{self.base}/{path}" if path else self.base
        if query:
            href += "?" + urlencode(query, doseq=True)
        return href

    def template(self, path: str) -> str:
        """A templated href: `path` keeps its {placeholders} as they are."""
        return f"{self.base}{path}"

    def link(self, *segments: object, title: str | None = None, name: str | None = None) -> dict:
        out: dict = {"href": self.url(*segments)}
        if title is not None:
            out["title"] = title
        if name is not None:
            out["name"] = name
        return out
