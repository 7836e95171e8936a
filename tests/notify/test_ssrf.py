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
from modelsteward.service.notifications import Notifications
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
    with Notifications(registry, NotifySettings()) as strict:
        with pytest.raises(InvalidInput, match="Webhooks may only reach global addresses") as caught:
            strict.subscribe("team-a", webhook=url)
        assert why in str(caught.value)
        assert "STEWARD_WEBHOOK_ALLOW_PRIVATE=1" in str(caught.value)
        assert strict.subscriptions() == []
    with Notifications(registry, NotifySettings(allow_private=True)) as lenient:
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


def test_a_host_that_does_not_resolve_is_refused_clearly() -> None:
    with pytest.raises(InvalidInput, match="cannot be resolved .* Check the URL's host name"):
        webhook_addresses("https://host.invalid/hook")


def test_the_address_is_checked_again_at_send_time(registry: Registry,
                                                   receiver: Receiver) -> None:
    """A subscription made while private targets were allowed is not sent to once they are not
    (as when DNS starts answering with an internal address)."""
    with Notifications(registry, NotifySettings(allow_private=True)) as lenient:
        receiver.secrets["/hook"] = lenient.subscribe("team-a",
                                                      webhook=receiver.url("/hook")).secret
    write_notices(registry, "team-a", 1)
    with Notifications(registry, NotifySettings()) as strict:
        assert strict.deliver_once().retrying == 1
        [pending] = strict.deliveries()
        assert "127.0.0.1 is a loopback address" in pending.last_error
    assert receiver.arrivals == []
