"""Score the 附件2 自评表: the 年度资金总额 row, and a suggested score for every 三级指标 row from its figures.

The suggestion follows the indicator method of the rule set (``self_evaluation:`` in the rule set YAML):
quantitative rows by 完成值 against 指标值 in the row's 指标性质 (正向, 反向, 等于; see :func:`direction`),
qualitative rows by keyword bands.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ..audit.findings import Finding, at
from ..definitions.layout import field_key
from ..definitions.scoresheet import load_ruleset
from ..definitions.workbook import WorkbookPlan
from ..figures import read_figure
from ..read.workbook import per_layout
from ..values import is_number, show
from .evaluation import NOT_ASSESSABLE, Indicator, Scores, check_total, full_marks

NATURES = ("正向", "反向", "等于", "定性")  # the 指标性质 choices of 附件2


def direction(nature: Any, target: Any, name: Any, directions: list[list[str]]) -> tuple[str, str]:
    """The 指标性质 a row is scored by (正向/反向/等于/定性) and where it came from, in that order of precedence:
    the unit's 指标性质, a sign in the 指标值 (≤ 不超过 …), a keyword of the indicator's name (rule set
    ``self_evaluation.directions``), else 正向."""
    if isinstance(nature, str) and nature.strip() in NATURES:
        return nature.strip(), "按填报的指标性质"
    figure = read_figure(target)
    if figure is not None and figure.sign:
        return ("反向" if figure.reverse else "正向"), f"按指标值中的“{figure.sign}”"
    for keyword, kind in directions:
        if isinstance(name, str) and keyword in name:
            return str(kind), f"按指标名称中的“{keyword}”"
    return "正向", "未填指标性质，按正向"


def suggest(target: Any, actual: Any, maximum: float, bands: list[list[Any]],
            nature: tuple[str, str]) -> tuple[float | None, str]:
    """Suggested score of one 三级指标 row and how it was reached; ``nature`` is :func:`direction`'s answer."""
    kind, source = nature
    t, a = read_figure(target), read_figure(actual)
    assumed = f"{kind}指标（{source}）"
    if t is not None and a is not None and kind != "定性":
        if kind == "反向":
            share = 1.0 if a.value <= t.value else (t.value / a.value if a.value else 1.0)
            how = f"{assumed}：完成值 {actual} {'未超过' if share == 1 else '超过'}指标值 {target}"
        elif kind == "等于":
            high = max(a.value, t.value)
            share = min(a.value, t.value) / high if high > 0 else 1.0
            how = f"{assumed}：完成值 {actual} {'等于' if share == 1 else '偏离'}指标值 {target}"
        else:
            share = 1.0 if a.value >= t.value or t.value == 0 else a.value / t.value
            how = f"{assumed}：完成值 {actual} {'达到' if share == 1 else '未达到'}指标值 {target}"
        score = round(maximum * share, 2)
        return score, how + ("，得满分" if share == 1 else f"，按完成比例 {share:.2%} 得 {show('score', score)} 分")
    if isinstance(actual, str) and actual.strip():
        if isinstance(target, str) and actual.strip() == target.strip():
            return maximum, "定性指标：完成情况与指标值一致，得满分"
        for keyword, share in bands:
            if keyword in actual:
                score = round(maximum * float(share), 2)
                return score, f"定性指标：完成情况为“{keyword}”，得 {show('score', score)} 分"
    return None, f"{NOT_ASSESSABLE}：定性指标或缺少完成值，由评价人评分"


def score_self_evaluation(plan: WorkbookPlan, computed: dict[str, Any], as_filed: dict[str, Any],
                          rules: str) -> Scores:
    """The 自评表's rows as indicators; its 总分 recomputed from the rows as filed.

    The total counts each row's 得分 as filed (a row's suggestion only raises a warning), so it is complete
    once the 年度资金总额 row can be computed.
    """
    ruleset, _ = load_ruleset(rules)
    bands = ruleset.get("self_evaluation", {}).get("qualitative", [])
    directions = ruleset.get("self_evaluation", {}).get("directions", [])
    layout = plan.layouts["fj2"]
    out: list[Indicator] = []
    findings: list[Finding] = []
    fund = plan.field("fj2.fund_score")
    fund_max = computed.get("fj2.fund_max")
    rate = computed.get("fj2.exec_rate")
    score = computed.get("fj2.fund_score")
    if is_number(score):
        reason = (f"执行率 {show('percent', rate)}（全年执行数 {show('amount', computed.get('fj2.executed'))} ÷ "
                  f"全年预算数 {show('amount', computed.get('fj2.budget_full'))}），得分 = 分值 "
                  f"{show('score', fund_max)} × 执行率 = {show('score', score)}")
    else:
        reason = f"{NOT_ASSESSABLE}：缺少全年预算数或全年执行数"
    out.append(Indicator("fund", "年度资金总额（预算执行率）", "年度资金总额", "预算执行率",
                         float(fund_max) if is_number(fund_max) else 0.0, _round(score, 2),
                         _round(as_filed.get("fj2.fund_score"), 2), reason, _round(rate, 4),
                         f"{fund.sheet}!{fund.cell}"))
    for block in layout.blocks.values():
        for i in range(block.count):
            keys = {n: field_key("fj2", n, block.name, i)
                    for n in ("name", "max", "score", "target", "actual", "nature")}
            name, maximum, given = (as_filed.get(keys[n]) for n in ("name", "max", "score"))
            if not is_number(maximum) and not is_number(given):
                continue  # an empty or "……" placeholder row
            maximum = float(maximum) if is_number(maximum) else 0.0
            target, actual = as_filed.get(keys["target"]), as_filed.get(keys["actual"])
            nature = direction(as_filed.get(keys["nature"]), target, name, directions)
            suggestion, reason = suggest(target, actual, maximum, bands, nature)
            score_field = plan.field(keys["score"])
            section = per_layout("section " + block.name, layout, partial(_section, block=block.name))
            out.append(Indicator(f"{block.name}[{i}]", str(name or "").strip(), section, score_field.row_label,
                                 maximum, suggestion, _round(given, 2), reason, None,
                                 f"{score_field.sheet}!{score_field.cell}"))
            if suggestion is not None and is_number(given) and abs(float(given) - suggestion) > 0.005:
                findings.append(at("indicator-score-differs", score_field,
                                   f"“{name}”填报得分 {show('score', given)}，按完成情况建议得分 "
                                   f"{show('score', suggestion)}（{reason}）",
                                   {"填报得分": given, "建议得分": suggestion, "差额": round(float(given) - suggestion, 2)}))
    total, self_total = _round(computed.get("fj2.total_score"), 2), _round(as_filed.get("fj2.total_score"), 2)
    if not any(i.assessable for i in out):
        total = None  # nothing could be scored: null, not 0
    full = full_marks(ruleset)
    findings += check_total(total, full, plan.field("fj2.total_score"), "自评表")
    return Scores("自评表", out, total, self_total, grade_of(total, ruleset, full), grade_of(self_total, ruleset, full),
                  out[0].assessable, findings, rules, ruleset.get("points", "pro_rata"), full)


def _section(layout: Any, block: str) -> str:
    """The 一级指标 (产出/效益/满意度指标) of a repeat group: the label beside the section total that sums it."""
    for f in layout.fields.values():
        if f.block is None and f"{{{block}.score}}" in (f.expr or ""):
            return layout.labels.get((f.row, 1), f.row_label)
    raise KeyError(block)


def grade_of(total: float | None, ruleset: dict[str, Any], full: float) -> str | None:
    """The grade (优/良/中/差) of a total under the rule set's ``grades``; none above the ``full`` marks."""
    if total is None or total > full + 0.005:
        return None
    return next(g for low, g in ruleset["grades"] if total >= low)


def _round(x: Any, digits: int = 4) -> float | None:
    return round(float(x), digits) if is_number(x) else None
