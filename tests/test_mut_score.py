"""评分表 and 自评表 scoring: exact scores, grades and reasons at the edges of each rule."""

from __future__ import annotations

import pytest

from perftool.definitions.scoresheet import load_ruleset
from perftool.definitions.workbook import plan_workbook
from perftool.engine import engine_for
from perftool.score import evaluation, self_evaluation
from perftool.score.evaluation import explain, score_evaluation
from perftool.figures import Figure, read_figure
from perftool.score.self_evaluation import direction, grade_of, score_self_evaluation, suggest
from perftool.synthetic import random_inputs

RULES = "zhengti-2021"
PLAN = plan_workbook(2023, "测试单位", "900001", ["fj1", "fj2", "pj"], {"fj2.quantity": 2})
COMPLETE = random_inputs(PLAN, 0)  # every indicator assessable: total 57.16, 差
RULESET, _ = load_ruleset(RULES)
BANDS = RULESET["self_evaluation"]["qualitative"]
DIRECTIONS = RULESET["self_evaluation"]["directions"]
FULL = evaluation.full_marks(RULESET)


def suggested(target, actual, maximum):
    """A row's suggestion with the 指标性质 :func:`direction` reads from a row without one."""
    return suggest(target, actual, maximum, BANDS, direction(None, target, None, DIRECTIONS))


def scores(**inputs):
    values = engine_for(PLAN).compute({**COMPLETE, **{k.replace("__", ".", 1): v for k, v in inputs.items()}})
    return score_evaluation(PLAN, values, values, RULES)


def indicator(s, iid):
    return next(i for i in s.indicators if i.id == iid)


def test_a_complete_score_sheet_has_its_total_and_grade():
    s = scores()
    assert (s.total, s.grade, s.self_total, s.self_grade, s.complete) == (57.16, "差", 133.6, "优", True)
    assert (s.source, s.rules, s.points) == ("评分表", RULES, "pro_rata")
    first = indicator(s, "staff_rate")
    assert first.to_dict() == {
        "id": "staff_rate", "name": "财政供养人员控制率", "group": "投入", "subgroup": "预算配置", "max": 5.0,
        "value": 0.4444, "score": 5.0, "self_score": 1.3, "diff": -3.7, "assessable": True,
        "reason": "财政供养人员控制率 44.44%，未超过 100%，得满分 5 分", "cell": "评分表!G5"}


def test_no_grade_from_a_partial_total():
    s = scores(pj__satisfaction_value=None)
    assert not s.complete and s.grade is None and s.total == 54.16
    assert indicator(s, "satisfaction").diff is None


@pytest.mark.parametrize("inputs, iid, score, reason", [
    ({"fj1__staff_quota": 100, "fj1__staff_actual": 100}, "staff_rate", 5.0,
     "财政供养人员控制率 100.00%，未超过 100%，得满分 5 分"),
    ({"fj1__staff_quota": 100, "fj1__staff_actual": 103}, "staff_rate", 3.5,
     "财政供养人员控制率 103.00%，超出 100% 3.00 个百分点，每个百分点扣 0.5 分，扣 1.50 分"),
    ({"fj1__staff_quota": 100, "fj1__staff_actual": 110}, "staff_rate", 0.0,
     "财政供养人员控制率 110.00%，超出 100% 10.00 个百分点，每个百分点扣 0.5 分，扣 5.00 分，扣完为止"),
    ({"fj1__procure_budget": 100, "fj1__procure_final": 100}, "procurement", 3.0,
     "政府采购执行率 100.00%，不低于 100%，得满分 3 分"),
    ({"fj1__procure_budget": 100, "fj1__procure_final": 90}, "procurement", 1.0,
     "政府采购执行率 90.00%，低于 100% 10.00 个百分点，每个百分点扣 0.2 分，扣 2.00 分"),
    ({"pj__card_rate_value": 0.5}, "card_rate", 3.0, "公务卡刷卡率 50.00%，不低于 50%，得满分 3 分"),
    ({"pj__balance_closing": 0, "pj__balance_carryover": 5}, "balance", 3.0,
     "本年结余（万元） 0.00，上年结转（万元） 5.00，按评分标准得 3 分"),
    ({"pj__balance_closing": 5, "pj__balance_carryover": 5}, "balance", 2.0,       # 结余 ≤ 上年结转: the equal case
     "本年结余（万元） 5.00，上年结转（万元） 5.00，按评分标准得 2 分，扣 1 分"),
    ({"pj__balance_closing": 5.01, "pj__balance_carryover": 5}, "balance", 0.0,
     "本年结余（万元） 5.01，上年结转（万元） 5.00，按评分标准得 0 分，扣 3 分"),
    ({"pj__key_spending_value": 0.9}, "key_spending", 5.0, "重点支出安排率 90.00%，按分档标准得 5 分"),
    ({"pj__key_spending_value": 0.8}, "key_spending", 4.0, "重点支出安排率 80.00%，按分档标准得 4 分，扣 1 分"),
    ({"pj__key_spending_value": 0.6}, "key_spending", 2.0, "重点支出安排率 60.00%，按分档标准得 2 分，扣 3 分"),
    ({"pj__key_spending_value": 0.5999}, "key_spending", 0.0, "重点支出安排率 59.99%，按分档标准得 0 分，扣 5 分"),
    ({"pj__budget_adjust_value": 0}, "budget_adjust", 3.0, "预算调整率 0.00%，按分档标准得 3 分"),
    ({"pj__budget_adjust_value": 0.1}, "budget_adjust", 2.0, "预算调整率 10.00%，按分档标准得 2 分，扣 1 分"),
    ({"pj__budget_adjust_value": 0.3}, "budget_adjust", 0.5, "预算调整率 30.00%，按分档标准得 0.5 分，扣 2.5 分"),
    ({"pj__budget_adjust_value": 0.3001}, "budget_adjust", 0.0, "预算调整率 30.01%，按分档标准得 0 分，扣 3 分"),
    ({"pj__satisfaction_value": 0.95}, "satisfaction", 5.0, "社会公众或服务对象满意度 95.00%，按分档标准得 5 分"),
    ({"pj__satisfaction_value": 0.85}, "satisfaction", 3.0,
     "社会公众或服务对象满意度 85.00%，按分档标准得 3 分，扣 2 分"),
    ({"pj__satisfaction_value": 0.75}, "satisfaction", 1.0,
     "社会公众或服务对象满意度 75.00%，按分档标准得 1 分，扣 4 分"),
    ({"pj__payment_progress_value": 0}, "payment_progress", 3.0, "无不符合要求的情况，得满分 3 分"),
    ({"pj__compliance_value": 2}, "compliance", 1.0, "2 例不符合要求，每例扣 1 分，扣 2.00 分"),
    ({"pj__payment_progress_value": 7}, "payment_progress", 0.0, "7 例不符合要求，每例扣 0.5 分，扣 3.00 分，扣完为止"),
    ({"pj__budget_system_i1": "是", "pj__budget_system_i2": "是", "pj__budget_system_i3": "是"}, "budget_system", 3.0,
     "各项均满足，得满分 3 分"),
    ({"pj__budget_system_i1": "是", "pj__budget_system_i2": "否", "pj__budget_system_i3": "是"}, "budget_system", 2.0,
     "未满足：②管理制度合法、合规、完整（1分），扣 1 分"),
    ({"pj__duty_xiaokang_value": 4.5}, "duty_xiaokang", 4.5, "评价人评分 4.5 分"),
    ({"pj__duty_xiaokang_value": 6}, "duty_xiaokang", 5.0, "评价人评分 5 分（超过分值，按分值计）"),
    ({"pj__benefit_economic": 5, "pj__benefit_social": 5, "pj__benefit_ecological": 5}, "benefit", 15.0,
     "经济效益 5，社会效益 5，生态效益 5，合计 15 分"),
    ({"pj__benefit_economic": 5, "pj__benefit_social": 5, "pj__benefit_ecological": 6}, "benefit", 15.0,
     "经济效益 5，社会效益 5，生态效益 6，合计 15 分（超过分值，按分值计）"),
])
def test_each_rule_kind_scores_and_explains_at_its_edges(inputs, iid, score, reason):
    ind = indicator(scores(**inputs), iid)
    assert (ind.score, ind.reason) == (score, reason)


def test_a_rate_without_a_denominator_is_not_assessable_and_says_why():
    ind = indicator(scores(fj1__procure_budget=0, fj1__procure_final=5), "procurement")
    assert (ind.score, ind.assessable) == (None, False)
    assert ind.reason == "不可评价：计算所需的数据不足（分母为 0 或数据为空）"


def test_missing_inputs_are_named_four_at_most():
    blank = {f"pj__disclosure_i{k}": None for k in range(1, 6)}
    ind = indicator(scores(**blank), "disclosure")
    assert ind.reason == ("不可评价：由评价人填写：评分表!F20（①按规定内容公开）、评分表!F21（②按规定时限公开）、"
                          "评分表!F22（③资料真实）、评分表!F23（④资料完整） 等")


@pytest.mark.parametrize("self_score, codes", [
    (5, []), (5.005, []), (5.01, ["self-score-over-max"]), (4.995, []), (4.99, ["self-score-differs"]),
])
def test_a_self_score_is_flagged_beyond_the_maximum_or_half_a_cent_from_the_computed(self_score, codes):
    s = scores(fj1__staff_quota=100, fj1__staff_actual=100, pj__staff_rate_self=self_score)
    found = [f for f in s.findings if f.cell == "H5"]
    assert [f.code for f in found] == codes
    for f in found:
        assert f.severity == ("error" if f.code == "self-score-over-max" else "warning")


def test_self_score_findings_carry_the_figures():
    s = scores(fj1__staff_quota=100, fj1__staff_actual=100, pj__staff_rate_self=4, pj__key_spending_self=6)
    [differs] = [f for f in s.findings if f.cell == "H5"]
    assert differs.values == {"自评得分": 4.0, "计算得分": 5.0, "差额": -1.0}
    assert differs.message == ("财政供养人员控制率 自评得分 4，按评分标准计算为 5（财政供养人员控制率 100.00%，未超过 100%，"
                               "得满分 5 分）")
    [over] = [f for f in s.findings if f.cell == "H7"]
    assert (over.code, over.values, over.message) == ("self-score-over-max", {"自评得分": 6.0, "分值": 5.0},
                                                      "重点支出安排率 自评得分 6 超过分值 5")


def test_a_shared_self_score_is_the_sum_of_its_parts():
    s = scores(pj__benefit_economic_self=6.0, pj__benefit_social_self=4.8, pj__benefit_ecological_self=3.9)
    ind = indicator(s, "benefit")
    assert ind.self_score == 14.7 and ind.cell == "评分表!G40"
    [f] = [f for f in s.findings if f.cell == "H40"]
    assert f.values == {"自评得分": 14.7, "计算得分": 12.8, "差额": 1.9}
    blank = {f"pj__benefit_{p}_self": None for p in ("economic", "social", "ecological")}
    assert indicator(scores(**blank), "benefit").self_score is None
    assert indicator(scores(**{**blank, "pj__benefit_social_self": 2}), "benefit").self_score == 2


# -- 自评表 -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, figure", [
    ("≥95%", Figure(0.95, False, "≥", True)), ("4次/年", Figure(4.0, False)), ("≤ 3天", Figure(3.0, True, "≤")),
    ("不超过10%", Figure(0.1, True, "不超过", True)), ("控制在5%以内", Figure(0.05, True, "控制在", True)), ("１００％", Figure(1.0, False, "", True)),
    (95, Figure(95.0, False)), ("达到 1,200 人", Figure(1200.0, False, "达到")), ("<2", Figure(2.0, True, "<")),
    ("低于3次", Figure(3.0, True, "低于")), ("高于3次", Figure(3.0, False, "高于")), ("共12项", Figure(12.0, False)),
    ("这是一个很长的完成情况描述文字超过十二个字", None), (None, None), ("完成", None), (True, None),
])
def test_figures_are_read_from_indicator_texts(text, figure):
    assert read_figure(text) == figure


@pytest.mark.parametrize("target, actual, expected", [
    ("≥95%", "96%", (10.0, "正向指标（按指标值中的“≥”）：完成值 96% 达到指标值 ≥95%，得满分")),
    ("≥95%", "95%", (10.0, "正向指标（按指标值中的“≥”）：完成值 95% 达到指标值 ≥95%，得满分")),
    ("≥95%", "90%", (9.47, "正向指标（按指标值中的“≥”）：完成值 90% 未达到指标值 ≥95%，按完成比例 94.74% 得 9.47 分")),
    ("≤3天", "3天", (10.0, "反向指标（按指标值中的“≤”）：完成值 3天 未超过指标值 ≤3天，得满分")),
    ("≤3天", "4天", (7.5, "反向指标（按指标值中的“≤”）：完成值 4天 超过指标值 ≤3天，按完成比例 75.00% 得 7.5 分")),
    ("≥0", "5", (10.0, "正向指标（按指标值中的“≥”）：完成值 5 达到指标值 ≥0，得满分")),
    ("0", "0", (10.0, "正向指标（未填指标性质，按正向）：完成值 0 达到指标值 0，得满分")),
    ("100%", "0", (0.0, "正向指标（未填指标性质，按正向）：完成值 0 未达到指标值 100%，按完成比例 0.00% 得 0 分")),
    ("完成", " 完成 ", (10, "定性指标：完成情况与指标值一致，得满分")),
    ("按期完成", "基本完成", (8.0, "定性指标：完成情况为“基本完成”，得 8 分")),
    ("按期完成", "未完成", (0.0, "定性指标：完成情况为“未完成”，得 0 分")),
    ("按期完成", "已全部完成", (10.0, "定性指标：完成情况为“已全部完成”，得 10 分")),
    ("按期完成", "顺利推进", (None, "不可评价：定性指标或缺少完成值，由评价人评分")),
    ("按期完成", None, (None, "不可评价：定性指标或缺少完成值，由评价人评分")),
    ("≥95%", "  ", (None, "不可评价：定性指标或缺少完成值，由评价人评分")),
])
def test_a_row_score_is_suggested_from_target_and_result(target, actual, expected):
    assert suggested(target, actual, 10) == expected


@pytest.mark.parametrize("total, grade", [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"), (60, "中"),
                                          (59.99, "差"), (0, "差"), (None, None)])
def test_grades_include_their_lower_bound(total, grade):
    assert grade_of(total, RULESET, FULL) == grade


def fj2(**inputs):
    values = engine_for(PLAN).compute({**PLAN.default_inputs(), **inputs})
    return score_self_evaluation(PLAN, values, values, RULES)


def test_self_evaluation_fund_row_and_rows_as_filed():
    s = fj2(**{"fj2.budget_full": 200, "fj2.executed": 150, "fj2.quantity[0].name": "培训人次", "fj2.quantity[0].max": 10,
               "fj2.quantity[0].target": "≥100人次", "fj2.quantity[0].actual": "90人次", "fj2.quantity[0].score": 10,
               "fj2.quantity[1].max": 5, "fj2.quantity[1].score": 5})
    fund, row, placeholder = s.indicators[:3]
    assert (fund.id, fund.score, fund.max, fund.value, fund.cell) == ("fund", 7.5, 10.0, 0.75, "附件2!I6")
    assert fund.reason == "执行率 75.00%（全年执行数 150.00 ÷ 全年预算数 200.00），得分 = 分值 10 × 执行率 = 7.5"
    assert (row.id, row.name, row.group, row.max, row.score, row.self_score, row.cell) == \
        ("quantity[0]", "培训人次", "产出指标", 10.0, 9.0, 10.0, "附件2!H16")
    assert placeholder.id == "quantity[1]" and placeholder.score is None
    [f] = s.findings
    assert (f.code, f.severity, f.cell, f.values) == ("indicator-score-differs", "warning", "H16",
                                                       {"填报得分": 10, "建议得分": 9.0, "差额": 1.0})
    assert s.complete and s.total == 22.5 and s.grade == "差"


def test_self_evaluation_without_budget_is_not_assessable():
    s = fj2()
    assert s.indicators[0].score is None and not s.complete
    assert s.indicators[0].reason == "不可评价：缺少全年预算数或全年执行数"


def test_only_the_blank_inputs_are_named_and_four_names_need_no_etc():
    ind = indicator(scores(pj__asset_use_in_use=5, pj__asset_use_total=None), "asset_use")
    assert (ind.reason, ind.value) == ("不可评价：由评价人填写：评分表!F33（固定资产总额（万元））", "")
    ind = indicator(scores(**{f"pj__disclosure_i{k}": None for k in range(1, 5)}), "disclosure")
    assert ind.reason == ("不可评价：由评价人填写：评分表!F20（①按规定内容公开）、评分表!F21（②按规定时限公开）、"
                          "评分表!F22（③资料真实）、评分表!F23（④资料完整）")


def test_a_rate_that_cannot_be_computed_keeps_its_empty_value():
    assert indicator(scores(fj1__procure_budget=0, fj1__procure_final=5), "procurement").value == ""


@pytest.mark.parametrize("points, counted", [("whole_up", "（不足一个百分点按一个计）"), ("whole_down", "（不足一个百分点不计）")])
def test_the_rule_set_points_policy_is_named_in_the_reason(monkeypatch, points, counted):
    monkeypatch.setattr(evaluation, "load_ruleset", lambda name: ({**RULESET, "points": points}, b""))
    s = scores(fj1__staff_quota=100, fj1__staff_actual=103)
    assert s.points == points
    assert indicator(s, "staff_rate").reason.startswith(f"财政供养人员控制率 103.00%，超出 100% 3.00 个百分点{counted}，")


def test_a_rule_set_without_points_is_pro_rata(monkeypatch):
    monkeypatch.setattr(evaluation, "load_ruleset",
                        lambda name: ({k: v for k, v in RULESET.items() if k != "points"}, b""))
    s = scores(fj1__staff_quota=100, fj1__staff_actual=103)
    assert s.points == "pro_rata"
    assert indicator(s, "staff_rate").reason == \
        "财政供养人员控制率 103.00%，超出 100% 3.00 个百分点，每个百分点扣 0.5 分，扣 1.50 分"


@pytest.mark.parametrize("value, expected", [({"input": "count", "label": "人数"}, "人数 7，按分档标准得 5 分"),
                                             (None, "人数 700.00%，按分档标准得 5 分")])
def test_bands_show_the_value_in_its_own_type_percent_by_default(value, expected):
    ind = {"id": "x", "name": "人数", "max": 5, "rule": {"kind": "bands", "bands": [[">=", 5, 5], ["else", 0]]},
           **({"value": value} if value else {})}
    assert explain(ind, "pro_rata", 7.0, 5.0, {}, PLAN) == expected


def test_a_typed_value_and_a_typed_case_input_show_in_their_type():
    ind = {"id": "x", "name": "人数", "max": 5, "rule": {"kind": "bands", "bands": [[">=", 5, 5], ["else", 0]]},
           "value": {"formula": "1", "type": "count"}}
    assert explain(ind, "pro_rata", 7.0, 5.0, {}, PLAN) == "人数 7，按分档标准得 5 分"
    ind = {"id": "y", "name": "结余", "max": 3, "rule": {"kind": "cases", "cases": [["else", 3]]},
           "inputs": [{"id": "rate", "label": "结余率", "type": "percent"}, {"id": "sum", "label": "结余额"}]}
    assert explain(ind, "pro_rata", None, 3.0, {"pj.y_rate": 0.25, "pj.y_sum": 1234.5}, PLAN) == \
        "结余率 25.00%，结余额 1,234.50，按评分标准得 3 分"


def test_self_evaluation_totals_grades_and_a_row_score_within_half_a_cent():
    s = fj2(**{"fj2.budget_full": 200, "fj2.executed": 150, "fj2.quantity[0].name": "培训人次",
               "fj2.quantity[0].max": 10, "fj2.quantity[0].target": "≥100人次", "fj2.quantity[0].actual": "90人次",
               "fj2.quantity[0].score": 9.004, "fj2.quantity[1].max": 5, "fj2.quantity[1].score": 5})
    assert [i.id for i in s.indicators] == ["fund", "quantity[0]", "quantity[1]"] and s.findings == []
    assert (s.source, s.total, s.self_total, s.grade, s.self_grade, s.complete, s.rules, s.points) == \
        ("自评表", 21.5, 21.5, "差", "差", True, RULES, "pro_rata")
    assert s.indicators[0].to_dict() == {
        "id": "fund", "name": "年度资金总额（预算执行率）", "group": "年度资金总额", "subgroup": "预算执行率", "max": 10.0,
        "value": 0.75, "score": 7.5, "self_score": 7.5, "diff": 0.0, "assessable": True,
        "reason": "执行率 75.00%（全年执行数 150.00 ÷ 全年预算数 200.00），得分 = 分值 10 × 执行率 = 7.5",
        "cell": "附件2!I6"}


@pytest.mark.parametrize("text, figure", [("1" + "x" * 11, Figure(1.0, False)), ("1" + "x" * 12, None),
                                          ("１，２００", Figure(1200.0, False)), ("≤5", Figure(5.0, True, "≤")),
                                          ("不高于5", Figure(5.0, True, "不高于")), ("不多于5", Figure(5.0, True, "不多于")),
                                          ("不少于5", Figure(5.0, False, "不少于")), ("达到5", Figure(5.0, False, "达到"))])
def test_figures_up_to_twelve_characters_with_their_sign(text, figure):
    assert read_figure(text) == figure


def test_a_reverse_figure_below_its_limit_and_qualitative_shares_in_cents():
    assert suggested("≤3天", "2天", 10) == (10.0, "反向指标（按指标值中的“≤”）：完成值 2天 未超过指标值 ≤3天，得满分")
    assert suggested("按期完成", "部分完成", 1.11) == (0.67, "定性指标：完成情况为“部分完成”，得 0.67 分")
    assert suggested("按期完成", "基本完成", 3) == (2.4, "定性指标：完成情况为“基本完成”，得 2.4 分")


QUALITATIVE_ROW = {"fj2.budget_full": 200, "fj2.executed": 150, "fj2.quantity[0].name": "按期完成培训",
                   "fj2.quantity[0].max": 5, "fj2.quantity[0].target": "按期完成", "fj2.quantity[0].actual": "基本完成",
                   "fj2.quantity[0].score": 5}


def test_a_qualitative_row_is_scored_by_the_rule_set_keywords():
    s = fj2(**QUALITATIVE_ROW)
    row = s.indicators[1]
    assert (row.score, row.reason) == (4.0, "定性指标：完成情况为“基本完成”，得 4 分")
    [f] = s.findings
    assert (f.code, f.cell, f.values) == ("indicator-score-differs", "H16", {"填报得分": 5, "建议得分": 4.0, "差额": 1.0})


@pytest.mark.parametrize("ruleset", [{"self_evaluation": {}}, {}])
def test_without_keywords_a_qualitative_row_is_left_to_the_evaluator(monkeypatch, ruleset):
    monkeypatch.setattr(self_evaluation, "load_ruleset", lambda name: ({"grades": RULESET["grades"], "groups": RULESET["groups"], **ruleset}, b""))
    row = fj2(**QUALITATIVE_ROW).indicators[1]
    assert (row.score, row.reason) == (None, "不可评价：定性指标或缺少完成值，由评价人评分")


def test_self_evaluation_rounds_the_fund_row_and_reads_every_row_that_has_a_maximum_or_a_score():
    s = fj2(**{"fj2.budget_full": 300, "fj2.executed": 200,
               "fj2.quantity[1].max": 5, "fj2.quantity[1].target": "按期完成", "fj2.quantity[1].actual": "部分完成",
               "fj2.quantity[1].score": 4.444, "fj2.quantity[1].name": "培训",
               "fj2.quality[0].max": 4, "fj2.quality[1].score": 2.5,
               "fj2.timeliness[0].max": 5, "fj2.timeliness[0].target": "按期完成", "fj2.timeliness[0].actual": "未完成",
               "fj2.timeliness[0].score": 0.005})
    fund = s.indicators[0]
    assert (fund.score, fund.self_score, fund.value) == (6.67, 6.67, 0.6667)
    rows = {i.id: (i.name, i.max, i.score, i.self_score) for i in s.indicators[1:]}
    assert rows == {"quantity[1]": ("培训", 5.0, 3.0, 4.44), "quality[0]": ("", 4.0, None, None),
                    "quality[1]": ("", 0.0, None, 2.5), "timeliness[0]": ("", 5.0, 0.0, 0.01)}
    [f] = s.findings  # 0.005 against 0 is within half a cent
    assert (f.cell, f.values) == ("H17", {"填报得分": 4.444, "建议得分": 3.0, "差额": 1.44})
    assert f.message == "“培训”填报得分 4.44，按完成情况建议得分 3（定性指标：完成情况为“部分完成”，得 3 分）"


def test_self_evaluation_points_follow_the_rule_set(monkeypatch):
    monkeypatch.setattr(self_evaluation, "load_ruleset",
                        lambda name: ({**RULESET, "points": "whole_down"}, b""))
    assert fj2().points == "whole_down"
    monkeypatch.setattr(self_evaluation, "load_ruleset",
                        lambda name: ({k: v for k, v in RULESET.items() if k != "points"}, b""))
    assert fj2().points == "pro_rata"


def test_explanations_of_the_remaining_edges():
    assert indicator(scores(pj__duty_xiaokang_value=5), "duty_xiaokang").reason == "评价人评分 5 分"
    two = {"pj__budget_system_i1": "否", "pj__budget_system_i2": "否", "pj__budget_system_i3": "是"}
    assert indicator(scores(**two), "budget_system").reason == \
        "未满足：①已制定或具有管理制度（1分）；②管理制度合法、合规、完整（1分），扣 2 分"
    cases = {"id": "z", "name": "情形", "max": 3, "rule": {"kind": "cases", "cases": [["else", 3]]}}
    assert explain(cases, "pro_rata", None, 3.0, {}, PLAN) == "，按评分标准得 3 分"
    other = {"id": "o", "name": "其他", "max": 5, "rule": {"kind": "other"}}
    assert explain(other, "pro_rata", None, 4.0, {}, PLAN) == "得 4 分"


def test_a_differing_row_score_message_shows_scores_as_scores():
    [f] = fj2(**QUALITATIVE_ROW).findings
    assert f.message == "“按期完成培训”填报得分 5，按完成情况建议得分 4（定性指标：完成情况为“基本完成”，得 4 分）"
