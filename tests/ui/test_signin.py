"""Signing in to the web UI (broker/signin.py, broker/auth.py): the login page for the
basic-auth users, the session it starts and what that session may do, signing out, CSRF
on every UI form, and the API exactly as the Pact clients know it."""

from __future__ import annotations

import base64
import json
import re
from http.cookies import SimpleCookie

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from access.models import Account, ApplicationOwner, EnvironmentRestriction, Team, Token
from contracts.models import ContractPublication, Pacticipant
from drift.models import DriftIncident, LiveRun, LiveTarget
from tests.access.helpers import make_token
from tests.builders import drift_incident, publish_body
from tests.client import ApiClient
from tests.ui import webhooks_scene
from webhooks.models import TriggeredWebhook, Webhook, WebhookSecret
from webhooks.services.secrets import secret_put

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
HAL = {"HTTP_ACCEPT": "application/hal+json"}
WRITER = ("admin", "w-secret-1f2e")
READER = ("viewer", "r-secret-9c8d")
COOKIE = "accord_session"
CSRF_REFUSED = "security check (CSRF) failed"


@pytest.fixture(autouse=True)
def users(settings) -> None:
    """A broker with both users, and no public read."""
    settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = WRITER
    settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME, settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD = READER
    settings.ACCORD_ALLOW_PUBLIC_READ = False


def browser(**extra: str) -> Client:
    """A browser-like client: HTML first, and Django's CSRF check enforced as a browser meets it."""
    return Client(enforce_csrf_checks=True, **HTML, **extra)


def basic(username: str, password: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def token_on(client: Client, path: str = "/ui/login") -> str:
    """The CSRF token of the form(s) on `path`, as the browser would submit it."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: Client, user: tuple[str, str], next_url: str | None = None):
    data = {"username": user[0], "password": user[1], "csrfmiddlewaretoken": token_on(client)}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/ui/login", data)


def signed_in(user: tuple[str, str] = WRITER, **extra: str) -> Client:
    client = browser(**extra)
    response = sign_in(client, user)
    assert (response.status_code, response["Location"]) == (303, "/"), response.content
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def post_forms(response) -> list[str]:
    """The actions of the page's POST forms."""
    return re.findall(r'<form method="post" action="([^"]*)"', response.content.decode())


# ---------------------------------------------------------------- to the login page and back


def test_a_page_without_credentials_sends_the_browser_to_sign_in_and_back() -> None:
    client = browser()
    response = client.get("/ui/applications?q=web&sort=name")
    assert response.status_code == 302
    assert response["Location"] == "/ui/login?next=%2Fui%2Fapplications%3Fq%3Dweb%26sort%3Dname"
    # The home page, negotiated to HTML, too.
    home = client.get("/")
    assert (home.status_code, home["Location"]) == (302, "/ui/login?next=%2F")

    form = client.get(response["Location"])
    assert form.status_code == 200 and form["Content-Type"].startswith("text/html")
    html = form.content.decode()
    assert '<input type="hidden" name="next" value="/ui/applications?q=web&amp;sort=name">' in html
    assert 'autocomplete="current-password"' in html
    assert post_forms(form) == ["/ui/login"]
    # Nobody is signed in and nobody may read: no navigation to pages that would refuse.
    assert 'aria-label="Main"' not in html

    done = sign_in(client, WRITER, next_url="/ui/applications?q=web&sort=name")
    assert (done.status_code, done["Location"]) == (303, "/ui/applications?q=web&sort=name")
    assert client.get(done["Location"]).status_code == 200


def test_the_session_cookie_is_http_only_lax_and_lasts_twelve_hours() -> None:
    client = browser()
    response = sign_in(client, WRITER)
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"] == 12 * 3600
    assert not cookie["secure"]  # over http
    csrf = response.cookies["csrftoken"]  # a new token at sign-in
    assert csrf["httponly"] and csrf["samesite"] == "Lax"


def test_over_https_the_cookies_are_secure() -> None:
    client = browser()
    token = token_on(client)
    response = client.post(
        "/ui/login",
        {"username": WRITER[0], "password": WRITER[1], "csrfmiddlewaretoken": token},
        secure=True,
        HTTP_REFERER="https://testserver/ui/login",
    )
    assert response.status_code == 303
    assert response.cookies[COOKIE]["secure"] and response.cookies["csrftoken"]["secure"]


def test_an_htmx_request_without_credentials_redirects_the_whole_window() -> None:
    response = browser().get(
        "/?q=web", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/?q=web&status=failed"
    )
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == "/ui/login?next=%2F%3Fq%3Dweb%26status%3Dfailed"


@pytest.mark.parametrize("accept", ["application/hal+json", "application/json", "*/*", None])
def test_api_clients_keep_the_basic_challenge(accept: str | None) -> None:
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    for path in ("/", "/pacticipants", "/webhooks"):
        response = Client().get(path, **headers)
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == 'Basic realm="Restricted area"'
        assert response["Content-Type"].startswith("application/json")
        assert not response.cookies and "Cookie" not in response.get("Vary", "")


# ---------------------------------------------------------------- who signed in, and what they may do


def test_the_read_write_user_signs_in_and_changes_things() -> None:
    ci = webhooks_scene.seed_webhooks()["ci"]
    client = signed_in(WRITER)
    page = client.get(f"/ui/webhooks/{ci.uuid}")
    assert page.status_code == 200
    shown = text(page)
    assert "Signed in as admin" in shown and "read-write" in shown
    assert post_forms(page) == ["/ui/logout", f"/ui/webhooks/{ci.uuid}/enabled", f"/ui/webhooks/{ci.uuid}/test"]
    token = token_on(client, f"/ui/webhooks/{ci.uuid}")
    response = client.post(f"/ui/webhooks/{ci.uuid}/enabled", {"enabled": "false", "csrfmiddlewaretoken": token})
    assert (response.status_code, response["Location"]) == (303, f"/ui/webhooks/{ci.uuid}")
    ci.refresh_from_db()
    assert ci.enabled is False
    # The session reads the API's JSON too (the UI links to it).
    api = client.get(f"/webhooks/{ci.uuid}", **HAL)
    assert api.status_code == 200 and api.json()["enabled"] is False


def test_the_read_only_user_sees_everything_and_changes_nothing() -> None:
    seeded = webhooks_scene.seed_webhooks()
    ci = seeded["ci"]
    incident = drift_incident("Web", "Orders", "production")
    client = signed_in(READER)
    for path in ("/", "/ui/webhooks", f"/ui/webhooks/{ci.uuid}", "/ui/drift/targets/Orders/production",
                 f"/ui/drift/incidents/{incident.uuid}", "/ui/applications", "/ui/environments"):  # fmt: skip
        page = client.get(path)
        assert page.status_code == 200, path
        assert "Signed in as viewer" in text(page) and "read-only" in text(page)
        # Signing out is the only form that posts.
        assert post_forms(page) == ["/ui/logout"], path
    assert client.get("/ui/webhooks/new").status_code == 403
    token = token_on(client, f"/ui/webhooks/{ci.uuid}")
    for path, data in (
        (f"/ui/webhooks/{ci.uuid}/enabled", {"enabled": "false"}),
        (f"/ui/webhooks/{ci.uuid}/test", {}),
        ("/ui/webhooks/new", {"description": "x"}),
        ("/ui/drift/targets/Orders/production/pause", {"paused": "1"}),
        (f"/ui/drift/incidents/{incident.uuid}", {"note": "mine now"}),
    ):
        refused = client.post(path, {**data, "csrfmiddlewaretoken": token})
        assert refused.status_code == 403, path
        assert "read access, this request needs write access" in text(refused)
    ci.refresh_from_db()
    incident.refresh_from_db()
    assert ci.enabled is True and incident.status == "open"
    assert Webhook.objects.count() == 3 and not TriggeredWebhook.objects.filter(trigger_type="user").exists()
    assert not LiveTarget.objects.get().paused


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("admin", "wrong"),
        ("viewer", WRITER[1]),  # a real password, of the other user
        ("nobody", WRITER[1]),
        ("admin", ""),
        ("admin", " " + WRITER[1]),  # passwords are compared as typed
        ("ad\x00min", WRITER[1]),
        ("a" * 5000, "b" * 5000),
    ],
    ids=[
        "wrong password",
        "other user's password",
        "unknown user",
        "empty password",
        "padded password",
        "NUL",
        "huge",
    ],  # fmt: skip
)
def test_wrong_credentials_show_the_form_again(username: str, password: str) -> None:
    client = browser()
    response = client.post("/ui/login", {"username": username, "password": password,
                                         "next": "/ui/webhooks", "csrfmiddlewaretoken": token_on(client)})  # fmt: skip
    assert response.status_code == 200
    shown = text(response)
    assert "Wrong username or password." in shown or "Enter both your username and your password." in shown
    html = response.content.decode()
    assert 'role="alert"' in html and 'aria-invalid="true"' in html
    if username.isprintable() and len(username) < 200:
        assert f'name="username" value="{username}"' in html  # kept, to correct the password
    assert 'name="next" value="/ui/webhooks"' in html
    if password:
        assert password not in html  # never echoed
    assert COOKIE not in response.cookies
    assert client.get("/ui/webhooks")["Location"] == "/ui/login?next=%2Fui%2Fwebhooks"


def test_signing_out_ends_the_session_for_good() -> None:
    client = signed_in(WRITER)
    old = client.cookies[COOKIE].value
    page = client.get("/ui/webhooks")
    assert post_forms(page)[0] == "/ui/logout"
    # Without the token, no sign-out (a forged one would be a nuisance).
    forged = client.post("/ui/logout")
    assert forged.status_code == 403 and CSRF_REFUSED in text(forged)
    assert client.get("/ui/webhooks").status_code == 200
    assert client.get("/ui/logout").status_code == 405

    response = client.post("/ui/logout", {"csrfmiddlewaretoken": token_on(client, "/ui/webhooks")})
    assert (response.status_code, response["Location"]) == (303, "/ui/login?signed_out")
    assert "You have signed out." in text(client.get(response["Location"]))
    assert not Session.objects.filter(session_key=old).exists()
    assert client.get("/ui/webhooks").status_code == 302
    # The old cookie, replayed by anyone, signs nobody in.
    replay = browser()
    replay.cookies = SimpleCookie({COOKIE: old})
    assert replay.get("/ui/webhooks")["Location"] == "/ui/login?next=%2Fui%2Fwebhooks"


def test_every_page_renders_tokens_for_the_csrf_cookie_the_browser_holds() -> None:
    client = signed_in(WRITER)
    cookie = client.cookies["csrftoken"].value
    token = token_on(client, "/")  # the home page (not csrf_protect): the header's Sign out form
    # Pages of every kind (the API's own page renders a token too) leave the cookie as it is...
    for path in ("/openapi", "/ui/applications", "/ui/webhooks", "/"):
        assert client.get(path).status_code == 200, path
        assert client.cookies["csrftoken"].value == cookie, path
    # ...so the form rendered first still works.
    assert client.post("/ui/logout", {"csrfmiddlewaretoken": token}).status_code == 303


def test_signing_in_gives_a_new_session_key() -> None:
    client = browser()
    client.get("/ui/login")
    client.cookies[COOKIE] = "planted-by-someone-else-0123456789"
    sign_in(client, WRITER)
    assert client.cookies[COOKIE].value != "planted-by-someone-else-0123456789"
    assert Session.objects.count() == 1


def test_a_changed_password_ends_the_sessions_it_began(settings) -> None:
    writer, reader = signed_in(WRITER), signed_in(READER)
    settings.ACCORD_BASIC_AUTH_PASSWORD = "a-new-password"
    assert writer.get("/ui/webhooks")["Location"] == "/ui/login?next=%2Fui%2Fwebhooks"
    assert reader.get("/ui/webhooks").status_code == 200  # the read-only user's did not change
    assert sign_in(writer, WRITER).status_code == 200  # the old password is wrong now
    assert sign_in(writer, ("admin", "a-new-password")).status_code == 303
    # A renamed or removed user's sessions end too.
    settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME = "watcher"
    assert reader.get("/ui/webhooks").status_code == 302
    assert Session.objects.count() == 1  # the ended sessions are deleted, not just ignored


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/ui/webhooks",
        "//evil.example/ui/webhooks",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "ui/webhooks",
        "/ui/webhooks\r\nSet-Cookie: x=1",
        "/" + "a" * 3000,
    ],
)
def test_next_must_be_a_path_on_this_site(next_url: str) -> None:
    client = browser()
    form = client.get("/ui/login", {"next": next_url})
    assert form.status_code == 200 and 'name="next"' not in form.content.decode()
    response = sign_in(client, WRITER, next_url=next_url)
    assert (response.status_code, response["Location"]) == (303, "/")


def test_next_keeps_encoded_names() -> None:
    client = browser()
    refused = client.get("/ui/applications/feat%2Fx%20y", REQUEST_URI="/ui/applications/feat%2Fx%20y")
    assert refused["Location"] == "/ui/login?next=%2Fui%2Fapplications%2Ffeat%252Fx%2520y"
    response = sign_in(client, WRITER, next_url="/ui/applications/feat%2Fx%20y")
    assert response["Location"] == "/ui/applications/feat%2Fx%20y"


# ---------------------------------------------------------------- under a sub-path


def test_sign_in_and_out_under_a_script_name() -> None:
    client = browser(SCRIPT_NAME="/pact")
    response = client.get("/ui/webhooks")
    assert response["Location"] == "/pact/ui/login?next=%2Fpact%2Fui%2Fwebhooks"
    form = client.get("/ui/login", {"next": "/pact/ui/webhooks"})
    assert post_forms(form) == ["/pact/ui/login"]
    assert 'href="/pact/static/ui/accord.css"' in form.content.decode()
    done = sign_in(client, WRITER, next_url="/pact/ui/webhooks")
    assert done["Location"] == "/pact/ui/webhooks"
    page = client.get("/ui/webhooks")
    assert post_forms(page) == ["/pact/ui/logout"]
    out = client.post("/ui/logout", {"csrfmiddlewaretoken": token_on(client, "/ui/webhooks")})
    assert out["Location"] == "/pact/ui/login?signed_out"


def test_sign_in_under_the_base_url_path(settings) -> None:
    # The proxy strips /pact; the configured base URL says where the browser really is.
    settings.ACCORD_BASE_URLS = ["http://testserver/pact"]
    client = browser()
    assert client.get("/ui/webhooks")["Location"] == "/pact/ui/login?next=%2Fpact%2Fui%2Fwebhooks"
    assert client.get("/")["Location"] == "/pact/ui/login?next=%2Fpact%2F"
    assert post_forms(client.get("/ui/login")) == ["/pact/ui/login"]
    done = sign_in(client, WRITER)
    assert done["Location"] == "/pact/"
    assert 'class="brand" href="/pact/"' in client.get("/").content.decode()


# ---------------------------------------------------------------- public read, and no users at all


def test_with_public_read_the_ui_reads_without_signing_in(settings) -> None:
    settings.ACCORD_ALLOW_PUBLIC_READ = True
    ci = webhooks_scene.seed_webhooks()["ci"]
    client = browser()
    page = client.get(f"/ui/webhooks/{ci.uuid}?tab=1")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<a class="sign-in" href="/ui/login?next=/ui/webhooks/{ci.uuid}%3Ftab%3D1">Sign in</a>' in html
    assert post_forms(page) == [] and "Signed in" not in html
    # A form posted without credentials (a stale page) goes to sign in, and changes nothing.
    token = token_on(client)  # the page itself has no form for this visitor
    refused = client.post(f"/ui/webhooks/{ci.uuid}/enabled", {"enabled": "false", "csrfmiddlewaretoken": token})
    assert (refused.status_code, refused["Location"]) == (303, "/ui/login")
    ci.refresh_from_db()
    assert ci.enabled is True
    assert "browse without signing in" in text(client.get("/ui/login"))
    # The API keeps its challenge for writes.
    assert Client().post("/webhooks", {}, content_type="application/json").status_code == 401
    sign_in(client, WRITER)
    assert ">Disable</button>" in client.get(f"/ui/webhooks/{ci.uuid}").content.decode()


def test_without_users_there_is_nothing_to_sign_in_to(settings) -> None:
    settings.ACCORD_BASIC_AUTH_USERNAME = settings.ACCORD_BASIC_AUTH_PASSWORD = None
    settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME = settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD = None
    client = browser()
    page = client.get("/ui/webhooks")
    assert page.status_code == 200
    assert "Sign in" not in page.content.decode() and "/ui/logout" not in page.content.decode()
    assert client.get("/ui/login", {"next": "/ui/drift"})["Location"] == "/ui/drift"
    assert not Client().get("/pacticipants").cookies


# ---------------------------------------------------------------- CSRF: every UI form, and never the API


def ui_routes() -> list[tuple[str, str, list[str]]]:
    """(route name, path template, parameter names) of every route under /ui/."""
    found = []

    def walk(patterns: list, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and (prefix + str(entry.pattern)).startswith("ui/"):
                found.append((entry.name, "/" + prefix + str(entry.pattern), list(entry.pattern.converters)))

    walk(get_resolver().url_patterns, "")
    return found


def fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda match: values[match.group(1)], template)


NEW_WEBHOOK = {"description": "Notify the deploy bot", "events": ["contract_published"], "method": "POST",
               "url": "https://deploy.example.com/hook", "enabled": "on"}  # fmt: skip
# Every UI route that takes a POST: what a browser sends, and the answer when it carries its token.
WRITES = {
    "ui-login": ({"username": WRITER[0], "password": WRITER[1]}, 303),
    "ui-webhook-new": (NEW_WEBHOOK, 303),
    "ui-webhook-test": ({}, 303),
    "ui-webhook-edit": ({**NEW_WEBHOOK, "description": "Edited"}, 303),
    "ui-webhook-enabled": ({"enabled": "false"}, 303),
    "ui-drift-incident": ({"note": "Rolling back", "by": "Ana"}, 302),
    "ui-drift-target-run": ({}, 302),
    "ui-drift-target-pause": ({"paused": "1"}, 302),
    "ui-webhook-delete": ({}, 303),  # of a webhook of its own
    "ui-webhook-secrets": ({"name": "CI_TOKEN", "value": "s3cr3t-value-1"}, 303),
    "ui-webhook-secret-edit": ({"name": "DEPLOY_KEY", "description": "rotated"}, 303),
    "ui-webhook-secret-delete": ({}, 303),
    # The Access pages (of the account, team and token the test seeds).
    "ui-access-accounts": ({"name": "new-person", "kind": "user"}, 303),
    "ui-access-teams": ({"name": "new-team"}, 303),
    "ui-access-token-new": ({"name": "walk", "scope": "read", "expires": "30"}, 200),  # the page showing it
    "ui-access-token-revoke": ({}, 303),
    "ui-access-account-active": ({"active": "false"}, 303),
    "ui-access-team-members": ({"account": "ci-bot"}, 303),
    "ui-access-team-applications": ({"application": "web-shop"}, 303),
    "ui-access-environment": ({"teams": ["platform"]}, 303),
    "ui-logout": ({}, 303),  # last: it ends the session
}


def test_every_ui_view_that_takes_a_post_checks_the_csrf_token(td, receiver, settings) -> None:
    settings.ACCORD_OUTBOUND_ALLOW = ["127.0.0.1"]  # the test-fire reaches the local receiver
    td.publish("web-shop", "2.5.0", provider="orders-api")
    hook = webhooks_scene.ci_webhook(url=f"{receiver.url}/build")
    delivery = webhooks_scene.delivery(hook, "success", [(True, 200)], event="contract_published",
                                       ago=webhooks_scene.timedelta(hours=1))  # fmt: skip
    doomed = webhooks_scene.ci_webhook(url=f"{receiver.url}/doomed")
    kept_secret = secret_put(name="DEPLOY_KEY", value="k-value-123")
    doomed_secret = secret_put(name="OLD_KEY", value="o-value-456")
    incident = drift_incident("Web", "Orders", "production")
    token = make_token("ci-bot", "write", teams=("platform",))
    values = {"provider": "Orders", "consumer": "Web", "version": "1.0", "number": "1", "name": "Web",
              "environment": "production", "delivery_uuid": str(delivery.uuid),
              "account": "ci-bot", "team": "platform", "token": token.split("_")[1]}  # fmt: skip
    client = signed_in(WRITER)

    def path_of(name: str, template: str) -> str:
        uuid = {"ui-drift-incident": str(incident.uuid), "ui-drift-run": str(incident.opened_by_run_uuid),
                "ui-webhook-delete": str(doomed.uuid), "ui-webhook-secret-edit": str(kept_secret.uuid),
                "ui-webhook-secret-delete": str(doomed_secret.uuid)}  # fmt: skip
        return fill(template, {**values, "uuid": uuid.get(name, str(hook.uuid))})

    # A signed-in session posting without a token: refused by the CSRF check, or not a
    # route that takes a POST at all. Anything else (a page, a redirect) fails the test.
    routes = {name: path_of(name, template) for name, template, _ in ui_routes()}
    assert len(routes) >= 20
    for name, path in routes.items():
        response = client.post(path, {})
        refused_by_csrf = response.status_code == 403 and CSRF_REFUSED in text(response)
        assert refused_by_csrf or response.status_code == 405, (name, response.status_code)
        if name in WRITES:
            assert refused_by_csrf, name
    assert not Webhook.objects.filter(description__in=["Notify the deploy bot", "Edited"]).exists()
    assert LiveRun.objects.count() == 1 and DriftIncident.objects.get().status == "open"
    # With the token, every other route still takes no POST (so WRITES lists them all)...
    token = token_on(client, "/ui/webhooks")
    for name, path in routes.items():
        if name not in WRITES:
            assert client.post(path, {"csrfmiddlewaretoken": token}).status_code == 405, name
    # ...and each one that does, does its work.
    for name, (data, status) in WRITES.items():
        token = token_on(client, "/ui/webhooks")
        response = client.post(routes[name], {**data, "csrfmiddlewaretoken": token})
        assert response.status_code == status, (name, response.status_code, text(response)[:500])
    hook.refresh_from_db()
    assert (hook.description, hook.enabled) == ("Edited", False)
    assert not Webhook.objects.filter(uuid=doomed.uuid).exists()
    assert set(WebhookSecret.objects.values_list("name", "description")) == {
        ("CI_TOKEN", None),
        ("DEPLOY_KEY", "rotated"),
    }
    assert Webhook.objects.filter(description="Notify the deploy bot").exists()
    assert len(receiver.requests) == 1
    assert DriftIncident.objects.get().status == "acknowledged" and LiveRun.objects.count() == 2
    assert LiveTarget.objects.get().paused
    assert Account.objects.filter(name="new-person").exists() and Team.objects.filter(name="new-team").exists()
    assert Token.objects.filter(name="walk").exists() and Token.objects.get(name="ci").revoked_at is not None
    assert not Account.objects.get(name="ci-bot").active and ApplicationOwner.objects.get().team.name == "platform"
    assert EnvironmentRestriction.objects.get().environment.name == "production"
    assert client.get("/ui/webhooks").status_code == 302  # signed out at the end


def test_a_session_cannot_write_through_the_api() -> None:
    client = signed_in(WRITER)
    token = token_on(client, "/ui/webhooks")
    before = ContractPublication.objects.count()
    for method, path, body in (
        ("PUT", "/pacticipants/Sneaky", {"name": "Sneaky"}),
        ("POST", "/pacticipants", {"name": "Sneaky"}),
        ("POST", "/contracts/publish", publish_body("Sneaky", "1.0", provider="Target")),
        ("POST", "/webhooks", {"events": [{"name": "contract_published"}], "request": {"method": "POST",
                                                                                      "url": "https://x.example"}}),
        ("DELETE", "/integrations", None),
        ("POST", "/pacts/provider/Target/for-verification", {}),
    ):  # fmt: skip
        # Even with the UI's CSRF token in the header, the API takes no session as credentials.
        response = client.generic(method, path, "" if body is None else json.dumps(body),
                                  content_type="application/json", HTTP_X_CSRFTOKEN=token)  # fmt: skip
        assert response.status_code == 401, (method, path, response.status_code)
        assert response["WWW-Authenticate"] == 'Basic realm="Restricted area"'
    assert not Pacticipant.objects.filter(name__in=["Sneaky", "Target"]).exists()
    assert ContractPublication.objects.count() == before and not Webhook.objects.exists()
    # Reads are fine: the session stands in for read credentials on safe methods.
    listed = client.get("/pacticipants", **HAL)
    assert listed.status_code == 200 and "Cookie" in listed["Vary"]


def test_the_api_is_unchanged_for_pact_clients() -> None:
    # Pact clients send basic auth and never a CSRF token.
    pact_client = ApiClient(enforce_csrf_checks=True)
    published = pact_client.post("/contracts/publish", publish_body("Web", "1.0", provider="Orders"), **basic(*WRITER))
    assert published.status_code == 200, published.content
    created = pact_client.put("/pacticipants/Web", {"name": "Web", "mainBranch": "main"}, **basic(*WRITER))
    assert created.status_code == 200, created.content
    assert Pacticipant.objects.get(name="Web").main_branch == "main"
    assert pact_client.post("/pacticipants", {"name": "Other"}, **basic(*READER)).status_code == 403
    refused = pact_client.post("/pacticipants", {"name": "Other"})
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == 'Basic realm="Restricted area"'
    read = pact_client.get("/pacticipants/Web", **basic(*READER))
    assert read.status_code == 200 and not read.cookies and "Cookie" not in read["Vary"]
    assert not Pacticipant.objects.filter(name="Other").exists()
