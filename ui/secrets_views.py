"""The secrets pages, in the webhooks section: the list (with the form that creates one),
the form that edits one (a new value replaces the stored one) and the delete confirmation.

A value is never sent to the browser: the pages show names, descriptions and times, and
the value is a password input that starts empty. Writes go through
webhooks.services.secrets (secret_put, secret_delete), after the API's own checks. The
forms carry a CSRF token (csrf_protect per view, as the other UI forms) and only the
read-write user sees them; anyone else gets a 403.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from contracts.exceptions import Conflict, InvalidInput, NotFound
from ui import webhooks_selectors as selectors
from ui.paths import use_base_path
from ui.secrets_forms import SecretForm
from ui.views import _page, may_write, only_for
from ui.webhooks_views import not_found
from webhooks.services.secrets import secret_delete, secret_put

FORBIDDEN = (
    "These credentials can read the names of secrets but not change them. Sign in as the broker's "
    "read-write user to create, replace or delete a secret."
)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return _page(request, "ui/webhooks/forbidden.html", {"message": FORBIDDEN}, status=403)


writers_only = only_for(may_write, _forbidden)


def _back_to_list(**query: str) -> HttpResponseRedirect:
    """After a write, the list, saying what was done (303: a reload does not post again)."""
    response = HttpResponseRedirect(reverse("ui-webhook-secrets") + "?" + urlencode(query))
    response.status_code = 303
    return response


def _saved(form: SecretForm, secret=None) -> HttpResponseRedirect | None:
    """Write the form through secret_put; None (the problems on the form) when it cannot be."""
    if not form.is_valid():
        return None
    fields = form.fields_for_put()
    if fields is None:
        return None
    try:
        saved = secret_put(secret=secret, **fields)
    except Conflict as taken:
        form.add_error(taken.field if taken.field in form.fields else None, taken.message)
        return None
    except InvalidInput as invalid:
        form.add_api_errors(invalid.errors)
        return None
    except NotFound:
        form.add_error(None, "This secret was deleted meanwhile: nothing was saved.")
        return None
    return _back_to_list(saved=saved.name)


def _list_page(request: HttpRequest, form: SecretForm | None, status: int = 200) -> HttpResponse:
    if form is not None:
        form.describe()
    context = {
        "secrets": selectors.secrets_listed(),
        "form": form,
        "saved": request.GET.get("saved", "")[:100],
        "deleted": request.GET.get("deleted", "")[:100],
    }
    return _page(request, "ui/webhooks/secrets.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def secrets(request: HttpRequest) -> HttpResponse:
    """Every secret by name (never its value); for the read-write user, the form that
    creates one (POST here, as POST /secrets)."""
    use_base_path(request)
    if request.method != "POST":
        return _list_page(request, SecretForm() if may_write(request) else None)
    if not may_write(request):
        return _forbidden(request)
    form = SecretForm(request.POST)
    return _saved(form) or _list_page(request, form, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
@writers_only
def secret_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    """The form that renames, describes or gives a new value to a secret (as PUT
    /secrets/{uuid}: an empty value keeps the stored one)."""
    try:
        found = selectors.secret_for(uuid)
    except NotFound as missing:
        return not_found(request, str(missing))
    if request.method == "POST":
        form = SecretForm(request.POST, editing=True)
        saved = _saved(form, found)
        if saved is not None:
            return saved
        status = 400
    else:
        form = SecretForm(initial={"name": found.name, "description": found.description or ""}, editing=True)
        status = 200
    form.describe()
    return _page(request, "ui/webhooks/secret_form.html", {"form": form, "secret": found}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
@writers_only
def secret_remove(request: HttpRequest, uuid: str) -> HttpResponse:
    """GET asks to confirm; POST deletes the secret (as DELETE /secrets/{uuid}) and goes back
    to the list, which says what was deleted."""
    try:
        found = selectors.secret_for(uuid)
    except NotFound as missing:
        return not_found(request, str(missing))
    if request.method != "POST":
        return _page(request, "ui/webhooks/secret_delete.html", {"secret": found})
    secret_delete(secret=found)
    return _back_to_list(deleted=found.name)
