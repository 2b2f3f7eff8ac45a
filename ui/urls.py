"""The UI's pages other than the home, all under /ui/ so they never meet an API path.

The home is `/` itself, negotiated with the HAL index (broker/urls.py, ui.views.html_or).
Each page added here gets one line in ui/nav.py when it belongs in the header. Each group
of pages adds its own block of routes (`urlpatterns += [...]`).
"""

from django.urls import path, register_converter

from contracts.api.converters import Segment
from ui import (
    access_views,
    applications_views,
    audit_views,
    contracts_views,
    drift_views,
    matrix_views,
    network_views,
    secrets_views,
    webhooks_views,
)


class PageSegment(Segment):
    """A path segment of a UI page. A NUL can name nothing PostgreSQL stores, so a segment
    holding one matches no page (a 404) rather than reaching a query that would fail."""

    def to_python(self, value: str) -> str:
        decoded = super().to_python(value)
        if "\x00" in decoded:
            raise ValueError("a NUL names nothing")
        return decoded


register_converter(PageSegment, "page")

urlpatterns: list = []

# contracts pages: a pact, the diff of two of its versions, verification results and runs.
_PAIR = "pacts/provider/<page:provider>/consumer/<page:consumer>"
urlpatterns += [
    path(_PAIR + "/version/<page:version>", contracts_views.contract, name="ui-contract"),
    path(_PAIR + "/version/<page:version>/raw", contracts_views.contract_raw, name="ui-contract-raw"),
    path(_PAIR + "/latest", contracts_views.contract, name="ui-contract-latest"),
    path(_PAIR + "/compare", contracts_views.compare, name="ui-contract-compare"),
    path("verification-results/<page:number>", contracts_views.verification_result, name="ui-verification-result"),
    path("verification-runs/<page:uuid>", contracts_views.verification_run, name="ui-verification-run"),
]

# Drift and environments (ui/drift_views.py).
_TARGET = "drift/targets/<page:provider>/<page:environment>"
urlpatterns += [
    path("drift", drift_views.drift_overview, name="ui-drift"),
    path("drift/incidents/<page:uuid>", drift_views.drift_incident, name="ui-drift-incident"),
    path(_TARGET, drift_views.drift_target, name="ui-drift-target"),
    path(_TARGET + "/run", drift_views.drift_target_run, name="ui-drift-target-run"),
    path(_TARGET + "/pause", drift_views.drift_target_pause, name="ui-drift-target-pause"),
    path("drift/runs/<page:uuid>", drift_views.drift_run, name="ui-drift-run"),
    path("environments", drift_views.environments, name="ui-environments"),
]

# Applications and can-i-deploy (ui/applications_views.py, ui/matrix_views.py).
urlpatterns += [
    path("applications", applications_views.application_list, name="ui-applications"),
    path("applications/<page:name>", applications_views.application, name="ui-application"),
    path("can-i-deploy", matrix_views.can_i_deploy, name="ui-can-i-deploy"),
]

# webhooks pages: the list, a webhook, a delivery's logs, the form; enable/disable and test-fire (POST);
# the secrets webhooks refer to (before webhooks/<uuid>: "secrets" is no webhook's uuid).
urlpatterns += [
    path("webhooks", webhooks_views.webhooks, name="ui-webhooks"),
    path("webhooks/new", webhooks_views.webhook_new, name="ui-webhook-new"),
    path("webhooks/secrets", secrets_views.secrets, name="ui-webhook-secrets"),
    path("webhooks/secrets/<page:uuid>", secrets_views.secret_edit, name="ui-webhook-secret-edit"),
    path("webhooks/secrets/<page:uuid>/delete", secrets_views.secret_remove, name="ui-webhook-secret-delete"),
    path("webhooks/<page:uuid>", webhooks_views.webhook, name="ui-webhook"),
    path("webhooks/<page:uuid>/edit", webhooks_views.webhook_edit, name="ui-webhook-edit"),
    path("webhooks/<page:uuid>/enabled", webhooks_views.webhook_enabled, name="ui-webhook-enabled"),
    path("webhooks/<page:uuid>/test", webhooks_views.webhook_test, name="ui-webhook-test"),
    path("webhooks/<page:uuid>/delete", webhooks_views.webhook_remove, name="ui-webhook-delete"),
    path("webhooks/<page:uuid>/deliveries/<page:delivery_uuid>", webhooks_views.delivery, name="ui-webhook-delivery"),
]
# end of webhooks pages

# network pages: the whole system as a graph, each application's neighbourhood, exports.
urlpatterns += [
    path("network", network_views.network, name="ui-network"),
]
# end of network pages

# access pages (admins): accounts and tokens, teams, restricted environments; their forms (POST).
_ACCOUNT = "access/accounts/<page:account>"
_TEAM = "access/teams/<page:team>"
urlpatterns += [
    path("access", access_views.access_overview, name="ui-access"),
    path("access/accounts", access_views.account_new, name="ui-access-accounts"),
    path("access/teams", access_views.team_new, name="ui-access-teams"),
    path(_ACCOUNT, access_views.account_page, name="ui-access-account"),
    path(_ACCOUNT + "/active", access_views.account_active, name="ui-access-account-active"),
    path(_ACCOUNT + "/tokens", access_views.token_new, name="ui-access-token-new"),
    path(_ACCOUNT + "/tokens/<page:token>/revoke", access_views.token_revoke_view, name="ui-access-token-revoke"),
    path(_TEAM, access_views.team_page, name="ui-access-team"),
    path(_TEAM + "/members", access_views.team_members, name="ui-access-team-members"),
    path(_TEAM + "/applications", access_views.team_applications, name="ui-access-team-applications"),
    path("access/environments", access_views.environments, name="ui-access-environments"),
    path(
        "access/environments/<page:environment>", access_views.environment_restriction, name="ui-access-environment"
    ),  # fmt: skip
]
# end of access pages
# audit log page (ui/audit_views.py): who changed what; for those who may read it (audit.policy).
urlpatterns += [
    path("audit", audit_views.audit_log, name="ui-audit"),
]
# end of audit pages
