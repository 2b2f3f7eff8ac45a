"""Concurrent publishes of one consumer version (parallel CI jobs) end with one row each.

The Pact Broker had deadlocks here (#654, #986/#987). Eight separate processes wait at a
file barrier and publish the same version, branch, tags and three contracts at once.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from contracts.models import (
    Branch,
    BranchVersion,
    Contract,
    ContractPublication,
    Integration,
    Pacticipant,
    Tag,
    Version,
)
from tests.conftest import ROOT, wait_until

PROCESSES = 8


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_publishes_of_one_version_make_one_row_of_each_kind(tmp_path, test_db_name):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings", ACCORD_DATABASE_NAME=test_db_name)
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.contracts.concurrent_publish", str(tmp_path), str(i)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    wait_until(lambda: len(list(tmp_path.glob("ready-*"))) == PROCESSES, 60, "all publishers at the barrier")
    (tmp_path / "go").touch()
    outputs = [child.communicate(timeout=120)[0] for child in children]

    assert [child.returncode for child in children] == [0] * PROCESSES, "\n".join(outputs)
    assert Pacticipant.objects.count() == 4
    assert Version.objects.count() == 1
    assert Branch.objects.count() == 1
    assert BranchVersion.objects.count() == 1
    assert Branch.objects.get().head == BranchVersion.objects.get()
    assert Tag.objects.count() == 2
    assert Contract.objects.count() == 3
    assert ContractPublication.objects.count() == 3
    assert Integration.objects.count() == 3
