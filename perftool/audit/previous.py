"""上年数: figures a unit must carry over from what it reported the year before.

Each table's YAML lists them under ``previous:`` (this year's field: last year's field), e.g. 附件1's 上年决算数
and 公开01/04's 年初结转和结余. Last year's figures come from last year's batch output (its JSON results) or,
failing that, from last year's submitted workbooks. They are checked (``batch --previous``) and pre-filled
(``generate --previous``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..definitions.catalog import catalog, editions, load_table
from ..definitions.model import Field
from ..definitions.workbook import WorkbookPlan
from ..values import is_blank, is_number, show, show_difference
from .findings import Finding, at, describe
from .submitted import assessed_workbooks, result_files

#: Amounts in 万元 agree when within half a unit of the last decimal.
TOLERANCE = 0.005


@dataclass(frozen=True)
class Reported:
    """What one unit reported for one year: the carried-over fields only (field key → value)."""

    unit: str
    unit_code: str
    year: int
    source: str
    values: dict[str, Any]


def unit_key(unit: str, unit_code: str) -> str:
    """Units are matched by code, or by name when they have none."""
    return f"code:{unit_code}" if unit_code else f"name:{unit}"


def carried_fields() -> set[str]:
    """Every field key some table's ``previous:`` reads from last year (any edition)."""
    keys: set[str] = set()
    for tid in catalog()["order"]:
        for edition in editions(tid):
            table = load_table(tid, edition)
            keys.update(f"{tid}.{source}" for source in table.previous.values())
    return keys


def pairs(plan: WorkbookPlan) -> list[tuple[Field, str]]:
    """(this year's field, last year's field key) for every carried-over figure of ``plan``."""
    out = []
    for tid, layout in plan.layouts.items():
        for this, source in layout.table.previous.items():
            out.append((layout.fields[f"{tid}.{this}"], f"{tid}.{source}"))
    return out


def load_reported(folder: Path, assess_file: Callable[[Path], Any] | None = None
                  ) -> dict[tuple[str, int], Reported]:
    """Last year's figures by (unit key, year), from the batch output's ``*.json`` results under ``folder``.

    Without any such result, the workbooks under ``folder`` are read with ``assess_file(path)`` instead;
    files that cannot be read are skipped (they were reported in their own year).
    """
    wanted = carried_fields()
    found: dict[tuple[str, int], Reported] = {}
    for path in result_files(folder):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(doc, dict) or doc.get("format") != "perftool-score/1" or not isinstance(doc.get("data"), dict):
            continue
        values = {f"{tid}.{name}": value for tid, table in doc["data"].get("tables", {}).items()
                  for name, value in (table or {}).items() if f"{tid}.{name}" in wanted}
        _add(found, Reported(str(doc.get("unit") or ""), str(doc.get("unit_code") or ""), int(doc["year"]),
                             path.name, values))
    if found or assess_file is None:
        return found
    for path, a in assessed_workbooks(folder, assess_file):
        values = {k: v for k, v in a.as_filed.items() if k in wanted}
        _add(found, Reported(a.plan.unit, a.plan.unit_code, a.plan.year, path.name, values))
    return found


def _add(found: dict[tuple[str, int], Reported], r: Reported) -> None:
    found.setdefault((unit_key(r.unit, r.unit_code), r.year), r)


def last_year(reported: Mapping[tuple[str, int], Reported], plan: WorkbookPlan) -> Reported | None:
    return reported.get((unit_key(plan.unit, plan.unit_code), plan.year - 1))


def check_previous(plan: WorkbookPlan, as_filed: Mapping[str, Any], before: Reported) -> list[Finding]:
    """A finding for every carried-over figure that differs from what the unit reported the year before."""
    findings = []
    for f, source in pairs(plan):
        then = before.values.get(source)
        if not is_number(then):
            continue
        now = as_filed.get(f.key)
        if is_number(now) and abs(float(now) - float(then)) <= TOLERANCE:
            continue
        told = f"本单位 {before.year} 年度报送的 {show(f.type, then)}（{before.source}）"
        message = (f"{describe(f)} 未填；{told}，请照填" if is_blank(now) else
                   f"{describe(f)} 填报 {show(f.type, now)}，与{told}不一致，相差 "
                   f"{show_difference(f.type, float(now) - float(then))}")
        findings.append(at("previous-mismatch", f, message, {"填报值": now, "上年报送值": then},
                           cells=[f"{before.year}年度 {source}"]))
    return findings


def prefill(plan: WorkbookPlan, before: Reported) -> dict[str, Any]:
    """This year's carried-over inputs, filled from what the unit reported the year before."""
    return {f.key: before.values[source] for f, source in pairs(plan) if is_number(before.values.get(source))}
