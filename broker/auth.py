"""Who is asking and what they may do: basic authentication compatible with the Pact
Broker's (README, "Authentication"), and the web UI's sign-in sessions for the same users.

Two optional identities: read-write and read-only. Read access means GET, HEAD and
OPTIONS on every path, plus POST to pacts-for-verification (a read, despite the verb).
`PACT_BROKER_ALLOW_PUBLIC_READ` grants read access without credentials. With no
identities configured, everything is open, as in the Pact Broker.

A person in a browser signs in at /ui/login (broker.signin) with the same usernames and
passwords, and the session then stands in for the basic auth header, within one limit
that keeps it safe from cross-site request forgery: a session authenticates safe methods
on every path (the UI links to the API's JSON) but changes only under /ui/, where every
view that accepts a POST checks a CSRF token (tests/ui/test_signin.py walks them all).
The API never takes a write from a session, so Pact clients never need a token.

Bearer tokens (access/: `Authorization: Bearer acc_...`, what the clients send with
`--broker-token` / PACT_BROKER_TOKEN) authenticate an account with the token's scopes:
read, write (includes read) or admin (includes write). They are looked at only while
authentication is on (basic-auth users configured, or ACCORD_REQUIRE_AUTH): an open broker
ignores them, as the Pact Broker does. A token that does not authenticate (unknown,
revoked, expired, its account deactivated) is a 401 saying why, even where public read
would have let the request in without it. A person may also sign in to the web UI with
their (user) account's name and one of its tokens as the password.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, rotate_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import salted_hmac

from access.selectors import authentication_on, usable_token
from access.services.tokens import TokenRefused, token_authenticate
from contracts import access
from contracts.api.outage import outage_answer
from ui.negotiation import wants_html
from ui.paths import local_url, use_base_path

READ_METHODS = {"GET", "HEAD", "OPTIONS"}
READ_POST_PATHS = re.compile(r"^/pacts/provider/[^/]+/for-verification/?$")
BADGE_PATHS = re.compile(r"/badge(\.svg)?/?$")
HEARTBEAT_PATH = "/diagnostic/status/heartbeat"
UI_PREFIX = "/ui/"
# Signing in and out needs no credentials (the login form is how one gets them).
SIGN_IN_PATHS = {"/ui/login", "/ui/logout"}
SESSION_KEY = "accord_identity"
RANK = {"none": 0, "public": 0, "public-read": 1, "read": 1, "write": 2}
ALL_SCOPES = frozenset(access.SCOPES)
READ_SCOPE = frozenset({"read"})


class Identity(NamedTuple):
    """A configured user: the read-write one or the read-only one."""

    username: str
    password: str
    level: str  # 'write' or 'read'


@dataclass(frozen=True)
class Visitor:
    """Who made a request, as the UI shows it (request.accord_visitor)."""

    level: str  # 'write', 'read', 'public-read' (no valid credentials, public read on) or 'none'
    username: str | None = None  # a configured user's name, or a token's account name
    signed_in: bool = False  # a session (the UI offers to sign out); basic auth cannot sign out
    users_configured: bool = True  # authentication is on: there is someone to sign in as
    token: str = ""  # the name of the token that authenticated, if one did
    account_id: int | None = None
    scopes: frozenset[str] = frozenset()
    refused: str = ""  # why the bearer token presented does not authenticate

    @property
    def admin(self) -> bool:
        return "admin" in self.scopes


def _token_visitor(token, *, signed_in: bool = False) -> Visitor:
    scopes = frozenset(token.scopes)
    return Visitor("write" if "write" in scopes else "read", token.account.name, signed_in=signed_in,
                   token=token.name, account_id=token.account_id, scopes=scopes)  # fmt: skip


def users_configured() -> bool:
    return bool(settings.ACCORD_BASIC_AUTH_USERNAME or settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME)


def identities() -> list[Identity]:
    """The configured users, read-write first."""
    found = []
    for username, password, level in (
        (settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD, "write"),
        (settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME, settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD, "read"),
    ):
        if username and password is not None:
            found.append(Identity(username, password, level))
    return found


def _credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def _bearer(request: HttpRequest) -> str | None:
    """The token of an `Authorization: Bearer` header, if the request sent one."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _matches(given: tuple[str, str], username: str | None, password: str | None) -> bool:
    if not username or password is None:
        return False
    # Compare both parts in constant time, without short-circuiting on the username.
    user_ok = hmac.compare_digest(given[0].encode(), username.encode())
    password_ok = hmac.compare_digest(given[1].encode(), password.encode())
    return user_ok and password_ok


def authenticate(username: str, password: str) -> Identity | None:
    """The configured user these credentials name. Every identity is compared, whichever
    matches first, so the time taken tells nothing about which one (if any) matched."""
    found = None
    for identity in identities():
        if _matches((username, password), identity.username, identity.password) and found is None:
            found = identity
    return found


def sign_in_authenticate(username: str, password: str):
    """Who the login form's name and password sign in: a configured user, or a person's
    (user) account with one of its tokens as the password. An `Identity`, a token, or None."""
    identity = authenticate(username, password)
    if identity is not None or not authentication_on():
        return identity
    try:
        token = token_authenticate(password)
    except TokenRefused:
        return None
    # Pipelines (system accounts) use their tokens with the clients, not in a browser.
    if token.account.name != username or token.account.kind != "user":
        return None
    return token


# ---------------------------------------------------------------- sessions


def _digest(identity: Identity) -> str:
    # Keyed with SECRET_KEY, so the session table holds nothing to attack offline; a
    # changed password (or username) no longer matches, which ends the sessions it began.
    value = "\x00".join((identity.level, identity.username, identity.password))
    return salted_hmac("accord.auth.session", value, algorithm="sha256").hexdigest()


def _token_digest(digest: str) -> str:
    # The token's own digest, keyed again: the session table holds nothing a token matches.
    return salted_hmac("accord.auth.token-session", digest, algorithm="sha256").hexdigest()


def session_sign_in(request: HttpRequest, identity) -> None:
    """Remember `identity` (a configured user, or a token from sign_in_authenticate) in this
    browser's session, under a new session key (a key planted before sign-in is worth
    nothing after) and with a new CSRF token."""
    request.session.cycle_key()
    if isinstance(identity, Identity):
        request.session[SESSION_KEY] = {"username": identity.username, "level": identity.level,
                                        "digest": _digest(identity)}  # fmt: skip
    else:  # a token: the session lasts while the token authenticates
        request.session[SESSION_KEY] = {"token": identity.pk, "digest": _token_digest(identity.digest)}
    rotate_token(request)


def session_sign_out(request: HttpRequest) -> None:
    """End the session: its row is deleted, so the old cookie signs nobody in any more."""
    request.session.flush()


def session_identity(request: HttpRequest) -> Visitor | None:
    """Who this request's session signed in, while their configured credentials (or their
    token) are the ones they signed in with. A session that no longer matches is ended."""
    # No cookie, no session: API clients never cause a session read (nor `Vary: Cookie`).
    if settings.SESSION_COOKIE_NAME not in request.COOKIES or not hasattr(request, "session"):
        return None
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    digest = str(stored.get("digest", "")).encode()
    if "token" in stored:
        token = usable_token(stored["token"]) if isinstance(stored["token"], int) else None
        if token is not None and hmac.compare_digest(digest, _token_digest(token.digest).encode()):
            return _token_visitor(token, signed_in=True)
    else:
        for identity in identities():
            if identity.level == stored.get("level") and hmac.compare_digest(digest, _digest(identity).encode()):
                return _user_visitor(identity, signed_in=True)
    request.session.flush()  # the password changed, the user is gone, the token was revoked or expired
    return None


def _user_visitor(identity: Identity, *, signed_in: bool = False) -> Visitor:
    scopes = ALL_SCOPES if identity.level == "write" else READ_SCOPE
    return Visitor(identity.level, identity.username, signed_in=signed_in, scopes=scopes)


def identify(request: HttpRequest) -> Visitor:
    """Who is asking: the token presented, or else the best level that valid basic
    credentials or the session give."""
    if not authentication_on():
        return Visitor("write", users_configured=False, scopes=ALL_SCOPES)
    bearer = _bearer(request)
    if bearer is not None:
        try:
            return _token_visitor(token_authenticate(bearer))
        except TokenRefused as refused:
            return Visitor("none", refused=refused.reason)
    found: list[Visitor] = []
    given = _credentials(request)
    if given is not None:
        by_header = authenticate(*given)
        if by_header is not None:
            found.append(_user_visitor(by_header))
    signed_in = None
    if request.method in READ_METHODS or request.path_info.startswith(UI_PREFIX):
        signed_in = session_identity(request)
        if signed_in is not None:
            found.append(signed_in)
    if not found:
        if settings.ACCORD_ALLOW_PUBLIC_READ:
            return Visitor("public-read", scopes=READ_SCOPE)
        return Visitor("none")
    best = max(found, key=lambda visitor: RANK[visitor.level])
    # The header offers to sign out whenever a session is there, whichever gave the access.
    return best if best.signed_in or signed_in is None else replace(best, signed_in=True)


def actor_of(request: HttpRequest, visitor: Visitor) -> access.Actor:
    """The actor the audit log and the permission checks see for this request."""
    return access.Actor(
        kind="token" if visitor.token else ("user" if visitor.username else "anonymous"),
        name=visitor.username or "anonymous",
        token=visitor.token,
        account_id=visitor.account_id,
        scopes=visitor.scopes,
        ip=getattr(request, "accord_client_ip", request.META.get("REMOTE_ADDR", "")),
        request_id=getattr(request, "accord_request_id", ""),
        via="ui" if request.path_info.startswith(UI_PREFIX) else "api",
    )


# ---------------------------------------------------------------- what a request needs


def required_level(request: HttpRequest) -> str:
    """The lowest level that may make this request: 'public', 'read' or 'write'."""
    path = request.path_info
    if path == HEARTBEAT_PATH and settings.ACCORD_PUBLIC_HEARTBEAT:
        return "public"
    if path in SIGN_IN_PATHS:
        return "public"
    is_read = request.method in READ_METHODS or (request.method == "POST" and READ_POST_PATHS.match(path))
    if is_read and settings.ACCORD_PUBLIC_BADGE_ACCESS and BADGE_PATHS.search(path):
        return "public"
    return "read" if is_read else "write"


def is_ui_request(request: HttpRequest) -> bool:
    """A person's browser asking for a page: anything under /ui/, or `/` negotiated to HTML."""
    if request.path_info.startswith(UI_PREFIX):
        return True
    return request.path_info == "/" and request.method in ("GET", "HEAD") and wants_html(request)


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    """Send a browser without credentials to the login page, which brings it back here."""
    use_base_path(request)
    login = reverse("ui-login")
    back = local_url(request) if request.method in ("GET", "HEAD") else ""
    if request.headers.get("HX-Request") == "true":
        # An htmx partial: the page it belongs to comes back after sign-in, and htmx
        # navigates the whole window (a plain redirect would land inside the partial).
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = current.path + ("?" + current.query if current.query else "")
        response = HttpResponse(status=200)
        response["HX-Redirect"] = login + ("?" + urlencode({"next": back}) if back else "")
        return response
    response = HttpResponseRedirect(login + ("?" + urlencode({"next": back}) if back else ""))
    if request.method not in ("GET", "HEAD"):
        response.status_code = 303  # a form posted without credentials: GET the login page
    return response


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's sessions (in the database: signing out ends a session on every web worker),
    plus the CSRF cookie for every page that renders a token (the header's Sign out form is
    on pages whose views are not csrf_protect), and both cookies Secure over https."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        # Its cookie halves only: it reads the CSRF cookie, so every page's token belongs to
        # the cookie the browser holds (without that, a page outside csrf_protect would make
        # a new one and spoil the forms of pages open beside it), and sets the cookie when a
        # page used it. It never checks a request: that is csrf_protect's, on the UI's views.
        self.csrf_cookie = CsrfViewMiddleware(get_response)

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        self.csrf_cookie.process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response = super().process_response(request, response)
        response = self.csrf_cookie.process_response(request, response)
        if request.is_secure():
            for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
                if name in response.cookies:
                    response.cookies[name]["secure"] = True
        return response


class BasicAuthMiddleware:
    """Refuse requests whose credentials do not reach the level the request needs."""

    RANK = RANK

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        needed = required_level(request)
        if needed == "public" and not request.path_info.startswith(UI_PREFIX):
            # The heartbeat and public badges: no session read (the heartbeat never
            # touches the database), and no page shows who is asking.
            visitor = Visitor("none", users_configured=authentication_on())
        else:
            try:
                visitor = identify(request)
            except Exception as exc:  # the sessions live in the database, which may be down
                answer = outage_answer(exc)
                if answer is None:
                    raise
                return answer
        request.accord_visitor = visitor
        # The UI shows forms that change data only to those who may (ui.context).
        request.accord_can_write = visitor.level == "write"
        request.accord_is_admin = visitor.admin  # the UI's Access pages
        if visitor.refused:
            return self._token_refused(visitor.refused)
        if needed != "public" and self.RANK[visitor.level] < self.RANK[needed]:
            return self._refuse(request, visitor, needed)
        # Every write the request makes is made on behalf of this actor (contracts.access).
        with access.acting_as(actor_of(request, visitor)):
            return self.get_response(request)

    @staticmethod
    def _token_refused(reason: str) -> HttpResponse:
        response = JsonResponse({"error": f"Authentication failed: {reason}"}, status=401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="Accord", error="invalid_token"'
        return response

    @staticmethod
    def _refuse(request: HttpRequest, visitor: Visitor, needed: str) -> HttpResponse:
        # Without valid credentials the answer is a challenge, even where public read
        # would have been enough for a GET: the client may still authenticate. A person
        # in the web UI is sent to the login page instead.
        level = visitor.level
        if level in ("none", "public-read"):
            if is_ui_request(request):
                return _to_sign_in(request)
            if users_configured():
                error, challenge = "send HTTP basic auth credentials or a bearer token", 'Basic realm="Restricted area"'
            else:
                error, challenge = "send a bearer token (Authorization: Bearer acc_...)", 'Bearer realm="Accord"'
            response = JsonResponse({"error": f"Authentication required: {error} for this broker"}, status=401)
            response.headers["WWW-Authenticate"] = challenge
            return response
        holder = f"token '{visitor.token}' of account '{visitor.username}'" if visitor.token else "these credentials"
        message = (
            f"Forbidden: {holder} give{'s' if visitor.token else ''} {level} access, this request needs "
            f"{needed} access: the {needed} scope is missing"
        )
        return forbidden(request, message)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A write refused by the permission check (access.Forbidden) outside DRF, whose own
        # handler answers it: a page in the web UI, JSON elsewhere. Never a 500.
        if isinstance(exception, access.Forbidden):
            return forbidden(request, exception.message)
        return None


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """A 403 naming what is missing: a page for a person in the web UI, JSON for the API."""
    if request.path_info.startswith(UI_PREFIX):
        # A person in the web UI (a read-only user submitting a form) gets a page.
        request.accord_can_write = False
        use_base_path(request)
        return render(request, "ui/forbidden.html", {"message": message}, status=403)
    return JsonResponse({"error": message}, status=403)
