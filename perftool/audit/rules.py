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
* ``kind: grade``: the text ``field`` (a written 评价等次 such as “优 秀”) names the grade that the ``score``
  expression falls in, by the ``grades`` of the rule set (the workbook's 评分表 rule set, else ``rules``).
* ``kind: by_line``: fields named ``<prefix><code>`` equal the field of the same name in another table, line by
  line (预算01-1's 功能分类 lines against 预算01's), optionally ``when`` an expression holds. A difference is
  reported at the line that carries the amount, so an amount put on the wrong line is reported at both lines.

Rule options: ``blank_parent: true`` reports a blank one-cell side facing filled figures (``parent-blank``)
instead of skipping the rule; ``op: "!="`` with ``right: "0"`` flags an all-zero total; ``kind: by_code`` takes
``suffix`` (``exp_201_gp``), or ``block``/``levels`` (this table's 类 rows), ``other_column`` and ``op``.

Equalities allow for 尾数 (:func:`tolerance`): up to 0.01 is ``rounding-difference``, above 0.01 but within the
rounding bound of the figures involved ``rounding-large`` (both warnings); beyond, the rule's severity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from ..definitions.catalog import catalog, editions, load_table
from ..definitions.layout import field_key
from ..definitions.model import Field, TableLayout, subject_children
from ..definitions.references import MissingTable, translate
from ..definitions.scoresheet import load_ruleset
from ..definitions.workbook import WorkbookPlan
from ..engine import CompiledFormula, Engine
from ..errors import DefinitionError
from ..values import is_blank, is_number, show, show_difference
from .cells import figures_per_figure, rounding_code, tolerance
from .findings import CATALOGUE, ERROR, WARNING, Finding, at, describe

OPERATORS = {"=": lambda a, b, t: abs(a - b) <= t, "<=": lambda a, b, t: a <= b + t,
             ">=": lambda a, b, t: a >= b - t, "<": lambda a, b, t: a < b + t, ">": lambda a, b, t: a > b - t,
             "!=": lambda a, b, t: abs(a - b) > t}
NEGATION = {"=": "≠", "<=": ">", ">=": "<", "<": "≥", ">": "≤", "!=": "="}


@dataclass
class Side:
    """One side of a comparison: its formula in A1 form, compiled, and the fields it reads."""

    text: str
    formula: CompiledFormula
    fields: tuple[Field, ...]

    @cached_property
    def named(self) -> str:
        """:func:`_named` of this side, made once (rules are compiled once per plan shape)."""
        return _named(self)


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
    blank_parent: bool = False  # a blank single-cell side facing filled figures is reported, not skipped


@dataclass
class GradeCheck:
    """One ``kind: grade`` rule: a written grade against the band its score falls in."""

    rule: str
    name: str
    table: str
    severity: str
    target: Field  # the written grade
    score: Side
    when: Side | None
    rules: str
    bands: list[tuple[float, str]]  # (lowest score, grade), highest band first


@dataclass
class RuleSet:
    """All audit rules of a plan: comparisons compiled, structural rules kept as declared."""

    comparisons: list[Comparison]
    structural: list[tuple[TableLayout, dict[str, Any]]]
    grades: list[GradeCheck] = field(default_factory=list)
    conditions: dict[tuple[str, str], Side] = field(default_factory=dict)  # ``when`` of structural rules
    skipped: dict[str, list[str]] = field(default_factory=dict)  # absent table → ids of the rules that need it


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
            if rule.get("kind") in ("hierarchy", "by_code", "by_line"):
                other = rule["other"].split(".")[0] if rule.get("kind") != "hierarchy" else layout.table.id
                if other in plan.layouts:
                    out.structural.append((layout, rule))
                    if "when" in rule:
                        out.conditions[(layout.table.id, rule["id"])] = _side(str(rule["when"]), None, layout, plan,
                                                                              engine, None, None)
                elif not rule.get("optional"):
                    out.skipped.setdefault(other, []).append(rule["id"])
                continue
            try:
                if rule.get("kind") == "grade":
                    out.grades.append(_grade(rule, layout, plan, engine))
                else:
                    out.comparisons.extend(_expand(rule, layout, plan, engine))
            except MissingTable as missing:  # reported once per absent table (audit/presence.py), unless optional
                if not rule.get("optional"):
                    out.skipped.setdefault(missing.table, []).append(rule["id"])
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
                              "tolerance" in rule and float(rule["tolerance"]) == 0, left, right, when,
                              bool(rule.get("blank_parent"))))
    return out


def _grade(rule: dict[str, Any], layout: TableLayout, plan: WorkbookPlan, engine: Engine) -> GradeCheck:
    tid = layout.table.id
    target = layout.fields.get(field_key(tid, str(rule.get("field"))))
    if target is None:
        raise DefinitionError(f"{layout.table.source}：审核公式 {rule.get('id')} 的 field 找不到字段 {rule.get('field')}")
    rules = plan.rules or rule.get("rules")
    if not rules:
        raise DefinitionError(f"{layout.table.source}：审核公式 {rule.get('id')} 须以 rules 指明等次所依据的评分规则集")
    bands = sorted(((float(low), str(name)) for low, name in load_ruleset(rules)[0]["grades"]), reverse=True)
    score = _side(str(rule["score"]), None, layout, plan, engine, None, None)
    when = _side(str(rule["when"]), None, layout, plan, engine, None, None) if "when" in rule else None
    return GradeCheck(rule["id"], rule["name"], tid, rule.get("severity", ERROR), target, score, when, str(rules),
                      bands)


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
    scale = figures_per_figure(plan)
    findings = [f for c in rules.comparisons if (f := _compare(c, values, scale))]
    findings.extend(f for g in rules.grades if (f := _check_grade(g, values)))
    for layout, rule in rules.structural:
        when = rules.conditions.get((layout.table.id, rule["id"]))
        if when is not None and when.formula(values) in (False, 0, None, ""):
            continue
        if rule["kind"] == "hierarchy":
            findings.extend(_hierarchy(layout, rule, values, scale))
        elif rule["kind"] == "by_line":
            findings.extend(_by_line(layout, rule, plan, values, scale))
        else:
            findings.extend(_by_code(layout, rule, plan, values, scale))
    return findings


def _compare(c: Comparison, values: dict[str, Any], scale: int = 1) -> Finding | None:
    if c.when is not None and c.when.formula(values) in (False, 0, None, ""):
        return None
    left, right = c.left.formula(values), c.right.formula(values)
    if c.blank_parent and (found := _blank_parent(c, left, right)):
        return found
    if not (is_number(left) and is_number(right)):
        return None  # a side is blank (nothing filed) or not computable (already reported at its cells)
    if OPERATORS[c.op](left, right, 1e-6):
        return None
    fields = c.left.fields + c.right.fields
    filled = sum(1 for f in fields if not is_blank(values.get(f.key)))
    tol = 1e-6 if c.exact else tolerance("amount", filled * scale)
    where = (c.left.fields or c.right.fields or (None,))[0]
    cells = [f"{f.sheet}!{f.cell}" for f in fields]
    left_name, right_name = c.left.named, c.right.named
    if right_name == left_name:
        left_name, right_name = left_name + "（左式）", right_name + "（右式）"
    values_shown = {left_name: round(left, 6), right_name: round(right, 6), "差额": round(left - right, 6)}
    kind = "amount" if not where else where.type
    text = (f"{c.name}：{left_name} {show(kind, left)} {NEGATION[c.op]} "
            f"{right_name} {show(kind, right)}")
    if c.op != "!=":
        text += f"，相差 {show_difference(kind, left - right)}"
    if OPERATORS[c.op](left, right, tol):
        return at(rounding_code(kind, left - right), where, text + _within(kind, left - right, filled), values_shown,
                  rule=c.rule, cells=cells)
    return at("identity-mismatch", where, text, values_shown, severity=c.severity, rule=c.rule, cells=cells)


def _check_grade(g: GradeCheck, values: dict[str, Any]) -> Finding | None:
    written = values.get(g.target.key)
    if is_blank(written) or g.when is not None and g.when.formula(values) in (False, 0, None, ""):
        return None
    score = g.score.formula(values)
    if not is_number(score):
        return None
    low, expected = next((b for b in g.bands if score >= b[0] - 1e-9), g.bands[-1])
    text = "".join(str(written).split())  # “优 秀” as printed is 优秀
    named = [name for _, name in g.bands if name in text]
    if named == [expected]:
        return None
    said = f"填报“{written}”" + ("" if named else f"，不是评分标准的等次（{'、'.join(n for _, n in g.bands)}）")
    text = (f"{g.name}：{g.target.cell}（{g.target.row_label or g.target.col_label}）{said}；"
            f"{_score_name(g.score)} {show('score', score)} 按评分规则 {g.rules} 应为“{expected}”"
            f"（{show('score', low)} 分及以上）")
    cells = [f"{f.sheet}!{f.cell}" for f in (g.target, *g.score.fields)]
    return at("identity-mismatch", g.target, text, {"填报": str(written), "应为": expected, "得分": round(score, 2)},
              severity=g.severity, rule=g.rule, cells=cells)


def _score_name(side: Side) -> str:
    """The score a grade is checked against: one cell by its row's caption (a form's block captions above it
    would mislead), else as :func:`_named` gives it."""
    if len(side.fields) != 1:
        return _named(side)
    f = side.fields[0]
    return f"{f.sheet}!{f.cell}（{(f.row_label or f.col_label).strip('　 ')}）"


def _within(kind: str, difference: float, figures: int) -> str:
    """The note on a difference within the 尾数 allowance: plain, or larger than 0.01 yet possible."""
    if rounding_code(kind, difference) == "rounding-difference":
        return "（在尾数允许范围内）"
    return f"（超过一般尾数 0.01，但未超过 {figures} 个数的舍入误差上限，请核实）"


def _blank_parent(c: Comparison, left: Any, right: Any) -> Finding | None:
    """A one-cell side left blank while the other side's figures are filled (公用经费 blank, 办公费 filled)."""
    for blank, value, other, theirs in ((c.left, left, c.right, right), (c.right, right, c.left, left)):
        if len(blank.fields) != 1 or not is_blank(value) or not is_number(theirs) or theirs == 0:
            continue
        f = blank.fields[0]
        shown = {_named(c.left): None if blank is c.left else round(theirs, 6),
                 _named(c.right): None if blank is c.right else round(theirs, 6)}
        return at("parent-blank", f, f"{c.name}：{describe(f)} 未填写，而{_named(other)} "
                  f"{show(f.type, theirs)} 已填写", shown, rule=c.rule, cells=[f"{x.sheet}!{x.cell}" for x in other.fields])
    return None


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


def _hierarchy(layout: TableLayout, rule: dict[str, Any], values: dict[str, Any], scale: int = 1) -> list[Finding]:
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
    below = subject_children(seen)
    for code, i in seen.items():
        if len(code) not in (3, 5):
            continue
        children = below.get(code, [])
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
            if abs(diff) <= tolerance("amount", (len(kids) + 1) * scale):
                findings.append(at(rounding_code("amount", diff), parent, text + _within("amount", diff, len(kids) + 1),
                                   shown, rule=rule["id"], cells=cells))
            else:
                findings.append(at("hierarchy-mismatch", parent, text, shown, severity=rule.get("severity", ERROR),
                                   rule=rule["id"], cells=cells))
    return findings


def _by_code(layout: TableLayout, rule: dict[str, Any], plan: WorkbookPlan,
             values: dict[str, Any], scale: int = 1) -> list[Finding]:
    """Figures by 科目代码 against the rows with that code of another table's block (``op``, default ``=``).

    Mine are the fields ``<fields><code><suffix>`` (公开01 类 lines), or with ``block:`` the ``column`` of this
    table's rows whose code has one of ``levels`` digits (公开05 类 rows); theirs the ``other_column`` (default
    ``column``) of the row with the same code; a code they lack counts as 0.
    """
    other_tid, block = rule["other"].split(".")
    other = plan.layouts[other_tid]
    by_code = {code: i for i, code in _rows(other, block, rule["code"], values)}
    op = str(rule.get("op", "="))
    findings = []
    for code, f in _coded_fields(layout, rule, values):
        mine = values.get(f.key)
        i = by_code.get(code)
        theirs_field = other.fields[field_key(other_tid, rule.get("other_column", rule["column"]), block, i)] \
            if i is not None else None
        theirs = values.get(theirs_field.key) if theirs_field else None
        a = float(mine) if is_number(mine) else 0.0
        b = float(theirs) if is_number(theirs) else 0.0
        if OPERATORS[op](a, b, 1e-6):
            continue
        where = f"{other.sheet}!{theirs_field.cell}" if theirs_field else f"{other.sheet}（无 {code} 行）"
        label = f.row_label if f.block is None else f"科目 {code} {f.col_label}"
        text = (f"{rule['name']}：{label} {show('amount', a)} {NEGATION[op]} {where} 科目 {code} "
                f"{show('amount', b)}，相差 {show('amount', abs(a - b))}")
        shown = {f"{_label(f)}（{f.sheet}!{f.cell}）": a, f"{where} 科目 {code}": b, "差额": round(a - b, 6)}
        if OPERATORS[op](a, b, tolerance("amount", 2 * scale)):
            code_kind, severity, text = rounding_code("amount", a - b), WARNING, text + _within("amount", a - b, 2)
        else:
            code_kind, severity = "identity-mismatch", rule.get("severity", ERROR)
        findings.append(at(code_kind, f, text, shown, severity=severity, rule=rule["id"],
                           cells=[where] if theirs_field else []))
    return findings


def _by_line(layout: TableLayout, rule: dict[str, Any], plan: WorkbookPlan, values: dict[str, Any],
             scale: int = 1) -> list[Finding]:
    """Same-named ``<prefix><code>`` lines of two tables compared; each difference reported where the amount is.

    The line of the table that carries more (this table's on a tie) gets the finding, naming the other line; an
    amount moved from one line to another thus shows at both lines, and each message names the other one.
    """
    other = plan.layouts[rule["other"]]
    prefix = rule["fields"]
    diffs: list[tuple[Field, Field, float, float, float]] = []  # where, the other table's line, x, y, mine − theirs
    for mine in layout.fields.values():
        theirs = other.fields.get(f"{other.table.id}.{mine.name}")
        if mine.block is not None or not mine.name.startswith(prefix) or theirs is None:
            continue
        a, b = (float(v) if is_number(v) else 0.0 for v in (values.get(mine.key), values.get(theirs.key)))
        if abs(a - b) >= 1e-6:
            diffs.append((mine, theirs, a, b, a - b) if abs(a) >= abs(b) else (theirs, mine, b, a, a - b))
    findings = []
    for here, there, x, y, d in diffs:
        text = (f"{rule['name']}：{here.sheet}!{here.cell}（{here.row_label}）{show('amount', x)} ≠ "
                f"{there.sheet}!{there.cell}（{there.row_label}）{show('amount', y)}，相差 {show('amount', abs(x - y))}")
        moved = next((p for p in diffs if abs(p[4] + d) < 1e-6 and p[0] is not here), None)
        if moved is not None:
            text += f"；{moved[0].sheet}!{moved[0].cell}（{moved[0].row_label}）填有同一金额，疑为填错行次"
        shown = {"本表": x, "对应表": y, "差额": round(x - y, 6)}
        code, severity = ("rounding-difference", WARNING) if abs(x - y) <= tolerance("amount", 2 * scale) else \
            ("identity-mismatch", rule.get("severity", ERROR))
        findings.append(at(code, here, text, shown, severity=severity, rule=rule["id"],
                           cells=[f"{there.sheet}!{there.cell}"] + ([f"{moved[0].sheet}!{moved[0].cell}"] if moved else [])))
    return findings


def _coded_fields(layout: TableLayout, rule: dict[str, Any], values: dict[str, Any]) -> list[tuple[str, Field]]:
    """(科目代码, field) pairs on this table's side of a ``by_code`` rule."""
    tid = layout.table.id
    if "block" in rule:
        levels = [int(n) for n in rule.get("levels", [3])]
        return [(code, layout.fields[field_key(tid, rule["column"], rule["block"], i)])
                for i, code in _rows(layout, rule["block"], rule["code"], values) if len(code) in levels]
    prefix, suffix = rule["fields"], rule.get("suffix", "")
    out = []
    for f in layout.fields.values():
        if f.block is not None or not f.name.startswith(prefix) or not f.name.endswith(suffix):
            continue
        code = f.name[len(prefix):len(f.name) - len(suffix)]
        if code.isdigit():
            out.append((code, f))
    return out
