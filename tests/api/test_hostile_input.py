"""No input makes Accord answer 500: every route, every method, hostile bodies and names.

Walks the URL configuration, fills each route's name segments with real and odd values,
and sends each write method bodies a client should never send. Any 5xx is a bug.
"""

from __future__ import annotations

import json

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from tests.builders import pact_json

pytestmark = pytest.mark.django_db

BODIES = [
    "",
    "null",
    "[]",
    '"a string"',
    "12345678901234567890123456789",
    "{not json",
    '{"a": NaN}',
    "[" * 300 + "]" * 300,
    json.dumps({"name": "x\u0000y", "number": "\u0000", "branch": "\u0000"}),
    json.dumps({"consumerVersionSelectors": [{"mainBranch": "yes"}, None, 7], "includeWipPactsSince": "yesterday"}),
    json.dumps({"success": "true", "providerApplicationVersion": ["2.0"], "testResults": {"\u0000": 1}}),
    json.dumps({"contracts": [{"content": "!!!"}], "pacticipantName": {"x": 1}, "pacticipantVersionNumber": 1}),
    json.dumps({"events": "all", "request": {"method": 7, "url": "http://[::1"}, "consumer": {"name": None}}),
    json.dumps({"currentlyDeployed": "false", "currentlySupported": None, "production": "yes", "name": ""}),
    json.dumps({"provider": "Web", "providerVersion": "\n", "baseUrl": "http://x" + "y" * 3000}),
    json.dumps({"a": 1e308, "b": -(2**70)}),
]
# Odd values for every segment at once (the real values come from the data fixture).
ODD_SEGMENTS = ["feat%2Fx", "%00%FF", "a" * 300]
# Every body as JSON; the other content types with one body each.
CONTENT_TYPES = ["application/merge-patch+json", "text/plain"]


def _routes(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, list[str]]]:
    """(path template with {names}, the names) for every route."""
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes += _routes(entry, prefix + pattern)
        elif isinstance(entry, URLPattern):
            template = prefix + pattern
            names = list(entry.pattern.converters)
            for name in names:
                template = template.replace(f"<seg:{name}>", "{" + name + "}")
            routes.append(("/" + template, names))
    return routes


@pytest.fixture
def real_values(td) -> dict[str, str]:
    """Segment values that exist, so hostile bodies get past the 404s to the code behind."""
    from contracts.models import Environment, Label, Pacticipant, Verification
    from webhooks.models import TriggeredWebhook, Webhook, WebhookSecret

    td.publish("Web", "1.0", provider="API", branch="main", tags=["prod"]).verify("2.0")
    td.deploy("API", "2.0", to="production")
    Label.objects.create(pacticipant=Pacticipant.objects.get(name="Web"), name="team")
    Webhook.objects.create(uuid="hostile-input-hook-01", events=["contract_published"], method="POST",
                           url="https://ci.example/hook")  # fmt: skip
    secret = WebhookSecret.objects.create(name="HostileInputToken", value="hostile-input-value")
    verification = Verification.objects.get()
    account, token = access_values()
    return {
        "provider": "API", "consumer": "Web", "pacticipant": "Web", "name": "Web", "version": "1.0",
        "branch": "main", "tag": "prod", "to_tag": "prod", "provider_tag": "prod", "consumer_tag": "prod",
        "label": "team", "environment": "production", "sha": verification.contract.sha,
        "number": str(verification.id), "metadata": "e30", "uuid": str(Environment.objects.get().uuid),
        "webhook_uuid": "hostile-input-hook-01", "triggered": str(getattr(TriggeredWebhook.objects.first(), "uuid", "")),
        "secret_uuid": str(secret.uuid),
        "account": account, "team": "platform", "token": token,
    }  # fmt: skip


def access_values() -> tuple[str, str]:
    """An account in a team that owns Web, with a token; production restricted to the team."""
    from access.models import Account, ApplicationOwner, EnvironmentRestriction, Membership, Team
    from access.services.tokens import token_create
    from contracts.models import Environment, Pacticipant

    account = Account.objects.create(name="ci", kind="system")
    team = Team.objects.create(name="platform")
    Membership.objects.create(account=account, team=team)
    ApplicationOwner.objects.create(pacticipant=Pacticipant.objects.get(name="Web"), team=team)
    EnvironmentRestriction.objects.create(environment=Environment.objects.get(name="production")).teams.add(team)
    token, _ = token_create(account=account, name="ci", scopes=["write"], allow_open=True)
    return account.name, token.prefix


def _paths(template: str, names: list[str], real: dict[str, str]) -> list[str]:
    real_path = template
    for name in names:
        value = real.get(name, "Web")
        if name == "uuid" and template.startswith("/webhooks"):
            value = real["webhook_uuid"]
        if name == "uuid" and template.startswith("/secrets"):
            value = real["secret_uuid"]
        real_path = real_path.replace("{" + name + "}", value)
    paths = [real_path]
    for odd in ODD_SEGMENTS if names else []:
        filled = template
        for name in names:
            filled = filled.replace("{" + name + "}", odd)
        paths.append(filled)
    return paths


ROUTES = _routes()


@pytest.mark.parametrize(("template", "names"), ROUTES, ids=[template for template, _ in ROUTES])
def test_no_input_gets_a_server_error(api, real_values, template, names):
    failures = []
    for path in _paths(template, names, real_values):
        for method in ("get", "delete"):
            response = getattr(api, method)(path)
            if response.status_code >= 500:
                failures.append(f"{method.upper()} {path}: {response.status_code} {response.content[:200]!r}")
        for method in ("post", "put", "patch"):
            attempts = [(body, "application/json") for body in BODIES]
            attempts += [(BODIES[-2], content_type) for content_type in CONTENT_TYPES]
            for body, content_type in attempts:
                response = getattr(api, method)(path, body, content_type=content_type)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {path} [{content_type}] {body[:60]!r}: "
                                    f"{response.status_code} {response.content[:200]!r}")  # fmt: skip
    assert not failures, "\n".join(failures[:20])


def test_a_valid_publish_still_works_after_all_that(api):
    import base64

    content = base64.b64encode(pact_json("Web", "API").encode()).decode()
    body = {"pacticipantName": "Web", "pacticipantVersionNumber": "9.9", "contracts": [
        {"consumerName": "Web", "providerName": "API", "specification": "pact", "contentType": "application/json",
         "content": content}]}  # fmt: skip
    assert api.post("/contracts/publish", body).status_code == 200
