"""Score a workbook against the 评分表's rule set: each 三级指标's computed score, the unit's own score and why.

The scores themselves are the 评分表's formulas (laid out from the rule set YAML) recomputed by the engine;
this module reads them back per indicator and explains each deduction in Chinese with the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..audit.findings import Finding, at
from ..definitions.model import Field
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
    full: float = 100.0  # the rule set's full marks

    @property
    def over_max(self) -> bool:
        """The total exceeds the full marks: reported, never graded or ranked."""
        return self.total is not None and self.total > self.full + 0.005


def full_marks(ruleset: dict[str, Any]) -> float:
    """A rule set's full marks: the sum of its 一级指标 maxima."""
    return float(sum(float(g["max"]) for g in ruleset["groups"]))


def check_total(total: float | None, full: float, where: Any, source: str) -> list[Finding]:
    """A ``total-over-max`` finding when ``total`` exceeds ``full`` marks."""
    if total is None or total <= full + 0.005:
        return []
    return [at("total-over-max", where, f"{source}计算总分 {show('score', total)} 超过满分 {show('score', full)}，"
               "请核对各指标的分值和得分；该总分不评等次、不参与排名", {"计算总分": total, "满分": full})]


def _num(x: Any, digits: int = 2) -> float | None:
    """Scores are reported to two decimals, rates and other values to four."""
    return round(float(x), digits) if is_number(x) else None


def score_evaluation(plan: WorkbookPlan, computed: dict[str, Any], as_filed: dict[str, Any],
                     rules: str, present: WorkbookPlan | None = None) -> Scores:
    """Every indicator of rule set ``rules`` from the 评分表 (``pj``) fields of ``plan``.

    ``present`` is the submitted workbook's plan when ``plan`` was laid out anew from another rule set: messages
    then name only its cells, and inputs it lacks by their names.
    """
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
        if present is not None:
            self_score = None  # given against the submitted file's own rule set, not this one
        value_key = f"pj.{i}_value"
        value = computed.get(value_key) if value_key in plan.layouts["pj"].fields else None
        maximum = float(ind["max"])
        reason = (explain(ind, policy, value, score, computed, plan) if score is not None
                  else f"{NOT_ASSESSABLE}：{missing_inputs(ind, plan, computed, present)}")
        out.append(Indicator(i, ind["name"], g1["name"], g2["name"], maximum, score, self_score, reason,
                             _num(value, 4) if is_number(value) else value, f"{score_field.sheet}!{score_field.cell}"))
        if self_score is not None and self_score > maximum + 1e-9:
            findings.append(at("self-score-over-max", self_field, f"{ind['name']} 自评得分 {show('score', self_score)} "
                               f"超过分值 {show('score', maximum)}", {"自评得分": self_score, "分值": maximum}))
        elif self_score is not None and self_score < maximum - 0.005 and present is None and \
                is_blank(as_filed.get(f"pj.{i}_reason")):
            why = plan.field(f"pj.{i}_reason")
            findings.append(at("deduction-unexplained", why, f"{ind['name']} 自评得分 {show('score', self_score)} "
                               f"低于分值 {show('score', maximum)}，但{why.sheet}!{why.cell}“扣分原因”为空",
                               {"自评得分": self_score, "分值": maximum}))
        if score is not None and self_score is not None and self_score <= maximum + 1e-9 and \
                abs(self_score - score) > 0.005:
            findings.append(at("self-score-differs", self_field,
                               f"{ind['name']} 自评得分 {show('score', self_score)}，按评分标准计算为 "
                               f"{show('score', score)}（{reason}）",
                               {"自评得分": self_score, "计算得分": score, "差额": round(self_score - score, 2)}))
    total = _num(computed.get("pj.total_score")) if any(x.assessable for x in out) else None  # null, not 0
    complete = all(x.assessable for x in out)
    full = full_marks(ruleset)
    findings += check_total(total, full, plan.field("pj.total_score"), "评分表")
    # no grade from a partial total, nor from one above the full marks
    grade = (computed.get("pj.grade") or None) if complete and total is not None and total <= full + 0.005 else None
    if present is not None:  # the unit's self scores were given against another standard
        return Scores("评分表", out, total, None, grade, None, complete, findings, rules, policy, full)
    return Scores("评分表", out, total, _num(as_filed.get("pj.total_self")), grade,
                  as_filed.get("pj.self_grade") or None, complete, findings, rules, policy, full)


def missing_inputs(ind: dict[str, Any], plan: WorkbookPlan, computed: dict[str, Any],
                   present: WorkbookPlan | None = None) -> str:
    """Which blank cells leave an indicator not assessable, e.g. ``缺少 附件1!B5（编制数）``: the inputs behind
    a formula value too (a 控制率 names its 编制数 and 实际在职人数). What the evaluator enters is said to be
    theirs. With ``present`` (see :func:`score_evaluation`) only cells of the submitted workbook are named, the
    others by their names."""
    i = ind["id"]
    pj = plan.layouts["pj"].fields
    keys = [k for k in pj if k.startswith(f"pj.{i}_") and not k.endswith(("_score", "_self", "_diff", "_reason"))]
    blanks: list[Field] = []
    seen: set[str] = set()

    def walk(f: Field, top: bool) -> None:  # through formulas to the blank inputs they read
        if f.key in seen:
            return
        seen.add(f.key)
        if f.kind == "formula" and f.key in plan.formulas:
            for g in plan.formulas[f.key].fields:
                walk(g, False)
        elif (top or f.kind == "input") and is_blank(computed.get(f.key)):
            blanks.append(f)

    for key in keys:
        walk(pj[key], True)
    if not blanks:
        return "计算所需的数据不足（分母为 0 或数据为空）"
    labels = _input_labels(ind)
    own = present or plan
    unit, evaluator, absent, evaluator_elsewhere = [], [], [], []
    for f in blanks:
        label = labels.get(f.key) or (f.row_label + ("／" + f.col_label if f.col_label and f.table != "pj" else ""))
        label = label.strip("　")
        if present is not None and not (f.table in present.layouts and f.key in present.layouts[f.table].fields):
            if f.table != "pj" or "pj" in present.layouts:
                absent.append(f"“{label}”")
            elif not evaluator_elsewhere:
                evaluator_elsewhere.append("由评价人在评分表中评定（本工作簿没有评分表）")
            continue
        mine = own.field(f.key)
        (evaluator if f.table == "pj" else unit).append(f"{mine.sheet}!{mine.cell}（{label}）")
    parts = []
    if unit:
        parts.append(f"缺少 {_listed(unit)}，请补填后再评分")
    if evaluator:
        parts.append(f"由评价人填写：{_listed(evaluator)}")
    if absent:
        parts.append("、".join(dict.fromkeys(absent)) + " 不在提交的工作簿中（需使用该规则集的评分表填写）")
    return "；".join(parts + evaluator_elsewhere)


def _listed(names: list[str]) -> str:
    """At most four cells, ``附件1!B5（编制数）、…``."""
    unique = list(dict.fromkeys(names))
    return "、".join(unique[:4]) + (" 等" if len(unique) > 4 else "")


def _input_labels(ind: dict[str, Any]) -> dict[str, str]:
    """The names of an indicator's 评分表 inputs, as its rule set gives them."""
    i, value = ind["id"], ind.get("value") or {}
    labels = {f"pj.{i}_value": value.get("label") or ind["name"]}
    labels |= {f"pj.{i}_{x['id']}": x["label"] for x in ind.get("inputs", [])}
    labels |= {f"pj.{i}_i{k + 1}": label for k, (label, _) in enumerate(ind["rule"].get("items", []))}
    if ind.get("none"):
        labels[f"pj.{i}_none"] = ind["none"]["label"]
    return labels


def explain(ind: dict[str, Any], policy: str, value: Any, score: float, computed: dict[str, Any],
            plan: WorkbookPlan) -> str:
    """Why an indicator got its score, in the words of the 评分标准, with the figures."""
    rule, name, top, iid = ind["rule"], ind["name"], float(ind["max"]), ind["id"]
    kind = rule["kind"]
    lost = round(top - score, 2)
    if ind.get("none") and computed.get(f"pj.{iid}_none") == "是":
        return f"{ind['none']['label']}，按评分标准得满分 {show('score', top)} 分"
    vtype = (ind.get("value") or {}).get("type") or (ind.get("value") or {}).get("input") or "percent"
    v = show(vtype, value)
    if kind in ("per_point_over", "per_point_under"):
        over = kind == "per_point_over"
        t = float(rule["threshold"])
        gap = (value - t) if over else (t - value)
        if gap <= 1e-12:
            return f"{name} {v}，{'未超过' if over else '不低于'} {t:.0%}，得满分 {show('score', top)} 分"
        points, width = gap * 100, float(rule.get("width", 0.01)) * 100
        unit = "个百分点" if width == 1 else f"{width:g} 个百分点"
        least, per = ("一个百分点", "一个") if width == 1 else (unit, unit)  # 不足一个百分点按一个计
        counted = {"whole_up": f"（不足{least}按{per}计）", "whole_down": f"（不足{least}不计）"}.get(policy, "")
        floor = "，扣完为止" if score == 0 else ""
        return (f"{name} {v}，{'超出' if over else '低于'} {t:.0%} {points:.2f} 个百分点{counted}，"
                f"每{'' if width == 1 else ' '}{unit}扣 {show('score', rule['step'])} 分，扣 {lost:.2f} 分{floor}")
    if kind == "coefficient":
        if "bands" in rule:
            return f"{name} {v}，按分档得分系数 × 权重 {show('score', top)} 分 = {show('score', score)} 分"
        return f"{ind['value'].get('label', '得分系数')} {show('number', value)} × 权重 {show('score', top)} 分 = " \
               f"{show('score', score)} 分"
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
