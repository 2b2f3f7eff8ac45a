"""The UI's pages other than the home, all under /ui/ so they never meet an API path.

The home is `/` itself, negotiated with the HAL index (broker/urls.py, ui.views.html_or).
Each page added here gets one line in ui/nav.py when it belongs in the header.
"""

from django.urls import path

from ui import drift_views

urlpatterns: list = [
    # Drift and environments (ui/drift_views.py).
    path("drift", drift_views.drift_overview, name="ui-drift"),
    path("drift/incidents/<seg:uuid>", drift_views.drift_incident, name="ui-drift-incident"),
    path("drift/targets/<seg:provider>/<seg:environment>", drift_views.drift_target, name="ui-drift-target"),
    path(
        "drift/targets/<seg:provider>/<seg:environment>/run", drift_views.drift_target_run, name="ui-drift-target-run"
    ),
    path(
        "drift/targets/<seg:provider>/<seg:environment>/pause",
        drift_views.drift_target_pause,
        name="ui-drift-target-pause",
    ),
    path("drift/runs/<seg:uuid>", drift_views.drift_run, name="ui-drift-run"),
    path("environments", drift_views.environments, name="ui-environments"),
]
