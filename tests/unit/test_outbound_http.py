"""verifier.http: the outbound seam, against real in-process receivers on 127.0.0.1.

No packet may leave the loopback interface: an autouse guard on socket connect fails
any test that tries, and names other than IP literals and "localhost" are answered by a
fake resolver, never by DNS.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from verifier import http as outbound
from verifier.http import (
    MASK,
    OutboundPolicy,
    OutboundRefused,
    OutboundUnavailable,
    address_class,
    redact_headers,
    redact_text,
    redact_url,
    request,
)

LOOPBACK_OK = OutboundPolicy(allow=("127.0.0.0/8",), connect_timeout=2.0, read_timeout=2.0)
NOTHING_ALLOWED = OutboundPolicy(connect_timeout=2.0, read_timeout=2.0)


# --- receivers ------------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


AddrInfo = list[tuple[Any, ...]]
Responder = Callable[[BaseHTTPRequestHandler, "Receiver"], None]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that time out on purpose leave broken pipes behind


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    requests: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/", host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


def _reply(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for name, value in {"Content-Length": str(len(body)), **headers}.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def echo(handler: BaseHTTPRequestHandler, receiver: Receiver) -> None:
    seen = receiver.requests[-1]
    payload = {
        "method": seen.method,
        "headers": seen.headers,
        "body": seen.body.decode(),
    }
    _reply(
        handler,
        200,
        json.dumps(payload).encode(),
        {
            "Content-Type": "application/json",
            "X-Reply": "yes",
            "Set-Cookie": "sid=cookie-value-123",
        },
    )


@pytest.fixture
def serve() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def start(respond: Responder = echo, tls: ssl.SSLContext | None = None) -> Receiver:
        holder: list[Receiver] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                holder[0].requests.append(Seen(self.command, self.path, dict(self.headers), body))
                respond(self, holder[0])

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = _QuietServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        receiver = Receiver(server)
        holder.append(receiver)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.release.set()
        receiver.server.shutdown()
        receiver.server.server_close()


# --- network guards -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def connects(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Every connect attempted; one outside loopback fails the test before a packet."""
    attempts: list[tuple[str, int]] = []
    escaped: list[object] = []
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0]).split("%")[0]
            attempts.append((host, address[1]))
            if not ipaddress.ip_address(host).is_loopback:
                escaped.append(address)
                raise AssertionError(f"test tried to connect outside loopback: {address}")
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded)
    yield attempts
    assert escaped == []


@dataclass
class FakeDNS:
    answers: dict[str, list[str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Names resolve from `answers`: one entry per call, the last repeating. No DNS."""
    fake = FakeDNS()
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> AddrInfo:
        fake.calls.append(host)
        if host in fake.answers:
            queue = fake.answers[host]
            ip = queue.pop(0) if len(queue) > 1 else queue[0]
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (ip, port))]
        if host == "localhost" or _is_literal(host):
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (fake DNS)")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return fake


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# --- round trips ----------------------------------------------------------------------


def test_round_trip_captures_status_headers_body_and_logs(
    serve: Callable[..., Receiver],
) -> None:
    receiver = serve()
    resp = request(
        "post",
        receiver.url("/hook?page=2"),
        headers={"Content-Type": "application/json", "X-Trace": "trace-1"},
        content='{"hello": "world"}',
        policy=LOOPBACK_OK,
    )

    assert resp.status == 200
    assert resp.headers["x-reply"] == "yes"
    assert json.loads(resp.body)["body"] == '{"hello": "world"}'
    assert resp.truncated is False
    assert resp.elapsed_ms >= 0
    [seen] = receiver.requests
    assert (seen.method, seen.path) == ("POST", "/hook?page=2")
    assert seen.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert seen.headers["User-Agent"] == "Accord"
    assert resp.request_log.startswith(f"POST {receiver.url('/hook?page=2')}\n")
    assert "X-Trace: trace-1" in resp.request_log
    assert resp.request_log.endswith('{"hello": "world"}')
    assert resp.response_log.startswith("HTTP/1.1 200 OK (from 127.0.0.1 in ")
    assert "X-Reply: yes" in resp.response_log
    assert resp.response_log.endswith("\n\n" + resp.body)


def test_redirect_is_returned_not_followed(serve: Callable[..., Receiver]) -> None:
    def redirect(handler: BaseHTTPRequestHandler, receiver: Receiver) -> None:
        _reply(handler, 302, b"", {"Location": receiver.url("/elsewhere")})

    receiver = serve(redirect)
    resp = request("GET", receiver.url("/start"), policy=LOOPBACK_OK)

    assert resp.status == 302
    assert resp.headers["location"] == receiver.url("/elsewhere")
    assert [seen.path for seen in receiver.requests] == ["/start"]


@pytest.mark.parametrize(("size", "truncated"), [(999, False), (1000, False), (1001, True), (50_000, True)])
def test_body_is_capped_at_max_response_bytes(serve: Callable[..., Receiver], size: int, truncated: bool) -> None:
    receiver = serve(lambda handler, _: _reply(handler, 200, b"x" * size, {}))
    policy = OutboundPolicy(allow=("127.0.0.1",), max_response_bytes=1000)

    resp = request("GET", receiver.url(), policy=policy)

    assert (len(resp.body), resp.truncated) == (min(size, 1000), truncated)
    assert resp.response_log.endswith("[body truncated at 1000 bytes]") is truncated


def test_read_timeout_is_unavailable(serve: Callable[..., Receiver]) -> None:
    def stall(handler: BaseHTTPRequestHandler, receiver: Receiver) -> None:
        receiver.release.wait(10)  # released at teardown

    receiver = serve(stall)
    policy = OutboundPolicy(allow=("127.0.0.1",), connect_timeout=1.0, read_timeout=0.3)

    with pytest.raises(OutboundUnavailable, match="ReadTimeout") as caught:
        request("GET", receiver.url(), policy=policy)
    assert caught.value.request_log.startswith("GET ")


def test_slow_drip_hits_the_overall_deadline(serve: Callable[..., Receiver]) -> None:
    def drip(handler: BaseHTTPRequestHandler, receiver: Receiver) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "200")
        handler.end_headers()
        handler.wfile.flush()
        # Each byte beats read_timeout; all 200 would take 10 s.
        while not receiver.release.wait(0.05):
            handler.wfile.write(b"x")
            handler.wfile.flush()

    receiver = serve(drip)
    policy = OutboundPolicy(allow=("127.0.0.1",), connect_timeout=0.2, read_timeout=0.3)

    with pytest.raises(OutboundUnavailable, match="ReadTimeout: response not complete"):
        request("GET", receiver.url(), policy=policy)


def test_connect_refused_is_unavailable() -> None:
    # Bound but not listening: the kernel answers RST; nobody else can take the port.
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
        with pytest.raises(OutboundUnavailable, match="ConnectError"):
            request("GET", f"http://127.0.0.1:{port}/", policy=LOOPBACK_OK)


def test_dns_failure_is_unavailable(connects: list[tuple[str, int]]) -> None:
    with pytest.raises(OutboundUnavailable, match="cannot resolve no-such-host.test"):
        request("GET", "https://no-such-host.test/", policy=NOTHING_ALLOWED)
    assert connects == []


# --- the address guard ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "label"),
    [
        ("127.0.0.1", "loopback"),
        ("[::1]", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local (cloud metadata)"),
        ("100.64.0.1", "CGNAT"),
        ("0.0.0.0", "unspecified"),
        ("[::]", "unspecified"),
        ("[fc00::1]", "private (unique local)"),
        ("[fe80::1]", "link-local"),
        ("[::ffff:127.0.0.1]", "loopback (IPv4-mapped 127.0.0.1)"),
        ("[::ffff:169.254.169.254]", "link-local"),
        ("[2002:7f00:1::]", "loopback (6to4 127.0.0.1)"),
        ("[64:ff9b::a9fe:a9fe]", "link-local (cloud metadata) (NAT64 169.254.169.254)"),
        ("224.0.0.1", "multicast"),
        ("[ff02::1]", "multicast"),
        ("198.18.0.1", "benchmarking"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_guard_refuses_before_any_connection(host: str, label: str, connects: list[tuple[str, int]]) -> None:
    with pytest.raises(OutboundRefused) as caught:
        request("POST", f"http://{host}:8080/hook", content="x", policy=NOTHING_ALLOWED)

    message = str(caught.value)
    assert message.startswith(f"refused: {host.strip('[]')} is ")
    assert label in message
    assert message.endswith("add it to ACCORD_OUTBOUND_ALLOW to permit")
    assert connects == []


def test_metadata_message_is_exact() -> None:
    with pytest.raises(OutboundRefused) as caught:
        request("GET", "http://169.254.169.254/latest/meta-data/", policy=NOTHING_ALLOWED)
    assert str(caught.value) == (
        "refused: 169.254.169.254 is link-local (cloud metadata); add it to ACCORD_OUTBOUND_ALLOW to permit"
    )


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("localhost", None),
        ("build.example.test", "10.0.0.5"),
        ("v6.example.test", "fd00::5"),
    ],
)
def test_hostnames_resolving_to_blocked_addresses_are_refused(
    name: str, answer: str | None, dns: FakeDNS, connects: list[tuple[str, int]]
) -> None:
    if answer:
        dns.answers[name] = [answer]
    with pytest.raises(OutboundRefused, match=rf"refused: {name} resolves to .*, which is "):
        request("GET", f"https://{name}/", policy=NOTHING_ALLOWED)
    assert connects == []


def test_one_blocked_address_among_public_ones_is_enough_to_refuse(
    monkeypatch: pytest.MonkeyPatch, connects: list[tuple[str, int]]
) -> None:
    def two_answers(host: str, port: int, *args: Any, **kwargs: Any) -> AddrInfo:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", two_answers)
    with pytest.raises(OutboundRefused, match="10.0.0.5, which is private"):
        request("GET", "https://mixed.example.test/", policy=NOTHING_ALLOWED)
    assert connects == []


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
        ("64:ff9b::808:808", None),  # NAT64 of a public address
        ("2002:808:808::1", None),  # 6to4 of a public address
        ("172.32.0.1", None),  # just outside 172.16/12
        ("100.128.0.1", None),  # just outside 100.64/10
        ("192.0.2.7", "reserved (documentation)"),
        ("2001:db8::1", "reserved (documentation)"),
        ("::127.0.0.1", "reserved (not IPv6 global unicast)"),
    ],
)
def test_address_class_table(addr: str, expected: str | None) -> None:
    assert address_class(ipaddress.ip_address(addr)) == expected


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.example.test/x",
        "file:///etc/passwd",
        "gopher://a.test/",
        "http:///no-host",
        "http://[::1",
    ],
)
def test_bad_scheme_or_url_is_refused(url: str, connects: list[tuple[str, int]]) -> None:
    with pytest.raises(OutboundRefused):
        request("GET", url, policy=NOTHING_ALLOWED)
    assert connects == []


def test_a_refusal_masks_the_callers_secrets_wherever_they_are_in_the_url(connects: list[tuple[str, int]]) -> None:
    with pytest.raises(OutboundRefused) as refused:
        request(
            "GET",
            "ftp://files.example.test/hook/s3cret-in-the-path",
            policy=NOTHING_ALLOWED,
            secrets=["s3cret-in-the-path"],
        )
    assert "s3cret" not in str(refused.value) and f"/hook/{MASK}" in str(refused.value)
    assert connects == []


@pytest.mark.parametrize("value", ["a\nb-s3cret", "a\rb-s3cret", "a\x00b-s3cret", "caf\u00e9-s3cret"])
def test_a_header_value_http_cannot_carry_is_refused_naming_the_header_only(
    value: str, connects: list[tuple[str, int]]
) -> None:
    with pytest.raises(OutboundRefused, match="the value of header 'X-Key' holds a line break") as refused:
        request("POST", "http://127.0.0.1:9/", headers={"X-Key": value}, policy=NOTHING_ALLOWED)
    assert "s3cret" not in str(refused.value)
    assert connects == []


def test_scheme_list_comes_from_the_policy(serve: Callable[..., Receiver]) -> None:
    https_only = OutboundPolicy(allow=("127.0.0.1",), allowed_schemes=("https",))
    with pytest.raises(OutboundRefused, match="scheme 'http' not allowed"):
        request("GET", serve().url(), policy=https_only)


# --- allow-list -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "host"),
    [
        ("hooks.internal.test", "hooks.internal.test"),
        ("HOOKS.internal.test.", "hooks.internal.test"),
        ("*.internal.test", "hooks.internal.test"),
        ("127.0.0.0/8", "hooks.internal.test"),
        ("127.0.0.1", "hooks.internal.test"),
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.0/30", "127.0.0.1"),
    ],
)
def test_allow_list_admits(entry: str, host: str, serve: Callable[..., Receiver], dns: FakeDNS) -> None:
    receiver = serve()
    dns.answers["hooks.internal.test"] = ["127.0.0.1"]

    resp = request("GET", receiver.url(host=host), policy=OutboundPolicy(allow=(entry,)))

    assert resp.status == 200
    assert receiver.requests[0].headers["Host"] == f"{host}:{receiver.port}"


@pytest.mark.parametrize(
    ("entry", "host"),
    [
        ("*.internal.test", "internal.test"),  # the wildcard needs a label
        ("*.internal.test", "a.b.internal.test"),  # ...and exactly one
        ("internal.test", "hooks.internal.test"),
        ("10.0.0.0/8", "hooks.internal.test"),
        ("127.0.0.2", "hooks.internal.test"),
    ],
)
def test_allow_list_does_not_over_match(entry: str, host: str, dns: FakeDNS, connects: list[tuple[str, int]]) -> None:
    dns.answers[host] = ["127.0.0.1"]
    with pytest.raises(OutboundRefused, match="loopback"):
        request("GET", f"http://{host}/", policy=OutboundPolicy(allow=(entry,)))
    assert connects == []


@pytest.mark.parametrize(
    "entry",
    ["/internal/", "*internal.test", "host.test:8080", "a.*.test", "10.0.0.0/33"],
)
def test_bad_allow_entries_fail_at_construction(entry: str) -> None:
    with pytest.raises(ValueError, match="invalid ACCORD_OUTBOUND_ALLOW entry"):
        OutboundPolicy(allow=(entry,))


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (["a.test", "10.0.0.0/8"], ("a.test", "10.0.0.0/8")),
        (" a.test, *.b.test ,,", ("a.test", "*.b.test")),
        (None, ()),
    ],
)
def test_policy_from_settings(monkeypatch: pytest.MonkeyPatch, configured: object, expected: tuple[str, ...]) -> None:
    settings = types.SimpleNamespace(ACCORD_OUTBOUND_READ_TIMEOUT="7.5")
    if configured is not None:
        settings.ACCORD_OUTBOUND_ALLOW = configured
    fake_conf = types.ModuleType("django.conf")
    fake_conf.settings = settings  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "django.conf", fake_conf)

    policy = OutboundPolicy.from_settings()

    assert (policy.allow, policy.connect_timeout, policy.read_timeout) == (
        expected,
        5.0,
        7.5,
    )


# --- pinning --------------------------------------------------------------------------


def test_connection_is_pinned_to_the_vetted_address(
    serve: Callable[..., Receiver], dns: FakeDNS, connects: list[tuple[str, int]]
) -> None:
    receiver = serve()
    # A rebinding resolver: the first answer passes the guard, later ones point inside.
    dns.answers["rebind.test"] = ["127.0.0.1", "10.9.9.9"]

    resp = request(
        "GET",
        receiver.url(host="rebind.test"),
        policy=OutboundPolicy(allow=("rebind.test",)),
    )

    assert resp.status == 200
    assert dns.calls.count("rebind.test") == 1
    assert connects == [("127.0.0.1", receiver.port)]
    assert receiver.requests[0].headers["Host"] == f"rebind.test:{receiver.port}"
    assert resp.request_log.startswith(f"GET http://rebind.test:{receiver.port}/")


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for pinned.test only (no IP in its SANs)."""
    if shutil.which("openssl") is None:
        pytest.fail("the openssl CLI is needed to make a test certificate (apt-get install openssl)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-nodes", "-days", "2",
         "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-subj", "/CN=pinned.test", "-addext", "subjectAltName=DNS:pinned.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_receiver(
    certificate: tuple[Path, Path],
    serve: Callable[..., Receiver],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Receiver, list[str | None]]:
    cert, key = certificate
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    sni_seen: list[str | None] = []

    def record_sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        sni_seen.append(name)

    server_ctx.sni_callback = record_sni  # type: ignore[assignment]
    client_ctx = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(outbound, "_ssl_context", lambda: client_ctx)
    return serve(tls=server_ctx), sni_seen


def test_https_pins_the_ip_but_uses_the_hostname_for_sni_and_verification(
    tls_receiver: tuple[Receiver, list[str | None]],
    dns: FakeDNS,
    connects: list[tuple[str, int]],
) -> None:
    receiver, sni_seen = tls_receiver
    dns.answers["pinned.test"] = ["127.0.0.1", "10.9.9.9"]

    resp = request(
        "GET",
        receiver.url(host="pinned.test", scheme="https"),
        policy=OutboundPolicy(allow=("pinned.test",)),
    )

    assert resp.status == 200
    assert sni_seen == ["pinned.test"]
    assert connects == [("127.0.0.1", receiver.port)]
    assert receiver.requests[0].headers["Host"] == f"pinned.test:{receiver.port}"


def test_https_certificate_must_match_the_hostname(
    tls_receiver: tuple[Receiver, list[str | None]], dns: FakeDNS
) -> None:
    receiver, _ = tls_receiver
    dns.answers["other.test"] = ["127.0.0.1"]

    with pytest.raises(OutboundUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
        request(
            "GET",
            receiver.url(host="other.test", scheme="https"),
            policy=OutboundPolicy(allow=("other.test",)),
        )
    assert receiver.requests == []


# --- redaction ------------------------------------------------------------------------


def test_logs_mask_url_credentials_headers_and_explicit_secrets_even_when_echoed(
    serve: Callable[..., Receiver],
) -> None:
    receiver = serve()  # echoes every request header and the body back in its JSON reply
    netloc = f"alice:pw-in-url-1@127.0.0.1:{receiver.port}"
    url = f"http://{netloc}/hook?token=query-secret-1&page=2"
    basic = base64.b64encode(b"alice:pw-in-url-1").decode()

    resp = request(
        "POST",
        url,
        headers={
            "X-Api-Key": "header-key-1",
            "X-Hub-Signature": "sig-value-1",
            "X-Trace": "trace-1",
        },
        content='{"note": "deploy with explicit-secret-1 and pw-in-url-1"}',
        secrets=["explicit-secret-1", "abc"],  # "abc" is too short to mask
        policy=LOOPBACK_OK,
    )

    seen = receiver.requests[0].headers
    assert seen["Authorization"] == f"Basic {basic}"
    assert seen["X-Api-Key"] == "header-key-1"
    # The raw body is the caller's to use; only the logs are redacted.
    assert "explicit-secret-1" in resp.body
    logs = resp.request_log + resp.response_log
    secrets = ["pw-in-url-1", "query-secret-1", basic, "header-key-1", "sig-value-1"]
    for secret in [*secrets, "explicit-secret-1", "cookie-value-123"]:
        assert secret not in logs
    assert f"http://alice:{MASK}@127.0.0.1:{receiver.port}/hook?token={MASK}&page=2" in resp.request_log
    assert f"Authorization: {MASK}" in resp.request_log
    assert f"Set-Cookie: {MASK}" in resp.response_log
    assert "trace-1" in resp.response_log
    assert "page=2" in resp.request_log


def test_bearer_token_is_masked_even_when_echoed_alone(
    serve: Callable[..., Receiver],
) -> None:
    receiver = serve(lambda handler, _: _reply(handler, 401, b"bad token tok-bearer-1", {}))

    resp = request(
        "GET",
        receiver.url(),
        headers={"Authorization": "Bearer tok-bearer-1"},
        policy=LOOPBACK_OK,
    )

    assert receiver.requests[0].headers["Authorization"] == "Bearer tok-bearer-1"
    assert "tok-bearer-1" not in resp.request_log + resp.response_log
    assert resp.response_log.endswith(f"bad token {MASK}")


def test_error_messages_are_redacted(connects: list[tuple[str, int]]) -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
        with pytest.raises(OutboundUnavailable) as caught:
            request(
                "GET",
                f"http://bob:pw-err-1@127.0.0.1:{port}/?api_key=key-err-1",
                secrets=["127.0.0.1-never"],
                policy=LOOPBACK_OK,
            )
    text = str(caught.value) + caught.value.request_log
    assert "pw-err-1" not in text
    assert "key-err-1" not in text
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"Authorization": "Basic x"}, {"Authorization": MASK}),
        ({"proxy-authorization": "x"}, {"proxy-authorization": MASK}),
        ({"Cookie": "a=b", "Set-Cookie": "c=d"}, {"Cookie": MASK, "Set-Cookie": MASK}),
        (
            {"X-Auth-Token": "t", "X-Client-Secret": "s"},
            {"X-Auth-Token": MASK, "X-Client-Secret": MASK},
        ),
        (
            {"X-API-Key": "k", "api_key": "k", "X-Apikey": "k"},
            {"X-API-Key": MASK, "api_key": MASK, "X-Apikey": MASK},
        ),
        (
            {"X-Hub-Signature-256": "s", "DB-Password": "p"},
            {"X-Hub-Signature-256": MASK, "DB-Password": MASK},
        ),
        (
            {"Content-Type": "application/json", "X-Trace": "1"},
            {"Content-Type": "application/json", "X-Trace": "1"},
        ),
    ],
)
def test_redact_headers(given: dict[str, str], expected: dict[str, str]) -> None:
    assert redact_headers(given) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://u:p%40ss@h.test/x", f"https://u:{MASK}@h.test/x"),
        ("https://ghp_token@h.test/x", f"https://{MASK}@h.test/x"),
        (
            "https://h.test/x?token=t&a=1&api-key=k",
            f"https://h.test/x?token={MASK}&a=1&api-key={MASK}",
        ),
        (
            "https://h.test/x?X-Amz-Signature=s&sig=s#frag",
            f"https://h.test/x?X-Amz-Signature={MASK}&sig={MASK}#frag",
        ),
        ("https://h.test/cb#access_token=t", f"https://h.test/cb#access_token={MASK}"),
        ("https://h.test/x?page=2&q=token", "https://h.test/x?page=2&q=token"),
        ("https://h.test/path", "https://h.test/path"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("a s3cret b s3cret", ["s3cret"], f"a {MASK} b {MASK}"),
        ("abc", ["abc"], "abc"),  # too short to mask without shredding the text
        ("key=longsecret", ["secret", "longsecret"], f"key={MASK}"),
        ("nothing here", ["", "absent"], "nothing here"),
    ],
)
def test_redact_text(text: str, secrets: list[str], expected: str) -> None:
    assert redact_text(text, secrets) == expected
