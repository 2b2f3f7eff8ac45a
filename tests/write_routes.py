"""Every route that changes data, API and UI, with a valid request for it and the one
`access.write` it must announce (contracts/access.py): action, applications, environment.

`CASES` is the table; `write_routes()` walks the URL resolver for the routes that take a
write, so a new route without a case fails the tests that use this table
(tests/test_write_routes.py: the announced write; tests/audit/test_audit_walk.py: the
audit row with its actor).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from tests.builders import drift_incident, pact_json, publish_body
from tests.ui import webhooks_scene

# POSTs that read (pacts-for-verification: a query with a body, as the Pact Broker has it).
READS = {("pacts-for-verification", "POST")}
# UI posts that change no broker data: signing in and out (a session, not the broker's data).
UI_NOT_WRITES = {"ui-login", "ui-logout"}
WEBHOOK = {"events": [{"name": "contract_published"}], "request": {"method": "POST", "url": "https://ci.example/h"}}
UI_WEBHOOK = {"description": "Notify the deploy bot", "events": ["contract_published"], "method": "POST",
              "url": "https://deploy.example.com/hook", "enabled": "on"}  # fmt: skip


@dataclass(frozen=True)
class Scene:
    """What the cases write to: a pact Web 1.0 → API (branch main, tag prod) verified by API
    2.0, which is deployed and released to production; a label, a webhook, a live target, a
    verification target and an open drift incident."""

    sha: str
    verification: int
    environment: str  # uuid
    deployed: str  # uuid
    released: str  # uuid
    webhook: str  # uuid
    incident: str  # uuid
    token: str  # the id (public prefix) of account ci's token
    secret: str  # uuid of the webhook secret DEPLOY_KEY


def build_scene(td, receiver_url: str) -> Scene:
    from contracts.models import DeployedVersion, Label, Pacticipant, ReleasedVersion, Verification
    from verifier.services.targets import verification_target_put
    from webhooks.services.secrets import secret_put

    td.publish("Web", "1.0", provider="API", branch="main", tags=["prod"]).verify("2.0")
    td.deploy("API", "2.0", to="production").release("API", "2.0", to="production")
    api = Pacticipant.objects.get(name="API")
    Label.objects.create(pacticipant=Pacticipant.objects.get(name="Web"), name="team")
    # With every kind of secret (tests/ui/webhooks_scene.py), sending to the test's receiver.
    hook = webhooks_scene.ci_webhook(consumer="Web", provider="API", url=f"{receiver_url}/build")
    incident = drift_incident("Web", "API", "production")  # with API's live target in production
    verification_target_put(provider=api, name="review", base_url="https://api.example")
    verification = Verification.objects.get()
    token = _access_scene()
    secret = secret_put(name="DEPLOY_KEY", value="deploy-key-value-5150")
    return Scene(
        sha=verification.contract.sha,
        verification=verification.id,
        environment=str(td.environment("production").uuid),
        deployed=str(DeployedVersion.objects.get().uuid),
        released=str(ReleasedVersion.objects.get().uuid),
        webhook=hook.uuid,
        incident=str(incident.uuid),
        token=token,
        secret=str(secret.uuid),
    )


def _access_scene() -> str:
    """Account ci (with a token) in team platform, which owns API and may deploy to the
    restricted production: the token's id."""
    from access.models import Account, ApplicationOwner, EnvironmentRestriction, Membership, Team
    from access.services.tokens import token_create
    from contracts.models import Environment, Pacticipant

    account = Account.objects.create(name="ci", kind="system")
    team = Team.objects.create(name="platform")
    Membership.objects.create(account=account, team=team)
    ApplicationOwner.objects.create(pacticipant=Pacticipant.objects.get(name="API"), team=team)
    EnvironmentRestriction.objects.create(environment=Environment.objects.get(name="production")).teams.add(team)
    token, _ = token_create(account=account, name="ci", scopes=["write"], allow_open=True)
    return token.prefix


@dataclass(frozen=True)
class Case:
    """One write route and method: the request (from the scene) and the write it announces."""

    route: str
    method: str
    request: Callable[[Scene], tuple[str, Any]]  # (path, body: JSON for the API, form data for the UI)
    action: str
    applications: tuple[str, ...] = ()
    environment: str | None = None
    admin: bool = False
    variant: str = ""

    @property
    def ui(self) -> bool:
        return self.route.startswith("ui-")

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}" + (f" ({self.variant})" if self.variant else "")


PAIR = "/pacts/provider/API/consumer/Web"
PACT_ROUTES = {
    "pact": "/pacts/provider/API/consumer/Web/version",
    "pact-deprecated-versions": "/pacts/provider/API/consumer/Web/versions",
    "pact-deprecated-singular": "/pact/provider/API/consumer/Web/version",
    "pact-deprecated-singular-versions": "/pact/provider/API/consumer/Web/versions",
}


def _pact_cases() -> list[Case]:
    cases = []
    for route, prefix in PACT_ROUTES.items():
        cases += [
            Case(route, "PUT", lambda s, p=prefix: (f"{p}/1.1", pact_json("Web", "API")), "pact.publish", ("Web",)),
            Case(route, "PATCH", lambda s, p=prefix: (f"{p}/1.0", pact_json("Web", "API")), "pact.publish", ("Web",)),
            Case(route, "DELETE", lambda s, p=prefix: (f"{p}/1.0", None), "pact.delete", ("Web",)),
        ]
    return cases


def _verification_result(s: Scene, metadata: str = "") -> str:
    return f"{PAIR}/pact-version/{s.sha}" + (f"/metadata/{metadata}" if metadata else "") + "/verification-results"


LIVE_TARGET = "/pacticipants/API/live-targets/production"
UI_TARGET = "/ui/drift/targets/API/production"

CASES: list[Case] = [
    # contracts: publishing and verification results
    Case(
        "contracts-publish",
        "POST",
        lambda s: ("/contracts/publish", publish_body("Web", "1.2", provider="API", branch="feat/x", tags=["dev"])),
        "pact.publish",
        ("Web",),
    ),
    *_pact_cases(),
    Case(
        "verification-results",
        "POST",
        lambda s: (_verification_result(s), {"success": True, "providerApplicationVersion": "2.1"}),
        "verification.publish",
        ("API",),
    ),
    Case(
        "verification-results-metadata",
        "POST",
        lambda s: (_verification_result(s, "e30"), {"success": False, "providerApplicationVersion": "2.1"}),
        "verification.publish",
        ("API",),
    ),
    Case(
        "verification-result",
        "DELETE",
        lambda s: (f"{_verification_result(s)}/{s.verification}", None),
        "verification.delete",
        ("API",),
    ),
    Case(
        "verification-result-metadata",
        "DELETE",
        lambda s: (f"{_verification_result(s, 'e30')}/{s.verification}", None),
        "verification.delete",
        ("API",),
    ),
    # contracts: pacticipants, labels, versions, branches, tags
    Case("pacticipants", "POST", lambda s: ("/pacticipants", {"name": "Mobile"}), "pacticipant.create", ("Mobile",)),
    Case(
        "pacticipant",
        "PUT",
        lambda s: ("/pacticipants/Web", {"displayName": "Web shop"}),
        "pacticipant.update",
        ("Web",),
    ),
    Case(
        "pacticipant", "PATCH", lambda s: ("/pacticipants/Web", {"mainBranch": "main"}), "pacticipant.update", ("Web",)
    ),
    Case("pacticipant", "DELETE", lambda s: ("/pacticipants/Web", None), "pacticipant.delete", ("Web",)),
    Case("pacticipant-label", "PUT", lambda s: ("/pacticipants/Web/labels/checkout", {}), "label.add", ("Web",)),
    Case("pacticipant-label", "DELETE", lambda s: ("/pacticipants/Web/labels/team", None), "label.remove", ("Web",)),
    Case("version", "PUT", lambda s: ("/pacticipants/Web/versions/1.3", {}), "version.create", ("Web",)),
    Case(
        "version",
        "PATCH",
        lambda s: ("/pacticipants/Web/versions/1.0", {"buildUrl": "https://ci.example/1"}),
        "version.update",
        ("Web",),
    ),
    Case("version", "DELETE", lambda s: ("/pacticipants/Web/versions/1.0", None), "version.delete", ("Web",)),
    Case("version-tag", "PUT", lambda s: ("/pacticipants/Web/versions/1.0/tags/qa", {}), "tag.add", ("Web",)),
    # A tag named like an environment also records a deployment there: the write names it.
    Case(
        "version-tag",
        "PUT",
        lambda s: ("/pacticipants/API/versions/2.0/tags/production", {}),
        "tag.add",
        ("API",),
        environment="production",
        variant="named like an environment",
    ),
    Case("version-tag", "DELETE", lambda s: ("/pacticipants/Web/versions/1.0/tags/prod", None), "tag.delete", ("Web",)),
    Case("branches", "DELETE", lambda s: ("/pacticipants/Web/branches", None), "branches.delete", ("Web",)),
    Case("branch", "DELETE", lambda s: ("/pacticipants/Web/branches/main", None), "branch.delete", ("Web",)),
    Case(
        "branch-version",
        "PUT",
        lambda s: ("/pacticipants/Web/branches/feat%2Fy/versions/1.0", {}),
        "branch_version.add",
        ("Web",),
    ),
    Case(
        "branch-version",
        "DELETE",
        lambda s: ("/pacticipants/Web/branches/main/versions/1.0", None),
        "branch_version.remove",
        ("Web",),
    ),
    # contracts: environments, deployments, releases
    Case(
        "environments",
        "POST",
        lambda s: ("/environments", {"name": "staging", "production": False}),
        "environment.create",
        admin=True,
    ),
    Case(
        "environment",
        "PUT",
        lambda s: (
            f"/environments/{s.environment}",
            {"name": "production", "production": True, "displayName": "Production"},
        ),
        "environment.update",
        admin=True,
    ),
    Case("environment", "DELETE", lambda s: (f"/environments/{s.environment}", None), "environment.delete", admin=True),
    Case(
        "version-deployed-versions",
        "POST",
        lambda s: (f"/pacticipants/Web/versions/1.0/deployed-versions/environment/{s.environment}", {}),
        "deployment.record",
        ("Web",),
        environment="production",
    ),
    Case(
        "version-released-versions",
        "POST",
        lambda s: (f"/pacticipants/Web/versions/1.0/released-versions/environment/{s.environment}", {}),
        "release.record",
        ("Web",),
        environment="production",
    ),
    Case(
        "deployed-version",
        "PATCH",
        lambda s: (f"/deployed-versions/{s.deployed}", {"currentlyDeployed": False}),
        "deployment.end",
        ("API",),
        environment="production",
    ),
    Case(
        "released-version",
        "PATCH",
        lambda s: (f"/released-versions/{s.released}", {"currentlySupported": False}),
        "release.end_support",
        ("API",),
        environment="production",
    ),
    # contracts: integrations
    Case(
        "integration",
        "DELETE",
        lambda s: ("/integrations/provider/API/consumer/Web", None),
        "integration.delete",
        ("Web", "API"),
    ),
    Case("integrations", "DELETE", lambda s: ("/integrations", None), "integrations.delete_all", admin=True),
    # webhooks
    Case("webhooks", "POST", lambda s: ("/webhooks", WEBHOOK), "webhook.create", admin=True),
    Case(
        "webhooks-provider-consumer",
        "POST",
        lambda s: ("/webhooks/provider/API/consumer/Web", WEBHOOK),
        "webhook.create",
        admin=True,
    ),
    Case("webhooks-provider", "POST", lambda s: ("/webhooks/provider/API", WEBHOOK), "webhook.create", admin=True),
    Case("webhooks-consumer", "POST", lambda s: ("/webhooks/consumer/Web", WEBHOOK), "webhook.create", admin=True),
    Case("pact-webhooks", "POST", lambda s: (f"{PAIR}/webhooks", WEBHOOK), "webhook.create", admin=True),
    Case("webhook", "PUT", lambda s: (f"/webhooks/{s.webhook}", WEBHOOK), "webhook.update", admin=True),
    Case("webhook", "DELETE", lambda s: (f"/webhooks/{s.webhook}", None), "webhook.delete", admin=True),
    Case(
        "secrets",
        "POST",
        lambda s: ("/secrets", {"name": "CI_TOKEN", "value": "ci-token-value-1"}),
        "secret.put",
        admin=True,
    ),  # fmt: skip
    Case(
        "secret",
        "PUT",
        lambda s: (f"/secrets/{s.secret}", {"name": "DEPLOY_KEY", "value": "rotated-value-2"}),
        "secret.put",
        admin=True,
    ),  # fmt: skip
    Case("secret", "DELETE", lambda s: (f"/secrets/{s.secret}", None), "secret.delete", admin=True),
    Case("webhook-execute", "POST", lambda s: (f"/webhooks/{s.webhook}/execute", {}), "webhook.execute", admin=True),
    # verifier
    Case(
        "verification-runs",
        "POST",
        lambda s: (
            "/verification-runs",
            {"provider": "API", "providerVersion": "2.1", "baseUrl": "https://api.example"},
        ),
        "verification_run.create",
        ("API",),
    ),
    Case(
        "verification-target",
        "PUT",
        lambda s: ("/pacticipants/API/verification-targets/ci", {"baseUrl": "https://ci-api.example"}),
        "verification_target.put",
        ("API",),
    ),
    Case(
        "verification-target",
        "DELETE",
        lambda s: ("/pacticipants/API/verification-targets/review", None),
        "verification_target.delete",
        ("API",),
    ),
    # drift
    Case(
        "live-target",
        "PUT",
        lambda s: (LIVE_TARGET, {"baseUrl": "https://api-live.example"}),
        "live_target.put",
        ("API",),
        environment="production",
    ),
    Case(
        "live-target", "DELETE", lambda s: (LIVE_TARGET, None), "live_target.delete", ("API",), environment="production"
    ),
    Case(
        "live-target-runs",
        "POST",
        lambda s: (f"{LIVE_TARGET}/runs", {}),
        "live_run.request",
        ("API",),
        environment="production",
    ),
    Case(
        "drift-incident-acknowledge",
        "POST",
        lambda s: (f"/drift-incidents/{s.incident}/acknowledge", {"note": "Rolling back", "by": "Ana"}),
        "drift_incident.acknowledge",
        ("API",),
    ),  # fmt: skip
    # access control (admins)
    Case(
        "access-accounts",
        "POST",
        lambda s: ("/admin/accounts", {"name": "ana", "kind": "user"}),
        "account.create",
        admin=True,
    ),  # fmt: skip
    Case(
        "access-account", "PATCH", lambda s: ("/admin/accounts/ci", {"displayName": "CI"}), "account.update", admin=True
    ),  # fmt: skip
    Case(
        "access-account-tokens",
        "POST",
        lambda s: ("/admin/accounts/ci/tokens", {"name": "deploy", "scopes": ["write"]}),
        "token.create",
        admin=True,
    ),  # fmt: skip
    Case(
        "access-account-token",
        "DELETE",
        lambda s: (f"/admin/accounts/ci/tokens/{s.token}", None),
        "token.revoke",
        admin=True,
    ),  # fmt: skip
    Case("access-teams", "POST", lambda s: ("/admin/teams", {"name": "orders"}), "team.create", admin=True),
    Case("access-team", "DELETE", lambda s: ("/admin/teams/platform", None), "team.delete", admin=True),
    Case(
        "access-team-member", "PUT", lambda s: ("/admin/teams/platform/members/ci", {}), "team.member_add", admin=True
    ),  # fmt: skip
    Case(
        "access-team-member",
        "DELETE",
        lambda s: ("/admin/teams/platform/members/ci", None),
        "team.member_remove",
        admin=True,
    ),  # fmt: skip
    Case(
        "access-team-application",
        "PUT",
        lambda s: ("/admin/teams/platform/applications/Web", {}),
        "team.application_add",
        admin=True,
    ),  # fmt: skip
    Case(
        "access-team-application",
        "DELETE",
        lambda s: ("/admin/teams/platform/applications/API", None),
        "team.application_remove",
        admin=True,
    ),  # fmt: skip
    Case(
        "access-restriction",
        "PUT",
        lambda s: ("/admin/restrictions/production", {"teams": ["platform"]}),
        "environment_restriction.put",
        admin=True,
    ),  # fmt: skip
    Case(
        "access-restriction",
        "DELETE",
        lambda s: ("/admin/restrictions/production", None),
        "environment_restriction.delete",
        admin=True,
    ),  # fmt: skip
    # the web UI's forms
    Case("ui-webhook-new", "POST", lambda s: ("/ui/webhooks/new", UI_WEBHOOK), "webhook.create", admin=True),
    Case(
        "ui-webhook-edit",
        "POST",
        lambda s: (f"/ui/webhooks/{s.webhook}/edit", {**UI_WEBHOOK, "description": "Edited"}),
        "webhook.update",
        admin=True,
    ),
    Case(
        "ui-webhook-enabled",
        "POST",
        lambda s: (f"/ui/webhooks/{s.webhook}/enabled", {"enabled": "false"}),
        "webhook.update",
        admin=True,
    ),
    Case("ui-webhook-test", "POST", lambda s: (f"/ui/webhooks/{s.webhook}/test", {}), "webhook.execute", admin=True),
    Case("ui-webhook-delete", "POST", lambda s: (f"/ui/webhooks/{s.webhook}/delete", {}), "webhook.delete", admin=True),
    Case(
        "ui-webhook-secrets",
        "POST",
        lambda s: ("/ui/webhooks/secrets", {"name": "CI_TOKEN", "value": "ci-token-value-1"}),
        "secret.put",
        admin=True,
    ),  # fmt: skip
    Case(
        "ui-webhook-secret-edit",
        "POST",
        lambda s: (f"/ui/webhooks/secrets/{s.secret}", {"name": "DEPLOY_KEY", "value": "rotated-value-2"}),
        "secret.put",
        admin=True,
    ),  # fmt: skip
    Case(
        "ui-webhook-secret-delete",
        "POST",
        lambda s: (f"/ui/webhooks/secrets/{s.secret}/delete", {}),
        "secret.delete",
        admin=True,
    ),  # fmt: skip
    Case(
        "ui-drift-incident",
        "POST",
        lambda s: (f"/ui/drift/incidents/{s.incident}", {"note": "Rolling back"}),
        "drift_incident.acknowledge",
        ("API",),
    ),
    Case(
        "ui-drift-target-run",
        "POST",
        lambda s: (f"{UI_TARGET}/run", {}),
        "live_run.request",
        ("API",),
        environment="production",
    ),
    Case(
        "ui-drift-target-pause",
        "POST",
        lambda s: (f"{UI_TARGET}/pause", {"paused": "1"}),
        "live_target.put",
        ("API",),
        environment="production",
    ),  # fmt: skip
    Case(
        "ui-access-accounts",
        "POST",
        lambda s: ("/ui/access/accounts", {"name": "ana", "kind": "user"}),
        "account.create",
        admin=True,
    ),  # fmt: skip
    Case("ui-access-teams", "POST", lambda s: ("/ui/access/teams", {"name": "orders"}), "team.create", admin=True),
    Case(
        "ui-access-token-new",
        "POST",
        lambda s: ("/ui/access/accounts/ci/tokens", {"name": "walk", "scope": "read", "expires": "30"}),
        "token.create",
        admin=True,
    ),  # fmt: skip
    Case(
        "ui-access-token-revoke",
        "POST",
        lambda s: (f"/ui/access/accounts/ci/tokens/{s.token}/revoke", {}),
        "token.revoke",
        admin=True,
    ),  # fmt: skip
    Case(
        "ui-access-account-active",
        "POST",
        lambda s: ("/ui/access/accounts/ci/active", {"active": "false"}),
        "account.update",
        admin=True,
    ),  # fmt: skip
    Case(
        "ui-access-team-members",
        "POST",
        lambda s: ("/ui/access/teams/platform/members", {"account": "ci", "remove": "on"}),
        "team.member_remove",
        admin=True,
    ),  # fmt: skip
    Case(
        "ui-access-team-applications",
        "POST",
        lambda s: ("/ui/access/teams/platform/applications", {"application": "Web"}),
        "team.application_add",
        admin=True,
    ),  # fmt: skip
    Case(
        "ui-access-environment",
        "POST",
        lambda s: ("/ui/access/environments/production", {"teams": ["platform"]}),
        "environment_restriction.put",
        admin=True,
    ),  # fmt: skip
]


def _walk(patterns: list, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry))
    return found


def _api_entries() -> list[tuple[str, URLPattern]]:
    # The UI's routes are below; the test-only provider-states endpoint is not Accord's.
    return [(template, entry) for template, entry in _walk(get_resolver().url_patterns)
            if not template.startswith("ui/") and not entry.callback.__module__.startswith("tests.")]  # fmt: skip


def api_routes() -> set[tuple[str, str]]:
    """The API's (route name, method) pairs that take a write, from each view class's methods."""
    writes = set()
    for _, entry in _api_entries():
        view = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
        for method in ("post", "put", "patch", "delete"):
            if view is not None and hasattr(view, method):
                writes.add((entry.name, method.upper()))
    return writes - READS


def api_function_routes() -> dict[str, str]:
    """Route name → path template of the API's routes served by plain functions (no view
    class to ask which methods they take: tests send them writes instead)."""
    return {entry.name: "/" + template for template, entry in _api_entries()
            if getattr(entry.callback, "view_class", None) is None and getattr(entry.callback, "cls", None) is None}  # fmt: skip


def ui_routes() -> dict[str, str]:
    """Route name → path template of every route under /ui/."""
    return {entry.name: "/" + template for template, entry in _walk(get_resolver().url_patterns)
            if template.startswith("ui/")}  # fmt: skip


def send(client, case: Case, scene: Scene, **extra: Any):
    """Make the case's request with `client` (an ApiClient for the API, a browser Client for the UI)."""
    path, body = case.request(scene)
    if case.ui:
        return client.post(path, body, **extra)
    # The Rust CLI sends PATCH as a JSON merge patch, which every PATCH route takes.
    content_type = "application/merge-patch+json" if case.method == "PATCH" else "application/json"
    text = body if isinstance(body, str) else "" if body is None else json.dumps(body)
    return client.generic(case.method, path, text, content_type=content_type, **extra)


def basic(username: str, password: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}
