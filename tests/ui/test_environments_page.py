"""The environments page: what is deployed and released where, and each environment's drift health."""

from __future__ import annotations

import re

import pytest

from tests.builders import TestData, drift_incident, live_target
from tests.client import ApiClient

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def environments_page(api: ApiClient):
    response = api.get("/ui/environments", **HTML)
    assert response.status_code == 200
    return response.content.decode()


def test_an_empty_broker_says_how_to_create_an_environment(api: ApiClient) -> None:
    html = environments_page(api)
    assert "No environments yet" in html
    assert 'data-copy="pact broker create-environment --name production --production"' in html


def test_production_comes_first_with_what_is_deployed_and_released(api: ApiClient, td: TestData) -> None:
    td.environment("staging")
    td.environment("production", production=True)
    td.environment("qa")
    td.environment("prod-eu", production=True)
    td.version("Orders", "2.0")
    td.version("Orders", "2.1")
    td.deploy("Orders", "2.0", to="production", target="blue")
    td.deploy("Orders", "2.1", to="production", target="green")
    td.version("Mobile", "7.0")
    td.release("Mobile", "7.0", to="production")
    td.version("Web", "1.0")
    td.deploy("Web", "1.0", to="staging")
    html = environments_page(api)
    headings = re.findall(r'<h2 id="env-[^"]+">([\w-]+)', html)
    assert headings == ["prod-eu", "production", "qa", "staging"]
    prod_eu, production, qa, _ = html.split('<section aria-labelledby="env-')[1:]
    # A production environment not named so says it is one.
    assert 'class="badge badge-production">production<' in prod_eu
    assert "badge-production" not in production
    assert re.findall(r'<th scope="row"><a href="([^"]+)"[^>]*>(\w+)</a>', production) == [
        ("/ui/applications/Mobile", "Mobile"),
        ("/ui/applications/Orders", "Orders"),
    ]
    assert '<code>2.0</code> <span class="by">instance blue</span>' in production
    assert '<code>2.1</code> <span class="by">instance green</span>' in production
    assert "<code>7.0</code>" in production  # released
    assert "Nothing recorded as deployed or released here yet" in qa
    # The application links land.
    assert api.get("/ui/applications/Orders", **HTML).status_code == 200


def test_drift_health_per_environment_and_application(api: ApiClient, td: TestData) -> None:
    td.environment("production", production=True)
    td.environment("test")
    td.version("Orders", "2.0")
    td.deploy("Orders", "2.0", to="production")
    drift_incident("Web", "Orders", "production")
    drift_incident("Mobile", "Orders", "production")
    td.version("Payments", "1.0")
    td.deploy("Payments", "1.0", to="test")
    live_target("Payments", "test")
    html = environments_page(api)
    production = html[html.index(">production") : html.index(">test")]
    assert "2 open incidents" in production
    assert 'href="/ui/drift?environment=production&amp;provider=Orders"' in production
    assert 'href="/ui/drift/targets/Orders/production"' in production
    test = html[html.index(">test") :]
    assert "no open incident" in test
    assert "not run yet" in test and 'href="/ui/drift/targets/Payments/test"' in test


@pytest.mark.parametrize("count", [2, 20])
def test_the_page_runs_a_constant_number_of_queries(
    api: ApiClient, td: TestData, django_assert_num_queries, count: int
) -> None:
    td.environment("production", production=True)
    for n in range(count):
        td.version(f"App{n:02d}", "1.0")
        td.deploy(f"App{n:02d}", "1.0", to="production")
        td.release(f"App{n:02d}", "1.0", to="production")
        drift_incident(f"Consumer{n:02d}", f"App{n:02d}", "production")
    # Environments, deployments, releases, live targets, incident counts.
    with django_assert_num_queries(5):
        api.get("/ui/environments", **HTML)
