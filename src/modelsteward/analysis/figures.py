"""How the analysis reports numbers: finite floats or ``None``, and p-values and shares as text.

Every value of the analysis leaves through these helpers, so NaN and infinity never reach a
payload (JSON has no spelling for them) and a sentence never prints ``nan``.
"""

from __future__ import annotations

import math
from typing import SupportsFloat


def finite(value: SupportsFloat | None) -> float | None:
    """``value`` as a plain ``float``, or ``None`` when it is missing, NaN or infinite."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def finite_pair(low: SupportsFloat, high: SupportsFloat) -> tuple[float, float] | None:
    """An interval of two finite floats, or ``None`` when either end is not finite."""
    ends = finite(low), finite(high)
    return (ends[0], ends[1]) if ends[0] is not None and ends[1] is not None else None


def p_text(p: float) -> str:
    """A p-value as it reads in a sentence: ``p = 0.032``, ``p = 1.4e-05``, ``p < 1e-300``."""
    if p < 1e-300:
        return "p < 1e-300"
    if p < 0.001:
        return f"p = {p:.2g}"
    return "p = " + (f"{p:.3f}".rstrip("0").rstrip(".") if p < 1 else "1")


def signed(value: float) -> str:
    """A signed number with four significant digits: ``+0.25``, ``−1.3e-05``."""
    return f"{value:+.4g}".replace("-", "−")


def signed_percent(share: float) -> str:
    """A relative change as a signed percentage: ``+2.5%``, ``−0.4%``."""
    text = f"{abs(share) * 100:.1f}%"
    return f"+{text}" if share >= 0 else f"−{text}"
