"""Which addresses a webhook may reach.

A webhook URL is chosen by whoever subscribes, and the registry usually runs inside a network
with things worth protecting (databases, cloud metadata at 169.254.169.254, admin consoles). So
webhooks go only to *global* addresses: the host is resolved and **every** address it resolves
to must be global — not private, loopback, link-local, multicast, reserved, shared (CGNAT),
unspecified, nor an IPv6 address embedding one of those (IPv4-mapped, 6to4, Teredo). Python's
``ipaddress`` decides most of it, and :data:`NOT_GLOBAL` adds the ranges of IANA's special-purpose
registries that are not globally reachable and that some Python versions call global (its tables
changed in 3.12.4 and 3.13): site-local ``fec0::/10``, the IETF protocol assignments
``192.0.0.0/24`` and ``2001::/23`` (whole, with the anycast service addresses inside: none is a
webhook receiver), documentation ``3fff::/20`` and the deprecated 6to4 relay ``192.88.99.0/24``.
The check runs when subscribing and again before every send (DNS can change), and the request
then goes to the checked address, so a second, different DNS answer cannot slip in between.

``STEWARD_WEBHOOK_ALLOW_PRIVATE=1`` turns the policy off, for registries meant to call internal
services (and for tests).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from modelsteward.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_ALLOW_HINT = ("Use a public URL, or set STEWARD_WEBHOOK_ALLOW_PRIVATE=1 if this registry is "
               "meant to call services on its own network.")


# (network, what it is): not globally reachable by IANA's IPv4 and IPv6 special-purpose address
# registries (or deprecated), and not refused by every supported Python's ``ipaddress``
NOT_GLOBAL: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (ipaddress.ip_network("192.0.0.0/24"), "an IETF protocol assignment address (192.0.0.0/24)"),
    (ipaddress.ip_network("192.88.99.0/24"),
     "a deprecated 6to4 relay anycast address (192.88.99.0/24)"),
    (ipaddress.ip_network("2001::/23"), "an IETF protocol assignment address (2001::/23)"),
    (ipaddress.ip_network("3fff::/20"), "a documentation address (3fff::/20)"),
    (ipaddress.ip_network("fec0::/10"), "a deprecated site-local address (fec0::/10)"),
)


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not receive webhooks, or None when it is a global address."""
    if isinstance(address, ipaddress.IPv6Address):
        teredo = address.teredo
        for embedded in (address.ipv4_mapped, address.sixtofour,
                         teredo[1] if teredo else None):
            if embedded is not None:
                inner = refusal(embedded)
                if inner is not None:
                    return f"{inner} embedded in an IPv6 address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    for network, what in NOT_GLOBAL:
        if address in network:  # an address is never in a network of the other version
            return what
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a global address"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order, without repeats. Raises
    :class:`OSError` when it does not resolve."""
    literal = host.strip("[]")
    try:
        return [ipaddress.ip_address(literal)]
    except ValueError:
        pass
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM):
        text = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone
        address = ipaddress.ip_address(text)
        if address not in found:
            found.append(address)
    return found


def webhook_addresses(url: str) -> list[IPAddress]:
    """The addresses the host of ``url`` resolves to, all of them global. Raises
    :class:`InvalidInput` when the host does not resolve or any address is refused, naming the
    address and why."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(f"The webhook host {host!r} cannot be resolved ({exc}). Check the "
                           "URL's host name.") from None
    if not addresses:
        raise InvalidInput(f"The webhook host {host!r} resolves to no address. Check the URL's "
                           "host name.")
    refused = [(a, why) for a in addresses if (why := refusal(a)) is not None]
    if refused:
        reasons = "; ".join(f"{a} is {why}" for a, why in refused)
        raise InvalidInput(f"The webhook URL {url} is refused: {reasons}. Webhooks may only "
                           f"reach global addresses. {_ALLOW_HINT}")
    return addresses
