"""Routes of the webhooks app's API (definitions, test executions, deliveries, secrets)."""

from webhooks.api import definitions, deliveries, secrets

# Executions before definitions: /webhooks/{uuid}/execute is not a webhook named "execute".
urlpatterns = [*deliveries.urlpatterns, *definitions.urlpatterns, *secrets.urlpatterns]
