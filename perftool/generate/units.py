"""A bureau's list of units (CSV) → one generated workbook per unit, rendered on every core."""

from __future__ import annotations

import csv
import multiprocessing
import os
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..definitions.workbook import plan_workbook
from ..errors import PerftoolError, UsageError
from ..output import remove_partials
from .render import render

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


@dataclass(frozen=True)
class Order:
    """One unit's workbook: what its plan is laid out from, its inputs and its file. The plan itself is laid out
    again where it is rendered (cheap: layouts are cached per process), so that no plan crosses a pipe."""

    year: int
    unit: str
    unit_code: str
    path: Path
    inputs: dict[str, Any]
    tables: list[str] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    rules: str | None = None
    set_name: str | None = None


def render_order(order: Order) -> str | None:
    """Write ``order``'s workbook (atomically); the reason in Chinese when it cannot be written, else None."""
    try:
        plan = plan_workbook(order.year, order.unit, order.unit_code, order.tables, order.counts, order.rules,
                             order.set_name)
        render(plan, order.inputs, order.path)
    except PerftoolError as exc:
        return str(exc)
    return None


def render_orders(orders: list[Order], jobs: int | None = None) -> Iterator[tuple[Order, str | None]]:
    """Each order rendered, with its failure (or None), in the orders' order, on ``jobs`` processes (default:
    one per core; a single one, or a handful of units, in this process)."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(orders)))
    if jobs == 1 or len(orders) < 4:
        for order in orders:
            yield order, render_order(order)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    try:
        with context.Pool(jobs, initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN)) as pool:
            chunk = max(1, min(8, len(orders) // (4 * jobs)))  # few round trips, yet both cores busy to the end
            yield from zip(orders, pool.imap(render_order, orders, chunk))
    except BaseException:  # interrupted: the workers were stopped mid-write, their temporary files go too
        for folder in {order.path.parent for order in orders}:
            remove_partials(folder)
        raise
