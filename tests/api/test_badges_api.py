"""Badges: SVG drawn locally, statuses and colours, and always a 200 image, even for errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import Resolver404, resolve

from contracts.api import badges
from contracts.models import Verification
from contracts.services.versions import tag_add
from tests.builders import TestData

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
GREEN, RED, ORANGE, GREY = (badges.COLOURS[c] for c in ("brightgreen", "red", "orange", "lightgrey"))


def badge(api, url: str) -> tuple[str, str, str]:
    """(left text, right text, right colour) of the badge at `url`, checking it is a 200 SVG."""
    response = api.get(url, HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Cache-Control"] == "no-cache"
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    texts = [text.text for text in root.iter(f"{SVG}text")]
    fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
    return texts[1], texts[3], fills[2]  # after the clip rect and the grey left half


@pytest.fixture
def pacts(td: TestData) -> TestData:
    td.publish("Foo", "1", provider="Bar", tags=["dev"], variant="one")
    return td


PACT_STATUSES = {
    "verified": (lambda td: td.verify("5"), ("verified", GREEN)),
    "failed": (lambda td: td.verify("5", success=False), ("failed", RED)),
    "failed but pending": (
        lambda td: Verification.objects.create(
            contract=td.contract,
            provider_version=td.version("Bar", "5"),
            consumer=td.contract.consumer,
            provider=td.contract.provider,
            success=False,
            pending=True,
            execution_date="2026-01-01T00:00:00Z",
        ),
        ("failed (pending)", RED),
    ),
    "never verified": (lambda td: None, ("unknown", GREY)),
    "changed since the last verification": (
        lambda td: td.verify("5").publish("Foo", "2", provider="Bar", tags=["dev"], variant="two"),
        ("changed", ORANGE),
    ),
    "re-verified after the change": (
        lambda td: (
            td.verify("5", success=False).publish("Foo", "2", provider="Bar", tags=["dev"], variant="two").verify("6")
        ),
        ("verified", GREEN),
    ),
}


@pytest.mark.parametrize(("change", "expected"), PACT_STATUSES.values(), ids=PACT_STATUSES.keys())
def test_tagged_pact_badge(api, pacts, change, expected):
    change(pacts)

    assert badge(api, "/pacts/provider/Bar/consumer/Foo/latest/dev/badge") == ("foo/bar pact", *expected)


@pytest.mark.parametrize("suffix", ["badge", "badge.svg"])
def test_latest_pact_badge(api, pacts, suffix):
    pacts.verify("5")
    pacts.publish("Foo", "2", provider="Bar", variant="untagged")

    # The latest pact (Foo 2) is new content; Foo 1's was verified: "changed".
    assert badge(api, f"/pacts/provider/Bar/consumer/Foo/latest/{suffix}") == ("foo/bar pact", "changed", ORANGE)
    assert badge(api, f"/pacts/provider/Bar/consumer/Foo/latest/dev/{suffix}") == ("foo/bar pact", "verified", GREEN)
    assert badge(api, f"/pacts/provider/Bar/consumer/Foo/latest-untagged/{suffix}") == ("foo/bar pact", "unknown", GREY)


def test_badge_routes_come_before_the_latest_tagged_pact_route():
    # Otherwise `.../latest/badge` would be the latest pact for a tag named "badge".
    assert resolve("/pacts/provider/Bar/consumer/Foo/latest/badge").func is badges.latest_pact_badge
    assert resolve("/pacts/provider/Bar/consumer/Foo/latest/badge.svg").func is badges.latest_pact_badge


@pytest.mark.parametrize(
    ("query", "left"),
    [
        ("label=consumer", "myapp pact"),
        ("label=provider", "your-api pact"),
        ("initials=true", "ma/ya pact"),
        ("label=consumer&initials=true", "ma pact"),
    ],
)
def test_pact_badge_label_and_initials(api, td, query, left):
    td.publish("MyApp", "1", provider="your-api", tags=["dev"]).verify("2")

    assert badge(api, f"/pacts/provider/your-api/consumer/MyApp/latest/dev/badge?{query}")[0] == left


@pytest.mark.parametrize(
    "url",
    [
        "/pacts/provider/Nope/consumer/Foo/latest/dev/badge",
        "/pacts/provider/Bar/consumer/Foo/latest/nope/badge.svg",
        "/pacts/provider/Bar/consumer/Foo/latest-untagged/badge",
    ],
)
def test_missing_pacts_draw_an_unknown_badge(api, pacts, url):
    assert badge(api, url)[1:] == ("unknown", GREY)


def test_nul_characters_and_control_characters_still_draw_a_badge(api, td):
    assert badge(api, "/pacticipants/Fo%00o/main-branch/can-i-merge/badge?label=a%01b") == ("ab", "unknown", GREY)
    assert badge(api, "/pacts/provider/Bar/consumer/Foo/latest/d%00ev/badge")[1:] == ("unknown", GREY)


def test_names_are_escaped(api, td):
    td.publish("A&B<C>", "1", provider='D"E', tags=["dev"])

    assert badge(api, "/pacts/provider/D%22E/consumer/A%26B%3CC%3E/latest/dev/badge")[0] == 'a&b<c>/d"e pact'


def test_can_i_deploy_tag_badge(api, td):
    td.publish("Foo", "1", provider="Bar", tags=["dev"]).verify("5")
    url = "/pacticipants/Foo/latest-version/dev/can-i-deploy/to/prod/badge"

    assert badge(api, url) == ("can-i-deploy", "dev to prod", GREY)  # nothing tagged prod: unknown
    tag_add(version=td.version("Bar", "5"), name="prod")
    assert badge(api, url) == ("can-i-deploy", "dev to prod", GREEN)
    tag_add(version=td.version("Bar", "6"), name="prod")
    td.verify("6", success=False)
    assert badge(api, url + "?label=deploy") == ("deploy", "dev to prod", RED)
    assert badge(api, "/pacticipants/Foo/latest-version/nope/can-i-deploy/to/prod/badge.svg") == (
        "can-i-deploy",
        "nope to prod",
        GREY,
    )


def test_can_i_deploy_branch_to_environment_badge(api, td):
    td.environment("production")
    td.publish("Foo", "1", provider="Bar", branch="main").verify("5").deploy("Bar", "5", to="production")
    url = "/pacticipants/Foo/branches/main/latest-version/can-i-deploy/to-environment/production/badge"

    assert badge(api, url) == ("can-i-deploy", "main to production", GREEN)
    td.deploy("Bar", "6", to="production", target="other")  # a second live provider, never verified
    assert badge(api, url)[2] == GREY
    assert badge(api, url.replace("production", "nowhere"))[2] == GREY


def test_can_i_merge_badge(api, td):
    url = "/pacticipants/Foo/main-branch/can-i-merge/badge"
    assert badge(api, url) == ("can-i-merge", "unknown", GREY)  # no such pacticipant

    td.publish("Foo", "1", provider="Bar", branch="main").verify("5", branch="main")
    assert badge(api, url) == ("can-i-merge", "success", GREEN)
    td.publish("Foo", "2", provider="Bar", branch="main", variant="new").verify("5", success=False)
    assert badge(api, url) == ("can-i-merge", "failed", RED)
    td.branch("Bar", "6", "main")
    assert badge(api, url) == ("can-i-merge", "unknown", GREY)


def test_matrix_badge(api, td):
    td.publish("Foo", "1", provider="Bar", tags=["prod"]).verify("5")
    url = "/matrix/provider/Bar/latest/prod/consumer/Foo/latest/prod/badge"
    assert badge(api, url) == ("foo/bar pact", "unknown", GREY)
    tag_add(version=td.version("Bar", "5"), name="prod")
    assert badge(api, url) == ("foo/bar pact", "verified", GREEN)
    td.verify("5", success=False)
    assert badge(api, url)[1:] == ("failed", RED)


def test_an_unexpected_error_still_draws_a_grey_badge(api, td, monkeypatch):
    def explode(query):
        raise RuntimeError("boom")

    monkeypatch.setattr(badges, "matrix_evaluate", explode)

    assert badge(api, "/pacticipants/Foo/main-branch/can-i-merge/badge") == ("can-i-merge", "unknown", GREY)


def test_badges_are_public_when_configured(api, td, settings):
    settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = "admin", "secret"
    settings.ACCORD_PUBLIC_BADGE_ACCESS = True
    td.publish("Foo", "1", provider="Bar", tags=["dev"])

    assert badge(api, "/pacts/provider/Bar/consumer/Foo/latest/dev/badge.svg")[1] == "unknown"
    assert badge(api, "/pacticipants/Foo/main-branch/can-i-merge/badge")[0] == "can-i-merge"
    assert api.get("/matrix?q[][pacticipant]=Foo").status_code == 401


def test_badge_urls_only_answer_reads(api):
    assert api.post("/pacticipants/Foo/main-branch/can-i-merge/badge").status_code == 405
    with pytest.raises(Resolver404):
        resolve("/pacticipants/Foo/main-branch/can-i-merge/badges")
