"""Routes of the webhooks app's API (definitions, test executions, deliveries)."""

from webhooks.api import definitions, deliveries

# Executions before definitions: /webhooks/{uuid}/execute is not a webhook named "execute".
urlpatterns = [*deliveries.urlpatterns, *definitions.urlpatterns]
