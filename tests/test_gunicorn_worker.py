"""The web tier's gunicorn worker (broker/gunicorn_worker.py) under a real gunicorn: kept-alive
connections spread evenly over the worker processes, a stuck worker never stalls the
others, and the access log's default line is gunicorn's own, written more cheaply."""

from __future__ import annotations

import http.client
import logging
import os
import signal
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from gunicorn import glogging
from gunicorn.config import Config

from broker.gunicorn_worker import STALE, AccessLogger, SlotTable
from tests.conftest import _child_env, start_gunicorn, wait_until

HEARTBEAT = "/diagnostic/status/heartbeat"


# --- the slot table -------------------------------------------------------------------------


NOW = 1000.0


def test_slot_table_counts_only_the_other_live_workers():
    table = SlotTable(size=4)
    first, second, third = table.take(), table.take(), table.take()
    assert (first, second, third) == (0, 1, 2)
    for slot, conns in ((first, 5), (second, 2), (third, 3)):
        table.publish(slot, conns, NOW)
    assert table.least_other(first, NOW) == 2
    assert table.least_other(second, NOW) == 3
    table.free(second)  # exited: its connections no longer count
    assert table.least_other(first, NOW) == 3
    assert table.take() == second  # the freed slot is reused
    assert table.least_other(first, NOW) == 3  # not before the new worker's loop has run
    table.publish(second, 0, NOW)
    assert table.least_other(first, NOW) == 0


def test_slot_table_ignores_a_worker_whose_loop_stopped():
    table = SlotTable(size=3)
    first, second, third = table.take(), table.take(), table.take()
    table.publish(first, 4, NOW)
    table.publish(second, 0, NOW - STALE - 0.1)  # suspended or starved
    table.publish(third, 3, NOW - STALE + 0.1)
    assert table.least_other(first, NOW) == 3


def test_slot_table_alone_and_full():
    table = SlotTable(size=1)
    only = table.take()
    table.publish(only, 7, NOW)
    assert table.least_other(only, NOW) is None  # nobody to leave a connection to
    assert table.take() == -1  # more workers than slots: that one simply is not balanced


# --- the access log -------------------------------------------------------------------------


class _Response:
    status = "200 OK"
    sent = 1234
    headers = [("Content-Type", "application/hal+json")]


class _Request:
    headers = [("HOST", "broker.example")]


def _line(logger_class, environ, **settings) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    for name, value in settings.items():
        cfg.set(name, value)
    logger = logger_class(cfg)
    logger.now = lambda: "[07/Dec/2026:08:00:00 +0000]"
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    logger.access_log.addHandler(Capture())
    logger.access(_Response(), _Request(), environ, timedelta(milliseconds=3))
    assert len(records) == 1
    return records[0]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {
            "HTTP_AUTHORIZATION": "Basic dXNlcjpzZWNyZXQ=",  # user:secret
            "HTTP_REFERER": "https://ci.example/",
            "HTTP_USER_AGENT": "pact_broker-client/1.75",
        },
        {"HTTP_AUTHORIZATION": "Bearer a-token"},
    ],
    ids=["bare", "basic-auth-referer-agent", "bearer"],
)
def test_access_line_is_gunicorns_own(extra):
    environ = {
        "REMOTE_ADDR": "10.1.2.3",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/pacticipants/team%2Fapp/versions/1%252?x=%41",  # percent signs kept as sent
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/pacticipants/team/app/versions/1%2",
        "QUERY_STRING": "x=%41",
        **extra,
    }
    ours = _line(AccessLogger, environ)
    assert ours == _line(glogging.Logger, environ)
    assert "secret" not in ours and "a-token" not in ours


def test_other_access_formats_are_left_to_gunicorn():
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/x", "PATH_INFO": "/x", "SERVER_PROTOCOL": "HTTP/1.1"}
    assert _line(AccessLogger, environ, access_log_format="%(m)s %(U)s %(s)s") == "GET /x 200"


# --- under a real gunicorn ------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _workers(server, count: int) -> list[int]:
    """The pids of the server's worker processes, once there are `count`."""

    def found():
        children = _children(server.proc.pid)
        return children if len(children) == count else None

    return wait_until(found, 30, f"{count} worker(s)")


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _server_side_inodes(server_port: int) -> dict[int, str]:
    """Established connections to the server: client port -> the server side's socket inode."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        remote_port = int(fields[2].split(":")[1], 16)
        if local_port == server_port and fields[3] == "01":  # ESTABLISHED
            found[remote_port] = fields[9]
    return found


class Clients:
    """Kept-alive HTTP/1.1 connections, each reconnecting when the server closes it, and
    which worker process holds each."""

    def __init__(self, url: str, count: int) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.conns = [http.client.HTTPConnection(self.host, self.port, timeout=20) for _ in range(count)]
        self.closed_by_server = 0

    def request(self, index: int) -> None:
        conn = self.conns[index]
        conn.request("GET", HEARTBEAT)
        response = conn.getresponse()
        response.read()
        assert response.status == 200
        if response.getheader("Connection", "").lower() == "close":
            self.closed_by_server += 1
            conn.close()  # http.client reconnects on the next request

    def round(self) -> None:
        for index in range(len(self.conns)):
            self.request(index)

    def split(self, workers: list[int]) -> list[int]:
        """How many of these connections each worker holds."""
        held = _server_side_inodes(self.port)
        ports = [conn.sock.getsockname()[1] for conn in self.conns if conn.sock is not None]
        inodes = {worker: _socket_inodes(worker) for worker in workers}
        return [sum(1 for port in ports if held.get(port) in inodes[worker]) for worker in workers]

    def settle(self, workers: list[int], expected: list[int], timeout: float) -> None:
        """Keep every connection asking until the workers hold `expected` connections (in any order)."""
        last: list[int] = []

        def reached() -> bool:
            self.round()
            last[:] = self.split(workers)
            return sorted(last) == expected

        try:
            wait_until(reached, timeout, f"connections split {expected}", interval=0.02)
        except AssertionError as error:
            raise AssertionError(f"{error}; the last split was {last}") from None

    def close(self) -> None:
        for conn in self.conns:
            conn.close()


@pytest.fixture
def gunicorn_env(test_db_name):
    return _child_env(test_db_name)


def test_crowded_worker_sheds_connections_to_a_new_one(gunicorn_env, tmp_path):
    """Six connections all held by one worker; a second worker starts (SIGTTIN). The first
    answers some requests with `Connection: close`, the clients reconnect, and the new
    connections go to the second worker until each holds three."""
    server, url = start_gunicorn("gunicorn-shed", gunicorn_env, tmp_path, workers=1)
    clients = Clients(url, 6)
    try:
        (first,) = _workers(server, 1)
        clients.round()
        assert clients.split([first]) == [6]
        server.proc.send_signal(signal.SIGTTIN)
        workers = _workers(server, 2)

        clients.settle(workers, [3, 3], 60)
        assert clients.closed_by_server >= 3  # mended by shedding, not by the clients
    finally:
        clients.close()
        server.stop()
    assert "Traceback" not in server.log_path.read_text()


def test_connections_made_one_by_one_alternate_workers(gunicorn_env, tmp_path):
    """Each new connection goes to the worker holding fewer: eight made one after another
    end up four and four, and stay so while every one keeps asking."""
    server, url = start_gunicorn("gunicorn-spread", gunicorn_env, tmp_path, workers=2)
    clients = Clients(url, 8)
    try:
        workers = _workers(server, 2)
        for index in range(8):
            clients.request(index)  # connects, and is answered: its worker counted it

        clients.settle(workers, [4, 4], 30)
    finally:
        clients.close()
        server.stop()


def test_a_stopped_worker_does_not_stall_new_connections(gunicorn_env, tmp_path):
    """The least loaded worker is stopped (SIGSTOP): the other leaves a new connection to it
    for a few milliseconds at most, then serves it."""
    server, url = start_gunicorn("gunicorn-stopped", gunicorn_env, tmp_path, workers=2)
    clients = Clients(url, 2)
    stopped = None
    try:
        workers = _workers(server, 2)
        clients.request(0)
        holder = workers[clients.split(workers).index(1)]
        stopped = next(worker for worker in workers if worker != holder)
        os.kill(stopped, signal.SIGSTOP)
        clients.request(1)  # times out (20 s) if the holder leaves it to the stopped one for good
    finally:
        if stopped is not None:
            os.kill(stopped, signal.SIGCONT)
        clients.close()
        server.stop()


def test_a_reload_keeps_answering_and_rebalances(gunicorn_env, tmp_path):
    """SIGHUP: new workers start while the old ones finish what they hold (and accept nothing
    more, so they do not count). Every request is answered throughout, and the connections
    end spread over the new workers."""
    server, url = start_gunicorn("gunicorn-reload", gunicorn_env, tmp_path, workers=2)
    clients = Clients(url, 6)
    try:
        old = _workers(server, 2)
        clients.round()
        server.proc.send_signal(signal.SIGHUP)

        def reloaded():
            clients.round()  # old workers close their kept-alive connections as they stop
            children = _children(server.proc.pid)
            return children if len(children) == 2 and not set(children) & set(old) else None

        new = wait_until(reloaded, 60, "two new workers and the old ones gone", interval=0.02)

        clients.settle(new, [3, 3], 30)
    finally:
        clients.close()
        server.stop()
    assert "Traceback" not in server.log_path.read_text()


def test_server_side_inodes_find_a_loopback_connection():
    """The helpers read /proc/net/tcp (IPv4): the servers here listen on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = sock.accept()
            with accepted:
                assert client.getsockname()[1] in _server_side_inodes(port)
