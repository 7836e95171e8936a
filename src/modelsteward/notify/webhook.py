"""Webhooks, signed the Standard Webhooks way.

Each delivery is an HTTP POST of a JSON body (:func:`~modelsteward.domain.outbox.webhook_message`)
with three headers: ``webhook-id`` (the delivery id, the same on every attempt),
``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``
(``v1,`` + base64 of HMAC-SHA256 over ``{id}.{timestamp}.{body}``, keyed with the bytes of the
subscription's secret ``whsec_<base64>``). A 2xx answer means delivered; anything else — another
status, a redirect (never followed), a timeout, a refused connection — is a failed attempt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from datetime import datetime

import httpx

from modelsteward.domain.outbox import Delivery, webhook_message
from modelsteward.errors import DeliveryFailed, InvalidInput
from modelsteward.notify.ssrf import webhook_addresses

SECRET_PREFIX = "whsec_"
_USER_AGENT = "modelsteward-webhooks"
# the most of an answer's body read: reading it to its end lets the connection serve the next
# delivery (an unread answer closes it); a longer body is left unread, its connection closed
_ANSWER_READ = 64 * 1024


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_…`` secret. Raises :class:`InvalidInput` for a malformed one."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("The webhook secret is not whsec_ followed by base64; create the "
                           "subscription again to get a new secret.") from None


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: ``v1,<base64 HMAC-SHA256>``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def encode_body(delivery: Delivery) -> bytes:
    """The exact bytes sent (and signed): compact JSON with sorted keys, UTF-8."""
    return json.dumps(webhook_message(delivery), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


class WebhookNotifier:
    """Sends webhooks with ``httpx``. Unless ``allow_private``, every attempt resolves the host,
    refuses it when any address is not global (see ``ssrf.py``) and connects to a checked
    address (trying the next on a refused connection), with the host name kept for the
    ``Host`` header and TLS (SNI and certificate check). Proxies from the environment are not
    used: they would reach addresses the check never saw."""

    def __init__(self, *, timeout: float, allow_private: bool,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self._transport = transport
        self._clients: dict[str, httpx.Client] = {}

    def _client(self, host: str) -> httpx.Client:
        # one client per host name: a pooled TLS connection is never reused for another name
        client = self._clients.get(host)
        if client is None:
            client = httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False,
                                  transport=self._transport,
                                  headers={"user-agent": _USER_AGENT})
            self._clients[host] = client
        return client

    def send(self, delivery: Delivery, now: datetime) -> None:
        """POST ``delivery``; return on a 2xx answer, raise :class:`DeliveryFailed` otherwise."""
        url = httpx.URL(delivery.subscription.url)
        host = url.host
        body = encode_body(delivery)
        timestamp = int(now.timestamp())
        headers = {"content-type": "application/json", "webhook-id": delivery.id,
                   "webhook-timestamp": str(timestamp),
                   "webhook-signature": signature(delivery.subscription.secret, delivery.id,
                                                  timestamp, body)}
        attempts: list[tuple[httpx.URL, dict[str, str], dict[str, object]]]
        if self.allow_private:
            attempts = [(url, {}, {})]
        else:
            try:
                addresses = webhook_addresses(str(url))
            except InvalidInput as refused:
                raise DeliveryFailed(str(refused)) from None
            pinned_host = {"host": url.netloc.decode("ascii")}
            tls = {"sni_hostname": host} if url.scheme == "https" else {}
            attempts = [(url.copy_with(host=str(a)), pinned_host, dict(tls)) for a in addresses]
        unreachable: list[str] = []
        client = self._client(host)
        for target, extra, extensions in attempts:
            try:
                with client.stream("POST", target, content=body, headers={**headers, **extra},
                                   extensions=extensions) as response:
                    status = response.status_code
                    _finish(response)
            except httpx.ConnectError as exc:
                unreachable.append(f"{target.host}: {exc}")
                continue
            except httpx.TimeoutException:
                raise DeliveryFailed(f"{host} did not answer within {self.timeout:g} s.") from None
            except httpx.HTTPError as exc:
                raise DeliveryFailed(f"The request to {host} failed: {exc}.") from None
            if 200 <= status < 300:
                return
            raise DeliveryFailed(f"{host} answered HTTP {status}; only 2xx counts as delivered.")
        raise DeliveryFailed(f"Cannot connect to {host} ({'; '.join(unreachable)}).")

    def close(self) -> None:
        """Close the kept connections."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def _finish(response: httpx.Response) -> None:
    """Read the answer's body to its end when it is short, so that its connection is kept for
    the next delivery to the host (connecting anew for each cost more than the send itself)."""
    read = 0
    try:
        for chunk in response.iter_raw():
            read += len(chunk)
            if read > _ANSWER_READ:
                return
    except httpx.HTTPError:
        return  # the status has come: what follows it does not change the outcome
