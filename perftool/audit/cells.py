"""Cell-level checks: what was typed into inputs, what became of the template's formulas, and stored results.

The checks here need no audit rule: they follow from each field's type and formula in the definitions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..definitions.model import TableLayout
from ..definitions.types import TYPES
from ..definitions.workbook import WorkbookPlan
from ..engine import Engine
from ..read.coerce import coerce
from ..read.workbook import Cells, per_layout
from ..values import is_blank, is_number, show, show_difference
from .findings import Finding, at, describe

#: 1 万亿元 in 万元: larger amounts are taken for a unit or decimal-point slip.
IMPLAUSIBLE_AMOUNT = 1e8


@dataclass
class Entries:
    """The workbook's entries made usable: typed inputs, constants typed over formulas, and what was found."""

    inputs: dict[str, Any]
    overrides: dict[str, Any]
    tampered: set[str]
    findings: list[Finding] = field(default_factory=list)
    texts: set[str] = field(default_factory=set)  # inputs typed as text that read as numbers ("44.5")


def normalise_formula(text: str) -> str:
    """Formula text compared without spaces, ``$``, sheet-name quotes and letter case."""
    return re.sub(r"[\s$']", "", text).upper()


@lru_cache(maxsize=2**16)
def _template_formula(text: str) -> str:
    """A template formula normalised, once per process (only the definitions' texts are remembered)."""
    return normalise_formula(text)


def read_entries(plan: WorkbookPlan, cells: Cells) -> Entries:
    """Coerce every input, separate constants typed over formulas, and detect altered formulas.

    A finite number in a numeric input (other than a count) and a plain text in a text input are taken as they
    are: :func:`coerce` would neither change nor question them.
    """
    out = Entries({}, {}, set())
    values, formulas, inputs = cells.values, cells.formulas, out.inputs
    for layout in plan.layouts.values():
        for f, how in zip(layout.fields.values(), per_layout("entries", layout, _entry_kinds)):
            if how == _FORMULA:
                _read_formula(plan, cells, f, out)
                continue
            key = f.key
            raw = values.get(key)
            if key in formulas:
                raw = cells.cached.get(key)
                out.findings.append(at("formula-in-input", f, f"{describe(f)} 是填报项，却填了公式，取其计算结果 "
                                       f"{_shown(f.type, raw)}", {"公式": "=" + formulas[key], "计算结果": raw}))
            elif raw is None:
                continue
            elif how == _NUMBER and (raw.__class__ is float or raw.__class__ is int) and math.isfinite(raw):
                inputs[key] = value = float(raw)
                out.findings.extend(plausibility(f, value))
                continue
            elif how == _TEXT and raw.__class__ is str:
                inputs[key] = raw
                continue
            value = _typed(f, raw, out)
            if isinstance(raw, str) and is_number(value):
                out.texts.add(key)
            if value is not None:
                inputs[key] = value
                out.findings.extend(plausibility(f, value))
    return out


#: How :func:`read_entries` takes a field's cell (one letter): a formula, a numeric input (not a count), a text
#: input, any other input.
_FORMULA, _NUMBER, _TEXT, _OTHER = "f", "n", "t", "o"


def _entry_kinds(layout: TableLayout) -> str:
    """How each of ``layout``'s fields is read, one letter per field in order (58,000 fields at 500 rows per 科目
    table: one byte each); made once per layout."""
    def how(f: Any) -> str:
        if f.kind == "formula":
            return _FORMULA
        if f.type == "text":
            return _TEXT
        return _NUMBER if TYPES[f.type].numeric and f.type != "count" else _OTHER
    return "".join(how(f) for f in layout.fields.values())


def _read_formula(plan: WorkbookPlan, cells: Cells, f: Any, out: Entries) -> None:
    """A formula field's cell: its formula intact or altered, deleted, or a constant typed over it."""
    if f.key in cells.formulas:
        text, template = cells.formulas[f.key], plan.formulas[f.key].text
        if text != template and normalise_formula(text) != _template_formula(template):
            out.tampered.add(f.key)
            out.findings.append(at("formula-tampered", f, f"{describe(f)} 的公式被改动，按表样公式重新计算",
                                   {"现公式": "=" + cells.formulas[f.key], "表样公式": "=" + plan.formulas[f.key].text}))
    elif f.key in cells.values:
        value = _typed(f, cells.values[f.key], out)
        if value is not None:
            out.overrides[f.key] = value
    else:
        out.tampered.add(f.key)
        out.findings.append(at("formula-tampered", f, f"{describe(f)} 的公式被删除，按表样公式重新计算",
                               {"表样公式": "=" + plan.formulas[f.key].text}))


def _typed(f: Any, raw: Any, out: Entries) -> Any:
    result = coerce(raw, f.type, f.options)
    if result.problem:
        out.findings.append(at("value-invalid", f, f"{describe(f)}：{result.problem}，按空值处理", {"填报值": raw}))
    elif result.change:
        out.findings.append(at("value-coerced", f, f"{describe(f)}：{result.change}",
                               {"填报值": raw, "读取值": result.value}))
    return result.value


def plausibility(f: Any, value: Any) -> list[Finding]:
    """Negative amounts, counts and scores; rates beyond 100%; amounts too large to be real."""
    if not isinstance(value, float):
        return []
    if value < 0:
        return [at("negative-value", f, f"{describe(f)} 为负数 {value:g}，请核实", {"填报值": value})]
    if f.type == "percent" and value > 1:
        return [at("rate-out-of-range", f, f"{describe(f)} 为 {value:.2%}，比率不应超过 100%"
                   f"（若填的是百分数，请写成 {value:g}% 或 {value / 100:g}）", {"填报值": value})]
    if f.type == "amount" and value > IMPLAUSIBLE_AMOUNT:
        return [at("implausible-value", f, f"{describe(f)} 为 {value:,.2f} 万元，数额异常，请核实金额单位",
                   {"填报值": value})]
    return []


#: The plain 尾数 of 万元 figures: two amounts rounded to 0.01 万元 may differ by 0.01 (documents warn of it).
PLAIN_ROUNDING = 0.01


def tolerance(type_name: str, figures: int) -> float:
    """How far the two sides of a relation between ``figures`` rounded figures may differ and still be 尾数.

    Amounts: a figure printed in 万元 to two decimals is its 元 amount rounded, off by less than 0.005 — a part
    printed 0.00 included (it may stand for up to 49 元), a blank part not (nothing was rounded). The sides of
    a relation between ``figures`` such figures (its parts and its total) thus differ by less than
    0.005 × figures; differences come in whole 0.01, so by at most 0.01 × ⌊(figures − 1) / 2⌋, and never less
    than the plain 0.01 (12 parts and a total: 0.06; 27 parts and a total: 0.13). Scores are sums of
    two-decimal scores or a rounded product: 0.005. Rates: one percentage point, since documents print them
    rounded to whole percent.
    """
    if type_name == "percent":
        return 0.01
    if type_name in ("amount", "number"):
        return PLAIN_ROUNDING * max(1, (figures - 1) // 2) + 1e-9
    if type_name == "count":
        return 0.5
    return 0.005 + 1e-9


def figures_per_figure(plan: WorkbookPlan) -> int:
    """How many rounded figures each figure of ``plan``'s workbook adds up: 1, or for a 汇总 the number of units
    it adds (each of its figures is a sum of theirs, so its 尾数 allowance grows with them: see :func:`tolerance`)."""
    return max(1, len(plan.members))


def rounding_code(type_name: str, difference: float) -> str:
    """``rounding-difference`` for a plain 尾数 (up to 0.01 万元), ``rounding-large`` for a larger one within
    :func:`tolerance` — possible, but rare enough to be told apart."""
    if type_name in ("amount", "number") and abs(difference) > PLAIN_ROUNDING + 1e-9:
        return "rounding-large"
    return "rounding-difference"


def check_overrides(plan: WorkbookPlan, engine: Engine, as_filed: dict[str, Any],
                    overrides: dict[str, Any]) -> list[Finding]:
    """Judge each constant typed over a formula against the formula applied to the values as filed."""
    findings = []
    for key, typed in overrides.items():
        f = plan.field(key)
        local = engine.compiled[key](as_filed)
        operands = [k for k in engine.compiled[key].dependencies if as_filed.get(k) not in (None, "")]
        values = {"填报值": typed, "按公式计算": local}
        if not is_number(typed) or not is_number(local):
            if typed != local and not (is_blank(local) and is_blank(typed)):
                findings.append(at("arithmetic-mismatch", f, f"{describe(f)} 填为 {_shown(f.type, typed)}，"
                                   f"按计算公式应为 {_shown(f.type, local)}", values))
            continue
        diff = typed - local
        values["差额"] = round(diff, 6)
        within = abs(diff) <= tolerance(f.type, (len(operands) + 1) * figures_per_figure(plan))  # all rounded
        if within and rounding_code(f.type, diff) == "rounding-large":
            findings.append(at("rounding-large", f, f"{describe(f)} 填报 {show(f.type, typed)}，{_parts(plan, key)}"
                               f"计算为 {show(f.type, local)}，相差 {show_difference(f.type, diff)}：超过一般尾数 0.01，"
                               f"在 {len(operands)} 个组成项的舍入误差上限之内，请核实", values,
                               cells=_cells_of(plan, key)))
        elif within:
            note = "" if abs(diff) < 1e-9 else f"，相差 {show_difference(f.type, diff)}（尾数差异）"
            findings.append(at("formula-replaced", f, f"{describe(f)} 的计算公式被替换为数值 "
                               f"{show(f.type, typed)}{note}", values, cells=_cells_of(plan, key)))
        else:
            findings.append(at("arithmetic-mismatch", f, f"{describe(f)} 填报 {show(f.type, typed)}，"
                               f"{_parts(plan, key)}计算应为 {show(f.type, local)}，"
                               f"相差 {show_difference(f.type, diff)}", values, cells=_cells_of(plan, key)))
    return findings


def check_cache(plan: WorkbookPlan, cached: dict[str, Any], as_filed: dict[str, Any],
                texts: set[str] = frozenset()) -> list[Finding]:
    """Stored results that differ from the recomputation (the file was not recalculated, or was edited).

    When an input the result depends on was typed as text (``texts``), the spreadsheet left it out of its
    sums while perftool read it as a number: the finding names that cell as the cause.
    """
    if cached and all(v is None for v in cached.values()):
        return [at("no-cached-values", None, "工作簿未保存任何公式计算结果（可能由程序写入），已按表样公式全部重新计算")]
    findings = []
    for key, stored in cached.items():
        expected = as_filed.get(key)
        if stored == expected or _same(stored, expected):  # equal values are the same without a call
            continue
        f = plan.field(key)
        raw = {"保存值": stored, "重算值": expected}
        shown = {k: _shown(f.type, v) for k, v in raw.items()}
        causes = [g for g in _inputs_of(plan, key) if g.key in texts]
        if causes:
            named = "、".join(describe(g) for g in causes[:3]) + (" 等" if len(causes) > 3 else "")
            message = (f"{describe(f)} 保存的结果 {shown['保存值']} 与重新计算的 {shown['重算值']} 不一致："
                       f"{named} 填的是文本形式的数字，表格软件计算时未计入，perftool 按数值读取。"
                       "请把该单元格改为数值（去掉引号、空格或文本格式）后保存")
            findings.append(at("stale-cache", f, message, {**raw, "文本单元格": "、".join(
                f"{g.sheet}!{g.cell}" for g in causes)}, cells=[f"{g.sheet}!{g.cell}" for g in causes]))
            continue
        findings.append(at("stale-cache", f, f"{describe(f)} 保存的结果 {shown['保存值']} 与重新计算的 "
                           f"{shown['重算值']} 不一致（文件保存前未重算或结果被改动），请在表格软件中重算后保存",
                           raw))
    return findings


def _cells_of(plan: WorkbookPlan, key: str) -> list[str]:
    """The cells a formula reads, as ``表!A1``, each once."""
    return [f"{g.sheet}!{g.cell}" for g in _read(plan, key)]


def _parts(plan: WorkbookPlan, key: str) -> str:
    """How a formula's result is reached, for a message: ``按其组成项（公开01!C7（…）、…）`` or ``按表样``."""
    fields = _read(plan, key)
    if not fields:
        return "按表样"
    named = "、".join(describe(g) for g in fields[:4]) + (f" 等 {len(fields)} 项" if len(fields) > 4 else "")
    return f"按其组成项（{named}）"


def _read(plan: WorkbookPlan, key: str) -> list[Any]:
    """The fields a formula reads in order of appearance, each once (``C5/B5`` after ``B5=0`` names B5 once)."""
    return list({g.key: g for g in plan.formulas[key].fields}.values())


def _shown(type_name: str, value: Any) -> str:
    """A stored or recomputed value as a message shows it (``1,244.50``; ``空``; text in quotes)."""
    if is_number(value) and not isinstance(value, bool):
        return show(type_name, float(value))
    return "空" if is_blank(value) else f"“{value}”"


def _inputs_of(plan: WorkbookPlan, key: str) -> list[Any]:
    """Every input field a formula depends on, directly or through other formulas, in order."""
    seen: dict[str, Any] = {}
    todo = [key]
    while todo:
        formula = plan.formulas.get(todo.pop())
        for g in formula.fields if formula else ():
            if g.key in seen:
                continue
            seen[g.key] = g
            if g.kind == "formula":
                todo.append(g.key)
    return [g for g in seen.values() if g.kind == "input"]


def _same(stored: Any, expected: Any) -> bool:
    if is_blank(stored) and is_blank(expected):
        return True
    if isinstance(stored, bool) or isinstance(expected, bool):  # LibreOffice stores TRUE as 1
        stored, expected = (float(x) if isinstance(x, bool) else x for x in (stored, expected))
    if is_number(stored) and is_number(expected):
        return math.isclose(float(stored), float(expected), rel_tol=1e-9, abs_tol=1e-9)
    return str(stored) == str(expected)
