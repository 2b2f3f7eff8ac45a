"""API routes, at the Pact Broker's paths (no trailing slashes).

Each area's module owns its views and its `urlpatterns`; names in paths use the `seg`
converter (a segment that may hold an encoded '/').
"""

from django.urls import path

from contracts.api import (
    badges,
    deployments,
    docs,
    environments,
    for_verification,
    integrations,
    matrix,
    metrics,
    pact_diffs,
    pacticipants,
    pacts,
    provider_states,
    publish,
    verification_results,
    versions,
)
from contracts.api.index import IndexApi

urlpatterns = [
    path("", IndexApi.as_view(), name="index"),
    # Before pacts: /pacts/.../latest/badge must not be read as the latest pact for tag "badge".
    *badges.urlpatterns,
    *publish.urlpatterns,
    *pacts.urlpatterns,
    *pact_diffs.urlpatterns,
    *provider_states.urlpatterns,
    *pacticipants.urlpatterns,
    *versions.urlpatterns,
    *environments.urlpatterns,
    *deployments.urlpatterns,
    *for_verification.urlpatterns,
    *verification_results.urlpatterns,
    *matrix.urlpatterns,
    *integrations.urlpatterns,
    *metrics.urlpatterns,
    *docs.urlpatterns,
]
