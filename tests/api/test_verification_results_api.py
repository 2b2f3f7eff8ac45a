"""Verification results over HTTP: publishing (both testResults formats), reading, deleting, webhooks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from contracts.models import Verification, Version
from contracts.services.versions import tag_add
from webhooks.models import TriggeredWebhook, Webhook

HAL = "application/hal+json"
BASE = "http://testserver"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
FOR_VERIFICATION = "/pacts/provider/ProviderX/for-verification"
VERIFIED_BY = {
    "clientLanguage": {"name": "pact-python", "testFramework": "pact_ffi", "version": "0.5.12.1"},
    "implementation": "Pact-Rust",
    "version": "1.4.7",
}


def rust_result(interaction_id: str = "c0ffee") -> dict:
    """The body the Rust verifier (pact-python 4.2) publishes (client-wire.md section 4 A)."""
    return {
        "buildUrl": "http://ci.example/build/2",
        "providerApplicationVersion": "2.0.0",
        "success": False,
        "testResults": [
            {"interactionDescription": "a request for hello", "interactionId": interaction_id, "success": True},
            {
                "interactionDescription": "a request for a missing thing",
                "interactionId": "c0ffee",
                "mismatches": [{"attribute": "status", "description": "expected 200 but was 404"}],
                "success": False,
            },
        ],
        "verifiedBy": VERIFIED_BY,
    }


# The Ruby pact-provider-verifier's "beta" format (client-wire.md section 4 D).
RUBY_RESULT = {
    "success": True,
    "providerApplicationVersion": "2.0.0",
    "testResults": {
        "tests": [{"testDescription": "has a pact with ConsumerA", "status": "passed"}],
        "summary": {"testCount": 1, "failureCount": 0},
        "metadata": {"pactVerificationResultsFormat": "1"},
    },
    "buildUrl": None,
}


@pytest.fixture
def pact(td):
    """ConsumerA 1.0.0 on main published a pact for ProviderX; returns its contract."""
    td.publish("ConsumerA", "1.0.0", provider="ProviderX", branch="main")
    return td.contract


def content_path(contract, *rest: str) -> str:
    return "/".join([f"/pacts/provider/ProviderX/consumer/ConsumerA/pact-version/{contract.sha}", *rest])


def pact_url_for_verification(api, body: dict) -> str:
    """The first pact's href from pacts-for-verification (with metadata), as a path."""
    response = api.post(FOR_VERIFICATION, body)
    return urlsplit(response.json()["_embedded"]["pacts"][0]["_links"]["self"]["href"]).path


def test_rust_verifier_flow_publishes_through_the_pact_link(api, pact):
    pact_path = pact_url_for_verification(
        api,
        {
            "consumerVersionSelectors": [{"mainBranch": True}],
            "providerVersionBranch": "main",
            "includePendingStatus": True,
        },
    )
    publish_href = api.get(pact_path).json()["_links"]["pb:publish-verification-results"]["href"]
    assert "/metadata/" in publish_href

    response = api.post(urlsplit(publish_href).path, rust_result())

    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith(HAL)
    verification = Verification.objects.get()
    assert response["Location"] == BASE + content_path(pact, "verification-results", str(verification.id))
    body = response.json()
    assert body["providerName"] == "ProviderX" and body["providerApplicationVersion"] == "2.0.0"
    assert body["success"] is False and ISO.match(body["verificationDate"])
    assert body["buildUrl"] == "http://ci.example/build/2"
    assert body["testResults"] == rust_result()["testResults"]
    assert body["verifiedBy"] == {
        "implementation": "Pact-Rust",
        "version": "1.4.7",
        "client_implementation": "pact-python",
        "client_test_framework": "pact_ffi",
        "client_version": "0.5.12.1",
    }
    links = body["_links"]
    assert links["self"] == {
        "title": "Verification result",
        "href": response["Location"],
        "name": f"Verification result {verification.id} for Pact between ConsumerA (1.0.0) and ProviderX",
    }
    assert links["pb:pact-version"]["href"].startswith(BASE + content_path(pact, "metadata/"))
    assert links["pb:triggered-webhooks"]["href"] == response["Location"] + "/triggered-webhooks"
    # The stored row, re-read: the pact URL's metadata came back with the result.
    assert (verification.contract_id, verification.provider_version.number, verification.success) == (
        pact.id,
        "2.0.0",
        False,
    )
    assert verification.test_results == rust_result()["testResults"]
    assert verification.verified_by == VERIFIED_BY
    assert (verification.wip, verification.pending) == (False, True)
    consumer_version = Version.objects.get(pacticipant__name="ConsumerA", number="1.0.0")
    assert verification.consumer_version_selectors == [
        {"b": "main", "cv": consumer_version.id, "cvn": "1.0.0", "l": True}
    ]


def test_ruby_verifier_result_format_without_metadata(api, pact):
    response = api.post(content_path(pact, "verification-results"), RUBY_RESULT)

    assert response.status_code == 201, response.content
    assert "buildUrl" not in response.json()
    verification = Verification.objects.get()
    assert verification.test_results == RUBY_RESULT["testResults"]
    assert (verification.success, verification.build_url, verification.wip, verification.pending) == (
        True,
        None,
        False,
        None,
    )
    assert verification.consumer_version_selectors == []


def test_a_result_through_a_wip_pact_url_is_stored_as_wip(api, pact, td):
    td.publish("ConsumerA", "1.1.0", provider="ProviderX", branch="feat-x", variant="x")
    body = {
        "consumerVersionSelectors": [{"mainBranch": True}],
        "providerVersionBranch": "main",
        "includeWipPactsSince": "2020-01-01",
    }
    wip_path = urlsplit(api.post(FOR_VERIFICATION, body).json()["_embedded"]["pacts"][1]["_links"]["self"]["href"]).path

    assert api.post(wip_path + "/verification-results", RUBY_RESULT).status_code == 201

    verification = Verification.objects.get()
    assert (verification.wip, verification.pending, verification.contract_id) == (True, True, td.contract.id)


def test_the_provider_version_is_created_with_its_branch_and_tags_copied(api, pact, td):
    td.branch("ProviderX", "2.0.0", "main")  # the verifier's PUT before publishing
    tag_add(version=td.version("ProviderX", "2.0.0"), name="ci")
    assert api.post(content_path(pact, "verification-results"), RUBY_RESULT).status_code == 201
    assert Verification.objects.get().provider_version_tags == ["ci"]


def test_webhooks_fire_once_per_selected_consumer_version(api, pact, td):
    td.publish("ConsumerA", "1.0.1", provider="ProviderX", tags=["prod"])  # same content, another commit
    Webhook.objects.create(
        uuid="verification-hook-0001",
        events=["provider_verification_published"],
        method="POST",
        url="https://ci.example/hook",
    )
    pact_path = pact_url_for_verification(api, {"consumerVersionSelectors": [{"mainBranch": True}, {"tag": "prod"}]})

    assert api.post(pact_path + "/verification-results", RUBY_RESULT).status_code == 201

    triggered = TriggeredWebhook.objects.order_by("id")
    assert [(t.event_name, t.context["consumerVersionNumber"]) for t in triggered] == [
        ("provider_verification_published", "1.0.0"),
        ("provider_verification_published", "1.0.1"),
    ]
    assert triggered[0].context["providerVersionNumber"] == "2.0.0"


NOT_FOUND = {
    "unknown content": "/pacts/provider/ProviderX/consumer/ConsumerA/pact-version/" + "0" * 40,
    "content of another pair": "/pacts/provider/ConsumerA/consumer/ProviderX/pact-version/{sha}",
    "unknown provider": "/pacts/provider/Nobody/consumer/ConsumerA/pact-version/{sha}",
    "not a sha": "/pacts/provider/ProviderX/consumer/ConsumerA/pact-version/latest",
    "nul in a name": "/pacts/provider/ProviderX/consumer/Consumer%00A/pact-version/{sha}",
}


@pytest.mark.parametrize("path", NOT_FOUND.values(), ids=NOT_FOUND.keys())
def test_publishing_for_unknown_content_is_404_and_stores_nothing(api, pact, path):
    response = api.post(path.format(sha=pact.sha) + "/verification-results", RUBY_RESULT)
    assert response.status_code == 404
    assert "error" in response.json()
    assert not Verification.objects.exists()


INVALID = {
    "success missing": ({"providerApplicationVersion": "2.0.0"}, "success"),
    "success not boolean": ({"success": "true", "providerApplicationVersion": "2.0.0"}, "success"),
    "version missing": ({"success": True}, "providerApplicationVersion"),
    "version blank": ({"success": True, "providerApplicationVersion": "  "}, "providerApplicationVersion"),
    "version not a string": ({"success": True, "providerApplicationVersion": 2}, "providerApplicationVersion"),
    "build url not a url": ({**RUBY_RESULT, "buildUrl": "not a url"}, "buildUrl"),
    "build url not a string": ({**RUBY_RESULT, "buildUrl": 42}, "buildUrl"),
    "build url unparseable": ({**RUBY_RESULT, "buildUrl": "http://[::1"}, "buildUrl"),
    # PostgreSQL cannot store NUL characters in text or jsonb: a 400, not a 500.
    "build url with nul": ({**RUBY_RESULT, "buildUrl": "http://ci/\u0000"}, "buildUrl"),
    "version with nul": ({"success": True, "providerApplicationVersion": "2\u0000"}, "providerApplicationVersion"),
    "test results with nul": ({**RUBY_RESULT, "testResults": [{"description": "a\u0000"}]}, "testResults"),
    "verified by not an object": ({**RUBY_RESULT, "verifiedBy": "me"}, "verifiedBy"),
    "client language not an object": (
        {**RUBY_RESULT, "verifiedBy": {"clientLanguage": "python"}},
        "verifiedBy.clientLanguage",
    ),
    "build url blank": ({**RUBY_RESULT, "buildUrl": ""}, "buildUrl"),
}


@pytest.mark.parametrize("body, field", INVALID.values(), ids=INVALID.keys())
def test_invalid_results_are_400_and_store_nothing(api, pact, body, field):
    response = api.post(content_path(pact, "verification-results"), body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Verification.objects.exists()
    assert not Version.objects.filter(pacticipant__name="ProviderX").exists()


def test_every_problem_in_a_result_is_reported_at_once(api, pact):
    body = {"success": "yes", "providerApplicationVersion": "2.0\n", "buildUrl": "ci", "testResults": ["\u0000"]}

    response = api.post(content_path(pact, "verification-results"), body)

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "success": ["must be true or false"],
            "providerApplicationVersion": ["cannot contain a new line"],
            "buildUrl": ["must be a URL (e.g. https://ci.example.com/builds/1)"],
            "testResults": ["cannot contain NUL characters (\\u0000)"],
        }
    }
    assert not Verification.objects.exists()


def test_unusable_metadata_is_ignored(api, pact):
    from contracts.selectors.pacts import encode_metadata

    metadata = encode_metadata(
        {"s": [{"cvn": "1\u0000"}, {"cv": 2**70}, "x", {"b": "main", "cvn": "1.0.0"}], "p": "maybe"}
    )
    response = api.post(content_path(pact, "metadata", metadata, "verification-results"), RUBY_RESULT)
    assert response.status_code == 201
    verification = Verification.objects.get()
    assert verification.consumer_version_selectors == [{"cv": 2**70}, {"b": "main", "cvn": "1.0.0"}]
    assert verification.pending is None
    assert (
        api.post(content_path(pact, "metadata", "!!not-base64!!", "verification-results"), RUBY_RESULT).status_code
        == 201
    )


def test_results_need_a_json_body(api, pact):
    assert (
        api.post(content_path(pact, "verification-results"), "success=true", content_type="text/plain").status_code
        == 415
    )
    assert api.post(content_path(pact, "verification-results"), [1]).status_code == 400
    assert not Verification.objects.exists()


def publish(td, contract, number: str, *, success: bool = True) -> Verification:
    td.verify(number, success=success, contract=contract)
    return Verification.objects.order_by("-id").first()


def test_get_a_result_by_number_with_or_without_metadata(api, pact, td):
    verification = publish(td, pact, "2.0.0")
    for path in (
        content_path(pact, "verification-results", str(verification.id)),
        content_path(pact, "metadata", "eyJjdm4iOiIxLjAuMCJ9", "verification-results", str(verification.id)),
    ):
        response = api.get(path)
        assert response.status_code == 200
        assert response.json()["providerApplicationVersion"] == "2.0.0"
        assert "testResults" not in response.json()
    assert api.get(content_path(pact, "verification-results", "999999")).status_code == 404
    assert api.get(content_path(pact, "verification-results", "nope")).status_code == 404


def test_latest_result_reads(api, pact, td):
    publish(td, pact, "2.0.0", success=True)
    latest = publish(td, pact, "2.0.1", success=False)
    td.publish("ConsumerA", "1.1.0", provider="ProviderX", tags=["prod"])  # same content, newer version
    paths = [
        content_path(pact, "verification-results", "latest"),
        "/pacts/provider/ProviderX/consumer/ConsumerA/version/1.0.0/verification-results/latest",
        "/pacts/provider/ProviderX/consumer/ConsumerA/latest/verification-results/latest",
        "/pacts/provider/ProviderX/consumer/ConsumerA/latest/prod/verification-results/latest",
    ]
    for path in paths:
        response = api.get(path)
        assert response.status_code == 200, path
        assert response.json()["_links"]["self"]["href"].endswith(f"/verification-results/{latest.id}")


def test_latest_result_reads_are_404_without_a_pact_or_a_result(api, pact):
    assert api.get(content_path(pact, "verification-results", "latest")).status_code == 404
    assert (
        api.get("/pacts/provider/ProviderX/consumer/ConsumerA/version/9.9/verification-results/latest").status_code
        == 404
    )
    assert (
        api.get("/pacts/provider/ProviderX/consumer/ConsumerA/latest/nope/verification-results/latest").status_code
        == 404
    )


def test_latest_results_of_a_consumer_version_summarise_each_provider(api, td):
    td.publish("ConsumerA", "1.0.0", providers=["Alpha", "Beta", "Gamma"])
    publish(td, td.contracts[("ConsumerA", "1.0.0", "Alpha")], "a1", success=True)
    publish(td, td.contracts[("ConsumerA", "1.0.0", "Beta")], "b1", success=False)

    response = api.get("/verification-results/consumer/ConsumerA/version/1.0.0/latest")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is False
    assert body["providerSummary"] == {"successful": ["Alpha"], "failed": ["Beta"], "unknown": ["Gamma"]}
    assert [r["providerName"] for r in body["_embedded"]["verificationResults"]] == ["Alpha", "Beta"]
    assert body["_links"]["self"]["href"] == BASE + "/verification-results/consumer/ConsumerA/version/1.0.0/latest"
    assert api.get("/verification-results/consumer/ConsumerA/version/9/latest").status_code == 404


def test_delete_a_result(api, pact, td):
    verification = publish(td, pact, "2.0.0")
    path = content_path(pact, "verification-results", str(verification.id))

    assert api.delete(path).status_code == 204

    assert not Verification.objects.filter(pk=verification.pk).exists()
    assert api.delete(path).status_code == 404


# ---------------------------------------------------------------- the real verifiers, end to end

RUBY_VERIFIER = (
    Path(__file__).resolve().parents[2]
    / ".clients"
    / "npm16"
    / "node_modules"
    / "@pact-foundation"
    / "pact-cli-linux-x64"
    / "standalone"
    / "linux-x64-2.5.12"
    / "pact"
    / "bin"
    / "pact-provider-verifier"
)


class OrdersProvider(BaseHTTPRequestHandler):
    """A provider that answers GET /orders/1 with {"id": 1}: it satisfies the builder's default pact only."""

    def do_GET(self) -> None:
        body = json.dumps({"id": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def provider_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), OrdersProvider)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def main_and_wip(transactional_db, td):
    """ConsumerA 1.0.0 on main (the provider satisfies it) and 1.1.0 on feat-x (it does not: a WIP pact)."""
    td.publish("ConsumerA", "1.0.0", provider="ProviderX", branch="main")
    td.publish("ConsumerA", "1.1.0", provider="ProviderX", branch="feat-x", variant="x")
    return td


def stored_results() -> list[tuple]:
    return list(
        Verification.objects.order_by("consumer_version_selectors__0__cvn").values_list(
            "consumer_version_selectors__0__cvn",
            "success",
            "wip",
            "pending",
            "provider_version__number",
            "provider_version_tags",
        )
    )


@pytest.mark.clients
def test_rust_verifier_end_to_end(main_and_wip, live_broker, provider_url):
    from pact import Verifier

    verifier = Verifier("ProviderX", host="127.0.0.1").add_transport(url=provider_url)
    (
        verifier.broker_source(live_broker, selector=True, use_env=False)
        .consumer_version(main_branch=True)
        .include_pending()
        .include_wip_since("2020-01-01")
        .provider_branch("main")
        .provider_tags("main", "ci")
        .build()
    )
    verifier.set_publish_options(version="2.0.0", branch="main", tags=["main", "ci"])

    verifier.verify()  # the failing WIP pact is pending, so this does not raise

    assert stored_results() == [
        ("1.0.0", True, False, True, "2.0.0", ["ci", "main"]),
        ("1.1.0", False, True, True, "2.0.0", ["ci", "main"]),
    ]


@pytest.mark.clients
def test_ruby_verifier_end_to_end(main_and_wip, live_broker, provider_url):
    if not os.access(RUBY_VERIFIER, os.X_OK):
        pytest.fail(f"pact-provider-verifier not found at {RUBY_VERIFIER}: run `make clients`", pytrace=False)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PACT_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PACT_DO_NOT_TRACK"] = "true"
    done = subprocess.run(
        [
            str(RUBY_VERIFIER),
            "--pact-broker-base-url",
            live_broker,
            "--provider",
            "ProviderX",
            "--provider-base-url",
            provider_url,
            "--consumer-version-selector",
            '{"mainBranch":true}',
            "--enable-pending",
            "--include-wip-pacts-since",
            "2020-01-01",
            "--provider-app-version",
            "2.0.0",
            "--provider-version-branch",
            "main",
            "--provider-version-tag",
            "main",
            "--publish-verification-results",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
        check=False,
        cwd=tempfile.gettempdir(),  # it writes log/pact.log into its working directory
    )

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "is being verified because it is a 'work in progress' pact" in done.stdout
    assert stored_results() == [
        ("1.0.0", True, False, True, "2.0.0", ["main"]),
        ("1.1.0", False, True, True, "2.0.0", ["main"]),
    ]
    assert Verification.objects.get(wip=False).test_results["summary"] == {"testCount": 3, "failureCount": 0}
