"""汇总: the accepted submissions of one year and table set added up into a workbook of the same tables.

Figures are added as filed, as 决算 software does: fixed rows cell by cell, repeat rows with a 科目代码 merged by
code (and sorted by it, which keeps 类 → 款 → 项 order), other repeat rows merged by their first text column
(附件1 专项资金 by name). A total is the sum of the units' printed totals: where that differs from what the
template's formula gives from the added parts (a unit's 尾数), it is written over the formula, as the unit did.
Ratios and other non-additive formulas are recomputed by the template's formulas, never added. Tables a unit
scores itself on (an input of type score: 附件2, 评分表) are not added up.

A unit whose figures came in 元 joins as a data file (``consolidate --data``, :func:`data_member`): it is converted
to 万元 by 舍位平衡 first, as its own workbook would be filled, and then added like any submission — so the 汇总 is
the sum of the figures each unit publishes, its 单位明细 adds up to it, and, sums of balanced members being
balanced, every identity of the 汇总 is exact. (Adding the 元 figures first and converting the 汇总 once would
give totals that no unit's published figures add up to.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..data import flatten, given_values, nest, row_counts
from ..definitions.model import Field, TableLayout
from ..definitions.workbook import WorkbookPlan, plan_workbook
from ..engine import engine_for
from ..errors import UsageError
from ..rounding import Balanced

ADDED = ("amount", "count", "number")  # input types added up (and amount formulas); other inputs kept when equal
EXACT = 1e-6


@dataclass
class Member:
    """One submission (or one lower node of the unit tree) taking part in a 汇总, in data-file form."""

    unit: str
    unit_code: str
    tables: dict[str, Any]
    members: list[str] = field(default_factory=list)  # for a node: the units it adds up

    @property
    def label(self) -> str:
        return f"{self.unit}（{self.unit_code}）" if self.unit_code else self.unit


@dataclass
class Consolidation:
    """The added-up workbook: plan, what to write into it, and each member's figure of every amount line."""

    plan: WorkbookPlan
    inputs: dict[str, Any]               # added inputs, and added totals that differ from their formula
    members: list[Member]
    contributions: dict[str, list[Any]]  # field key → each member's figure (fixed amount lines)
    values: dict[str, Any]               # the 汇总's figure of every field
    data: dict[str, Any]                 # every added figure in data-file form (feeds the next level up)

    def as_member(self) -> Member:
        """This 汇总 as one part of the next level up (节点汇总)."""
        units = [u for m in self.members for u in (m.members or [m.label])]
        return Member(self.plan.unit, self.plan.unit_code, self.data["tables"], units)


def data_member(data: Mapping[str, Any], year: int, tables: list[str], name: str) -> tuple[Member, Balanced | None]:
    """A unit's data file (``name``) as a member of a 汇总 of ``tables`` for ``year``, its amounts in 万元: given in
    元 (``amount_unit: 元``) they are converted by 舍位平衡, whose report comes second."""
    meta = data.get("workbook") or {}
    if meta.get("year") not in (None, year):
        raise UsageError(f"{name}：数据文件为 {meta['year']} 年度，本次汇总的是 {year} 年度")
    chosen = [t for t in tables if t in data["tables"]]
    if not chosen:
        raise UsageError(f"{name}：数据文件中没有本次汇总的表（{'、'.join(tables)}）")
    unit, code = str(meta.get("unit") or name.rsplit(".", 1)[0]), str(meta.get("unit_code") or "")
    subset = {**data, "tables": {t: data["tables"][t] for t in chosen}}
    plan = plan_workbook(year, unit, code, chosen, row_counts(subset))
    values, balanced = given_values(subset, plan)
    return Member(unit, code, nest(values, plan)), balanced


def summable_tables(plan: WorkbookPlan) -> list[str]:
    """The plan's tables whose figures can be added up (no self-scored inputs)."""
    return [t for t, lay in plan.layouts.items()
            if not any(f.kind == "input" and f.type == "score" for f in lay.fields.values())]


def consolidate(year: int, tables: list[str], set_name: str, members: list[Member], unit: str, unit_code: str = ""
                ) -> Consolidation:
    """Add ``members`` up into one workbook of ``tables`` (those that can be added) for ``year``."""
    if not members:
        raise UsageError("没有可汇总的报送：汇总只包括已评分且没有错误的工作簿")
    chosen = summable_tables(plan_workbook(year, tables=tables))
    if not chosen:
        raise UsageError(f"表 {'、'.join(tables)} 都是评分表，没有可汇总的金额")
    filed = [_as_filed(year, chosen, set_name, m) for m in members]
    probe = plan_workbook(year, tables=chosen)
    data = {"tables": {tid: _add_table(probe.layouts[tid], [nest(v, p).get(tid) or {} for p, v in filed])
                       for tid in chosen}}
    counts = {k: max(n, 1) for k, n in row_counts(data).items()}
    plan = plan_workbook(year, unit, unit_code, chosen, counts, set_name=set_name or None)
    plan.members = tuple(u for m in members for u in (m.members or [m.label]))
    added = flatten(data, plan)
    inputs = {**plan.default_inputs(), **{k: v for k, v in added.items() if plan.field(k).kind == "input"}}
    values, overrides = _recompute(plan, inputs, added)
    contributions = {f.key: [v.get(f.key) for _, v in filed] for f in plan.fields()
                     if f.block is None and f.type in ADDED and _number(values.get(f.key))}
    return Consolidation(plan, {**inputs, **overrides}, members, contributions, values, data)


def consolidate_tree(year: int, tables: list[str], set_name: str, members: list[Member],
                     parents: Mapping[str, str], names: Mapping[str, str], top: str
                     ) -> tuple[Consolidation, list[Consolidation]]:
    """节点汇总: every unit with lower units adds up its own submission (本级, if any) and its lower units' 汇总,
    level by level; the top adds up the highest levels. ``parents`` maps a unit code to its 上级单位 code,
    ``names`` a code to its name. Returns the top 汇总 and each node's, lowest levels first."""
    own = {m.unit_code: m for m in members}
    children: dict[str, list[str]] = {}
    for code, parent in parents.items():
        if parent and parent != code:
            children.setdefault(parent, []).append(code)
    nodes: list[Consolidation] = []

    def result(code: str, path: tuple[str, ...]) -> Member | None:
        if code in path:
            raise UsageError(f"单位清单的上级单位编码有循环：{' → '.join((*path, code))}")
        parts = ([own[code]] if code in own else []) + \
            [m for c in sorted(children.get(code, [])) if (m := result(c, (*path, code))) is not None]
        if code not in children or not parts:
            return own.get(code)
        node = consolidate(year, tables, set_name, parts, names.get(code, code), code)
        nodes.append(node)
        return node.as_member()

    known = {*own, *parents, *children}  # a 上级单位 needs no row of its own in the roster
    roots = sorted(c for c in known if not parents.get(c) or parents[c] == c)
    tops = [m for c in roots if (m := result(c, ())) is not None]
    return consolidate(year, tables, set_name, tops, top), nodes


def _as_filed(year: int, tables: list[str], set_name: str, m: Member) -> tuple[WorkbookPlan, dict[str, Any]]:
    """A member's plan and every figure as filed (its entries, formulas computed from them as its workbook does)."""
    data = {"tables": {t: v for t, v in m.tables.items() if t in tables}}
    plan = plan_workbook(year, m.unit, m.unit_code, tables, row_counts(data), set_name=set_name or None)
    given = {k: v for k, v in flatten(data, plan).items() if v is not None}
    return plan, engine_for(plan).compute(given)


def _recompute(plan: WorkbookPlan, inputs: Mapping[str, Any], added: Mapping[str, Any]
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Formulas evaluated in order; an added total that differs from its formula's result is kept over it."""
    engine = engine_for(plan)
    values, overrides = dict(inputs), {}
    for key in engine.order:
        result = engine.compiled[key](values)
        total = added.get(key)
        if _number(total) and not (_number(result) and abs(result - total) <= EXACT):
            values[key] = overrides[key] = total
        else:
            values[key] = result
    return values, overrides


def _add_table(layout: TableLayout, parts: list[Mapping[str, Any]]) -> dict[str, Any]:
    """One table's figures added over ``parts`` (each in data-file form, formulas included)."""
    fixed = [f for f in layout.fields.values() if f.block is None]
    out: dict[str, Any] = {f.name: _combine([p.get(f.name) for p in parts], f) for f in fixed}
    for name in layout.blocks:
        kinds = [f for f in layout.fields.values() if f.block == name and f.index == 0]
        rows = [row for p in parts for row in (p.get(name) or []) if any(row.get(f.name) not in (None, "")
                                                                         for f in kinds if f.kind == "input")]
        out[name] = _add_rows(kinds, rows)
    return {k: v for k, v in out.items() if v not in (None, [])}


def _add_rows(kinds: list[Field], rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows merged by 科目代码 (sorted by it), else by their first text column, else kept one by one."""
    key = next((f.name for f in kinds if f.kind == "input" and f.type == "code"), None)
    by_code = key is not None
    key = key or next((f.name for f in kinds if f.kind == "input" and f.type == "text"), None)
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    for i, row in enumerate(rows):
        value = str(row.get(key) or "").strip() if key else ""
        groups.setdefault(value or ("", i), []).append(row)
    order = sorted(groups, key=lambda k: (isinstance(k, tuple), str(k))) if by_code else list(groups)
    return [{f.name: _combine([r.get(f.name) for r in groups[k]], f) for f in kinds} for k in order]


def _combine(values: list[Any], f: Field) -> Any:
    """Added for amounts and counts; for other inputs the common value, blank when they differ; other formulas
    are left to the template."""
    present = [v for v in values if v not in (None, "")]
    if f.type in ADDED and (f.kind == "input" or f.type == "amount"):  # a count formula (LEN of a code) is not
        numbers = [v for v in present if _number(v)]
        if not numbers:
            return None
        total = sum(numbers)
        return round(total, 2) if f.type == "amount" else total
    if f.kind == "formula":
        return None
    return present[0] if len({str(v) for v in present}) == 1 else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
