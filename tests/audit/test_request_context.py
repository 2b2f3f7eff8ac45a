"""broker/request_context.py: the request id, and the client's address behind trusted proxies."""

from __future__ import annotations

import pytest

from broker.env import ConfigError, env_networks
from broker.request_context import client_ip, parse_networks, request_id_of

PROXIES = parse_networks(["10.0.0.0/8", "192.0.2.7", "fd00::/8"])


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", None, PROXIES, "203.0.113.9"),
        # Not from a trusted proxy: X-Forwarded-For is anyone's to write.
        ("203.0.113.9", "198.51.100.1", PROXIES, "203.0.113.9"),
        # No proxies configured (the default): never honoured, even from a private address.
        ("10.1.2.3", "198.51.100.1", (), "10.1.2.3"),
        ("10.1.2.3", "198.51.100.1", PROXIES, "198.51.100.1"),
        # The right-most address that is not a proxy of ours: what is left of it, the client wrote.
        ("10.1.2.3", "6.6.6.6, 198.51.100.1, 192.0.2.7", PROXIES, "198.51.100.1"),
        ("10.1.2.3", "198.51.100.1:5123, [fd00::5]:443", PROXIES, "198.51.100.1"),
        ("fd00::1", "2001:db8::7", PROXIES, "2001:db8::7"),
        # Every hop a proxy of ours: the left-most is as far as anyone can see.
        ("10.1.2.3", "10.9.9.9, 192.0.2.7", PROXIES, "10.9.9.9"),
        # A hop that is not an address: the chain is broken there; the last trusted hop stands.
        ("10.1.2.3", "198.51.100.1, unknown, 10.4.4.4", PROXIES, "10.4.4.4"),
        ("10.1.2.3", "", PROXIES, "10.1.2.3"),
        ("", "198.51.100.1", PROXIES, ""),
        ("not-an-address", None, (), ""),
    ],
)
def test_the_client_address(remote, forwarded, trusted, expected) -> None:
    assert client_ip(remote, forwarded, trusted) == expected


def test_a_sane_request_id_is_kept_anything_else_replaced() -> None:
    assert request_id_of("abc-DEF_12.3") == "abc-DEF_12.3"
    assert request_id_of("a" * 128) == "a" * 128
    for bad in (None, "", "a" * 129, "with space", "new\nline", "ümlaut", "<script>"):
        fresh = request_id_of(bad)
        assert fresh != bad and len(fresh) == 32 and fresh.isalnum()


def test_trusted_proxies_must_be_addresses_or_networks(monkeypatch) -> None:
    monkeypatch.setenv("ACCORD_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 fd00::/8")
    assert env_networks("ACCORD_TRUSTED_PROXIES") == ["10.0.0.0/8", "192.0.2.7", "fd00::/8"]
    monkeypatch.setenv("ACCORD_TRUSTED_PROXIES", "10.0.0.0/8 proxy.internal")
    with pytest.raises(
        ConfigError, match="ACCORD_TRUSTED_PROXIES must list IP addresses or CIDR networks, got 'proxy.internal'"
    ):
        env_networks("ACCORD_TRUSTED_PROXIES")


@pytest.mark.django_db
def test_every_answer_carries_the_request_id_and_writes_record_the_forwarded_client(api, settings) -> None:
    from audit.models import AuditEntry
    from contracts.models import Pacticipant

    Pacticipant.objects.create(name="Web")
    settings.ACCORD_TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's REMOTE_ADDR
    assert api.get("/no/such/route", HTTP_X_REQUEST_ID="lb-7")["X-Request-Id"] == "lb-7"
    assert len(api.get("/diagnostic/status/heartbeat")["X-Request-Id"]) == 32
    api.put("/pacticipants/Web/labels/team", {}, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.23")
    assert AuditEntry.objects.get().ip == "198.51.100.23"
    settings.ACCORD_TRUSTED_PROXIES = []
    api.put("/pacticipants/Web/labels/ops", {}, HTTP_X_FORWARDED_FOR="198.51.100.23")
    assert AuditEntry.objects.get(target="Web label ops").ip == "127.0.0.1"
