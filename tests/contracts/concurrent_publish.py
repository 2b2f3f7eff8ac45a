"""A child process for test_concurrent_publish: wait at the barrier, then publish once."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(barrier_dir: str, index: str) -> int:
    import django

    django.setup()
    from django.db import connection

    from contracts.services.publication import contracts_publish, prepare_contract
    from tests.builders import pact_json

    connection.ensure_connection()  # connect before the barrier, so all start together
    prepared = [
        prepare_contract(pact_json("Web", provider), consumer_name="Web", provider_name=provider)
        for provider in ("API", "Billing", "Search")
    ]
    barrier = Path(barrier_dir)
    (barrier / f"ready-{index}").touch()
    deadline = time.monotonic() + 60
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            print("barrier timed out", file=sys.stderr)
            return 3
        time.sleep(0.001)
    contracts_publish(
        pacticipant_name="Web",
        version_number="1.0.0",
        branch="main",
        tags=["dev", "feat-x"],
        build_url="https://ci.example/1",
        contracts=prepared,
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.exit(main(sys.argv[1], sys.argv[2]))
