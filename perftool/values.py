"""Small helpers on cell values shared by the audit and the scoring: numbers, and how figures are shown."""

from __future__ import annotations

import math
from typing import Any


def is_number(x: Any) -> bool:
    """A finite int or float (not a bool)."""
    kind = x.__class__
    if kind is float or kind is int:
        return math.isfinite(x)
    return isinstance(x, (int, float)) and kind is not bool and math.isfinite(x)


def is_blank(x: Any) -> bool:
    """A blank cell or a formula that gave "" (not assessable)."""
    return x is None or x == ""


def show(type_name: str, x: Any) -> str:
    """A value as finance staff read it: ``87.72%``, ``1,234.56``, ``5``; ``空`` for a blank."""
    if not is_number(x):
        return "空" if is_blank(x) else str(x)
    if type_name == "percent":
        return f"{x:.2%}"
    if type_name in ("count", "score"):
        return f"{round(x, 2):g}"
    return f"{x:,.2f}"


def show_difference(type_name: str, d: float) -> str:
    """A difference as finance staff read it: ``0.72 个百分点`` for rates, else up to four decimals."""
    if type_name == "percent":
        return f"{abs(d) * 100:.2f} 个百分点"
    return f"{abs(d):,.4f}".rstrip("0").rstrip(".")
