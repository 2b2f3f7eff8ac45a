"""Routes of the access API: everything under /admin/ (admins only, reads included)."""

from django.urls import path

from access.api import views

_ACCOUNT = "admin/accounts/<seg:account>"
_TEAM = "admin/teams/<seg:team>"
urlpatterns = [
    path("admin/accounts", views.AccountsApi.as_view(), name="access-accounts"),
    path(_ACCOUNT, views.AccountApi.as_view(), name="access-account"),
    path(_ACCOUNT + "/tokens", views.AccountTokensApi.as_view(), name="access-account-tokens"),
    path(_ACCOUNT + "/tokens/<seg:token>", views.AccountTokenApi.as_view(), name="access-account-token"),
    path("admin/teams", views.TeamsApi.as_view(), name="access-teams"),
    path(_TEAM, views.TeamApi.as_view(), name="access-team"),
    path(_TEAM + "/members/<seg:account>", views.TeamMemberApi.as_view(), name="access-team-member"),
    path(_TEAM + "/applications/<seg:pacticipant>", views.TeamApplicationApi.as_view(), name="access-team-application"),
    path("admin/restrictions", views.RestrictionsApi.as_view(), name="access-restrictions"),
    path("admin/restrictions/<seg:environment>", views.RestrictionApi.as_view(), name="access-restriction"),
]
