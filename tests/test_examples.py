"""Golden tests over the bundled examples: the seed documents' figures, and the places they contradict themselves.

Every example is built the way `make demo` builds it (``perftool generate --data``) and assessed as a
finance bureau would. Figures are those of ../shared/domain/seed-figures.md.
"""

from __future__ import annotations

import pytest
from sides import sides


def findings(a, code=None, severity=None):
    return [f for f in a.findings if (code is None or f.code == code) and (severity is None or f.severity == severity)]


def at(a, sheet_cell):
    sheet, cell = sheet_cell.split("!")
    return [f for f in a.findings if f.sheet == sheet and f.cell == cell]


def indicator(scores, ind_id):
    return next(i for i in scores.indicators if i.id == ind_id)


# --- 000 岳阳市行政审批服务局 2022 -------------------------------------------------------------------------------

def test_yueyang_reproduces_published_rates(example):
    _, a = example("000_yueyang_2022")
    c = a.computed
    assert round(c["fj1.staff_rate"], 4) == 0.8772          # published 87%
    assert round(c["fj1.sg_prev"], 2) == 6.37 and round(c["fj1.sg_budget"], 2) == 10 and round(c["fj1.sg_final"], 2) == 4.53
    assert round(c["fj2.exec_rate"], 4) == 0.8731
    assert round(c["fj2.fund_score"], 2) == 8.73
    ev = a.evaluation
    assert round(indicator(ev, "sangong_change").value, 4) == -0.2889
    assert indicator(ev, "sangong_change").score == 5
    assert round(indicator(ev, "sangong_control").value, 4) == 0.4530
    assert indicator(ev, "sangong_control").score == 6
    assert round(indicator(ev, "procurement").value, 4) == 0.9534
    assert indicator(ev, "procurement").score == 2.07
    assert indicator(ev, "procurement").reason == \
        "政府采购执行率 95.34%，低于 100% 4.66 个百分点，每个百分点扣 0.2 分，扣 0.93 分"
    assert indicator(ev, "staff_rate").score == 5


def test_yueyang_total_contradiction_is_an_error_at_the_total(example):
    _, a = example("000_yueyang_2022")
    assert a.basis.source == "自评表"
    assert (a.basis.total, a.basis.self_total, a.basis.grade) == (98.73, 98.75, "优")
    [f] = at(a, "附件2!H39")
    assert (f.code, f.severity) == ("arithmetic-mismatch", "error")
    assert f.values == {"填报值": 98.75, "按公式计算": pytest.approx(98.73), "差额": pytest.approx(0.02)}


def test_yueyang_output_header_50_against_rows_55(example):
    _, a = example("000_yueyang_2022")
    [f] = at(a, "附件2!G15")
    assert (f.code, f.severity, f.rule) == ("identity-mismatch", "error", "fj2-output-max")
    assert f.values == {"本类指标分值及得分／分值（附件2!G15）": 50, "按 附件2!G16、G17、G18 等 11 格 计算": 55, "差额": -5}
    [f] = at(a, "附件2!G36")  # 满意度指标 (10分) has one row worth 5
    assert f.values == {"本类指标分值及得分／分值（附件2!G36）": 10, "按 附件2!G37、G38 计算": 5, "差额": 5}


def test_yueyang_published_rounding_is_a_warning(example):
    _, a = example("000_yueyang_2022")
    [f] = at(a, "附件1!D5")  # 控制率 printed 87% over 87.72%
    assert (f.code, f.severity) == ("formula-replaced", "warning")
    [f] = at(a, "附件2!I6")  # 得分 printed 8.73 over 8.731
    assert (f.code, f.severity) == ("formula-replaced", "warning")
    assert (a.errors, a.warnings) == (3, 2)


def test_yueyang_placeholder_rows_are_empty_not_errors(example):
    _, a = example("000_yueyang_2022")
    rows = [i for i in a.self_evaluation.indicators if i.id != "fund"]
    assert len(rows) == 14 and sum(i.self_score for i in rows) == 90
    assert not findings(a, "indicator-score-differs")


# --- 001 岳阳楼区行政审批服务局 2021 ------------------------------------------------------------------------------

def test_yueyanglou_self_scores_sum_to_printed_98_and_grade(example):
    _, a = example("001_yueyanglou_2021")
    assert a.basis.source == "评分表"
    assert a.basis.self_total == 98 and a.basis.self_grade == "优"
    assert a.errors == 0 and a.warnings == 2
    # 管理制度健全性 and 预决算信息公开性 self-scored 2 of 3 with the 扣分原因 column left blank
    assert [(f.code, f.cell, f.values) for f in a.findings] == [
        ("deduction-unexplained", "J14", {"自评得分": 2.0, "分值": 3.0}),
        ("deduction-unexplained", "J19", {"自评得分": 2.0, "分值": 3.0})]


def test_yueyanglou_computable_rules_from_its_figures(example):
    _, a = example("001_yueyanglou_2021")
    ev = a.evaluation
    assert (indicator(ev, "staff_rate").value, indicator(ev, "staff_rate").score) == (1.0, 5)
    assert (indicator(ev, "sangong_change").value, indicator(ev, "sangong_change").score) == (0, 5)
    assert (indicator(ev, "sangong_control").value, indicator(ev, "sangong_control").score) == (0, 6)
    assert (indicator(ev, "asset_use").value, indicator(ev, "asset_use").score) == (1.0, 3)
    assert not any(isinstance(v, str) and v.startswith("#") for v in a.computed.values())
    missing = indicator(ev, "key_spending")
    assert not missing.assessable and missing.reason == "不可评价：由评价人填写：评分表!F7（重点支出安排率（重点项目支出/项目总支出））"
    assert a.basis.total == 19 and a.basis.grade is None and not a.basis.complete


# --- 002 荆门市行政审批局（本级）2023 -----------------------------------------------------------------------------

def test_jingmen_identities_hold_within_tolerance(example):
    _, a = example("002_jingmen_2023")
    assert a.errors == 0
    assert {f.code for f in a.findings} == {"formula-replaced", "rules-not-applied", "rounding-difference"}
    [f] = findings(a, "rounding-difference")         # 公开05 合计 小计 printed 3383.79 over 基本 + 项目 3383.80
    assert (f.rule, f.sheet, f.cell, *sides(f), f.values["差额"]) == ("gk05-total-parts", "公开05", "C7",
                                                                   3383.79, 3383.8, -0.01)
    [skipped] = findings(a, "rules-not-applied")    # 公开09 三公 against 附件1, which 荆门 did not publish
    assert (skipped.severity, skipped.table, skipped.values) == ("warning", "fj1", {"表": "fj1", "审核公式": 1})
    assert skipped.message == "附件1 2023年度部门整体支出绩效评价基础数据表 不在本工作簿中，1 条审核公式未执行（gk09-fj1-sangong）"
    [f] = at(a, "公开01!F33")  # 类 lines sum to 3383.80, 本年支出合计 printed 3383.79
    assert f.severity == "warning"
    assert f.values == {"填报值": 3383.79, "按公式计算": pytest.approx(3383.80), "差额": pytest.approx(-0.01)}
    assert round(a.as_filed["gk06.personnel_total"], 2) == 1315.01 and round(a.as_filed["gk06.public_total"], 2) == 100.2


# --- 003 益阳市行政审批服务局 2022 -------------------------------------------------------------------------------

def test_yiyang_reproduces_rates_and_procurement_score(example):
    _, a = example("003_yiyang_2022")
    assert round(a.computed["fj1.staff_rate"], 4) == 0.9130
    p = indicator(a.evaluation, "procurement")
    assert round(p.value, 4) == 0.2598 and p.score == 0
    assert p.reason == "政府采购执行率 25.98%，低于 100% 74.02 个百分点，每个百分点扣 0.2 分，扣 3.00 分，扣完为止"


def test_yiyang_table_identity_failures(example):
    _, a = example("003_yiyang_2022")
    [f] = at(a, "附件1!B7")   # 2021 基本 + 项目 = 3960.21 ≠ 3960.32
    assert (f.code, f.severity, f.values["差额"]) == ("arithmetic-mismatch", "error", pytest.approx(0.11))
    [f] = at(a, "附件1!B13")  # 2021 运行维护 + 专项 = 2682.57 ≠ 2682.5
    assert (f.code, f.severity, f.values["差额"]) == ("arithmetic-mismatch", "error", pytest.approx(-0.07))
    replaced, far = at(a, "附件1!D7")   # 2022 1184.91 + 5498.15 = 6683.06: 尾数
    assert (replaced.code, replaced.severity) == ("formula-replaced", "warning")
    # 2022 决算 6683.05 against 预算 908.63 (735%): far from 1, a 提示 on 支出总额 and on 项目支出 (5498.15 / 43.80)
    assert (far.code, far.severity, far.rule, *sides(far), far.values["差额"]) == (
        "identity-mismatch", "warning", "fj1-final-far-above-budget", 6683.05, 1817.26, 4865.79)
    assert [(f.cell, sides(f)[1]) for f in a.findings if f.rule == "fj1-final-far-above-budget"] == [
        ("D7", 1817.26), ("D13", 87.6)]


def test_yiyang_misfilled_fund_max_and_output_header(example):
    _, a = example("003_yiyang_2022")
    fund = at(a, "附件2!G6")
    # “100分” over the formula is written as the number it shows (text over a formula would leave #VALUE! in
    # every cell that reads it), so the one finding is the figure itself
    assert {(f.code, f.severity) for f in fund} == {("arithmetic-mismatch", "error")}
    mismatch = next(f for f in fund if f.code == "arithmetic-mismatch")
    assert (mismatch.values["填报值"], mismatch.values["按公式计算"]) == (100, 10)
    [f] = at(a, "附件2!G15")
    assert list(f.values.values())[:2] == [50, 60]
    assert not at(a, "附件2!G25")  # 效益指标 (40分) with the 满意度 row under it: 5+5+5+5+10+10 = 40


def test_yiyang_report_text_against_its_tables(example):
    _, a = example("003_yiyang_2022")
    [f] = at(a, "自评报告!F44")  # 项目支出 5498.14 in the report's text, 5498.15 in 附件1: 尾数
    assert (f.code, f.severity, f.rule) == ("rounding-difference", "warning", "bg-expense-project")
    assert (a.errors, a.warnings) == (7, 8)  # test_yiyang_contradictions_at_their_cells 6, and 110 over 100
