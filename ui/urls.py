"""The UI's pages other than the home, all under /ui/ so they never meet an API path.

The home is `/` itself, negotiated with the HAL index (broker/urls.py, ui.views.html_or).
Each page added here gets one line in ui/nav.py when it belongs in the header.
"""

from django.urls import path

from ui import applications_views, matrix_views

urlpatterns: list = [
    # applications and matrix pages
    path("applications", applications_views.application_list, name="ui-applications"),
    path("applications/<seg:name>", applications_views.application, name="ui-application"),
    path("can-i-deploy", matrix_views.can_i_deploy, name="ui-can-i-deploy"),
    # end of applications and matrix pages
]
