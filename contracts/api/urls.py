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

# The busiest routes (every CI build asks them): broker/urls.py puts them ahead of every
# other pattern, since Django tries patterns in order and /matrix came after 130 of them
# (0.1 ms of each request). No other route's path can reach them: tests/api/test_routes.py.
hot_urlpatterns = [*matrix.urlpatterns, *for_verification.urlpatterns, *publish.hot_urlpatterns]

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
    *verification_results.urlpatterns,
    *integrations.urlpatterns,
    *metrics.urlpatterns,
    *docs.urlpatterns,
]
