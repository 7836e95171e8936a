"""Deprecation signalled in HTTP: ``Deprecation`` (RFC 9745: ``@<unix time>`` of the
announcement), ``Sunset`` (RFC 8594: the hard deadline as an HTTP date) and a ``Link`` to the
replacement (``rel="successor-version"``)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from email.utils import format_datetime
from urllib.parse import quote

from fastapi import Response

from modelsteward.domain.deprecation import DeprecationPlan


def mark_deprecated(response: Response, plan: DeprecationPlan) -> None:
    announced = datetime.combine(plan.announced, time(), tzinfo=UTC)
    sunset = datetime.combine(plan.hard_deadline, time(), tzinfo=UTC)
    response.headers["Deprecation"] = f"@{int(announced.timestamp())}"
    response.headers["Sunset"] = format_datetime(sunset, usegmt=True)
    if plan.replacement:
        model, _, pin = plan.replacement.partition("@")
        response.headers["Link"] = (f'</api/v1/resolve?model={quote(model, safe="")}'
                                    f'&pin={quote(pin, safe="")}>; rel="successor-version"')
