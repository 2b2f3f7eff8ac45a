"""The webhooks pages: the list, a webhook with its deliveries, a delivery's logs, the
create and edit form, and the enable/disable and test-fire buttons.

Reads go through ui.webhooks_selectors; writes through webhooks.services (definitions and
delivery), after the API's own validation (webhooks.api.definitions.webhook_definition).
Secrets never reach a page: URLs are shown through verifier.http.redact_url, headers
through webhooks.rendering.redact_headers, and the password not at all.

The forms that write carry a CSRF token (csrf_protect per view: the API, which shares
the middleware stack, stays free of CSRF for Pact clients). Only the read-write user
sees them; anyone else posting gets a 403 (broker.auth refuses before the view, and the
view checks again, so the pages stay safe without that middleware).
"""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contracts.api.links import base_url
from contracts.exceptions import InvalidInput, NotFound
from ui import webhooks_selectors as selectors
from ui.paths import use_base_path
from ui.views import _page, bad_request, may_write, only_for
from ui.webhooks_forms import WebhookForm, definition_of, initial_of
from verifier.http import redact_url
from webhooks.api.definitions import display_description, scope_description, webhook_definition
from webhooks.rendering import is_only_parameters, redact_headers
from webhooks.services.definitions import webhook_create, webhook_delete, webhook_put
from webhooks.services.delivery import webhook_execute


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    """A 404 page that says what was not found."""
    return _page(request, "ui/webhooks/not_found.html", {"message": message}, status=404)


def forbidden(request: HttpRequest) -> HttpResponse:
    """A 403 page for a user who may read but not change webhooks."""
    return _page(request, "ui/webhooks/forbidden.html", {}, status=403)


writers_only = only_for(may_write, forbidden)


def _see_detail(uuid: str, **query: str) -> HttpResponseRedirect:
    """After a write, the webhook's page (303: a reload does not post again)."""
    url = reverse("ui-webhook", kwargs={"uuid": uuid})
    response = HttpResponseRedirect(url + ("?" + urlencode(query) if query else ""))
    response.status_code = 303
    return response


def _shown_request(webhook) -> dict:
    """The webhook's request as a page shows it: URL and headers redacted, no password
    (but a reference to a secret, which is none)."""
    body = webhook.body
    if body is not None and webhook.body_is_json:
        body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    return {
        "method": webhook.method.upper(),
        "url": redact_url(webhook.url),
        "headers": sorted(redact_headers(webhook.headers or {}).items()),
        "body": body,
        "username": webhook.username,
        "has_password": bool(webhook.password),
        # A password that is only `${user.NAME}` (or other parameters) holds no secret: shown.
        "password_reference": webhook.password if webhook.password and is_only_parameters(webhook.password) else "",
    }


@require_GET
def webhooks(request: HttpRequest) -> HttpResponse:
    """Every webhook, PAGE_SIZE at a time, with its URL redacted and its last delivery."""
    use_base_path(request)
    after = request.GET.get("after", "")
    try:
        page = selectors.webhook_page(after=after)
    except selectors.BadCursor:
        return bad_request(request, ["after: this page cursor was not made by Accord; start from the first page."])
    rows = [
        {
            "webhook": row.webhook,
            "description": display_description(row.webhook),
            "url": redact_url(row.webhook.url),
            "last": row.last,
        }
        for row in page.rows
    ]
    context = {"rows": rows, "next_query": urlencode({"after": page.next_cursor}) if page.next_cursor else "",
               "paged": bool(after), "deleted": request.GET.get("deleted", "")[:300]}  # fmt: skip
    return _page(request, "ui/webhooks/list.html", context)


@require_GET
@csrf_protect
def webhook(request: HttpRequest, uuid: str) -> HttpResponse:
    """A webhook's definition (secrets masked), its recent deliveries and, after a
    test-fire (`?tested=<delivery>`), what that test sent and received."""
    use_base_path(request)
    try:
        found = selectors.webhook_for(uuid)
    except NotFound as missing:
        return not_found(request, str(missing))
    tested = None
    if request.GET.get("tested"):
        try:
            delivery = selectors.delivery_for(webhook_uuid=found.uuid, uuid=request.GET["tested"])
        except NotFound:
            return bad_request(request, ["tested: this webhook has no such delivery."])
        tested = {"delivery": delivery, "attempts": selectors.delivery_attempts(delivery)}
    context = {
        "webhook": found,
        "description": display_description(found),
        "scope": scope_description(found),
        "request_shown": _shown_request(found),
        "missing_secrets": selectors.missing_secrets(found),
        "deliveries": selectors.recent_deliveries(found),
        "deliveries_listed": selectors.DELIVERIES_LISTED,
        "tested": tested,
    }
    return _page(request, "ui/webhooks/detail.html", context)


@require_GET
def delivery(request: HttpRequest, uuid: str, delivery_uuid: str) -> HttpResponse:
    """One delivery of a webhook: every attempt's stored request and response, redacted."""
    use_base_path(request)
    try:
        found = selectors.delivery_for(webhook_uuid=uuid, uuid=delivery_uuid)
    except NotFound as missing:
        return not_found(request, str(missing))
    context = {
        "delivery": found,
        "webhook": found.webhook,
        "description": display_description(found.webhook) if found.webhook else uuid,
        "attempts": selectors.delivery_attempts(found),
    }
    return _page(request, "ui/webhooks/delivery.html", context)


def _form_page(request: HttpRequest, form: WebhookForm, webhook=None, status: int = 200) -> HttpResponse:
    form.describe()
    context = {"form": form, "webhook": webhook, "description": display_description(webhook) if webhook else ""}
    return _page(request, "ui/webhooks/form.html", context, status=status)


def _save(request: HttpRequest, form: WebhookForm, uuid: str | None) -> HttpResponse | None:
    """Validate the form as the API would and write it; None when the form has errors."""
    if not form.is_valid():
        return None
    data = form.api_data()
    if form.errors:  # a masked secret that cannot be kept
        return None
    try:
        definition = webhook_definition(data)
    except InvalidInput as invalid:
        form.add_api_errors(invalid.errors)
        return None
    if uuid is None:
        saved = webhook_create(definition=definition)
    else:
        saved, _ = webhook_put(uuid=uuid, definition=definition)
    return _see_detail(saved.uuid)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
@writers_only
def webhook_new(request: HttpRequest) -> HttpResponse:
    """The form that creates a webhook."""
    if request.method != "POST":
        return _form_page(request, WebhookForm())
    form = WebhookForm(request.POST)
    return _save(request, form, None) or _form_page(request, form, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
@writers_only
def webhook_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    """The form that replaces a webhook's definition; secrets left as shown are kept."""
    try:
        found = selectors.webhook_for(uuid)
    except NotFound as missing:
        return not_found(request, str(missing))
    if request.method != "POST":
        return _form_page(request, WebhookForm(initial=initial_of(found), stored=found), found)
    form = WebhookForm(request.POST, stored=found)
    return _save(request, form, found.uuid) or _form_page(request, form, found, status=400)


@require_POST
@csrf_protect
@writers_only
def webhook_enabled(request: HttpRequest, uuid: str) -> HttpResponse:
    """Enable (`enabled=true`) or disable (`enabled=false`) a webhook, keeping all else."""
    wanted = request.POST.get("enabled")
    if wanted not in ("true", "false"):
        return bad_request(request, ["enabled: must be true or false."])
    try:
        found = selectors.webhook_for(uuid)
    except NotFound as missing:
        return not_found(request, str(missing))
    webhook_put(uuid=found.uuid, definition=dataclasses.replace(definition_of(found), enabled=wanted == "true"))
    return _see_detail(found.uuid)


@require_POST
@csrf_protect
@writers_only
def webhook_test(request: HttpRequest, uuid: str) -> HttpResponse:
    """Send the webhook now with the latest matching data (as POST /webhooks/{uuid}/execute),
    then show what happened on its page."""
    try:
        found = selectors.webhook_for(uuid)
    except NotFound as missing:
        return not_found(request, str(missing))
    executed = webhook_execute(webhook=found, base_url=base_url(request))
    return _see_detail(found.uuid, tested=str(executed.triggered.uuid))


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
@writers_only
def webhook_remove(request: HttpRequest, uuid: str) -> HttpResponse:
    """GET asks to confirm; POST deletes the webhook (as DELETE /webhooks/{uuid}) and goes
    back to the list, which says what was deleted."""
    try:
        found = selectors.webhook_for(uuid)
    except NotFound as missing:
        return not_found(request, str(missing))
    description = display_description(found)
    if request.method != "POST":
        context = {
            "webhook": found,
            "description": description,
            "scope": scope_description(found),
            "url": redact_url(found.url),
        }
        return _page(request, "ui/webhooks/delete.html", context)
    webhook_delete(webhook=found)
    response = HttpResponseRedirect(reverse("ui-webhooks") + "?" + urlencode({"deleted": description}))
    response.status_code = 303
    return response
