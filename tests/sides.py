"""The two sides of a finding's 现场数据, in order (their keys are the rows' and columns' labels)."""

from __future__ import annotations

from typing import Any


def sides(finding: Any) -> tuple[Any, Any]:
    """(left, right) of a comparison finding: the first two entries of its values, whatever their labels."""
    left, right = list(finding.values.values())[:2]
    return left, right
