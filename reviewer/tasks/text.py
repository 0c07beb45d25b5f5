"""Number formatting shared by the tasks' text output (``reviewer eval``)."""

from __future__ import annotations

import math


def num(v, digits: int = 3) -> str:
    """A metric value, or ``n/a`` when it is undefined (None, NaN, COCO's -1)."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v < 0:
        return "n/a"
    return f"{v:.{digits}f}"


def headline(names, now: dict, before: dict | None, digits: int = 3) -> str:
    """``AP 0.412 → 0.455 · AP50 …``: original → corrected where a ``before`` differs."""
    parts = []
    for label, key in names:
        a = num(now.get(key), digits)
        b = a if before is None else num(before.get(key), digits)
        parts.append(f"{label} {a}" if a == b else f"{label} {b} → {a}")
    return " · ".join(parts)
