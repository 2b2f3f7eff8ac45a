"""The UI's pages. A view validates its query, calls selectors (reads) or services
(writes) and renders; it never touches the ORM (.importlinter forbids the models here)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from contracts.api.errors import page_not_found as api_page_not_found
from ui import selectors
from ui.forms import HomeQuery
from ui.keyset import BadCursor
from ui.negotiation import wants_html
from ui.paths import broker_url, use_base_path

View = Callable[..., HttpResponse]


def html_or(api_view: View) -> View:
    """A view that serves the UI's home to browsers and `api_view` to everyone else
    (ui.negotiation). Only reads are negotiated: a POST always reaches the API."""

    def negotiated(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method in ("GET", "HEAD") and wants_html(request):
            return home(request)
        return api_view(request, *args, **kwargs)

    negotiated.__doc__ = api_view.__doc__
    return negotiated


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Render a page (or, for htmx, its partial); the answer differs by HX-Request and Accept."""
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["Accept", "HX-Request"])
    return response


def only_for(allowed: Callable[[HttpRequest], bool], refused: Callable[[HttpRequest], HttpResponse]):
    """A view for some visitors only (writers, admins): under the broker's sub-path, it runs
    when `allowed(request)` and answers `refused(request)` (a 403 page) otherwise."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            use_base_path(request)
            if not allowed(request):
                return refused(request)
            return view(request, *args, **kwargs)

        return checked

    return decorate


def may_write(request: HttpRequest) -> bool:
    """broker.auth's verdict: this visitor may change data (a view shows forms that write)."""
    return getattr(request, "accord_can_write", False)


def bad_request(request: HttpRequest, problems: list[str]) -> HttpResponse:
    """A 400 page that lists what was wrong with the query string."""
    return _page(request, "ui/bad_request.html", {"problems": problems}, status=400)


def _query_without(request: HttpRequest, *names: str) -> list[tuple[str, str]]:
    return [(key, value) for key, value in request.GET.items() if key not in names and value]


def home(request: HttpRequest) -> HttpResponse:
    """Home: one row per integration, searchable, filtered, sorted and paged by keyset."""
    use_base_path(request)
    form = HomeQuery(request.GET, options=selectors.home_options())
    if not form.is_valid():
        problems = [f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
                    for field, errors in form.errors.items()]  # fmt: skip
        return bad_request(request, problems)
    query = form.query()
    try:
        page = selectors.home_page(**query)
    except BadCursor:
        return bad_request(
            request, ["after/before: this page cursor was not made by Accord; start from the first page."]
        )
    kept = _query_without(request, "after", "before")
    filtered = bool(query["search"] or query["status"] or query["label"] or query["environment"])
    context = {
        "form": form,
        "filters": [form["status"], form["label"], form["environment"], form["sort"]],
        "page": page,
        "sort": query["sort"],
        "filtered": filtered,
        "paged": bool(query["after"] or query["before"]),
        "next_query": urlencode([*kept, ("after", page.next_cursor)]) if page.next_cursor else "",
        "previous_query": urlencode([*kept, ("before", page.previous_cursor)]) if page.previous_cursor else "",
        "broker_url": broker_url(request),
    }
    htmx = getattr(request, "htmx", False) and not request.htmx.boosted
    return _page(request, "ui/partials/home_results.html" if htmx else "ui/home.html", context)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: under /ui/ no route matched (an unknown page, or a path segment that
    names nothing, such as one holding a NUL): an HTML page; elsewhere the API's JSON."""
    if request.path_info.startswith("/ui/"):
        use_base_path(request)
        message = "There is no page at this address."
        return _page(request, "ui/contracts/not_found.html", {"message": message}, status=404)
    return api_page_not_found(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a UI form came back without its token, or from another site.
    (Only the UI's views check tokens: the API takes no writes from a browser session.)"""
    use_base_path(request)
    return _page(request, "ui/csrf_failure.html", {"reason": reason.rstrip(".")}, status=403)
