"""The test server's URL conf: Accord's routes plus the test-only provider-state endpoint."""

from broker.urls import handler404, handler500  # noqa: F401 - Django reads them from the root URL conf
from broker.urls import urlpatterns as broker_urlpatterns
from tests.clients.provider_states_api import urlpatterns as provider_states_urlpatterns

urlpatterns = [*provider_states_urlpatterns, *broker_urlpatterns]
