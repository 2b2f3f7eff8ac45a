"""Security headers: a Content-Security-Policy and X-Frame-Options on pages, HSTS only over
https, nosniff everywhere; the API's JSON is unchanged for the Pact clients."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html"}


def test_pages_carry_the_content_security_policy_and_refuse_framing() -> None:
    response = Client().get("/", **HTML)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self';", "object-src 'none'",
                      "frame-ancestors 'none'", "form-action 'self'", "base-uri 'self'"):  # fmt: skip
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_openapi_page_loads_its_script_from_the_site_not_inline() -> None:
    page = Client().get("/openapi")
    html = page.content.decode()
    assert "<script>" not in html and 'src="/openapi?script' in html
    assert "style-src 'self' 'unsafe-inline'" in page["Content-Security-Policy"]
    script = Client().get("/openapi?script")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_json_answers_are_as_before() -> None:
    response = Client().get("/", HTTP_ACCEPT="application/hal+json")
    assert response["Content-Type"].startswith("application/hal+json")
    assert "Content-Security-Policy" not in response and "X-Frame-Options" not in response
    assert response["X-Content-Type-Options"] == "nosniff"


def test_hsts_over_https_only(settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    assert "Strict-Transport-Security" not in Client().get("/diagnostic/status/heartbeat")
    secure = Client().get("/diagnostic/status/heartbeat", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000"


def test_behind_a_tls_proxy_the_forwarded_scheme_counts(settings) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Client().get("/diagnostic/status/heartbeat", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"].startswith("max-age=")
