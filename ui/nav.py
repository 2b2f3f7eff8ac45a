"""The header's navigation: one entry per page that exists (a later page adds one line)."""

from __future__ import annotations

from typing import NamedTuple


class NavItem(NamedTuple):
    label: str
    route: str  # a URL name; reversed in the template, so it follows the sub-path
    writers_only: bool = False  # shown only to those who may write (ui.context's can_write)


NAV: tuple[NavItem, ...] = (
    NavItem("Home", "index"),
    NavItem("Applications", "ui-applications"),
    NavItem("Can I deploy?", "ui-can-i-deploy"),
    NavItem("Environments", "ui-environments"),
    NavItem("Network", "ui-network"),
    NavItem("Drift", "ui-drift"),
    NavItem("Webhooks", "ui-webhooks"),
    NavItem("Audit log", "ui-audit", writers_only=True),
)
