"""Health endpoints: heartbeat touches nothing; dependencies checks real servers."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import _child_env, start_gunicorn


def test_heartbeat_answers_without_touching_the_database(api, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api.get("/diagnostic/status/heartbeat")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/hal+json")
    assert response.json()["ok"] is True


@pytest.mark.worker
@pytest.mark.django_db
def test_dependencies_report_database_broker_and_a_real_worker_round_trip(api, celery_worker_process):
    # The ping is a broadcast answered within 1.5 s by every worker on the broker, the other
    # test process's too; on a loaded machine this test's worker may answer late: ask again.
    for _attempt in range(5):
        response = api.get("/diagnostic/status/dependencies")
        assert response.status_code == 200, response.content
        body = response.json()
        if any(name.startswith("accord-test-") for name in body["dependencies"]["worker"].get("workers", [])):
            break
    assert body["ok"] is True and body["degraded"] is False
    assert body["dependencies"]["database"]["ok"] is True
    assert body["dependencies"]["broker"]["ok"] is True
    assert body["dependencies"]["worker"]["ok"] is True
    assert any(name.startswith("accord-test-") for name in body["dependencies"]["worker"]["workers"])


@pytest.mark.django_db
def test_dependencies_answer_503_naming_the_database_when_it_is_down(test_db_name, tmp_path):
    env = _child_env(test_db_name, ACCORD_DATABASE_NAME="accord_no_such_database")
    server, url = start_gunicorn("no-db", env, tmp_path, workers=1)
    try:
        response = httpx.get(url + "/diagnostic/status/dependencies", timeout=15)
        heartbeat = httpx.get(url + "/diagnostic/status/heartbeat", timeout=5)
    finally:
        server.stop()

    assert response.status_code == 503
    database = response.json()["dependencies"]["database"]
    assert database["ok"] is False and "accord_no_such_database" in database["error"]
    assert heartbeat.status_code == 200  # liveness stays up while the database is down


@pytest.mark.django_db
def test_dependencies_answer_503_when_the_celery_broker_is_unreachable(test_db_name, tmp_path):
    env = _child_env(test_db_name, CELERY_BROKER_URL=f"redis+socket://{tmp_path}/nothing-listens-here.sock")
    server, url = start_gunicorn("no-broker", env, tmp_path, workers=1)
    try:
        response = httpx.get(url + "/diagnostic/status/dependencies", timeout=15)
    finally:
        server.stop()

    assert response.status_code == 503
    body = response.json()
    assert body["dependencies"]["database"]["ok"] is True
    assert body["dependencies"]["broker"]["ok"] is False
