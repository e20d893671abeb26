"""附件2 自评表 rows: the 指标性质 a row is scored by, and the exact suggested score and reason of 等于, 反向, 正向 and
定性 rows at their edges (equal figures, zero targets), read from the rows of a filed 自评表."""

from __future__ import annotations

import pytest

from perftool.definitions.scoresheet import load_ruleset
from perftool.definitions.workbook import plan_workbook
from perftool.engine import engine_for
from perftool.score import self_evaluation
from perftool.score.self_evaluation import direction, score_self_evaluation, suggest

RULES = "zhengti-2021"
PLAN = plan_workbook(2023, "测试单位", "900001", ["fj2"], {"fj2.quantity": 2})
RULESET, _ = load_ruleset(RULES)
BANDS = RULESET["self_evaluation"]["qualitative"]
DIRECTIONS = RULESET["self_evaluation"]["directions"]
FILED = "按填报的指标性质"
# seed 001 (整体支出绩效评价指标): “政府采购执行率等于100%的，得3分”, “三公经费控制率≦100%，计6分”
PURCHASE = "政府采购执行率"


@pytest.mark.parametrize("nature, target, name, expected", [
    ("等于", "100%", PURCHASE, ("等于", FILED)),
    (" 反向 ", "≥95%", None, ("反向", FILED)),  # the unit's 指标性质 wins over the sign of the 指标值
    ("定性", "100%", None, ("定性", FILED)),
    ("其他", "≤3天", None, ("反向", "按指标值中的“≤”")),  # not one of the 附件2 choices: read from the 指标值
    (None, "100%", "三公经费控制率", ("反向", "按指标名称中的“控制率”")),
    (None, "100%", "公用经费控制率", ("反向", "按指标名称中的“公用经费控制率”")),
    (None, "100%", PURCHASE, ("正向", "未填指标性质，按正向")),
    (None, "100%", 7, ("正向", "未填指标性质，按正向")),
])
def test_the_nature_of_a_row_comes_from_the_unit_then_the_target_then_the_name(nature, target, name, expected):
    assert direction(nature, target, name, DIRECTIONS) == expected


@pytest.mark.parametrize("kind, target, actual, maximum, expected", [
    ("等于", "100%", "100%", 3, (3.0, "等于指标（按填报的指标性质）：完成值 100% 等于指标值 100%，得满分")),
    ("等于", "100%", "98%", 3, (2.94, "等于指标（按填报的指标性质）：完成值 98% 偏离指标值 100%，按完成比例 98.00% 得 2.94 分")),
    ("等于", "100%", "102%", 3, (2.94, "等于指标（按填报的指标性质）：完成值 102% 偏离指标值 100%，按完成比例 98.04% 得 2.94 分")),
    ("等于", "0", "0", 3, (3.0, "等于指标（按填报的指标性质）：完成值 0 等于指标值 0，得满分")),
    ("等于", "0", "2", 3, (0.0, "等于指标（按填报的指标性质）：完成值 2 偏离指标值 0，按完成比例 0.00% 得 0 分")),
    ("等于", "2", "0", 3, (0.0, "等于指标（按填报的指标性质）：完成值 0 偏离指标值 2，按完成比例 0.00% 得 0 分")),
    ("反向", "100%", "100%", 6, (6.0, "反向指标（按填报的指标性质）：完成值 100% 未超过指标值 100%，得满分")),
    ("反向", "100%", "120%", 6, (5.0, "反向指标（按填报的指标性质）：完成值 120% 超过指标值 100%，按完成比例 83.33% 得 5 分")),
    ("反向", "0", "0", 6, (6.0, "反向指标（按填报的指标性质）：完成值 0 未超过指标值 0，得满分")),
    ("反向", "0", "1", 6, (0.0, "反向指标（按填报的指标性质）：完成值 1 超过指标值 0，按完成比例 0.00% 得 0 分")),
    ("正向", "100%", "100%", 3, (3.0, "正向指标（按填报的指标性质）：完成值 100% 达到指标值 100%，得满分")),
    ("正向", "100%", "98%", 3, (2.94, "正向指标（按填报的指标性质）：完成值 98% 未达到指标值 100%，按完成比例 98.00% 得 2.94 分")),
    ("正向", "0", "0", 3, (3.0, "正向指标（按填报的指标性质）：完成值 0 达到指标值 0，得满分")),
    # a 定性 row is never scored by its figures, even when both read as numbers
    ("定性", "100%", "100%", 3, (3, "定性指标：完成情况与指标值一致，得满分")),
    ("定性", "100%", "98%", 3, (None, "不可评价：定性指标或缺少完成值，由评价人评分")),
    ("定性", "按期完成", "基本完成", 5, (4.0, "定性指标：完成情况为“基本完成”，得 4 分")),
])
def test_a_filed_nature_gives_the_exact_score_and_reason(kind, target, actual, maximum, expected):
    assert suggest(target, actual, maximum, BANDS, (kind, FILED)) == expected


def filed(rows: dict, **values):
    """The 自评表 scored from inputs with the 年度资金总额 row filled and ``rows`` (field suffix → value)."""
    inputs = {**PLAN.default_inputs(), "fj2.budget_full": 200, "fj2.executed": 150,
              **{f"fj2.{k}": v for k, v in rows.items()}}
    computed = {**engine_for(PLAN).compute(inputs), **values}
    return score_self_evaluation(PLAN, computed, {**computed, **values}, RULES)


def row(s, iid):
    return next(i for i in s.indicators if i.id == iid)


def test_rows_are_scored_by_their_filed_nature_target_and_name():
    s = filed({"quantity[0].name": PURCHASE, "quantity[0].max": 3, "quantity[0].nature": "等于",
               "quantity[0].target": "100%", "quantity[0].actual": "102%", "quantity[0].score": 3,
               "quantity[1].name": "三公经费控制率", "quantity[1].max": 6,
               "quantity[1].target": "100%", "quantity[1].actual": "120%", "quantity[1].score": 5,
               "quality[0].name": "会议费", "quality[0].max": 6,
               "quality[0].target": "≤100%", "quality[0].actual": "120%", "quality[0].score": 5})
    equal, reverse, signed = row(s, "quantity[0]"), row(s, "quantity[1]"), row(s, "quality[0]")
    assert (signed.score, signed.reason) == \
        (5.0, "反向指标（按指标值中的“≤”）：完成值 120% 超过指标值 ≤100%，按完成比例 83.33% 得 5 分")
    assert (equal.score, equal.reason) == \
        (2.94, "等于指标（按填报的指标性质）：完成值 102% 偏离指标值 100%，按完成比例 98.04% 得 2.94 分")
    assert (reverse.score, reverse.reason) == \
        (5.0, "反向指标（按指标名称中的“控制率”）：完成值 120% 超过指标值 100%，按完成比例 83.33% 得 5 分")
    [f] = s.findings
    assert (f.code, f.cell, f.values) == ("indicator-score-differs", "H16", {"填报得分": 3, "建议得分": 2.94, "差额": 0.06})


def test_a_total_over_full_marks_is_reported_on_the_total_cell():
    s = filed({}, **{"fj2.total_score": 110})
    [f] = s.findings
    assert (f.code, f.cell, f.severity, f.values) == ("total-over-max", "H52", "error", {"计算总分": 110, "满分": 100.0})
    assert f.message == "自评表计算总分 110 超过满分 100，请核对各指标的分值和得分；该总分不评等次、不参与排名"
    assert (s.total, s.grade, s.over_max) == (110, None, True)


def test_full_marks_follow_the_rule_set(monkeypatch):
    groups = [{**g, "max": float(g["max"]) * 1.2} for g in RULESET["groups"]]
    monkeypatch.setattr(self_evaluation, "load_ruleset", lambda name: ({**RULESET, "groups": groups}, b""))
    s = filed({}, **{"fj2.total_score": 110})
    assert (s.full, s.over_max, s.findings) == (120.0, False, [])


@pytest.mark.parametrize("total, grade, over", [(100, "优", False), (100.01, None, True)])
def test_a_total_of_full_marks_is_graded_and_one_cent_above_is_not(total, grade, over):
    s = filed({}, **{"fj2.total_score": total})
    assert (s.total, s.grade, s.self_grade, s.over_max, len(s.findings)) == (total, grade, grade, over, int(over))


def test_each_row_is_placed_under_the_section_total_of_its_own_block():
    blocks = ("quantity", "quality", "timeliness", "cost", "economic", "social", "ecological", "sustainable",
              "satisfied")
    s = filed({f"{b}[0].max": 5 for b in blocks})
    assert [(i.id, i.group, i.cell) for i in s.indicators[1:]] == [
        ("quantity[0]", "产出指标", "附件2!H16"), ("quality[0]", "产出指标", "附件2!H18"),
        ("timeliness[0]", "产出指标", "附件2!H22"), ("cost[0]", "产出指标", "附件2!H26"),
        ("economic[0]", "效益指标", "附件2!H31"), ("social[0]", "效益指标", "附件2!H35"),
        ("ecological[0]", "效益指标", "附件2!H39"), ("sustainable[0]", "效益指标", "附件2!H43"),
        ("satisfied[0]", "满意度指标", "附件2!H48")]
