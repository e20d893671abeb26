"""Numbers read from indicator texts such as ``≥95%``, ``4次/年`` or ``500万元``, with their comparison sign."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .values import is_number

MAX_FIGURE_TEXT = 12  # longer 完成值 texts are narratives, read as qualitative
_REVERSE = ("≤", "<=", "<", "不超过", "不高于", "不多于", "低于", "控制在")
_FIGURE = re.compile(r"(?P<op>≥|≤|>=|<=|>|<|不低于|不少于|不超过|不高于|不多于|低于|高于|控制在|达到)?\s*"
                     r"(?P<num>\d+(?:\.\d+)?)\s*(?P<pct>%)?")


@dataclass(frozen=True)
class Figure:
    """A number read from an indicator text such as ``≥95%``, ``4次/年`` or ``500万元``."""

    value: float
    reverse: bool
    sign: str = ""  # the comparison written before the number (≥, ≤, 不超过 …), "" for a bare figure
    percent: bool = False  # written with %


def read_figure(text: Any) -> Figure | None:
    """The first number of ``text`` with its comparison sign; None when the text holds no number."""
    if is_number(text):
        return Figure(float(text), False)
    if not isinstance(text, str):
        return None
    clean = unicodedata.normalize("NFKC", text).replace(",", "").strip()
    if len(clean) > MAX_FIGURE_TEXT:
        return None  # a sentence describing what was done, not a figure
    match = _FIGURE.search(clean)
    if match is None:
        return None
    value = float(match.group("num")) / (100 if match.group("pct") else 1)
    sign = match.group("op") or ""
    return Figure(value, sign in _REVERSE, sign, bool(match.group("pct")))
