"""The webhooks pages (Django test client): list, detail, delivery, the form, the
enable/disable and test-fire buttons; secrets never in a page; CSRF on the UI's forms only."""

from __future__ import annotations

import base64
import html as htmllib
import json
import re

import pytest
from django.test import Client, override_settings

from tests.client import ApiClient
from tests.ui import webhooks_scene as scene
from webhooks.models import TriggeredWebhook, Webhook

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
MASK = "**********"


def text(response) -> str:
    """The page as text: tags dropped, entities decoded, whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", htmllib.unescape(body))


def no_secret_in(response) -> None:
    page = response.content.decode()
    for secret in scene.SECRETS:
        assert secret not in page and secret not in htmllib.unescape(page), secret


def browser() -> Client:
    """A browser-like client that enforces CSRF as a real one meets it."""
    return Client(enforce_csrf_checks=True, **HTML)


def token_of(client: Client, path: str) -> str:
    """GET a page with a form and read its CSRF token, as a browser submitting it would."""
    response = client.get(path)
    assert response.status_code == 200, path
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def form_values(client: Client, path: str) -> dict:
    """The form's fields as the browser would submit them unchanged (inputs, textareas,
    selected options and checked boxes)."""
    page = client.get(path).content.decode()
    values: dict = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if kind and kind.group(1) == "checkbox":
            if "checked" in tag:
                values.setdefault(name.group(1), []).append(htmllib.unescape(value.group(1)) if value else "on")
        else:
            values[name.group(1)] = htmllib.unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\n?(.*?)</textarea>', page, re.S):
        values[name] = htmllib.unescape(body)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        values[name] = chosen.group(1) if chosen else ""
    return values


NEW = {
    "description": "Notify the deploy bot",
    "events": ["contract_published", "drift_detected"],
    "consumer": "web-shop",
    "provider": "",
    "provider_label": "team-orders",
    "method": "POST",
    "url": "https://deploy.example.com/hook?api_key=k-SECRET-123",
    "headers": "Content-Type: application/json\nX-Auth-Token: h-SECRET-456",
    "body": '{"consumer": "${pactbroker.consumerName}"}',
    "username": "bot",
    "password": "p-SECRET-789",
    "enabled": "on",
}


# ---------------------------------------------------------------- list


def test_the_list_shows_each_webhook_redacted_with_its_last_delivery(db) -> None:
    seeded = scene.seed_webhooks()
    response = Client().get("/ui/webhooks", **HTML)
    assert response.status_code == 200
    page = text(response)
    no_secret_in(response)
    assert "Trigger orders-api CI build" in page and "Tell #payments when a verification fails" in page
    # A webhook without a description is named as the Pact Broker names it.
    assert "POST alerts.example.com" in page
    assert f"POST https://ci.example.com/job/orders-api/build?token={MASK}&branch=main" in page
    assert f"POST https://bot:{MASK}@chat.example.com/hooks/T024/B07" in page
    assert "Consumer web-shop Provider orders-api" in page and "Provider label team-payments" in page
    assert "enabled" in page and "disabled" in page and "never triggered" in page
    html = response.content.decode()
    # The last delivery of each: the newest, linked to its logs.
    assert f'/ui/webhooks/{seeded["ci"].uuid}/deliveries/{seeded["latest"].uuid}"' in html
    assert f'/ui/webhooks/{seeded["chat"].uuid}/deliveries/{seeded["retrying"].uuid}"' in html
    assert f'/deliveries/{seeded["old"].uuid}"' not in html
    assert 'aria-current="page">Webhooks</a>' in html


def test_the_list_pages_by_keyset_and_an_empty_broker_says_how_to_start(db) -> None:
    empty = Client().get("/ui/webhooks", **HTML)
    assert "No webhooks yet" in text(empty) and 'href="/ui/webhooks/new"' in empty.content.decode()
    for _ in range(52):
        scene.drift_webhook()
    first = Client().get("/ui/webhooks", **HTML).content.decode()
    assert first.count('<th scope="row">') == 50
    after = re.search(r'rel="next" href="/ui/webhooks\?after=(\d+)"', first).group(1)
    second = Client().get(f"/ui/webhooks?after={after}", **HTML).content.decode()
    assert second.count('<th scope="row">') == 2 and 'rel="next"' not in second


# ---------------------------------------------------------------- detail and delivery


def test_the_detail_shows_the_definition_masked_and_the_recent_deliveries(db) -> None:
    seeded = scene.seed_webhooks()
    ci = seeded["ci"]
    response = Client().get(f"/ui/webhooks/{ci.uuid}", **HTML)
    assert response.status_code == 200
    no_secret_in(response)
    # Under Webhooks in the header (a page of the section, not the list itself).
    assert 'aria-current="true">Webhooks</a>' in response.content.decode()
    page = text(response)
    assert "A webhook for the pact between web-shop and orders-api." in page
    assert f"POST https://ci.example.com/job/orders-api/build?token={MASK}&branch=main" in page
    assert f"Authorization: {MASK}" in page and "Content-Type: application/json" in page
    assert '"pact": "${pactbroker.pactUrl}"' in page
    assert "Username ci-bot" in page and "Password set (hidden)" in page
    html = response.content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", html, re.S)
    assert len(rows) == 3
    # Newest first: event, status and attempts per delivery.
    assert "contract_requiring_verification_published" in rows[0] and "success" in rows[0]
    assert "failure" in rows[1] and '<td class="num">2</td>' in rows[1]
    assert f'/ui/webhooks/{ci.uuid}/deliveries/{seeded["old"].uuid}"' in rows[2]


def test_the_delivery_page_shows_each_attempts_redacted_logs(db) -> None:
    seeded = scene.seed_webhooks()
    ci = seeded["ci"]
    response = Client().get(f"/ui/webhooks/{ci.uuid}/deliveries/{seeded['failed'].uuid}", **HTML)
    assert response.status_code == 200
    no_secret_in(response)
    page = text(response)
    assert "Attempt 1" in page and "Attempt 2" in page
    assert "connection refused by ci.example.com" in page and "HTTP 503" in page
    assert f"Authorization: {MASK}" in page and '{"error": "upstream unavailable"}' in page
    assert f'href="/triggered-webhooks/{seeded["failed"].uuid}/logs"' in response.content.decode()


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/ui/webhooks?after=abc", 400, "after: this page cursor was not made by Accord"),
        ("/ui/webhooks/no-such-webhook-0000", 404, "No webhook with uuid 'no-such-webhook-0000' found"),
        ("/ui/webhooks/{ci}?tested=nonsense", 400, "tested: this webhook has no such delivery"),
        ("/ui/webhooks/{ci}/deliveries/not-a-uuid", 404, "No triggered webhook with uuid not-a-uuid"),
        ("/ui/webhooks/{chat}/deliveries/{latest}", 404, "has no delivery"),
        ("/ui/webhooks/no-such-webhook-0000/edit", 404, "No webhook with uuid"),
    ],
)
def test_bad_input_is_a_clear_4xx_page(db, path: str, status: int, says: str) -> None:
    seeded = scene.seed_webhooks()
    path = path.format(ci=seeded["ci"].uuid, chat=seeded["chat"].uuid, latest=seeded["latest"].uuid)
    response = Client().get(path, **HTML)
    assert response.status_code == status
    assert says in text(response)
    assert "<h1>" in response.content.decode()


def test_the_buttons_take_only_post() -> None:
    assert Client().get("/ui/webhooks/no-such-webhook-0000/test", **HTML).status_code == 405
    assert Client().get("/ui/webhooks/no-such-webhook-0000/enabled", **HTML).status_code == 405


# ---------------------------------------------------------------- create and edit


def test_create_through_the_form_saves_what_the_api_would(db) -> None:
    scene.pacticipant("web-shop")
    client = browser()
    token = token_of(client, "/ui/webhooks/new")
    response = client.post("/ui/webhooks/new", {**NEW, "csrfmiddlewaretoken": token})
    assert response.status_code == 303
    saved = Webhook.objects.get(description="Notify the deploy bot")
    assert response["Location"] == f"/ui/webhooks/{saved.uuid}"
    assert saved.events == ["contract_published", "drift_detected"]
    assert saved.consumer.name == "web-shop" and saved.provider_label == "team-orders"
    assert saved.headers == {"Content-Type": "application/json", "X-Auth-Token": "h-SECRET-456"}
    assert saved.body_is_json and json.loads(saved.body) == {"consumer": "${pactbroker.consumerName}"}
    assert (saved.username, saved.password, saved.enabled) == ("bot", "p-SECRET-789", True)
    detail = client.get(response["Location"]).content.decode()
    for secret in ("k-SECRET-123", "h-SECRET-456", "p-SECRET-789"):
        assert secret not in detail
    # The API reads it like any other webhook.
    api = ApiClient().get(f"/webhooks/{saved.uuid}").json()
    assert api["request"]["headers"]["X-Auth-Token"] == MASK


def test_the_apis_rules_are_shown_next_to_each_field(db) -> None:
    client = browser()
    token = token_of(client, "/ui/webhooks/new")
    bad = {**NEW, "url": "http://deploy.example.com/hook", "consumer": "nobody", "provider_label": "x",
           "provider": "orders-api", "headers": "not a header line\nBad Name: v", "events": [],
           "csrfmiddlewaretoken": token}  # fmt: skip
    response = client.post("/ui/webhooks/new", bad)
    assert response.status_code == 400
    assert Webhook.objects.count() == 0
    html = response.content.decode()

    def errors_of(field: str) -> str:
        found = re.search(rf'<ul class="field-errors" id="id_{field}_errors">(.*?)</ul>', html, re.S)
        assert found, field
        return htmllib.unescape(found.group(1))

    assert "Line 1 is not of the form" in errors_of("headers")
    assert "Choose at least one event." in errors_of("events")
    # Headers and events fail in the form; fix them to reach the API's own checks.
    fixed = {**bad, "headers": "X-Ok: 1", "events": ["contract_published"]}
    response = client.post("/ui/webhooks/new", fixed)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Scheme must be https" in errors_of("url")
    assert "No pacticipant with name 'nobody' found" in errors_of("consumer")
    assert 'Can have a "name" or a "label", not both' in errors_of("provider")
    assert 'aria-describedby="id_url_help id_url_errors"' in html and 'aria-invalid="true"' in html
    # What was typed stays, except the password.
    assert 'value="http://deploy.example.com/hook"' in html and "p-SECRET-789" not in html


def test_editing_keeps_secrets_left_as_shown_and_never_sends_them(db) -> None:
    seeded = scene.seed_webhooks()
    ci = seeded["ci"]
    client = browser()
    edit = client.get(f"/ui/webhooks/{ci.uuid}/edit")
    assert edit.status_code == 200
    no_secret_in(edit)
    assert 'placeholder="unchanged"' in edit.content.decode()
    assert "Leave it empty to keep the stored password unchanged" in text(edit)
    values = form_values(client, f"/ui/webhooks/{ci.uuid}/edit")
    assert values["password"] == "" and MASK in values["url"] and f"Authorization: {MASK}" in values["headers"]
    values["description"] = "Trigger the orders-api build"
    response = client.post(f"/ui/webhooks/{ci.uuid}/edit", values)
    assert response.status_code == 303, text(response)
    ci.refresh_from_db()
    assert ci.description == "Trigger the orders-api build"
    assert ci.password == scene.PASSWORD
    assert ci.headers["Authorization"] == f"Bearer {scene.HEADER_SECRET}"
    assert ci.url == f"https://ci.example.com/job/orders-api/build?token={scene.URL_TOKEN}&branch=main"
    assert ci.body_is_json and json.loads(ci.body)["pact"] == "${pactbroker.pactUrl}"
    # The same events (in the form's order).
    assert sorted(ci.events) == ["contract_content_changed", "contract_requiring_verification_published"]


def test_editing_replaces_or_removes_a_secret_when_asked(db) -> None:
    ci = scene.seed_webhooks()["ci"]
    client = browser()
    values = form_values(client, f"/ui/webhooks/{ci.uuid}/edit")
    client.post(
        f"/ui/webhooks/{ci.uuid}/edit", {**values, "password": "new-pass-1", "headers": "Authorization: Bearer t2"}
    )
    ci.refresh_from_db()
    assert ci.password == "new-pass-1" and ci.headers == {"Authorization": "Bearer t2"}
    client.post(f"/ui/webhooks/{ci.uuid}/edit", {**values, "clear_password": "on"})
    ci.refresh_from_db()
    assert ci.password is None
    # A URL edited around its mask cannot keep the secret: retype it.
    changed = values["url"].replace("branch=main", "branch=develop")
    response = client.post(f"/ui/webhooks/{ci.uuid}/edit", {**values, "url": changed})
    assert response.status_code == 400
    assert "Type the whole URL again" in text(response)
    # A masked header the webhook never had has nothing to keep.
    response = client.post(f"/ui/webhooks/{ci.uuid}/edit", {**values, "headers": f"X-New-Token: {MASK}"})
    assert response.status_code == 400 and "'X-New-Token' has no stored value to keep" in text(response)


# ---------------------------------------------------------------- buttons


def test_disable_and_enable_keep_everything_else(db) -> None:
    ci = scene.seed_webhooks()["ci"]
    client = browser()
    token = token_of(client, f"/ui/webhooks/{ci.uuid}")
    response = client.post(f"/ui/webhooks/{ci.uuid}/enabled", {"enabled": "false", "csrfmiddlewaretoken": token})
    assert response.status_code == 303 and response["Location"] == f"/ui/webhooks/{ci.uuid}"
    ci.refresh_from_db()
    assert ci.enabled is False and ci.password == scene.PASSWORD and ci.consumer.name == "web-shop"
    page = client.get(f"/ui/webhooks/{ci.uuid}").content.decode()
    assert ">Enable</button>" in page and ">disabled</span>" in page
    client.post(f"/ui/webhooks/{ci.uuid}/enabled", {"enabled": "true", "csrfmiddlewaretoken": token})
    ci.refresh_from_db()
    assert ci.enabled is True
    response = client.post(f"/ui/webhooks/{ci.uuid}/enabled", {"enabled": "maybe", "csrfmiddlewaretoken": token})
    assert response.status_code == 400 and "enabled: must be true or false" in text(response)


def test_delete_asks_first_then_deletes_and_says_so(db) -> None:
    seeded = scene.seed_webhooks()
    ci = seeded["ci"]
    client = browser()
    detail = client.get(f"/ui/webhooks/{ci.uuid}").content.decode()
    assert f'href="/ui/webhooks/{ci.uuid}/delete">Delete…</a>' in detail
    confirm = client.get(f"/ui/webhooks/{ci.uuid}/delete")
    assert confirm.status_code == 200
    no_secret_in(confirm)  # the URL it names is redacted
    assert "Delete the webhook" in text(confirm) and "cannot be undone" in text(confirm)
    assert Webhook.objects.filter(uuid=ci.uuid).exists()  # asking deletes nothing
    token = token_of(client, f"/ui/webhooks/{ci.uuid}/delete")
    assert client.post(f"/ui/webhooks/{ci.uuid}/delete").status_code == 403  # no CSRF token
    assert Webhook.objects.filter(uuid=ci.uuid).exists()
    response = client.post(f"/ui/webhooks/{ci.uuid}/delete", {"csrfmiddlewaretoken": token})
    assert response.status_code == 303 and response["Location"].startswith("/ui/webhooks?deleted=")
    assert not Webhook.objects.filter(uuid=ci.uuid).exists()
    assert Webhook.objects.filter(uuid=seeded["chat"].uuid).exists()  # only that one
    listed = client.get(response["Location"])
    assert "Deleted the webhook" in text(listed) and ci.uuid not in listed.content.decode()
    # Again: it is gone, a 404 page that says which.
    again = client.post(f"/ui/webhooks/{ci.uuid}/delete", {"csrfmiddlewaretoken": token})
    assert again.status_code == 404


@override_settings(ACCORD_OUTBOUND_ALLOW=["127.0.0.1"])
def test_test_fire_sends_it_and_shows_the_outcome_redacted(db, td, receiver) -> None:
    td.publish("web-shop", "2.5.0", provider="orders-api")
    ci = scene.ci_webhook(url=f"{receiver.url}/build?token={scene.URL_TOKEN}")
    client = browser()
    token = token_of(client, f"/ui/webhooks/{ci.uuid}")
    response = client.post(f"/ui/webhooks/{ci.uuid}/test", {"csrfmiddlewaretoken": token})
    assert response.status_code == 303
    sent = receiver.requests[0]
    assert json.loads(sent["body"])["consumerVersion"] == "2.5.0"
    assert sent["headers"]["Authorization"] == f"Bearer {scene.HEADER_SECRET}"
    triggered = TriggeredWebhook.objects.get(trigger_type="user")
    assert response["Location"] == f"/ui/webhooks/{ci.uuid}?tested={triggered.uuid}"
    page = client.get(response["Location"])
    assert page.status_code == 200
    no_secret_in(page)
    shown = text(page)
    assert "Test result ✓ success" in shown or "Test result success" in shown
    assert "HTTP 200" in shown and '{"received": 1}' in shown
    assert f"token={MASK}" in shown


# ---------------------------------------------------------------- who may write, and CSRF


def test_ui_forms_need_the_csrf_token_and_the_api_does_not(db) -> None:
    ci = scene.seed_webhooks()["ci"]
    client = browser()
    assert client.post(f"/ui/webhooks/{ci.uuid}/enabled", {"enabled": "false"}).status_code == 403
    assert client.post("/ui/webhooks/new", NEW).status_code == 403
    ci.refresh_from_db()
    assert ci.enabled is True
    # The API keeps working for Pact clients, which never send a token.
    created = ApiClient(enforce_csrf_checks=True).post(
        "/webhooks",
        {
            "events": [{"name": "contract_published"}],
            "request": {"method": "POST", "url": "https://ci.example.com/x"},
        },  # fmt: skip
    )
    assert created.status_code == 201


READ_ONLY = {
    "ACCORD_BASIC_AUTH_USERNAME": "admin",
    "ACCORD_BASIC_AUTH_PASSWORD": "secret",
    "ACCORD_BASIC_AUTH_READ_ONLY_USERNAME": "viewer",
    "ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD": "look",
}


def auth(user: str, password: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@override_settings(**READ_ONLY)
def test_the_read_only_user_reads_everything_and_changes_nothing(db) -> None:
    seeded = scene.seed_webhooks()
    ci = seeded["ci"]
    viewer = Client(**HTML, **auth("viewer", "look"))
    for path in ("/ui/webhooks", f"/ui/webhooks/{ci.uuid}", f"/ui/webhooks/{ci.uuid}/deliveries/{seeded['old'].uuid}"):
        response = viewer.get(path)
        assert response.status_code == 200, path
        assert 'method="post"' not in response.content.decode()
        assert "/edit" not in response.content.decode() and "/ui/webhooks/new" not in response.content.decode()
    for path in ("/ui/webhooks/new", f"/ui/webhooks/{ci.uuid}/edit"):
        response = viewer.get(path)
        assert response.status_code == 403 and "can read webhooks but not change them" in text(response)
    refused = viewer.post(f"/ui/webhooks/{ci.uuid}/enabled", {"enabled": "false"})
    # Refused by the auth layer before any view runs, as a page a person can read.
    assert refused.status_code == 403 and refused["Content-Type"].startswith("text/html")
    assert "Not allowed" in text(refused) and "read access, this request needs write access" in text(refused)
    assert viewer.post(f"/ui/webhooks/{ci.uuid}/test").status_code == 403
    assert viewer.get(f"/ui/webhooks/{ci.uuid}/delete").status_code == 403
    assert viewer.post(f"/ui/webhooks/{ci.uuid}/delete").status_code == 403
    assert Webhook.objects.filter(uuid=ci.uuid).exists()
    # The API keeps answering JSON.
    api_refused = viewer.post("/webhooks", {}, content_type="application/json")
    assert api_refused.status_code == 403 and api_refused["Content-Type"].startswith("application/json")
    ci.refresh_from_db()
    assert ci.enabled is True and TriggeredWebhook.objects.filter(trigger_type="user").count() == 0
    # The read-write user sees the buttons.
    admin = Client(**HTML, **auth("admin", "secret")).get(f"/ui/webhooks/{ci.uuid}").content.decode()
    assert ">Disable</button>" in admin and ">Test-fire now</button>" in admin


def test_pages_follow_a_script_name(db) -> None:
    ci = scene.seed_webhooks()["ci"]
    html = Client(SCRIPT_NAME="/pact", **HTML).get(f"/ui/webhooks/{ci.uuid}").content.decode()
    assert f'action="/pact/ui/webhooks/{ci.uuid}/test"' in html
    assert f'href="/pact/webhooks/{ci.uuid}"' in html and 'href="/pact/ui/webhooks"' in html


# ---------------------------------------------------------------- bounded reads


@pytest.mark.parametrize("size", [1, 12])
def test_each_page_reads_a_fixed_number_of_rows(db, django_assert_max_num_queries, size: int) -> None:
    seeded = scene.seed_webhooks()
    ci = seeded["ci"]
    for n in range(size):
        scene.chat_webhook()
        scene.delivery(ci, "success", [(False, 500)] * 3 + [(True, 200)], event="contract_published",
                       ago=scene.timedelta(minutes=n))  # fmt: skip
    client = Client(**HTML)
    with django_assert_max_num_queries(2):
        assert client.get("/ui/webhooks").status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get(f"/ui/webhooks/{ci.uuid}").status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(f"/ui/webhooks/{ci.uuid}/deliveries/{seeded['failed'].uuid}").status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(f"/ui/webhooks/{ci.uuid}/edit").status_code == 200
