"""Webhooks only reach global addresses unless STEWARD_WEBHOOK_ALLOW_PRIVATE is set: refused when
subscribing, and checked again before every send."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelsteward import Registry
from modelsteward.errors import InvalidInput
from modelsteward.notify.settings import NotifySettings
from modelsteward.notify.ssrf import refusal, webhook_addresses
from tests.conftest import FixedClock
from tests.notify.conftest import Receiver, write_notices


@pytest.fixture
def registry(tmp_path: Path, clock: FixedClock) -> Iterator[Registry]:
    with Registry.open(f"sqlite:///{tmp_path / 'r.db'}", actor="alice", clock=clock) as reg:
        yield reg


@pytest.mark.parametrize(("url", "why"), [
    ("http://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("http://10.0.0.1/", "10.0.0.1 is a private address"),
    ("http://[::1]/", "::1 is a loopback address"),
    ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
    ("http://localhost:8080/", "is a loopback address"),
    ("http://[::ffff:192.168.1.1]/", "a private address embedded in an IPv6 address"),
])
def test_private_targets_are_refused_unless_allowed(registry: Registry, url: str,
                                                   why: str) -> None:
    with registry.notifications(NotifySettings()) as strict:
        with pytest.raises(InvalidInput,
                           match="Webhooks may only reach global addresses") as caught:
            strict.subscribe("team-a", webhook=url)
        assert why in str(caught.value)
        assert "STEWARD_WEBHOOK_ALLOW_PRIVATE=1" in str(caught.value)
        assert strict.subscriptions() == []
    with registry.notifications(NotifySettings(allow_private=True)) as lenient:
        assert lenient.subscribe("team-a", webhook=url).url.startswith(url.split("/")[0])


@pytest.mark.parametrize(("address", "expected"), [
    ("8.8.8.8", None), ("2001:4860:4860::8888", None),
    ("0.0.0.0", "the unspecified address"), ("100.64.0.1", "not a global address"),
    ("224.0.0.1", "a multicast address"), ("fe80::1", "a link-local address"),
    ("fd00::1", "a private address"), ("192.0.2.10", "a private address"),
    ("2002:7f00:1::", "a loopback address embedded in an IPv6 address"),
    ("240.0.0.1", "a reserved address"),
])
def test_address_policy(address: str, expected: str | None) -> None:
    assert refusal(ipaddress.ip_address(address)) == expected


# Every range of IANA's IPv4 and IPv6 special-purpose address registries that is not globally
# reachable (or is deprecated), and multicast, with its first and last address
NOT_GLOBAL = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.0.0/29", "192.0.0.8/32", "192.0.0.9/32",
    "192.0.0.10/32", "192.0.0.170/31", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "255.255.255.255/32",
    "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64",
    "2001::/23", "2001::/32", "2001:1::1/128", "2001:1::2/128", "2001:1::3/128", "2001:2::/48",
    "2001:3::/32", "2001:4:112::/48", "2001:10::/28", "2001:20::/28", "2001:30::/28",
    "2001:db8::/32", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
]


@pytest.mark.parametrize("network", NOT_GLOBAL)
def test_every_range_that_is_not_globally_reachable_is_refused(network: str) -> None:
    """IANA's special-purpose registries, whatever this Python's ``ipaddress`` says of them (its
    tables differ between versions); the IETF protocol assignment blocks are refused whole."""
    block = ipaddress.ip_network(network)
    for address in (block[0], block[-1]):
        assert refusal(address) is not None, address


@pytest.mark.parametrize("address", [
    "1.1.1.1", "192.0.1.255", "192.0.3.0", "192.31.196.1", "192.52.193.1", "192.175.48.1",
    "2606:4700:4700::1111", "2001:200::1", "2620:4f:8000::1", "2002:808:808::1", "2a00:1450::1",
])
def test_global_addresses_next_to_them_are_not(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(("url", "why"), [
    ("http://[fec0::1]/hook", "fec0::1 is a deprecated site-local address (fec0::/10)"),
    ("http://[feff:ffff::1]/hook", "is a deprecated site-local address (fec0::/10)"),
    ("http://192.0.0.8/hook", "192.0.0.8 is an IETF protocol assignment address (192.0.0.0/24)"),
    ("http://192.0.0.200/hook", "is an IETF protocol assignment address (192.0.0.0/24)"),
])
def test_site_local_and_ietf_protocol_targets_are_refused_when_subscribing(
        registry: Registry, url: str, why: str) -> None:
    with registry.notifications(NotifySettings()) as strict:
        with pytest.raises(InvalidInput,
                           match="Webhooks may only reach global addresses") as caught:
            strict.subscribe("team-a", webhook=url)
        assert why in str(caught.value)
        assert strict.subscriptions() == []


def test_a_host_that_does_not_resolve_is_refused_clearly() -> None:
    with pytest.raises(InvalidInput, match=r"cannot be resolved .* Check the URL's host name"):
        webhook_addresses("https://host.invalid/hook")


def test_the_address_is_checked_again_at_send_time(registry: Registry,
                                                   receiver: Receiver) -> None:
    """A subscription made while private targets were allowed is not sent to once they are not
    (as when DNS starts answering with an internal address)."""
    with registry.notifications(NotifySettings(allow_private=True)) as lenient:
        receiver.secrets["/hook"] = lenient.subscribe("team-a",
                                                      webhook=receiver.url("/hook")).secret
    write_notices(registry, "team-a", 1)
    with registry.notifications(NotifySettings()) as strict:
        assert strict.deliver_once().retrying == 1
        [pending] = strict.deliveries()
        assert "127.0.0.1 is a loopback address" in pending.last_error
    assert receiver.arrivals == []
