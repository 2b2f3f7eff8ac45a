"""A live broker whose only credentials are tokens, for the real clients (tests/access)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import _child_env, start_gunicorn


@pytest.fixture(scope="session")
def live_broker_with_tokens(test_db_name, tmp_path_factory) -> Iterator[str]:
    """Accord under gunicorn with ACCORD_REQUIRE_AUTH and no basic-auth users: its base URL."""
    env = _child_env(test_db_name, ACCORD_REQUIRE_AUTH="true")
    server, url = start_gunicorn("gunicorn-tokens", env, tmp_path_factory.mktemp("server-tokens"))
    yield url
    server.stop()


@pytest.fixture
def token_broker(live_broker_with_tokens: str, transactional_db) -> str:
    """The token-only broker's URL; this test's rows are committed and flushed afterwards."""
    return live_broker_with_tokens


@pytest.fixture
def pact_file(tmp_path):
    """Write a pact (tests.builders.pact_json) to tmp_path; returns its path."""
    from tests.builders import pact_json

    def write(consumer: str, provider: str, **kwargs):
        path = tmp_path / f"{consumer}-{provider}.json"
        path.write_text(pact_json(consumer, provider, **kwargs))
        return path

    return write
