"""Routes of the verifier app's API."""

from verifier.api import webhooks

urlpatterns = [*webhooks.urlpatterns]
