"""API views: provider_states (routes in urlpatterns at the bottom)."""

from __future__ import annotations

urlpatterns: list = []
