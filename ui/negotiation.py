"""Who gets a page and who gets the API at `/`.

The Pact clients ask for `application/hal+json`, `application/json`, `*/*` or nothing,
and must keep the HAL index exactly as before. A browser navigating to `/` puts
`text/html` first (Chromium: `text/html,application/xhtml+xml,...,*/*;q=0.8`); htmx's own
requests carry `HX-Request: true`. Only those get the UI.
"""

from __future__ import annotations

from django.http import HttpRequest

from contracts.api.negotiation import preferred_media_type

# The API's types come first, so a tie (`*/*`, no header, an unknown type) stays with the API.
OFFERED = ("application/hal+json", "application/json", "text/html")


def wants_html(request: HttpRequest) -> bool:
    """True when the client rates text/html above every JSON type (or is htmx)."""
    if request.headers.get("HX-Request") == "true":
        return True
    return preferred_media_type(request.headers.get("Accept"), OFFERED) == "text/html"
