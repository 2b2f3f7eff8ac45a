"""The "Can I deploy?" page: the CLI's question as a form, answered exactly as the API answers it."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest

from tests.builders import TestData, drift_incident
from tests.client import ApiClient

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def ask(api: ApiClient, **params: object):
    return api.get("/ui/can-i-deploy?" + urlencode(params, doseq=True), **HTML)


def text(response) -> str:
    """The page's words, tags dropped and whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def verdict(response) -> str:
    return re.search(r'class="verdict-word">([^<]+)<', response.content.decode()).group(1)


def field_error(response, name: str) -> str:
    match = re.search(rf'id="id_{name}_error">([^<]+)<', response.content.decode())
    return unescape(match.group(1)) if match else ""


@pytest.fixture
def scenario(td: TestData) -> TestData:
    """Web 1 verified by Orders 10 (deployed to production); Web 2 failed by it; Mobile 1 unverified."""
    td.environment("production", production=True)
    td.environment("test")
    td.publish("Web", "1", provider="Orders", branch="main").verify("10")
    td.deploy("Orders", "10", to="production")
    td.publish("Web", "2", provider="Orders", branch="feat-x", variant="v2").verify("10", success=False)
    td.publish("Mobile", "1", provider="Orders", branch="main")
    return td


def test_the_empty_form_asks_the_question(api: ApiClient, scenario: TestData) -> None:
    response = api.get("/ui/can-i-deploy", **HTML)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Can I deploy? · Accord</title>" in html
    assert '<option value="Web">' in html and '<option value="production">' in html
    assert 'list="application-names"' in html
    assert "verdict-word" not in html
    assert 'aria-current="page">Can I deploy?<' in html


def test_a_deployable_version_says_yes_with_the_reason_and_its_rows(api: ApiClient, scenario: TestData) -> None:
    response = ask(api, pacticipant="Web", version="1", environment="production")
    assert response.status_code == 200
    assert verdict(response) == "Yes, deployable"
    page = text(response)
    assert "All required verification results are published and successful" in page
    html = response.content.decode()
    # The row behind it: versions, the verification with a link to its JSON.
    assert re.search(r'href="/pacts/provider/Orders/consumer/Web/pact-version/\w+/verification-results/\d+"', html)
    assert 'badge badge-verified">verified<' in html
    assert 'href="/ui/applications/Orders"' in html
    # The same question for the CLI, and the answer as JSON.
    assert (
        "pact broker can-i-deploy --pacticipant Web --version 1 --to-environment production "
        "--broker-base-url http://testserver"
    ) in unescape(html)
    assert (
        "/matrix?q%5B%5D%5Bpacticipant%5D=Web&amp;q%5B%5D%5Bversion%5D=1&amp;latestby=cvp&amp;environment=production"
        in html
    )


def test_a_failed_verification_says_no_and_why(api: ApiClient, scenario: TestData) -> None:
    response = ask(api, pacticipant="Web", version="2", environment="production")
    assert response.status_code == 200
    assert verdict(response) == "No, not deployable"
    assert "The verification for the pact between version 2 of Web and" in text(response)
    assert 'badge badge-failed">failed<' in response.content.decode()


def test_a_missing_verification_is_unknown(api: ApiClient, scenario: TestData) -> None:
    response = ask(api, pacticipant="Mobile", latest="on", environment="production")
    assert verdict(response) == "No, not yet known"
    assert "There is no verified pact between" in text(response)
    assert "--main-branch --to-environment production" in unescape(response.content.decode())


def test_a_branch_is_its_latest_version(api: ApiClient, scenario: TestData) -> None:
    response = ask(api, pacticipant="Web", branch="feat-x", environment="production")
    assert verdict(response) == "No, not deployable"
    assert "--branch feat-x" in unescape(response.content.decode())
    assert "Version 2 of Web (the latest of branch feat-x) to production" in text(response)


def test_ignoring_the_provider_makes_it_deployable_with_a_notice(api: ApiClient, scenario: TestData) -> None:
    response = ask(api, pacticipant="Web", version="2", environment="production", ignore="Orders")
    assert verdict(response) == "Yes, deployable"
    page = text(response)
    assert "Ignoring: The verification for the pact between" in page
    assert "ignoring Orders" in page
    assert "--ignore Orders" in unescape(response.content.decode())
    assert 'badge badge-ignored">ignored<' in response.content.decode()


def test_drift_warnings_are_shown_as_notices(api: ApiClient, scenario: TestData) -> None:
    incident = drift_incident("Web", "Orders", "production")
    type(incident.target).objects.filter(pk=incident.target_id).update(last_status="drifted")
    api_notices = api.get(
        "/can-i-deploy?pacticipant=Web&version=1&environment=production", HTTP_ACCEPT="application/hal+json"
    ).json()["notices"]
    warnings = [notice["text"] for notice in api_notices if notice["type"] == "warning"]
    assert warnings, api_notices
    page = text(ask(api, pacticipant="Web", version="1", environment="production"))
    for warning in warnings:
        assert " ".join(warning.split()) in page


@pytest.mark.parametrize(
    ("ui", "api_query"),
    [
        ({"version": "1"}, "pacticipant=Web&version=1&environment=production"),
        ({"version": "2"}, "pacticipant=Web&version=2&environment=production"),
        ({"version": "2", "ignore": "Orders"}, "pacticipant=Web&version=2&environment=production&ignore[]=Orders"),
    ],
)
def test_the_ui_and_the_can_i_deploy_api_agree(api: ApiClient, scenario: TestData, ui: dict, api_query: str) -> None:
    """Deployable and non-deployable: the page shows the API's own verdict and reason."""
    body = api.get(f"/can-i-deploy?{api_query}", HTTP_ACCEPT="application/hal+json").json()
    response = ask(api, pacticipant="Web", environment="production", **ui)
    expected = {True: "Yes, deployable", False: "No, not deployable", None: "No, not yet known"}
    assert verdict(response) == expected[body["summary"]["deployable"]]
    reasons = re.search(r'<ul class="reasons">(.*?)</ul>', response.content.decode(), re.S).group(1)
    assert [unescape(line) for line in re.findall(r"<li>([^<]*)</li>", reasons)] == body["summary"]["reason"].split(
        "\n"
    )


def test_the_ui_and_the_matrix_api_agree_for_a_branch(api: ApiClient, scenario: TestData) -> None:
    # What the Rust CLI sends for --branch (no q[][latest]); the page asks as the Ruby CLI does.
    body = api.get(
        "/matrix?q[][pacticipant]=Web&q[][branch]=feat-x&latestby=cvpv&environment=production",
        HTTP_ACCEPT="application/hal+json",
    ).json()
    response = ask(api, pacticipant="Web", branch="feat-x", environment="production")
    assert body["summary"]["deployable"] is False
    assert verdict(response) == "No, not deployable"
    assert body["summary"]["reason"].split("\n")[0] in text(response)


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        (
            {"pacticipant": "Nobody", "version": "1", "environment": "production"},
            "pacticipant",
            "Pacticipant Nobody not found",
        ),
        ({"pacticipant": "Web", "version": "9.9", "environment": "production"}, "version", "Web has no version 9.9"),
        ({"pacticipant": "Web", "branch": "nope", "environment": "production"}, "branch", "no version on branch nope"),
        (
            {"pacticipant": "Orders", "latest": "on", "environment": "production"},
            "latest",
            "no version on its main branch",
        ),
        ({"pacticipant": "Web", "version": "1", "environment": "mars"}, "environment", "Select a valid choice"),
        ({"pacticipant": "Web", "version": "1"}, "environment", "This field is required"),
        ({"pacticipant": "Web", "environment": "production"}, "version", "Give a version, a branch, or ask"),
        (
            {"pacticipant": "Web", "version": "1", "branch": "main", "environment": "production"},
            "branch",
            "only one of",
        ),
        ({"version": "1", "environment": "production"}, "pacticipant", "This field is required"),
    ],
)
def test_bad_input_is_the_form_again_with_the_error_next_to_the_field(
    api: ApiClient, scenario: TestData, params: dict, field: str, says: str
) -> None:
    response = ask(api, **params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert says in field_error(response, field)
    html = response.content.decode()
    assert f'aria-describedby="id_{field}_error"' in html
    assert "verdict-word" not in html
    # The form keeps what was typed.
    if params.get("pacticipant"):
        assert f'value="{params["pacticipant"]}"' in html


def test_a_malformed_query_string_is_a_400_not_a_500(api: ApiClient, scenario: TestData) -> None:
    response = api.get("/ui/can-i-deploy?pacticipant=%00&version=%ff&environment=production", **HTML)
    assert response.status_code == 400


@pytest.mark.parametrize("extra", [0, 20])
def test_the_page_runs_a_bounded_number_of_queries(
    api: ApiClient, td: TestData, django_assert_max_num_queries, extra: int
) -> None:
    td.environment("production", production=True)
    td.publish("Web", "1", providers=["Orders", *[f"P{n}" for n in range(extra)]])
    for n in range(extra):
        td.verify("10", contract=td.contracts[("Web", "1", f"P{n}")])
        td.deploy(f"P{n}", "10", to="production")
    td.verify("10", contract=td.contracts[("Web", "1", "Orders")])
    td.deploy("Orders", "10", to="production")
    with django_assert_max_num_queries(12):
        response = ask(api, pacticipant="Web", version="1", environment="production")
    assert verdict(response) == "Yes, deployable"
    assert response.content.decode().count('badge badge-verified">verified<') == extra + 1


def test_links_and_the_cli_command_follow_a_script_name(api: ApiClient, scenario: TestData) -> None:
    response = api.get("/ui/can-i-deploy?pacticipant=Web&version=1&environment=production", SCRIPT_NAME="/pact", **HTML)
    html = unescape(response.content.decode())
    assert 'action="/pact/ui/can-i-deploy"' in html
    assert "--broker-base-url http://testserver/pact" in html
    assert 'href="/pact/matrix?q%5B%5D%5Bpacticipant%5D=Web' in html
