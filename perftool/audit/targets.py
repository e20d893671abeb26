"""From target to result: each project's 自评表 against what the unit declared in its 申报表.

The 年度指标值 of a 自评表 should be the 指标值 declared when the budget was made; reviewers check that targets
were not changed afterwards, that no indicator was dropped or added, and that no direction was turned round.
Declarations come from the unit's 申报表 workbooks, their score JSON (``batch`` results) or ``export`` JSON.
Projects are matched by code, then by name (a differing name is a warning, not a miss); indicators by 三级指标
name. ``generate --targets`` pre-fills the 自评表 indicator rows from the same declarations.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..definitions.catalog import editions, load_table
from ..definitions.layout import field_key
from ..definitions.workbook import WorkbookPlan
from ..figures import read_figure
from ..values import is_blank
from .findings import Finding, at, describe
from .previous import unit_key
from .submitted import assessed_workbooks, result_files

#: The columns a declaration hands on to the 自评表 (where both tables have them).
CARRIED = ("level1", "level2", "name", "nature", "unit", "target", "max")
NATURES = {"正向": "正向", "反向": "反向", "等于": "等于", "定性": "定性"}


@dataclass(frozen=True)
class Declared:
    """One project as declared in a 申报表: who, where, and its indicator rows (column → value, plus ``cell``)."""

    unit: str
    unit_code: str
    year: int
    name: str
    code: str
    source: str
    rows: tuple[dict[str, Any], ...]


def _declared_block(table_id: str) -> str | None:
    found = editions(table_id)
    return load_table(table_id, found[-1]).scoring.get("declared") if found else None


def load_declared(folder: Path, assess_file: Callable[[Path], Any]) -> dict[tuple[str, int], list[Declared]]:
    """The declarations under ``folder`` by (unit key, year): JSON results or exports first, then workbooks."""
    found: dict[tuple[str, int], list[Declared]] = {}
    for path in result_files(folder):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict):
            _from_document(doc, path.name, found)
    for path, a in assessed_workbooks(folder, assess_file):
        _from_assessment(a, path.name, found)
    return found


def _add(found: dict[tuple[str, int], list[Declared]], d: Declared) -> None:
    known = found.setdefault((unit_key(d.unit, d.unit_code), d.year), [])
    if not any((d.code and k.code == d.code) or k.name == d.name for k in known):
        known.append(d)


def _from_document(doc: dict[str, Any], name: str, found: dict[tuple[str, int], list[Declared]]) -> None:
    projects = doc.get("projects") if "tables" in doc else (doc.get("data") or {}).get("projects")
    if not isinstance(projects, list) or not isinstance(doc.get("year"), int):
        return
    for n, p in enumerate(projects, start=1):
        for tid, fields in ((p or {}).get("tables") or {}).items():
            block = _declared_block(tid)
            if block is None or not isinstance(fields, dict):
                continue
            rows = tuple({**{k: r.get(k) for k in CARRIED if k in r}, "cell": None}
                         for r in fields.get(block) or [] if isinstance(r, dict))
            _add(found, Declared(str(doc.get("unit") or ""), str(doc.get("unit_code") or ""), doc["year"],
                                 str(p.get("name") or ""), str(p.get("code") or ""), f"{name} 第 {n} 个项目", rows))


def _from_assessment(a: Any, name: str, found: dict[tuple[str, int], list[Declared]]) -> None:
    plan: WorkbookPlan = a.plan
    for key, project in plan.projects.items():
        layout = plan.layouts[key]
        block = layout.table.scoring.get("declared")
        if block is None:
            continue
        rows = []
        for i in range(layout.blocks[block].count):
            keys = {c: field_key(key, c, block, i) for c in CARRIED if field_key(key, c, block, i) in layout.fields}
            row = {c: a.as_filed.get(k) for c, k in keys.items()}
            if any(not is_blank(v) for v in row.values()):
                target = layout.fields[keys["target"]]
                rows.append({**row, "cell": f"{target.sheet}!{target.cell}"})
        _add(found, Declared(plan.unit, plan.unit_code, plan.year, project.name, project.code,
                             f"{name}（{project.sheet}）", tuple(rows)))


def match(declared: list[Declared], name: str, code: str) -> Declared | None:
    """The declaration of a project: by code, then by name."""
    if code:
        by_code = next((d for d in declared if d.code == code), None)
        if by_code is not None:
            return by_code
    return next((d for d in declared if _norm(d.name) == _norm(name)), None)


def _norm(x: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(x)).split()) if not is_blank(x) else ""


def _counted(rows: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    """The declared rows that are indicators (not the 无 placeholders of empty 二级指标)."""
    return [r for r in rows if _norm(r.get("name")) not in ("", "无") or not is_blank(r.get("target"))]


def prefill(plan: WorkbookPlan, declared: dict[tuple[str, int], list[Declared]]) -> tuple[dict[str, int], dict[str, Any]]:
    """Row counts and inputs that pre-fill each project's 自评表 indicator rows from its declaration."""
    counts: dict[str, int] = {}
    inputs: dict[str, Any] = {}
    mine = declared.get((unit_key(plan.unit, plan.unit_code), plan.year), [])
    for key, project in plan.projects.items():
        layout = plan.layouts[key]
        block = layout.table.scoring.get("indicators")
        d = match(mine, project.name, project.code) if block else None
        if d is None:
            continue
        rows = _counted(d.rows)
        counts[f"{key}.{block}"] = max(len(rows), layout.blocks[block].count)
        for i, row in enumerate(rows):
            for column in CARRIED:
                if column in layout.blocks[block].columns and not is_blank(row.get(column)):
                    inputs[field_key(key, column, block, i)] = row[column]
    return counts, inputs


def check_targets(plan: WorkbookPlan, as_filed: dict[str, Any],
                  declared: dict[tuple[str, int], list[Declared]]) -> list[Finding]:
    """Every 自评表 project against its declaration: changed targets and directions, dropped and added rows."""
    out: list[Finding] = []
    mine = declared.get((unit_key(plan.unit, plan.unit_code), plan.year), [])
    for key, layout in plan.layouts.items():
        block = layout.table.scoring.get("indicators")
        project = plan.projects.get(key)
        if block is None or project is None:
            continue
        name_field = layout.fields[field_key(key, "project_name")]
        d = match(mine, project.name, project.code)
        if d is None:
            out.append(at("project-undeclared", name_field, f"{describe(name_field)} 项目“{project.name}”"
                          f"{f'（{project.code}）' if project.code else ''}在申报表中找不到，无法核对绩效目标",
                          {"项目": project.name, "项目编码": project.code}))
            continue
        if _norm(d.name) != _norm(project.name):
            out.append(at("project-name-differs", name_field, f"{describe(name_field)} 项目名称“{project.name}”与"
                          f"申报表（{d.source}）的“{d.name}”不同（按项目编码 {project.code} 对应）",
                          {"自评表": project.name, "申报表": d.name}))
        out += _compare_rows(plan, key, block, as_filed, d)
    return out


def _compare_rows(plan: WorkbookPlan, key: str, block: str, as_filed: dict[str, Any], d: Declared) -> list[Finding]:
    layout = plan.layouts[key]
    rows = []
    for i in range(layout.blocks[block].count):
        cells = {c: layout.fields[field_key(key, c, block, i)] for c in layout.blocks[block].columns}
        if not is_blank(as_filed.get(cells["name"].key)):
            rows.append(cells)
    declared = _counted(d.rows)
    taken: set[int] = set()
    out: list[Finding] = []
    for row in declared:
        wanted = _norm(row.get("name"))
        i = next((k for k, cells in enumerate(rows) if k not in taken and _norm(as_filed.get(cells["name"].key)) == wanted),
                 None)
        where = f"申报表 {d.source}" + (f" {row['cell']}" if row.get("cell") else "")
        if i is None:
            total = layout.fields.get(field_key(key, layout.table.scoring.get("indicator_total", ""))) or \
                layout.fields[field_key(key, "project_name")]
            out.append(at("indicator-dropped", total, f"{layout.sheet}：申报的指标“{row.get('name')}”（指标值 "
                          f"{row.get('target') or '空'}，{where}）在自评表中没有", {"申报指标": row.get("name"),
                          "申报指标值": row.get("target"), "自评表": "（无）"}, cells=[where]))
            continue
        taken.add(i)
        cells = rows[i]
        mine, theirs = as_filed.get(cells["target"].key), row.get("target")
        if _norm(mine) != _norm(theirs):
            out.append(at("target-changed", cells["target"], f"{describe(cells['target'])} “{row.get('name')}”年度指标值"
                          f"填为 {mine if not is_blank(mine) else '空'}，申报的是 {theirs if not is_blank(theirs) else '空'}"
                          f"（{where}）", {"自评表": mine, "申报表": theirs}, cells=[where]))
        now, then = _direction(as_filed.get(cells["nature"].key), mine), _direction(row.get("nature"), theirs)
        if now and then and now != then:
            out.append(at("direction-changed", cells["nature"], f"{describe(cells['nature'])} “{row.get('name')}”"
                          f"指标性质为{now}，申报的是{then}（{where}）", {"自评表": now, "申报表": then}, cells=[where]))
    for k, cells in enumerate(rows):
        if k not in taken:
            f = cells["name"]
            out.append(at("indicator-added", f, f"{describe(f)} 指标“{as_filed.get(f.key)}”不在申报表（{d.source}）中",
                          {"自评指标": as_filed.get(f.key), "指标值": as_filed.get(cells["target"].key)}))
    return out


def _direction(nature: Any, target: Any) -> str | None:
    """正向/反向/等于/定性 from 指标性质, else from the sign written in the target."""
    if _norm(nature) in NATURES:
        return NATURES[_norm(nature)]
    figure = read_figure(target)
    if figure is None or not figure.sign:
        return None
    return "反向" if figure.reverse else ("等于" if figure.sign == "=" else "正向")


