"""score/projects.py driven directly (no workbook, no LibreOffice): every 自评表 scoring rule at its edges.

Figures from seed 002 (荆门市行政审批局 2023, examples/002_jingmen_2023_projects.yaml) where they fit; the national
form (xmzp) and the 荆门 form (xmzpjm) under the rule set templates/rules/xiangmu-2020.yaml.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from perftool.definitions.workbook import WorkbookPlan, plan_workbook
from perftool.errors import DefinitionError
from perftool.score import projects
from perftool.score.projects import ProjectScores, is_project_ruleset, project_ruleset, score_projects

NATIONAL = "xmzp@1"
JINGMEN = "xmzpjm@1"


@pytest.fixture(autouse=True)
def _fresh_ruleset():
    project_ruleset.cache_clear()


@pytest.fixture(scope="module")
def plans() -> dict[str, WorkbookPlan]:
    return {NATIONAL: plan_workbook(2023, "示例单位", "001", set_name="xiangmu-zipingbiao",
                                    projects=[{"name": "行政审批大厅运行", "code": "X1", "budget": 200}]),
            JINGMEN: plan_workbook(2023, "荆门市行政审批局", "001", set_name="xiangmu-zipingbiao-jingmen",
                                   projects=[{"name": "证照邮寄费", "code": "P04", "budget": 10}])}


def row(name: str, target: Any = None, actual: Any = None, max: Any = 10, score: Any = None, *,
        level1: str = "产出指标", level2: str = "数量指标", unit: str = "", nature: str = "", **more: Any) -> dict:
    return {"level1": level1, "level2": level2, "name": name, "unit": unit, "nature": nature, "target": target,
            "actual": actual, "max": max, "score": score, **more}


def run(plans, key: str, rows: list[dict], computed: dict | None = None, filed: dict | None = None,
        longterm: list[dict] = (), rules: str | None = None, plan: WorkbookPlan | None = None) -> ProjectScores:
    block = "indicators" if key == NATIONAL else "annual"
    as_filed = {f"{key}.{n}": v for n, v in (filed or {}).items()}
    for name, group in ((block, rows), ("longterm", longterm)):
        for i, r in enumerate(group):
            as_filed.update({f"{key}.{name}[{i}].{n}": v for n, v in r.items() if v is not None})
    values = {f"{key}.{n}": v for n, v in (computed or {}).items()}
    out = score_projects(plan or plans[key], values, as_filed, rules)
    assert len(out) == 1
    return out[0]


def national(plans, rows, rate=1.0, budget=200, executed=200, **filed) -> ProjectScores:
    return run(plans, NATIONAL, rows, {"exec_rate": rate, "full_total": budget, "exec_total": executed},
               {"fund_max": 10, "exec_rate": rate, **filed})


def jingmen(plans, rows, rate=1.0, budget=10, executed=10, printed=None, **kw) -> ProjectScores:
    return run(plans, JINGMEN, rows, {"exec_rate": rate, "budget": budget, "executed": executed},
               {"exec_rate": rate if printed is None else printed, "budget": budget, "executed": executed,
                **kw.pop("filed", {})}, **kw)


def codes(p: ProjectScores) -> list[tuple[str, str, str | None, str]]:
    return [(f.code, f.severity, f.cell, f.sheet) for f in p.scores.findings]


def one(p: ProjectScores, code: str):
    found = [f for f in p.scores.findings if f.code == code]
    assert len(found) == 1, [f.code for f in p.scores.findings]
    return found[0]


FULL_NATIONAL = [row("办件数量", "≥1000", "1200", 20, 20), row("办结率", "100", "100", 30, 30, unit="%",
                                                                level2="质量指标"),
                 row("群众满意度", "≥90%", "95%", 10, 10, level1="满意度指标", level2="服务对象满意度指标"),
                 row("便民效益", "提升", "达成预期", 30, 30, level1="效益指标", level2="社会效益指标")]


# --- rule sets ---------------------------------------------------------------------------------------------------

def test_project_ruleset_refuses_another_kind():
    assert project_ruleset("xiangmu-2020")["execution"] == {"max": 10, "cap": 1}
    with pytest.raises(DefinitionError) as info:
        project_ruleset("zhengti-2021")
    assert str(info.value) == "评分规则集 zhengti-2021 不是项目支出绩效评分规则（应有 kind: project）"
    assert is_project_ruleset("xiangmu-2020") is True
    assert is_project_ruleset("zhengti-2021") is False


# --- the whole project: totals, grades, identity ------------------------------------------------------------------

def test_national_full_marks_to_dict(plans):
    p = national(plans, FULL_NATIONAL, fund_score=10, total_score=100)
    d = p.to_dict()
    assert {k: v for k, v in d.items() if k != "indicators"} == {
        "key": NATIONAL, "sheet": "1.行政审批大厅运行", "name": "行政审批大厅运行", "code": "X1", "budget": 200.0,
        "executed": 200.0, "rate": 1.0, "rules": "xiangmu-2020", "total": 100.0, "self_total": 100.0,
        "grade": "优", "self_grade": "优", "complete": True}
    assert [(i["id"], i["name"], i["max"], i["score"], i["self_score"], i["cell"]) for i in d["indicators"]] == [
        ("execution", "预算执行率", 10.0, 10.0, 10.0, "1.行政审批大厅运行!I7"),
        ("indicators[0]", "办件数量", 20.0, 20.0, 20.0, "1.行政审批大厅运行!I14"),
        ("indicators[1]", "办结率", 30.0, 30.0, 30.0, "1.行政审批大厅运行!I15"),
        ("indicators[2]", "群众满意度", 10.0, 10.0, 10.0, "1.行政审批大厅运行!I16"),
        ("indicators[3]", "便民效益", 30.0, 30.0, 30.0, "1.行政审批大厅运行!I17")]
    assert p.scores.source == "项目自评表：1.行政审批大厅运行"
    assert p.scores.points == "pro_rata" and p.scores.full == 100.0
    assert p.scores.findings == []


def test_totals_use_the_unit_score_where_a_row_cannot_be_judged(plans):
    rows = [row("办件数量", "≥1000", "800", 50, 45), row("便民效益", "提升", "情况良好", 30, 20, level1="效益指标"),
            row("群众满意度", "≥90%", "", 10, 7, level1="满意度指标", note="疫情影响")]
    p = national(plans, rows, rate=0.874, budget=2057, executed=1797.77, fund_score=8.7)
    assert [i.score for i in p.scores.indicators] == [8.74, 40.0, 24.0, None]
    assert [i.self_score for i in p.scores.indicators] == [8.7, 45.0, 20.0, 7.0]
    assert p.scores.total == 79.74  # 8.74 + 40 + 24 + the unit's 7
    assert p.scores.self_total == 80.7
    assert p.scores.complete is False and p.scores.grade is None and p.scores.self_grade == "良"
    assert (p.budget, p.executed, p.rate) == (2057.0, 1797.77, 0.874)


def test_the_filed_total_is_the_self_total(plans):
    p = national(plans, FULL_NATIONAL, total_score=89.995, fund_score=10)
    assert p.scores.self_total == 90.0 and p.scores.self_grade == "优"
    p = national(plans, FULL_NATIONAL, total_score="九十", fund_score=10)
    assert p.scores.self_total == 100.0


def test_grade_bands_by_total(plans):
    def total_of(x):
        rows = [row("办件数量", "100", str(x), 90, None)]
        return national(plans, rows, rate=1.0)
    for x, total, grade in [(100, 100.0, "优"), (88.89, 90.0, "优"), (88.88, 89.99, "良"), (77.78, 80.0, "良"),
                            (77.77, 79.99, "中"), (55.56, 60.0, "中"), (55.55, 59.99, "差"), (0, 10.0, "差")]:
        p = total_of(x)
        assert (p.scores.total, p.scores.grade, p.scores.self_grade) == (total, grade, "差"), x


def test_identity_from_the_sheet_when_the_plan_has_no_project(plans):
    bare = dataclasses.replace(plans[JINGMEN], projects={})
    p = run(plans, JINGMEN, [], {"exec_rate": 0.241, "budget": 10, "executed": 2.41},
            {"project_name": "证照邮寄费", "project_code": "P04", "exec_rate": 0.2408}, plan=bare)
    assert (p.name, p.code, p.sheet) == ("证照邮寄费", "P04", "1.证照邮寄费")
    p = run(plans, JINGMEN, [], {}, {}, plan=bare)
    assert (p.name, p.code) == ("", "")
    assert (p.budget, p.executed, p.rate, p.scores.total, p.scores.self_total) == (None, None, None, None, 0.0)
    assert p.scores.grade is None and p.scores.self_grade == "差" and p.scores.complete is False


def test_another_rule_set_by_name(plans, monkeypatch):
    seen = []
    real = projects.project_ruleset

    def spy(name):
        seen.append(name)
        return real("xiangmu-2020")
    monkeypatch.setattr(projects, "project_ruleset", spy)
    p = national(plans, FULL_NATIONAL)
    assert seen == ["xiangmu-2020"]
    p = run(plans, NATIONAL, FULL_NATIONAL, {"exec_rate": 1}, {"exec_rate": 1}, rules="mine")
    assert seen == ["xiangmu-2020", "mine"] and p.scores.rules == "mine"


# --- 预算执行率 -------------------------------------------------------------------------------------------------------

def test_execution_seed_002_project_1(plans):
    p = jingmen(plans, [], rate=0.874, budget=2057, executed=1797.77, printed=0.87)
    e = p.scores.indicators[0]
    assert (e.id, e.name, e.group, e.subgroup, e.max, e.score, e.self_score, e.value, e.cell) == (
        "execution", "预算执行率", "预算执行", "预算执行率", 10.0, 8.74, 8.7, 0.874, "1.证照邮寄费!H38")
    assert e.reason == "执行率 87.40%（执行数 1,797.77 ÷ 预算数 2,057.00），得分 = 分值 10 × 执行率 = 8.74"


@pytest.mark.parametrize(("rate", "score", "tail"), [
    (1.0, 10.0, "执行率 100.00%（执行数 100.00 ÷ 预算数 100.00），得分 = 分值 10 × 执行率 = 10"),
    (1.00004, 10.0, "执行率 100.00%（执行数 100.00 ÷ 预算数 100.00），得分 = 分值 10 × 100%（封顶） = 10"),
    (1.2, 10.0, "执行率 120.00%（执行数 120.00 ÷ 预算数 100.00），得分 = 分值 10 × 100%（封顶） = 10"),
    (0.5093, 5.09, "执行率 50.93%（执行数 50.93 ÷ 预算数 100.00），得分 = 分值 10 × 执行率 = 5.09"),
    (0.0, 0.0, "执行率 0.00%（执行数 0.00 ÷ 预算数 100.00），得分 = 分值 10 × 执行率 = 0")])
def test_execution_cap(plans, rate, score, tail):
    e = national(plans, [], rate=rate, budget=100, executed=100 * rate).scores.indicators[0]
    assert e.score == score and e.self_score == score
    assert e.reason == tail
    assert e.value == round(rate, 4)


def test_execution_score_the_unit_filed(plans):
    e = national(plans, [], rate=0.5, budget=100, executed=50, fund_score=4.996).scores.indicators[0]
    assert (e.score, e.self_score) == (5.0, 5.0)
    e = national(plans, [], rate=0.5, budget=100, executed=50, fund_score="").scores.indicators[0]
    assert (e.score, e.self_score) == (5.0, 5.0)


def test_execution_not_assessable(plans):
    p = jingmen(plans, [row("数量", "10", "10", 90, 90)], rate="", budget=None, executed=None, printed="")
    e = p.scores.indicators[0]
    assert (e.score, e.self_score, e.value) == (None, None, None)
    assert e.reason == "不可评价：缺少预算数或执行数"
    assert p.scores.total is None and p.scores.self_total == 90.0 and p.rate is None


def test_execution_weight_and_cap_from_the_rule_set(plans, monkeypatch):
    rs = {**project_ruleset("xiangmu-2020"), "execution": {"max": 20, "cap": 0.9}}
    monkeypatch.setattr(projects, "project_ruleset", lambda name: rs)
    e = national(plans, [], rate=0.95).scores.indicators[0]
    assert (e.max, e.score) == (20.0, 18.0) and e.reason.endswith("分值 20 × 90%（封顶） = 18")
    e = national(plans, [], rate=0.9).scores.indicators[0]
    assert e.score == 18.0 and e.reason.endswith("分值 20 × 执行率 = 18")
    rs = {**rs, "execution": {"max": 20}}
    e = national(plans, [], rate=1.3).scores.indicators[0]
    assert e.score == 20.0 and e.reason.endswith("分值 20 × 100%（封顶） = 20")


# --- quantitative indicators -------------------------------------------------------------------------------------

def indicator(plans, r: dict, form: str = NATIONAL, **kw):
    p = (national if form == NATIONAL else jingmen)(plans, [r], **kw)
    return p.scores.indicators[1], [f for f in p.scores.findings if f.code != "section-weight-differs"]


def test_seed_002_mailing_cost_over_target(plans):
    ind, found = indicator(plans, row("全年免费邮寄费用", "1.33", "1.38", 10, 10, level2="经济成本指标", unit="万元"),
                           JINGMEN, rate=0.241, budget=10, executed=2.41, printed=0.2408)
    assert (ind.id, ind.name, ind.group, ind.subgroup, ind.max, ind.score, ind.self_score, ind.value, ind.cell) == (
        "annual[0]", "全年免费邮寄费用", "产出指标", "经济成本指标", 10.0, 9.64, 10.0, "1.38", "1.证照邮寄费!J25")
    assert ind.reason == "反向指标（成本类指标，按反向指标）：完成值 1.38 超过指标值 1.33，按指标值/完成值 96.38% 得 9.64 分"
    [f] = found
    assert (f.code, f.severity, f.sheet, f.cell) == ("cost-over-target", "warning", "1.证照邮寄费", "J25")
    assert f.values == {"指标值": "1.33", "完成值": "1.38", "填报得分": 10.0, "建议得分": 9.64}
    assert f.message == ("1.证照邮寄费!J25（年度目标第1行／得分） 成本指标“全年免费邮寄费用”完成值 1.38 超过指标值 1.33，"
                         "却得满分 10；按指标值/完成值应得 9.64 分")


@pytest.mark.parametrize(("given", "codes_"), [(9.996, ["cost-over-target"]), (9.99, ["indicator-score-differs"]),
                                               (9.64, []), (None, [])])
def test_cost_over_target_only_at_full_marks(plans, given, codes_):
    _, found = indicator(plans, row("邮寄费用", "1.33", "1.38", 10, given, unit="万元", note="超支"))
    assert [f.code for f in found] == codes_


def test_a_reverse_indicator_over_target_is_not_a_cost(plans):
    _, found = indicator(plans, row("办理时长", "≤2", "4", 10, 10, level2="时效指标", unit="小时"))
    [f] = found
    assert f.code == "indicator-score-differs" and f.values == {"填报得分": 10.0, "建议得分": 5.0, "差额": 5.0}
    assert f.message == ("“办理时长”填报得分 10，按完成情况建议得分 5（反向指标（指标值带“≤”）：完成值 4 超过指标值 ≤2，"
                         "按指标值/完成值 50.00% 得 5 分）")
    assert (f.sheet, f.cell, f.severity) == ("1.行政审批大厅运行", "I14", "warning")


@pytest.mark.parametrize(("target", "actual", "nature", "score", "reason"), [
    ("1000", "1000", "", 20.0, "正向指标（未填指标性质，按正向指标）：完成值 1000 达到指标值 1000，得满分"),
    ("1000", "1200", "正向", 20.0, "正向指标（指标性质为“正向”）：完成值 1200 达到指标值 1000，得满分"),
    ("1000", "999", "", 19.98, "正向指标（未填指标性质，按正向指标）：完成值 999 未达到指标值 1000，按完成值/指标值 99.90% 得 19.98 分"),
    ("0", "0", "", 20.0, "正向指标（未填指标性质，按正向指标）：完成值 0 达到指标值 0，得满分"),
    ("≥10", "5", "", 10.0, "正向指标（指标值带“≥”）：完成值 5 未达到指标值 ≥10，按完成值/指标值 50.00% 得 10 分"),
    ("≤5", "5", "", 20.0, "反向指标（指标值带“≤”）：完成值 5 未超过指标值 ≤5，得满分"),
    ("≤5", "8", "", 12.5, "反向指标（指标值带“≤”）：完成值 8 超过指标值 ≤5，按指标值/完成值 62.50% 得 12.5 分"),
    ("5", "0", "反向", 20.0, "反向指标（指标性质为“反向”）：完成值 0 未超过指标值 5，得满分"),
    ("0", "4", "反向", 0.0, "反向指标（指标性质为“反向”）：完成值 4 超过指标值 0，按指标值/完成值 0.00% 得 0 分"),
    ("12", "12", "等于", 20.0, "等于指标（指标性质为“等于”）：完成值 12 等于指标值 12，得满分"),
    ("12", "9", "等于", 15.0, "等于指标（指标性质为“等于”）：完成值 9 不等于指标值 12，按较小值/较大值 75.00% 得 15 分"),
    ("12", "16", "等于", 15.0, "等于指标（指标性质为“等于”）：完成值 16 不等于指标值 12，按较小值/较大值 75.00% 得 15 分"),
    ("0", "4", "等于", 0.0, "等于指标（指标性质为“等于”）：完成值 4 不等于指标值 0，按较小值/较大值 0.00% 得 0 分"),
    ("不超过3", "2", "", 20.0, "反向指标（指标值带“不超过”）：完成值 2 未超过指标值 不超过3，得满分"),
])
def test_quantitative_methods(plans, target, actual, nature, score, reason):
    ind, found = indicator(plans, row("办件数量", target, actual, 20, score, nature=nature, note="说明"))
    assert (ind.score, ind.reason) == (score, reason)
    assert found == []


def test_quantitative_given_score_differs(plans):
    ind, found = indicator(plans, row("办件数量", "1000", "999", 20, 19.975, note="x"))
    assert ind.score == 19.98 and found == []  # within 0.005
    ind, found = indicator(plans, row("办件数量", "1000", "999", 20, 20, note="x"))
    [f] = found
    assert f.values == {"填报得分": 20.0, "建议得分": 19.98, "差额": 0.02}


def test_percent_written_without_the_sign(plans):
    ind, _ = indicator(plans, row("办结率", "100", "98", 10, 9.8, unit="%", level2="质量指标", note="x"))
    assert ind.score == 9.8 and ind.reason.endswith("按完成值/指标值 98.00% 得 9.8 分")
    ind, _ = indicator(plans, row("办结率", "≥95%", "98", 10, 10, unit="%"))
    assert ind.score == 10.0  # 98 read as 98%
    ind, _ = indicator(plans, row("件数", "100", "98", 10, 9.8, unit="件", note="x"))
    assert ind.score == 9.8


@pytest.mark.parametrize(("actual", "assessable"), [("100%", True), ("100.0000001%", True), ("101%", False),
                                                   ("101", False), ("1.01", True)])
def test_percent_over_100(plans, actual, assessable):
    ind, found = indicator(plans, row("证照下发审核准确率", "100", actual, 10, 10, unit="%", level2="质量指标"))
    assert ind.assessable is assessable
    if not assessable:
        f = one_of(found, "percent-over-100")
        assert (f.severity, f.cell) == ("error", "G14")
        assert f.values == {"完成值": actual, "单位": "%", "指标值": "100"}


def one_of(found, code):
    [f] = [f for f in found if f.code == code]
    return f


def test_seed_002_percent_pasted_from_another_row(plans):
    ind, found = indicator(plans, row("证照下发审核准确率", "100", "415000", 10, 10, unit="%", level2="质量指标"),
                           JINGMEN)
    assert ind.score is None and ind.self_score == 10.0
    assert ind.reason == "不可评价：完成值 415000% 超过 100%，该比率不可能超过 100%，请核实"
    [f] = found
    assert (f.code, f.severity, f.cell) == ("percent-over-100", "error", "H25")
    assert f.message == ("1.证照邮寄费!H25（年度目标第1行／完成值(B)） “证照下发审核准确率”单位为 %，完成值 415000（即 415000%）"
                         "超过 100%，该比率不可能超过 100%（可能填错行或填错单位）")
    assert f.values == {"完成值": "415000", "单位": "%", "指标值": "100"}


@pytest.mark.parametrize(("name", "bounded"), [("群众满意度", True), ("办结率", True), ("满意度调查次数", False),
                                               ("增长率提升", False)])
def test_bounded_percent_by_the_end_of_the_name(plans, name, bounded):
    ind, found = indicator(plans, row(name, "≥90%", "120%", 10, 10))
    assert ind.assessable is not bounded
    assert [f.code for f in found] == (["percent-over-100"] if bounded else [])


def test_seed_002_actual_restates_the_target(plans):
    ind, found = indicator(plans, row("系统故障率", "≤1%", "≤1%", 10, 10, level2="质量指标", unit="%"), JINGMEN,
                           rate=0.0, budget=16, executed=0)
    assert ind.score is None and ind.reason == ("不可评价：完成值“≤1%”只重复了指标值的写法，不是实际完成的数值，"
                                                "请填写实际数，由评价人核实")
    f = one_of(found, "actual-restates-target")
    assert (f.severity, f.cell) == ("warning", "H25")
    assert f.values == {"指标值": "≤1%", "完成值": "≤1%"}
    assert f.message == ("1.证照邮寄费!H25（年度目标第1行／完成值(B)） “系统故障率”完成值“≤1%”带比较符号，只是重述指标值“≤1%”，"
                         "不是实际完成数")


def test_a_signed_actual_of_a_qualitative_indicator_is_read_as_text(plans):
    ind, found = indicator(plans, row("服务质量", "≥90%", "≥95%", 10, 9, nature="定性", note="x"))
    assert ind.reason.startswith("不可评价：定性指标，完成情况“≥95%”未说明达成程度") and found == []


# --- direction ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("r", "why"), [
    (row("邮寄费用", "5", "6"), "反向指标（成本类指标，按反向指标）"),
    (row("运行经费", "5", "6"), "反向指标（成本类指标，按反向指标）"),
    (row("建设成本", "5", "6"), "反向指标（成本类指标，按反向指标）"),
    (row("印刷", "5", "6", level1="成本指标"), "反向指标（成本类指标，按反向指标）"),
    (row("印刷", "5", "6", level2="经济 成本指标"), "反向指标（成本类指标，按反向指标）"),
    (row("印刷", "5", "6", level2="成本指标"), "反向指标（成本类指标，按反向指标）"),
    (row("印刷", "5", "6", unit="元"), "反向指标（成本类指标，按反向指标）"),
    (row("印刷", "5", "6", unit="万元"), "反向指标（成本类指标，按反向指标）"),
    (row("印刷", "5", "6", unit="张"), "正向指标（未填指标性质，按正向指标）"),
    (row("印刷", "5", "6", level2="社会效益指标"), "正向指标（未填指标性质，按正向指标）"),
    (row("邮寄费用", "≥5", "6"), "正向指标（指标值带“≥”）"),
    (row("邮寄费用", "5", "6", nature="正向"), "正向指标（指标性质为“正向”）"),
    (row("印刷", "5", "6", nature=" 反向 "), "反向指标（指标性质为“反向”）"),
    (row("印刷", "<5", "6"), "反向指标（指标值带“<”）"),
])
def test_direction_and_its_source(plans, r, why):
    ind, _ = indicator(plans, {**r, "note": "x"})
    assert ind.reason.startswith(why + "：完成值 6 ")


def test_fullwidth_text_is_normalised(plans):
    ind, _ = indicator(plans, row(" 办件数量 ", "１０００", "８００", 10, 8, unit="件"))
    assert (ind.name, ind.score, ind.value) == ("办件数量", 8.0, "800")
    assert ind.reason == "正向指标（未填指标性质，按正向指标）：完成值 800 未达到指标值 1000，按完成值/指标值 80.00% 得 8 分"


# --- qualitative indicators --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("actual", "given", "score", "reason"), [
    ("达成预期指标", 10, 10.0, "定性指标：完成情况“达成预期指标”含“达成”，属“达成”档（分值的 80%–100%，即 8–10 分），填报得分在档内得 10 分"),
    ("达成预期指标", 8, 8.0, "定性指标：完成情况“达成预期指标”含“达成”，属“达成”档（分值的 80%–100%，即 8–10 分），填报得分在档内得 8 分"),
    ("达成预期指标", 7.99, 8.0, "定性指标：完成情况“达成预期指标”含“达成”，属“达成”档（分值的 80%–100%，即 8–10 分），建议得 8 分"),
    ("达成预期指标", None, 10.0, "定性指标：完成情况“达成预期指标”含“达成”，属“达成”档（分值的 80%–100%，即 8–10 分），建议得 10 分"),
    ("基本完成", 8, 8.0, "定性指标：完成情况“基本完成”含“基本完成”，属“部分达成”档（分值的 60%–80%，即 6–8 分），填报得分在档内得 8 分"),
    ("基本完成", 8.01, 8.0, "定性指标：完成情况“基本完成”含“基本完成”，属“部分达成”档（分值的 60%–80%，即 6–8 分），建议得 8 分"),
    ("基本完成", 6, 6.0, "定性指标：完成情况“基本完成”含“基本完成”，属“部分达成”档（分值的 60%–80%，即 6–8 分），填报得分在档内得 6 分"),
    ("未完成", 0, 0.0, "定性指标：完成情况“未完成”含“未完成”，属“未达成”档（分值的 0%–60%，即 0–6 分），填报得分在档内得 0 分"),
    ("有效提升", 9, 9.0, "定性指标：完成情况“有效提升”与指标值一致，属“达成”档（分值的 80%–100%，即 8–10 分），填报得分在档内得 9 分"),
])
def test_qualitative_bands(plans, actual, given, score, reason):
    ind, found = indicator(plans, row("服务效果", "有效提升", actual, 10, given, level1="效益指标", note="x"))
    assert (ind.score, ind.self_score, ind.reason) == (score, given if given is None else float(given), reason)
    if given is not None and given != score:
        [f] = found
        assert f.code == "indicator-score-differs"
        assert f.values == {"填报得分": float(given), "建议得分": score, "差额": round(given - score, 2)}
    else:
        assert found == []


def test_qualitative_without_a_band_or_an_actual(plans):
    ind, found = indicator(plans, row("服务效果", "有效提升", "持续推进中", 10, 5, note="x"))
    assert (ind.score, ind.reason) == (None, "不可评价：定性指标，完成情况“持续推进中”未说明达成程度，由评价人评分")
    assert found == []
    ind, found = indicator(plans, row("服务效果", "有效提升", None, 10, 5, note="x"))
    assert (ind.score, ind.reason, ind.value) == (None, "不可评价：缺少完成值", None)
    ind, _ = indicator(plans, row("服务效果", "有效提升", "", 10, 5, nature="定性", note="x"))
    assert ind.reason == "不可评价：缺少完成值"


def test_qualitative_when_the_target_is_not_a_figure(plans):
    ind, _ = indicator(plans, row("服务效果", "逐步提高", "12", 10, 10))
    assert ind.reason.startswith("不可评价：定性指标，完成情况“12”")
    ind, _ = indicator(plans, row("服务效果", "12", "明显提升", 10, 10))
    assert ind.score == 10.0 and ind.reason == ("定性指标：完成情况“明显提升”含“明显提升”，属“达成”档（分值的 80%–100%，"
                                                "即 8–10 分），填报得分在档内得 10 分")


def test_the_first_band_with_a_keyword_wins(plans):
    ind, _ = indicator(plans, row("服务效果", "提升", "部分达成", 10, 7, note="x"))
    assert "属“部分达成”档" in ind.reason and ind.score == 7.0
    ind, _ = indicator(plans, row("服务效果", "提升", "未达成", 10, 5, note="x"))
    assert "含“未达成”，属“未达成”档" in ind.reason and ind.score == 5.0


# --- 偏差原因 ------------------------------------------------------------------------------------------------------

def test_deviation_unexplained_on_the_row(plans):
    _, found = indicator(plans, row("办件数量", "1000", "800", 10, 8))
    [f] = found
    assert (f.code, f.severity, f.cell) == ("deviation-unexplained", "warning", "J14")
    assert f.values == {"分值": 10.0, "得分": 8.0}
    assert f.message == "“办件数量”得分 8 低于分值 10，1.行政审批大厅运行!J14（第1行／偏差原因分析及改进措施） 未说明偏差原因"
    for given in (9.996, 10, None):
        _, found = indicator(plans, row("办件数量", "1000", "1000", 10, given))
        assert found == []
    _, found = indicator(plans, row("办件数量", "1000", "999", 10, 9.99))
    assert [f.code for f in found] == ["deviation-unexplained"]


def test_deviation_on_the_jingmen_sheet(plans):
    r = row("办件数量", "1000", "800", 10, 8)
    _, found = indicator(plans, r, JINGMEN)
    [f] = found
    assert (f.code, f.cell) == ("deviation-unexplained", "C39")
    assert f.message.endswith("未说明偏差原因") and f.message.startswith("“办件数量”得分 8 低于分值 10，1.证照邮寄费!C39")
    _, found = indicator(plans, r, JINGMEN, filed={"deviation": "受疫情影响"})
    assert found == []


# --- rows, weights, nothing spent, long-term targets --------------------------------------------------------------

def test_only_rows_with_a_name_a_max_or_a_score(plans):
    rows = [row("办件数量", "100", "100", 10, 10), {"target": "100", "actual": "100", "note": "说明"},
            {"max": 5}, {"score": 3}, {"level1": "产出指标", "unit": "件"}, row("满意度", "90%", "95%", 10, 10)]
    p = national(plans, rows)
    assert [(i.id, i.name, i.max, i.self_score) for i in p.scores.indicators[1:]] == [
        ("indicators[0]", "办件数量", 10.0, 10.0), ("indicators[1]", "", 5.0, None), ("indicators[2]", "", 0.0, 3.0),
        ("indicators[3]", "满意度", 10.0, 10.0)]


def test_section_weights_seed_002(plans):
    rows = [row("数量", "1", "1", 40, 40), row("时效", "1", "1", 10, 10, level1="成本指标"),
            row("效益", "1", "1", 20, 20, level1="效益指标"), row("满意度", "1", "1", 10, 10, level1="满意度指标")]
    p = jingmen(plans, rows)
    f = one(p, "section-weight-differs")
    assert (f.severity, f.sheet, f.cell) == ("warning", "1.证照邮寄费", "I35")
    assert f.values == {"指标分值合计": 80.0, "规则分值": 90.0, "效益指标分值": 20.0}
    assert f.message == ("指标分值合计 80，评分规则 项目支出绩效自评评分（全国通行方法） 为 90（另加预算执行率 10 分）："
                         "效益指标 20（规则 30）")


def test_section_weights_exact_and_unknown_sections(plans):
    rows = [row("数量", "1", "1", 49.996, 50), row("效益", "1", "1", 30, 30, level1="效益指标"),
            row("满意度", "1", "1", 10, 10, level1="满意度指标")]
    assert national(plans, rows).scores.findings == []
    rows = [row("数量", "1", "1", 50, 50), row("效益", "1", "1", 30, 30, level1="效益指标"),
            row("满意度", "1", "1", 5, 5, level1="满意度指标"), row("其他", "1", "1", 5, 5, level1="其他指标"),
            row("空", "1", "1", 0.5, 0.5, level1="")]
    f = one(national(plans, rows), "section-weight-differs")
    assert f.values == {"指标分值合计": 90.5, "规则分值": 90.0, "满意度指标分值": 5.0, "其他指标分值": 5.0,
                        "未填一级指标分值": 0.5}
    assert f.message.endswith("：满意度指标 5（规则 10）、其他指标 5（规则 0）、未填一级指标 0.5（规则 0）")
    assert f.cell == "H26"
    assert national(plans, []).scores.findings == []


def test_section_weights_and_the_sheet_execution_weight(plans):
    ok = [row("数量", "1", "1", 50, 50), row("效益", "1", "1", 30, 30, level1="效益指标"),
          row("满意度", "1", "1", 10, 10, level1="满意度指标")]
    f = one(national(plans, ok, fund_max=20), "section-weight-differs")
    assert f.message == ("指标分值合计 90，评分规则 项目支出绩效自评评分（全国通行方法） 为 90（另加预算执行率 10 分）"
                         "；表中预算执行率分值 20，规则为 10")
    assert f.values == {"指标分值合计": 90.0, "规则分值": 90.0}
    assert national(plans, ok, fund_max=10.004).scores.findings == []
    assert national(plans, ok, fund_max="十").scores.findings == []
    f = one(national(plans, ok[:2], fund_max=9), "section-weight-differs")
    assert f.message.endswith("：满意度指标 0（规则 10）；表中预算执行率分值 9，规则为 10")


def test_seed_002_nothing_spent_yet_outputs_full(plans):
    rows = [row("系统运维次数", "≥5个", "≥5个", 20, 20), row("故障率", "≤1%", "≤1%", 20, 20, level1="成本指标"),
            row("效益", "提升", "提升", 30, 24, level1="效益指标", note="x"),
            row("满意度", "≥95%", "≥95%", 10, 10, level1="满意度指标")]
    p = national(plans, rows, rate=0.0, budget=16, executed=0)
    f = one(p, "zero-execution-full-marks")
    assert (f.severity, f.cell) == ("warning", "I7")
    assert f.values == {"执行率": 0.0, "产出指标得分": 40.0, "产出指标项数": 2}
    assert f.cells == ["1.行政审批大厅运行!I14", "1.行政审批大厅运行!I15"]
    assert f.message == ("1.行政审批大厅运行!I7（年度资金总额／执行率） 预算执行率为 0（未支出），产出指标却全部得满分"
                         "（2 项共 40 分）；请说明未支出如何完成产出，或按实际完成情况评分")


@pytest.mark.parametrize(("rate", "scores", "found"), [(0.0, (20, 19.996), True), (-0.01, (20, 20), True),
                                                      (0.0001, (20, 20), False), (0.0, (20, 19.99), False),
                                                      (0.0, (20, None), False), ("", (20, 20), False)])
def test_nothing_spent_edges(plans, rate, scores, found):
    rows = [row("次数", "5", "5", 20, scores[0]), row("件数", "5", "5", 20, scores[1], note="x")]
    p = national(plans, rows, rate=rate)
    assert ("zero-execution-full-marks" in [f.code for f in p.scores.findings]) is found


def test_nothing_spent_without_outputs(plans):
    rows = [row("效益", "5", "5", 30, 30, level1="效益指标")]
    assert "zero-execution-full-marks" not in [f.code for f in national(plans, rows, rate=0).scores.findings]


def test_seed_002_annual_below_longterm(plans):
    rows = [row("全年免费邮寄数量", "1128", "1128", 20, 20, unit="件"), row("邮寄及时率", "≥95%", "96%", 10, 10),
            row("群众满意度", "≥158", "160", 10, 10, level1="满意度指标"), row("故障时长", "≤2", "1", 10, 10),
            row("超时次数", "≤3", "1", 10, 10), row("", "5", "5", 10, 10), row("无数", "多", "多", 10, 10),
            row("等保", "3", "3", 10, 10)]
    longterm = [row("全年免费邮寄数量", "1132", unit="件"), row("邮寄及时率", "≥95%"), row("群众满意度", "≥160"),
                row("故障时长", "≤1"), row("超时次数", "≥2"), row("", "8"), row("无数", "9"), row("等保", "3")]
    p = jingmen(plans, rows, longterm=longterm)
    below = [f for f in p.scores.findings if f.code == "annual-below-longterm"]
    assert [(f.severity, f.cell, f.values, f.cells) for f in below] == [
        ("warning", "G25", {"年度目标值": "1128", "长期目标值": "1132"}, ["1.证照邮寄费!G12"]),
        ("warning", "G27", {"年度目标值": "≥158", "长期目标值": "≥160"}, ["1.证照邮寄费!G14"]),
        ("warning", "G28", {"年度目标值": "≤2", "长期目标值": "≤1"}, ["1.证照邮寄费!G15"])]
    assert below[0].message == ("1.证照邮寄费!G25（年度目标第1行／目标值(A)） “全年免费邮寄数量”年度目标值 1128 低于长期目标值 "
                                "1132（1.证照邮寄费!G12）；请说明理由")


def test_long_term_percent_targets_scaled_alike(plans):
    p = jingmen(plans, [row("办结率", "98", "98", 10, 10, unit="%")], longterm=[row("办结率", "99%", unit="%")])
    assert [f.values for f in p.scores.findings if f.code == "annual-below-longterm"] == [
        {"年度目标值": "98", "长期目标值": "99%"}]
    p = jingmen(plans, [row("办结率", "99", "99", 10, 10, unit="%")], longterm=[row("办结率", "99%", unit="%")])
    assert [f for f in p.scores.findings if f.code == "annual-below-longterm"] == []


# --- edges the mutation run asked for -----------------------------------------------------------------------------

def test_every_row_keeps_its_findings(plans):
    rows = [row("办件数量", "1000", "800", 10, 10, note="x"), row("办结率", "100", "90", 10, 10, note="x")]
    p = national(plans, rows)
    assert [(f.code, f.cell) for f in p.scores.findings if f.code != "section-weight-differs"] == [
        ("indicator-score-differs", "I14"), ("indicator-score-differs", "I15")]


def test_totals_count_a_blank_or_zero_score_as_nothing(plans):
    rows = [row("办件数量", "1000", "1000", 50, 50), row("效益", "提升", "推进中", 30, 0, level1="效益指标"),
            {"max": 10}]
    p = national(plans, rows, rate=1.0)
    assert [i.score for i in p.scores.indicators] == [10.0, 50.0, None, None]
    assert (p.scores.total, p.scores.self_total) == (60.0, 60.0)


def test_the_filed_total_keeps_its_cents(plans):
    p = national(plans, FULL_NATIONAL, total_score=88.7, fund_score=10)
    assert p.scores.self_total == 88.7 and p.scores.self_grade == "良"


def test_rate_and_amounts_rounded(plans):
    p = national(plans, [], rate=0.87404, budget=2057.123, executed=1797.7749)
    assert (p.rate, p.budget, p.executed) == (0.874, 2057.12, 1797.77)
    assert p.scores.indicators[0].value == 0.874


def rule_set_without(monkeypatch, *keys: str, **changes: Any) -> dict:
    rs = {k: v for k, v in project_ruleset("xiangmu-2020").items() if k not in keys}
    rs.update(changes)
    monkeypatch.setattr(projects, "project_ruleset", lambda name: rs)
    return rs


def test_full_marks_from_the_rule_set(plans, monkeypatch):
    rule_set_without(monkeypatch, execution={"max": 20, "cap": 1})
    p = national(plans, FULL_NATIONAL, fund_max=20)
    assert p.scores.full == 110.0 and p.scores.total == 110.0 and p.scores.grade == "优"


def test_a_rule_set_without_cost_percent_or_bands(plans, monkeypatch):
    rule_set_without(monkeypatch, "cost", "bounded_percent", "qualitative")
    ind, _ = indicator(plans, row("邮寄费用", "5", "6", 10, 10, unit="万元", level2="经济成本指标", note="x"))
    assert ind.reason.startswith("正向指标（未填指标性质，按正向指标）") and ind.score == 10.0
    ind, found = indicator(plans, row("群众满意度", "≥90%", "120%", 10, 10))
    assert ind.score == 10.0 and found == []
    ind, _ = indicator(plans, row("服务效果", "提升", "达成", 10, 10))
    assert ind.reason == "不可评价：定性指标，完成情况“达成”未说明达成程度，由评价人评分"


def test_percent_unit_without_a_figure_and_with_a_sign(plans):
    ind, _ = indicator(plans, row("服务质量", "明显提升", "明显提升", 10, 10, unit="%"))
    assert ind.score == 10.0 and "与指标值一致" in ind.reason
    ind, _ = indicator(plans, row("办结率", "≥95", "96", 10, 10, unit="%"))
    assert ind.reason == "正向指标（指标值带“≥”）：完成值 96 达到指标值 ≥95，得满分"
    ind, found = indicator(plans, row("故障率", "≤1", "≤1", 10, 10, unit="%"))
    assert ind.score is None and [f.code for f in found] == ["actual-restates-target"]


def test_a_signed_actual_against_a_text_target(plans):
    ind, found = indicator(plans, row("服务质量", "逐步提高", "≥95%", 10, 9, note="x"))
    assert ind.reason == "不可评价：定性指标，完成情况“≥95%”未说明达成程度，由评价人评分" and found == []


def test_the_unit_score_rounded_to_cents(plans):
    ind, found = indicator(plans, row("邮寄费用", "1.33", "1.38", 10, 9.996, unit="万元"))
    assert ind.self_score == 10.0 and [f.code for f in found] == ["cost-over-target"]


def test_a_cost_within_target_at_full_marks(plans):
    ind, found = indicator(plans, row("邮寄费用", "1.33", "1.33", 10, 10, unit="万元"))
    assert ind.score == 10.0 and found == []


def test_full_marks_of_an_uneven_max(plans):
    _, found = indicator(plans, row("邮寄费用", "1.33", "1.38", 10.005, 10, unit="万元"))
    assert [f.code for f in found] == ["cost-over-target"]
    _, found = indicator(plans, row("办件数量", "1000", "800", 10.005, 10))
    assert [f.code for f in found] == ["indicator-score-differs"]


def test_cost_message_shows_the_suggestion_as_a_score(plans):
    _, found = indicator(plans, row("邮寄费用", "1.2", "1.25", 10, 10, unit="万元"))
    [f] = found
    assert f.values["建议得分"] == 9.6 and f.message.endswith("却得满分 10；按指标值/完成值应得 9.6 分")


def test_qualitative_score_differs_message(plans):
    _, found = indicator(plans, row("服务效果", "提升", "基本完成", 10, 9, note="x"))
    [f] = found
    assert (f.code, f.sheet, f.cell) == ("indicator-score-differs", "1.行政审批大厅运行", "I14")
    assert f.message == ("“服务效果”填报得分 9，按完成情况建议得分 8（定性指标：完成情况“基本完成”含“基本完成”，属“部分达成”档"
                         "（分值的 60%–80%，即 6–8 分），建议得 8 分）")


@pytest.mark.parametrize(("target", "actual", "nature", "score"), [
    (-5, 0, "反向", 10.0), (0, -1, "等于", 10.0), (12, 12 + 5e-10, "等于", 10.0), (12.5, 12, "等于", 9.6),
    (12, 12.5, "等于", 9.6)])
def test_quantitative_numbers_typed_as_numbers(plans, target, actual, nature, score):
    ind, _ = indicator(plans, row("件数", target, actual, 10, score, nature=nature, note="x"))
    assert ind.score == score
    assert ind.reason.endswith("，得满分" if score == 10 else "，按较小值/较大值 96.00% 得 9.6 分")


@pytest.mark.parametrize(("actual", "given", "score", "band"), [
    ("基本完成", None, 8.01, "6.01–8.01"), ("基本完成", 5, 6.01, "6.01–8.01"), ("达成", 8.01, 8.01, "8.01–10.01")])
def test_qualitative_band_edges_in_cents(plans, actual, given, score, band):
    ind, _ = indicator(plans, row("服务效果", "提升", actual, 10.01, given, note="x"))
    assert ind.score == score and f"即 {band} 分" in ind.reason


def test_weights_of_sections_outside_the_rule_set(plans):
    rows = [row("数量", "1", "1", 50, 50), row("效益", "1", "1", 30, 30, level1="效益指标"),
            row("满意度", "1", "1", 10, 10, level1="满意度指标"), row("甲", "1", "1", 0.5, 0.5, level1="其他指标"),
            row("乙", "1", "1", 0.5, 0.5, level1="其他指标"), row("丙", "1", "1", 0.25, 0.25, level1=""),
            row("丁", "1", "1", 0.25, 0.25, level1="")]
    f = one(national(plans, rows), "section-weight-differs")
    assert f.values == {"指标分值合计": 91.5, "规则分值": 90.0, "其他指标分值": 1.0, "未填一级指标分值": 0.5}
    rows = [row("数量", "1", "1", 50, 50), row("效益", "1", "1", 30, 30, level1="效益指标"),
            row("满意度", "1", "1", 10, 10, level1="满意度指标"), row("甲", "1", "1", 0.005, 0, level1="其他指标",
                                                                   note="x")]
    assert "section-weight-differs" not in [f.code for f in national(plans, rows).scores.findings]  # 0.005: within


def test_sheet_execution_weight_tolerance(plans, monkeypatch):
    rule_set_without(monkeypatch, execution={"max": 0, "cap": 1},
                     sections=[{"name": "产出指标", "max": 100, "includes": ["成本指标"]}])
    ok = [row("数量", "1", "1", 100, 100)]
    assert national(plans, ok, fund_max=0.005).scores.findings == []
    assert [f.code for f in national(plans, ok, fund_max=0.006).scores.findings] == ["section-weight-differs"]


def test_nothing_spent_with_an_uneven_max_and_a_zero_row(plans):
    rows = [row("次数", "5", "5", 10.005, 10), row("件数", "5", "5", 0, 0)]
    f = one(national(plans, rows, rate=0.0), "zero-execution-full-marks")
    assert f.values == {"执行率": 0.0, "产出指标得分": 10.0, "产出指标项数": 2}
    assert "（2 项共 10 分）" in f.message


def test_long_term_targets_after_unmatched_rows(plans):
    rows = [row("", "5", "5", 10, 10), row("新增", "5", "5", 10, 10), row("超时次数", "≤3", "1", 10, 10),
            row("无数", "多", "多", 10, 10), row("故障时长", "≤2", "1", 10, 10), row("等时", "≤2", "1", 10, 10),
            row("办结率", "99", "99", 10, 10, unit="%"), row("件数", "8", "8", 10, 10)]
    longterm = [row("", "8"), row("超时次数", "≥2"), row("无数", "9"), row("故障时长", "≤1"), row("等时", "≤2"),
                row("办结率", "98", unit="%"), row("件数", "9")]
    p = jingmen(plans, rows, longterm=longterm)
    assert [(f.cell, f.values) for f in p.scores.findings if f.code == "annual-below-longterm"] == [
        ("G29", {"年度目标值": "≤2", "长期目标值": "≤1"}), ("G32", {"年度目标值": "8", "长期目标值": "9"})]


def test_a_form_without_an_execution_rate_field(plans):
    plan = plans[NATIONAL]
    layout = plan.layouts[NATIONAL]
    roles = {k: v for k, v in layout.table.scoring.items() if k != "rate"}
    table = dataclasses.replace(layout.table, scoring=roles)
    bare = dataclasses.replace(plan, layouts={NATIONAL: dataclasses.replace(layout, table=table)})
    p = run(plans, NATIONAL, [row("次数", "5", "5", 50, 50)], {"exec_rate": 0.0}, {"exec_rate": 0.0}, plan=bare)
    e = p.scores.indicators[0]
    assert (e.score, e.cell, p.rate) == (None, None, None)
    assert [f.code for f in p.scores.findings] == ["section-weight-differs"]


def test_equal_means_within_a_billionth(plans):
    ind, _ = indicator(plans, row("件数", 1e-9, 0, 10, 0, nature="等于", note="x"))
    assert ind.score == 0.0 and "不等于指标值" in ind.reason
