"""Presence: the tables a workbook's set requires are there and filled (or carry their 说明 note), and the
audit rules that could not run because a table they need is absent are named, once per table.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..definitions.catalog import edition_for, load_table, table_set
from ..definitions.types import TYPES
from ..definitions.workbook import WorkbookPlan
from ..values import is_blank
from .findings import Finding, at, on
from .rules import RuleSet

NOTE = "empty_note"  # the 说明 field of a table that may be returned empty


def check_presence(plan: WorkbookPlan, values: dict[str, Any], rules: RuleSet) -> list[Finding]:
    """``table-missing`` / ``table-empty`` for the set's required tables; ``rules-not-applied`` for the other absent
    tables of the set (of any table, for a workbook issued without a set): a rule reaching outside its set — the
    自评报告's checks against 公开03 where the 决算 is filed apart — is a link used when present, not a gap."""
    required = _required(plan.table_set, plan.year)
    out: list[Finding] = []
    for tid in required:
        if tid not in plan.layouts:
            own = [r["id"] for r in load_table(tid, edition_for(tid, plan.year)).audit]
            skipped = [*rules.skipped.get(tid, []), *own]
            also = f"；需要该表的 {len(skipped)} 条审核公式未执行（{'、'.join(skipped)}）" if skipped else ""
            out.append(on("table-missing", tid, None, None,
                          f"缺少必报表 {_name(tid, plan.year)}{also}。请使用下发的完整表样填报", {"表": tid}))
        elif (found := _empty(plan, tid, values)) is not None:
            out.append(found)
    scope = set(table_set(plan.table_set).tables) if plan.table_set else None  # a set's optional links stay quiet
    for tid, skipped in rules.skipped.items():
        if tid not in required and (scope is None or tid in scope):
            out.append(on("rules-not-applied", tid, None, None,
                          f"{_name(tid, plan.year)} 不在本工作簿中，{len(skipped)} 条审核公式未执行（{'、'.join(skipped)}）",
                          {"表": tid, "审核公式": len(skipped)}))
    return out


@lru_cache(maxsize=64)
def _required(set_name: str | None, year: int) -> tuple[str, ...]:
    """The required tables of the set ``set_name`` that have an edition for ``year`` (none without a set), once
    per process (finding the editions lists the templates' folders)."""
    if not set_name:
        return ()
    return tuple(t for t in table_set(set_name).required if edition_for(t, year) is not None)


def _name(tid: str, year: int) -> str:
    """``公开03表 支出决算表`` or, for an edition without 表号, ``表三 支出决算表``."""
    edition = edition_for(tid, year)
    if edition is None:
        return tid
    table = load_table(tid, edition)
    return f"{table.number or table.sheet} {table.title.replace('{year}', str(year)).strip()}"


def _empty(plan: WorkbookPlan, tid: str, values: dict[str, Any]) -> Finding | None:
    """A finding when no figure of table ``tid`` is filled and its 说明 note (if it has one) is blank."""
    layout = plan.layouts[tid]
    figures = [f for f in layout.fields.values() if f.kind == "input" and TYPES[f.type].numeric]
    if any(not is_blank(values.get(f.key)) for f in figures):
        return None
    note = layout.fields.get(f"{tid}.{NOTE}")
    if note is not None and not is_blank(values.get(note.key)):
        return None
    name = _name(tid, plan.year)
    if note is None:
        return on("table-empty", tid, layout.sheet, figures[0].cell if figures else None,
                  f"必报表 {name} 未填写任何数据，请填报", {"表": tid})
    return at("table-empty", note, f"必报表 {name} 未填写任何数据，也没有说明；本单位无此类收支的，请在"
              f"{note.sheet}!{note.cell}“说明”栏写明“本单位本年度没有……，故本表无数据”", {"表": tid})
