"""gunicorn's threaded worker, with its connections spread evenly over the worker processes.

Every gunicorn worker polls the one listening socket, and whichever wakes first accepts.
That is not the least busy one: over 8 keep-alive connections and 2 workers, the benchmark
saw splits of 5/3, 6/2 and 7/1 far more often than 4/4, and the clients of the crowded
worker waited three times as long as the others (a matrix request's median 13-14 ms on
one worker, 4-5 ms on the other), while the machine had capacity to spare. A kept-alive
connection never moves, so a split made at connect time lasts as long as the connection.

`BalancedThreadWorker` keeps the split even, with two rules that read a table of each
worker's open connections in memory shared by every worker (made by the master before it
forks, `SLOTS`):

- Accept: a worker holding more connections than the least loaded one leaves a waiting
  connection to the others for a moment (`HOLD`). If it is still waiting after `MAX_WAIT`
  (the others are stuck or gone), it accepts it anyway: nobody waits long for balance.
- Shed: a worker holding two or more connections more than the least loaded one answers
  its next request with `Connection: close` (at most one every `SHED_INTERVAL`). The
  client reconnects, as every HTTP client does, and the accept rule puts it on the least
  loaded worker. This mends splits the accept rule could not prevent: a burst accepted
  while the other workers were busy, or a worker restarted while the others kept theirs.

The table is written by the master (a slot per worker process: `pre_fork` takes one,
`child_exit` frees it; `broker/gunicorn_conf.py` wires both) and each worker writes its own
count, and the time, after every round of its event loop (at least once a second). A worker
whose time is older than `STALE` is stuck (its loop stopped: suspended, or starved), and a
stopping one (a reload, `max_requests`) accepts nothing more: neither counts, so the others
neither leave connections to it nor shed theirs towards it.

The worker also tells the arbiter it is alive once a second at most, instead of on every
round of its loop: that was a file-times system call per request.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import time
import traceback

from gunicorn import glogging
from gunicorn.config import AccessLogFormat
from gunicorn.workers.gthread import ThreadWorker

# Seconds: how long a loaded worker leaves a waiting connection to the others, how long a
# connection may wait for balance before any worker takes it, and how often a worker may
# shed a connection.
HOLD = 0.001
MAX_WAIT = 0.005
SHED_INTERVAL = 0.25
# How many connections more than the least loaded worker make a worker shed one.
SHED_EXCESS = 2
# Seconds since a worker's event loop last ran after which it does not count.
STALE = 2.5

MAX_WORKERS = 256
_COMBINED = AccessLogFormat.default
_FREE = -1


class SlotTable:
    """Per worker process: its open connections and when its loop last ran, in memory every
    process of the server shares. Made in the master before any worker is forked."""

    def __init__(self, size: int = MAX_WORKERS) -> None:
        self.size = size
        self.conns = multiprocessing.RawArray(ctypes.c_long, size)
        self.beats = multiprocessing.RawArray(ctypes.c_double, size)  # time.monotonic(): one clock for all
        for index in range(size):
            self.conns[index] = _FREE
            self.beats[index] = 0.0
        self.used = multiprocessing.RawValue(ctypes.c_long, 0)  # slots [0, used) may be taken

    # The master's side.
    def take(self) -> int:
        """A free slot for a worker about to be forked (it counts once its loop has run)."""
        for index in range(self.size):
            if self.conns[index] == _FREE:
                self.beats[index] = 0.0
                self.conns[index] = 0
                self.used.value = max(self.used.value, index + 1)
                return index
        return -1  # more workers than slots: this one is not balanced

    def free(self, index: int) -> None:
        if 0 <= index < self.size:
            self.conns[index] = _FREE

    # A worker's side.
    def publish(self, index: int, conns: int, now: float) -> None:
        self.conns[index] = conns
        self.beats[index] = now

    def least_other(self, mine: int, now: float) -> int | None:
        """The fewest connections any other live worker holds (None if it is alone)."""
        least = None
        for index in range(self.used.value):
            if index == mine:
                continue
            count = self.conns[index]
            if count == _FREE or now - self.beats[index] > STALE:
                continue
            if least is None or count < least:
                least = count
        return least


SLOTS = SlotTable()


def pre_fork(server, worker) -> None:
    """Master: give the worker about to be forked its slot."""
    worker.accord_slot = SLOTS.take()


def child_exit(server, worker) -> None:
    """Master: a worker has exited; its slot and its connections no longer count."""
    SLOTS.free(getattr(worker, "accord_slot", -1))


class BalancedThreadWorker(ThreadWorker):
    """gunicorn's gthread worker with the accept and shed rules above."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.slot = -1  # the master's pre_fork sets accord_slot after this, before the fork
        self._hold_until = 0.0
        self._waiting_since: float | None = None  # a connection this worker left to the others
        self._listener_fired = False
        self._last_shed = 0.0
        self._last_notify = 0.0
        self._notify_every = min(1.0, max(self.cfg.timeout, 1) / 4)

    def init_process(self) -> None:
        self.slot = getattr(self, "accord_slot", -1)
        if self.slot >= 0:
            SLOTS.publish(self.slot, 0, time.monotonic())
        super().init_process()

    def notify(self) -> None:
        now = time.monotonic()
        if now - self._last_notify >= self._notify_every:
            self._last_notify = now
            super().notify()

    def _publish(self) -> None:
        if self.slot >= 0:
            # A stopping worker accepts nothing more: its time is left out, so it does not count.
            SLOTS.publish(self.slot, self.nr_conns, time.monotonic() if self.alive else 0.0)

    def _excess(self) -> int:
        """How many connections this worker holds beyond the least loaded other worker."""
        if self.slot < 0:
            return 0
        least = SLOTS.least_other(self.slot, time.monotonic())
        return 0 if least is None else self.nr_conns - least

    def accept(self, listener) -> None:
        self._listener_fired = True
        now = time.monotonic()
        if self._excess() > 0:
            if self._waiting_since is None:
                self._waiting_since = now
            if now - self._waiting_since < MAX_WAIT:
                self._hold_until = now + HOLD
                self.set_accept_enabled(False)
                return
        self._waiting_since = None
        super().accept(listener)
        self._publish()

    def set_accept_enabled(self, enabled: bool) -> None:
        if enabled and time.monotonic() < self._hold_until:
            return
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        holding = self._hold_until - time.monotonic()
        if holding > 0:
            timeout = min(timeout, holding)
        self._listener_fired = False
        super().wait_for_and_dispatch_events(timeout)
        if self._accepting and not self._listener_fired:
            self._waiting_since = None  # nothing waits: whoever it was, another worker took it
        self._publish()

    def handle_request(self, req, conn):
        # The clock first: on almost every request it rules a shed out without reading the table.
        now = time.monotonic()
        if now - self._last_shed >= SHED_INTERVAL and self._excess() >= SHED_EXCESS:
            self._last_shed = now
            req.must_close = True  # answered with "Connection: close"; the client reconnects
        return super().handle_request(req, conn)


class AccessLogger(glogging.Logger):
    """gunicorn's logger, writing the access log's default (combined) format without first
    building gunicorn's dictionary of every request header, response header and environ
    variable for each request: that was a tenth of a worker's time on a light request.
    Any other `access_log_format` is written by gunicorn's own code, as before."""

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        if self.cfg.access_log_format != _COMBINED:
            super().access(resp, req, environ, request_time)
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        user = (self._get_user(environ) if "HTTP_AUTHORIZATION" in environ else None) or "-"
        get = environ.get
        try:
            self.access_log.info(
                f"{get('REMOTE_ADDR', '-')} - {user} {self.now()} "
                f'"{environ["REQUEST_METHOD"]} {environ["RAW_URI"]} {environ["SERVER_PROTOCOL"]}" '
                f'{status} {"-" if sent is None else sent} "{get("HTTP_REFERER", "-")}" "{get("HTTP_USER_AGENT", "-")}"'
            )
        except Exception:
            self.error(traceback.format_exc())
