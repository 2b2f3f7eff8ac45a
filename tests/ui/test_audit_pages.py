"""The audit log page (/ui/audit): the table, its filters and keyset pages; writers only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
WRITER = ("admin", "w-s3cret-88")
READER = ("viewer", "r-s3cret-99")


@pytest.fixture(autouse=True)
def users(settings) -> None:
    settings.ACCORD_BASIC_AUTH_USERNAME, settings.ACCORD_BASIC_AUTH_PASSWORD = WRITER
    settings.ACCORD_BASIC_AUTH_READ_ONLY_USERNAME, settings.ACCORD_BASIC_AUTH_READ_ONLY_PASSWORD = READER


def signed_in(user: tuple[str, str]) -> Client:
    client = Client(**HTML)
    assert client.post("/ui/login", {"username": user[0], "password": user[1]}).status_code == 303
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def entry(minutes_ago: float, **fields) -> AuditEntry:
    values = {"actor_kind": "user", "actor_name": "ana", "action": "tag.add", "target": "Web 1.0 tag prod",
              "applications": ["Web"], "via": "api", "ip": "198.51.100.23", "request_id": "req-1"}  # fmt: skip
    return AuditEntry.objects.create(at=timezone.now() - timedelta(minutes=minutes_ago), **{**values, **fields})


def test_the_page_shows_who_what_when_and_from_where() -> None:
    entry(5, actor_kind="token", actor_name="ci", token_name="deploy-pipeline", action="deployment.record",
          target="API 2.0 in production", applications=["API"], environment="production", request_id="abc.123")  # fmt: skip
    entry(90, via="ui", ip=None, request_id="")
    response = signed_in(WRITER).get("/ui/audit")
    assert response.status_code == 200
    shown = text(response)
    assert "ci token deploy-pipeline deployment.record API 2.0 in production production API" in shown
    assert "198.51.100.23 API abc.123" in shown
    assert "ana tag.add Web 1.0 tag prod Web — web UI —" in shown
    html = response.content.decode()
    assert re.search(r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">5\s+minutes ago</time>', html)
    assert 'href="/ui/applications/API"' in html
    assert '<a href="/ui/audit" aria-current="page">Audit log</a>' in html


def test_the_filters_and_the_pages() -> None:
    for minutes in range(60):
        entry(minutes, actor_name="ana" if minutes % 2 else "bob", action="pact.publish" if minutes < 55 else "tag.add")
    client = signed_in(WRITER)
    first = client.get("/ui/audit", {"actor": "ana", "action": "pact."})
    assert first.status_code == 200
    rows = re.findall(r"<tr>\s*<td class=\"when\">", first.content.decode())
    assert len(rows) == 27  # ana's 27 of the 55 publishes: one page
    assert 'rel="next"' not in first.content.decode()

    everything = client.get("/ui/audit")
    html = everything.content.decode()
    assert len(re.findall(r'<td class="when">', html)) == 50
    older = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    page_two = client.get(older).content.decode()
    assert len(re.findall(r'<td class="when">', page_two)) == 10
    newer = re.search(r'rel="prev" href="([^"]+)"', page_two).group(1).replace("&amp;", "&")
    assert len(re.findall(r'<td class="when">', client.get(newer).content.decode())) == 50


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"from": "yesterday"}, "from: Enter a valid date/time."),
        ({"from": "2024-05-02T00:00", "to": "2024-05-01T00:00"}, "to: must be after From"),
        ({"after": "garbage"}, "this page cursor was not made by Accord"),
        ({"actor": "x" * 300}, "actor: Ensure this value has at most 255 characters"),
    ],
)
def test_bad_filters_are_a_400_page_saying_what_is_wrong(query, problem) -> None:
    response = signed_in(WRITER).get("/ui/audit", query)
    assert response.status_code == 400 and problem in text(response)


def test_the_time_filters_are_read_as_utc() -> None:
    entry(0, target="recent")
    entry(60 * 24 * 3, target="three days back")
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    shown = text(signed_in(WRITER).get("/ui/audit", {"from": since}))
    assert "recent" in shown and "three days back" not in shown


def test_read_only_users_neither_see_nor_open_it() -> None:
    client = signed_in(READER)
    assert "/ui/audit" not in client.get("/ui/webhooks").content.decode()
    response = client.get("/ui/audit")
    assert response.status_code == 403
    assert "Not allowed: reading the audit log needs the admin scope." in text(response)
    assert "/ui/audit" in signed_in(WRITER).get("/ui/webhooks").content.decode()


def test_an_empty_log() -> None:
    assert "Nothing has been changed yet." in text(signed_in(WRITER).get("/ui/audit"))
    assert "No change matches." in text(signed_in(WRITER).get("/ui/audit", {"actor": "nobody"}))
