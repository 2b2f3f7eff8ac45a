"""API views: matrix (routes in urlpatterns at the bottom)."""

from __future__ import annotations

urlpatterns: list = []
