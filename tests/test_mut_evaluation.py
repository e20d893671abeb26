"""评分表 scoring (score/evaluation.py) at the edges `test_mut_score.py` leaves open: scoring against a rule set
the submitted workbook was not made from, the totals at full marks, and the reasons of the rarer rule forms."""

from __future__ import annotations

import pytest

from perftool.definitions.scoresheet import load_ruleset
from perftool.definitions.workbook import plan_workbook
from perftool.engine import engine_for
from perftool.score import evaluation
from perftool.score.evaluation import Indicator, Scores, check_total, explain, full_marks, score_evaluation
from perftool.synthetic import random_inputs

RULES = "zhengti-2021"
PLAN = plan_workbook(2023, "测试单位", "900001", ["fj1", "fj2", "pj"], {"fj2.quantity": 2})
ONLY_FJ1 = plan_workbook(2023, "测试单位", "900001", ["fj1"], {})
VARIANT = plan_workbook(2023, "测试单位", "900001", ["fj1", "pj"], {}, "zhengti-variant")
KNOWN = {f.key for f in PLAN.fields()}


def against(present, **inputs):
    """Score ``present``'s inputs with the zhengti-2021 评分表 laid out anew (as ``assess`` does)."""
    given = {k: v for k, v in {**random_inputs(present, 0), **inputs}.items() if k in KNOWN}
    values = engine_for(PLAN).compute(given)
    return score_evaluation(PLAN, values, values, RULES, present)


def reasons(s):
    return {i.id: i.reason for i in s.indicators}


def test_a_workbook_without_a_score_sheet_is_scored_from_its_fj1_alone():
    s = against(ONLY_FJ1)
    assert (s.source, s.total, s.self_total, s.grade, s.self_grade, s.complete, s.findings) == \
        ("评分表", 12.56, None, None, None, False, [])
    assert (s.rules, s.points, s.full) == (RULES, "pro_rata", 100.0)
    r = reasons(s)
    assert r["staff_rate"] == "财政供养人员控制率 44.44%，未超过 100%，得满分 5 分"
    assert r["sangong_control"] == "“三公经费”控制率 101.44%，超出 100% 1.44 个百分点，每个百分点扣 1 分，扣 1.44 分"
    assert r["key_spending"] == "不可评价：由评价人在评分表中评定（本工作簿没有评分表）"
    assert r["benefit"] == "不可评价：由评价人在评分表中评定（本工作簿没有评分表）"   # said once for three parts


def test_a_blank_unit_input_names_the_submitted_cell_even_against_another_rule_set():
    s = against(ONLY_FJ1, **{"fj1.staff_quota": None})
    staff = next(i for i in s.indicators if i.id == "staff_rate")
    assert (staff.score, staff.reason) == (None, "不可评价：缺少 附件1!B5（财政供养人员情况（人）／编制数），请补填后再评分")


def test_score_sheet_inputs_of_another_rule_set_are_named_not_located():
    s = against(VARIANT)
    assert (s.total, s.self_total, s.grade, s.complete) == (19.72, None, None, False)
    r = reasons(s)
    assert r["budget_adjust"] == "不可评价：“预算调整率（预算调整数/预算数）” 不在提交的工作簿中（需使用该规则集的评分表填写）"
    assert r["balance"] == ("不可评价：“本年结余（万元）”、“上年结转（万元）” 不在提交的工作簿中"
                            "（需使用该规则集的评分表填写）")
    assert r["key_spending"] == "重点支出安排率 124.46%，按分档标准得 5 分"      # carried over by id


def test_self_scores_given_against_another_rule_set_are_ignored():
    s = against(VARIANT, **{"pj.staff_rate_self": 9, "pj.key_spending_self": 1, "pj.total_self": 100,
                            "pj.self_grade": "优"})
    assert (s.self_total, s.self_grade, s.findings) == (None, None, [])
    assert all(i.self_score is None and i.diff is None for i in s.indicators)


@pytest.mark.parametrize("total, codes", [(None, []), (100, []), (100.005, []), (100.01, ["total-over-max"])])
def test_a_total_over_full_marks_beyond_half_a_cent_is_a_finding(total, codes):
    found = check_total(total, 100.0, PLAN.field("pj.total_score"), "评分表")
    assert [f.code for f in found] == codes
    for f in found:
        assert (f.sheet, f.values) == ("评分表", {"计算总分": 100.01, "满分": 100.0})
        assert f.message == "评分表计算总分 100.01 超过满分 100，请核对各指标的分值和得分；该总分不评等次、不参与排名"


def test_an_over_max_total_is_shown_as_a_score():
    [f] = check_total(110, 100.0, PLAN.field("pj.total_score"), "自评表")
    assert f.message.startswith("自评表计算总分 110 超过满分 100，")


@pytest.mark.parametrize("total, over", [(None, False), (100, False), (100.005, False), (100.006, True)])
def test_over_max_starts_half_a_cent_above_full_marks(total, over):
    assert Scores("评分表", [], total, None, None, None, True).over_max is over


def test_full_marks_are_the_sum_of_the_top_groups():
    assert full_marks(load_ruleset(RULES)[0]) == 100.0
    assert full_marks({"groups": [{"max": "30"}, {"max": 12.5}]}) == 42.5


def test_an_indicator_diff_is_rounded_to_cents():
    ind = Indicator("x", "x", "g", "s", 5.0, 3.3, 4.4, "")
    assert ind.diff == 1.1 and Indicator("x", "x", "g", "s", 5.0, None, 4.4, "").diff is None


IND = {"id": "x", "name": "完成率", "max": 10}


@pytest.mark.parametrize("rule, points, value, score, reason", [
    ({"kind": "per_point_under", "threshold": 1, "step": 2, "width": 0.05}, "pro_rata", 0.88, 5.2,
     "完成率 88.00%，低于 100% 12.00 个百分点，每 5 个百分点扣 2 分，扣 4.80 分"),
    ({"kind": "per_point_under", "threshold": 1, "step": 2, "width": 0.05}, "whole_up", 0.88, 4.0,
     "完成率 88.00%，低于 100% 12.00 个百分点（不足5 个百分点按5 个百分点计），每 5 个百分点扣 2 分，扣 6.00 分"),
    ({"kind": "per_point_over", "threshold": 0, "step": 1}, "whole_down", 0.025, 8.0,
     "完成率 2.50%，超出 0% 2.50 个百分点（不足一个百分点不计），每个百分点扣 1 分，扣 2.00 分"),
    ({"kind": "per_point_over", "threshold": 0.5, "step": 1}, "pro_rata", 0.5, 10.0,
     "完成率 50.00%，未超过 50%，得满分 10 分"),
    ({"kind": "per_point_over", "threshold": 0, "step": 1}, "pro_rata", 1e-12, 10.0,     # float noise is no gap
     "完成率 0.00%，未超过 0%，得满分 10 分"),
    ({"kind": "coefficient", "bands": []}, "pro_rata", 0.9, 9.0, "完成率 90.00%，按分档得分系数 × 权重 10 分 = 9 分"),
    ({"kind": "bands"}, "pro_rata", 1, 10.0, "完成率 100.00%，按分档标准得 10 分"),
    ({"kind": "manual"}, "pro_rata", 10, 10.0, "评价人评分 10 分"),
    ({"kind": "other"}, "pro_rata", 1, 7.0, "得 7 分"),
])
def test_explanations_of_rarer_rule_forms(rule, points, value, score, reason):
    assert explain({**IND, "rule": rule}, points, value, score, {}, PLAN) == reason


def test_a_coefficient_names_its_label_and_a_none_case_earns_full_marks():
    ind = {**IND, "value": {"input": "number", "label": "考核得分系数（0–1）"}, "rule": {"kind": "coefficient"}}
    assert explain(ind, "pro_rata", 0.92, 9.2, {}, PLAN) == "考核得分系数（0–1） 0.92 × 权重 10 分 = 9.2 分"
    ind = {**IND, "value": {}, "rule": {"kind": "coefficient"}}
    assert explain(ind, "pro_rata", 0.5, 5, {}, PLAN) == "得分系数 0.50 × 权重 10 分 = 5 分"
    none = {**IND, "none": {"label": "本年度无此情况"}, "rule": {"kind": "bands"}}
    assert explain(none, "pro_rata", 0, 10, {"pj.x_none": "是"}, PLAN) == "本年度无此情况，按评分标准得满分 10 分"
    assert explain(none, "pro_rata", 0, 10, {"pj.x_none": "否"}, PLAN) == "完成率 0.00%，按分档标准得 10 分"


def own(**inputs):
    """The 评分表 of PLAN scored with its own rule set: ``computed`` equals ``as_filed`` unless overridden."""
    values = engine_for(PLAN).compute({**random_inputs(PLAN, 0), **inputs})
    return values, score_evaluation(PLAN, values, values, RULES)


@pytest.mark.parametrize("self_score, reason, found", [(4.99, None, True), (3, None, True), (4.995, None, False),
                                                       (5, None, False), (3, "超编 3 人", False)])
def test_a_self_deduction_needs_a_reason_half_a_cent_below_the_maximum(self_score, reason, found):
    _, s = own(**{"pj.staff_rate_self": self_score, "pj.staff_rate_reason": reason})
    unexplained = [f for f in s.findings if f.code == "deduction-unexplained"]
    assert [f.cell for f in unexplained if f.cell == "J5"] == (["J5"] if found else [])
    for f in unexplained:
        if f.cell == "J5":
            assert (f.severity, f.sheet, f.values) == ("warning", "评分表", {"自评得分": self_score, "分值": 5.0})
            assert f.message == f"财政供养人员控制率 自评得分 {self_score} 低于分值 5，但评分表!J5“扣分原因”为空"


@pytest.mark.parametrize("total, grade, over", [(100, "优", []), (100.01, None, ["total-over-max"])])
def test_the_total_at_and_above_full_marks(total, grade, over):
    values, _ = own()
    computed = {**values, "pj.total_score": total, "pj.grade": "优"}
    s = score_evaluation(PLAN, computed, computed, RULES)
    assert (s.total, s.grade, s.full, s.over_max) == (total, grade, 100.0, bool(over))
    found = [f for f in s.findings if f.code == "total-over-max"]
    assert [f.code for f in found] == over
    for f in found:
        assert (f.sheet, f.cell, f.message) == ("评分表", PLAN.field("pj.total_score").cell,
                                                "评分表计算总分 100.01 超过满分 100，请核对各指标的分值和得分；该总分不评等次、不参与排名")


def test_no_total_when_no_indicator_is_assessable():
    values = engine_for(PLAN).compute({})
    s = score_evaluation(PLAN, {**values, "pj.total_score": 0}, values, RULES)
    assert (s.total, s.grade, s.complete) == (None, None, False)


def test_blank_shared_parts_are_named_by_their_row_alone():
    _, s = own(**{"pj.benefit_economic": None, "pj.benefit_social": None, "pj.benefit_ecological": None})
    benefit = next(i for i in s.indicators if i.id == "benefit")
    assert benefit.reason == "不可评价：由评价人填写：评分表!F40（经济效益）、评分表!F41（社会效益）、评分表!F42（生态效益）"


def test_an_indicator_reading_unit_and_evaluator_cells_names_both():
    values = engine_for(VARIANT).compute({})
    s = score_evaluation(VARIANT, values, values, "zhengti-variant")
    building = next(i for i in s.indicators if i.id == "building_control")
    assert building.reason == ("不可评价：缺少 附件1!B56（楼堂馆所控制情况（2023年完工项目）／批复规模（㎡））、"
                               "附件1!C56（楼堂馆所控制情况（2023年完工项目）／实际规模（㎡）），请补填后再评分；"
                               "由评价人填写：评分表!F14（本年度无完工的楼堂馆所项目）")


def test_a_complete_score_sheet_laid_out_alike_is_graded_against_it():
    values, _ = own()
    s = score_evaluation(PLAN, values, values, RULES, PLAN)
    assert (s.total, s.grade, s.complete, s.self_total, s.self_grade) == (57.16, "差", True, None, None)


@pytest.mark.parametrize("present", [None, PLAN])
def test_the_full_marks_follow_the_rule_set(monkeypatch, present):
    ruleset, raw = load_ruleset(RULES)
    groups = [{**ruleset["groups"][0], "max": float(ruleset["groups"][0]["max"]) - 10}, *ruleset["groups"][1:]]
    monkeypatch.setattr(evaluation, "load_ruleset", lambda name: ({**ruleset, "groups": groups}, raw))
    values, _ = own()
    s = score_evaluation(PLAN, values, values, RULES, present)
    assert (s.full, s.over_max) == (90.0, False)
