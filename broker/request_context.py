"""Who is on the other end of a request, as the audit log records it: the request id and the
client's address.

- `request.accord_request_id`: the client's (or a proxy's) `X-Request-Id` when it is a sane
  token (1 to 128 of A-Z a-z 0-9 . _ -), else a new one; echoed in the `X-Request-Id` response
  header, so a person can quote it and an operator can find the request in every log.
- `request.accord_client_ip`: REMOTE_ADDR; or, when REMOTE_ADDR is one of
  ACCORD_TRUSTED_PROXIES, the right-most `X-Forwarded-For` address that is not a trusted
  proxy (every proxy appends the address it saw, so entries left of the first untrusted one
  are whatever the client chose to send). With no trusted proxies configured (the default)
  `X-Forwarded-For` is never honoured: anyone can send one.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def request_id_of(header: str | None) -> str:
    """The incoming request id when it is one we can repeat safely, else a fresh one."""
    if header and REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """IPs and CIDRs ("10.0.0.0/8", "192.0.2.7", "fd00::/8"); ValueError names a bad one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(entries)


def _address(text: str) -> Address | None:
    """An address as proxies write it: "192.0.2.1", "192.0.2.1:5000", "2001:db8::1", "[2001:db8::1]:443"."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_ip(remote_addr: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The client's address ("" when there is none worth recording)."""
    remote = _address(remote_addr or "")
    if remote is None:
        return ""

    def is_trusted(address: Address) -> bool:
        return any(address in network for network in trusted)

    if not trusted or not forwarded_for or not is_trusted(remote):
        return str(remote)
    client = remote
    for entry in reversed(forwarded_for.split(",")):
        address = _address(entry)
        if address is None:
            break  # a broken chain: the last proxy we trust is as far as we can see
        client = address
        if not is_trusted(address):
            break
    return str(client)


class RequestContextMiddleware:
    """Sets request.accord_request_id and request.accord_client_ip; answers X-Request-Id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.accord_request_id = request_id_of(request.META.get("HTTP_X_REQUEST_ID"))
        request.accord_client_ip = client_ip(
            request.META.get("REMOTE_ADDR", ""),
            request.META.get("HTTP_X_FORWARDED_FOR"),
            _trusted(tuple(settings.ACCORD_TRUSTED_PROXIES)),
        )
        response = self.get_response(request)
        response["X-Request-Id"] = request.accord_request_id
        return response
