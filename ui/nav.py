"""The header's navigation: one entry per page that exists (a later page adds one line)."""

from __future__ import annotations

from typing import NamedTuple


class NavItem(NamedTuple):
    label: str
    route: str  # a URL name; reversed in the template, so it follows the sub-path
    # The URL names of the pages under this entry (their names start with one of these):
    # the entry is marked current on them too (a webhook's page is under Webhooks).
    section: tuple[str, ...] = ()
    admin: bool = False  # shown to admins only (the page refuses everyone else)

    def is_current(self, url_name: str | None) -> bool:
        return url_name == self.route or any((url_name or "").startswith(prefix) for prefix in self.section)


NAV: tuple[NavItem, ...] = (
    NavItem("Home", "index"),
    NavItem("Applications", "ui-applications", ("ui-application",)),
    NavItem("Can I deploy?", "ui-can-i-deploy"),
    NavItem("Environments", "ui-environments"),
    NavItem("Network", "ui-network"),
    NavItem("Drift", "ui-drift", ("ui-drift",)),
    NavItem("Webhooks", "ui-webhooks", ("ui-webhook",)),
    NavItem("Audit log", "ui-audit", ("ui-audit",), admin=True),
    NavItem("Access", "ui-access", ("ui-access",), admin=True),
)
