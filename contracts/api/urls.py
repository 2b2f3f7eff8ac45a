"""API routes, at the Pact Broker's paths (no trailing slashes)."""

from django.urls import path

from contracts.api.index import IndexApi

urlpatterns = [
    path("", IndexApi.as_view(), name="index"),
]
