"""Data files (YAML/JSON) ↔ field values: ``{table: {field: value, group: [{field: value}, …]}}``.

``amount_unit: 元`` says the amounts are in 元 (default 万元, as the tables print): they are converted to 万元 with
舍位平衡 (:func:`given_values`).

Per-project tables are given under ``projects:``, one entry per project in sheet order: ``{name, code, dept,
budget, tables: {table: {…}}}``; the n-th entry fills instance ``table@n`` (``definitions/projects.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .definitions.projects import base_table, instance_key
from .definitions.types import TYPES
from .definitions.workbook import WorkbookPlan
from .errors import UsageError
from .read.coerce import coerce
from .rounding import Balanced, balance, check_unit

PROJECT_KEYS = ("name", "code", "dept", "budget")


def load_data(path: Path) -> dict[str, Any]:
    """Read a data file: ``.json``, or YAML for anything else."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path.name}：JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列附近），请检查括号、引号和逗号") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列附近）" if mark else ""
        raise UsageError(f"{path.name}：YAML 格式错误{where}，请检查缩进、冒号和括号是否成对") from exc
    if not isinstance(data, dict) or not isinstance(data.get("tables", {}), dict) or \
            not isinstance(data.get("projects", []), list) or not ("tables" in data or "projects" in data):
        raise UsageError(f"{path.name}：数据文件须有 tables: {{表: {{字段: 值}}}}（按项目填报的表写在 projects: 下）")
    for n, project in enumerate(data.get("projects", []), start=1):
        if not isinstance(project, dict) or not project.get("name") or not isinstance(project.get("tables", {}), dict):
            raise UsageError(f"{path.name}：projects 第 {n} 项须有 name（项目名称）和 tables: {{表: {{字段: 值}}}}")
    data.setdefault("tables", {})
    data["amount_unit"] = check_unit(data.get("amount_unit"), path.name)
    return data


def given_values(data: Mapping[str, Any], plan: WorkbookPlan) -> tuple[dict[str, Any], Balanced | None]:
    """The data's values by field key, amounts in 万元: a file with ``amount_unit: 元`` is converted with 舍位平衡
    (``rounding.py``), whose report comes second."""
    given = flatten(data, plan)
    if data.get("amount_unit") != "元":
        return given, None
    balanced = balance(given, plan)
    return balanced.values, balanced


def project_specs(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The projects of a data file (name, code, dept, budget), in order."""
    return [{k: p.get(k) for k in PROJECT_KEYS} for p in data.get("projects", [])]


def _sections(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``(layout key, fields)`` of every table of the data, project instances as ``table@n``."""
    out = list(data["tables"].items())
    for n, project in enumerate(data.get("projects", []), start=1):
        out.extend((instance_key(tid, n), fields) for tid, fields in (project.get("tables") or {}).items())
    return out


def row_counts(data: Mapping[str, Any]) -> dict[str, int]:
    """Rows each repeat group needs to hold the data's lists."""
    return {f"{tid}.{name}": len(rows) for tid, fields in _sections(data)
            for name, rows in (fields or {}).items() if isinstance(rows, list)}


def flatten(data: Mapping[str, Any], plan: WorkbookPlan) -> dict[str, Any]:
    """Field key → value; unknown tables or fields are refused with their names."""
    out: dict[str, Any] = {}
    for tid, fields in _sections(data):
        if tid not in plan.layouts:
            raise UsageError(f"数据中的表 {tid} 不在该工作簿中（工作簿含：{'、'.join(plan.layouts)}）")
        layout = plan.layouts[tid]
        for name, value in (fields or {}).items():
            if isinstance(value, list):
                block = layout.blocks.get(name)
                if block is None:
                    raise UsageError(f"表 {tid} 没有可变行组 {name}")
                for i, row in enumerate(value):
                    for col, cell in (row or {}).items():
                        key = f"{tid}.{name}[{i}].{col}"
                        if key not in layout.fields:
                            raise UsageError(f"表 {tid} 的可变行组 {name} 没有字段 {col}")
                        out[key] = cell
            else:
                key = f"{tid}.{name}"
                if key not in layout.fields:
                    raise UsageError(f"表 {tid} 没有字段 {name}")
                out[key] = _over_formula(layout.fields[key], value)
    return out


def _over_formula(f: Any, value: Any) -> Any:
    """A figure given as text (``"95.10%"``) for a numeric formula cell, read as the number it shows: written as
    text over the formula it would turn every cell that reads it into ``#VALUE!``."""
    if f.kind != "formula" or not isinstance(value, str) or not TYPES[f.type].numeric:
        return value
    read = coerce(value, f.type)
    if read.value is None:
        raise UsageError(f"{f.table}.{f.name}（{f.sheet}!{f.cell}）是计算单元格，数据“{value}”不是数值：{read.problem or '请填数值'}")
    return read.value


def nest_projects(values: Mapping[str, Any], plan: WorkbookPlan) -> list[dict[str, Any]]:
    """The ``projects:`` section of :func:`flatten`'s inverse: each project's identity and tables."""
    out: dict[str, dict[str, Any]] = {}
    tables = nest(values, plan, projects=True)
    for key, project in plan.projects.items():
        n = key.split("@", 1)[1]
        entry = out.setdefault(n, {"name": project.name, "code": project.code, "dept": project.dept,
                                   "budget": project.budget, "tables": {}})
        entry["tables"][base_table(key)] = tables[key]
    return list(out.values())


def nest(values: Mapping[str, Any], plan: WorkbookPlan, projects: bool = False) -> dict[str, Any]:
    """Inverse of :func:`flatten` over all fields (of the project instances only, with ``projects``, else of the
    other tables); blank trailing rows of repeat groups are left out."""
    tables: dict[str, Any] = {}
    for tid, layout in plan.layouts.items():
        if (tid in plan.projects) != projects:
            continue
        out: dict[str, Any] = {}
        groups: dict[str, list[dict[str, Any]]] = {b: [{} for _ in range(blk.count)]
                                                   for b, blk in layout.blocks.items()}
        for f in layout.fields.values():
            value = values.get(f.key)
            if value.__class__ not in _PLAIN:
                value = _jsonable(value)
            if f.block is None:
                out[f.name] = value
            else:
                groups[f.block][f.index][f.name] = value
        for name, rows in groups.items():
            while rows and all(v in (None, "") for v in rows[-1].values()):
                rows.pop()
            out[name] = rows
        tables[tid] = out
    return tables


#: Value types :func:`_jsonable` leaves as they are, told without a call (most values of a workbook).
_PLAIN = frozenset((float, str, int, bool, type(None)))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    return value
