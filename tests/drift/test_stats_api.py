"""Drift monitoring's figures per integration and environment, on hand-made data with known answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from drift.models import DriftIncident, LiveRun
from drift.selectors import drift_figures
from tests.builders import interaction, live_run, live_target, pact_json

pytestmark = pytest.mark.django_db

ORDER_1, ORDER_2 = "get order 1", "get order 2"


@pytest.fixture
def history(td, settings):
    """API in production, watched for Web (two interactions) and Mobile (one); times are set by hand.

    run   created   Web order 1  Web order 2  Mobile    incidents
    r1    T-180m    failed       passed       passed    C (Web, order 1) opened T-179m, detected in 60s
    r2    T-120m    passed       failed       passed    C resolved T-119m; A (Web, order 2) opened T-119m, 120s
    r3    T-60m     passed       passed       passed    A resolved T-109m (hand-set)
    r4    T-30m     passed       passed       failed    B (Mobile) opened T-29m, 300s, still open
    r5    T-10m     unreachable  unreachable  unreachable (not a checked run: counts nowhere)
    """
    settings.ACCORD_DRIFT_OPEN_AFTER = settings.ACCORD_DRIFT_RESOLVE_AFTER = 1
    web = [interaction(ORDER_1, path="/orders/1"), interaction(ORDER_2, path="/orders/2")]
    td.publish("Web", "1.0", provider="API", content=pact_json("Web", "API", interactions=web))
    td.publish("Mobile", "3.0", provider="API")
    td.deploy("Web", "1.0", to="production").deploy("Mobile", "3.0", to="production")
    td.deploy("API", "2.0", to="production")
    target = live_target("API", "production")
    runs = [
        live_run(target, {("Web", ORDER_1): "failed"}),
        live_run(target, {("Web", ORDER_2): "failed"}),
        live_run(target),
        live_run(target, {"Mobile": "failed"}),
        live_run(target, {"Web": "unreachable", "Mobile": "unreachable"}),
    ]
    assert [r.status for r in runs] == ["drifted", "drifted", "passed", "drifted", "unreachable"]
    now = timezone.now()

    def ago(minutes: int):
        return now - timedelta(minutes=minutes)

    for run, minutes in zip(runs, (180, 120, 60, 30, 10), strict=True):
        LiveRun.objects.filter(id=run.id).update(created_at=ago(minutes))
    incidents = DriftIncident.objects.filter(provider__name="API")
    c = incidents.get(consumer__name="Web", description=ORDER_1)
    a = incidents.get(consumer__name="Web", description=ORDER_2)
    b = incidents.get(consumer__name="Mobile")
    assert (c.status, a.status, b.status) == ("resolved", "resolved", "open")
    incidents.filter(id=c.id).update(opened_at=ago(179), detection_seconds=60, resolved_at=ago(119))
    incidents.filter(id=a.id).update(opened_at=ago(119), detection_seconds=120, resolved_at=ago(109))
    incidents.filter(id=b.id).update(opened_at=ago(29), detection_seconds=300)
    return {"now": now, "ago": ago}


def _rows(api, query: str = "") -> dict[str, dict]:
    response = api.get(f"/drift-stats{query}")
    assert response.status_code == 200, response.content
    return {
        f"{r['consumer']}/{r['provider']}/{r['environment']}": r for r in response.json()["_embedded"]["driftStats"]
    }


def test_figures_over_the_last_three_runs(api, history):
    response = api.get("/drift-stats?runs=3")
    rows = _rows(api, "?runs=3")

    assert response.json()["runs"] == 3 and response.json()["passRateBasis"] == "interactions"
    web, mobile = rows["Web/API/production"], rows["Mobile/API/production"]
    # r2..r4: Web 5 of 6 replayed interactions passed, Mobile 2 of 3.
    assert (web["interactionsPassed"], web["interactionsFailed"], web["livePassRate"]) == (5, 1, 0.8333)
    assert (mobile["interactionsPassed"], mobile["interactionsFailed"], mobile["livePassRate"]) == (2, 1, 0.6667)
    assert web["runsCounted"] == mobile["runsCounted"] == 3
    assert web["since"] == mobile["since"] == history["ago"](120).replace(microsecond=0).isoformat()
    # Opened since T-120m: A (120s). Resolved since T-120m: C (3600s) and A (600s).
    assert web["meanTimeToDetectSeconds"] == 120.0
    assert web["meanTimeToResolveSeconds"] == 2100.0
    assert web["openIncidents"] == 0
    assert (mobile["openIncidents"], mobile["meanTimeToDetectSeconds"], mobile["meanTimeToResolveSeconds"]) == (
        1,
        300.0,
        None,
    )
    assert web["lastStatus"] == mobile["lastStatus"] == "unreachable"
    assert web["lastRunAt"] is not None
    assert web["_links"]["accord:live-target"]["href"] == "http://testserver/pacticipants/API/live-targets/production"
    assert web["_links"]["pb:consumer"]["href"] == "http://testserver/pacticipants/Web"
    assert web["_links"]["pb:environment"]["name"] == "production"


def test_the_default_window_is_twenty_runs(api, history):
    rows = _rows(api)

    web, mobile = rows["Web/API/production"], rows["Mobile/API/production"]
    # r1..r4 (r5 was unreachable: it judged nothing): Web 6 of 8, Mobile 3 of 4.
    assert (web["interactionsPassed"], web["interactionsFailed"], web["livePassRate"]) == (6, 2, 0.75)
    assert (mobile["interactionsPassed"], mobile["interactionsFailed"], mobile["livePassRate"]) == (3, 1, 0.75)
    assert web["runsCounted"] == 4
    # Opened since T-180m: C (60s) and A (120s).
    assert web["meanTimeToDetectSeconds"] == 90.0
    assert web["meanTimeToResolveSeconds"] == 2100.0


def test_filters_by_provider_consumer_and_environment(api, history, td):
    td.publish("Web", "1.0", provider="Stock").deploy("Stock", "1.0", to="production")
    live_run(live_target("Stock", "production"))

    assert set(_rows(api)) == {"Web/API/production", "Mobile/API/production", "Web/Stock/production"}
    assert set(_rows(api, "?provider=Stock")) == {"Web/Stock/production"}
    assert set(_rows(api, "?consumer=Web")) == {"Web/API/production", "Web/Stock/production"}
    assert set(_rows(api, "?consumer=Mobile&environment=production")) == {"Mobile/API/production"}
    assert _rows(api, "?environment=test") == {}
    stock = _rows(api, "?provider=Stock")["Web/Stock/production"]
    assert (stock["livePassRate"], stock["openIncidents"], stock["meanTimeToDetectSeconds"]) == (1.0, 0, None)


def test_an_integration_without_replayed_interactions_has_no_pass_rate(api, td):
    only_posts = [{**interaction("create"), "request": {"method": "POST", "path": "/orders"}}]
    td.publish("Web", "1.0", provider="API", content=pact_json("Web", "API", interactions=only_posts))
    td.deploy("Web", "1.0", to="production")
    live_run(live_target("API", "production"))

    row = _rows(api)["Web/API/production"]

    assert row["livePassRate"] is None
    assert (row["interactionsPassed"], row["interactionsFailed"], row["runsCounted"]) == (0, 0, 1)


def test_incidents_of_a_deleted_target_still_count(api, history):
    api.delete("/pacticipants/API/live-targets/production")

    mobile = _rows(api)["Mobile/API/production"]

    assert mobile["openIncidents"] == 1
    assert mobile["lastStatus"] is None and mobile["since"] is None
    assert "accord:live-target" not in mobile["_links"]
    assert mobile["_links"]["accord:drift-incidents"]["href"].endswith(
        "provider=API&environment=production&status=open"
    )


@pytest.mark.parametrize("query", ["runs=0", "runs=1001", "runs=many"])
def test_a_bad_window_is_a_400(api, query):
    response = api.get(f"/drift-stats?{query}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["runs"]


def test_the_figures_take_three_queries_however_many_integrations(history, td, django_assert_num_queries):
    with django_assert_num_queries(3):
        few = drift_figures()
    for index in range(5):
        provider = f"Provider{index}"
        td.publish("Web", "1.0", provider=provider).publish("Mobile", "3.0", provider=provider)
        target = live_target(provider, "production")
        live_run(target, {"Mobile": "failed"})
        live_run(target)

    with django_assert_num_queries(3):
        many = drift_figures()

    assert len(few) == 2 and len(many) == 12


def test_the_api_answer_takes_a_bounded_number_of_queries(api, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert api.get("/drift-stats").status_code == 200
