"""The UI's pages other than the home, all under /ui/ so they never meet an API path.

The home is `/` itself, negotiated with the HAL index (broker/urls.py, ui.views.html_or).
Each page added here gets one line in ui/nav.py when it belongs in the header.
"""

from django.urls import path

from ui import contracts_views, webhooks_views

# contracts pages: a pact, the diff of two of its versions, verification results and runs.
_PAIR = "pacts/provider/<seg:provider>/consumer/<seg:consumer>"
urlpatterns: list = [
    path(_PAIR + "/version/<seg:version>", contracts_views.contract, name="ui-contract"),
    path(_PAIR + "/latest", contracts_views.contract, name="ui-contract-latest"),
    path(_PAIR + "/compare", contracts_views.compare, name="ui-contract-compare"),
    path("verification-results/<seg:number>", contracts_views.verification_result, name="ui-verification-result"),
    path("verification-runs/<seg:uuid>", contracts_views.verification_run, name="ui-verification-run"),
]
# end of contracts pages

# webhooks pages: the list, a webhook, a delivery's logs, the form; enable/disable and test-fire (POST).
urlpatterns += [
    path("webhooks", webhooks_views.webhooks, name="ui-webhooks"),
    path("webhooks/new", webhooks_views.webhook_new, name="ui-webhook-new"),
    path("webhooks/<seg:uuid>", webhooks_views.webhook, name="ui-webhook"),
    path("webhooks/<seg:uuid>/edit", webhooks_views.webhook_edit, name="ui-webhook-edit"),
    path("webhooks/<seg:uuid>/enabled", webhooks_views.webhook_enabled, name="ui-webhook-enabled"),
    path("webhooks/<seg:uuid>/test", webhooks_views.webhook_test, name="ui-webhook-test"),
    path("webhooks/<seg:uuid>/deliveries/<seg:delivery_uuid>", webhooks_views.delivery, name="ui-webhook-delivery"),
]
# end of webhooks pages
