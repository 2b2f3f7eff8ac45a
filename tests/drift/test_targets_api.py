"""Live targets over HTTP: create and replace, validation, secrets never shown, list, delete."""

from __future__ import annotations

import json

import pytest

from drift.models import LiveTarget
from tests.builders import live_target
from verifier.http import MASK

pytestmark = pytest.mark.django_db

PATH = "/pacticipants/API/live-targets/production"
HEADER_SECRET = "x-api-key-s3cret-value"
PASSWORD = "basic-passw0rd-s3cret"
TOKEN = "bearer-t0ken-s3cret"
CLIENT_SECRET = "oauth-client-s3cret"
URL_PASSWORD = "url-passw0rd-s3cret"
TOKEN_URL_KEY = "token-url-api-key-s3cret"
SECRETS = (HEADER_SECRET, PASSWORD, TOKEN, CLIENT_SECRET, URL_PASSWORD, TOKEN_URL_KEY)

FULL = {
    "baseUrl": f"https://svc:{URL_PASSWORD}@api.prod.example/base",
    "headers": {"X-Api-Key": HEADER_SECRET, "X-Tenant": "acme"},
    "auth": {
        "type": "basic",
        "username": "monitor",
        "password": PASSWORD,
        "consumers": {
            "Web": {"type": "bearer", "token": TOKEN},
            "Mobile": {
                "type": "oauth2",
                "tokenUrl": f"https://auth.example/token?api_key={TOKEN_URL_KEY}",
                "clientId": "accord",
                "clientSecret": CLIENT_SECRET,
                "scope": "read",
            },
        },
    },
    "schedule": "*/10 * * * *",
    "rateLimitPerSecond": 2.5,
    "methods": ["get", "HEAD"],
    "standingStates": ["product 10 exists"],
    "enabled": True,
    "paused": False,
    "maintenanceWindow": {"from": "2030-01-01T22:00:00Z", "until": "2030-01-02T02:00:00+00:00"},
}


@pytest.fixture
def pair(td):
    td.publish("Web", "1.0", provider="API").deploy("API", "2.0", to="production")


def _body_text(response) -> str:
    return response.content.decode()


def test_put_creates_a_target_then_replaces_it(api, pair):
    created = api.put(PATH, FULL)
    replaced = api.put(PATH, {"baseUrl": "https://api.prod.example"})

    assert created.status_code == 201, created.content
    assert replaced.status_code == 200, replaced.content
    body = created.json()
    assert body["baseUrl"] == f"https://svc:{MASK}@api.prod.example/base"
    assert body["headers"] == {"X-Api-Key": MASK, "X-Tenant": MASK}
    assert body["auth"] == {
        "type": "basic",
        "username": "monitor",
        "password": MASK,
        "consumers": {
            "Web": {"type": "bearer", "token": MASK},
            "Mobile": {
                "type": "oauth2",
                "tokenUrl": f"https://auth.example/token?api_key={MASK}",
                "clientId": "accord",
                "clientSecret": MASK,
                "scope": "read",
            },
        },
    }
    assert body["schedule"] == "*/10 * * * *"
    assert body["rateLimitPerSecond"] == 2.5
    assert body["methods"] == ["GET", "HEAD"]
    assert body["standingStates"] == ["product 10 exists"]
    assert (body["enabled"], body["paused"]) == (True, False)
    assert body["maintenanceWindow"] == {"from": "2030-01-01T22:00:00+00:00", "until": "2030-01-02T02:00:00+00:00"}
    assert body["nextRunAt"] is not None
    assert body["lastRunAt"] is body["lastStatus"] is body["unreachableSince"] is body["backoffUntil"] is None
    assert body["unreachableRuns"] == 0 and body["authProblem"] is None
    assert body["createdAt"] and body["updatedAt"]
    links = body["_links"]
    assert links["self"]["href"] == f"http://testserver{PATH}"
    assert links["pb:provider"]["href"] == "http://testserver/pacticipants/API"
    assert links["pb:environment"]["name"] == "production"
    assert links["accord:runs"]["href"] == links["accord:start-run"]["href"] == f"http://testserver{PATH}/runs"
    assert links["accord:drift-incidents"]["href"] == (
        "http://testserver/drift-incidents?provider=API&environment=production&status=open"
    )
    # A PUT replaces: what it leaves out gets its default, credentials included.
    again = replaced.json()
    assert again["headers"] == {} and again["auth"] == {"type": "none"}
    assert again["schedule"] == "15m" and again["rateLimitPerSecond"] == 5.0
    assert again["methods"] == ["GET", "HEAD", "OPTIONS"] and again["maintenanceWindow"] is None
    assert LiveTarget.objects.count() == 1


def test_the_target_keeps_its_identity_and_state_when_replaced(api, pair):
    api.put(PATH, FULL)
    LiveTarget.objects.update(unreachable_runs=3, last_status="unreachable")
    first = LiveTarget.objects.get()

    api.put(PATH, {"baseUrl": "https://elsewhere.example", "paused": True})

    target = LiveTarget.objects.get()
    assert target.uuid == first.uuid and target.unreachable_runs == 3 and target.last_status == "unreachable"
    assert target.paused and target.next_run_at is None


def test_no_response_ever_shows_a_secret_and_the_database_holds_them_encrypted(api, pair):
    responses = [api.put(PATH, FULL), api.get(PATH), api.get("/live-targets"), api.put(PATH, FULL)]
    responses.append(api.get("/live-targets?provider=API&environment=production"))

    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200]
    for response in responses:
        for secret in SECRETS:
            assert secret not in _body_text(response)
    stored = LiveTarget.objects.get()
    assert stored.headers["X-Api-Key"] == HEADER_SECRET
    assert stored.auth["consumers"]["Mobile"]["clientSecret"] == CLIENT_SECRET


def test_sending_back_what_get_shows_keeps_every_stored_secret(api, pair):
    api.put(PATH, FULL)
    shown = api.get(PATH).json()
    edited = {key: shown[key] for key in ("baseUrl", "headers", "auth", "schedule", "methods", "maintenanceWindow")}
    edited["rateLimitPerSecond"] = 7

    response = api.put(PATH, edited)

    assert response.status_code == 200, response.content
    target = LiveTarget.objects.get()
    assert target.base_url == FULL["baseUrl"]
    assert target.headers == FULL["headers"]
    assert target.auth == FULL["auth"]
    assert target.rate_limit_per_second == 7.0


def test_a_new_secret_replaces_the_stored_one_and_a_mask_for_another_kind_of_auth_is_refused(api, pair):
    api.put(PATH, FULL)

    changed = api.put(
        PATH, {"baseUrl": "https://api.example", "auth": {"type": "basic", "username": "x", "password": "new-one"}}
    )
    wrong_kind = api.put(PATH, {"baseUrl": "https://api.example", "auth": {"type": "bearer", "token": MASK}})

    assert changed.status_code == 200
    assert LiveTarget.objects.get().auth == {"type": "basic", "username": "x", "password": "new-one"}
    assert wrong_kind.status_code == 400
    assert "auth.token" in wrong_kind.json()["errors"]


def test_a_mask_with_nothing_stored_is_refused_rather_than_stored_as_a_credential(api, pair):
    response = api.put(PATH, {"baseUrl": "https://api.example", "headers": {"X-Api-Key": MASK}})

    assert response.status_code == 400
    assert response.json()["errors"]["headers"] == [
        f"the value of 'X-Api-Key' is '{MASK}', which keeps a stored value, but none is stored"
    ]
    assert not LiveTarget.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "baseUrl", "is missing"),
        ({"baseUrl": "ftp://api.example"}, "baseUrl", "must be an absolute http(s) URL"),
        ({"baseUrl": "/relative"}, "baseUrl", "must be an absolute http(s) URL"),
        ({"baseUrl": "http://api.example:port"}, "baseUrl", "must be an absolute http(s) URL"),
        ({"headers": {"X-A": 1}}, "headers", "the value of 'X-A' must be a string"),
        ({"headers": {"X-A": "a\nb"}}, "headers", "the value of 'X-A' cannot contain a new line"),
        ({"headers": ["X-A"]}, "headers", "must be an object of header names to string values"),
        ({"auth": "basic"}, "auth", "must be an object"),
        ({"auth": {}}, "auth.type", "is missing"),
        ({"auth": {"type": "digest"}}, "auth.type", "must be one of none, basic, bearer, oauth2"),
        ({"auth": {"type": "basic", "username": "u"}}, "auth.password", "is missing"),
        ({"auth": {"type": "basic", "username": "a:b", "password": "p"}}, "auth.username", "cannot contain ':'"),
        ({"auth": {"type": "bearer", "token": "  "}}, "auth.token", "cannot be blank"),
        ({"auth": {"type": "bearer", "token": "a\r\nX: y"}}, "auth.token", "cannot contain control characters"),
        ({"auth": {"type": "bearer", "token": 12}}, "auth.token", "must be a string"),
        ({"auth": {"type": "bearer", "token": "t", "secret": "x"}}, "auth.secret", "is not a field of bearer auth"),
        (
            {"auth": {"type": "oauth2", "tokenUrl": "auth.example/token", "clientId": "c", "clientSecret": "s"}},
            "auth.tokenUrl",
            "must be an absolute http(s) URL",
        ),
        ({"auth": {"type": "oauth2", "tokenUrl": "https://a.example"}}, "auth.clientId", "is missing"),
        (
            {"auth": {"type": "none", "consumers": {"Web": {"type": "basic"}}}},
            "auth.consumers.Web.username",
            "is missing",
        ),
        ({"auth": {"type": "none", "consumers": ["Web"]}}, "auth.consumers", "must be an object of consumer names"),
        (
            {"auth": {"type": "none", "consumers": {"Web": {"type": "none", "consumers": {}}}}},
            "auth.consumers.Web.consumers",
            "is not a field of none auth",
        ),
        ({"schedule": "every day"}, "schedule", "is neither an interval"),
        ({"schedule": "5s"}, "schedule", "is shorter than the minimum of 10 seconds"),
        ({"schedule": "61 * * * *"}, "schedule", "is not a valid cron expression"),
        ({"rateLimitPerSecond": 0}, "rateLimitPerSecond", "must be more than 0 and at most 1000"),
        ({"rateLimitPerSecond": 1001}, "rateLimitPerSecond", "must be more than 0 and at most 1000"),
        ({"rateLimitPerSecond": "5"}, "rateLimitPerSecond", "must be a number"),
        ({"methods": ["GET", "FETCH"]}, "methods[1]", "'FETCH' is not an HTTP method"),
        ({"methods": []}, "methods", "cannot be empty"),
        ({"methods": "GET"}, "methods", "must be an array"),
        ({"standingStates": ["ok", " "]}, "standingStates[1]", "cannot be blank"),
        ({"standingStates": [3]}, "standingStates[0]", "must be a string"),
        ({"enabled": "yes"}, "enabled", "must be true or false"),
        ({"maintenanceWindow": {"from": "2030-01-02T00:00:00Z"}}, "maintenanceWindow.until", "is missing"),
        (
            {"maintenanceWindow": {"from": "2030-01-02T00:00:00Z", "until": "2030-01-01T00:00:00Z"}},
            "maintenanceWindow.until",
            "must be after from",
        ),
        (
            {"maintenanceWindow": {"from": "tomorrow", "until": "2030-01-01T00:00:00Z"}},
            "maintenanceWindow.from",
            "must be an ISO-8601 date-time",
        ),
        ({"cron": "15m"}, "body", "unknown field(s): cron"),
    ],
)
def test_each_invalid_field_is_named_with_a_clear_message(api, pair, body, field, message):
    payload = body if not body or "baseUrl" in body else {"baseUrl": "https://api.example", **body}
    response = api.put(PATH, payload)

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors[field]
    assert not LiveTarget.objects.exists()


def test_the_provider_and_the_environment_must_exist(api, pair):
    no_provider = api.put("/pacticipants/Nobody/live-targets/production", {"baseUrl": "https://x.example"})
    no_environment = api.put("/pacticipants/API/live-targets/staging", {"baseUrl": "https://x.example"})

    assert no_provider.status_code == 404
    assert no_provider.json() == {"error": "No provider with name 'Nobody' found"}
    assert no_environment.status_code == 404
    assert no_environment.json() == {"error": "No environment with name 'staging' found"}


def test_get_and_delete_answer_404_when_there_is_no_target(api, pair):
    for response in (api.get(PATH), api.delete(PATH)):
        assert response.status_code == 404
        assert response.json() == {"error": "No live target for 'API' in environment 'production'"}
    assert api.get("/pacticipants/Nobody/live-targets/production").json()["error"] == (
        "No provider with name 'Nobody' found"
    )


def test_delete_removes_the_target(api, pair):
    api.put(PATH, FULL)

    deleted = api.delete(PATH)

    assert deleted.status_code == 204
    assert api.get(PATH).status_code == 404
    assert not LiveTarget.objects.exists()


def test_the_list_filters_by_provider_and_environment(api, td):
    td.publish("Web", "1.0", provider="API").publish("Web", "1.0", provider="Stock")
    td.environment("production")
    td.environment("test")
    live_target("API", "production")
    live_target("API", "test")
    live_target("Stock", "production", headers={"Authorization": "Bearer list-s3cret"})

    def listed(query: str = "") -> list[tuple[str, str]]:
        response = api.get(f"/live-targets{query}")
        assert response.status_code == 200
        assert "list-s3cret" not in _body_text(response)
        return [(t["provider"], t["environment"]) for t in response.json()["_embedded"]["liveTargets"]]

    assert listed() == [("API", "production"), ("API", "test"), ("Stock", "production")]
    assert listed("?provider=API") == [("API", "production"), ("API", "test")]
    assert listed("?environment=production") == [("API", "production"), ("Stock", "production")]
    assert listed("?provider=Stock&environment=test") == []
    assert listed("?provider=Nobody") == []
    paged = api.get("/live-targets?size=2").json()
    assert paged["page"] == {"number": 1, "size": 2, "totalElements": 3, "totalPages": 2}
    assert paged["_links"]["next"]["href"] == "http://testserver/live-targets?page=2&size=2"


def test_the_index_links_the_live_targets_and_the_incidents(api):
    links = api.get("/").json()["_links"]

    assert links["accord:live-targets"]["href"] == "http://testserver/live-targets"
    assert links["accord:drift-incidents"]["href"] == "http://testserver/drift-incidents"
    assert api.get(links["accord:live-targets"]["href"]).status_code == 200


def test_a_body_that_is_not_an_object_is_a_400(api, pair):
    response = api.put(PATH, json.dumps(["https://api.example"]), content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"errors": {"body": ["must be a JSON object"]}}
