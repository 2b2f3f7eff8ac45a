"""The UI passes its own Content-Security-Policy: every page group, loaded and used in a real
browser, reports no violation (scripts and styles from the site only, nothing inline)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "/",
    "/ui/applications",
    "/ui/applications/web-shop",
    "/ui/can-i-deploy?pacticipant=web-shop&latest=on&environment=production",
    "/ui/pacts/provider/orders-api/consumer/web-shop/latest",
    "/ui/pacts/provider/orders-api/consumer/web-shop/compare",
    "/ui/network",
    "/ui/environments",
    "/ui/drift",
    "/ui/webhooks",
    "/ui/webhooks/new",
    "/openapi",
]
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


def test_no_page_breaks_its_content_security_policy(browser, live_broker, scene) -> None:
    context = browser.new_context(base_url=live_broker, viewport={"width": 1280, "height": 800})
    context.add_init_script(WATCH)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    try:
        for path in PAGES:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            assert "script-src 'self'" in response.headers["content-security-policy"], path
            page.wait_for_load_state("networkidle")
            if path == "/":  # htmx at work: a search swaps the results in
                page.get_by_label("Search").fill("web")
                page.wait_for_url("**q=web**")
                page.wait_for_load_state("networkidle")
            if path == "/openapi":  # Swagger UI started from its external script
                page.wait_for_selector(".swagger-ui .info")
            assert page.evaluate("window.__violations") == [], path
        assert not [line for line in console if "Content Security Policy" in line]
    finally:
        context.close()
