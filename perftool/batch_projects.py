"""Projects in a batch: one summary entry per project sheet, and Σ 项目执行数 against the unit's 公开05 项目支出.

A unit's project workbook and its 决算 workbook are separate submissions; when both are in the batch, the sum of
the projects' 执行数 is compared with 公开05's 项目支出: its 合计, else the 类/款/项 line it agrees with (seed
002: the seven projects' 1,957.82 against 20103's 1,957.81, a 尾数 提示).
"""

from __future__ import annotations

from typing import Any

from .assess import Assessment
from .audit.cells import tolerance
from .values import is_number


def project_entries(a: Assessment) -> list[dict[str, Any]]:
    """The summary entry of each project 自评表 sheet: identity, 预算数, 执行数, 执行率, totals, grade, counts."""
    out = []
    for p in a.projects:
        mine = [f for f in a.findings if f.sheet == p.sheet]
        out.append({"key": p.key, "sheet": p.sheet, "name": p.name, "code": p.code, "budget": p.budget,
                    "executed": p.executed, "rate": p.rate, "total": p.scores.total,
                    "self_total": p.scores.self_total, "grade": p.scores.grade, "self_grade": p.scores.self_grade,
                    "complete": p.scores.complete, "errors": sum(1 for f in mine if f.severity == "error"),
                    "warnings": sum(1 for f in mine if f.severity == "warning")})
    return out


def project_expenditure(a: Assessment) -> dict[str, float]:
    """公开05's 项目支出: ``合计`` and each 科目代码 line (empty when the workbook has no 公开05)."""
    if "gk05" not in a.plan.layouts:
        return {}
    c = a.as_filed
    out = {"合计": round(float(c["gk05.project"]), 2)} if is_number(c.get("gk05.project")) else {}
    block = a.plan.layouts["gk05"].blocks["rows"]
    for i in range(block.count):
        code, value = c.get(f"gk05.rows[{i}].code"), c.get(f"gk05.rows[{i}].project")
        if code and is_number(value):
            out[str(code).strip()] = round(float(value), 2)
    return out


def cross_check(rows: list[Any]) -> None:
    """Add to each unit's project rows how Σ 执行数 compares with the same unit's 公开05 项目支出 in the batch."""
    published = {(r.unit, r.unit_code, r.year): r for r in rows if getattr(r, "expenditure", None)}
    for r in rows:
        if not getattr(r, "projects", None):
            continue
        other = published.get((r.unit, r.unit_code, r.year))
        executed = [p["executed"] for p in r.projects if is_number(p.get("executed"))]
        if other is None or not executed:
            continue
        total = round(sum(executed), 2)
        lines = other.expenditure
        tol = tolerance("amount", len(executed))
        line, value = min(lines.items(), key=lambda kv: (abs(kv[1] - total), kv[0] != "合计"))
        diff = round(total - value, 2)
        where = "合计" if line == "合计" else f"科目 {line}"
        if abs(diff) <= 1e-9:
            note = f"项目执行数合计 {total:,.2f} 与 {other.file} 公开05 项目支出{where} 一致"
            severity = ""
        elif abs(diff) <= tol:
            note = (f"项目执行数合计 {total:,.2f} 与 {other.file} 公开05 项目支出{where} {value:,.2f} 相差 "
                    f"{abs(diff):.2f}（尾数差异，提示）")
            severity = "warning"
        else:
            value, where = lines.get("合计", value), "合计" if "合计" in lines else where
            diff = round(total - value, 2)
            note = (f"项目执行数合计 {total:,.2f} 与 {other.file} 公开05 项目支出{where} {value:,.2f} 相差 "
                    f"{abs(diff):,.2f}（提示：项目自评未覆盖全部项目支出，或执行数有误）")
            severity = "warning"
        if line != "合计" and "合计" in lines and abs(lines["合计"] - value) > 1e-9:
            note += f"；公开05 项目支出合计 {lines['合计']:,.2f}"
        r.cross_checks.append({"check": "项目执行数合计/公开05项目支出", "severity": severity, "projects": total,
                               "published": value, "line": line, "difference": diff, "file": other.file,
                               "message": note})
        if severity:
            r.flags.append(note)
