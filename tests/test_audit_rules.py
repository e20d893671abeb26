"""The audit rules of issue 15, each broken by 0.02 and by a large amount on a consistent national submission
(tests/consistent.py): code, cell, severity and both values; and the 尾数 rule on the two real shapes."""

from __future__ import annotations

import pytest

from consistent import national_inputs
from perftool.assess import assess
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from sides import sides


@pytest.fixture(scope="module")
def plan():
    return plan_workbook(2024, "测试单位", "900001", set_name="juesuan")


@pytest.fixture(scope="module")
def fj1_plan():
    return plan_workbook(2024, "测试单位", "900001", ["fj1"])


def run(plan, tmp_path, base, changes):
    path = tmp_path / "w.xlsx"
    render(plan, {**plan.default_inputs(), **base, **changes}, path)
    return assess(path)


def rule(plan, tmp_path, rule_id, changes, base=None):
    """The findings of ``rule_id`` once ``changes`` are made to the consistent submission."""
    a = run(plan, tmp_path, national_inputs() if base is None else base, changes)
    return [(f.code, f.sheet, f.cell, f.severity, *sides(f))
            for f in a.findings if f.rule == rule_id]


def test_consistent_national_submission_breaks_no_rule(plan, tmp_path):
    a = run(plan, tmp_path, national_inputs(), {})
    # 公开09's 三公 against 附件1 is a link to another set's table: not run, and not reported as missing
    assert [(f.code, f.rule) for f in a.findings if f.code not in ("no-cached-values",)] == []


@pytest.mark.parametrize("by, code", [(0.02, "identity-mismatch"), (50.0, "identity-mismatch")])
def test_gk04_general_budget_by_class_equals_gk05(plan, tmp_path, by, code):
    found = rule(plan, tmp_path, "gk04-gk05-classes", {"gk04.exp_208_gp": 80.0 + by, "gk04.exp_201_gp": 450.0 - by})
    assert found == [(code, "公开04", "G7", "error", 450.0 - by, 450.0), (code, "公开04", "G14", "error", 80.0 + by, 80.0)]


def test_gk04_by_class_within_plain_rounding_is_a_warning(plan, tmp_path):
    found = rule(plan, tmp_path, "gk04-gk05-classes", {"gk04.exp_208_gp": 80.01, "gk04.exp_201_gp": 449.99})
    assert [f[0] for f in found] == ["rounding-difference", "rounding-difference"]


@pytest.mark.parametrize("by", [0.02, 40.0])
def test_gk05_total_equals_basic_plus_project(plan, tmp_path, by):
    found = rule(plan, tmp_path, "gk05-total-parts", {"gk05.total": 530.0 + by})
    assert found == [("identity-mismatch", "公开05", "C7", "error", 530.0 + by, 530.0)]


@pytest.mark.parametrize("by", [0.02, 30.0])
def test_gk05_by_class_not_above_gk03(plan, tmp_path, by):
    changes = {f"gk05.rows[{i}].basic": 80.0 + by for i in (3, 4, 5)}     # 208, 20805, 2080505
    found = rule(plan, tmp_path, "gk05-gk03-classes", changes)
    assert found == [("identity-mismatch", "公开05", "C11", "error", 80.0 + by, 80.0)]


@pytest.mark.parametrize("by", [0.02, 15.0])
def test_gk02_other_income_equals_gk01(plan, tmp_path, by):
    found = rule(plan, tmp_path, "gk02-gk01-other", {"gk01.inc_oth": 20.0 + by, "gk01.closing": 120.0 + by})
    assert found == [("identity-mismatch", "公开02", "I7", "error", 20.0, 20.0 + by)]


@pytest.mark.parametrize("by", [0.02, 60.0])
def test_gk04_opening_and_closing_within_gk01(plan, tmp_path, by):
    base = {**national_inputs(), "gk04.opening_gp": 100.0 + by, "gk04.closing_gp": 100.0}
    assert rule(plan, tmp_path, "gk04-gk01-opening", {}, base) == [
        ("identity-mismatch", "公开04", "C34", "error", 100.0 + by, 100.0)]
    base = {**national_inputs(), "gk04.closing_gp": 120.0 + by}
    assert rule(plan, tmp_path, "gk04-gk01-closing", {}, base) == [
        ("identity-mismatch", "公开04", "F34", "error", 120.0 + by, 120.0)]


@pytest.mark.parametrize("fund, cell", [("gp", "C35"), ("gf", "C36"), ("soc", "C37")])
@pytest.mark.parametrize("by", [0.02, 25.0])
def test_gk04_each_fund_rolls_forward(plan, tmp_path, fund, cell, by):
    """年初 + 本年收入 − 本年支出 = 年末 for each fund (gp: 100 + 530 − 530 = 100; gf/soc: 10 carried over)."""
    opening = 100.0 if fund == "gp" else 10.0
    found = rule(plan, tmp_path, f"gk04-fund-{fund}", {f"gk04.opening_{fund}": opening,
                                                         f"gk04.closing_{fund}": opening + by})
    assert found == [("identity-mismatch", "公开04", cell, "warning", opening, opening + by)]


@pytest.mark.parametrize("by", [0.02, 8.0])
def test_gk04_fund_balance_rolls_into_gk07(plan, tmp_path, by):
    found = rule(plan, tmp_path, "gk04-gk07-opening", {"gk04.opening_gf": by, "gk04.closing_gf": by})
    assert found == [("identity-mismatch", "公开04", "C36", "error", by, 0.0)]
    found = rule(plan, tmp_path, "gk04-gk07-closing", {"gk04.opening_gf": by, "gk04.closing_gf": by})
    assert found == [("identity-mismatch", "公开04", "H34", "error", by, 0.0)]


@pytest.mark.parametrize("by", [0.02, 20.0])
def test_sangong_final_above_budget_is_a_warning(plan, tmp_path, by):
    found = rule(plan, tmp_path, "gk09-within-budget", {"gk09.f_car_run": 12.0 + by, "gk06.e30231": 12.0 + by})
    assert found == [("identity-mismatch", "公开09", "K8", "warning", 12.0 + by, 12.0)]


def test_all_zero_total_is_a_warning(plan, tmp_path):
    zeros = {k: 0.0 for k in national_inputs() if k.startswith("gk01.")}
    assert rule(plan, tmp_path, "gk01-nonzero", zeros) == [("identity-mismatch", "公开01", "C37", "warning", 0.0, 0.0)]
    assert rule(plan, tmp_path, "gk01-nonzero", {**zeros, "gk01.inc_oth": 0.02}) == []


def test_blank_parent_over_filled_parts_is_an_error(fj1_plan, tmp_path):
    parts = {"fj1.office_final": 10.0, "fj1.utility_final": 5.0, "fj1.meeting_final": 2.0}
    assert rule(fj1_plan, tmp_path, "fj1-public-breakdown", parts, {}) == [
        ("parent-blank", "附件1", "D9", "error", 17.0, None)]


@pytest.mark.parametrize("public", [16.98, 10.0])
def test_public_funds_below_their_parts(fj1_plan, tmp_path, public):
    parts = {"fj1.office_final": 10.0, "fj1.utility_final": 5.0, "fj1.meeting_final": 2.0, "fj1.public_final": public}
    assert rule(fj1_plan, tmp_path, "fj1-public-breakdown", parts, {}) == [
        ("identity-mismatch", "附件1", "D10", "warning", 17.0, public)]


@pytest.mark.parametrize("final", [200.02, 300.0])
def test_final_far_above_budget_is_a_warning(fj1_plan, tmp_path, final):
    found = rule(fj1_plan, tmp_path, "fj1-final-far-above-budget",
                 {"fj1.basic_budget": 100.0, "fj1.basic_final": final}, {})
    assert [f for f in found if f[2] == "D8"] == [("identity-mismatch", "附件1", "D8", "warning", final, 200.0)]


@pytest.mark.parametrize("final", [49.98, 22.7])
def test_final_far_below_budget_is_a_warning(fj1_plan, tmp_path, final):
    found = rule(fj1_plan, tmp_path, "fj1-final-far-below-budget",
                 {"fj1.basic_budget": 100.0, "fj1.basic_final": final}, {})
    assert [f for f in found if f[2] == "D8"] == [("identity-mismatch", "附件1", "D8", "warning", final, 50.0)]


# --- 尾数: the two real shapes, 公开06 303 (12 items) and 302 (27 items) typed over their sums ----------------------

E303 = ["30301", "30302", "30303", "30304", "30305", "30306", "30307", "30308", "30309", "30310", "30311", "30399"]
E302 = ["30201", "30202", "30203", "30204", "30205", "30206", "30207", "30208", "30209", "30211", "30212", "30213",
        "30214", "30215", "30216", "30217", "30218", "30224", "30225", "30226", "30227", "30228", "30229", "30231",
        "30239", "30240", "30299"]


def typed_over(plan, tmp_path, total_key, items, filled, zero, by):
    """``filled`` items of 1.11 万元, the others 0.00 (``zero``) or blank, and the total typed ``by`` off."""
    parts = {f"gk06.e{c}": (1.11 if i < filled else (0.0 if zero else None)) for i, c in enumerate(items)}
    a = run(plan, tmp_path, {}, {**parts, total_key: round(1.11 * filled + by, 2)})
    [f] = [f for f in a.findings if f.cell == plan.field(total_key).cell and f.sheet == "公开06"]
    return f.code, f.severity


@pytest.mark.parametrize("by, zero, expected", [
    (0.01, False, ("formula-replaced", "warning")),        # plain 尾数
    (0.02, False, ("rounding-large", "warning")),          # 7 parts filled, 5 blank: bound 0.03
    (0.03, False, ("rounding-large", "warning")),
    (0.04, False, ("arithmetic-mismatch", "error")),
    (0.04, True, ("rounding-large", "warning")),           # the 5 printed 0.00 may carry rounding: bound 0.06
    (0.06, True, ("rounding-large", "warning")),
    (0.07, True, ("arithmetic-mismatch", "error")),
])
def test_twelve_items_blanks_against_zeros(plan, tmp_path, by, zero, expected):
    assert typed_over(plan, tmp_path, "gk06.e303", E303, 7, zero, by) == expected


@pytest.mark.parametrize("by, expected", [(0.01, ("formula-replaced", "warning")), (0.02, ("rounding-large", "warning")),
                                          (0.13, ("rounding-large", "warning")), (0.14, ("arithmetic-mismatch", "error"))])
def test_twenty_seven_items(plan, tmp_path, by, expected):
    assert typed_over(plan, tmp_path, "gk06.e302", E302, 27, False, by) == expected


def test_a_two_cent_break_between_two_figures_is_an_error_not_rounding(plan, tmp_path):
    found = rule(plan, tmp_path, "gk01-gk02-income", {"gk02.rows[0].fiscal": 450.02, "gk02.rows[1].fiscal": 450.02,
                                                        "gk02.rows[2].fiscal": 450.02})
    assert found == [("identity-mismatch", "公开01", "C33", "error", 550.0, 550.02)]
