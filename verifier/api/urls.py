"""Routes of the verifier app's API."""

from verifier.api import runs, webhooks

urlpatterns = [*webhooks.urlpatterns, *runs.urlpatterns]
