"""A bureau's list of units (CSV) → one generated workbook per unit."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

COLUMNS = {"unit": ("单位名称", "unit", "name"), "code": ("单位编码", "unit_code", "code"),
           "quota": ("编制数", "quota", "staff_quota"), "parent": ("上级单位编码", "parent_code", "parent")}


@dataclass(frozen=True)
class Unit:
    name: str
    code: str
    quota: int | None
    parent: str = ""  # 上级单位编码: the unit tree a 汇总 follows (节点汇总)


def read_csv_rows(path: Path, what: str) -> list[dict[str, str]]:
    """The rows of a CSV list (UTF-8 with or without BOM, or GBK as Excel saves it); ``what`` names its rows."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UsageError(f"{path}：无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise UsageError(f"{path}：没有{what}数据")
    return rows


def read_units(path: Path) -> list[Unit]:
    """Read ``单位名称, 单位编码[, 编制数][, 上级单位编码]`` rows; a 单位编码 given twice is refused."""
    rows = read_csv_rows(path, "单位")
    header = {h.strip(): h for h in rows[0]}

    def column(kind: str) -> str | None:
        return next((header[n] for n in COLUMNS[kind] if n in header), None)

    name_col, code_col, quota_col, parent_col = column("unit"), column("code"), column("quota"), column("parent")
    if name_col is None or code_col is None:
        raise UsageError(f"{path}：第 1 行须有列名“单位名称”和“单位编码”，实际为：{'、'.join(header)}")
    units: list[Unit] = []
    lines: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        name, code = (row.get(name_col) or "").strip(), (row.get(code_col) or "").strip()
        if not name:
            raise UsageError(f"{path} 第 {line} 行：单位名称为空")
        quota_text = (row.get(quota_col) or "").strip() if quota_col else ""
        if quota_text and not quota_text.isdigit():
            raise UsageError(f"{path} 第 {line} 行：编制数“{quota_text}”不是整数")
        if code and code in lines:
            raise UsageError(f"{path} 第 {line} 行：单位编码 {code} 与第 {lines[code]} 行重复，请核对后只保留一行")
        lines[code] = line
        parent = (row.get(parent_col) or "").strip() if parent_col else ""
        units.append(Unit(name, code, int(quota_text) if quota_text else None, parent))
    return units


def safe_filename(*parts: str) -> str:
    """A file name from unit code, name and year that cannot leave its folder or upset Windows."""
    text = "_".join(p for p in parts if p)
    text = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", text).strip(" .")
    return (text or "unnamed")[:120]
