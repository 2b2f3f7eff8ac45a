"""Routes of drift monitoring's API: live targets, live runs, drift incidents, figures."""

from drift.api import incidents, runs, stats, targets

urlpatterns = [*targets.urlpatterns, *runs.urlpatterns, *incidents.urlpatterns, *stats.urlpatterns]
