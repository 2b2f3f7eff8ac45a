"""A URL conf with an application page (`ui-application`), as a build that has one: the
network page then links its nodes there instead of to the API."""

from django.http import HttpResponse
from django.urls import path

from broker.urls import handler404, handler500  # noqa: F401 - Django reads them from the root URL conf
from tests.urls import urlpatterns as test_urlpatterns

urlpatterns = [
    path("ui/applications/<seg:name>", lambda request, name: HttpResponse(name), name="ui-application"),
    *test_urlpatterns,
]
