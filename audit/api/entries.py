"""GET /audit: who changed what, newest first, filtered, a page at a time (keyset: the next
page is a cursor, so page 1,000 costs what page 1 does)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from audit.models import AuditEntry
from audit.policy import NEEDED, may_read_audit
from audit.selectors import BadCursor, audit_entries, audit_page
from contracts.access import Forbidden
from contracts.api.base import BrokerApi
from contracts.api.inputs import Input, Text, Whole, parse
from contracts.api.links import Links
from contracts.api.schema import NULLABLE_STRING, STRING, TIMESTAMP, collection
from contracts.api.timestamps import iso
from contracts.exceptions import InvalidInput
from drift.api.targets import Moment

DEFAULT_SIZE = 100
MAX_SIZE = 500
FILTERS = ("actor", "application", "action", "from", "to")


class AuditQuery(Input):
    """Filters (each optional; blank means not given) and the page."""

    actor = Text(required=False, allow_blank=True, max_length=255, help_text="Who wrote: a user or system account")
    application = Text(required=False, allow_blank=True, max_length=255, help_text="A pacticipant the write was about")
    action = Text(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text='An action ("pact.publish"), or every action of an object ("pact.")',
    )
    # `from` is a Python keyword: declared as `from_`, renamed in get_fields().
    from_ = Moment(required=False, help_text="From this moment (ISO 8601, inclusive)")
    to = Moment(required=False, help_text="Until this moment (ISO 8601, exclusive)")
    after = Text(required=False, allow_blank=True, max_length=200, help_text="The cursor of the page to show (next)")
    size = Whole(required=False, min_value=1, max_value=MAX_SIZE, help_text=f"Entries per page (at most {MAX_SIZE})")

    def get_fields(self) -> dict:
        fields = super().get_fields()
        return {"from": fields.pop("from_"), **fields}

    def validate(self, attrs: dict) -> dict:
        if attrs.get("from") and attrs.get("to") and attrs["from"] >= attrs["to"]:
            raise serializers.ValidationError({"to": ["must be after from"]})
        return attrs


def entry_body(entry: AuditEntry) -> dict:
    return {
        "at": iso(entry.at),
        "actor": {"kind": entry.actor_kind, "name": entry.actor_name, "token": entry.token_name or None},
        "action": entry.action,
        "target": entry.target,
        "applications": entry.applications,
        "environment": entry.environment,
        "ip": entry.ip,
        "via": entry.via,
        "requestId": entry.request_id or None,
        "details": entry.details,
    }


ENTRY = {
    "type": "object",
    "properties": {
        "at": TIMESTAMP,
        "actor": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": list(AuditEntry.ActorKind.values)},
                "name": STRING,
                "token": NULLABLE_STRING,
            },
            "required": ["kind", "name", "token"],
        },
        "action": STRING,
        "target": STRING,
        "applications": {"type": "array", "items": STRING},
        "environment": NULLABLE_STRING,
        "ip": NULLABLE_STRING,
        "via": {"type": "string", "enum": list(AuditEntry.Via.values)},
        "requestId": NULLABLE_STRING,
        "details": {"type": "object"},
    },
    "required": ["at", "actor", "action", "target", "applications", "environment", "ip", "via", "requestId", "details"],
}
ENTRIES = collection("auditEntries", ENTRY)


class AuditApi(BrokerApi):
    """GET /audit[?actor=&application=&action=&from=&to=&size=&after=]: newest first."""

    @extend_schema(parameters=[AuditQuery], responses={200: ENTRIES})
    def get(self, request: Request) -> Response:
        if not may_read_audit(request):
            raise Forbidden(f"Forbidden: {NEEDED}")
        query = parse(AuditQuery, request.query_params)
        entries = audit_entries(
            actor=query.get("actor") or "",
            application=query.get("application") or "",
            action=query.get("action") or "",
            since=query.get("from"),
            until=query.get("to"),
        )
        try:
            page = audit_page(entries, after=query.get("after") or "", size=query.get("size") or DEFAULT_SIZE)
        except BadCursor:
            raise InvalidInput({"after": ["is not a page cursor of this audit log: start from the first page"]})
        links = Links(request)
        # The filters as sent (times as the client wrote them), to keep on the next page.
        kept = {key: request.query_params[key] for key in (*FILTERS, "size") if request.query_params.get(key)}
        body = {
            "_embedded": {"auditEntries": [entry_body(entry) for entry in page.entries]},
            "_links": {"self": {"href": links.route("audit", query=kept), "title": "Audit log"}},
        }
        if page.next_cursor:
            body["_links"]["next"] = {
                "href": links.route("audit", query={**kept, "after": page.next_cursor}),
                "title": "Older entries",
            }
        return Response(body)


urlpatterns = [path("audit", AuditApi.as_view(), name="audit")]
