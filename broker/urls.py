"""URL routes. Every name segment uses the `seg` converter (see broker.middleware)."""

from django.urls import include, path, register_converter

from broker import converters, diagnostics

register_converter(converters.Segment, "seg")

urlpatterns = [
    path("diagnostic/status/heartbeat", diagnostics.heartbeat, name="heartbeat"),
    path("diagnostic/status/dependencies", diagnostics.dependencies, name="dependencies"),
    path("", include("contracts.api.urls")),
]
