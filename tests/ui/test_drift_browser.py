"""The drift pages and the environments page in a real browser: each renders, its forms
work, its links land, light and dark, and axe finds nothing serious or critical."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.ui.browser import axe_and_screenshot, links_land

pytestmark = pytest.mark.django_db(transaction=True)

SECRETS = ("orders-key-93b1f", "orders-token-2c7e")


def seed_drift() -> dict[str, str]:
    """The home page's scene plus drift monitoring in use: targets with credentials, runs that
    drifted (an incident opened by the runner), one acknowledged, an unreachable target backing
    off and one whose credentials are refused. Returns the pages to visit."""
    from django.utils import timezone

    from drift.models import DriftIncident, LiveRun, LiveTarget
    from drift.services.incidents import incident_acknowledge
    from tests.builders import TestData, drift_incident, live_run, live_target
    from tests.ui.scene import seed_scene

    seed_scene()
    # The two front ends' current builds, with pacts for both providers, run in production.
    td = TestData()
    for consumer, version in (("web-shop", "3.4.0-9f2c1e7"), ("mobile-app", "7.1.0-41ad3b0")):
        td.publish(consumer, version, providers=["orders-api", "payments-api"], branch="main")
        td.deploy(consumer, version, to="production")
    LiveRun.objects.filter(status="queued").delete()  # the deployments' own runs: not for this picture
    orders = live_target(
        "orders-api",
        "production",
        base_url="https://orders.internal.example",
        schedule_text="10m",
        headers={"X-Api-Key": SECRETS[0]},
        auth={"type": "bearer", "token": SECRETS[1]},
    )
    for verdict in ("passed", "failed", "failed"):
        live_run(orders, {"web-shop": verdict})
    payments = LiveTarget.objects.get(provider__name="payments-api", environment__name="production")
    live_run(payments)
    live_run(payments, {"mobile-app": "failed"})
    live_run(payments, {"mobile-app": "failed"})
    acknowledged = DriftIncident.objects.get(consumer__name="mobile-app", provider__name="payments-api")
    incident_acknowledge(incident=acknowledged, note="Payments team rolling back 5.2", actor="dana")
    drift_incident("search-frontend", "inventory-service", "test", production=False)
    now = timezone.now()
    inventory = LiveTarget.objects.get(provider__name="inventory-service")
    LiveTarget.objects.filter(pk=inventory.pk).update(
        last_status="unreachable",
        last_run_at=now - timedelta(minutes=4),
        unreachable_runs=3,
        unreachable_since=now - timedelta(minutes=40),
        backoff_until=now + timedelta(minutes=35),
    )
    profile = live_target("customer-profile", "production", schedule_text="1h")
    LiveTarget.objects.filter(pk=profile.pk).update(
        last_status="error", last_run_at=now - timedelta(minutes=12), auth_problem="401 Unauthorized on every request"
    )
    _spread_in_time()
    incident = DriftIncident.objects.get(consumer__name="web-shop", provider__name="orders-api")
    run = LiveRun.objects.filter(target=orders).order_by("-id").first()
    return {
        "overview": "/ui/drift",
        "incident": f"/ui/drift/incidents/{incident.uuid}",
        "target": "/ui/drift/targets/orders-api/production",
        "run": f"/ui/drift/runs/{run.uuid}",
        "environments": "/ui/environments",
    }


def _spread_in_time() -> None:
    """Runs every few hours, scheduled, taking a second or two; incidents opened by their
    runs, after the deployments; as in a broker in use rather than all "just now"."""
    from django.utils import timezone

    from contracts.models import DeployedVersion
    from drift.models import DriftIncident, DriftTransition, LiveRun

    now = timezone.now()
    runs = list(LiveRun.objects.order_by("-id"))
    for n, run in enumerate(runs):
        finished = now - timedelta(minutes=7 + 95 * n)
        LiveRun.objects.filter(pk=run.pk).update(
            trigger="schedule",
            trigger_detail=f"every {run.target.schedule}",
            created_at=finished - timedelta(seconds=3),
            started_at=finished - timedelta(seconds=2, milliseconds=400),
            finished_at=finished,
        )
    from django.db.models import Max

    from drift.models import LiveTarget

    last = LiveRun.objects.values("target_id").annotate(last=Max("finished_at")).values_list("target_id", "last")
    for target_id, finished_at in last:
        LiveTarget.objects.filter(pk=target_id, provider__name__in=["orders-api", "payments-api"]).update(
            last_run_at=finished_at
        )
    DeployedVersion.objects.update(created_at=now - timedelta(hours=9, minutes=12))
    finished = dict(LiveRun.objects.values_list("id", "finished_at"))
    for incident in DriftIncident.objects.all():
        opened = finished.get(incident.opened_by_run_id) or now - timedelta(hours=26)
        deployed = now - timedelta(hours=9, minutes=12)
        DriftIncident.objects.filter(pk=incident.pk).update(
            opened_at=opened,
            preceding_deployment_at=deployed if opened > deployed else None,
            detection_seconds=(opened - deployed).total_seconds() if opened > deployed else None,
        )
    for transition in DriftTransition.objects.filter(run__isnull=False):
        DriftTransition.objects.filter(pk=transition.pk).update(at=finished[transition.run_id])
    DriftTransition.objects.filter(new_state="acknowledged").update(at=now - timedelta(minutes=25))
    DriftIncident.objects.filter(status="acknowledged").update(acknowledged_at=now - timedelta(minutes=25))


@pytest.fixture
def drift_scene(transactional_db) -> dict[str, str]:
    return seed_drift()


def test_the_overview_renders_filters_and_its_links_land(page_at, drift_scene, live_broker) -> None:
    page = page_at(drift_scene["overview"])
    assert page.title() == "Drift · Accord"
    incidents = page.locator("section[aria-labelledby='incidents-title'] tbody tr")
    assert incidents.count() == 3
    assert page.locator(".badge-acknowledged").count() == 1
    assert page.get_by_text("Credentials refused").is_visible()
    assert page.get_by_text("backing off until").is_visible()
    # Filter with JavaScript (htmx swaps the results, the URL is the permalink).
    page.get_by_label("Environment").select_option("test")
    page.wait_for_url("**environment=test**")
    page.wait_for_function(
        "document.querySelectorAll(\"section[aria-labelledby='incidents-title'] tbody tr\").length === 1"
    )
    # And without.
    plain = page_at(drift_scene["overview"], java_script_enabled=False)
    plain.get_by_label("Consumer").select_option("web-shop")
    plain.get_by_role("button", name="Apply").click()
    plain.wait_for_url("**consumer=web-shop**")
    assert (
        plain.locator("section[aria-labelledby='incidents-title'] tbody tr")
        .all_inner_texts()[0]
        .startswith("web-shop → orders-api")
    )
    links_land(page_at(drift_scene["overview"]), live_broker, at_least=4)


def test_acknowledge_from_the_incident_page(page_at, drift_scene, live_broker) -> None:
    page = page_at(drift_scene["incident"])
    assert page.get_by_role("heading", name="What drifted").is_visible()
    page.get_by_role("button", name="Acknowledge").click()
    # The browser refuses an empty required field before sending anything.
    assert page.url.endswith(drift_scene["incident"])
    page.get_by_label("Note").fill("Looking at the orders-api release")
    page.get_by_label("Your name").fill("ana")
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url("**acknowledged=1")
    assert page.get_by_text("Acknowledged. The note is on the timeline.").is_visible()
    assert page.locator("h1 .badge-acknowledged").is_visible()
    assert page.get_by_role("cell", name="Looking at the orders-api release").is_visible()
    links_land(page, live_broker, at_least=4)


def test_run_now_pause_and_resume_from_the_target_page(page_at, drift_scene, live_broker) -> None:
    from drift.models import LiveRun

    seeded = set(LiveRun.objects.values_list("uuid", flat=True))
    page = page_at(drift_scene["target"])
    html = page.content()
    assert all(secret not in html for secret in SECRETS)
    links_land(page, live_broker, at_least=4)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_load_state()
    assert page.locator("h1 .badge-paused").is_visible()
    page.get_by_role("button", name="Run now").click()
    assert page.get_by_text("No run started").is_visible()
    page.get_by_role("button", name="Resume").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Pause").is_visible()
    page.get_by_role("button", name="Run now").click()
    page.wait_for_url("**/ui/drift/runs/**")
    # The run page of a new run the button started for this target. A worker may already have
    # taken it (one is running when an earlier test started it), so its state is any of a run's.
    run = LiveRun.objects.get(uuid=page.url.rstrip("/").rsplit("/", 1)[-1])
    assert run.uuid not in seeded
    assert (run.target.provider.name, run.target.environment.name, run.trigger) == ("orders-api", "production", "api")
    badge = page.locator("h1 .badge")
    assert badge.inner_text() in LiveRun.Status.values


def test_the_run_page_folds_its_log(page_at, drift_scene, live_broker) -> None:
    page = page_at(drift_scene["run"])
    assert page.locator(".badge-failed").count() == 1
    log = page.locator("details.log pre")
    assert not log.is_visible()
    page.get_by_text("Run log (credentials redacted)").click()
    assert log.is_visible()
    links_land(page, live_broker, at_least=4)


def test_the_environments_page_and_its_links(page_at, drift_scene, live_broker) -> None:
    page = page_at(drift_scene["environments"])
    headings = page.locator("main h2").all_inner_texts()
    assert headings[0].startswith("production")
    assert page.get_by_role("link", name="orders-api").first.is_visible()
    links_land(page, live_broker, at_least=4)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["overview", "incident", "target", "run", "environments"])
def test_light_and_dark_and_axe_finds_nothing_serious(page_at, drift_scene, name: str, scheme: str) -> None:
    page = page_at(drift_scene[name], color_scheme=scheme)
    if name == "run":
        page.locator("details.log summary").click()  # axe and the picture see the log too
    axe_and_screenshot(page, "environments" if name == "environments" else f"drift-{name}", scheme)
