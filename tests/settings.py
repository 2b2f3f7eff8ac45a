"""Test settings: the real settings, with the few things a test run must change."""

import os

from broker import runtime
from broker.settings import *  # noqa: F403

# The test server and the tests reach Accord under several names (the real clients'
# own contracts expect http://example.org).
ALLOWED_HOSTS = ["*"]

# Keep test tasks apart from a `make run` worker sharing the embedded Redis.
if not os.environ.get("CELERY_BROKER_URL"):
    CELERY_BROKER_URL = runtime.embedded_broker_url() + "?virtual_host=15"

ACCORD_PROVIDER_STATES = True
