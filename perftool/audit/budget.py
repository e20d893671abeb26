"""预算数: year-end figures that restate the unit's 部门预算公开表 of the same year (``batch --budget``).

Each year-end table's YAML lists them under ``budget:`` (this table's field: the budget table's field, e.g. 附件1's
三公 本年预算数 against 预算33, 基本/项目支出 against 预算01, 附件2's 年初预算数 against 预算01's 收入总计; 公开09's
adjusted 预算数 with ``severity: warning``) and ``budget_targets:`` (附件2's indicator groups against the
申报表's: a 三级指标 keeps the 指标值 it was declared with). The budgets come from the budget batch's JSON results
or, failing that, from the budget workbooks; units are matched by 单位编码, then by name. Modelled on
``previous.py``, which does the same with last year's figures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..data import flatten, row_counts
from ..definitions.catalog import catalog, editions, load_table
from ..definitions.model import Field
from ..definitions.workbook import WorkbookPlan, plan_workbook
from ..engine import engine_for
from ..errors import PerftoolError
from ..values import is_blank, is_number, show, show_difference
from .findings import ERROR, WARNING, Finding, at, describe
from .submitted import assessed_workbooks, result_files

#: Amounts in 万元 agree when within half a unit of the last decimal.
TOLERANCE = 0.005


@dataclass(frozen=True)
class Budget:
    """One unit's budget for one year: the budget fields some year-end table restates (field key → value)."""

    unit: str
    unit_code: str
    year: int
    source: str
    values: dict[str, Any]


@dataclass(frozen=True)
class Link:
    """One restated figure: the year-end field, the budget field it must equal, and how a difference counts."""

    field: Field
    source: str
    severity: str


def _spec(value: Any) -> tuple[str, str]:
    """``ys33.sum_recep`` or ``{field: ys33.sum_recep, severity: warning}`` → (field key, severity)."""
    if isinstance(value, dict):
        return str(value["field"]), str(value.get("severity", ERROR))
    return str(value), ERROR


@lru_cache(maxsize=1)
def budget_sources() -> tuple[frozenset[str], frozenset[str]]:
    """The budget field keys some table's ``budget:`` reads, and the 申报表 groups ``budget_targets:`` reads."""
    fields: set[str] = set()
    groups: set[str] = set()
    for tid in catalog()["order"]:
        for edition in editions(tid):
            table = load_table(tid, edition)
            fields.update(_spec(v)[0] for v in table.budget.values())
            groups.update(table.budget_targets.values())
    return frozenset(fields), frozenset(groups)


def _wanted(key: str) -> bool:
    fields, groups = budget_sources()
    if key in fields:
        return True
    m = re.match(r"^(\w+)\.(\w+)\[\d+\]\.(name|target)$", key)
    return bool(m) and f"{m.group(1)}.{m.group(2)}" in groups


def links(plan: WorkbookPlan) -> list[Link]:
    """Every restated budget figure of ``plan``."""
    out = []
    for tid, layout in plan.layouts.items():
        for this, value in layout.table.budget.items():
            source, severity = _spec(value)
            out.append(Link(layout.fields[f"{tid}.{this}"], source, severity))
    return out


def _is_budget(tables: list[str]) -> bool:
    fields, groups = budget_sources()
    used = {k.split(".", 1)[0] for k in fields | groups}
    return bool(used & set(tables))


def _from_result(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The budget figures of one ``perftool-score/1`` result, recomputed from its entries (None if not a budget)."""
    template = doc.get("template") or {}
    tables = [str(t) for t in template.get("tables") or []]
    if not _is_budget(tables):
        return None
    data = doc["data"]
    plan = plan_workbook(int(doc["year"]), str(doc.get("unit") or ""), str(doc.get("unit_code") or ""), tables,
                         row_counts(data))
    values = engine_for(plan).compute({k: v for k, v in flatten(data, plan).items() if v is not None})
    return {k: v for k, v in values.items() if _wanted(k)}


def load_budgets(folder: Path, assess_file: Callable[[Path], Any] | None = None) -> list[Budget]:
    """The budgets under ``folder``: the budget batch's ``*.json`` results, else its workbooks (``assess_file``).

    Results and workbooks that are not budgets (no table a ``budget:`` mapping reads) are skipped, as are files
    that cannot be read (they were reported in the budget's own batch).
    """
    found: list[Budget] = []
    for path in result_files(folder):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or doc.get("format") != "perftool-score/1" or \
                    not isinstance(doc.get("data"), dict):
                continue
            values = _from_result(doc)
        except (OSError, ValueError, KeyError, TypeError, PerftoolError):
            continue
        if values is not None:
            found.append(Budget(str(doc.get("unit") or ""), str(doc.get("unit_code") or ""), int(doc["year"]),
                                path.name, values))
    if found or assess_file is None:
        return found
    for path, a in assessed_workbooks(folder, assess_file):
        if _is_budget(list(a.plan.layouts)):
            found.append(Budget(a.plan.unit, a.plan.unit_code, a.plan.year, path.name,
                                {k: v for k, v in a.as_filed.items() if _wanted(k)}))
    return found


def budget_for(budgets: list[Budget], plan: WorkbookPlan) -> Budget | None:
    """The budget of the same unit and year: matched by 单位编码, then by name where one side has no code (two
    different codes are two units, whatever their names)."""
    same_year = [b for b in budgets if b.year == plan.year]
    if plan.unit_code:
        for b in same_year:
            if b.unit_code == plan.unit_code:
                return b
    return next((b for b in same_year if plan.unit and b.unit == plan.unit
                 and not (b.unit_code and plan.unit_code)), None)


@lru_cache(maxsize=32)
def _budget_field(year: int, key: str) -> Field:
    """Where a budget figure is printed (sheet, cell, labels), for messages."""
    tid = key.split(".", 1)[0]
    return plan_workbook(year, tables=[tid]).field(key)


def check_budget(plan: WorkbookPlan, as_filed: Mapping[str, Any], budget: Budget) -> list[Finding]:
    """A finding at every year-end cell whose figure differs from the unit's budget of the same year."""
    findings = []
    for link in links(plan):
        then = budget.values.get(link.source)
        if not is_number(then):
            continue
        f, now = link.field, as_filed.get(link.field.key)
        if is_number(now) and abs(float(now) - float(then)) <= TOLERANCE:
            continue
        told = (f"本单位 {budget.year} 年度部门预算 {describe(_budget_field(budget.year, link.source))} "
                f"{show(f.type, then)}（{budget.source}）")
        message = (f"{describe(f)} 未填；{told}" if is_blank(now) else
                   f"{describe(f)} 填报 {show(f.type, now)}，与{told}{'不同' if link.severity == WARNING else '不一致'}，"
                   f"相差 {show_difference(f.type, float(now) - float(then))}")
        code = "budget-adjusted" if link.severity == WARNING else "budget-mismatch"
        findings.append(at(code, f, message, {"填报值": now, "预算数": then},
                           cells=[f"{budget.year}年度预算 {link.source}"]))
    findings.extend(_targets(plan, as_filed, budget))
    return findings


def _norm(text: Any) -> str:
    return re.sub(r"\s+", "", str(text or ""))


def _targets(plan: WorkbookPlan, as_filed: Mapping[str, Any], budget: Budget) -> list[Finding]:
    """A 三级指标 of the 自评表 whose 年度指标值 differs from its namesake's in the 申报表 group."""
    findings = []
    for tid, layout in plan.layouts.items():
        for block, source in layout.table.budget_targets.items():
            declared: dict[str, Any] = {}
            i = 0
            while f"{source}[{i}].name" in budget.values or f"{source}[{i}].target" in budget.values:
                name = _norm(budget.values.get(f"{source}[{i}].name"))
                if name:
                    declared.setdefault(name, budget.values.get(f"{source}[{i}].target"))
                i += 1
            for j in range(layout.blocks[block].count):
                name = _norm(as_filed.get(f"{tid}.{block}[{j}].name"))
                if name not in declared or _norm(as_filed.get(f"{tid}.{block}[{j}].target")) == _norm(declared[name]):
                    continue
                f = layout.fields[f"{tid}.{block}[{j}].target"]
                now = as_filed.get(f.key)
                findings.append(at("budget-target-changed", f,
                                   f"{describe(f)} 指标值“{now or ''}”与本单位 {budget.year} 年度整体支出预算绩效目标"
                                   f"申报表中“{as_filed.get(f'{tid}.{block}[{j}].name')}”的指标值“{declared[name]}”"
                                   f"（{budget.source}）不同", {"填报值": now, "申报值": declared[name]},
                                   cells=[f"{budget.year}年度预算 {source}"]))
    return findings
