"""The Access pages, for admins: accounts and their tokens (a new token is shown once, on
the page that created it, and never again), teams with their members and applications,
and the environments only some teams may deploy to.

Reads go through access.selectors, writes through access.services (whose permission
check refuses anyone but an admin, as the API's does). Everyone else gets a 403 page and
no link to these pages: who holds which token is not for every reader. Every form carries
a CSRF token (csrf_protect per view).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_POST

from access import selectors
from access.services.accounts import account_create, account_update
from access.services.restrictions import restriction_delete, restriction_put
from access.services.teams import (
    team_application_add,
    team_application_remove,
    team_create,
    team_member_add,
    team_member_remove,
)
from access.services.tokens import token_create, token_revoke
from contracts.exceptions import Conflict, InvalidInput, NotFound
from contracts.selectors.environments import environments_list
from contracts.selectors.pacticipants import pacticipant_by_name
from ui.access_forms import (
    AccountForm,
    ApplicationForm,
    MemberForm,
    RestrictionForm,
    TeamForm,
    TokenForm,
    add_errors,
)
from ui.views import _page, only_for

NOT_ADMIN = "Forbidden: managing access (accounts, tokens, teams and restricted environments) needs an admin"


def _admin(request: HttpRequest) -> bool:
    return getattr(request, "accord_is_admin", False)


def forbidden(request: HttpRequest) -> HttpResponse:
    return _page(request, "ui/forbidden.html", {"message": NOT_ADMIN}, status=403)


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    return _page(request, "ui/contracts/not_found.html", {"message": message}, status=404)


admins_only = only_for(_admin, forbidden)


def _see(url: str) -> HttpResponseRedirect:
    """After a write, a GET of the page (303: a reload does not post again)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


# ---------------------------------------------------------------- the overview


def _overview(request: HttpRequest, account_form=None, team_form=None, status: int = 200) -> HttpResponse:
    context = {
        "accounts": selectors.accounts_list(),
        "teams": [selectors.team_detail(team) for team in selectors.teams_list()],
        "restrictions": selectors.restrictions_list(),
        "account_form": (account_form or AccountForm()).describe(),
        "team_form": (team_form or TeamForm()).describe(),
        "open_broker": not selectors.authentication_on(),
    }
    return _page(request, "ui/access/overview.html", context, status=status)


@require_GET
@csrf_protect
@admins_only
def access_overview(request: HttpRequest) -> HttpResponse:
    """Every account (with its teams and tokens), every team, the restricted environments,
    and the forms that add an account or a team."""
    return _overview(request)


@require_POST
@csrf_protect
@admins_only
def account_new(request: HttpRequest) -> HttpResponse:
    """Create an account, then show its page (where its first token is made)."""
    form = AccountForm(request.POST)
    if form.is_valid():
        try:
            created = account_create(name=form.cleaned_data["name"], kind=form.cleaned_data["kind"],
                                     display_name=form.cleaned_data["display_name"],
                                     email=form.cleaned_data["email"])  # fmt: skip
        except InvalidInput as invalid:
            add_errors(form, invalid)
        else:
            return _see(reverse("ui-access-account", kwargs={"account": created.name}))
    return _overview(request, account_form=form, status=400)


@require_POST
@csrf_protect
@admins_only
def team_new(request: HttpRequest) -> HttpResponse:
    """Create a team, then show its page (where members and applications are added)."""
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            created = team_create(name=form.cleaned_data["name"])
        except InvalidInput as invalid:
            add_errors(form, invalid)
        else:
            return _see(reverse("ui-access-team", kwargs={"team": created.name}))
    return _overview(request, team_form=form, status=400)


# ---------------------------------------------------------------- an account and its tokens


def _render_account(request: HttpRequest, account, *, form=None, created=None, status: int = 200) -> HttpResponse:
    context = {
        "account": account,
        "tokens": selectors.account_tokens(account=account),
        "form": (form or TokenForm()).describe(),
        "created": created,  # (token, value): this response is the only one to show the value
        "open_broker": not selectors.authentication_on(),
    }
    response = _page(request, "ui/access/account.html", context, status=status)
    if created is not None:
        response["Cache-Control"] = "no-store"
    return response


@require_GET
@csrf_protect
@admins_only
def account_page(request: HttpRequest, account: str) -> HttpResponse:
    """An account: its teams, its tokens (never their values), and the form for a new one."""
    try:
        found = selectors.account_get(name=account)
    except NotFound as missing:
        return not_found(request, str(missing))
    return _render_account(request, found)


@require_POST
@csrf_protect
@admins_only
def token_new(request: HttpRequest, account: str) -> HttpResponse:
    """Create a token and show it, this once (the answer is not stored anywhere, not even
    in the session: a reload asks to post again rather than show it a second time)."""
    try:
        found = selectors.account_get(name=account)
    except NotFound as missing:
        return not_found(request, str(missing))
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, value = token_create(account=found, name=form.cleaned_data["name"],
                                        scopes=[form.cleaned_data["scope"]], expires_at=form.expires_at())  # fmt: skip
        except InvalidInput as invalid:
            add_errors(form, invalid)
        except Conflict as conflict:
            form.add_error(None, conflict.message)
        else:
            return _render_account(request, selectors.account_get(name=account), created=(token, value))
    return _render_account(request, found, form=form, status=400)


@require_POST
@csrf_protect
@admins_only
def token_revoke_view(request: HttpRequest, account: str, token: str) -> HttpResponse:
    """Revoke a token (it stays listed, as revoked), then back to the account."""
    try:
        found = selectors.token_get(account=selectors.account_get(name=account), prefix=token)
    except NotFound as missing:
        return not_found(request, str(missing))
    token_revoke(token=found)
    return _see(reverse("ui-access-account", kwargs={"account": account}) + f"?revoked={found.prefix}")


@require_POST
@csrf_protect
@admins_only
def account_active(request: HttpRequest, account: str) -> HttpResponse:
    """Deactivate (`active=false`: its tokens stop working) or activate an account."""
    wanted = request.POST.get("active")
    if wanted not in ("true", "false"):
        return _page(request, "ui/bad_request.html", {"problems": ["active: must be true or false."]}, status=400)
    try:
        found = selectors.account_get(name=account)
    except NotFound as missing:
        return not_found(request, str(missing))
    account_update(account=found, active=wanted == "true")
    return _see(reverse("ui-access-account", kwargs={"account": account}))


# ---------------------------------------------------------------- a team


def _render_team(request: HttpRequest, team, *, member_form=None, application_form=None, status=200) -> HttpResponse:
    detail = selectors.team_detail(team)
    members = {account.name for account in detail.members}
    context = {
        "detail": detail,
        "candidates": [account for account in selectors.accounts_list() if account.name not in members],
        "member_form": (member_form or MemberForm()).describe(),
        "application_form": (application_form or ApplicationForm()).describe(),
    }
    return _page(request, "ui/access/team.html", context, status=status)


@require_GET
@csrf_protect
@admins_only
def team_page(request: HttpRequest, team: str) -> HttpResponse:
    """A team: its members, its applications, the restricted environments it may deploy to."""
    try:
        found = selectors.team_get(name=team)
    except NotFound as missing:
        return not_found(request, str(missing))
    return _render_team(request, found)


@require_POST
@csrf_protect
@admins_only
def team_members(request: HttpRequest, team: str) -> HttpResponse:
    """Add an account to the team, or (`remove`) take it out."""
    try:
        found = selectors.team_get(name=team)
    except NotFound as missing:
        return not_found(request, str(missing))
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            member = selectors.account_get(name=form.cleaned_data["account"])
        except NotFound as missing:
            form.add_error("account", missing.message)
        else:
            change = team_member_remove if form.cleaned_data["remove"] else team_member_add
            change(team=found, account=member)
            return _see(reverse("ui-access-team", kwargs={"team": team}))
    return _render_team(request, found, member_form=form, status=400)


@require_POST
@csrf_protect
@admins_only
def team_applications(request: HttpRequest, team: str) -> HttpResponse:
    """Make the team own an application (taking it from another team), or (`remove`) no longer."""
    try:
        found = selectors.team_get(name=team)
    except NotFound as missing:
        return not_found(request, str(missing))
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            application = pacticipant_by_name(name=form.cleaned_data["application"], role="application")
        except NotFound as missing:
            form.add_error("application", missing.message)
        else:
            if form.cleaned_data["remove"]:
                team_application_remove(team=found, pacticipant=application)
            else:
                team_application_add(team=found, pacticipant=application)
            return _see(reverse("ui-access-team", kwargs={"team": team}))
    return _render_team(request, found, application_form=form, status=400)


# ---------------------------------------------------------------- restricted environments


@require_GET
@csrf_protect
@admins_only
def environments(request: HttpRequest) -> HttpResponse:
    """Every environment, restricted or not, with a form to choose who may deploy there."""
    restrictions = {r.environment_id: [team.name for team in r.teams.all()] for r in selectors.restrictions_list()}
    team_names = [team.name for team in selectors.teams_list()]
    rows = [
        {"environment": env, "restricted": env.id in restrictions, "allowed": restrictions.get(env.id, [])}
        for env in environments_list()
    ]
    return _page(request, "ui/access/environments.html", {"rows": rows, "team_names": team_names})


@require_POST
@csrf_protect
@admins_only
def environment_restriction(request: HttpRequest, environment: str) -> HttpResponse:
    """Restrict the environment to the teams ticked (none ticked: admins only), or `lift` it."""
    try:
        found = selectors.environment_by_name(name=environment)
    except NotFound as missing:
        return not_found(request, str(missing))
    form = RestrictionForm(request.POST, team_names=[team.name for team in selectors.teams_list()])
    if not form.is_valid():
        problems = [f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()]
        return _page(request, "ui/bad_request.html", {"problems": problems}, status=400)
    if form.cleaned_data["lift"]:
        restriction_delete(environment=found)
    else:
        restriction_put(environment=found, teams=selectors.teams_named(form.cleaned_data["teams"]))
    return _see(reverse("ui-access-environments") + f"#env-{found.name}")
