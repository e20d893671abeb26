"""Score each project's 自评表: 预算执行率 and every indicator row, by the project rule set (``kind: project``).

The rule set YAML (``templates/rules/xiangmu-2020.yaml``) gives the weights, the indicator method and the grades;
the table YAML's ``scoring:`` names the fields each role is read from, so both forms (national, 荆门) share this
code. Every suggested score carries its reason in Chinese; contradictions become findings at their cells.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..audit.findings import Finding, at, describe
from ..definitions.layout import field_key
from ..definitions.model import Field, TableLayout
from ..definitions.scoresheet import load_ruleset
from ..definitions.workbook import WorkbookPlan
from ..errors import DefinitionError
from ..figures import Figure, read_figure
from ..values import is_blank, is_number, show
from .evaluation import NOT_ASSESSABLE, Indicator, Scores
from .self_evaluation import grade_of

SOURCE = "项目自评表"
DIRECTIONS = {"正向": "ge", "反向": "le", "等于": "eq", "定性": "qual"}
DIRECTION_ZH = {"ge": "正向", "le": "反向", "eq": "等于", "qual": "定性"}


@dataclass
class ProjectScores:
    """One project's identity, budget execution and scores."""

    key: str
    sheet: str
    name: str
    code: str
    budget: float | None
    executed: float | None
    rate: float | None
    scores: Scores

    def to_dict(self) -> dict[str, Any]:
        s = self.scores
        return {"key": self.key, "sheet": self.sheet, "name": self.name, "code": self.code, "budget": self.budget,
                "executed": self.executed, "rate": self.rate, "rules": s.rules, "total": s.total,
                "self_total": s.self_total, "grade": s.grade, "self_grade": s.self_grade, "complete": s.complete,
                "indicators": [i.to_dict() for i in s.indicators]}


@lru_cache(maxsize=8)
def project_ruleset(name: str) -> dict[str, Any]:
    """A rule set of ``kind: project``; another kind is refused with its name."""
    ruleset, _ = load_ruleset(name)
    if ruleset.get("kind") != "project":
        raise DefinitionError(f"评分规则集 {name} 不是项目支出绩效评分规则（应有 kind: project）")
    return ruleset


def is_project_ruleset(name: str) -> bool:
    """Whether the rule set ``name`` scores project 自评表 (``kind: project``); an unknown name is refused."""
    ruleset, _ = load_ruleset(name)
    return ruleset.get("kind") == "project"


def score_projects(plan: WorkbookPlan, computed: dict[str, Any], as_filed: dict[str, Any],
                   rules: str | None = None) -> list[ProjectScores]:
    """Every project 自评表 sheet of the plan scored (``rules``: a project rule set, else the table's default)."""
    return [_project(plan, key, layout, computed, as_filed, rules or layout.table.scoring["rules"])
            for key, layout in plan.layouts.items() if "indicators" in layout.table.scoring]


class _Project:
    """The fields of one project sheet by role, and its values."""

    def __init__(self, key: str, layout: TableLayout, computed: dict[str, Any], as_filed: dict[str, Any]):
        self.key, self.layout, self.computed, self.as_filed = key, layout, computed, as_filed
        self.roles = layout.table.scoring

    def field(self, role: str) -> Field | None:
        name = self.roles.get(role)
        return self.layout.fields[field_key(self.key, name)] if name else None

    def value(self, role: str, filed: bool = False) -> Any:
        f = self.field(role)
        return None if f is None else (self.as_filed if filed else self.computed).get(f.key)

    def rows(self, role: str) -> list[dict[str, Field]]:
        """The filled rows of a repeat group, each as column name → field."""
        block = self.layout.blocks.get(self.roles.get(role, ""))
        if block is None:
            return []
        out = []
        for i in range(block.count):
            row = {n: self.layout.fields[field_key(self.key, n, block.name, i)] for n in block.columns}
            if any(not is_blank(self.as_filed.get(f.key)) for n, f in row.items() if n in ("name", "max", "score")):
                out.append(row)
        return out


def _project(plan: WorkbookPlan, key: str, layout: TableLayout, computed: dict[str, Any],
             as_filed: dict[str, Any], rules: str) -> ProjectScores:
    rs = project_ruleset(rules)
    p = _Project(key, layout, computed, as_filed)
    project = plan.projects.get(key)
    name = project.name if project else str(as_filed.get(field_key(key, "project_name")) or "")
    code = project.code if project else str(as_filed.get(field_key(key, "project_code")) or "")
    findings: list[Finding] = []
    budget_ind = _execution(p, rs)
    indicators = [budget_ind]
    for i, row in enumerate(p.rows("indicators")):
        ind, found = _indicator(p, row, rs, i)
        indicators.append(ind)
        findings += found
    findings += _weights(p, rs, indicators[1:])
    findings += _zero_execution(p, rs, indicators[1:])
    findings += _below_longterm(p)
    rows = indicators[1:]
    complete = all(i.assessable for i in indicators)
    total = None if budget_ind.score is None else round(
        budget_ind.score + sum(i.score if i.score is not None else (i.self_score or 0) for i in rows), 2)
    filed_total = p.value("total", filed=True)
    self_total = round(float(filed_total), 2) if is_number(filed_total) else round(
        (budget_ind.self_score or 0) + sum(i.self_score or 0 for i in rows), 2)
    full = float(rs["execution"]["max"]) + sum(float(s["max"]) for s in rs["sections"])
    scores = Scores(f"{SOURCE}：{layout.sheet}", indicators, total, self_total,
                    grade_of(total, rs, full) if complete else None, grade_of(self_total, rs, full), complete,
                    findings, rules, "pro_rata", full)
    rate = p.value("rate")
    return ProjectScores(key, layout.sheet, name, code, _num(p.value("budget")), _num(p.value("executed")),
                         round(float(rate), 4) if is_number(rate) else None, scores)


def _num(x: Any) -> float | None:
    return round(float(x), 2) if is_number(x) else None


def _execution(p: _Project, rs: dict[str, Any]) -> Indicator:
    """预算执行率: 分值 × min(执行率, cap), 分值 from the rule set; the unit's score as it printed it."""
    weight, cap = float(rs["execution"]["max"]), float(rs["execution"].get("cap", 1))
    rate, printed, f = p.value("rate"), p.value("rate", filed=True), p.field("rate")
    budget, executed = p.value("budget"), p.value("executed")
    score = round(weight * min(float(rate), cap), 2) if is_number(rate) else None
    own = p.value("budget_score", filed=True)
    self_score = (round(float(own), 2) if is_number(own) else
                  round(weight * min(float(printed), cap), 2) if is_number(printed) else None)
    if score is None:
        reason = f"{NOT_ASSESSABLE}：缺少预算数或执行数"
    else:
        reason = (f"执行率 {show('percent', rate)}（执行数 {show('amount', executed)} ÷ 预算数 "
                  f"{show('amount', budget)}），得分 = 分值 {weight:g} × {'执行率' if float(rate) <= cap else f'{cap:.0%}（封顶）'}"
                  f" = {show('score', score)}")
    return Indicator("execution", "预算执行率", "预算执行", "预算执行率", weight, score, self_score, reason,
                     round(float(rate), 4) if is_number(rate) else None, f"{f.sheet}!{f.cell}" if f else None)


def _text(x: Any) -> str:
    return unicodedata.normalize("NFKC", str(x)).strip() if not is_blank(x) else ""


def _scaled(fig: Figure | None, unit: str) -> Figure | None:
    """A figure of a ``%`` indicator written without the sign (``100`` for 100%) read as a rate."""
    if fig is None or unit != "%" or fig.percent:
        return fig
    return Figure(fig.value / 100, fig.reverse, fig.sign, True)


def _is_cost(row: dict[str, Any], rs: dict[str, Any]) -> bool:
    cost = rs.get("cost", {})
    return (row["level1"] == "成本指标" or row["level2"].replace(" ", "") in cost.get("level2", [])
            or any(w in row["name"] for w in cost.get("names", [])) or row["unit"] in cost.get("units", []))


def _direction(row: dict[str, Any], target: Figure | None, rs: dict[str, Any]) -> tuple[str, str]:
    """The indicator's direction and where it came from: 指标性质, the target's sign, a cost, or a bare figure."""
    if row["nature"] in DIRECTIONS:
        return DIRECTIONS[row["nature"]], f"指标性质为“{row['nature']}”"
    if target is None:
        return "qual", "指标值不是数值，按定性指标"
    if target.sign:
        return ("le" if target.reverse else "ge"), f"指标值带“{target.sign}”"
    if _is_cost(row, rs):
        return "le", "成本类指标，按反向指标"
    return "ge", "未填指标性质，按正向指标"


def _indicator(p: _Project, row: dict[str, Field], rs: dict[str, Any], i: int) -> tuple[Indicator, list[Finding]]:
    v = {n: p.as_filed.get(f.key) for n, f in row.items()}
    text = {n: _text(v.get(n)) for n in ("level1", "level2", "name", "unit", "nature", "target", "actual")}
    maximum = float(v["max"]) if is_number(v.get("max")) else 0.0
    given = round(float(v["score"]), 2) if is_number(v.get("score")) else None
    target, actual = _scaled(read_figure(v.get("target")), text["unit"]), _scaled(read_figure(v.get("actual")), text["unit"])
    direction, why = _direction(text, target, rs)
    score_field, actual_field = row["score"], row["actual"]
    label = f"“{text['name']}”"
    findings: list[Finding] = []
    suggestion: float | None = None
    if actual is not None and actual.sign and direction != "qual":
        reason = (f"{NOT_ASSESSABLE}：完成值“{text['actual']}”只重复了指标值的写法，不是实际完成的数值，"
                  "请填写实际数，由评价人核实")
        findings.append(at("actual-restates-target", actual_field,
                           f"{describe(actual_field)} {label}完成值“{text['actual']}”带比较符号，只是重述指标值"
                           f"“{text['target']}”，不是实际完成数", {"指标值": text["target"], "完成值": text["actual"]}))
    elif actual is not None and actual.percent and actual.value > 1 + 1e-9 and \
            text["name"].endswith(tuple(rs.get("bounded_percent", []))):
        reason = f"{NOT_ASSESSABLE}：完成值 {actual.value:.0%} 超过 100%，该比率不可能超过 100%，请核实"
        findings.append(at("percent-over-100", actual_field,
                           f"{describe(actual_field)} {label}单位为 %，完成值 {text['actual']}（即 {actual.value:.0%}）"
                           "超过 100%，该比率不可能超过 100%（可能填错行或填错单位）",
                           {"完成值": v.get("actual"), "单位": text["unit"], "指标值": text["target"]}))
    elif direction != "qual" and target is not None and actual is not None:
        suggestion, share, reason = _quantitative(direction, why, target, actual, maximum, text)
        if share < 1 and given is not None and given >= maximum - 0.005 and direction == "le" and _is_cost(text, rs):
            findings.append(at("cost-over-target", score_field,
                               f"{describe(score_field)} 成本指标{label}完成值 {text['actual']} 超过指标值 "
                               f"{text['target']}，却得满分 {show('score', given)}；按指标值/完成值应得 "
                               f"{show('score', suggestion)} 分", {"指标值": text["target"], "完成值": text["actual"],
                                                                  "填报得分": given, "建议得分": suggestion}))
        elif given is not None and abs(given - suggestion) > 0.005:
            findings.append(_differs(score_field, label, given, suggestion, reason))
    else:
        suggestion, reason = _qualitative(text, given, maximum, rs)
        if suggestion is not None and given is not None and abs(given - suggestion) > 0.005:
            findings.append(_differs(score_field, label, given, suggestion, reason))
    findings += _unexplained(p, row, label, given, maximum)
    ind = Indicator(f"{row['score'].block}[{i}]", text["name"], text["level1"], text["level2"], maximum,
                    suggestion, given, reason, text["actual"] or None, f"{score_field.sheet}!{score_field.cell}")
    return ind, findings


def _quantitative(direction: str, why: str, target: Figure, actual: Figure, maximum: float,
                  text: dict[str, str]) -> tuple[float, float, str]:
    """正向 by 完成值/指标值, 反向 by 指标值/完成值, 等于 by the smaller over the larger: score, share, reason."""
    t, a = target.value, actual.value
    if direction == "ge":
        share, rule = (1.0 if a >= t or t == 0 else a / t), "完成值/指标值"
    elif direction == "le":
        share, rule = (1.0 if a <= t else (t / a if a else 1.0)), "指标值/完成值"
    else:
        share, rule = (1.0 if abs(a - t) < 1e-9 else (min(a, t) / max(a, t) if max(a, t) else 1.0)), "较小值/较大值"
    score = round(maximum * share, 2)
    verb = {"ge": ("达到", "未达到"), "le": ("未超过", "超过"), "eq": ("等于", "不等于")}[direction][share < 1]
    reason = (f"{DIRECTION_ZH[direction]}指标（{why}）：完成值 {text['actual']} {verb}指标值 {text['target']}"
              + ("，得满分" if share == 1 else f"，按{rule} {share:.2%} 得 {show('score', score)} 分"))
    return score, share, reason


def _qualitative(text: dict[str, str], given: float | None, maximum: float,
                 rs: dict[str, Any]) -> tuple[float | None, str]:
    """The band of a qualitative 完成值; the suggestion is the unit's score kept within the band."""
    actual = text["actual"]
    if not actual:
        return None, f"{NOT_ASSESSABLE}：缺少完成值"
    bands = rs.get("qualitative", [])
    band = next((b for b in bands if actual == text["target"] and b["band"] == "达成"), None)
    keyword = "与指标值一致" if band else ""
    if band is None:
        for b in bands:
            hit = next((k for k in b["keywords"] if k in actual), None)
            if hit:
                band, keyword = b, f"含“{hit}”"
                break
    if band is None:
        return None, f"{NOT_ASSESSABLE}：定性指标，完成情况“{actual}”未说明达成程度，由评价人评分"
    low, high = round(maximum * float(band["low"]), 2), round(maximum * float(band["high"]), 2)
    suggestion = high if given is None else min(max(given, low), high)
    return suggestion, (f"定性指标：完成情况“{actual}”{keyword}，属“{band['band']}”档（分值的 "
                        f"{float(band['low']):.0%}–{float(band['high']):.0%}，即 {show('score', low)}–"
                        f"{show('score', high)} 分），{'填报得分在档内' if given == suggestion else '建议'}得 "
                        f"{show('score', suggestion)} 分")


def _differs(f: Field, label: str, given: float, suggestion: float, reason: str) -> Finding:
    return at("indicator-score-differs", f, f"{label}填报得分 {show('score', given)}，按完成情况建议得分 "
              f"{show('score', suggestion)}（{reason}）",
              {"填报得分": given, "建议得分": suggestion, "差额": round(given - suggestion, 2)})


def _unexplained(p: _Project, row: dict[str, Field], label: str, given: float | None, maximum: float) -> list[Finding]:
    """得分 below 分值 with no 偏差原因 (the row's own column, or the sheet's 原因分析)."""
    if given is None or given >= maximum - 0.005:
        return []
    own = row.get(p.roles.get("deviation_row", ""))
    where = own or p.field("deviation")
    if where is None or not is_blank(p.as_filed.get(where.key)):
        return []
    return [at("deviation-unexplained", where, f"{label}得分 {show('score', given)} 低于分值 {show('score', maximum)}，"
               f"{describe(where)} 未说明偏差原因", {"分值": maximum, "得分": given})]


def _section_of(level1: str, rs: dict[str, Any]) -> str | None:
    for s in rs["sections"]:
        if level1 == s["name"] or level1 in s.get("includes", []):
            return s["name"]
    return None


def _weights(p: _Project, rs: dict[str, Any], rows: list[Indicator]) -> list[Finding]:
    """Section 分值 against the rule set's weights (reported, never refused: provinces weight differently)."""
    if not rows:
        return []
    sums: dict[str, float] = {s["name"]: 0.0 for s in rs["sections"]}
    for ind in rows:
        section = _section_of(ind.group, rs)
        sums[section or ind.group or "未填一级指标"] = sums.get(section or ind.group or "未填一级指标", 0.0) + ind.max
    expected = {s["name"]: float(s["max"]) for s in rs["sections"]}
    weight, sheet_weight = float(rs["execution"]["max"]), p.value("budget_max", filed=True)
    differs = [n for n in sums if abs(sums[n] - expected.get(n, 0.0)) > 0.005]
    own_weight = is_number(sheet_weight) and abs(float(sheet_weight) - weight) > 0.005
    if not differs and not own_weight:
        return []
    total, wanted = sum(sums.values()), sum(expected.values())
    parts = "、".join(f"{n} {sums[n]:g}（规则 {expected.get(n, 0):g}）" for n in differs)
    where = p.field("indicator_total")
    text = (f"指标分值合计 {total:g}，评分规则 {rs['name']} 为 {wanted:g}（另加预算执行率 {weight:g} 分）"
            + (f"：{parts}" if parts else "")
            + (f"；表中预算执行率分值 {float(sheet_weight):g}，规则为 {weight:g}" if own_weight else ""))
    return [at("section-weight-differs", where, text,
               {"指标分值合计": total, "规则分值": wanted, **{f"{n}分值": sums[n] for n in differs}})]


def _zero_execution(p: _Project, rs: dict[str, Any], rows: list[Indicator]) -> list[Finding]:
    """Nothing spent, yet every output indicator scored full marks."""
    rate, f = p.value("rate"), p.field("rate")
    outputs = [i for i in rows if _section_of(i.group, rs) == rs["outputs"]]
    if not is_number(rate) or float(rate) > 0 or not outputs or f is None:
        return []
    if not all(i.self_score is not None and i.self_score >= i.max - 0.005 for i in outputs):
        return []
    got = sum(i.self_score or 0 for i in outputs)
    return [at("zero-execution-full-marks", f, f"{describe(f)} 预算执行率为 0（未支出），产出指标却全部得满分"
               f"（{len(outputs)} 项共 {got:g} 分）；请说明未支出如何完成产出，或按实际完成情况评分",
               {"执行率": 0.0, "产出指标得分": got, "产出指标项数": len(outputs)},
               cells=[i.cell for i in outputs if i.cell])]


def _below_longterm(p: _Project) -> list[Finding]:
    """An annual target below the long-term target of the same indicator (allowed; a 提示)."""
    longterm = {_text(p.as_filed.get(r["name"].key)): r for r in p.rows("longterm")}
    out = []
    for row in p.rows("indicators"):
        name = _text(p.as_filed.get(row["name"].key))
        other = longterm.get(name)
        if not name or other is None:
            continue
        unit = _text(p.as_filed.get(row["unit"].key))
        year_t = _scaled(read_figure(p.as_filed.get(row["target"].key)), unit)
        long_t = _scaled(read_figure(p.as_filed.get(other["target"].key)), unit)
        if year_t is None or long_t is None or year_t.reverse != long_t.reverse:
            continue
        lower = year_t.value > long_t.value if year_t.reverse else year_t.value < long_t.value
        if lower:
            f, g = row["target"], other["target"]
            year_text, long_text = _text(p.as_filed.get(f.key)), _text(p.as_filed.get(g.key))
            out.append(at("annual-below-longterm", f, f"{describe(f)} “{name}”年度目标值 {year_text} 低于长期目标值 "
                          f"{long_text}（{g.sheet}!{g.cell}）；请说明理由", {"年度目标值": year_text, "长期目标值": long_text},
                          cells=[f"{g.sheet}!{g.cell}"]))
    return out
