"""A pact's previous distinct version and the diff resources, through the HTTP API."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from contracts.models import ContractPublication

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
PAIR = "/pacts/provider/API/consumer/Web"
TEXT = "text/plain; charset=utf-8"
HAL = "application/hal+json; charset=utf-8"


def sha_of(version: str) -> str:
    return ContractPublication.objects.get(
        consumer__name="Web", provider__name="API", consumer_version__number=version, is_current=True
    ).contract.sha


@pytest.fixture
def history(td):
    """1.0 (content a), 2.0 (b), 3.0 (b again), 4.0 (a again); another pair in between."""
    td.publish("Web", "1.0", provider="API", variant="a")
    td.publish("Web", "2.0", provider="API", variant="b")
    td.publish("Other", "2.5", provider="API", variant="z")
    td.publish("Web", "3.0", provider="API", variant="b")
    td.publish("Web", "4.0", provider="API", variant="a")
    return td


def path_of(href: str) -> str:
    assert href.startswith(BASE)
    return urlsplit(href).path


# --- previous distinct ---------------------------------------------------------------------------


def test_the_previous_distinct_pact_skips_versions_with_the_same_content(api, history):
    response = api.get(f"{PAIR}/version/3.0/previous-distinct")

    assert response.status_code == 200
    assert response["Content-Type"] == HAL
    body = response.json()
    assert body["_links"]["self"]["href"] == f"{BASE}{PAIR}/version/1.0"
    assert body["_links"]["pb:pact-version"]["name"] == sha_of("1.0")
    assert body["interactions"][0]["response"]["body"] == {"id": 1, "variant": "a"}
    assert body["consumer"] == {"name": "Web"} and "createdAt" in body


def test_the_previous_distinct_pact_of_returning_content_is_the_version_before(api, history):
    body = api.get(f"{PAIR}/version/4.0/previous-distinct").json()

    assert body["_links"]["self"]["href"] == f"{BASE}{PAIR}/version/3.0"


def test_no_previous_distinct_pact_is_a_json_404(api, history):
    response = api.get(f"{PAIR}/version/1.0/previous-distinct")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/")
    assert "No previous distinct version" in response.json()["error"]


def test_an_unchanged_history_has_no_previous_distinct_pact(api, td):
    td.publish("Web", "1.0", provider="API", variant="same")
    td.publish("Web", "2.0", provider="API", variant="same")

    assert api.get(f"{PAIR}/version/2.0/previous-distinct").status_code == 404
    assert api.get(f"{PAIR}/version/2.0/diff/previous-distinct").status_code == 404


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/pacts/provider/API/consumer/Nobody/version/1.0/previous-distinct", "No pacticipant with name 'Nobody'"),
        (f"{PAIR}/version/9.9/previous-distinct", "No pact found for Web version 9.9"),
        (f"{PAIR}/version/9.9/diff/previous-distinct", "No pact found for Web version 9.9"),
        (f"{PAIR}/version/4.0/diff/version/9.9", "No pact found for Web version 9.9"),
        (f"{PAIR}/version/9.9/diff/version/4.0", "No pact found for Web version 9.9"),
        (f"{PAIR}/pact-version/{'0' * 40}/diff/pact-version/{'1' * 40}", "No pact with content"),
        (f"{PAIR}/pact-version/not-a-sha/diff/pact-version/{'1' * 40}", "No pact with content not-a-sha"),
    ],
)
def test_missing_pacts_and_versions_are_json_404s(api, history, path, message):
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/")
    assert message in response.json()["error"]


def test_a_missing_other_pact_version_is_a_json_404(api, history):
    response = api.get(f"{PAIR}/pact-version/{sha_of('1.0')}/diff/pact-version/{'f' * 40}")

    assert response.status_code == 404
    assert f"No pact with content {'f' * 40}" in response.json()["error"]


# --- diffs --------------------------------------------------------------------------------------------


def test_the_diff_with_the_previous_distinct_pact_is_text_naming_what_changed(api, history):
    response = api.get(f"{PAIR}/version/3.0/diff/previous-distinct")

    assert response.status_code == 200
    assert response["Content-Type"] == TEXT
    text = response.content.decode()
    assert text.startswith("Diff between version 1.0 and version 3.0 of the pact between Web and API\n====")
    assert "--- version 1.0\n+++ version 3.0\n" in text
    assert '-          "variant": "a"' in text
    assert '+          "variant": "b"' in text
    # Our own interaction ids are not content a person changed.
    assert '"_id"' not in text


def test_the_diff_between_two_consumer_versions_goes_from_the_other_to_this(api, history):
    response = api.get(f"{PAIR}/version/2.0/diff/version/1.0")

    assert response.status_code == 200
    assert response["Content-Type"] == TEXT
    text = response.content.decode()
    assert "--- version 1.0\n+++ version 2.0\n" in text
    assert '-          "variant": "a"' in text and '+          "variant": "b"' in text


def test_the_diff_of_the_same_content_says_there_is_none(api, history):
    text = api.get(f"{PAIR}/version/3.0/diff/version/2.0").content.decode()

    assert text.endswith("\n\nNo differences.\n")


def test_the_diff_between_pact_versions_names_both_shas(api, history):
    old, new = sha_of("1.0"), sha_of("2.0")

    response = api.get(f"{PAIR}/pact-version/{new.upper()}/diff/pact-version/{old}")

    assert response.status_code == 200
    assert response["Content-Type"] == TEXT
    text = response.content.decode()
    assert f"--- pact version {old}\n+++ pact version {new}\n" in text
    assert '-          "variant": "a"' in text and '+          "variant": "b"' in text


# --- the pact's links lead there --------------------------------------------------------------------


def test_the_pacts_diff_links_are_served(api, history):
    links = api.get(f"{PAIR}/version/3.0").json()["_links"]

    assert links["pb:previous-distinct"] == {
        "title": "Previous distinct version of this pact",
        "href": f"{BASE}{PAIR}/version/3.0/previous-distinct",
    }
    assert links["pb:diff-previous-distinct"] == {
        "title": "Diff with previous distinct version of this pact",
        "href": f"{BASE}{PAIR}/version/3.0/diff/previous-distinct",
    }
    sha = sha_of("3.0")
    assert links["pb:diff"] == {
        "title": "Diff with another specified version of this pact",
        "href": f"{BASE}{PAIR}/pact-version/{sha}/diff/pact-version/{{pactVersion}}",
        "templated": True,
    }

    previous = api.get(path_of(links["pb:previous-distinct"]["href"]))
    assert previous.status_code == 200 and previous.json()["_links"]["self"]["href"] == f"{BASE}{PAIR}/version/1.0"
    diff = api.get(path_of(links["pb:diff-previous-distinct"]["href"]))
    assert diff.status_code == 200 and diff["Content-Type"] == TEXT
    templated = links["pb:diff"]["href"].replace("{pactVersion}", sha_of("1.0"))
    other = api.get(path_of(templated))
    assert other.status_code == 200 and other["Content-Type"] == TEXT
    # The same change, whichever way the two pacts are named.
    assert diff.content.decode().split("@@", 1)[1] == other.content.decode().split("@@", 1)[1]


def test_diff_links_of_names_needing_encoding_are_served(api, td):
    td.publish("Web app", "1.0/a", provider="API/v2", variant="a")
    td.publish("Web app", "2.0/b", provider="API/v2", variant="b")
    pair = "/pacts/provider/API%2Fv2/consumer/Web%20app"

    links = api.get(f"{pair}/version/2.0%2Fb").json()["_links"]

    assert links["pb:diff-previous-distinct"]["href"] == f"{BASE}{pair}/version/2.0%2Fb/diff/previous-distinct"
    response = api.get(path_of(links["pb:diff-previous-distinct"]["href"]))
    assert response.status_code == 200
    assert "Diff between version 1.0/a and version 2.0/b of the pact between Web app and API/v2" in (
        response.content.decode()
    )
