"""An HTTP client for API tests that behaves like a real server and a real Pact client."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.test import Client


class ApiClient(Client):
    """Django's test client, plus what gunicorn and the Pact clients add.

    - REQUEST_URI carries the raw path, so `%2F` in names routes as in production.
    - dict/list bodies are sent as JSON with `Content-Type: application/json`.
    """

    def generic(self, method: str, path: str, data: Any = "", content_type: str | None = None, **extra: Any):
        if isinstance(data, (dict, list)):
            data = json.dumps(data)
            content_type = content_type or "application/json"
        extra.setdefault("REQUEST_URI", urlsplit(path).path)
        extra.setdefault("HTTP_ACCEPT", "application/hal+json, application/json")
        return super().generic(method, path, data, content_type or "application/json", **extra)

    def get(self, path: str, data: Any = None, **extra: Any):  # type: ignore[override]
        extra.setdefault("REQUEST_URI", urlsplit(path).path)
        extra.setdefault("HTTP_ACCEPT", "application/hal+json, application/json")
        return super().get(path, data, **extra)

    # Django form-encodes dict bodies for POST and sends octet-stream for PUT/PATCH unless
    # told otherwise; the Pact clients send JSON.
    def post(self, path: str, data: Any = None, content_type: str | None = None, **extra: Any):  # type: ignore[override]
        return self.generic("POST", path, data if data is not None else "", content_type, **extra)

    def put(self, path: str, data: Any = "", content_type: str | None = None, **extra: Any):  # type: ignore[override]
        return self.generic("PUT", path, data, content_type, **extra)

    def patch(self, path: str, data: Any = "", content_type: str | None = None, **extra: Any):  # type: ignore[override]
        return self.generic("PATCH", path, data, content_type, **extra)

    def delete(self, path: str, data: Any = "", content_type: str | None = None, **extra: Any):  # type: ignore[override]
        return self.generic("DELETE", path, data, content_type, **extra)
