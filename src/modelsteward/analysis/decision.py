"""What a comparison of one treatment with the control concludes about one metric."""

from __future__ import annotations

import enum


class Decision(enum.StrEnum):
    """A primary metric is ``better``, ``worse`` or shows ``no_difference`` (yet), read in the
    metric's direction; a guardrail is ``non_inferior`` (worse by less than its margin, shown),
    ``inferior`` (worse by more than its margin, shown) or ``inconclusive``. Either is
    ``untested`` when the data allow no test (too few observations, no variance, a relative
    margin against a control mean of 0); the result's notes say why."""

    BETTER = "better"
    WORSE = "worse"
    NO_DIFFERENCE = "no_difference"
    NON_INFERIOR = "non_inferior"
    INFERIOR = "inferior"
    INCONCLUSIVE = "inconclusive"
    UNTESTED = "untested"
