"""E-mail delivery to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from modelsteward import Registry
from modelsteward.domain.outbox import DeliveryStatus
from modelsteward.notify.settings import NotifySettings, SmtpSettings
from tests.conftest import FixedClock
from tests.notify.conftest import free_port, write_notices


class Mailbox:
    """Accepts every message except to addresses starting with ``bounce``."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def test_notices_are_mailed_with_subject_recipient_and_body(
        tmp_path: Path, clock: FixedClock, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    settings = NotifySettings(timeout=5, smtp=SmtpSettings(host="127.0.0.1", port=port,
                                                           sender="steward@example.com"))
    with Registry.open(f"sqlite:///{tmp_path / 'r.db'}", actor="alice", clock=clock) as registry, \
            registry.notifications(settings) as notifications:
        notifications.subscribe("team-a", email="oncall@example.com", kinds=["deprecation*"])
        notifications.subscribe("team-a", email="bounce@example.com")
        write_notices(registry, "team-a", 1)
        write_notices(registry, "team-a", 1, kind="advisory", prefix="adv")  # only to bounce@
        counts = notifications.deliver_once()
        assert (counts.delivered, counts.retrying) == (1, 2)

        [(recipients, message)] = mailbox.messages
        assert recipients == ["oncall@example.com"]
        assert message["To"] == "oncall@example.com"
        assert message["From"] == "steward@example.com"
        assert message["Subject"] == "[modelsteward] deprecation:announced: support-bot (team-a)"
        body = message.get_content().replace("\r\n", "\n")
        assert body.startswith("Message 0 for team-a.\n\n-- \n")
        delivered = notifications.deliveries(DeliveryStatus.DELIVERED)
        assert message["Message-ID"] == f"<{delivered[0].id}@modelsteward>"
        assert delivered[0].id in body

        refused = notifications.deliveries(DeliveryStatus.PENDING)
        assert len(refused) == 2
        assert all("refused the recipient" in d.last_error and "550" in d.last_error
                   for d in refused)


def test_without_an_smtp_host_the_failure_says_what_to_set(tmp_path: Path,
                                                           clock: FixedClock) -> None:
    with Registry.open(f"sqlite:///{tmp_path / 'r.db'}", actor="alice", clock=clock) as registry, \
            registry.notifications(NotifySettings()) as notifications:
        notifications.subscribe("team-a", email="oncall@example.com")
        write_notices(registry, "team-a", 1)
        assert notifications.deliver_once().retrying == 1
        [pending] = notifications.deliveries()
        assert "set STEWARD_SMTP_HOST" in pending.last_error
