"""The drift pages (overview, incident, live target, live run) and the environments page.

Reads come from drift.selectors and ui.selectors; writes go only through drift.services.
Forms that write are POST-only and CSRF-protected (csrf_protect on each view: the API's
views stay CSRF-exempt), and shown only to those who may write (ui.context's can_write;
broker.auth answers a read-only POST with 403 before it gets here).
"""

from __future__ import annotations

from itertools import groupby
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import get_script_prefix
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contracts.api.links import route_path
from contracts.exceptions import NotFound
from drift import selectors as drift_selectors
from drift.api.targets import masked_auth
from drift.services.incidents import AlreadyResolved, incident_acknowledge
from drift.services.runs import TargetPaused, live_run_request
from drift.services.targets import live_target_put
from ui import selectors
from ui.drift_forms import AcknowledgeForm, DriftQuery, PauseForm
from ui.keyset import BadCursor
from ui.paths import broker_url, use_base_path
from ui.views import _page, bad_request
from verifier.http import MASK, redact_url


def _href(route: str, **params: str) -> str:
    """A UI path under this request's prefix, each name segment encoded once (see api_href)."""
    return get_script_prefix() + route_path(route, params)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return _page(request, "ui/drift/not_found.html", {"message": message}, status=404)


def _problems(form) -> list[str]:
    return [f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
            for field, errors in form.errors.items()]  # fmt: skip


def duration(seconds: float | None) -> str:
    """A duration as people say it ("4 min 10 s", "2 h 5 min", "3 d"): two units at most."""
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))
    units = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
    for i, (name, size) in enumerate(units):
        if seconds >= size or name == "s":
            shown = f"{seconds // size} {name}"
            if i + 1 < len(units) and (seconds % size) // units[i + 1][1]:
                shown += f" {(seconds % size) // units[i + 1][1]} {units[i + 1][0]}"
            return shown
    return "0 s"


# ---------------------------------------------------------------- overview


@require_GET
def drift_overview(request: HttpRequest) -> HttpResponse:
    """Unresolved incidents newest first, then live targets; filtered by a GET form."""
    use_base_path(request)
    form = DriftQuery(request.GET, options=selectors.drift_options())
    if not form.is_valid():
        return bad_request(request, _problems(form))
    query = form.query()
    cursors = {name: request.GET.get(name, "") for name in ("after", "before", "targets_after", "targets_before")}
    try:
        incidents = selectors.drift_incidents(**query, after=cursors["after"], before=cursors["before"])
        targets = selectors.drift_target_rows(
            provider=query["provider"],
            environment=query["environment"],
            after=cursors["targets_after"],
            before=cursors["targets_before"],
        )
    except BadCursor:
        return bad_request(request, [CURSOR_PROBLEM])
    filtered = any(query.values())
    kept = [(key, value) for key, value in query.items() if value]
    context = {
        "form": form,
        "filters": [form["environment"], form["provider"], form["consumer"], form["status"]],
        "query": query,
        "incidents": incidents.rows,
        "incidents_pages": _pages(kept, incidents, "after", "before"),
        "targets": targets.rows,
        "targets_pages": _pages(kept, targets, "targets_after", "targets_before"),
        "paged": any(cursors.values()),
        "filtered": filtered,
        "permalink": urlencode(kept),
        "register_command": _register_command(broker_url(request)),
    }
    htmx = getattr(request, "htmx", False) and not request.htmx.boosted
    return _page(request, "ui/drift/_results.html" if htmx else "ui/drift/overview.html", context)


CURSOR_PROBLEM = "after/before: this page cursor was not made by Accord; start from the first page."


def _pages(kept: list[tuple[str, str]], page, after: str, before: str) -> dict[str, str]:
    """The query strings of a list's previous and next pages ('' when there is none): the
    filters kept, the other list back on its first page."""
    return {
        "previous": urlencode([*kept, (before, page.previous_cursor)]) if page.previous_cursor else "",
        "next": urlencode([*kept, (after, page.next_cursor)]) if page.next_cursor else "",
    }


def _register_command(base: str) -> str:
    """The README's curl PUT that registers a live target, against this broker."""
    return (
        f"curl -X PUT {base}/pacticipants/API/live-targets/production -H 'Content-Type: application/json' "
        """-d '{"baseUrl": "https://api.example.com", "schedule": "15m", "rateLimitPerSecond": 5}'"""
    )


# ---------------------------------------------------------------- incident


@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def drift_incident(request: HttpRequest, uuid: str) -> HttpResponse:
    """What drifted, the versions, the timeline; POST acknowledges it (note required)."""
    use_base_path(request)
    try:
        incident = drift_selectors.incident_get(uuid=uuid)
    except NotFound as exc:
        return _not_found(request, str(exc))
    # Who is acknowledging: the signed-in user, unless they say otherwise.
    visitor = getattr(request, "accord_visitor", None)
    form = AcknowledgeForm(initial={"by": getattr(visitor, "username", None) or ""})
    status, conflict = 200, None
    if request.method == "POST":
        form = AcknowledgeForm(request.POST)
        if form.is_valid():
            try:
                incident_acknowledge(incident=incident, note=form.cleaned_data["note"], actor=form.cleaned_data["by"])
            except AlreadyResolved as exc:
                status, conflict = 409, f"Not acknowledged: {exc}."
            else:
                return HttpResponseRedirect(_href("ui-drift-incident", uuid=str(incident.uuid)) + "?acknowledged=1")
        else:
            status = 400
    context = {
        "incident": incident,
        "timeline": drift_selectors.incident_timeline(incident),
        "detection": duration(incident.detection_seconds),
        "form": form,
        "conflict": conflict,
        "acknowledged": request.method != "POST" and request.GET.get("acknowledged") == "1",
    }
    return _page(request, "ui/drift/incident.html", context, status=status)


# ---------------------------------------------------------------- live target


def _target_context(target, *, runs_before: str = "", runs_after: str = "") -> dict:
    page = selectors.drift_target_page(target, runs_before=runs_before, runs_after=runs_after)
    auth = masked_auth(target.auth)
    return {
        "target": target,
        "base_url": redact_url(target.base_url),
        # Every header value is a credential by intent: only the names are shown.
        "header_names": sorted(target.headers or {}),
        "mask": MASK,
        "auth_type": auth.get("type", "none"),
        "auth_fields": [(key, value) for key, value in auth.items() if key not in ("type", "consumers")],
        "auth_consumers": [(name, each.get("type", "none")) for name, each in (auth.get("consumers") or {}).items()],
        "runs": page.runs.rows,
        "runs_pages": _pages([], page.runs, "runs_after", "runs_before"),
        "runs_paged": bool(runs_before or runs_after),
        "incidents": page.incidents,
        "more_incidents": page.more_incidents,
        "message": None,
    }


def _target_or_404(request: HttpRequest, provider: str, environment: str):
    try:
        return drift_selectors.live_target_get(provider_name=provider, environment_name=environment), None
    except NotFound as exc:
        return None, _not_found(request, str(exc))


@csrf_protect
@require_GET
def drift_target(request: HttpRequest, provider: str, environment: str) -> HttpResponse:
    """A live target: its settings (credentials redacted), schedule, back-off, runs, incidents."""
    use_base_path(request)
    target, missing = _target_or_404(request, provider, environment)
    if missing:
        return missing
    try:
        context = _target_context(
            target, runs_before=request.GET.get("runs_before", ""), runs_after=request.GET.get("runs_after", "")
        )
    except BadCursor:
        return bad_request(request, [CURSOR_PROBLEM.replace("after/before", "runs_after/runs_before")])
    return _page(request, "ui/drift/target.html", context)


@csrf_protect
@require_POST
def drift_target_run(request: HttpRequest, provider: str, environment: str) -> HttpResponse:
    """Run now: queue a run and go to its page; a paused target says so (409)."""
    use_base_path(request)
    target, missing = _target_or_404(request, provider, environment)
    if missing:
        return missing
    try:
        run = live_run_request(target=target, detail="run now, from the web UI")
    except TargetPaused as exc:
        context = _target_context(target)
        context["message"] = f"No run started: {exc}. Resume it first."
        return _page(request, "ui/drift/target.html", context, status=409)
    return HttpResponseRedirect(_href("ui-drift-run", uuid=str(run.uuid)))


@csrf_protect
@require_POST
def drift_target_pause(request: HttpRequest, provider: str, environment: str) -> HttpResponse:
    """Pause or resume: the target stored again with `paused` set and everything else,
    its credentials included, exactly as it is."""
    use_base_path(request)
    target, missing = _target_or_404(request, provider, environment)
    if missing:
        return missing
    form = PauseForm(request.POST)
    if not form.is_valid():
        return bad_request(request, _problems(form))
    live_target_put(
        provider=target.provider,
        environment=target.environment,
        base_url=target.base_url,
        headers=target.headers,
        auth=target.auth,
        schedule_text=target.schedule,
        rate_limit_per_second=target.rate_limit_per_second,
        methods=target.methods,
        standing_states=target.standing_states,
        enabled=target.enabled,
        paused=form.cleaned_data["paused"],
        maintenance_from=target.maintenance_from,
        maintenance_until=target.maintenance_until,
    )
    return HttpResponseRedirect(_href("ui-drift-target", provider=provider, environment=environment))


# ---------------------------------------------------------------- live run


@require_GET
def drift_run(request: HttpRequest, uuid: str) -> HttpResponse:
    """A live run: what it replayed per consumer version, with mismatches, and its log."""
    use_base_path(request)
    try:
        run = drift_selectors.live_run_get(uuid=uuid)
    except NotFound as exc:
        return _not_found(request, str(exc))
    outcomes = drift_selectors.live_run_outcomes(run)
    groups = [
        {"consumer": consumer, "version": version, "outcomes": list(items)}
        for (consumer, version), items in groupby(outcomes, key=lambda o: (o.consumer.name, o.consumer_version_number))
    ]
    context = {
        "run": run,
        "groups": groups,
        "duration": duration((run.finished_at - run.started_at).total_seconds())
        if run.started_at and run.finished_at
        else None,
    }
    return _page(request, "ui/drift/run.html", context)


# ---------------------------------------------------------------- environments


@require_GET
def environments(request: HttpRequest) -> HttpResponse:
    """Per environment (production first): what is deployed and released, and its drift health."""
    use_base_path(request)
    return _page(request, "ui/environments/index.html", {"environments": selectors.environments_overview()})
