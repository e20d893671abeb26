"""A bureau's list of projects (CSV: 单位名称, 单位编码, 项目名称, 项目编码, 主管部门, 预算数) → projects by unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .units import read_csv_rows

COLUMNS = {"unit": "单位名称", "unit_code": "单位编码", "name": "项目名称", "code": "项目编码", "dept": "主管部门",
           "budget": "预算数"}
REQUIRED = ("unit", "name")


@dataclass
class UnitProjects:
    """One unit and its projects in list order (dicts with name, code, dept, budget)."""

    unit: str
    unit_code: str
    projects: list[dict[str, Any]] = field(default_factory=list)


def read_projects(path: Path) -> list[UnitProjects]:
    """The units of the list with their projects, in order of first appearance."""
    rows = read_csv_rows(path, "项目")
    header = {h.strip(): h for h in rows[0] if h}
    missing = [COLUMNS[k] for k in REQUIRED if COLUMNS[k] not in header]
    if missing:
        raise UsageError(f"{path}：第 1 行缺少列名 {'、'.join(missing)}（应有：{'、'.join(COLUMNS.values())}）")
    units: dict[tuple[str, str], UnitProjects] = {}
    for line, row in enumerate(rows, start=2):
        cell = {k: (row.get(header[c]) or "").strip() if c in header else "" for k, c in COLUMNS.items()}
        if not cell["unit"] or not cell["name"]:
            raise UsageError(f"{path} 第 {line} 行：单位名称和项目名称不能为空")
        budget: float | None = None
        if cell["budget"]:
            try:
                budget = float(cell["budget"].replace(",", ""))
            except ValueError:
                raise UsageError(f"{path} 第 {line} 行：预算数“{cell['budget']}”不是数字（万元）") from None
        unit = units.setdefault((cell["unit_code"], cell["unit"]), UnitProjects(cell["unit"], cell["unit_code"]))
        if cell["code"] and any(p["code"] == cell["code"] for p in unit.projects):
            raise UsageError(f"{path} 第 {line} 行：{cell['unit']} 的项目编码 {cell['code']} 重复")
        unit.projects.append({"name": cell["name"], "code": cell["code"], "dept": cell["dept"], "budget": budget})
    return list(units.values())
