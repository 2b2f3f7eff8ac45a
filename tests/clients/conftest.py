"""Fixtures for the end-to-end tests with the real Pact clients.

The clients run as subprocesses against `live_broker` (gunicorn on the test database);
the tests then read what they left behind through the ORM. A missing client is a test
failure, never a skip: `make clients` installs both.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.builders import pact_json

ROOT = Path(__file__).resolve().parents[2]
RUST_PACT = ROOT / ".venv" / "bin" / "pact"
RUBY_PACT_BROKER = (
    ROOT
    / ".clients"
    / "npm16"
    / "node_modules"
    / "@pact-foundation"
    / "pact-cli-linux-x64"
    / "standalone"
    / "linux-x64-2.5.12"
    / "pact"
    / "bin"
    / "pact-broker"
)
CLI_TIMEOUT = 120

CliResult = tuple[int, str, str]


def _client(path: Path, what: str) -> str:
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{what} not found at {path}: run `make clients` to install the real Pact clients", pytrace=False)
    return str(path)


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a client: ours without PACT_* settings that would redirect it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PACT_")}
    # A proxy must not sit between a client and the broker on loopback.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PACT_DO_NOT_TRACK"] = "true"  # no usage reports from tests
    # The Rust CLI retries 5xx eight times with back-off; a broker bug should fail fast.
    env["PACT_BROKER_HTTP_RETRIES"] = "0"
    env.update(extra or {})
    return env


def _scratch_dir() -> str:
    """Where CLIs run: some (the Ruby tools) write log/ and reports into their working directory."""
    import tempfile

    path = Path(tempfile.gettempdir()) / "accord-cli-runs"
    path.mkdir(exist_ok=True)
    return str(path)


def run_cli(args: Sequence[str], env: dict[str, str] | None = None, timeout: float = CLI_TIMEOUT) -> CliResult:
    """Run a client command; return (exit code, stdout, stderr)."""
    try:
        done = subprocess.run(
            [str(arg) for arg in args],
            check=False,
            env=cli_env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=_scratch_dir(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"{' '.join(map(str, args))} did not finish within {timeout}s\n"
            f"stdout: {exc.stdout!r}\nstderr: {exc.stderr!r}"
        )
    return done.returncode, done.stdout, done.stderr


def run_installed(command: Sequence[str | Path]) -> subprocess.CompletedProcess:
    """Run an installed client as is (its PACT_* settings given on the command line); a
    missing client fails the test."""
    _client(Path(command[0]), str(command[0]))
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=CLI_TIMEOUT,
                          check=False)  # fmt: skip


def succeeded(result: CliResult, what: str) -> str:
    """Assert a client command exited 0; return its stdout."""
    code, out, err = result
    assert code == 0, f"{what} exited {code}\nstdout:\n{out}\nstderr:\n{err}"
    return out


@pytest.fixture(scope="session")
def rust_pact() -> str:
    """The Rust `pact` binary (pact-python-cli)."""
    return _client(RUST_PACT, "The Rust `pact` CLI")


@pytest.fixture(scope="session")
def ruby_pact_broker() -> str:
    """The Ruby `pact-broker` (pact_broker-client 1.77 in the npm 16.x standalone)."""
    return _client(RUBY_PACT_BROKER, "The Ruby `pact-broker` CLI")


@pytest.fixture
def broker(live_broker: str, transactional_db) -> str:
    """The live broker's base URL; this test's rows are committed and flushed afterwards."""
    return live_broker


@pytest.fixture
def pact_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a pact (tests.builders.pact_json) to tmp_path; returns its path."""

    def write(consumer: str, provider: str, **kwargs) -> Path:
        path = tmp_path / f"{consumer}-{provider}.json"
        path.write_text(pact_json(consumer, provider, **kwargs))
        return path

    return write


@pytest.fixture(name="run_cli")
def run_cli_fixture() -> Callable[..., CliResult]:
    """run_cli(args, env=...) -> (exit code, stdout, stderr)."""
    return run_cli
