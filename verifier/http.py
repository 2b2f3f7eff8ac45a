"""The one outbound HTTP seam: webhooks, provider builds and live targets all use it.

`request()` vets the destination before any socket opens (the scheme, then every
resolved address against the blocked ranges unless allow-listed), pins the connection
to the vetted address, never follows redirects, bounds time and body size, and returns
redacted logs fit for storing.
"""

from __future__ import annotations

import base64
import codecs
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple
from urllib.parse import unquote, unquote_plus

import httpx

MASK = "**********"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
_SECRET_HEADER = re.compile(r"(?i)token|secret|password|api[-_]?key|signature")
_SECRET_PARAM = re.compile(
    r"(?i)token|secret|passw|pwd|api[-_]?key|signature|^sig$|^key$"
    r"|auth|credential|session"
)
# name=value pairs in query, fragment or path parameters.
_PARAM = re.compile(r"(?<=[?&#;])([^=&#?;]+)=([^&#;]*)")

_BLOCKED = {
    "unspecified": "0.0.0.0/8 ::/128",
    "loopback": "127.0.0.0/8 ::1/128",
    "private (RFC 1918)": "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16",
    "private (unique local)": "fc00::/7",
    "private (site-local)": "fec0::/10",
    "private (local-use NAT64)": "64:ff9b:1::/48",
    "shared address space (CGNAT)": "100.64.0.0/10",
    "link-local (cloud metadata)": "169.254.0.0/16",
    "link-local": "fe80::/10",
    "multicast": "224.0.0.0/4 ff00::/8",
    "reserved (benchmarking)": "198.18.0.0/15 2001:2::/48",
    "reserved (documentation)": "192.0.2.0/24 198.51.100.0/24 203.0.113.0/24 2001:db8::/32 3fff::/20",
    "reserved (IETF protocol assignments, Teredo)": "192.0.0.0/24 2001::/23",
    "reserved": "192.88.99.0/24 240.0.0.0/4 100::/64",
}
_BLOCKED_NETS = [(ipaddress.ip_network(n), k) for k, v in _BLOCKED.items() for n in v.split()]
# Bad input from our side: retrying cannot help.
_PERMANENT = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL)
_HINT = "ACCORD_OUTBOUND_ALLOW to permit"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")


class OutboundError(Exception):
    """No response was obtained; the message is already redacted."""

    def __init__(self, message: str, *, request_log: str = "") -> None:
        super().__init__(message)
        self.request_log = request_log


class OutboundRefused(OutboundError):
    """Permanent: the policy forbids this request (scheme, URL or destination)."""


class OutboundUnavailable(OutboundError):
    """Transient: DNS failure, connect refused/timeout, read timeout, reset; retry."""


def _embedded_v4(addr: IPAddress) -> tuple[ipaddress.IPv4Address, str] | None:
    if not isinstance(addr, ipaddress.IPv6Address):
        return None
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped, "IPv4-mapped"
    if addr.sixtofour is not None:
        return addr.sixtofour, "6to4"
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF), "NAT64"
    return None


def address_class(addr: IPAddress) -> str | None:
    """Why `addr` is blocked by default (e.g. "loopback"), or None if it is public."""
    embedded = _embedded_v4(addr)
    if embedded is not None:
        inner = address_class(embedded[0])
        return f"{inner} ({embedded[1]} {embedded[0]})" if inner else None
    for net, label in _BLOCKED_NETS:
        if addr in net:
            return label
    if addr.version == 6 and addr not in _GLOBAL_UNICAST_V6:
        return "reserved (not IPv6 global unicast)"
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _normalize_host(name: str) -> str:
    # The same IDNA and case folding URLs get, so "Bücher.de" matches its punycode.
    return httpx.URL(f"http://{name}/").raw_host.decode("ascii").rstrip(".")


class _AllowRules(NamedTuple):
    hosts: frozenset[str]
    suffixes: tuple[str, ...]
    networks: tuple[IPNetwork, ...]

    def allows_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        # "*.example.com" covers exactly one more label, as TLS wildcards do.
        label = {host[: -len(sfx)] for sfx in self.suffixes if host.endswith(sfx)}
        return host in self.hosts or any(lb and "." not in lb for lb in label)

    def allows_address(self, addr: IPAddress) -> bool:
        embedded = _embedded_v4(addr)
        candidates = [addr] if embedded is None else [addr, embedded[0]]
        return any(a in net for a in candidates for net in self.networks)


def _parse_allow(entries: Iterable[str]) -> _AllowRules:
    hosts: set[str] = set()
    suffixes: list[str] = []
    networks: list[IPNetwork] = []
    for entry in (e.strip() for e in entries):
        try:
            if "/" in entry:
                networks.append(ipaddress.ip_network(entry, strict=False))
            elif _is_ip(entry.strip("[]")):
                networks.append(ipaddress.ip_network(entry.strip("[]")))
            elif entry.startswith("*."):
                suffixes.append("." + _normalize_host(entry[2:]))
            elif "*" in entry or ":" in entry:
                raise ValueError("wildcards only as a leading '*.', and no ports")
            elif entry:
                hosts.add(_normalize_host(entry))
        except (ValueError, httpx.InvalidURL) as exc:
            msg = f"invalid ACCORD_OUTBOUND_ALLOW entry {entry!r}: {exc}"
            raise ValueError(msg) from None
    return _AllowRules(frozenset(hosts), tuple(suffixes), tuple(networks))


@dataclass(frozen=True)
class OutboundPolicy:
    """Outbound limits; `allow` exempts hosts or addresses from the blocked ranges."""

    allow: tuple[str, ...] = ()  # a list or a comma-separated str is normalised
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_response_bytes: int = 1_000_000
    allowed_schemes: tuple[str, ...] = ("http", "https")
    user_agent: str = "Accord"

    def __post_init__(self) -> None:
        allow = self.allow.split(",") if isinstance(self.allow, str) else self.allow
        object.__setattr__(self, "allow", tuple(e.strip() for e in allow if e.strip()))
        self._rules  # noqa: B018 - a bad allow-list entry fails at construction

    @cached_property
    def _rules(self) -> _AllowRules:
        return _parse_allow(self.allow)

    @classmethod
    def from_settings(cls) -> OutboundPolicy:
        """The policy from Django settings: ACCORD_OUTBOUND_ALLOW and the timeouts."""
        from django.conf import settings

        allow = getattr(settings, "ACCORD_OUTBOUND_ALLOW", ())
        connect = getattr(settings, "ACCORD_OUTBOUND_CONNECT_TIMEOUT", 5.0)
        read = getattr(settings, "ACCORD_OUTBOUND_READ_TIMEOUT", 15.0)
        return cls(allow, connect_timeout=float(connect), read_timeout=float(read))


@dataclass
class OutboundResponse:
    """What came back: `headers` and `body` are raw; only the two logs are redacted."""

    status: int
    headers: dict[str, str]
    body: str
    truncated: bool
    elapsed_ms: int
    request_log: str
    response_log: str


def _is_secret_header(name: str) -> bool:
    return name.lower() in _SECRET_HEADERS or bool(_SECRET_HEADER.search(name))


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
) -> dict[str, str]:
    """A copy of `headers` with credential-bearing values replaced by MASK."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k: MASK if _is_secret_header(k) else v for k, v in items}


def secret_header_values(headers: Mapping[str, str]) -> list[str]:
    """The values of the headers redact_headers masks: what to scrub from stored logs."""
    return [value for name, value in headers.items() if _is_secret_header(name)]


def _split_url(url: str) -> tuple[str, str, str, str]:
    """(scheme://, userinfo, host[:port], rest); userinfo keeps its "@"."""
    sep = url.find("://")
    if sep == -1:
        return "", "", "", url
    start = sep + 3
    end = min([i for i in (url.find(c, start) for c in "/?#") if i != -1] or [len(url)])
    userinfo, at, hostport = url[start:end].rpartition("@")
    return url[:start], userinfo + at, hostport, url[end:]


def _secret_params(rest: str) -> list[re.Match[str]]:
    return [m for m in _PARAM.finditer(rest) if _SECRET_PARAM.search(unquote_plus(m[1]))]


def redact_url(url: str) -> str:
    """Mask the userinfo password (or a lone username: a token) and secret params."""
    prefix, userinfo, hostport, rest = _split_url(url)
    if userinfo:
        user, colon, _ = userinfo[:-1].partition(":")
        userinfo = f"{user}:{MASK}@" if colon else f"{MASK}@"
    for m in reversed(_secret_params(rest)):
        rest = f"{rest[: m.start(2)]}{MASK}{rest[m.end(2) :]}"
    return prefix + userinfo + hostport + rest


def url_origin(url: str) -> str:
    """Where a URL sends, and nothing more: its scheme, host and port. What the audit log
    keeps of a URL: credentials can hide anywhere else in it (the path of a Slack webhook
    URL is its secret), so the rest is left out rather than masked."""
    prefix, _, hostport, _ = _split_url(url)
    return prefix + hostport if prefix else ""


def _url_secrets(url: str) -> list[str]:
    _, userinfo, _, rest = _split_url(url)
    user, colon, password = userinfo[:-1].partition(":")
    secret = password if colon else user
    params = [m[2] for m in _secret_params(rest)]
    return [secret, unquote(secret), *params, *map(unquote_plus, params)]


def _header_secrets(pairs: Iterable[tuple[str, str]]) -> list[str]:
    # "Bearer abc" may be echoed back as just "abc".
    return [part for name, value in pairs if _is_secret_header(name) for part in (value, value.split(" ", 1)[-1])]


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret of 4+ characters in `text` with MASK."""
    # Longest first, so a secret that contains a shorter one is masked whole.
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _decode(data: bytes, charset: str | None) -> str:
    try:
        codecs.lookup(charset or "utf-8")
    except LookupError:
        charset = None
    return data.decode(charset or "utf-8", errors="replace")


def _pairs(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw]


def _render(first: str, pairs: list[tuple[str, str]], body: str, note: str) -> str:
    lines = [first, *(f"{k}: {MASK if _is_secret_header(k) else v}" for k, v in pairs)]
    return "\n".join(lines) + "\n\n" + body + (f"\n[{note}]" if note else "")


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    # The client ignores the environment (a proxy would defeat pinning), but custom
    # CA bundles from SSL_CERT_FILE / SSL_CERT_DIR still apply.
    return httpx.create_ssl_context(trust_env=True)


def _resolve(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


def _vet(host: str, addresses: list[IPAddress], rules: _AllowRules) -> str | None:
    if rules.allows_host(host):
        return None
    for addr in addresses:
        label = address_class(addr)
        if label is None or rules.allows_address(addr):
            continue
        if _is_ip(host):
            return f"refused: {host} is {label}; add it to {_HINT}"
        add = f"add {host} or {addr} to {_HINT}"
        return f"refused: {host} resolves to {addr}, which is {label}; {add}"
    return None


def _target(url: str, shown: str, policy: OutboundPolicy) -> tuple[httpx.URL, str]:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise OutboundRefused(f"refused: invalid URL {shown}") from None
    if parsed.scheme not in policy.allowed_schemes:
        raise OutboundRefused(f"refused: scheme {parsed.scheme!r} not allowed: {shown}")
    if not parsed.raw_host:
        raise OutboundRefused(f"refused: URL has no host: {shown}")
    return parsed, parsed.raw_host.decode("ascii")


def _check_header_values(headers: Mapping[str, str]) -> None:
    # HTTP sends header values as ASCII text. Refused here, naming the header only: the HTTP
    # library's own error would quote the value (escaped, so redaction could not find it).
    for name, value in headers.items():
        if any(not (char == "\t" or " " <= char <= "~") for char in value):
            raise OutboundRefused(
                f"refused: the value of header {name!r} holds a line break, a control character or a "
                "character outside ASCII, which a header cannot carry"
            )


def _outgoing_headers(parsed: httpx.URL, extra: Mapping[str, str] | None, policy: OutboundPolicy) -> httpx.Headers:
    # identity: a compressed body can inflate far past max_response_bytes in one chunk.
    hdrs = httpx.Headers({"User-Agent": policy.user_agent})
    hdrs["Accept-Encoding"] = "identity"
    if parsed.userinfo:
        creds = f"{parsed.username}:{parsed.password}".encode()
        hdrs["Authorization"] = "Basic " + base64.b64encode(creds).decode("ascii")
    hdrs.update(extra or {})
    # The URL's host, always: the connection itself goes to the pinned IP.
    hdrs["Host"] = parsed.netloc.decode("ascii")
    return hdrs


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    content: bytes | str | None = None,
    policy: OutboundPolicy | None = None,
    secrets: Iterable[str] = (),
) -> OutboundResponse:
    """Send one request under `policy` (default: from settings); see the module doc."""
    policy = policy or OutboundPolicy.from_settings()
    secrets = [secrets] if isinstance(secrets, str) else list(secrets)  # one str, not chars
    # The caller's secrets may be anywhere in the URL (a webhook's `${user.*}`): masked in
    # every message that shows it, refusals included.
    method, shown, cap = method.upper(), redact_text(redact_url(url), secrets), policy.max_response_bytes
    parsed, host = _target(url, shown, policy)
    _check_header_values(headers or {})
    hdrs = _outgoing_headers(parsed, headers, policy)
    masked = [*secrets, *_url_secrets(url), *_header_secrets(_pairs(hdrs))]
    body = content.encode() if isinstance(content, str) else content
    log_body = _decode((body or b"")[:cap], None)
    cut = f"request body truncated at {cap} bytes" if len(body or b"") > cap else ""

    def log_request(sent: httpx.Headers) -> str:
        text = _render(f"{method} {shown}", _pairs(sent), log_body, cut)
        return redact_text(text, masked)

    def fail(exc: Exception, where: str) -> OutboundError:
        cls = OutboundRefused if isinstance(exc, _PERMANENT) else OutboundUnavailable
        kind = "refused" if cls is OutboundRefused else "unavailable"
        msg = f"{kind}: {method} {shown} {where}: {type(exc).__name__}: {exc}"
        return cls(redact_text(msg, masked), request_log=request_log)

    # Errors are raised `from None` throughout: chained httpx errors may quote the URL.
    request_log = log_request(hdrs)
    t0 = time.monotonic()
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise fail(exc, f"cannot resolve {host}") from None
    refusal = _vet(host, addresses, policy._rules)
    if refusal:
        raise OutboundRefused(refusal, request_log=request_log)

    # Pinned: connect to the vetted IP, never to a second (rebindable) lookup. SNI and
    # certificate checks still use the hostname.
    addr = addresses[0]
    by_name = parsed.scheme == "https" and not _is_ip(host)
    sni = {"sni_hostname": host} if by_name else {}
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    # A client per call: no pooled connection outlives the vetting above.
    client = httpx.Client(verify=_ssl_context(), trust_env=False, timeout=timeout)
    try:
        pinned = parsed.copy_with(host=str(addr), username=None, password=None)
        req = client.build_request(method, pinned, headers=hdrs, content=body, extensions=sni)
        request_log = log_request(req.headers)  # now with the headers httpx adds
        resp = client.send(req, stream=True, follow_redirects=False)
        try:
            deadline = t0 + policy.connect_timeout + policy.read_timeout
            raw, truncated = _read_body(resp, cap, deadline)
        finally:
            resp.close()
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise fail(exc, f"via {addr}") from None
    finally:
        client.close()

    ms = int((time.monotonic() - t0) * 1000)
    text = _decode(raw, resp.charset_encoding)
    masked += _header_secrets(_pairs(resp.headers))
    first = f"{resp.http_version} {resp.status_code} {resp.reason_phrase}"
    note = f"body truncated at {cap} bytes" if truncated else ""
    log = _render(f"{first} (from {addr} in {ms} ms)", _pairs(resp.headers), text, note)
    return OutboundResponse(
        status=resp.status_code,
        headers=dict(resp.headers),
        body=text,
        truncated=truncated,
        elapsed_ms=ms,
        request_log=request_log,
        response_log=redact_text(log, masked),
    )


def _read_body(resp: httpx.Response, cap: int, deadline: float) -> tuple[bytes, bool]:
    buf = bytearray()
    for chunk in resp.iter_bytes():
        buf += chunk
        if len(buf) > cap:
            return bytes(buf[:cap]), True
        # read_timeout bounds each socket read; this bounds a slow drip of small reads.
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("response not complete in connect + read timeout")
    return bytes(buf), False


@dataclass(frozen=True)
class VettedTarget:
    """A URL that passed the guard, in the form another HTTP client should use."""

    url: str  # for http: pinned to the vetted address; for https: unchanged
    host: str  # what that client connects to
    host_header: str | None  # the original Host, to send when the URL was pinned
    address: str


def vet_target(url: str, *, policy: OutboundPolicy | None = None) -> VettedTarget:
    """Apply request()'s guard to a URL that another client (pact_ffi's verifier) will call.

    That client connects by itself, so for http the URL is rewritten to the vetted address
    (a DNS answer that changes later cannot move it) and the original Host is returned to
    send as a header. For https the name stays: the client's certificate check binds the
    connection to it, and a certificate for an IP address is not what providers have.
    """
    policy = policy or OutboundPolicy.from_settings()
    shown = redact_url(url)
    parsed, host = _target(url, shown, policy)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = _resolve(host.strip("[]"), port)
    except OSError as exc:
        raise OutboundUnavailable(f"unavailable: cannot resolve {host}: {exc.strerror or exc}") from None
    problem = _vet(host.strip("[]"), addresses, policy._rules)
    if problem:
        raise OutboundRefused(problem)
    address = addresses[0]
    if parsed.scheme == "https":
        return VettedTarget(url, host.strip("[]"), None, str(address))
    pinned = parsed.copy_with(host=str(address))
    return VettedTarget(str(pinned), str(address), parsed.netloc.decode("ascii"), str(address))
