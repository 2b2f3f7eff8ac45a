"""The application pages: the list of applications, and everything one application is
involved in (its versions, where it runs, its integrations, can-i-deploy, badges)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from contracts.api.links import route_path
from contracts.exceptions import NotFound
from ui import applications_selectors as selectors
from ui import matrix_selectors
from ui.applications_forms import ApplicationListQuery, ApplicationQuery
from ui.matrix_selectors import DeployQuestion
from ui.paths import broker_url, use_base_path
from ui.views import _page, _query_without, bad_request

# can-i-deploy costs a handful of queries per environment: the page asks it for this many
# environments (production ones first) and links to the can-i-deploy page for the rest.
ENVIRONMENTS_CHECKED = 8


def _problems(form) -> list[str]:
    return [f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
            for field, errors in form.errors.items()]  # fmt: skip


@require_safe
def application_list(request: HttpRequest) -> HttpResponse:
    """GET /ui/applications: every application by name, searchable, paged by keyset."""
    use_base_path(request)
    form = ApplicationListQuery(request.GET)
    if not form.is_valid():
        return bad_request(request, _problems(form))
    data = form.cleaned_data
    try:
        page = selectors.application_list(search=data["q"].strip(), after=data["after"], before=data["before"])
    except selectors.BadCursor:
        return bad_request(
            request, ["after/before: this page cursor was not made by Accord; start from the first page."]
        )
    kept = _query_without(request, "after", "before")
    context = {
        "form": form,
        "page": page,
        "searched": bool(data["q"].strip()),
        "next_query": urlencode([*kept, ("after", page.next_cursor)]) if page.next_cursor else "",
        "previous_query": urlencode([*kept, ("before", page.previous_cursor)]) if page.previous_cursor else "",
    }
    htmx = getattr(request, "htmx", False) and not request.htmx.boosted
    template = "ui/applications/list_results.html" if htmx else "ui/applications/list.html"
    return _page(request, template, context)


@dataclass(frozen=True)
class DeployCheck:
    environment: str
    deployable: bool | None
    reason: str
    page_query: str  # the can-i-deploy page's query string for the same question


@dataclass(frozen=True)
class Badge:
    title: str
    image: str  # absolute URL of the SVG
    markdown: str


def _deploy_checks(name: str, version: str, environments: list[str]) -> list[DeployCheck]:
    """can-i-deploy for `version` to each environment, through the same matrix pipeline."""
    checks = []
    for environment in environments[:ENVIRONMENTS_CHECKED]:
        question = DeployQuestion(pacticipant=name, version=version, environment=environment)
        deployable, reason = matrix_selectors.deploy_verdict(question)
        query = urlencode({"pacticipant": name, "version": version, "environment": environment})
        checks.append(DeployCheck(environment, deployable, reason, query))
    return checks


def _badges(request: HttpRequest, detail: selectors.ApplicationDetail) -> list[Badge]:
    """The badge URLs Accord serves (contracts/api/badges.py) for this application, as Markdown."""
    base = broker_url(request)
    name = detail.application.name

    def badge(title: str, route: str, **params: str) -> Badge:
        image = f"{base}/{route_path(route, params)}"
        return Badge(title, image, f"[![{title}]({image})]({base})")

    badges = [
        badge(
            f"{i.consumer.name}/{i.provider.name} pact",
            "pact-badge",
            provider=i.provider.name,
            consumer=i.consumer.name,
        )
        for i in [*detail.as_consumer, *detail.as_provider]
    ]
    if detail.application.main_branch:
        branch = detail.application.main_branch
        badges.append(badge(f"{name} can-i-merge", "can-i-merge-badge", pacticipant=name))
        badges += [
            badge(
                f"{name} {branch} to {runs.environment.name}",
                "can-i-deploy-branch-badge",
                pacticipant=name,
                branch=branch,
                environment=runs.environment.name,
            )
            for runs in detail.environments[:ENVIRONMENTS_CHECKED]
        ]
    return badges


@require_safe
def application(request: HttpRequest, name: str) -> HttpResponse:
    """GET /ui/applications/{name}[?before=ID]: the application's page (404 when unknown)."""
    use_base_path(request)
    form = ApplicationQuery(request.GET)
    if not form.is_valid():
        return bad_request(request, _problems(form))
    try:
        detail = selectors.application_detail(name=name, before=form.cleaned_data["before"])
    except NotFound:
        return _page(request, "ui/applications/not_found.html", {"name": name}, status=404)
    environments = [runs.environment.name for runs in detail.environments]
    checks = _deploy_checks(name, detail.candidate.number, environments) if detail.candidate else []
    context = {
        "detail": detail,
        "app": detail.application,
        "checks": checks,
        "unchecked_environments": environments[ENVIRONMENTS_CHECKED:],
        "badges": _badges(request, detail),
        "older_query": urlencode({"before": detail.older_cursor}) if detail.older_cursor else "",
        "paged": form.cleaned_data["before"] is not None,
    }
    return _page(request, "ui/applications/detail.html", context)
