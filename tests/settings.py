"""Test settings: the real settings, with the few things a test run must change."""

import os

from broker import runtime
from broker.settings import *  # noqa: F403
from broker.settings import DATABASES

# The test server and the tests reach Accord under several names (the real clients'
# own contracts expect http://example.org).
ALLOWED_HOSTS = ["*"]

# Concurrent test runs (two terminals, CI beside `make run`) must not share a test
# database or a task queue: both are named after the pytest process. Child processes
# (the gunicorn server, the Celery worker) inherit the names through the environment.
# Under pytest-xdist each worker is a run of its own (its name appended); the controller
# exports the id before the workers start, so they share its process id as a prefix.
_run_id = os.environ.setdefault("ACCORD_TEST_RUN_ID", str(os.getpid()))
# The processes a worker starts inherit both variables, and keep the id it gives them.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("ACCORD_TEST_RUN_WORKER") != _worker:
    _run_id = os.environ["ACCORD_TEST_RUN_ID"] = f"{_run_id}_{_worker}"
    os.environ["ACCORD_TEST_RUN_WORKER"] = _worker
DATABASES["default"]["TEST"] = {"NAME": f"test_accord_{_run_id}"}
CELERY_TASK_DEFAULT_QUEUE = f"accord-test-{_run_id}"
if not os.environ.get("CELERY_BROKER_URL"):
    # A Redis database of its own, apart from a `make run` worker sharing the embedded Redis.
    CELERY_BROKER_URL = runtime.embedded_broker_url() + "?virtual_host=15"

# Test databases start empty whatever the developer's environment says (the seeding itself
# is tested on databases of its own: tests/test_fresh_database.py).
ACCORD_SEED_EXAMPLE_DATA = False

# The test-only provider-state endpoint (tests/clients/provider_states_api.py).
ROOT_URLCONF = "tests.urls"

# The test servers serve static files from the apps (`make run` and the image collect them).
WHITENOISE_USE_FINDERS = True
