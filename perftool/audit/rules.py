"""The ``audit:`` rules of the table definitions, compiled once per plan and applied to a workbook's values.

Rule forms (see README, "审核公式"):

* ``left`` / ``op`` / ``right``: two expressions in the definitions' reference language, compared with ``op``
  (``=`` by default, or ``<= >= < >``); ``each_column: [a, b]`` repeats it with ``%s`` replaced, and
  ``each_row: [block, …]`` applies it to every row of those repeat groups.
* ``when``: an expression; the rule applies only where it is true (e.g. once a section has been filled).
* ``kind: hierarchy``: in a block of 科目代码 rows, each 类 (3 digits) equals the sum of its 款 (5 digits) and
  each 款 the sum of its 项 (7 digits), column by column.
* ``kind: by_code``: fields named ``<prefix><code>`` equal the ``column`` of the row with that code in another
  table's block (公开01's 类 lines against 公开03).

Equalities allow for 尾数: a difference within :func:`tolerance` is a warning, beyond it the rule's severity.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..definitions.catalog import catalog, editions, load_table
from ..definitions.layout import field_key
from ..definitions.model import Field, TableLayout
from ..definitions.references import MissingTable, translate
from ..definitions.workbook import WorkbookPlan
from ..engine import CompiledFormula, Engine
from ..errors import DefinitionError
from ..values import is_blank, is_number, show, show_difference
from .cells import tolerance
from .findings import CATALOGUE, ERROR, WARNING, Finding, at

OPERATORS = {"=": lambda a, b, t: abs(a - b) <= t, "<=": lambda a, b, t: a <= b + t,
             ">=": lambda a, b, t: a >= b - t, "<": lambda a, b, t: a < b + t, ">": lambda a, b, t: a > b - t}
NEGATION = {"=": "≠", "<=": ">", ">=": "<", "<": "≥", ">": "≤"}


@dataclass
class Side:
    """One side of a comparison: its formula in A1 form, compiled, and the fields it reads."""

    text: str
    formula: CompiledFormula
    fields: tuple[Field, ...]


@dataclass
class Comparison:
    """One expanded ``left op right`` rule (one column of ``each_column``, one row of ``each_row``)."""

    rule: str
    name: str
    table: str
    severity: str
    op: str
    exact: bool
    left: Side
    right: Side
    when: Side | None = None


@dataclass
class RuleSet:
    """All audit rules of a plan: comparisons compiled, structural rules kept as declared."""

    comparisons: list[Comparison]
    structural: list[tuple[TableLayout, dict[str, Any]]]


_COMPILED: dict[tuple[str, tuple[tuple[str, int], ...]], RuleSet] = {}


def rules_for(plan: WorkbookPlan, engine: Engine) -> RuleSet:
    """The audit rules of ``plan`` compiled (once per definitions and row counts)."""
    signature = (plan.digest, tuple(sorted(plan.counts.items())))
    if signature not in _COMPILED:
        _COMPILED[signature] = _compile(plan, engine)
    return _COMPILED[signature]


def _compile(plan: WorkbookPlan, engine: Engine) -> RuleSet:
    out = RuleSet([], [])
    for layout in plan.layouts.values():
        for rule in layout.table.audit:
            if rule.get("kind") in ("hierarchy", "by_code"):
                if rule.get("kind") != "by_code" or rule["other"].split(".")[0] in plan.layouts:
                    out.structural.append((layout, rule))
                continue
            try:
                out.comparisons.extend(_expand(rule, layout, plan, engine))
            except MissingTable:
                continue  # a cross-table rule whose other table is not in this workbook
    return out


def _expand(rule: dict[str, Any], layout: TableLayout, plan: WorkbookPlan, engine: Engine) -> list[Comparison]:
    op = str(rule.get("op", "="))
    if op not in OPERATORS:
        raise DefinitionError(f"{layout.table.source}：审核公式 {rule.get('id')} 的 op 应为 {' '.join(OPERATORS)}")
    places: list[tuple[str | None, int | None, str]] = []
    for column in rule.get("each_column", [None]):
        rows = [(b, i) for b in rule.get("each_row", []) for i in range(layout.blocks[b].count)] or [(None, None)]
        places.extend((b, i, column) for b, i in rows)
    out = []
    for block, index, column in places:
        left, right, when = (_side(str(rule[k]), column, layout, plan, engine, block, index) if k in rule else None
                             for k in ("left", "right", "when"))
        out.append(Comparison(rule["id"], rule["name"], layout.table.id, rule.get("severity", ERROR), op,
                              "tolerance" in rule and float(rule["tolerance"]) == 0, left, right, when))
    return out


def _side(expr: str, column: str | None, layout: TableLayout, plan: WorkbookPlan, engine: Engine,
          block: str | None, index: int | None) -> Side:
    t = translate(expr.replace("%s", column) if column else expr, layout, plan.layouts, block, index)
    return Side(t.text, CompiledFormula(t.text, layout.sheet, engine.positions), t.fields)


@dataclass(frozen=True)
class RuleText:
    """An audit rule or finding kind as people read it: its Chinese name and a one-line explanation."""

    name: str
    explain: str


def rule_text(key: str) -> RuleText:
    """The name and explanation of an audit rule id from the definitions, or of a catalogued finding code."""
    texts = _rule_texts()
    if key in texts:
        return texts[key]
    kind = CATALOGUE.get(key)
    return RuleText(kind.title, kind.description) if kind else RuleText(key, "")


@lru_cache(maxsize=1)
def _rule_texts() -> dict[str, RuleText]:
    out = {}
    for tid in catalog()["order"]:
        for edition in editions(tid):
            for rule in load_table(tid, edition).audit:
                out.setdefault(rule["id"], RuleText(rule["name"], rule.get("explain", "")))
    return out


def apply_rules(plan: WorkbookPlan, engine: Engine, values: dict[str, Any]) -> list[Finding]:
    """Every rule of the plan applied to ``values`` (the workbook's figures as filed)."""
    rules = rules_for(plan, engine)
    findings = [f for c in rules.comparisons if (f := _compare(c, values))]
    for layout, rule in rules.structural:
        if rule["kind"] == "hierarchy":
            findings.extend(_hierarchy(layout, rule, values))
        else:
            findings.extend(_by_code(layout, rule, plan, values))
    return findings


def _compare(c: Comparison, values: dict[str, Any]) -> Finding | None:
    if c.when is not None and c.when.formula(values) in (False, 0, None, ""):
        return None
    left, right = c.left.formula(values), c.right.formula(values)
    if not (is_number(left) and is_number(right)):
        return None  # a side is blank (nothing filed) or not computable (already reported at its cells)
    fields = c.left.fields + c.right.fields
    filled = sum(1 for f in fields if not is_blank(values.get(f.key)))
    tol = 1e-6 if c.exact else tolerance("amount", filled)
    if OPERATORS[c.op](left, right, 1e-6):
        return None
    where = (c.left.fields or c.right.fields or (None,))[0]
    cells = [f"{f.sheet}!{f.cell}" for f in fields]
    left_name, right_name = _named(c.left), _named(c.right)
    if right_name == left_name:
        left_name, right_name = left_name + "（左式）", right_name + "（右式）"
    values_shown = {left_name: round(left, 6), right_name: round(right, 6), "差额": round(left - right, 6)}
    kind = "amount" if not where else where.type
    text = (f"{c.name}：{left_name} {show(kind, left)} {NEGATION[c.op]} "
            f"{right_name} {show(kind, right)}，相差 {show_difference(kind, left - right)}")
    if OPERATORS[c.op](left, right, tol):
        return at("rounding-difference", where, text + "（在尾数允许范围内）", values_shown, rule=c.rule, cells=cells)
    return at("identity-mismatch", where, text, values_shown, severity=c.severity, rule=c.rule, cells=cells)


def _named(side: Side) -> str:
    """How one side is named in a message and in 现场数据: its label and sheet-qualified cell(s)."""
    if not side.fields:
        return "规定值"
    f = side.fields[0]
    if len(side.fields) == 1:
        return f"{_label(f)}（{f.sheet}!{f.cell}）"
    sheets = list(dict.fromkeys(g.sheet for g in side.fields))
    shown = "、".join(f"{g.sheet}!{g.cell}" if len(sheets) > 1 else g.cell for g in side.fields[:3])
    more = f" 等 {len(side.fields)} 格" if len(side.fields) > 3 else ""
    return f"按 {'' if len(sheets) > 1 else sheets[0] + '!'}{shown}{more} 计算"


def _label(f: Field) -> str:
    """A field's row and column labels (``财政供养人员情况（人）／实有人数``), without padding."""
    return "／".join(x.strip("　 ") for x in (f.row_label, f.col_label) if x.strip("　 ")) or f.name


def _rows(layout: TableLayout, block: str, code: str, values: dict[str, Any]) -> list[tuple[int, str]]:
    tid = layout.table.id
    out = []
    for i in range(layout.blocks[block].count):
        raw = values.get(field_key(tid, code, block, i))
        if not is_blank(raw):
            out.append((i, str(raw).strip()))
    return out


def _hierarchy(layout: TableLayout, rule: dict[str, Any], values: dict[str, Any]) -> list[Finding]:
    tid, block = layout.table.id, rule["block"]
    rows = _rows(layout, block, rule["code"], values)
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for i, code in rows:
        f = layout.fields[field_key(tid, rule["code"], block, i)]
        if not code.isdigit() or len(code) not in (3, 5, 7):
            findings.append(at("code-invalid", f, f"{f.sheet}!{f.cell} 科目代码“{code}”应为 3、5 或 7 位数字",
                               {"科目代码": code}, rule=rule["id"]))
        elif code in seen:
            findings.append(at("code-invalid", f, f"{f.sheet}!{f.cell} 科目代码 {code} 重复出现",
                               {"科目代码": code}, rule=rule["id"]))
        seen.setdefault(code, i)
    for code, i in seen.items():
        if len(code) not in (3, 5):
            continue
        children = [j for c, j in seen.items() if len(c) == len(code) + 2 and c.startswith(code)]
        if not children:
            continue
        level = "类" if len(code) == 3 else "款"
        for column in rule["columns"]:
            parent = layout.fields[field_key(tid, column, block, i)]
            kids = [layout.fields[field_key(tid, column, block, j)] for j in children]
            own, parts = values.get(parent.key), [values.get(k.key) for k in kids]
            if is_blank(own) and all(is_blank(p) for p in parts):
                continue
            own_n = float(own) if is_number(own) else 0.0
            total = sum(float(p) for p in parts if is_number(p))
            diff = own_n - total
            if abs(diff) < 1e-6:
                continue
            sub = "款" if level == "类" else "项"
            text = (f"{level} {code} 的{parent.col_label} {show('amount', own_n)} ≠ 所属{sub}之和 "
                    f"{show('amount', total)}，相差 {show('amount', abs(diff))}")
            cells = [f"{k.sheet}!{k.cell}" for k in kids]
            shown = {f"{level} {code}": own_n, f"所属{sub}之和": round(total, 6), "差额": round(diff, 6)}
            if abs(diff) <= tolerance("amount", len(kids)):
                findings.append(at("rounding-difference", parent, text + "（在尾数允许范围内）", shown,
                                   rule=rule["id"], cells=cells))
            else:
                findings.append(at("hierarchy-mismatch", parent, text, shown, severity=rule.get("severity", ERROR),
                                   rule=rule["id"], cells=cells))
    return findings


def _by_code(layout: TableLayout, rule: dict[str, Any], plan: WorkbookPlan,
             values: dict[str, Any]) -> list[Finding]:
    other_tid, block = rule["other"].split(".")
    other = plan.layouts[other_tid]
    by_code = {code: i for i, code in _rows(other, block, rule["code"], values)}
    prefix = rule["fields"]
    findings = []
    for f in layout.fields.values():
        code = f.name[len(prefix):]
        if f.block is not None or not f.name.startswith(prefix) or not code.isdigit():
            continue
        mine = values.get(f.key)
        i = by_code.get(code)
        theirs_field = other.fields[field_key(other_tid, rule["column"], block, i)] if i is not None else None
        theirs = values.get(theirs_field.key) if theirs_field else None
        a = float(mine) if is_number(mine) else 0.0
        b = float(theirs) if is_number(theirs) else 0.0
        if abs(a - b) < 1e-6:
            continue
        where = f"{other.sheet}!{theirs_field.cell}" if theirs_field else f"{other.sheet}（无 {code} 行）"
        text = (f"{rule['name']}：{f.row_label} {show('amount', a)} ≠ {where} 科目 {code} "
                f"{show('amount', b)}，相差 {show('amount', abs(a - b))}")
        shown = {f"{_label(f)}（{f.sheet}!{f.cell}）": a, f"{where} 科目 {code}": b, "差额": round(a - b, 6)}
        code_kind, severity = ("rounding-difference", WARNING) if abs(a - b) <= tolerance("amount", 2) else \
            ("identity-mismatch", rule.get("severity", ERROR))
        findings.append(at(code_kind, f, text, shown, severity=severity, rule=rule["id"],
                           cells=[where] if theirs_field else []))
    return findings
