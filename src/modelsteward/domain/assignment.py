"""Assigning a unit (a user, a session, a tenant) to an arm of an experiment: deterministic,
sticky, and the same as GrowthBook's SDKs give for the same key, seed, weights and coverage.

The rule is GrowthBook's hashing, version 2, as its SDKs document and implement it:

- ``fnv1a32`` is 32-bit FNV-1a over the text's UTF-16 code units (what JavaScript's
  ``charCodeAt`` returns; for ASCII text, its bytes);
- a unit's position is ``fnv1a32(str(fnv1a32(seed + unit))) % 10000 / 10000``, a number in
  ``[0, 1)`` with four decimals (the seed is the experiment's, or its key when it has none);
- arm ``i`` of weights ``w`` and coverage ``c`` holds the positions ``[W_i, W_i + c·w_i)``, where
  ``W_i`` is the sum of the weights before it; a position in no range is not in the experiment.

So the same unit always gets the same arm, raising the coverage only adds units, and raising a
treatment's weight at the expense of the arm just before it (the control, with two arms) only
moves units from that arm into the treatment: the boundary between them moves, nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from modelsteward.errors import InvalidInput

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_MASK = 0xFFFFFFFF
# GrowthBook's tolerance for weights that do not quite add up to 1 (0.33 + 0.33 + 0.34 …)
WEIGHT_SUM = (0.99, 1.01)

Range = tuple[float, float]


def fnv1a32(text: str) -> int:
    """32-bit FNV-1a of ``text``'s UTF-16 code units (its bytes, for ASCII text)."""
    value = _FNV_OFFSET
    if text.isascii():
        for unit in text.encode("ascii"):
            value = ((value ^ unit) * _FNV_PRIME) & _MASK
        return value
    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        value = ((value ^ (data[i] | data[i + 1] << 8)) * _FNV_PRIME) & _MASK
    return value


def position(seed: str, unit: str) -> float:
    """Where ``unit`` falls in ``[0, 1)`` for an experiment seeded ``seed`` (hash version 2)."""
    return (fnv1a32(str(fnv1a32(seed + unit))) % 10000) / 10000


def check_weights(weights: Sequence[float]) -> None:
    """Raise :class:`InvalidInput` unless ``weights`` has two or more finite, non-negative
    numbers adding up to 1 (within 0.01)."""
    if len(weights) < 2:
        raise InvalidInput(f"An experiment needs at least two arms; got {len(weights)} "
                           "weight(s). Give one weight per arm, control first.")
    for weight in weights:
        if isinstance(weight, bool) or not math.isfinite(weight) or weight < 0:
            raise InvalidInput(f"Arm weight {weight!r} is not a number from 0 to 1: give each "
                               "arm's share of the traffic, e.g. 0.9 and 0.1.")
    total = math.fsum(weights)
    if not WEIGHT_SUM[0] <= total <= WEIGHT_SUM[1]:
        raise InvalidInput(f"Arm weights add up to {total:g}, not 1: give each arm's share of "
                           "the traffic, e.g. 0.9 and 0.1.")


def check_coverage(coverage: float) -> None:
    """Raise :class:`InvalidInput` unless ``coverage`` is a number from 0 to 1."""
    if isinstance(coverage, bool) or not math.isfinite(coverage) or not 0 <= coverage <= 1:
        raise InvalidInput(f"Coverage {coverage!r} is not a number from 0 to 1: give the share "
                           "of units in the experiment, e.g. 1 for all of them.")


def bucket_ranges(weights: Sequence[float], coverage: float = 1.0) -> list[Range]:
    """Each arm's range of positions for ``weights`` (one per arm, control first) and
    ``coverage``, computed as GrowthBook computes them (the same floating-point sums, in the
    same order, so a boundary falls on the same position). Raises :class:`InvalidInput` for
    weights or coverage :func:`check_weights` and :func:`check_coverage` refuse."""
    check_weights(weights)
    check_coverage(coverage)
    ranges: list[Range] = []
    cumulative = 0.0
    for weight in weights:
        start = cumulative
        cumulative += weight
        ranges.append((start, start + coverage * weight))
    return ranges


def choose(at: float, ranges: Sequence[Range]) -> int | None:
    """The index of the first range holding ``at``; None when none does."""
    for index, (start, end) in enumerate(ranges):
        if start <= at < end:
            return index
    return None


def assign(seed: str, unit: str, ranges: Sequence[Range]) -> int | None:
    """The arm (an index into ``ranges``) of ``unit`` in the experiment seeded ``seed``;
    None when the unit is outside the experiment's coverage."""
    return choose(position(seed, unit), ranges)
