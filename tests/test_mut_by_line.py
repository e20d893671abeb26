"""``kind: by_line`` (预算01-1's 功能分类 lines against 预算01's when all money is 财政拨款): each difference at the
line that carries the amount, a moved amount at both lines, the 尾数 band's edge. Fast: values computed in memory."""

from __future__ import annotations

from perftool.audit.rules import _by_line, apply_rules
from perftool.definitions.workbook import plan_workbook
from perftool.engine import engine_for

PLAN = plan_workbook(2022, "测试单位", "900001", ["ys01", "ys01_1"])
RULE = "ys01_1-ys01-lines"
NAME = "各功能分类支出与预算01表同一类一致（全部为财政拨款时）"
ONE = "预算01!D6（一、一般公共服务支出）"
ONE_1 = "预算01-1!D7（（一）一般公共服务支出）"


def lines(**inputs):
    """(code, severity, sheet, cell, values, message, cells) of the rule; ``ys01__exp_201`` for ``ys01.exp_201``."""
    engine = engine_for(PLAN)
    values = engine.compute({k.replace("__", ".", 1): v for k, v in inputs.items()})
    return [(f.code, f.severity, f.sheet, f.cell, f.values, f.message, f.cells)
            for f in apply_rules(PLAN, engine, values) if f.rule == RULE]


def test_equal_lines_and_lines_only_one_table_has_are_no_finding():
    assert lines(ys01__exp_201=10, ys01_1__exp_201=10, ys01__exp_234=7) == []


def test_other_fields_of_the_same_name_are_not_lines():
    assert lines(ys01__carry_out=3, ys01_1__carry_out=4) == []


def test_an_amount_on_the_wrong_line_is_reported_at_both_lines_naming_the_other():
    assert lines(ys01__exp_208=46.48, ys01_1__exp_209=46.48) == [
        ("identity-mismatch", "error", "预算01", "D13", {"本表": 46.48, "对应表": 0.0, "差额": 46.48},
         f"{NAME}：预算01!D13（八、社会保障和就业支出）46.48 ≠ 预算01-1!D14（（八）社会保障和就业支出）0.00，相差 46.48；"
         "预算01-1!D15（（九）社会保险支出）填有同一金额，疑为填错行次", ["预算01-1!D14", "预算01-1!D15"]),
        ("identity-mismatch", "error", "预算01-1", "D15", {"本表": 46.48, "对应表": 0.0, "差额": 46.48},
         f"{NAME}：预算01-1!D15（（九）社会保险支出）46.48 ≠ 预算01!D14（九、社会保险支出）0.00，相差 46.48；"
         "预算01!D13（八、社会保障和就业支出）填有同一金额，疑为填错行次", ["预算01!D14", "预算01!D13"]),
    ]


def test_a_difference_is_reported_at_the_larger_line():
    assert lines(ys01__exp_201=10, ys01_1__exp_201=8) == [
        ("identity-mismatch", "error", "预算01", "D6", {"本表": 10.0, "对应表": 8.0, "差额": 2.0},
         f"{NAME}：{ONE}10.00 ≠ {ONE_1}8.00，相差 2.00", ["预算01-1!D7"])]
    [(*_, cell, values, message, cells)] = lines(ys01__exp_201=7, ys01_1__exp_201=9.5)
    assert (cell, values, cells) == ("D7", {"本表": 9.5, "对应表": 7.0, "差额": 2.5}, ["预算01!D6"])


def test_on_a_tie_of_sizes_this_tables_line_gets_the_finding():
    assert lines(ys01__exp_201=-5, ys01_1__exp_201=5) == [
        ("identity-mismatch", "error", "预算01-1", "D7", {"本表": 5.0, "对应表": -5.0, "差额": 10.0},
         f"{NAME}：{ONE_1}5.00 ≠ {ONE}-5.00，相差 10.00", ["预算01!D6"])]


def test_one_cent_is_a_rounding_warning_two_cents_the_rules_severity():
    assert lines(ys01__exp_201=10, ys01_1__exp_201=10.01) == [
        ("rounding-difference", "warning", "预算01-1", "D7", {"本表": 10.01, "对应表": 10.0, "差额": 0.01},
         f"{NAME}：{ONE_1}10.01 ≠ {ONE}10.00，相差 0.01", ["预算01!D6"])]
    [(code, severity, *_)] = lines(ys01__exp_201=10, ys01_1__exp_201=10.02)
    assert (code, severity) == ("identity-mismatch", "error")


def test_two_differences_of_other_sizes_are_not_a_moved_amount():
    found = lines(ys01__exp_201=10, ys01_1__exp_202=9.5)
    assert [(cell, cells) for _, _, _, cell, _, _, cells in found] == [("D6", ["预算01-1!D7"]), ("D8", ["预算01!D7"])]
    assert all("疑为填错行次" not in message for *_, message, _ in found)


def test_not_checked_unless_all_money_is_fiscal():
    assert lines(ys01__inc_fund=100, ys01__exp_208=46.48, ys01_1__exp_209=46.48) == []


def test_a_moved_amount_is_found_when_both_lines_carry_other_figures_too():
    found = lines(ys01__exp_208=46.48, ys01_1__exp_209=50, ys01__exp_209=3.52)
    assert [(cell, cells) for _, _, _, cell, _, _, cells in found] == [
        ("D13", ["预算01-1!D14", "预算01-1!D15"]), ("D15", ["预算01!D14", "预算01!D13"])]


def by_line(scale: int = 1, **rule):
    """_by_line called directly: the rule with ``rule`` changed, for a 汇总 of ``scale`` units."""
    engine = engine_for(PLAN)
    base = next(r for r in PLAN.layouts["ys01_1"].table.audit if r["id"] == RULE)
    def run(**inputs):
        values = engine.compute({k.replace("__", ".", 1): v for k, v in inputs.items()})
        return [(f.code, f.severity, f.cell) for f in _by_line(PLAN.layouts["ys01_1"], {**base, **rule}, PLAN, values,
                                                               scale)]
    return run


def test_a_by_line_rule_may_be_a_warning():
    assert by_line(severity="warning")(ys01__exp_201=10, ys01_1__exp_201=8) == [("identity-mismatch", "warning", "D6")]


def test_a_summary_of_three_units_allows_two_cents():
    run = by_line(scale=3)
    assert run(ys01__exp_201=10, ys01_1__exp_201=10.02) == [("rounding-difference", "warning", "D7")]
    assert run(ys01__exp_201=10, ys01_1__exp_201=10.03) == [("identity-mismatch", "error", "D7")]
