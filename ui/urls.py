"""The UI's pages other than the home, all under /ui/ so they never meet an API path.

The home is `/` itself, negotiated with the HAL index (broker/urls.py, ui.views.html_or).
Each page added here gets one line in ui/nav.py when it belongs in the header.
"""

from django.urls import path

from ui import contracts_views, network_views

# contracts pages: a pact, the diff of two of its versions, verification results and runs.
_PAIR = "pacts/provider/<seg:provider>/consumer/<seg:consumer>"
urlpatterns: list = [
    path(_PAIR + "/version/<seg:version>", contracts_views.contract, name="ui-contract"),
    path(_PAIR + "/latest", contracts_views.contract, name="ui-contract-latest"),
    path(_PAIR + "/compare", contracts_views.compare, name="ui-contract-compare"),
    path("verification-results/<seg:number>", contracts_views.verification_result, name="ui-verification-result"),
    path("verification-runs/<seg:uuid>", contracts_views.verification_run, name="ui-verification-run"),
]
# end of contracts pages

# network pages: the whole system as a graph, each application's neighbourhood, exports.
urlpatterns += [
    path("network", network_views.network, name="ui-network"),
]
# end of network pages
