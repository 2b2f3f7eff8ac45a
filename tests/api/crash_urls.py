"""A URL conf for the handler500 test: Accord's routes and handlers, plus one route that crashes."""

from django.urls import path

from broker.urls import handler404, handler500  # noqa: F401 - Django reads them from the root URL conf
from broker.urls import urlpatterns as broker_urlpatterns


def crash(request):
    raise RuntimeError("a bug outside DRF")


urlpatterns = [path("test-only/crash", crash), *broker_urlpatterns]
