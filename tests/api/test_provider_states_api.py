"""The provider states a provider's consumers rely on: GET /pacts/provider/P/provider-states[...]."""

from __future__ import annotations

import json

import pytest

from contracts.models import ContractPublication, Environment, Pacticipant
from contracts.services.deployments import deployment_end, release_end_support
from tests.builders import interaction, pact_document

STATES = "/pacts/provider/API/provider-states"
HAL = "application/hal+json; charset=utf-8"


def v2_pact(consumer: str, *states: str, provider: str = "API") -> str:
    """A spec 2 pact with one interaction per state (`providerState` strings)."""
    items = [interaction(f"a request given {state}", path=f"/s/{i}", state=state) for i, state in enumerate(states)]
    return json.dumps(pact_document(consumer, provider, interactions=items))


def v3_pact(consumer: str, *states: dict, provider: str = "API") -> str:
    """A spec 3 pact whose one interaction has these `providerStates` entries."""
    item = {
        "description": "a request",
        "providerStates": list(states),
        "request": {"method": "GET", "path": "/x"},
        "response": {"status": 200},
    }
    return json.dumps(
        {
            "consumer": {"name": consumer},
            "provider": {"name": provider},
            "interactions": [item],
            "metadata": {"pactSpecification": {"version": "3.0.0"}},
        }
    )


def states_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == HAL
    body = response.json()
    assert list(body) == ["providerStates"]
    return body["providerStates"]


def names_of(response) -> list[str]:
    return [state["name"] for state in states_of(response)]


# --- the default view: each consumer's main branch head ---------------------------------------


def test_states_come_from_the_pact_at_the_head_of_each_consumers_main_branch(api, td):
    td.publish("Web", "1", provider="API", branch="main", content=v2_pact("Web", "an old state", "an order exists"))
    td.publish("Web", "2", provider="API", branch="main", content=v2_pact("Web", "an order exists", "no orders"))
    td.publish("Web", "3", provider="API", branch="feat-x", content=v2_pact("Web", "a feature state"))
    td.publish("Mobile", "7", provider="API", branch="main", content=v2_pact("Mobile", "an order exists"))

    states = states_of(api.get(STATES))

    assert states == [
        {"name": "an order exists", "consumers": ["Mobile", "Web"]},
        {"name": "no orders", "consumers": ["Web"]},
    ]
    # The main branch each consumer got from its first publication on "main".
    main_branches = Pacticipant.objects.filter(name__in=["Web", "Mobile"]).values_list("main_branch", flat=True)
    assert set(main_branches) == {"main"}


def test_consumers_without_a_main_branch_contribute_nothing(api, td):
    td.publish("Batch", "1", provider="API", content=v2_pact("Batch", "a batch state"))
    td.publish("Web", "1", provider="API", branch="main", content=v2_pact("Web", "an order exists"))

    assert Pacticipant.objects.get(name="Batch").main_branch is None
    assert names_of(api.get(STATES)) == ["an order exists"]


def test_a_main_branch_head_without_a_pact_for_this_provider_contributes_nothing(api, td):
    # The Pact Broker's rule: the pact *of the head*, not the latest pact on the branch.
    td.publish("Web", "1", provider="API", branch="main", content=v2_pact("Web", "an order exists"))
    td.publish("Web", "2", provider="Other", branch="main", content=v2_pact("Web", "x", provider="Other"))

    assert states_of(api.get(STATES)) == []
    assert names_of(api.get("/pacts/provider/Other/provider-states")) == ["x"]


def test_a_provider_without_pacts_has_no_states(api, td):
    td.version("API", "1.0")

    assert states_of(api.get(STATES)) == []


def test_an_unknown_provider_is_a_json_404(api, td):
    td.publish("Web", "1", provider="API", branch="main")

    for path in (
        "/pacts/provider/Nobody/provider-states",
        "/pacts/provider/Nobody/provider-states/branch/main",
        "/pacts/provider/Nobody/provider-states/environment/production",
    ):
        response = api.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == HAL
        assert response.json() == {"error": "No provider with name 'Nobody' found"}


def test_states_are_deduplicated_by_name_and_params_and_sorted_by_name(api, td):
    td.publish(
        "Web",
        "1",
        provider="API",
        branch="main",
        content=v3_pact(
            "Web",
            {"name": "user exists", "params": {"id": 2}},
            {"name": "user exists", "params": {"id": 1}},
            {"name": "user exists"},
            {"name": "user exists", "params": {}},  # empty params are no params
            {"name": "a cache is warm"},
            {"name": "Zebra"},
        ),
    )
    td.publish("Mobile", "1", provider="API", branch="main", content=v2_pact("Mobile", "user exists", "Zebra"))

    states = states_of(api.get(STATES))

    assert states == [
        {"name": "Zebra", "consumers": ["Mobile", "Web"]},
        {"name": "a cache is warm", "consumers": ["Web"]},
        {"name": "user exists", "consumers": ["Mobile", "Web"]},
        {"name": "user exists", "params": {"id": 1}, "consumers": ["Web"]},
        {"name": "user exists", "params": {"id": 2}, "consumers": ["Web"]},
    ]


def test_states_of_every_specification_version(api, td):
    v1 = pact_document("V1", "API", interactions=[interaction("a", state="v1 state")])
    v1["interactions"][0]["provider_state"] = v1["interactions"][0].pop("providerState")
    v1["metadata"] = {"pactSpecification": {"version": "1.0.0"}}
    v3_messages = {
        "consumer": {"name": "V3"},
        "provider": {"name": "API"},
        "messages": [
            {
                "description": "an order event",
                "providerStates": [{"name": "an order was placed", "params": {"id": 7}}],
                "contents": {"id": 7},
            }
        ],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    v4 = {
        "consumer": {"name": "V4"},
        "provider": {"name": "API"},
        "interactions": [
            {
                "type": "Synchronous/HTTP",
                "description": "a request",
                "providerStates": [{"name": "an order exists", "params": {"id": 1}}],
                "request": {"method": "GET", "path": "/orders/1"},
                "response": {"status": 200},
            },
            {
                "type": "Asynchronous/Messages",
                "description": "an event",
                "providerStates": [{"name": "an order was placed", "params": {"id": 7}}],
                "contents": {"content": {"id": 7}, "contentType": "application/json", "encoded": False},
            },
            {
                "type": "Synchronous/Messages",
                "description": "a lookup",
                "providerStates": [{"name": "the queue is up"}],
                "request": {"contents": {"content": {"id": 7}, "contentType": "application/json"}},
                "response": [{"contents": {"content": {"id": 7}, "contentType": "application/json"}}],
            },
        ],
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }
    for consumer, doc in (("V1", v1), ("V3", v3_messages), ("V4", v4)):
        td.publish(consumer, "1", provider="API", branch="main", content=json.dumps(doc))
    td.publish("V2", "1", provider="API", branch="main", content=v2_pact("V2", "v2 state"))

    states = states_of(api.get(STATES))

    assert states == [
        {"name": "an order exists", "params": {"id": 1}, "consumers": ["V4"]},
        {"name": "an order was placed", "params": {"id": 7}, "consumers": ["V3", "V4"]},
        {"name": "the queue is up", "consumers": ["V4"]},
        {"name": "v1 state", "consumers": ["V1"]},
        {"name": "v2 state", "consumers": ["V2"]},
    ]


def test_interactions_without_a_state_add_nothing(api, td):
    stateless = pact_document("Web", "API", interactions=[interaction("a"), interaction("b", path="/b", state="")])
    td.publish("Web", "1", provider="API", branch="main", content=json.dumps(stateless))

    assert states_of(api.get(STATES)) == []


def test_only_the_current_revision_of_a_pact_counts(api, td, settings):
    settings.ACCORD_ALLOW_CONTRACT_MODIFICATION = True
    td.publish("Web", "1", provider="API", branch="main", content=v2_pact("Web", "before"))
    td.publish("Web", "1", provider="API", branch="main", content=v2_pact("Web", "after"))

    states = states_of(api.get(STATES))

    assert states == [{"name": "after", "consumers": ["Web"]}]
    revisions = ContractPublication.objects.filter(consumer__name="Web").order_by("revision")
    assert [(p.revision, p.is_current) for p in revisions] == [(1, False), (2, True)]


def test_the_cost_does_not_grow_with_the_number_of_consumers(api, td, django_assert_num_queries):
    for i in range(6):
        name = f"Consumer{i}"
        td.publish(name, "1", provider="API", branch="main", content=v2_pact(name, f"state {i}", "shared"))

    with django_assert_num_queries(2):
        states = states_of(api.get(STATES))

    assert states[-1] == {"name": "state 5", "consumers": ["Consumer5"]}
    assert states[0] == {"name": "shared", "consumers": [f"Consumer{i}" for i in range(6)]}


# --- a named branch -----------------------------------------------------------------------------


def test_a_branch_gives_the_states_of_the_pact_at_the_head_of_that_branch(api, td):
    td.publish("Web", "1", provider="API", branch="feat/x", content=v2_pact("Web", "old feature state"))
    td.publish("Web", "2", provider="API", branch="feat/x", content=v2_pact("Web", "feature state"))
    td.publish("Mobile", "1", provider="API", branch="feat/x", content=v2_pact("Mobile", "feature state"))
    td.publish("Web", "3", provider="API", branch="main", content=v2_pact("Web", "main state"))

    states = states_of(api.get(f"{STATES}/branch/feat%2Fx"))

    assert states == [{"name": "feature state", "consumers": ["Mobile", "Web"]}]
    assert names_of(api.get(f"{STATES}/branch/main")) == ["main state"]
    assert states_of(api.get(f"{STATES}/branch/nope")) == []


# --- an environment -----------------------------------------------------------------------------


def test_an_environment_gives_the_states_of_what_is_deployed_or_released_there(api, td):
    td.publish("Web", "1", provider="API", branch="main", content=v2_pact("Web", "deployed blue"))
    td.publish("Web", "2", provider="API", branch="main", content=v2_pact("Web", "deployed green"))
    td.publish("Web", "3", provider="API", branch="main", content=v2_pact("Web", "on main only"))
    td.publish("Mobile", "1", provider="API", content=v2_pact("Mobile", "released"))
    td.publish("Mobile", "2", provider="API", content=v2_pact("Mobile", "no longer supported"))
    td.publish("Batch", "1", provider="API", content=v2_pact("Batch", "undeployed"))
    td.deploy("Web", "1", to="production", target="blue").deploy("Web", "2", to="production", target="green")
    td.release("Mobile", "1", to="production").release("Mobile", "2", to="production")
    td.deploy("Batch", "1", to="production")
    td.deploy("Web", "3", to="test")
    environment = Environment.objects.get(name="production")
    release_end_support(released_version=environment.releases.get(version__number="2"))
    deployment_end(deployed_version=environment.deployments.get(pacticipant__name="Batch"))

    by_name = states_of(api.get(f"{STATES}/environment/production"))
    by_uuid = states_of(api.get(f"{STATES}/environment/{environment.uuid}"))

    assert by_name == [
        {"name": "deployed blue", "consumers": ["Web"]},
        {"name": "deployed green", "consumers": ["Web"]},
        {"name": "released", "consumers": ["Mobile"]},
    ]
    assert by_uuid == by_name
    assert names_of(api.get(f"{STATES}/environment/test")) == ["on main only"]


def test_an_unknown_environment_is_a_404(api, td):
    td.publish("Web", "1", provider="API", branch="main")

    response = api.get(f"{STATES}/environment/staging")

    assert response.status_code == 404
    assert response.json() == {"error": "No environment with name 'staging' found"}


# --- names and methods --------------------------------------------------------------------------


def test_names_with_spaces_and_slashes_are_path_segments(api, td):
    content = v2_pact("Web App", "an order exists", provider="Order API/v2")
    td.publish("Web App", "1", provider="Order API/v2", branch="release/1", content=content)

    main = api.get("/pacts/provider/Order%20API%2Fv2/provider-states")
    branch = api.get("/pacts/provider/Order%20API%2Fv2/provider-states/branch/release%2F1")

    assert states_of(branch) == [{"name": "an order exists", "consumers": ["Web App"]}]
    assert states_of(main) == []  # release/1 is not a main branch candidate


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_resource_is_read_only(api, td, method):
    td.publish("Web", "1", provider="API", branch="main")

    response = getattr(api, method)(STATES, {})

    assert response.status_code == 405
    assert "GET" in response["Allow"]
