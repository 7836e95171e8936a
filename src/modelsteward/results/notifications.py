"""What the notification chores and a replay did."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chores:
    """What one day's chores did: reminders written and old deliveries pruned."""

    reminders: int
    pruned: int


@dataclass(frozen=True)
class Replayed:
    """What a replay did: dead deliveries made pending again, or deliveries of older notices
    written for a subscription."""

    count: int
