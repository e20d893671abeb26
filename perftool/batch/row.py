"""A submission's row in a batch's summary (汇总表, 汇总.csv, 汇总.json), and its statuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCORED, UNREADABLE, WRITE_FAILED = "已评分", "无法读取", "写入失败"
DUPLICATE_FLAG = "重复报送"  # how a unit's second submission in one batch is flagged (flag_duplicates in run.py)


@dataclass
class Row:
    """One submission in the summary."""

    file: str
    status: str
    reason: str = ""
    code: str = ""  # the input failure's code when status is 无法读取
    unit: str = ""
    unit_code: str = ""
    year: int | None = None
    basis: str | None = None
    total: float | None = None
    self_total: float | None = None
    grade: str | None = None
    self_grade: str | None = None
    complete: bool = True
    errors: int = 0
    warnings: int = 0
    groups: dict[str, float] = field(default_factory=dict)  # score by 一级指标
    rules: dict[str, int] = field(default_factory=dict)  # findings per audit rule or code
    annotated: str = ""
    result: str = ""
    sha256: str = ""
    flags: list[str] = field(default_factory=list)
    table_set: str = ""  # the set the workbook was issued as: a unit's 决算 and project workbooks are not duplicates
    projects: list[dict[str, Any]] = field(default_factory=list)  # one entry per project sheet (projects.py)
    expenditure: dict[str, float] = field(default_factory=dict)  # 公开05 项目支出 by line, for the cross-check
    budget_projects: list[dict[str, Any]] = field(default_factory=list)  # 预算14's projects (name, amount)
    declared: list[dict[str, Any]] = field(default_factory=list)  # project 申报表 sheets (name, 本年度申请资金)
    cross_checks: list[dict[str, Any]] = field(default_factory=list)
    tables: str = ""  # the workbook's tables (gk01,…,fj2): units are ranked among workbooks of the same tables
    over_max: bool = False  # the total exceeds the rule set's full marks: reported, not graded or ranked
