"""Routes of the audit log's API."""

from audit.api import entries

urlpatterns = [*entries.urlpatterns]
