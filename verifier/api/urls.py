"""Routes of the verifier app's API."""

from verifier.api import runs

urlpatterns = [*runs.urlpatterns]
