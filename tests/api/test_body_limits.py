"""Request bodies are capped: contracts at 10 MB (decoded: a publish carries them in Base64,
a third larger), 1 MB elsewhere; too big is a clear 413 that names the limit."""

from __future__ import annotations

import base64
import json

import pytest

from contracts.models import Contract, Pacticipant
from tests.builders import interaction, pact_document
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db


def publish_body(padding_bytes: int) -> str:
    pact = pact_document("Web", "API", interactions=[interaction(body={"blob": "x" * padding_bytes})])
    content = base64.b64encode(json.dumps(pact).encode()).decode()
    return json.dumps({
        "pacticipantName": "Web", "pacticipantVersionNumber": "1.0", "branch": "main",
        "contracts": [{"consumerName": "Web", "providerName": "API", "specification": "pact",
                       "contentType": "application/json", "content": content}],
    })  # fmt: skip


def test_a_publish_of_several_megabytes_is_accepted(api):
    body = publish_body(5 * 1024 * 1024)  # ~6.7 MB once base64-encoded

    response = api.post("/contracts/publish", body, content_type="application/json")

    assert response.status_code == 200, response.content[:500]
    assert Pacticipant.objects.filter(name="Web").exists()


def test_a_nine_megabyte_pact_publishes_though_its_base64_is_twelve(api):
    body = publish_body(9 * 1024 * 1024)  # the pact ~9 MB, the request ~12 MB

    assert len(body) > 12 * 1024 * 1024
    response = api.post("/contracts/publish", body, content_type="application/json")

    assert response.status_code == 200, response.content[:500]
    assert Contract.objects.get().document.count("x") >= 9 * 1024 * 1024


def test_a_contract_over_ten_megabytes_decoded_is_413_naming_the_limit_and_stores_nothing(api):
    body = publish_body(10 * 1024 * 1024)  # its Base64 (~13.4 MB) fits the request cap; the pact does not

    response = api.post("/contracts/publish", body, content_type="application/json")

    assert response.status_code == 413
    error = response.json()["error"]
    assert "once decoded, over the limit of 10485760 bytes per contract (ACCORD_PUBLISH_MAX_BYTES)" in error
    assert "provider 'API'" in error
    assert not Pacticipant.objects.exists()


def test_a_twelve_megabyte_pact_is_413_before_its_body_is_read(api):
    body = publish_body(12 * 1024 * 1024)  # the request ~16 MB

    response = api.post("/contracts/publish", body, content_type="application/json")

    assert response.status_code == 413
    error = response.json()["error"]
    assert "exceeds the limit of" in error and "contracts may be up to 10485760 bytes" in error
    assert not Pacticipant.objects.exists()


def test_a_pact_put_over_ten_megabytes_is_413(api):
    pact = pact_document("Web", "API", interactions=[interaction(body={"blob": "x" * (10 * 1024 * 1024)})])

    response = api.put(
        "/pacts/provider/API/consumer/Web/version/1.0", json.dumps(pact), content_type="application/json"
    )

    assert response.status_code == 413
    assert "exceeds the limit of 10485760 bytes" in response.json()["error"]
    assert not Pacticipant.objects.exists()


def test_other_endpoints_are_capped_at_one_megabyte(api):
    body = json.dumps(
        {
            "events": [{"name": "contract_published"}],
            "description": "x" * (1024 * 1024),
            "request": {"method": "POST", "url": "https://ci.example/hook"},
        }
    )

    response = api.post("/webhooks", body, content_type="application/json")

    assert response.status_code == 413
    assert not Webhook.objects.exists()
