"""E-mail over SMTP with the standard library.

The subject names the notice kind, model and team; the body is the notice's message. The
``Message-ID`` is built from the delivery id, so a resent e-mail (a retry after a lost answer)
carries the same id and mail systems that de-duplicate by it show it once.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from modelsteward.domain.outbox import Delivery, email_body, email_subject
from modelsteward.errors import DeliveryFailed
from modelsteward.notify.settings import SmtpSettings


def build_message(delivery: Delivery, sender: str, now: datetime) -> EmailMessage:
    """The e-mail for ``delivery``, from ``sender``, dated ``now``."""
    message = EmailMessage()
    message["Subject"] = email_subject(delivery.notice)
    message["From"] = sender
    message["To"] = delivery.subscription.address
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{delivery.id}@modelsteward>"
    message["X-Steward-Notice-Kind"] = delivery.notice.kind
    message.set_content(email_body(delivery))
    return message


class SmtpNotifier:
    """Sends each delivery as one e-mail through the configured SMTP server (a new connection
    per message: notices are few, and a long-lived connection would time out between them)."""

    def __init__(self, settings: SmtpSettings, *, timeout: float) -> None:
        self.settings = settings
        self.timeout = timeout

    def send(self, delivery: Delivery, now: datetime) -> None:
        """Hand the e-mail to the SMTP server; raise :class:`DeliveryFailed` when it is not
        configured, unreachable, or refuses the message or its recipient."""
        settings = self.settings
        if not settings.host:
            raise DeliveryFailed("E-mail is not configured: set STEWARD_SMTP_HOST (and "
                                 "STEWARD_SMTP_PORT, STEWARD_SMTP_FROM) for the worker.")
        message = build_message(delivery, settings.sender, now)
        where = f"{settings.host}:{settings.port}"
        try:
            with smtplib.SMTP(settings.host, settings.port, timeout=self.timeout) as smtp:
                if settings.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.user:
                    smtp.login(settings.user, settings.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            reasons = "; ".join(f"{rcpt}: {code} {text.decode(errors='replace')}"
                                for rcpt, (code, text) in exc.recipients.items())
            raise DeliveryFailed(f"The SMTP server {where} refused the recipient ({reasons}).") \
                from None
        except smtplib.SMTPException as exc:
            raise DeliveryFailed(f"The SMTP server {where} did not take the message: {exc}.") \
                from None
        except OSError as exc:
            raise DeliveryFailed(f"Cannot reach the SMTP server {where}: {exc}.") from None
