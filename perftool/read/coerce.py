"""Turn what people type into typed values: "1,234.56", full-width digits, "87%", "100分", "——" placeholders.

Every change is reported (a reader shows it as a warning); nothing is changed silently.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..excel import from_excel
from ..definitions.types import TYPES

#: What units write in a cell they mean to leave empty.
PLACEHOLDERS = frozenset(unicodedata.normalize("NFKC", p) for p in
                         ("-", "--", "—", "——", "–", "…", "……", "...", "/", "无", "空", "不适用"))
_UNITS = ("万元", "元", "分", "人", "个", "次", "项", "㎡", "平方米")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TRUE_CHOICES = {"√": "是", "✓": "是", "✔": "是", "×": "否", "✗": "否"}


@dataclass(frozen=True)
class Coerced:
    """A typed value (None = blank), and what was done to get it or why it could not be read."""

    value: Any
    change: str | None = None  # e.g. "文本“1,234.56”按数值 1234.56 读取"
    problem: str | None = None  # the value is unusable; ``value`` is then None


def coerce(raw: Any, type_name: str, options: tuple[str, ...] = ()) -> Coerced:
    """Read ``raw`` (a cell's constant) as a value of ``type_name``."""
    if raw is None:
        return Coerced(None)
    if TYPES[type_name].numeric:
        return _number(raw, type_name)
    if type_name == "date":
        return _date(raw)
    if type_name == "choice":
        return _choice(raw, options)
    if type_name == "code":
        return _code(raw)
    return Coerced(raw if isinstance(raw, str) else _plain(raw))


def _plain(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _normalise(text: str) -> str:
    """Full-width digits, signs and spaces to ASCII (NFKC), surrounding spaces removed."""
    return unicodedata.normalize("NFKC", text).strip()


def _number(raw: Any, type_name: str) -> Coerced:
    if isinstance(raw, bool):
        return Coerced(None, problem=f"逻辑值 {raw} 不是数值")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Coerced(None, problem=f"数值 {raw} 无效")
        if type_name == "count" and float(raw) != int(raw):
            return Coerced(None, problem=f"{_plain(raw)} 不是整数")
        return Coerced(float(raw))
    if isinstance(raw, (dt.date, dt.datetime)):
        return Coerced(None, problem=f"日期 {raw} 不是数值")
    text = str(raw)
    clean = _normalise(text)
    if clean == "":
        return Coerced(None, change=f"空白文本“{text}”按空值读取")
    if clean in PLACEHOLDERS:
        return Coerced(None, change=f"占位符“{text}”按空值读取")
    number = clean.replace(",", "").replace("，", "").replace(" ", "")
    percent = number.endswith("%")
    if percent:
        number = number[:-1]
    else:
        for unit in _UNITS:
            if number.endswith(unit):
                number = number[: -len(unit)]
                break
    if not _NUMBER.match(number):
        return Coerced(None, problem=f"“{text}”不是{TYPES[type_name].label}")
    value = float(number) / 100 if percent else float(number)
    if percent and type_name != "percent":
        return Coerced(None, problem=f"“{text}”是百分数，此处应填{TYPES[type_name].label}")
    if not math.isfinite(value):
        return Coerced(None, problem=f"“{text}”超出数值范围")
    if type_name == "count" and value != int(value):
        return Coerced(None, problem=f"“{text}”不是整数")
    shown = f"{value:g}（{float(number):g}%）" if percent else f"{value:g}"
    return Coerced(value, change=f"文本“{text}”按{TYPES[type_name].label} {shown} 读取")


def _date(raw: Any) -> Coerced:
    if isinstance(raw, dt.datetime):
        return Coerced(raw.date())
    if isinstance(raw, dt.date):
        return Coerced(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):  # how .xlsx stores a date: a day number
        if not (math.isfinite(raw) and 1 <= raw < 2958466):
            return Coerced(None, problem=f"{_plain(raw)} 不是有效日期")
        return Coerced(from_excel(raw).date())
    text = _normalise(str(raw))
    match = _DATE.match(text)
    if match:
        try:
            value = dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            return Coerced(None, problem=f"“{raw}”不是有效日期")
        return Coerced(value, change=f"文本“{raw}”按日期 {value.isoformat()} 读取")
    if text in PLACEHOLDERS or text == "":
        return Coerced(None, change=f"占位符“{raw}”按空值读取")
    return Coerced(None, problem=f"“{raw}”不是日期（应如 2023-07-12）")


def _choice(raw: Any, options: tuple[str, ...]) -> Coerced:
    text = _normalise(_plain(raw))
    if text in options:
        return Coerced(text, change=None if text == raw else f"“{raw}”按“{text}”读取")
    mapped = _TRUE_CHOICES.get(text)
    if mapped in options:
        return Coerced(mapped, change=f"“{raw}”按“{mapped}”读取")
    if text == "" or text in PLACEHOLDERS:
        return Coerced(None, change=f"占位符“{raw}”按空值读取")
    return Coerced(None, problem=f"“{raw}”不是可选值（{'/'.join(options)}）")


def _code(raw: Any) -> Coerced:
    if isinstance(raw, str):
        text = _normalise(raw)
        return Coerced(text, change=None if text == raw else f"“{raw}”按“{text}”读取")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer():
        text = str(int(raw))
        return Coerced(text, change=f"数值 {text} 按科目代码文本“{text}”读取")
    return Coerced(None, problem=f"“{raw}”不是科目代码")
