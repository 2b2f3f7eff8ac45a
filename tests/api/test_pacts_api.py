"""Reading pacts through the HTTP API: one pact, the latest ones, a provider's pacts, history."""

from __future__ import annotations

import base64
import json
import re
import uuid

import httpx
import pytest

from contracts.models import ContractPublication, Pacticipant
from contracts.selectors.pacts import decode_metadata, encode_metadata
from contracts.services.publication import contracts_publish, prepare_contract
from contracts.services.versions import tag_add
from tests.builders import interaction, pact_json

BASE = "http://testserver"
PAIR = "/pacts/provider/API/consumer/Web"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")

PACT_RELATIONS = [
    "self",
    "pb:consumer",
    "pb:consumer-version",
    "pb:provider",
    "pb:pact-version",
    "pb:latest-pact-version",
    "pb:all-pact-versions",
    "pb:latest-untagged-pact-version",
    "pb:latest-tagged-pact-version",
    "pb:previous-distinct",
    "pb:diff-previous-distinct",
    "pb:diff",
    "pb:pact-webhooks",
    "pb:consumer-webhooks",
    "pb:tag-prod-version",
    "pb:tag-version",
    "pb:publish-verification-results",
    "pb:latest-verification-results",
    "pb:triggered-webhooks",
    "pb:matrix-for-consumer-version",
    "curies",
]


def sha_of(consumer: str, version: str, provider: str = "API") -> str:
    publication = ContractPublication.objects.get(
        consumer__name=consumer, consumer_version__number=version, provider__name=provider, is_current=True
    )
    return publication.contract.sha


def consumer_version_of(response) -> str:
    return response.json()["_links"]["pb:consumer-version"]["name"]


# --- one pact -----------------------------------------------------------------------------------


def test_a_pact_is_the_document_with_created_at_and_links(api, td):
    td.publish("Web", "1.0", provider="API")
    sha = sha_of("Web", "1.0")

    response = api.get(f"{PAIR}/version/1.0")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/hal+json; charset=utf-8"
    data = response.json()
    assert data["consumer"] == {"name": "Web"} and data["provider"] == {"name": "API"}
    assert all(re.fullmatch(r"[0-9a-f]{40}", item["_id"]) for item in data["interactions"])
    assert TIMESTAMP.match(data["createdAt"])
    links = data["_links"]
    assert sorted(links) == sorted(PACT_RELATIONS)
    assert links["self"] == {
        "title": "Pact",
        "name": "Pact between Web (1.0) and API",
        "href": f"{BASE}{PAIR}/version/1.0",
    }
    assert links["pb:provider"] == {"title": "Provider", "name": "API", "href": f"{BASE}/pacticipants/API"}
    assert links["pb:consumer-version"]["href"] == f"{BASE}/pacticipants/Web/versions/1.0"
    assert links["pb:pact-version"]["href"] == f"{BASE}{PAIR}/pact-version/{sha}"
    assert links["pb:publish-verification-results"]["href"] == f"{BASE}{PAIR}/pact-version/{sha}/verification-results"
    assert (
        links["pb:latest-verification-results"]["href"]
        == f"{BASE}{PAIR}/pact-version/{sha}/verification-results/latest"
    )
    assert links["pb:latest-tagged-pact-version"] == {
        "title": "Latest tagged version of this pact",
        "href": f"{BASE}{PAIR}/latest/{{tag}}",
        "templated": True,
    }
    assert links["pb:matrix-for-consumer-version"]["href"] == (
        f"{BASE}/matrix?q%5B%5D%5Bpacticipant%5D=Web&q%5B%5D%5Bversion%5D=1.0&latestby=cvpv"
    )
    assert links["pb:pact-webhooks"]["href"] == f"{BASE}/webhooks/provider/API/consumer/Web"
    assert links["pb:tag-version"]["href"] == f"{BASE}/pacticipants/Web/versions/1.0/tags/{{tag}}"


def test_the_pact_of_a_version_is_its_newest_revision(api, td):
    td.publish("Web", "1.0", provider="API")
    merged = pact_json("Web", "API", interactions=[interaction("another", path="/x")])
    contracts_publish(
        pacticipant_name="Web",
        version_number="1.0",
        contracts=[
            prepare_contract(merged, consumer_name="Web", provider_name="API", on_conflict="merge"),
        ],
    )

    data = api.get(f"{PAIR}/version/1.0").json()

    assert len(data["interactions"]) == 2


@pytest.mark.parametrize(
    "path, message",
    [
        (f"{PAIR}/version/9.9", "No pact found for Web version 9.9 and provider API"),
        ("/pacts/provider/API/consumer/Nobody/version/1.0", "No pacticipant with name 'Nobody' found"),
        ("/pacts/provider/Nobody/consumer/Web/latest", "No pacticipant with name 'Nobody' found"),
        (f"{PAIR}/latest/prod", "No pact found between Web and API with consumer version tag 'prod'"),
        (f"{PAIR}/pact-version/{'0' * 40}", f"No pact with content {'0' * 40} found between Web and API"),
        (f"{PAIR}/pact-version/not-a-sha", "No pact with content not-a-sha found between Web and API"),
    ],
)
def test_missing_pacts_and_pacticipants_are_404s(api, td, path, message):
    td.publish("Web", "1.0", provider="API")

    response = api.get(path)

    assert response.status_code == 404
    assert response.json() == {"error": message}


def test_a_pact_by_content_sha_echoes_the_metadata_into_the_results_link(api, td):
    td.publish("Web", "1.0", provider="API").publish("Web", "2.0", provider="API")
    sha = sha_of("Web", "1.0")
    metadata = encode_metadata({"s": [{"b": "main", "l": True}], "p": True})

    plain = api.get(f"{PAIR}/pact-version/{sha}")
    with_metadata = api.get(f"{PAIR}/pact-version/{sha}/metadata/{metadata}")

    assert plain.status_code == with_metadata.status_code == 200
    # Both versions published the same content: the newest one is shown.
    assert consumer_version_of(plain) == "2.0"
    results = with_metadata.json()["_links"]["pb:publish-verification-results"]["href"]
    assert results == f"{BASE}{PAIR}/pact-version/{sha}/metadata/{metadata}/verification-results"
    assert decode_metadata(results.split("/metadata/")[1].split("/")[0]) == {"s": [{"b": "main", "l": True}], "p": True}


@pytest.mark.parametrize(
    "segment",
    [
        "",
        "!!!",
        "e30",
        base64.b64encode(b"[1,2]").decode(),
        "bm90IGpzb24",
        "%00",
        "x" * 5000,
        base64.urlsafe_b64encode(b'{"a": NaN}').decode(),
    ],
)
def test_metadata_decoding_tolerates_garbage(segment):
    assert decode_metadata(segment) == {}


def test_metadata_round_trips_and_is_url_safe():
    data = {"cvn": "1.0/ü", "cvt": ["prod", "feat/x"], "cv": 12, "w": False}
    segment = encode_metadata(data)

    assert re.fullmatch(r"[A-Za-z0-9_-]+", segment)
    assert decode_metadata(segment) == data
    # Padded and plain-alphabet Base64 of the same object decode too.
    assert decode_metadata(base64.b64encode(b'{"cv":1}').decode()) == {"cv": 1}


# --- latest -------------------------------------------------------------------------------------


def test_latest_ignores_newer_consumer_versions_without_a_pact(api, td):
    td.publish("Web", "1.0", provider="API").publish("Web", "2.0", provider="Other")
    td.version("Web", "3.0")

    response = api.get(f"{PAIR}/latest")

    assert response.status_code == 200
    assert response["X-Pact-Consumer-Version"] == "1.0"
    assert consumer_version_of(response) == "1.0"
    href = response.json()["_links"]["pb:publish-verification-results"]["href"]
    segment = href.split("/metadata/")[1].split("/")[0]
    assert decode_metadata(segment) == {"cv": td.version("Web", "1.0").id}


def test_latest_is_the_newest_consumer_version_with_a_pact(api, td):
    td.publish("Web", "1.0", provider="API").publish("Web", "2.0", provider="API", variant="b")

    assert api.get(f"{PAIR}/latest")["X-Pact-Consumer-Version"] == "2.0"


def test_latest_with_a_tag_skips_newer_tagged_versions_without_a_pact(api, td):
    td.publish("Web", "1.0", provider="API", tags=["prod"]).publish("Web", "2.0", provider="API", variant="b")
    tag_add(version=td.version("Web", "3.0"), name="prod")

    response = api.get(f"{PAIR}/latest/prod")

    assert response.status_code == 200
    assert response["X-Pact-Consumer-Version"] == "1.0"
    segment = response.json()["_links"]["pb:publish-verification-results"]["href"].split("/metadata/")[1]
    assert decode_metadata(segment.split("/")[0])["cvt"] == ["prod"]


def test_latest_untagged(api, td):
    td.publish("Web", "1.0", provider="API").publish("Web", "2.0", provider="API", tags=["dev"], variant="b")

    assert consumer_version_of(api.get(f"{PAIR}/latest-untagged")) == "1.0"


def test_latest_on_a_branch_with_a_slash_in_its_name(api, td):
    td.publish("Web", "1.0", provider="API", branch="feat/x").publish(
        "Web", "2.0", provider="API", branch="main", variant="b"
    )

    response = api.get(f"{PAIR}/branch/feat%2Fx/latest")

    assert response.status_code == 200
    assert consumer_version_of(response) == "1.0"
    assert api.get(f"{PAIR}/branch/feat/latest").status_code == 404


def test_a_single_pact_read_is_one_query(api, td, django_assert_num_queries):
    td.publish("Web", "1.0", provider="API")

    with django_assert_num_queries(1):
        assert api.get(f"{PAIR}/latest").status_code == 200


# --- lists --------------------------------------------------------------------------------------


def publish_three_consumers(td) -> None:
    td.publish("Web", "1.0", provider="API", tags=["prod"], branch="main")
    td.publish("Web", "2.0", provider="API", variant="web-2", branch="feat/x")
    td.publish("Mobile", "5", provider="API", branch="main")
    td.publish("Batch", "7", provider="API", tags=["prod"], branch="develop")
    td.publish("Batch", "8", provider="Other")


def test_pacts_latest_lists_every_integration_once(api, td, django_assert_num_queries):
    publish_three_consumers(td)

    with django_assert_num_queries(1):
        response = api.get("/pacts/latest")

    assert response.status_code == 200
    pacts = response.json()["pacts"]
    rows = [
        (
            p["_embedded"]["consumer"]["name"],
            p["_embedded"]["consumer"]["_embedded"]["version"]["number"],
            p["_embedded"]["provider"]["name"],
        )
        for p in pacts
    ]
    assert rows == [("Batch", "7", "API"), ("Batch", "8", "Other"), ("Mobile", "5", "API"), ("Web", "2.0", "API")]
    assert all(TIMESTAMP.match(p["createdAt"]) for p in pacts)
    assert pacts[3]["_links"]["self"] == [
        {"href": f"{BASE}/pacts/provider/API/consumer/Web/latest"},
        {"href": f"{BASE}/pacts/provider/API/consumer/Web/version/2.0"},
    ]
    assert pacts[3]["_embedded"]["provider"]["_links"]["self"]["href"] == f"{BASE}/pacticipants/API"
    assert response.json()["_links"]["self"]["href"] == f"{BASE}/pacts/latest"


def test_latest_provider_pacts_have_the_deprecated_pacts_links_the_rust_verifier_reads(
    api, td, django_assert_num_queries
):
    publish_three_consumers(td)

    with django_assert_num_queries(2):
        response = api.get("/pacts/provider/API/latest")

    assert response.status_code == 200
    links = response.json()["_links"]
    assert links["pb:pacts"] == [
        {
            "href": f"{BASE}/pacts/provider/API/consumer/Batch/version/7",
            "title": "Pact between Batch (7) and API",
            "name": "Batch",
        },
        {
            "href": f"{BASE}/pacts/provider/API/consumer/Mobile/version/5",
            "title": "Pact between Mobile (5) and API",
            "name": "Mobile",
        },
        {
            "href": f"{BASE}/pacts/provider/API/consumer/Web/version/2.0",
            "title": "Pact between Web (2.0) and API",
            "name": "Web",
        },
    ]
    assert [link["href"] for link in links["pacts"]] == [link["href"] for link in links["pb:pacts"]]
    assert links["provider"] == {"href": f"{BASE}/pacticipants/API", "title": "API"}
    assert links["pb:provider"]["href"] == f"{BASE}/pacticipants/API"
    assert links["self"]["href"] == f"{BASE}/pacts/provider/API/latest"
    for link in links["pacts"]:
        assert api.get(link["href"]).status_code == 200


def names_and_versions(response) -> list[str]:
    return [
        link["title"].removeprefix("Pact between ").removesuffix(" and API")
        for link in response.json()["_links"]["pb:pacts"]
    ]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/pacts/provider/API/latest/prod", ["Batch (7)", "Web (1.0)"]),
        ("/pacts/provider/API", ["Batch (7)", "Mobile (5)", "Web (2.0)", "Web (1.0)"]),
        ("/pacts/provider/API/tag/prod", ["Batch (7)", "Web (1.0)"]),
        ("/pacts/provider/API/branch", ["Batch (7)", "Mobile (5)", "Web (1.0)"]),
        ("/pacts/provider/API/branch/latest", ["Batch (7)", "Mobile (5)", "Web (1.0)"]),
        ("/pacts/provider/API/branch/main", ["Mobile (5)", "Web (1.0)"]),
        ("/pacts/provider/API/branch/feat%2Fx", ["Web (2.0)"]),
        ("/pacts/provider/API/branch/feat%2Fx/latest", ["Web (2.0)"]),
        ("/pacts/provider/API/branch/nope/latest", []),
    ],
)
def test_provider_pact_lists(api, td, path, expected):
    publish_three_consumers(td)

    response = api.get(path)

    assert response.status_code == 200
    assert names_and_versions(response) == expected
    assert response.json()["_links"]["self"]["href"] == BASE + path


def test_the_main_branch_is_each_consumers_own(api, td):
    publish_three_consumers(td)
    Pacticipant.objects.filter(name="Web").update(main_branch="feat/x")

    response = api.get("/pacts/provider/API/branch/latest")

    assert names_and_versions(response) == ["Batch (7)", "Mobile (5)", "Web (2.0)"]


def test_latest_per_consumer_for_a_provider_is_two_queries_however_many_consumers(api, td, django_assert_num_queries):
    for index in range(6):
        td.publish(f"Consumer{index}", "1", provider="API").publish(
            f"Consumer{index}", "2", provider="API", variant="b"
        )

    with django_assert_num_queries(2):
        response = api.get("/pacts/provider/API/latest")

    assert len(response.json()["_links"]["pb:pacts"]) == 6


def test_an_unknown_provider_has_no_pact_lists(api):
    response = api.get("/pacts/provider/Nobody/latest")

    assert response.status_code == 404
    assert response.json() == {"error": "No pacticipant with name 'Nobody' found"}


def test_pact_history_lists_every_version_newest_first(api, td, django_assert_num_queries):
    td.publish("Web", "1.0", provider="API").publish("Web", "2.0", provider="API", variant="b")
    td.publish("Web", "3.0", provider="Other")

    with django_assert_num_queries(2):  # both pacticipants in one query, then the history
        response = api.get(f"{PAIR}/versions")

    assert response.status_code == 200
    pacts = response.json()["_embedded"]["pacts"]
    assert [p["_embedded"]["consumerVersion"]["number"] for p in pacts] == ["2.0", "1.0"]
    assert pacts[0]["_links"]["self"]["href"] == f"{BASE}{PAIR}/version/2.0"
    assert all(TIMESTAMP.match(p["createdAt"]) for p in pacts)


@pytest.fixture
def branches_and_tags(td) -> None:
    """Web (main branch "main"): 1.0 on main tagged prod, 2.0 on feat/x, 3.0 on main, 4.0 for Other only."""
    td.publish("Web", "1.0", provider="API", branch="main", tags=["prod"])
    td.publish("Web", "2.0", provider="API", branch="feat/x", tags=["dev"], variant="b")
    td.publish("Web", "3.0", provider="API", branch="main", variant="c")
    td.publish("Web", "4.0", provider="Other", branch="main")


@pytest.mark.parametrize(
    ("path", "numbers", "title"),
    [
        (f"{PAIR}/tag/prod", ["1.0"], "All versions of the pact between Web and API with tag prod"),
        (f"{PAIR}/branch/feat%2Fx", ["2.0"], "All versions of the pact between Web and API from branch feat/x"),
        (f"{PAIR}/branch/main", ["3.0", "1.0"], "All versions of the pact between Web and API from branch main"),
        (f"{PAIR}/branch/main/latest/versions", ["3.0"], "Latest versions of the pact between Web and API from branch main"),
        (f"{PAIR}/branch/versions", ["3.0", "1.0"], "All versions of the pact between Web and API from the main branch of Web"),
        (f"{PAIR}/branch/latest/versions", ["3.0"], "Latest versions of the pact between Web and API from the main branch of Web"),
        (f"{PAIR}/tag/none", [], "All versions of the pact between Web and API with tag none"),
    ],
)  # fmt: skip
def test_pact_versions_by_tag_and_branch(api, branches_and_tags, path, numbers, title):
    response = api.get(path)

    assert response.status_code == 200
    body = response.json()
    assert [p["_embedded"]["consumerVersion"]["number"] for p in body["_embedded"]["pacts"]] == numbers
    assert body["_links"]["self"] == {"href": f"{BASE}{path}", "title": title}
    assert body["_links"]["pb:consumer"]["href"] == f"{BASE}/pacticipants/Web"


def test_pact_versions_of_unknown_pacticipants_are_404(api, branches_and_tags):
    response = api.get("/pacts/provider/Nobody/consumer/Web/branch/main")

    assert response.status_code == 404
    assert "Nobody" in response.json()["error"]


# --- under gunicorn -----------------------------------------------------------------------------


def test_encoded_slashes_route_under_gunicorn(live_broker, transactional_db):
    # Committed data seen by another process: names unique to this test.
    suffix = uuid.uuid4().hex[:8]
    consumer, provider = f"team/web-{suffix}", f"api-{suffix}"
    content = json.dumps(
        {
            "consumer": {"name": consumer},
            "provider": {"name": provider},
            "interactions": [],
            "metadata": {"pactSpecification": {"version": "2.0.0"}},
        }
    )
    body = {
        "pacticipantName": consumer,
        "pacticipantVersionNumber": "1.0.0",
        "branch": "feat/x",
        "contracts": [
            {
                "consumerName": consumer,
                "providerName": provider,
                "specification": "pact",
                "contentType": "application/json",
                "content": base64.b64encode(content.encode()).decode(),
            }
        ],
    }
    with httpx.Client(base_url=live_broker, timeout=10) as client:
        published = client.post("/contracts/publish", json=body)
        assert published.status_code == 200, published.text
        pact_href = published.json()["_links"]["pb:contracts"][0]["href"]
        assert f"/consumer/team%2Fweb-{suffix}/" in pact_href

        branch_latest = client.get(f"/pacts/provider/{provider}/consumer/team%2Fweb-{suffix}/branch/feat%2Fx/latest")
        provider_branch = client.get(f"/pacts/provider/{provider}/branch/feat%2Fx/latest")
        by_href = client.get(pact_href)

    assert branch_latest.status_code == 200, branch_latest.text
    assert branch_latest.headers["X-Pact-Consumer-Version"] == "1.0.0"
    assert branch_latest.json()["consumer"]["name"] == consumer
    assert [link["name"] for link in provider_branch.json()["_links"]["pacts"]] == [
        f"Pact between {consumer} (1.0.0) and {provider}"
    ]
    assert by_href.status_code == 200
