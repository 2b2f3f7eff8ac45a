"""The drift pages: overview, incident, live target, live run; their forms and their 404s."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client, override_settings

from drift.models import DriftIncident, LiveRun, LiveTarget
from tests.builders import TestData, drift_incident, interaction, live_run, live_target, pact_json
from tests.client import ApiClient

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
HEADER_SECRET = "hdr-secret-7f3a9"
TOKEN_SECRET = "tok-secret-c41d2"
PASSWORD_IN_URL = "url-pass-55e1"
READ_ONLY = {
    "ACCORD_BASIC_AUTH_USERNAME": "admin",
    "ACCORD_BASIC_AUTH_PASSWORD": "secret",
    "ACCORD_BASIC_AUTH_READ_ONLY_USERNAME": "viewer",
    "ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD": "look",
}


def basic(user: str, password: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def page(api: ApiClient, path: str, **extra: str):
    return api.get(path, **HTML, **extra)


def text(response) -> str:
    return response.content.decode()


def csrf_client() -> Client:
    """A browser-like client: Django's CSRF check is enforced, as in a real browser."""
    return Client(enforce_csrf_checks=True, **HTML)


def post_with_token(client: Client, form_page: str, action: str, data: dict, **extra: str):
    """GET the page that holds the form (it sets the CSRF cookie and token), then POST it."""
    html = client.get(form_page, **extra).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, "the form carries a CSRF token"
    return client.post(action, {**data, "csrfmiddlewaretoken": token.group(1)}, **extra)


@pytest.fixture
def drifting(td: TestData) -> LiveTarget:
    """Web's pact with Orders (two GETs and a POST) deployed in production; the target holds
    credentials; two runs failed one interaction, so an incident is open (the runner's path)."""
    td.environment("production", production=True)
    items = [
        interaction("a request for an order"),
        interaction("a list of orders", path="/orders"),
        {**interaction("an order to create", path="/orders"), "request": {"method": "POST", "path": "/orders"}},
    ]
    td.publish("Web", "1.0", provider="Orders", content=pact_json("Web", "Orders", interactions=items))
    td.deploy("Web", "1.0", to="production")
    td.version("Orders", "2.0")
    td.deploy("Orders", "2.0", to="production")
    target = live_target(
        "Orders",
        "production",
        base_url=f"https://svc:{PASSWORD_IN_URL}@orders.example",
        headers={"X-Api-Key": HEADER_SECRET},
        auth={"type": "bearer", "token": TOKEN_SECRET},
    )
    for _ in range(2):
        live_run(target, {("Web", "a request for an order"): "failed"})
    return target


def incident_of(target: LiveTarget) -> DriftIncident:
    return DriftIncident.objects.get(target=target)


# ---------------------------------------------------------------- overview


def test_an_empty_overview_shows_how_to_register_a_live_target(api: ApiClient) -> None:
    response = page(api, "/ui/drift")
    assert response.status_code == 200
    html = text(response)
    assert "No live targets yet" in html
    assert "curl -X PUT http://testserver/pacticipants/API/live-targets/production" in html
    assert 'data-copy="curl -X PUT' in html


def test_the_overview_lists_open_incidents_then_live_targets(api: ApiClient, drifting: LiveTarget) -> None:
    response = page(api, "/ui/drift")
    assert response.status_code == 200
    html = text(response)
    incident = incident_of(drifting)
    assert html.index("Incidents") < html.index("Live targets")
    assert f'href="/ui/drift/incidents/{incident.uuid}"' in html
    assert "Web → Orders" in html
    assert "<code>GET /orders/1</code>" in html
    assert "Expected $.id but it was missing" in html  # the first mismatch, in words
    assert 'class="badge badge-open">open<' in html
    # The target: last status, the coverage of its last run, the pass rate over its runs.
    assert 'href="/ui/drift/targets/Orders/production"' in html
    assert 'class="badge badge-drifted">drifted<' in html
    assert "2 of 3 replayed" in html  # the POST is skipped
    assert "50%" in html  # of the 4 interactions replayed over the two runs, 2 passed
    assert re.search(r"<time datetime=\"[^\"]+\" title=\"[^\"]+\">in ", html)  # the next run, ahead


def test_the_overview_filters_by_environment_provider_consumer_and_status(api: ApiClient, td: TestData) -> None:
    drift_incident("Web", "Orders", "production")
    drift_incident("Mobile", "Orders", "test", production=False)
    drift_incident("Web", "Payments", "production", status="resolved")

    def pairs(query: str) -> list[str]:
        response = page(api, "/ui/drift?" + query)
        assert response.status_code == 200
        return re.findall(r'<a href="/ui/drift/incidents/[^"]+">([^<]+)</a>', text(response))

    assert sorted(pairs("")) == ["Mobile → Orders", "Web → Orders"]  # unresolved by default
    assert pairs("environment=test") == ["Mobile → Orders"]
    assert pairs("consumer=Web") == ["Web → Orders"]
    assert pairs("provider=Payments") == []
    assert pairs("provider=Payments&status=resolved") == ["Web → Payments"]
    # The chosen values stay selected: the query string is the permalink.
    html = text(page(api, "/ui/drift?environment=test&status=open"))
    assert '<option value="test" selected>' in html
    assert '<option value="open" selected>' in html


def test_an_htmx_request_gets_only_the_results(api: ApiClient, td: TestData) -> None:
    drift_incident("Web", "Orders", "production")
    response = page(api, "/ui/drift?consumer=Web", HTTP_HX_REQUEST="true")
    html = text(response)
    assert html.startswith('<div id="results">')
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("query", ["status=closed", "environment=nowhere", "consumer=Nobody"])
def test_a_bad_filter_is_a_400_that_says_what_is_wrong(api: ApiClient, td: TestData, query: str) -> None:
    drift_incident("Web", "Orders", "production")
    response = page(api, "/ui/drift?" + query)
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)


def _follow(api: ApiClient, path: str, rel: str, label: str) -> str | None:
    """The href of the pager link `rel` in the pager labelled `label`, unescaped; None if absent."""
    html = text(page(api, path))
    pager = re.search(rf'<nav class="pager" aria-label="{label}">(.*?)</nav>', html, re.S)
    link = pager and re.search(rf'<a rel="{rel}" href="([^"]+)"', pager.group(1))
    return link.group(1).replace("&amp;", "&") if link else None


def test_incidents_and_targets_page_by_keyset_forward_and_back(
    api: ApiClient, td: TestData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ui.selectors.DRIFT_PAGE_SIZE", 2)
    for n in range(5):
        drift_incident(f"Consumer{n}", f"Provider{n}", "production")
    newest_first = [f"Consumer{n} → Provider{n}" for n in reversed(range(5))]

    def incident_pairs(path: str) -> list[str]:
        response = page(api, path)
        assert response.status_code == 200
        return re.findall(r'<a href="/ui/drift/incidents/[^"]+">([^<]+)</a>', text(response))

    seen, path, pages = [], "/ui/drift", []
    while path:
        pages.append(path)
        seen += incident_pairs(path)
        path = _follow(api, path, "next", "Pages of incidents")
    assert seen == newest_first  # every incident once, newest first, over three pages
    assert len(pages) == 3
    # Back from the last page lands on the middle one.
    assert incident_pairs(_follow(api, pages[2], "prev", "Pages of incidents")) == newest_first[2:4]
    assert _follow(api, pages[0], "prev", "Pages of incidents") is None

    # The live targets have their own pager, by provider name; the filters are kept.
    targets, path = [], "/ui/drift?environment=production"
    while path:
        assert "environment=production" in path
        targets += re.findall(r'href="/ui/drift/targets/(Provider\d)/production"', text(page(api, path)))
        path = _follow(api, path, "next", "Pages of live targets")
    assert targets == [f"Provider{n}" for n in range(5)]


@pytest.mark.parametrize("cursor", ["after=nonsense", "before=W10", "targets_after=%00", "after=WyJ4IiwgMV0"])
def test_an_edited_cursor_is_a_400_not_a_500(api: ApiClient, td: TestData, cursor: str) -> None:
    drift_incident("Web", "Orders", "production")
    response = page(api, "/ui/drift?" + cursor)
    assert response.status_code == 400
    assert "cursor was not made by Accord" in text(response)


def test_the_target_page_pages_through_its_runs(
    api: ApiClient, drifting: LiveTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ui.selectors.RECENT_RUNS", 2)
    for _ in range(3):
        live_run(drifting)
    uuids = [str(u) for u in LiveRun.objects.filter(target=drifting).order_by("-id").values_list("uuid", flat=True)]
    assert len(uuids) == 5
    seen, path = [], "/ui/drift/targets/Orders/production"
    while path:
        response = page(api, path)
        assert response.status_code == 200
        seen += re.findall(r'href="/ui/drift/runs/([^"]+)"', text(response))
        path = _follow(api, path, "next", "Pages of runs")
    assert seen == uuids
    response = page(api, "/ui/drift/targets/Orders/production?runs_before=junk")
    assert response.status_code == 400


@pytest.mark.parametrize("count", [3, 30])
def test_the_overview_runs_a_bounded_number_of_queries(
    api: ApiClient, td: TestData, django_assert_max_num_queries, count: int
) -> None:
    for n in range(count):
        drift_incident(f"Consumer{n:02d}", f"Provider{n % 4}", "production")
    # Three for the filters' options, one for the incidents, two for the targets and their last
    # runs, three for the figures (drift_figures), plus the auth check's nothing: nine at most.
    with django_assert_max_num_queries(9):
        response = page(api, "/ui/drift")
    assert response.status_code == 200
    assert text(response).count('href="/ui/drift/incidents/') == count


# ---------------------------------------------------------------- incident


def test_the_incident_page_shows_what_drifted_and_the_timeline(api: ApiClient, drifting: LiveTarget) -> None:
    incident = incident_of(drifting)
    response = page(api, f"/ui/drift/incidents/{incident.uuid}")
    assert response.status_code == 200
    html = text(response)
    assert "Web → Orders in production" in html
    assert "a request for an order" in html and "<code>GET /orders/1</code>" in html
    # Mismatches as a table: where, expected, actual, description.
    assert "<code>$.id</code>" in html and "<td><code>1</code></td>" in html
    assert "Expected $.id but it was missing" in html
    assert "<dd>1.0</dd>" in html and "<dd>2.0</dd>" in html  # consumer and provider versions
    assert "Preceding deployment" in html and "detected " in html
    # The timeline: the opening transition with its run.
    assert '<th scope="row">opened: open</th>' in html
    assert f'href="/ui/drift/runs/{incident.opened_by_run_uuid}"' in html
    assert 'name="csrfmiddlewaretoken"' in html and "Acknowledge</button>" in html


@pytest.mark.parametrize("uuid", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "%3Cscript%3E"])
def test_an_unknown_or_malformed_incident_is_a_404_page(api: ApiClient, uuid: str) -> None:
    response = page(api, f"/ui/drift/incidents/{uuid}")
    assert response.status_code == 404
    html = text(response)
    assert response["Content-Type"].startswith("text/html")
    assert "Not found" in html and "<script>" not in html


def test_acknowledging_records_the_note_and_redirects_back(drifting: LiveTarget) -> None:
    incident = incident_of(drifting)
    client = csrf_client()
    url = f"/ui/drift/incidents/{incident.uuid}"
    response = post_with_token(client, url, url, {"note": "Rolling back orders 2.0", "by": "Ana"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?acknowledged=1"
    incident.refresh_from_db()
    assert incident.status == "acknowledged"
    assert (incident.acknowledgement_note, incident.acknowledged_by) == ("Rolling back orders 2.0", "Ana")
    html = client.get(response["Location"]).content.decode()
    assert "Acknowledged. The note is on the timeline." in html
    assert "open → acknowledged" in html and "Rolling back orders 2.0" in html


@override_settings(**READ_ONLY)
def test_the_acknowledge_form_names_the_signed_in_user(drifting: LiveTarget) -> None:
    incident = incident_of(drifting)
    html = Client(**HTML, **basic("admin", "secret")).get(f"/ui/drift/incidents/{incident.uuid}").content.decode()
    assert re.search(r'<input[^>]*name="by"[^>]*value="admin"', html)


def test_acknowledging_without_a_note_shows_the_error_by_the_field(drifting: LiveTarget) -> None:
    incident = incident_of(drifting)
    url = f"/ui/drift/incidents/{incident.uuid}"
    response = post_with_token(csrf_client(), url, url, {"note": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'<textarea name="note"[^>]*aria-invalid="true"', html)
    assert '<span class="error" role="alert">This field is required.</span>' in html
    incident.refresh_from_db()
    assert incident.status == "open"


def test_acknowledging_a_resolved_incident_is_a_409_with_a_message(api: ApiClient, td: TestData) -> None:
    incident = drift_incident("Web", "Orders", "production")
    url = f"/ui/drift/incidents/{incident.uuid}"
    client = csrf_client()
    html = client.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    DriftIncident.objects.filter(pk=incident.pk).update(status="resolved")  # resolved meanwhile
    response = client.post(url, {"note": "looking", "csrfmiddlewaretoken": token})
    assert response.status_code == 409
    assert "already resolved" in response.content.decode()


def test_a_post_without_the_csrf_token_is_refused(drifting: LiveTarget) -> None:
    incident = incident_of(drifting)
    response = csrf_client().post(f"/ui/drift/incidents/{incident.uuid}", {"note": "x"})
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == "open"


# ---------------------------------------------------------------- live target


def test_the_target_page_shows_settings_runs_and_incidents_but_never_secrets(
    api: ApiClient, drifting: LiveTarget
) -> None:
    response = page(api, "/ui/drift/targets/Orders/production")
    assert response.status_code == 200
    html = text(response)
    for secret in (HEADER_SECRET, TOKEN_SECRET, PASSWORD_IN_URL):
        assert secret not in html
    assert "<code>X-Api-Key: **********</code>" in html
    assert "bearer" in html and "<code>token: **********</code>" in html
    assert "https://svc:**********@orders.example" in html
    assert html.count('href="/ui/drift/runs/') >= 2  # the recent runs
    assert "2 of 3 replayed" in html
    assert f'href="/ui/drift/incidents/{incident_of(drifting).uuid}"' in html
    assert "Run now</button>" in html and "Pause</button>" in html


@pytest.mark.parametrize(
    "path",
    [
        "/ui/drift/targets/Orders/nowhere",
        "/ui/drift/targets/Nobody/production",
        "/ui/drift/targets/Orders/prod%00",
        "/ui/drift/runs/not-a-uuid",
    ],
)
def test_an_unknown_target_or_run_is_a_404_page(api: ApiClient, drifting: LiveTarget, path: str) -> None:
    response = page(api, path)
    assert response.status_code == 404
    assert "Not found" in text(response)


def test_run_now_queues_a_run_and_goes_to_its_page(drifting: LiveTarget) -> None:
    url = "/ui/drift/targets/Orders/production"
    before = LiveRun.objects.count()
    response = post_with_token(csrf_client(), url, url + "/run", {})
    assert response.status_code == 302
    run = LiveRun.objects.order_by("-id").first()
    assert LiveRun.objects.count() == before + 1
    assert (run.status, run.trigger) == ("queued", "api")
    assert response["Location"] == f"/ui/drift/runs/{run.uuid}"


def test_pause_keeps_the_credentials_and_resume_schedules_again(drifting: LiveTarget) -> None:
    url = "/ui/drift/targets/Orders/production"
    client = csrf_client()
    response = post_with_token(client, url, url + "/pause", {"paused": "1"})
    assert (response.status_code, response["Location"]) == (302, url)
    target = LiveTarget.objects.get(pk=drifting.pk)
    assert target.paused and target.next_run_at is None
    # Everything else stays, the secrets (decrypted) included.
    assert target.headers == {"X-Api-Key": HEADER_SECRET}
    assert target.auth == {"type": "bearer", "token": TOKEN_SECRET}
    assert target.base_url == f"https://svc:{PASSWORD_IN_URL}@orders.example"
    html = client.get(url).content.decode()
    assert "Resume</button>" in html and 'class="badge badge-paused">paused<' in html

    # Run now on a paused target: 409, said in words, no run.
    before = LiveRun.objects.count()
    response = post_with_token(client, url, url + "/run", {})
    assert response.status_code == 409
    assert "No run started" in response.content.decode() and "paused" in response.content.decode()
    assert LiveRun.objects.count() == before

    response = post_with_token(client, url, url + "/pause", {"paused": "0"})
    target.refresh_from_db()
    assert not target.paused and target.next_run_at is not None
    assert target.auth == {"type": "bearer", "token": TOKEN_SECRET}


def test_a_bad_pause_value_is_a_400(drifting: LiveTarget) -> None:
    url = "/ui/drift/targets/Orders/production"
    response = post_with_token(csrf_client(), url, url + "/pause", {"paused": "maybe"})
    assert response.status_code == 400
    assert not LiveTarget.objects.get(pk=drifting.pk).paused


def test_the_write_routes_take_only_post(api: ApiClient, drifting: LiveTarget) -> None:
    assert page(api, "/ui/drift/targets/Orders/production/run").status_code == 405
    assert page(api, "/ui/drift/targets/Orders/production/pause").status_code == 405


@override_settings(**READ_ONLY)
def test_the_read_only_user_sees_no_form_that_writes_and_cannot_post(drifting: LiveTarget) -> None:
    incident = incident_of(drifting)
    viewer = basic("viewer", "look")
    client = Client(**HTML)
    for path in (f"/ui/drift/incidents/{incident.uuid}", "/ui/drift/targets/Orders/production"):
        response = client.get(path, **viewer)
        assert response.status_code == 200
        assert "<form" not in response.content.decode().replace('<form class="filters" method="get"', "")
    for path, data in (
        (f"/ui/drift/incidents/{incident.uuid}", {"note": "x"}),
        ("/ui/drift/targets/Orders/production/run", {}),
        ("/ui/drift/targets/Orders/production/pause", {"paused": "1"}),
    ):
        assert client.post(path, data, **viewer).status_code == 403
    incident.refresh_from_db()
    assert incident.status == "open"
    assert not LiveTarget.objects.get(pk=drifting.pk).paused
    # The read-write user sees the forms.
    html = client.get("/ui/drift/targets/Orders/production", **basic("admin", "secret")).content.decode()
    assert "Run now</button>" in html


# ---------------------------------------------------------------- live run


def test_the_run_page_shows_each_consumer_versions_interactions_and_the_log(
    api: ApiClient, drifting: LiveTarget
) -> None:
    run = LiveRun.objects.filter(target=drifting).order_by("-id").first()
    response = page(api, f"/ui/drift/runs/{run.uuid}")
    assert response.status_code == 200
    html = text(response)
    assert "Live run of Orders in production" in html
    assert 'class="badge badge-drifted">drifted<' in html
    assert "2 of 3 replayed: 1 passed, 1 failed, 1 skipped" in html
    assert re.search(r"<h2[^>]*>Web <span class=\"by\">version 1.0</span></h2>", html)
    assert 'class="badge badge-failed">failed<' in html and 'class="badge badge-passed">passed<' in html
    assert 'class="badge badge-skipped">skipped<' in html
    assert "<code>$.id</code>: Expected $.id but it was missing" in html
    # The log, collapsed by default.
    assert re.search(r"<details class=\"log\">\s*<summary>", html)
    assert "built by tests.builders.live_run for Orders" in html
    for secret in (HEADER_SECRET, TOKEN_SECRET, PASSWORD_IN_URL):
        assert secret not in html


def test_the_header_links_to_drift_and_environments(api: ApiClient) -> None:
    html = text(page(api, "/ui/drift"))
    assert '<a href="/ui/drift" aria-current="page">Drift</a>' in html
    assert '<a href="/ui/environments">Environments</a>' in html
