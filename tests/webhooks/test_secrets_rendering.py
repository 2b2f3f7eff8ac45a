"""`${user.NAME}` in webhook templates (pure functions, no database)."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace

import pytest

from verifier.http import MASK, redact_text
from webhooks.rendering import SecretsMissing, is_only_parameters, redact_headers, request_render, secret_names

CONTEXT = {"consumerName": "Web App", "pactUrl": "https://broker.example/pacts/1"}
SECRETS = {"Token": "tok-VALUE/with+plus&amp", "CiUser": "ci-bot", "CiPassword": 'pa"ss-wörd'}


def webhook(**fields) -> SimpleNamespace:
    defaults = {
        "method": "POST",
        "url": "https://ci.example/build",
        "headers": {},
        "body": None,
        "body_is_json": False,
        "username": None,
        "password": None,
    }
    return SimpleNamespace(**{**defaults, **fields})


def test_secrets_fill_url_headers_body_and_basic_auth():
    hook = webhook(
        url="https://ci.example/build?token=${user.Token}&for=${pactbroker.consumerName}",
        headers={"X-Ci-Token": "${user.Token}", "Content-Type": "application/json"},
        body=json.dumps({"token": "${user.Token}", "${user.CiUser}": "${pactbroker.pactUrl}"}),
        body_is_json=True,
        username="${user.CiUser}",
        password="${user.CiPassword}",
    )

    rendered = request_render(hook, CONTEXT, SECRETS)

    # In a URL, form-escaped like the event's values.
    assert rendered.url == "https://ci.example/build?token=tok-VALUE%2Fwith%2Bplus%26amp&for=Web+App"
    assert rendered.headers["X-Ci-Token"] == SECRETS["Token"]
    assert json.loads(rendered.body) == {"token": SECRETS["Token"], "ci-bot": CONTEXT["pactUrl"]}
    basic = base64.b64decode(rendered.headers["Authorization"].removeprefix("Basic ")).decode()
    assert basic == f"ci-bot:{SECRETS['CiPassword']}"


def test_every_form_a_used_secret_takes_is_to_be_redacted():
    hook = webhook(
        url="https://ci.example/build?t=${user.Token}",
        body=json.dumps({"p": "${user.CiPassword}"}),
        body_is_json=True,
    )

    rendered = request_render(hook, CONTEXT, SECRETS)

    # The URL carries the form-escaped value, the JSON body the escaped one ("\"", "\u00f6").
    shown = redact_text(f"{rendered.url}\n{rendered.body}", rendered.secrets)
    assert "tok-VALUE" not in shown and "ss-w" not in shown, shown
    assert shown.count(MASK) == 2
    # Unused secrets are not loaded into the list (nothing of them is in the request).
    assert "ci-bot" not in rendered.secrets


def test_shown_masks_secrets_in_every_part():
    hook = webhook(
        url="https://ci.example/${user.Token}/build",
        headers={"X-Plain": "id ${user.CiUser}"},
        body="user=${user.CiUser}",
    )

    shown = request_render(hook, CONTEXT, SECRETS).shown()

    assert shown == {
        "method": "POST",
        "url": f"https://ci.example/{MASK}/build",
        "headers": {"X-Plain": f"id {MASK}"},
        "body": f"user={MASK}",
    }


def test_a_missing_secret_stops_the_render_naming_it():
    hook = webhook(headers={"Authorization": "Bearer ${user.Nope}"}, body="${user.AlsoNope} ${user.Token}")

    with pytest.raises(SecretsMissing) as missing:
        request_render(hook, CONTEXT, SECRETS)

    assert missing.value.names == ["AlsoNope", "Nope"]
    assert "${user.AlsoNope}, ${user.Nope}" in str(missing.value) and "POST /secrets" in str(missing.value)
    assert SECRETS["Token"] not in str(missing.value)
    # Partial: to show what could not be sent; the missing references stay as written.
    partial = request_render(hook, CONTEXT, SECRETS, partial=True)
    assert partial.headers["Authorization"] == "Bearer ${user.Nope}"
    assert partial.body == f"${{user.AlsoNope}} {SECRETS['Token']}"
    assert SECRETS["Token"] in partial.secrets


def test_an_event_value_that_looks_like_a_reference_is_never_expanded():
    # A branch or pacticipant name is anyone's to choose: it must not pull a secret in.
    hook = webhook(body="consumer: ${pactbroker.consumerName}")

    rendered = request_render(hook, {"consumerName": "${user.Token}"}, SECRETS)

    assert rendered.body == "consumer: ${user.Token}"
    assert SECRETS["Token"] not in rendered.body


def test_without_secrets_references_stay_as_written_for_plain_template_rendering():
    from webhooks.rendering import render_template

    assert render_template("${user.Token} ${pactbroker.consumerName}", CONTEXT) == "${user.Token} Web App"


def test_secret_names_finds_every_reference():
    hook = webhook(
        url="https://ci.example/?t=${user.A}",
        headers={"X-B": "${user.B}"},
        body="${user.C} ${pactbroker.consumerName}",
        username="${user.D}",
        password="${user.E}",
    )
    assert secret_names(hook) == {"A", "B", "C", "D", "E"}
    assert secret_names(webhook()) == set()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("${user.Token}", True),
        ("Bearer ${user.Token}", True),
        ("token ${user.Token}", True),
        ("Basic ${user.Token}", True),
        ("${pactbroker.consumerName}", True),
        ("Bearer s3cret ${user.Token}", False),
        ("s3cret ${user.Token}", False),
        ("Bearer", False),
        ("${user.Token} Bearer", False),
        ("Bearer s3cret", False),
    ],
)
def test_a_header_made_only_of_references_is_shown_as_written(value, shown):
    assert is_only_parameters(value) is shown
    assert (redact_headers({"Authorization": value})["Authorization"] == value) is shown
