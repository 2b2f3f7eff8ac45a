"""Signing in to the web UI and out again: /ui/login and /ui/logout.

The users are the basic-auth users (broker.auth): the login form checks the same
usernames and passwords, and the session it starts stands in for the basic auth header
(broker.auth.identify says what a session may do). A person with a user account (access/)
signs in with the account's name and one of its tokens as the password. Both forms carry a CSRF token: a
forged sign-in (into the attacker's account) or sign-out is refused like any other form.
Failed sign-ins are throttled per username and address, and per address
(ui.signin_throttle): a locked form answers 429 without checking the password.
"""

from __future__ import annotations

import logging
import math

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from broker import auth
from ui import signin_throttle
from ui.paths import use_base_path
from ui.views import _page

logger = logging.getLogger("accord.signin")
NEXT_MAX_LENGTH = 2000


class SignInForm(forms.Form):
    # Passwords are compared as typed: no stripping, as basic auth does not strip either.
    username = forms.CharField(max_length=200, strip=False)
    password = forms.CharField(max_length=1024, strip=False)
    # `next` is read apart (safe_next): a bad one is dropped, it never fails a sign-in.


def safe_next(value: str | None) -> str:
    """`value` when it is a path on this site (where to go after signing in), else ""."""
    if not value or len(value) > NEXT_MAX_LENGTH or not value.startswith("/") or "\\" in value:
        return ""
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return ""
    # No host and no scheme: `//evil.example`, `https://evil.example` and the like are refused.
    return value if url_has_allowed_host_and_scheme(value, allowed_hosts=None) else ""


def _see_other(url: str) -> HttpResponseRedirect:
    """After a form, a GET of `url` (303: a reload does not post again)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _form(
    request: HttpRequest, *, next_url: str, username: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "next": next_url,
        "username": username,
        "error": error,
        "signed_out": request.method == "GET" and "signed_out" in request.GET,
        "public_read": settings.ACCORD_ALLOW_PUBLIC_READ,
        "users": auth.users_configured(),  # else people sign in with a token only
    }
    return _page(request, "ui/login.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@csrf_protect
def login(request: HttpRequest) -> HttpResponse:
    """The login form; a POST with a configured user's name and password signs in and
    goes on to `next` (a path on this site) or the home page."""
    use_base_path(request)
    next_url = safe_next(request.POST.get("next") if request.method == "POST" else request.GET.get("next"))
    if not auth.authentication_on():
        return HttpResponseRedirect(next_url or reverse("index"))  # nobody to sign in as: all is open
    if request.method != "POST":
        return _form(request, next_url=next_url)
    form = SignInForm(request.POST)
    username = request.POST.get("username", "")[:200].replace("\x00", "")  # shown again, to correct
    address = client_address(request)
    wait = signin_throttle.locked_for(username, address)
    if wait:
        logger.warning("Sign-in to the web UI refused while locked, from %s", address)
        minutes = math.ceil(wait / 60)
        error = f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        response = _form(request, next_url=next_url, username=username, error=error, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    identity = None
    if form.is_valid():
        identity = auth.sign_in_authenticate(form.cleaned_data["username"], form.cleaned_data["password"])
    if identity is None:
        logger.info("Failed sign-in to the web UI from %s", address)
        if username and request.POST.get("password"):
            signin_throttle.failure_record(username, address)
            error = "Wrong username or password."
        else:
            error = "Enter both your username and your password."
        return _form(request, next_url=next_url, username=username, error=error)
    signin_throttle.success_record(username, address)
    auth.session_sign_in(request, identity)
    return _see_other(next_url or reverse("index"))


def client_address(request: HttpRequest) -> str:
    """The address the request came from (the proxy-aware one when the request context has it)."""
    return getattr(request, "accord_client_ip", "") or request.META.get("REMOTE_ADDR", "") or "unknown"


@require_POST
@csrf_protect
def logout(request: HttpRequest) -> HttpResponse:
    """End this browser's session, then show the login form."""
    use_base_path(request)
    auth.session_sign_out(request)
    return _see_other(reverse("ui-login") + "?signed_out")
