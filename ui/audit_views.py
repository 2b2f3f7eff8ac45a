"""The audit log page: who changed what, newest first, filtered by a GET form, paged by keyset.

Only for those who may read the audit log (audit.policy: for now the read-write user, as
GET /audit); a read-only user gets a 403 page, and the header shows them no link to it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from audit.policy import NEEDED, may_read_audit
from audit.selectors import audit_entries
from ui import keyset
from ui.audit_forms import AuditQuery
from ui.paths import use_base_path
from ui.views import _page, bad_request

PAGE_SIZE = 50
# Newest first; the id breaks ties between entries of the same microsecond.
KEYS: keyset.Keys = (("logged_at", False), ("id", False))
CURSOR_PROBLEM = "after/before: this page cursor was not made by Accord; start from the first page."


@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    """Every change newest first, filtered by the GET form, 50 a page by keyset."""
    use_base_path(request)
    if not may_read_audit(request):
        return _page(request, "ui/audit/forbidden.html", {"message": f"Not allowed: {NEEDED}"}, status=403)
    form = AuditQuery(request.GET)
    if not form.is_valid():
        return bad_request(request, [f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()])
    entries = audit_entries(**form.query()).annotate(logged_at=F("at"))
    try:
        page = keyset.page(
            entries,
            KEYS,
            after_cursor=request.GET.get("after", ""),
            before_cursor=request.GET.get("before", ""),
            size=PAGE_SIZE,
        )
    except keyset.BadCursor:
        return bad_request(request, [CURSOR_PROBLEM])
    kept = [(key, value) for key, value in request.GET.items() if key not in ("after", "before") and value]
    context = {
        "form": form,
        "filters": [form[name] for name in ("actor", "application", "action", "from", "to")],
        "entries": page.rows,
        "pages": {
            "previous": urlencode([*kept, ("before", page.previous_cursor)]) if page.previous_cursor else "",
            "next": urlencode([*kept, ("after", page.next_cursor)]) if page.next_cursor else "",
        },
        "filtered": bool(kept),
        "retention_days": settings.ACCORD_AUDIT_RETENTION_DAYS,
    }
    return _page(request, "ui/audit/list.html", context)
