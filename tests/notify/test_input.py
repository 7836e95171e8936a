"""Bad input gets clear errors: subscriptions, kind patterns, replays, settings; and the parsers
raise nothing but :class:`InvalidInput` whatever they are given."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelsteward import Registry
from modelsteward.domain.outbox import backoff_seconds
from modelsteward.domain.subscriptions import (
    NOTICE_KINDS,
    check_address,
    check_webhook_url,
    kind_matches,
    parse_kinds,
    split_kinds,
)
from modelsteward.errors import DocumentInvalid, InvalidInput
from modelsteward.notify.settings import NotifySettings
from modelsteward.service.notifications import Notifications
from tests.conftest import FixedClock


@pytest.fixture
def notifications(tmp_path: Path, clock: FixedClock) -> Iterator[Notifications]:
    with Registry.open(f"sqlite:///{tmp_path / 'r.db'}", actor="alice", clock=clock) as reg, \
            reg.notifications(NotifySettings(allow_private=True)) as found:
        yield found


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.com/hook", "its scheme must be http or https, not 'ftp'"),
    ("example.com/hook", "its scheme must be http or https; it names no host"),
    ("https://user:secret@example.com/hook", "it holds credentials"),
    ("https://example.com:99999/", "cannot be parsed"),
    ("https:///path-only", "it names no host"),
    ("https://exa mple.com/", "white space"),
])
def test_bad_webhook_urls(notifications: Notifications, url: str, message: str) -> None:
    with pytest.raises(InvalidInput,
                       match=re.escape("https://hooks.example.com/steward")) as caught:
        notifications.subscribe("team-a", webhook=url)
    assert message in str(caught.value)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"webhook": "https://example.com/", "kinds": ["deprecation*", "foo*"]},
     "'foo*' matches no notice kind"),
    ({"webhook": "https://example.com/", "kinds": ["Deprecation*"]},
     "may only hold lower-case letters"),
    ({"email": "not-an-address"}, "is not an e-mail address"),
    ({"email": "Ops <ops@example.com>"}, "without a display name"),
    ({}, "exactly one of --webhook URL or --email ADDRESS"),
    ({"webhook": "https://example.com/", "email": "ops@example.com"}, "exactly one of"),
])
def test_bad_subscriptions(notifications: Notifications, arguments: dict[str, object],
                           message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        notifications.subscribe("team-a", **arguments)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="name the team"):
        notifications.subscribe("  ", email="ops@example.com")
    assert notifications.subscriptions(include_inactive=True) == []


def test_kind_patterns() -> None:
    assert parse_kinds([]) == ("*",)
    assert split_kinds("advisory*, deprecation* ,advisory*") == ("advisory*", "deprecation*")
    assert kind_matches("deprecation*", "deprecation-inherited:retired")
    assert kind_matches("deprecation:*", "deprecation:announced")
    assert not kind_matches("deprecation:*", "deprecation-inherited:announced")
    assert not kind_matches("advisory", "advisory-inherited")
    with pytest.raises(InvalidInput, match="Use glob patterns over the known kinds") as caught:
        split_kinds("reminders*,nope")
    assert "'reminders*' matches no notice kind; 'nope' matches no notice kind" in str(
        caught.value)


def test_settings_from_the_environment_report_every_problem() -> None:
    assert NotifySettings.from_env({}) == NotifySettings()
    read = NotifySettings.from_env({"STEWARD_REMINDER_DAYS": "7, 30,14",
                                    "STEWARD_WEBHOOK_ALLOW_PRIVATE": "yes",
                                    "STEWARD_SMTP_HOST": "mail", "STEWARD_SMTP_PORT": "587",
                                    "STEWARD_SMTP_STARTTLS": "1",
                                    "STEWARD_DELIVERY_RETENTION": "0"})
    assert read.reminder_days == (30, 14, 7) and read.allow_private and read.retention_days == 0
    assert (read.smtp.host, read.smtp.port, read.smtp.starttls) == ("mail", 587, True)
    with pytest.raises(DocumentInvalid) as caught:
        NotifySettings.from_env({"STEWARD_WEBHOOK_MAX_ATTEMPTS": "many",
                                 "STEWARD_SMTP_PORT": "70000",
                                 "STEWARD_WEBHOOK_TIMEOUT": "90",
                                 "STEWARD_REMINDER_DAYS": "30,x",
                                 "STEWARD_SMTP_STARTTLS": "perhaps",
                                 "STEWARD_DELIVERY_RETENTION": "-1"})
    locations = [p.location for p in caught.value.problems]
    assert locations == ["STEWARD_SMTP_STARTTLS", "STEWARD_WEBHOOK_MAX_ATTEMPTS",
                         "STEWARD_REMINDER_DAYS", "STEWARD_DELIVERY_LEASE",
                         "STEWARD_DELIVERY_RETENTION", "STEWARD_SMTP_PORT"]
    assert "must be longer than the send timeout" in str(caught.value)


@given(st.text(max_size=60))
def test_subscription_parsers_raise_only_invalid_input(text: str) -> None:
    for parse in (check_webhook_url, check_address, split_kinds):
        with suppress(InvalidInput):
            parse(text)


@given(st.lists(st.sampled_from(["*", "deprecation", "advisory", ":", "-", "reminder", "x"]),
                min_size=1, max_size=5))
def test_an_accepted_pattern_matches_a_known_kind(parts: list[str]) -> None:
    pattern = "".join(parts)
    try:
        accepted = parse_kinds([pattern])
    except InvalidInput:
        return
    assert any(kind_matches(p, kind) for p in accepted for kind in NOTICE_KINDS)


@given(st.integers(min_value=1, max_value=10_000), st.floats(min_value=0, max_value=1),
       st.floats(min_value=0.001, max_value=100), st.floats(min_value=1, max_value=100_000))
def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half(
        attempts: int, jitter: float, base: float, factor: float) -> None:
    """The wait after the n-th failure lies in [d/2, d] for d = min(cap, base·2^(n−1)), and
    never shrinks as attempts grow."""
    cap = base * factor
    full = min(cap, base * 2.0 ** min(attempts - 1, 1000))
    wait = backoff_seconds(attempts, base=base, cap=cap, jitter=jitter)
    assert full / 2 - 1e-9 <= wait <= full + 1e-9
    assert backoff_seconds(attempts + 1, base=base, cap=cap, jitter=jitter) >= wait - 1e-9


def test_reports_are_a_kind_a_subscription_may_ask_for() -> None:
    assert parse_kinds(["advisory-report"]) == ("advisory-report",)
    assert "advisory-report" in NOTICE_KINDS
