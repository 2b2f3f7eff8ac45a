"""URL routes. Every name segment uses the `seg` converter (see broker.middleware)."""

from django.urls import include, path

from broker import diagnostics, signin
from contracts.api.index import IndexApi
from contracts.api.openapi import OpenApiDocument, OpenApiPage
from contracts.api.urls import hot_urlpatterns
from ui.views import html_or

urlpatterns = [
    # `/`: the web UI's home for a browser, the HAL index for every API client (ui.negotiation).
    # contracts.api.urls keeps its own route to IndexApi, which the OpenAPI document describes.
    path("", html_or(IndexApi.as_view()), name="index"),
    # can-i-deploy, the matrix, pacts for verification and publishing, tried first.
    path("", include(hot_urlpatterns)),
    # Signing in to the web UI (broker.signin: the users are broker.auth's).
    path("ui/login", signin.login, name="ui-login"),
    path("ui/logout", signin.logout, name="ui-logout"),
    path("ui/", include("ui.urls")),
    path("diagnostic/status/heartbeat", diagnostics.heartbeat, name="heartbeat"),
    path("diagnostic/status/dependencies", diagnostics.dependencies, name="dependencies"),
    # The API's own description (OpenAPI 3.1) and a page to browse and try it.
    path("openapi.json", OpenApiDocument.as_view(), name="openapi"),
    path("openapi", OpenApiPage.as_view(), name="openapi-ui"),
    path("", include("access.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("drift.api.urls")),
    path("", include("verifier.api.urls")),
    path("", include("audit.api.urls")),
    path("", include("contracts.api.urls")),
]

# Unknown paths and crashes outside DRF answer JSON like every other API error.
handler404 = "ui.views.page_not_found"
handler500 = "contracts.api.errors.server_error"
