"""The secrets pages (Django test client): list, create, edit (replace the value or keep
it), delete; a value never reaches a page; CSRF and write access on every form."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.test import Client, override_settings

from tests.ui.test_webhooks_pages import HTML, READ_ONLY, auth, browser, text, token_of
from webhooks.models import Webhook, WebhookSecret
from webhooks.services.secrets import secret_put

pytestmark = pytest.mark.django_db
VALUE = "ghp-PAGE-SECRET-6161"
NEW_VALUE = "ghp-PAGE-ROTATED-7272"
LIST = "/ui/webhooks/secrets"


def no_value_in(response) -> None:
    page = response.content.decode()
    for value in (VALUE, NEW_VALUE):
        assert value not in page, value


def seed() -> WebhookSecret:
    secret_put(name="ChatPassword", value="chat-PAGE-SECRET-8383")
    return secret_put(name="GithubToken", value=VALUE, description="Token of the CI bot")


def post(client: Client, path: str, data: dict, *, token_from: str = LIST):
    return client.post(path, {"csrfmiddlewaretoken": token_of(client, token_from), **data})


def test_the_list_shows_names_descriptions_and_references_never_values() -> None:
    secret = seed()

    response = Client(**HTML).get(LIST)

    assert response.status_code == 200
    shown = text(response)
    assert "Secrets by name (values are never shown)" in shown
    assert "GithubToken ${user.GithubToken} Token of the CI bot" in shown
    assert "ChatPassword ${user.ChatPassword} none" in shown
    assert shown.index("ChatPassword") < shown.index("GithubToken")
    page = response.content.decode()
    assert f'href="/ui/webhooks/secrets/{secret.uuid}"' in page and 'href="/secrets"' in page
    assert "chat-PAGE-SECRET-8383" not in page
    no_value_in(response)
    # The webhooks list leads here.
    assert 'href="/ui/webhooks/secrets"' in Client(**HTML).get("/ui/webhooks").content.decode()


def test_an_empty_list_says_how_to_start() -> None:
    shown = text(Client(**HTML).get(LIST))
    assert "No secrets yet" in shown and "Create one below" in shown and "${user.NAME}" in shown


def test_create_through_the_form_stores_the_value_and_never_shows_it() -> None:
    client = browser()
    page = client.get(LIST).content.decode()
    value_input = re.search(r'<input[^>]*name="value"[^>]*>', page).group(0)
    assert 'type="password"' in value_input and "value=" not in value_input.replace('name="value"', "")

    response = post(client, LIST, {"name": "GithubToken", "description": "CI", "value": VALUE})

    assert response.status_code == 303 and response["Location"] == f"{LIST}?saved=GithubToken"
    secret = WebhookSecret.objects.get()
    assert (secret.name, secret.description, secret.value) == ("GithubToken", "CI", VALUE)
    after = client.get(response["Location"])
    assert "Saved the secret “GithubToken”. Its value is not shown again." in text(after)
    no_value_in(after)


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"name": "Github Token", "value": VALUE}, "name", "Must start with a letter"),
        ({"name": "", "value": VALUE}, "name", "This field is required."),
        ({"name": "GithubToken", "value": ""}, "value", "Cannot be blank"),
        ({"name": "GithubToken", "value": "abc"}, "value", "Is shorter than 4 characters"),
        ({"name": "ChatPassword", "value": VALUE}, "name", "A secret named 'ChatPassword' already exists"),
        ({"name": "chatpassword", "value": VALUE}, "name", "as 'ChatPassword'"),
    ],
)
def test_the_rules_are_shown_next_to_each_field_and_the_value_is_not_sent_back(data, field, says) -> None:
    secret_put(name="ChatPassword", value="chat-PAGE-SECRET-8383")
    client = browser()

    response = post(client, LIST, data)

    assert response.status_code == 400
    errors = re.search(rf'<ul class="field-errors" id="id_{field}_errors">(.*?)</ul>', response.content.decode(), re.S)
    assert errors and says in htmllib.unescape(errors.group(1)), text(response)
    assert "The secret was not saved" in text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    no_value_in(response)
    assert WebhookSecret.objects.count() == 1


def test_editing_keeps_the_value_when_left_empty_and_replaces_it_when_typed() -> None:
    secret = seed()
    client = browser()
    edit = f"{LIST}/{secret.uuid}"
    form = client.get(edit)
    assert form.status_code == 200
    assert 'placeholder="unchanged"' in form.content.decode() and 'value="GithubToken"' in form.content.decode()
    no_value_in(form)

    kept = post(client, edit, {"name": "GithubBotToken", "description": "renamed"}, token_from=edit)
    assert kept.status_code == 303 and kept["Location"] == f"{LIST}?saved=GithubBotToken"
    secret.refresh_from_db()
    assert (secret.name, secret.description, WebhookSecret.objects.get(pk=secret.pk).value) == (
        "GithubBotToken",
        "renamed",
        VALUE,
    )
    replaced = post(client, edit, {"name": "GithubBotToken", "description": "", "value": NEW_VALUE}, token_from=edit)
    assert replaced.status_code == 303
    stored = WebhookSecret.objects.get(pk=secret.pk)
    assert (stored.value, stored.description) == (NEW_VALUE, None)
    refused = post(client, edit, {"name": "ChatPassword", "value": VALUE}, token_from=edit)
    assert refused.status_code == 400 and "already exists" in text(refused)
    no_value_in(refused)


def test_delete_asks_first_then_deletes_and_says_so() -> None:
    secret = seed()
    client = browser()
    confirm = client.get(f"{LIST}/{secret.uuid}/delete")
    assert confirm.status_code == 200 and "Delete the secret GithubToken?" in text(confirm)

    response = post(client, f"{LIST}/{secret.uuid}/delete", {}, token_from=f"{LIST}/{secret.uuid}/delete")

    assert response.status_code == 303 and response["Location"] == f"{LIST}?deleted=GithubToken"
    assert not WebhookSecret.objects.filter(pk=secret.pk).exists()
    assert "Deleted the secret “GithubToken”." in text(client.get(response["Location"]))
    assert client.get(f"{LIST}/{secret.uuid}").status_code == 404
    assert client.post(f"{LIST}/{secret.uuid}/delete").status_code == 403  # no token


@pytest.mark.parametrize("path", ["/ui/webhooks/secrets/not-a-uuid", "/ui/webhooks/secrets/%00/delete"])
def test_an_unknown_secret_is_a_404_page(path: str) -> None:
    response = Client(**HTML).get(path)
    assert response.status_code == 404


def test_the_forms_need_the_csrf_token() -> None:
    secret = seed()
    client = browser()
    assert client.post(LIST, {"name": "Other", "value": VALUE}).status_code == 403
    assert client.post(f"{LIST}/{secret.uuid}", {"name": "Renamed"}).status_code == 403
    assert client.post(f"{LIST}/{secret.uuid}/delete").status_code == 403
    assert [s.name for s in WebhookSecret.objects.order_by("name")] == ["ChatPassword", "GithubToken"]


@override_settings(**READ_ONLY)
def test_the_read_only_user_sees_names_and_no_form() -> None:
    secret = seed()
    viewer = Client(**HTML, **auth("viewer", "look"))

    listed = viewer.get(LIST)

    assert listed.status_code == 200 and "GithubToken" in text(listed)
    page = listed.content.decode()
    assert 'method="post"' not in page and f"/ui/webhooks/secrets/{secret.uuid}" not in page
    assert "New secret" not in text(listed)
    for path in (f"{LIST}/{secret.uuid}", f"{LIST}/{secret.uuid}/delete"):
        response = viewer.get(path)
        assert response.status_code == 403 and "can read the names of secrets but not change them" in text(response)
    refused = viewer.post(LIST, {"name": "Other", "value": VALUE})
    assert refused.status_code == 403 and "needs write access" in text(refused)
    assert WebhookSecret.objects.count() == 2
    # The read-write user sees the forms.
    writer = Client(**HTML, **auth("admin", "secret")).get(LIST)
    assert "New secret" in text(writer) and "Edit or replace value" in text(writer)


def test_a_webhook_page_warns_of_secrets_that_do_not_exist_and_shows_references() -> None:
    secret_put(name="GithubToken", value=VALUE)
    webhook = Webhook.objects.create(
        uuid="pages-secret-hook-0001",
        events=["contract_published"],
        method="POST",
        url="https://ci.example.com/build",
        headers={"Authorization": "Bearer ${user.GithubToken}", "X-Team": "${user.TeamId}"},
        username="ci",
        password="${user.CiPassword}",
    )

    response = Client(**HTML).get(f"/ui/webhooks/{webhook.uuid}")

    shown = text(response)
    # (text() leaves a space where each <code> ended.)
    assert "This webhook uses ${user.CiPassword} , ${user.TeamId} , but no secret of those names exists" in shown
    assert "Authorization: Bearer ${user.GithubToken}" in shown
    assert "Password ${user.CiPassword}" in shown
    no_value_in(response)
    # The edit form keeps the references as typed, not masked.
    edit = Client(**HTML).get(f"/ui/webhooks/{webhook.uuid}/edit").content.decode()
    assert "Authorization: Bearer ${user.GithubToken}" in edit


def test_the_list_reads_one_query_and_follows_a_script_name(django_assert_max_num_queries) -> None:
    for n in range(12):
        secret_put(name=f"Token{n}", value=f"value-{n}-long")
    with django_assert_max_num_queries(1):
        assert Client(**HTML).get(LIST).status_code == 200
    page = Client(SCRIPT_NAME="/pact", **HTML).get(LIST).content.decode()
    assert 'action="/pact/ui/webhooks/secrets"' in page and 'href="/pact/secrets"' in page
