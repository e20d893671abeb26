"""Score a workbook against the 评分表's rule set: each 三级指标's computed score, the unit's own score and why.

The scores themselves are the 评分表's formulas (laid out from the rule set YAML) recomputed by the engine;
this module reads them back per indicator and explains each deduction in Chinese with the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..audit.findings import Finding, at
from ..definitions.scoresheet import indicators, load_ruleset
from ..definitions.workbook import WorkbookPlan
from ..values import is_blank, is_number, show

NOT_ASSESSABLE = "不可评价"


@dataclass
class Indicator:
    """One scored indicator, as the score report and the 评分结果 sheet show it."""

    id: str
    name: str
    group: str  # 一级指标
    subgroup: str  # 二级指标
    max: float
    score: float | None
    self_score: float | None
    reason: str
    value: Any = None
    cell: str | None = None  # 表!A1 of the computed score

    @property
    def assessable(self) -> bool:
        return self.score is not None

    @property
    def diff(self) -> float | None:
        if self.score is None or self.self_score is None:
            return None
        return round(self.self_score - self.score, 2)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "group": self.group, "subgroup": self.subgroup, "max": self.max,
                "value": self.value, "score": self.score, "self_score": self.self_score, "diff": self.diff,
                "assessable": self.assessable, "reason": self.reason, "cell": self.cell}


@dataclass
class Scores:
    """Indicators with the total, the grade and the findings the scoring adds."""

    source: str  # 评分表 or 自评表
    indicators: list[Indicator]
    total: float | None
    self_total: float | None
    grade: str | None
    self_grade: str | None
    complete: bool
    findings: list[Finding] = field(default_factory=list)
    rules: str | None = None
    points: str | None = None


def _num(x: Any, digits: int = 2) -> float | None:
    """Scores are reported to two decimals, rates and other values to four."""
    return round(float(x), digits) if is_number(x) else None


def score_evaluation(plan: WorkbookPlan, computed: dict[str, Any], as_filed: dict[str, Any],
                     rules: str) -> Scores:
    """Every indicator of rule set ``rules`` from the 评分表 (``pj``) fields of ``plan``."""
    ruleset, _ = load_ruleset(rules)
    policy = ruleset.get("points", "pro_rata")
    out: list[Indicator] = []
    findings: list[Finding] = []
    for g1, g2, ind in indicators(ruleset):
        i = ind["id"]
        score_field = plan.field(f"pj.{i}_score")
        score = _num(computed.get(score_field.key))
        kind = ind["rule"]["kind"]
        if kind == "manual_shared":
            selfs = [as_filed.get(f"pj.{i}_{p}_self") for p, _ in ind["rule"]["parts"]]
            self_score = None if all(is_blank(s) for s in selfs) else _num(sum(float(s) for s in selfs if is_number(s)))
            self_field = plan.field(f"pj.{i}_{ind['rule']['parts'][0][0]}_self")
        else:
            self_field = plan.field(f"pj.{i}_self")
            self_score = _num(as_filed.get(self_field.key))
        value_key = f"pj.{i}_value"
        value = computed.get(value_key) if value_key in plan.layouts["pj"].fields else None
        maximum = float(ind["max"])
        reason = (explain(ind, policy, value, score, computed, plan) if score is not None
                  else f"{NOT_ASSESSABLE}：{missing_inputs(ind, plan, computed)}")
        out.append(Indicator(i, ind["name"], g1["name"], g2["name"], maximum, score, self_score, reason,
                             _num(value, 4) if is_number(value) else value, f"{score_field.sheet}!{score_field.cell}"))
        if self_score is not None and self_score > maximum + 1e-9:
            findings.append(at("self-score-over-max", self_field, f"{ind['name']} 自评得分 {show('score', self_score)} "
                               f"超过分值 {show('score', maximum)}", {"自评得分": self_score, "分值": maximum}))
        elif score is not None and self_score is not None and abs(self_score - score) > 0.005:
            findings.append(at("self-score-differs", self_field,
                               f"{ind['name']} 自评得分 {show('score', self_score)}，按评分标准计算为 "
                               f"{show('score', score)}（{reason}）",
                               {"自评得分": self_score, "计算得分": score, "差额": round(self_score - score, 2)}))
    total = _num(computed.get("pj.total_score"))
    complete = all(x.assessable for x in out)
    grade = (computed.get("pj.grade") or None) if complete else None  # no grade from a partial total
    return Scores("评分表", out, total, _num(as_filed.get("pj.total_self")), grade,
                  as_filed.get("pj.self_grade") or None, complete, findings, rules, policy)


def missing_inputs(ind: dict[str, Any], plan: WorkbookPlan, computed: dict[str, Any]) -> str:
    """Which blank cells leave an indicator not assessable, e.g. ``缺少 附件1!B5（编制数）``."""
    i = ind["id"]
    pj = plan.layouts["pj"].fields
    keys = [k for k in pj if k.startswith(f"pj.{i}_") and not k.endswith(("_score", "_self", "_diff", "_reason"))]
    blanks = []
    for key in keys:
        f = pj[key]
        if f.kind == "formula" and key in plan.formulas:
            blanks += [g for g in plan.formulas[key].fields if g.kind == "input" and is_blank(computed.get(g.key))]
        elif is_blank(computed.get(key)):
            blanks.append(f)
    if not blanks:
        return "计算所需的数据不足（分母为 0 或数据为空）"
    names = []
    for f in blanks:
        label = f.row_label + ("／" + f.col_label if f.col_label and f.table != "pj" else "")
        names.append(f"{f.sheet}!{f.cell}（{label.strip('　')}）")
    shown = "、".join(dict.fromkeys(names[:4]))
    return f"缺少 {shown}{' 等' if len(set(names)) > 4 else ''}，请补填后再评分"


def explain(ind: dict[str, Any], policy: str, value: Any, score: float, computed: dict[str, Any],
            plan: WorkbookPlan) -> str:
    """Why an indicator got its score, in the words of the 评分标准, with the figures."""
    rule, name, top, iid = ind["rule"], ind["name"], float(ind["max"]), ind["id"]
    kind = rule["kind"]
    lost = round(top - score, 2)
    vtype = (ind.get("value") or {}).get("type") or (ind.get("value") or {}).get("input") or "percent"
    v = show(vtype, value)
    if kind in ("per_point_over", "per_point_under"):
        over = kind == "per_point_over"
        t = float(rule["threshold"])
        gap = (value - t) if over else (t - value)
        if gap <= 1e-12:
            return f"{name} {v}，{'未超过' if over else '不低于'} {t:.0%}，得满分 {show('score', top)} 分"
        points = gap * 100
        counted = {"whole_up": "（不足一个百分点按一个计）", "whole_down": "（不足一个百分点不计）"}.get(policy, "")
        floor = "，扣完为止" if score == 0 else ""
        return (f"{name} {v}，{'超出' if over else '低于'} {t:.0%} {points:.2f} 个百分点{counted}，"
                f"每个百分点扣 {show('score', rule['step'])} 分，扣 {lost:.2f} 分{floor}")
    if kind == "bands":
        return f"{name} {v}，按分档标准得 {show('score', score)} 分" + (f"，扣 {show('score', lost)} 分" if lost else "")
    if kind == "per_count":
        count = int(value)
        if count == 0:
            return f"无不符合要求的情况，得满分 {show('score', top)} 分"
        floor = "，扣完为止" if score == 0 else ""
        return f"{count} 例不符合要求，每例扣 {show('score', rule['step'])} 分，扣 {lost:.2f} 分{floor}"
    if kind == "cases":
        given = [(x["label"], x.get("type", "amount"), computed.get(f"pj.{iid}_{x['id']}"))
                 for x in ind.get("inputs", [])]
        figures = "，".join(f"{label} {show(t, x)}" for label, t, x in given)
        return f"{figures}，按评分标准得 {show('score', score)} 分" + (f"，扣 {show('score', lost)} 分" if lost else "")
    if kind == "checklist":
        unmet = [f"{label}（{show('score', p)}分）" for k, (label, p) in enumerate(rule["items"])
                 if computed.get(f"pj.{iid}_i{k + 1}") != "是"]
        if not unmet:
            return f"各项均满足，得满分 {show('score', top)} 分"
        return f"未满足：{'；'.join(unmet)}，扣 {show('score', lost)} 分"
    if kind == "manual":
        capped = "（超过分值，按分值计）" if is_number(value) and value > top else ""
        return f"评价人评分 {show('score', score)} 分{capped}"
    if kind == "manual_shared":
        given = [(label, computed.get(f"pj.{iid}_{p}")) for p, label in rule["parts"]]
        parts = "，".join(f"{label} {show('score', x)}" for label, x in given)
        over = sum(float(x) for _, x in given if is_number(x)) > top + 1e-9
        return f"{parts}，合计 {show('score', score)} 分" + ("（超过分值，按分值计）" if over else "")
    return f"得 {show('score', score)} 分"
