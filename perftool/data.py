"""Data files (YAML/JSON) ↔ field values: ``{table: {field: value, group: [{field: value}, …]}}``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .definitions.workbook import WorkbookPlan
from .errors import UsageError

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
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
        raise UsageError(f"{path.name}：数据文件须有 tables: {{表: {{字段: 值}}}}")
    return data


def row_counts(data: Mapping[str, Any]) -> dict[str, int]:
    """Rows each repeat group needs to hold the data's lists."""
    return {f"{tid}.{name}": len(rows) for tid, fields in data["tables"].items()
            for name, rows in (fields or {}).items() if isinstance(rows, list)}


def flatten(data: Mapping[str, Any], plan: WorkbookPlan) -> dict[str, Any]:
    """Field key → value; unknown tables or fields are refused with their names."""
    out: dict[str, Any] = {}
    for tid, fields in data["tables"].items():
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
                out[key] = value
    return out


def nest(values: Mapping[str, Any], plan: WorkbookPlan) -> dict[str, Any]:
    """Inverse of :func:`flatten` over all fields; blank trailing rows of repeat groups are left out."""
    tables: dict[str, Any] = {}
    for tid, layout in plan.layouts.items():
        out: dict[str, Any] = {}
        groups: dict[str, list[dict[str, Any]]] = {b: [{} for _ in range(blk.count)]
                                                   for b, blk in layout.blocks.items()}
        for f in layout.fields.values():
            value = _jsonable(values.get(f.key))
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    return value
