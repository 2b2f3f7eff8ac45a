"""The contract, diff, verification result and verification run pages (Django test client)."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest
from django.urls import set_script_prefix

from tests.builders import TestData
from tests.client import ApiClient
from tests.ui import contracts_scene as scene

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
PAIR = "/ui/pacts/provider/orders-api/consumer/web-shop"


def get(api: ApiClient, path: str, **extra: str):
    return api.get(path, **HTML, **extra)


def text(response) -> str:
    """The page as text: tags dropped, entities decoded, whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", htmllib.unescape(body))


def card_badges(response) -> dict[str, str]:
    """Each interaction card's title -> its verification badge text."""
    html = response.content.decode()
    found = {}
    for title, head in re.findall(r'<h3 id="interaction-\d+-title">([^<]+)</h3>(.*?)</header>', html, re.S):
        badges = re.findall(r'class="badge badge-(?:verified|failed|unverified)">([^<]+)<', head)
        found[htmllib.unescape(title)] = badges[0] if badges else ""
    return found


# ---------------------------------------------------------------- contract page


def test_every_interaction_kind_is_a_card(api: ApiClient, td: TestData) -> None:
    scene.publish(td, scene.rich_pact("web-shop", "orders-api"), "1.0.0")
    response = get(api, PAIR + "/version/1.0.0")
    assert response.status_code == 200
    page = text(response)
    assert "Pact between web-shop and orders-api" in page
    # HTTP as HTTP: method, path and query, headers, pretty JSON body; status and headers.
    assert "GET /users/123?fields=name&amp;fields=email" in response.content.decode()
    assert "Accept: application/json" in page
    assert "HTTP 200 Content-Type: application/json" in page
    assert "&quot;email&quot;: &quot;alice@example.com&quot;,\n" in response.content.decode()
    # v4 asynchronous and synchronous messages: metadata and contents; request and response.
    assert "Asynchronous message" in page and "Synchronous message" in page
    assert "topic: users" in page and "&quot;event&quot;: &quot;user.created&quot;" in response.content.decode()
    # The plugin interaction is shown as its markup, its binary contents never decoded.
    assert "Plugin · Synchronous message" in page
    assert "message AddressRequest {" in page
    assert "CgM3ODk=" not in page.split("Raw JSON")[0]
    # Provider states with their parameters.
    assert "Given user 123 exists id=123, name=Alice ; the user service is up" in page
    assert len(card_badges(response)) == 6


def test_matching_rules_and_generators_are_explained_in_words(api: ApiClient, td: TestData) -> None:
    scene.publish(td, scene.rich_pact("web-shop", "orders-api"), "1.0.0")
    html = get(api, PAIR + "/version/1.0.0").content.decode()
    assert "<summary>Matching rules and generators (8)</summary>" in html
    for sentence in (
        "response $.id: is an integer",
        "response $.name: matches by type",
        "response $.email: matches regex .+@.+",
        "response $.tags: matches by type (at least 1 item)",
        "response $.created: is a date-time formatted yyyy-MM-dd&#x27;T&#x27;HH:mm:ss&#x27;Z&#x27;",
        "response $.requestId: random UUID",
        "request path: matches regex /users/\\d+",
        "response header Location: matches regex /users/\\d+",
    ):
        assert f"<code>{sentence}</code>" in html, sentence


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        (scene.V2_HTTP, ["HTTP"]),
        (scene.V3_HTTP, ["HTTP"]),
        (scene.V3_MESSAGE, ["Asynchronous message"]),
    ],
)
def test_earlier_specifications_render(api: ApiClient, td: TestData, name: str, kinds: list[str]) -> None:
    scene.publish(td, scene.pact(name, "web-shop", "orders-api"), "1.0.0")
    response = get(api, PAIR + "/latest")
    assert response.status_code == 200
    shown = set(re.findall(r'class="badge badge-kind">([^<]+)<', response.content.decode()))
    assert shown == set(kinds)
    if name == scene.V2_HTTP:
        assert "response header Location: matches regex" in text(response)


def test_per_interaction_status_of_the_newest_verification_and_of_a_chosen_version(
    api: ApiClient, td: TestData
) -> None:
    contract = scene.publish(td, scene.rich_pact("web-shop", "orders-api"), "1.0.0")
    scene.verify(contract, "2.0.0")
    failed = scene.verify(contract, "2.1.0", failing={"a request for user 123": scene.NAME_MISMATCH})
    response = get(api, PAIR + "/version/1.0.0")
    badges = card_badges(response)
    assert badges["a request for user 123"] == "failed"
    assert set(badges.values()) == {"passed", "failed"}
    page = text(response)
    assert "5 passed, 1 failed" in page
    assert f'href="/ui/verification-results/{failed.id}"' in response.content.decode()
    # The mismatches are shown on the failing card.
    assert (
        "$.name" in page
        and "Expected &#x27;Alice&#x27; (String) but received 42 (Integer)" in response.content.decode()
    )

    older = get(api, PAIR + "/version/1.0.0?provider_version=2.0.0")
    assert set(card_badges(older).values()) == {"passed"}
    assert "6 passed, 0 failed" in text(older)


def test_status_for_the_provider_version_in_an_environment(api: ApiClient, td: TestData) -> None:
    contract = scene.publish(td, scene.rich_pact("web-shop", "orders-api"), "1.0.0")
    scene.verify(contract, "2.0.0", failing={"a user created event": scene.NAME_MISMATCH})
    scene.verify(contract, "2.1.0")
    td.environment("test")
    td.deploy("orders-api", "2.0.0", to="production")
    production = get(api, PAIR + "/version/1.0.0?environment=production")
    assert card_badges(production)["a user created event"] == "failed"
    assert "version 2.0.0" in text(production)
    nothing = get(api, PAIR + "/version/1.0.0?environment=test")
    assert "No verification of this content by the orders-api version in test" in text(nothing)
    assert set(card_badges(nothing).values()) == {""}


def test_raw_json_is_pretty_and_escaped_and_links_lead_on(api: ApiClient, td: TestData) -> None:
    doc = scene.rich_pact("web-shop", "orders-api")
    doc["interactions"][0]["description"] = "<script>alert(1)</script>"
    scene.publish(td, doc, "1.0.0")
    scene.publish(td, scene.pact(scene.V4_MIXED, "web-shop", "orders-api"), "1.1.0")
    html = get(api, PAIR + "/version/1.1.0").content.decode()
    assert "<summary>Raw JSON</summary>" in html
    assert "<script>alert" not in html
    html = get(api, PAIR + "/version/1.0.0").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The raw JSON is loaded when its toggle opens (htmx), or opened whole from the link.
    raw_url = f"{PAIR}/version/1.0.0/raw"
    assert f'hx-get="{raw_url}" hx-trigger="toggle once"' in html and f'<a href="{raw_url}">' in html
    fragment = get(api, raw_url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    body = fragment.content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "  &quot;consumer&quot;: {\n    &quot;name&quot;: &quot;web-shop&quot;\n  }," in body
    whole = get(api, raw_url)
    assert whole["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(whole.content)["interactions"][0]["description"] == "<script>alert(1)</script>"
    assert get(api, f"{PAIR}/version/9.9.9/raw").status_code == 404
    assert 'href="/pacts/provider/orders-api/consumer/web-shop/version/1.0.0">Pact as JSON (API)' in html
    latest = get(api, PAIR + "/latest").content.decode()
    assert f'href="{PAIR}/compare?from=1.0.0&amp;to=1.1.0">Changes since the previous version (1.0.0)' in latest
    assert 'class="badge badge-info">latest<' in latest


def test_names_with_slashes_and_spaces_link_correctly(api: ApiClient, td: TestData) -> None:
    scene.publish(td, scene.pact(scene.V3_HTTP, "web shop", "orders/api"), "1.0/rc 1")
    path = "/ui/pacts/provider/orders%2Fapi/consumer/web%20shop/version/1.0%2Frc%201"
    response = get(api, path)
    assert response.status_code == 200
    assert 'href="/pacts/provider/orders%2Fapi/consumer/web%20shop/version/1.0%2Frc%201"' in response.content.decode()


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        (PAIR + "/version/9.9.9", 404, "No pact found for web-shop version 9.9.9 and provider orders-api."),
        ("/ui/pacts/provider/nobody/consumer/web-shop/latest", 404, "No pact has been published between web-shop"),
        (PAIR + "/version/1.0.0?environment=mars", 400, "environment: Select a valid choice"),
        (PAIR + "/version/1.0.0?provider_version=2&environment=production", 400, "not both"),
        (PAIR + "/version/1.0.0?provider_version=" + "9" * 300, 400, "provider_version: Ensure this value"),
        (PAIR + "/compare?from=0.0.1", 404, "No pact found for web-shop version 0.0.1"),
        (PAIR + "/compare?to=" + "x" * 300, 400, "to: Ensure this value"),
        ("/ui/verification-results/12345678", 404, "No verification result 12345678 exists."),
        ("/ui/verification-results/latest", 404, "No verification result latest exists."),
        ("/ui/verification-runs/not-a-uuid", 404, "No verification run not-a-uuid"),
        ("/ui/verification-runs/6f1c1d2e-8f4e-4d47-9a57-4b1f0c6b2b10", 404, "No verification run"),
    ],
)
def test_bad_input_is_a_clear_4xx_page(api: ApiClient, td: TestData, path: str, status: int, says: str) -> None:
    td.environment("production")
    scene.publish(td, scene.pact(scene.V3_HTTP, "web-shop", "orders-api"), "1.0.0")
    response = get(api, path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert says in text(response)


# ---------------------------------------------------------------- diff page


def test_the_diff_shows_added_removed_and_changed_interactions(api: ApiClient, td: TestData) -> None:
    old = scene.big_pact("web-shop", "orders-api", 4)
    new = json.loads(json.dumps(old))
    new["interactions"][1]["response"]["body"]["status"] = "shipped"  # changed
    new["interactions"][1]["response"]["body"] = dict(reversed(new["interactions"][1]["response"]["body"].items()))
    del new["interactions"][2]  # removed
    new["interactions"].append({**old["interactions"][0], "description": "a request to cancel"})  # added
    # Key order alone is not a change.
    new["interactions"][0] = dict(reversed(new["interactions"][0].items()))
    scene.publish(td, old, "1.0.0")
    scene.publish(td, new, "1.1.0")
    response = get(api, PAIR + "/compare")  # default: the latest against the previous distinct version
    assert response.status_code == 200
    page = text(response)
    assert "1 removed 1 changed 1 added 2 unchanged" in page
    html = response.content.decode()
    assert re.search(r"a request for order 2</h2>.*?badge-removed\">removed<", html, re.S)
    assert re.search(r"a request to cancel</h2>.*?badge-added\">added<", html, re.S)
    assert re.search(
        r"<code>\$\.response\.body\.status</code></th><td class=\"old\"><code>&quot;open&quot;</code></td>"
        r"<td class=\"new\"><code>&quot;shipped&quot;</code></td>",
        html,
    )
    assert "<summary>2 unchanged interactions</summary>" in html
    assert 'href="/pacts/provider/orders-api/consumer/web-shop/version/1.1.0/diff/version/1.0.0">Text diff' in html
    # What was removed and what was added can be read whole, as HTTP: the added one open.
    removed = re.search(r"a request for order 2</h2>(.*?)</article>", html, re.S).group(1)
    assert "<summary>What version 1.0.0 had</summary>" in removed
    assert "GET /orders/2" in removed
    added = re.search(r"a request to cancel</h2>(.*?)</article>", html, re.S).group(1)
    assert '<details class="toggle" open>' in added
    assert "<summary>What version 1.1.0 adds</summary>" in added
    assert "GET /orders/0" in added
    changed = re.search(r"a request for order 1</h2>(.*?)</article>", html, re.S).group(1)
    assert "<details" not in changed  # a changed one shows its changes, not the whole exchange


def test_the_diff_of_chosen_versions_and_of_a_first_version(api: ApiClient, td: TestData) -> None:
    scene.publish(td, scene.big_pact("web-shop", "orders-api", 2), "1.0.0")
    scene.publish(td, scene.big_pact("web-shop", "orders-api", 2, variant="x"), "1.1.0")
    scene.publish(td, scene.big_pact("web-shop", "orders-api", 3, variant="x"), "1.2.0")
    chosen = text(get(api, PAIR + "/compare?from=1.0.0&to=1.2.0"))
    assert "0 removed 2 changed 1 added 0 unchanged" in chosen
    first = text(get(api, PAIR + "/compare?to=1.0.0"))
    assert "has no earlier version with other content" in first


def test_spec_upgrades_that_change_nothing_are_unchanged(api: ApiClient, td: TestData) -> None:
    """v3 → v4 of the same interactions: only v4's wrappers differ, and those are not changes."""
    scene.publish(td, scene.pact(scene.V3_HTTP, "web-shop", "orders-api"), "1.0.0")
    scene.publish(td, scene.pact(scene.V4_MIXED, "web-shop", "orders-api"), "1.1.0")
    page = text(get(api, PAIR + "/compare"))
    # The v4 pact adds two messages; its HTTP interactions say what the v3 ones said.
    assert "0 removed 0 changed 2 added 3 unchanged" in page


# ---------------------------------------------------------------- verification result and run


def test_a_verification_result_shows_who_and_each_interaction(api: ApiClient, td: TestData) -> None:
    contract = scene.publish(td, scene.rich_pact("web-shop", "orders-api"), "1.0.0")
    td.branch("orders-api", "2.1.0", "main")
    result = scene.verify(contract, "2.1.0", failing={"a request for user 123": scene.NAME_MISMATCH})
    response = get(api, f"/ui/verification-results/{result.id}")
    assert response.status_code == 200
    page = text(response)
    assert f"Verification result #{result.id} failed" in page
    assert "Provider version 2.1.0 branch main" in page
    assert "Verified by Pact-Rust 1.2.5" in page
    assert "6 interactions · 1 failed" in page
    html = response.content.decode()
    assert '<a href="https://ci.example.com/builds/812" rel="noopener noreferrer">' in html
    assert (
        "<tr><td>body</td><td><code>$.name</code></td><td><code>—</code></td><td><code>—</code></td>"
        "<td>Expected &#x27;Alice&#x27; (String) but received 42 (Integer)</td></tr>"
    ) in html
    assert f'href="{PAIR}/version/1.0.0?provider_version=2.1.0"' in html
    api_href = (
        f"/pacts/provider/orders-api/consumer/web-shop/pact-version/{contract.sha}/verification-results/{result.id}"
    )
    assert f'href="{api_href}"' in html
    assert api.get(api_href).status_code == 200


def test_a_result_without_test_results_or_a_web_build_url(api: ApiClient, td: TestData) -> None:
    from contracts.services import verifications

    contract = scene.publish(td, scene.pact(scene.V3_HTTP, "web-shop", "orders-api"), "1.0.0")
    result = verifications.verification_record(
        contract=contract, provider_version_number="2", success=True, build_url="javascript:alert(1)"
    )
    response = get(api, f"/ui/verification-results/{result.id}")
    page = text(response)
    assert "The verifier sent no per-interaction results" in page
    assert 'href="javascript' not in response.content.decode()
    assert "no build URL" in page


def test_ids_only_test_results_take_descriptions_from_the_pact(api: ApiClient, td: TestData) -> None:
    from contracts.services import verifications

    contract = scene.publish(td, scene.pact(scene.V3_HTTP, "web-shop", "orders-api"), "1.0.0")
    results = [{"interactionId": r["interactionId"], "success": True} for r in scene.test_results(contract)]
    result = verifications.verification_record(
        contract=contract, provider_version_number="2", success=True, test_results=results
    )
    page = text(get(api, f"/ui/verification-results/{result.id}"))
    assert "a request to create a user passed" in page


def test_a_verification_run_shows_its_pacts_results_and_redacted_log(api: ApiClient, td: TestData) -> None:
    contract = scene.publish(td, scene.rich_pact("web-shop", "orders-api"), "1.0.0")
    result = scene.verify(contract, "2.0.0", failing={"a request for user 123": scene.NAME_MISMATCH})
    run = scene.verification_run(contract, "2.0.0", verification=result, failing="a request for user 123")
    response = get(api, f"/ui/verification-runs/{run.uuid}")
    assert response.status_code == 200
    page = text(response)
    html = response.content.decode()
    assert "Verification run of orders-api 2.0.0 failed" in page
    assert "Trigger contract_requiring_verification_published" in page
    assert "s3cret-token" not in html  # the base URL's credentials are masked
    assert "<summary>Log (secrets redacted)</summary>" in html
    assert f'href="{PAIR}/version/1.0.0?provider_version=2.0.0">web-shop version 1.0.0</a>' in html
    assert f'href="/ui/verification-results/{result.id}"' in html
    assert (
        "<tr><td>header</td><td><code>Content-Type</code></td><td><code>application/json</code></td>"
        "<td><code>text/html</code></td>"
    ) in html
    assert f'href="/verification-runs/{run.uuid}"' in html


def test_the_home_page_links_to_the_contract_and_the_result(api: ApiClient, td: TestData) -> None:
    contract = scene.publish(td, scene.pact(scene.V3_HTTP, "web-shop", "orders-api"), "1.0.0")
    result = scene.verify(contract, "2.0.0")
    html = get(api, "/").content.decode()
    assert f'href="{PAIR}/version/1.0.0"' in html
    assert f'href="/ui/verification-results/{result.id}"' in html
    for href in (f"{PAIR}/version/1.0.0", f"/ui/verification-results/{result.id}"):
        assert get(api, href).status_code == 200


def test_links_follow_a_script_name(api: ApiClient, td: TestData) -> None:
    scene.publish(td, scene.big_pact("web-shop", "orders-api", 1), "1.0.0")
    scene.publish(td, scene.big_pact("web-shop", "orders-api", 2), "1.1.0")
    try:
        html = get(api, PAIR + "/latest", SCRIPT_NAME="/pact").content.decode()
    finally:
        # The test client, unlike a server, never resets the prefix: later tests must not inherit it.
        set_script_prefix("/")
    assert 'href="/pact/pacts/provider/orders-api/consumer/web-shop/version/1.1.0"' in html
    assert f'href="/pact{PAIR}/compare?from=1.0.0&amp;to=1.1.0"' in html


# ---------------------------------------------------------------- bounded queries


@pytest.mark.parametrize("size", [5, 500])
def test_the_contract_page_reads_a_fixed_number_of_rows(
    api: ApiClient, td: TestData, django_assert_max_num_queries, size: int
) -> None:
    old = scene.publish(td, scene.big_pact("web-shop", "orders-api", size, variant="a"), "1.0.0")
    contract = scene.publish(td, scene.big_pact("web-shop", "orders-api", size), "1.1.0")
    for n in range(3):
        scene.verify(old, f"2.{n}")
        scene.verify(contract, f"3.{n}", failing={"a request for order 1": scene.NAME_MISMATCH})
    td.deploy("orders-api", "3.1", to="production")
    # Environments, the pact, recent results, provider versions, the previous version.
    with django_assert_max_num_queries(6):
        response = get(api, PAIR + "/version/1.1.0")
    assert len(card_badges(response)) == size
    with django_assert_max_num_queries(7):
        chosen = get(api, PAIR + "/version/1.1.0?environment=production")
    assert card_badges(chosen)["a request for order 1"] == "failed"


@pytest.mark.parametrize("size", [5, 500])
def test_the_other_pages_read_a_fixed_number_of_rows(
    api: ApiClient, td: TestData, django_assert_max_num_queries, size: int
) -> None:
    old = scene.publish(td, scene.big_pact("web-shop", "orders-api", size, variant="a"), "1.0.0")
    contract = scene.publish(td, scene.big_pact("web-shop", "orders-api", size), "1.1.0")
    result = scene.verify(contract, "3.0", failing={"a request for order 1": scene.NAME_MISMATCH})
    run = scene.verification_run(contract, "3.0", verification=result, failing="a request for order 1")
    scene.verification_run(old, "3.0")
    with django_assert_max_num_queries(4):
        compare = get(api, PAIR + "/compare")
    assert f"0 removed {size} changed 0 added" in text(compare)
    with django_assert_max_num_queries(3):
        assert get(api, f"/ui/verification-results/{result.id}").status_code == 200
    with django_assert_max_num_queries(4):
        page = get(api, f"/ui/verification-runs/{run.uuid}")
    assert page.content.decode().count('class="badge badge-verified">passed<') == size - 1
