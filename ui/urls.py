"""The UI's pages other than the home, all under /ui/ so they never meet an API path.

The home is `/` itself, negotiated with the HAL index (broker/urls.py, ui.views.html_or).
Each page added here gets one line in ui/nav.py when it belongs in the header.
"""

urlpatterns: list = []
