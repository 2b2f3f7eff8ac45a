"""Request bodies are capped: 10 MB for publishing, 1 MB elsewhere; too big is a clear 413."""

from __future__ import annotations

import base64
import json

import pytest

from contracts.models import Pacticipant
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


def test_a_publish_over_ten_megabytes_is_413_and_stores_nothing(api):
    body = publish_body(8 * 1024 * 1024)  # ~10.7 MB once base64-encoded

    response = api.post("/contracts/publish", body, content_type="application/json")

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
