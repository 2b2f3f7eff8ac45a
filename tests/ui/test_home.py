"""The home page: rows from the integration summaries, search, filters, sort, keyset pages."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from contracts.models import Label, Pacticipant
from tests.builders import TestData, drift_incident
from tests.client import ApiClient

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def home(api: ApiClient, query: str = "", **extra: str):
    return api.get("/" + (f"?{query}" if query else ""), **HTML, **extra)


def rows(response) -> list[tuple[str, str]]:
    """(consumer, provider) of each table row, in order."""
    html = response.content.decode()
    return re.findall(
        r'<th scope="row">(?:<a [^>]+>)?([^<]+)(?:</a>)?</th>\s*<td>(?:<a [^>]+>)?([^<]+)(?:</a>)?</td>', html
    )


def publish_pairs(td: TestData, count: int) -> None:
    for n in range(count):
        td.publish(f"Consumer{n:02d}", "1.0.0", provider=f"Provider{n % 3}")


def test_an_empty_broker_shows_how_to_publish_the_first_pact(api: ApiClient) -> None:
    html = home(api).content.decode()
    assert "No pacts yet" in html
    assert "pact broker publish ./pacts" in html
    assert "--broker-base-url http://testserver" in html
    assert 'data-copy="pact broker publish' in html


def test_each_integration_has_a_row_with_its_status(api: ApiClient, td: TestData) -> None:
    td.publish("Web", "1", provider="Orders").verify("10")
    td.publish("Mobile", "1", provider="Orders").verify("10", success=False)
    td.publish("Batch", "1", provider="Orders")
    response = home(api)
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(response) == [("Batch", "Orders"), ("Mobile", "Orders"), ("Web", "Orders")]
    assert html.count('class="badge badge-verified">verified<') == 1
    assert html.count('class="badge badge-failed">failed<') == 1
    assert html.count('class="badge badge-unverified">unverified<') == 1
    # The latest pact links to its JSON; times carry the absolute time on hover.
    assert 'href="/pacts/provider/Orders/consumer/Web/version/1"' in html
    assert re.search(r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">', html)


def test_drift_shows_per_environment(api: ApiClient, td: TestData) -> None:
    td.publish("Web", "1", provider="Orders").verify("10")
    td.publish("Mobile", "1", provider="Orders").verify("10")
    incident = drift_incident("Web", "Orders", "production")
    assert "production: unchecked" in home(api).content.decode()  # the target has not run yet
    # The drifted run is the target's last one, as the runner records it.
    type(incident.target).objects.filter(pk=incident.target_id).update(last_status="drifted")
    html = home(api).content.decode()
    assert 'badge-drifting">production: drifting<' in html
    # Mobile's pair shares the provider's target, but the incident is Web's.
    assert html.count("production: drifting") == 1
    assert "production: passing" in html
    type(incident.target).objects.filter(pk=incident.target_id).update(last_status="unreachable")
    assert "production: unreachable" in home(api).content.decode()


def test_search_is_a_case_insensitive_substring_of_either_name(api: ApiClient, td: TestData) -> None:
    td.publish("WebShop", "1", provider="Orders")
    td.publish("Mobile", "1", provider="Payments")
    td.publish("Batch", "1", provider="WEBHOOKS")
    assert rows(home(api, "q=web")) == [("Batch", "WEBHOOKS"), ("WebShop", "Orders")]
    assert rows(home(api, "q=payMENTS")) == [("Mobile", "Payments")]
    assert "No integrations match" in home(api, "q=nothing").content.decode()


def test_filters_by_status_label_and_environment(api: ApiClient, td: TestData) -> None:
    td.publish("Web", "1", provider="Orders").verify("10")
    td.publish("Mobile", "1", provider="Orders").verify("10", success=False)
    td.publish("Batch", "1", provider="Payments")
    Label.objects.create(pacticipant=Pacticipant.objects.get(name="Payments"), name="team-pay")
    td.deploy("Mobile", "1", to="production")
    assert rows(home(api, "status=failed")) == [("Mobile", "Orders")]
    assert rows(home(api, "status=unverified")) == [("Batch", "Payments")]
    assert rows(home(api, "label=team-pay")) == [("Batch", "Payments")]
    assert rows(home(api, "environment=production")) == [("Mobile", "Orders")]
    assert rows(home(api, "status=verified&environment=production")) == []


def test_sorts(api: ApiClient, td: TestData) -> None:
    td.publish("B", "1", provider="P").verify("10")
    td.publish("A", "1", provider="P")
    td.publish("C", "1", provider="P").verify("10")
    assert rows(home(api, "sort=name")) == [("A", "P"), ("B", "P"), ("C", "P")]
    assert rows(home(api, "sort=latest_pact")) == [("C", "P"), ("A", "P"), ("B", "P")]
    # Never verified sorts last.
    assert rows(home(api, "sort=last_verified")) == [("C", "P"), ("B", "P"), ("A", "P")]


@pytest.mark.parametrize("sort", ["name", "latest_pact", "last_verified"])
def test_keyset_pages_walk_every_row_once_both_ways(api: ApiClient, td: TestData, sort: str) -> None:
    publish_pairs(td, 30)
    for n in range(0, 30, 4):
        td.verify("9", contract=td.contracts[(f"Consumer{n:02d}", "1.0.0", f"Provider{n % 3}")])
    first = home(api, f"sort={sort}")
    page1 = rows(first)
    assert len(page1) == 25
    after = re.search(r'rel="next" href="/\?([^"]+)"', first.content.decode()).group(1).replace("&amp;", "&")
    assert "OFFSET" not in after.upper()
    second = home(api, after)
    page2 = rows(second)
    assert len(page2) == 5
    assert len(set(page1) | set(page2)) == 30
    assert 'rel="next"' not in second.content.decode()
    before = re.search(r'rel="prev" href="/\?([^"]+)"', second.content.decode()).group(1).replace("&amp;", "&")
    back = home(api, before)
    assert rows(back) == page1
    assert 'rel="prev"' not in back.content.decode()


def test_the_pager_keeps_the_filters(api: ApiClient, td: TestData) -> None:
    publish_pairs(td, 30)
    html = home(api, "q=consumer&sort=name").content.decode()
    next_href = re.search(r'rel="next" href="([^"]+)"', html).group(1)
    assert "q=consumer" in next_href and "sort=name" in next_href and "after=" in next_href


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("status=bogus", "status: Select a valid choice"),
        ("label=nope", "label: Select a valid choice"),
        ("environment=mars", "environment: Select a valid choice"),
        ("sort=size", "sort: Select a valid choice"),
        ("after=not-a-cursor", "cursor was not made by Accord"),
        ("after=WzFd", "cursor was not made by Accord"),  # base64 of [1]: the wrong shape
        ("after=a&before=b", "either after or before"),
    ],
)
def test_a_bad_query_is_a_400_page_that_says_what_is_wrong(api: ApiClient, td: TestData, query: str, says: str) -> None:
    td.publish("Web", "1", provider="Orders")
    response = home(api, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert says in response.content.decode()


def test_links_follow_a_script_name(api: ApiClient, td: TestData) -> None:
    td.publish("Web", "1", provider="Orders")
    html = home(api, SCRIPT_NAME="/pact").content.decode()
    assert 'href="/pact/static/ui/accord.css"' in html
    assert 'src="/pact/static/django_htmx/htmx-2.min.js"' in html
    assert 'class="brand" href="/pact/"' in html
    assert 'href="/pact/pacts/provider/Orders/consumer/Web/version/1"' in html
    assert 'hx-get="/pact/"' in html


@override_settings(ACCORD_BASE_URLS=["https://ci.example/pact"], ALLOWED_HOSTS=["*"])
def test_links_follow_the_base_url_path(api: ApiClient) -> None:
    html = home(api).content.decode()
    assert 'href="/pact/static/ui/accord.css"' in html
    assert 'class="brand" href="/pact/"' in html
    assert "--broker-base-url https://ci.example/pact" in html


READ_ONLY = {
    "ACCORD_BASIC_AUTH_USERNAME": "admin",
    "ACCORD_BASIC_AUTH_PASSWORD": "secret",
    "ACCORD_BASIC_AUTH_READ_ONLY_USERNAME": "viewer",
    "ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD": "look",
}


@override_settings(**READ_ONLY)
def test_the_read_only_user_sees_the_page_and_no_form_that_writes(api: ApiClient, td: TestData) -> None:
    import base64

    td.publish("Web", "1", provider="Orders")
    # Without credentials a browser is sent to sign in (tests/ui/test_signin.py).
    refused = home(api)
    assert (refused.status_code, refused["Location"]) == (302, "/ui/login?next=%2F")
    viewer = "Basic " + base64.b64encode(b"viewer:look").decode()
    response = home(api, HTTP_AUTHORIZATION=viewer)
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(response) == [("Web", "Orders")]
    # The only form is the GET search form.
    assert re.findall(r"<form[^>]*method=\"(\w+)\"", html) == ["get"]


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(
    "query",
    ["q=consumer&sort=latest_pact", "status=unverified&label=team-a&environment=production&sort=last_verified"],
)
def test_the_home_page_runs_a_constant_number_of_queries(
    api: ApiClient, td: TestData, django_assert_num_queries, count: int, query: str
) -> None:
    publish_pairs(td, count)
    for n in range(count):
        drift_incident(f"Consumer{n:02d}", f"Provider{n % 3}", "production")
        Label.objects.create(pacticipant=Pacticipant.objects.get(name=f"Consumer{n:02d}"), name="team-a")
        td.deploy(f"Consumer{n:02d}", "1.0.0", to="production")
    # Label and environment options, the page of rows, and its drift (incidents, targets).
    with django_assert_num_queries(5):
        response = home(api, query)
    assert response.status_code == 200
    assert len(rows(response)) == min(count, 25)
    assert response.content.decode().count("production: drifting") == min(count, 25)
    if count > 25:  # the next page, by keyset, costs the same
        after = re.search(r'rel="next" href="/\?([^"]+)"', response.content.decode()).group(1).replace("&amp;", "&")
        with django_assert_num_queries(5):
            following = home(api, after)
        assert len(rows(following)) == count - 25
