"""Projects in a batch: one summary entry per project sheet; Σ 项目执行数 against the unit's 公开05 项目支出; and
the 预算14 projects against the unit's project 申报表.

A unit's project workbook and its 决算 workbook are separate submissions; when both are in the batch, the sum of
the projects' 执行数 is compared with 公开05's 项目支出: its 合计, else the 类/款/项 line it agrees with (seed
002: the seven projects' 1,957.82 against 20103's 1,957.81, a 尾数 提示). Likewise every project of a unit's
预算14 项目支出预算总表 must have its 申报表 with the same 本年度申请资金: matched by amount (预算14 carries no
project code), a name that differs is a 提示, a project without a 申报表 too (seed 004: 优化环境工作经费 10).
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from ..assess import Assessment
from ..audit.cells import tolerance
from ..definitions.layout import field_key
from ..values import is_number


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


def _with_role(a: Assessment, role: str) -> list[tuple[str, dict[str, str]]]:
    """(table key, roles) of the workbook's tables whose definition names a field for ``role`` (``roles:``)."""
    return [(key, lay.table.roles) for key, lay in a.plan.layouts.items() if role in lay.table.roles]


def project_expenditure(a: Assessment) -> dict[str, float]:
    """公开05's 项目支出: ``合计`` and each 科目代码 line (empty when the workbook has no such table)."""
    c, out = a.as_filed, {}
    for key, roles in _with_role(a, "project_total"):
        total = c.get(f"{key}.{roles['project_total']}")
        if is_number(total):
            out["合计"] = round(float(total), 2)
        block = roles["lines"]
        for i in range(a.plan.layouts[key].blocks[block].count):
            code = c.get(field_key(key, roles["line_code"], block, i))
            value = c.get(field_key(key, roles["line_project"], block, i))
            if code and is_number(value):
                out[str(code).strip()] = round(float(value), 2)
    return out


def budget_projects(a: Assessment) -> list[dict[str, Any]]:
    """预算14's projects (name, amount), when the workbook has the 项目支出预算总表."""
    c, out = a.as_filed, []
    for key, roles in _with_role(a, "projects"):
        block = roles["projects"]
        for i in range(a.plan.layouts[key].blocks[block].count):
            name = c.get(field_key(key, roles["project_name"], block, i))
            amount = c.get(field_key(key, roles["project_amount"], block, i))
            if name and is_number(amount):
                out.append({"name": str(name).strip(), "amount": round(float(amount), 2)})
    return out


def declared_projects(a: Assessment) -> list[dict[str, Any]]:
    """The project 申报表 sheets of the workbook: sheet, project name and 本年度申请资金 合计."""
    c, out = a.as_filed, []
    for key, roles in _with_role(a, "requested"):
        project = a.plan.projects.get(key)
        requested = c.get(f"{key}.{roles['requested']}")
        name = c.get(f"{key}.{roles['project_name']}") or (project.name if project else "")
        out.append({"sheet": a.plan.layouts[key].sheet, "name": str(name).strip(),
                    "requested": round(float(requested), 2) if is_number(requested) else None})
    return out


def _same_unit(a: Any, b: Any) -> bool:
    """Two rows of one unit and year: by 单位编码 where both have one, else by name."""
    if a.year != b.year:
        return False
    return a.unit_code == b.unit_code if a.unit_code and b.unit_code else a.unit == b.unit


def check_declarations(rows: list[Any]) -> None:
    """Every 预算14 project against the same unit's 申报表 in the batch (both rows get the notes)."""
    declaring = [r for r in rows if getattr(r, "declared", None)]
    for r in rows:
        if not getattr(r, "budget_projects", None):
            continue
        other = next((d for d in declaring if _same_unit(r, d)), None)
        if other is None:
            continue
        pending = [p for p in other.declared if p["requested"] is not None]
        notes: list[str] = []
        missing = renamed = 0
        for b in r.budget_projects:
            same = [p for p in pending if abs(p["requested"] - b["amount"]) < 0.005]  # of one amount: the likeliest name
            match = max(same, key=lambda p: SequenceMatcher(None, p["name"], b["name"]).ratio(), default=None)
            if match is None:
                missing += 1
                notes.append(f"预算14 项目“{b['name']}”（{b['amount']:,.2f} 万元）在 {other.file} 中没有本年度申请资金相同的"
                             "项目申报表")
                continue
            pending.remove(match)
            if match["name"] != b["name"]:
                renamed += 1
                notes.append(f"预算14 项目“{b['name']}”的申报表名为“{match['name']}”（{match['sheet']}，"
                             f"{b['amount']:,.2f} 万元），请核对名称")
        notes += [f"申报表“{p['name']}”（{p['sheet']}，{p['requested']:,.2f} 万元）不在预算14 项目支出预算总表中"
                  for p in pending]
        budgeted = round(sum(b["amount"] for b in r.budget_projects), 2)
        requested = round(sum(p["requested"] for p in other.declared if p["requested"] is not None), 2)
        if notes or abs(budgeted - requested) >= 0.005:
            notes.insert(0, f"预算14 项目支出合计 {budgeted:,.2f} 万元，项目申报表本年度申请资金合计 {requested:,.2f} 万元")
        check = {"check": "预算14项目/项目申报表", "severity": "warning" if notes else "", "budget": budgeted,
                 "declared": requested, "notes": notes, "file": other.file}
        counted = [f"{n} {what}" for n, what in ((missing, "个预算项目没有申报表"), (renamed, "个项目名称不同"),
                                                  (len(pending), "份申报表不在预算14中")) if n]
        short = f"（提示）{notes[0]}" + (f"：{'、'.join(counted)}（明细见 汇总.json 的 cross_checks）" if counted else "")
        for row in (r, other):  # the summary's 说明 gets the totals and counts, the JSON every project
            row.cross_checks.append(check)
            if notes:
                row.flags.append(short)


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
