"""`serve`'s supervisor, on real processes: what dies is restarted, with back-off when it keeps dying."""

from __future__ import annotations

import os
import signal
import sys

from broker.runtime import RESTART_BACKOFF_MAX, Child, Supervisor
from tests.conftest import wait_until


def test_back_off_doubles_from_one_second_up_to_the_cap():
    assert [Supervisor.backoff(n) for n in range(8)] == [0, 1, 2, 4, 8, 16, RESTART_BACKOFF_MAX, RESTART_BACKOFF_MAX]
    assert RESTART_BACKOFF_MAX == 30


def test_a_process_that_dies_is_restarted_at_once_and_the_console_says_so(tmp_path, capsys):
    child = Child("sleeper", [sys.executable, "-c", "import time; time.sleep(120)"])
    child.start()
    supervisor = Supervisor(tmp_path)
    supervisor.watch_child(child)
    first = child.proc.pid
    try:
        supervisor.check()
        assert child.proc.pid == first  # alive: left alone
        os.kill(first, signal.SIGKILL)

        def restarted() -> bool:
            supervisor.check()
            return child.proc.pid != first and child.exit_status() is None

        wait_until(restarted, 10, "the sleeper to be restarted")
    finally:
        child.stop()

    assert capsys.readouterr().err.splitlines() == [
        "[accord] sleeper exited (signal 9); restarting",
        "[accord] sleeper restarted",
    ]


def test_a_process_that_keeps_dying_is_restarted_with_growing_back_off(tmp_path, capsys):
    child = Child("crasher", [sys.executable, "-c", "raise SystemExit(3)"])
    child.start()
    supervisor = Supervisor(tmp_path)
    supervisor.watch_child(child)
    lines: list[str] = []

    def backed_off_twice() -> bool:
        supervisor.check()
        lines.extend(capsys.readouterr().err.splitlines())
        return "[accord] crasher exited (code 3); restarting in 2s" in lines

    try:
        wait_until(backed_off_twice, 20, "two back-offs")
    finally:
        child.stop()

    assert lines == [
        "[accord] crasher exited (code 3); restarting",  # first death: at once
        "[accord] crasher restarted",
        "[accord] crasher exited (code 3); restarting in 1s",  # died again soon after: wait
        "[accord] crasher restarted",
        "[accord] crasher exited (code 3); restarting in 2s",
    ]
