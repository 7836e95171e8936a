"""Which way a metric is better. A direction is always declared — by the policy, a threshold or
the evaluation file that reports the metric — and never guessed from the metric's name."""

from __future__ import annotations

import enum


class Direction(enum.StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"

    @property
    def phrase(self) -> str:
        """``higher-is-better`` or ``lower-is-better``, for messages."""
        return f"{self.value}-is-better"
