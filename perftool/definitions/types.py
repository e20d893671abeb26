"""Input and result types of table cells: number format, data validation and the Chinese prompt."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CellType:
    """How a typed cell is formatted and, when it is an input, validated."""

    name: str
    label: str
    number_format: str | None
    validation: dict[str, Any] = field(default_factory=dict)
    prompt: str = ""
    numeric: bool = True


def _decimal(minimum: float, maximum: float | None = None) -> dict[str, Any]:
    if maximum is None:
        return {"validate": "decimal", "criteria": ">=", "value": minimum}
    return {"validate": "decimal", "criteria": "between", "minimum": minimum, "maximum": maximum}


TYPES: dict[str, CellType] = {
    t.name: t
    for t in (
        CellType("amount", "金额", "#,##0.00", _decimal(0), "请输入金额（万元），不小于 0，保留两位小数。"),
        CellType("number", "数值", "#,##0.00", _decimal(0), "请输入不小于 0 的数值。"),
        CellType("count", "人数/个数", "0", {"validate": "integer", "criteria": ">=", "value": 0},
                 "请输入不小于 0 的整数。"),
        CellType("percent", "比率", "0.00%", _decimal(0, 10), "请输入比率，如 87.5% 或 0.875。"),
        CellType("score", "分值/得分", "0.00", _decimal(0, 100), "请输入 0 到 100 之间的分数。"),
        CellType("text", "文字", "@", {"validate": "length", "criteria": "<=", "value": 2000},
                 "请输入文字，不超过 2000 字。", numeric=False),
        CellType("code", "科目代码", "@", {"validate": "length", "criteria": "between", "minimum": 3, "maximum": 7},
                 "请输入 3 位（类）、5 位（款）或 7 位（项）科目代码。", numeric=False),
        CellType("date", "日期", "yyyy-mm-dd", {"validate": "date", "criteria": "between",
                                                "minimum": dt.date(2000, 1, 1), "maximum": dt.date(2100, 12, 31)},
                 "请输入日期，如 2023-07-12。", numeric=False),
        CellType("choice", "选项", "@", {"validate": "list"}, "请从下拉列表中选择。", numeric=False),
    )
}
