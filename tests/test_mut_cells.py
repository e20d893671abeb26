"""Cell checks (inputs, formulas typed over, stored results) and coercion: the exact finding per case."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from perftool.audit.cells import (check_cache, check_overrides, normalise_formula, plausibility, read_entries,
                                  rounding_code, tolerance)
from perftool.definitions.workbook import plan_workbook
from perftool.engine import engine_for
from perftool.read.coerce import Coerced, coerce
from perftool.read.workbook import Cells

PLAN = plan_workbook(2023, "测试单位", "900001", ["fj1", "fj2"])


@pytest.mark.parametrize("raw, kind, expected", [
    (None, "amount", Coerced(None)), (12, "amount", Coerced(12.0)), (3.0, "count", Coerced(3.0)),
    (True, "amount", Coerced(None, problem="逻辑值 True 不是数值")),
    (float("inf"), "amount", Coerced(None, problem="数值 inf 无效")),
    (2.5, "count", Coerced(None, problem="2.5 不是整数")),
    (dt.date(2023, 1, 1), "amount", Coerced(None, problem="日期 2023-01-01 不是数值")),
    ("  ", "amount", Coerced(None, change="空白文本“  ”按空值读取")),
    ("——", "amount", Coerced(None, change="占位符“——”按空值读取")),
    ("－－", "amount", Coerced(None, change="占位符“－－”按空值读取")),
    ("1,234.56", "amount", Coerced(1234.56, change="文本“1,234.56”按金额 1234.56 读取")),
    ("1，234", "amount", Coerced(1234.0, change="文本“1，234”按金额 1234 读取")),
    ("1 234", "amount", Coerced(1234.0, change="文本“1 234”按金额 1234 读取")),
    ("１２３", "amount", Coerced(123.0, change="文本“１２３”按金额 123 读取")),
    ("87%", "percent", Coerced(0.87, change="文本“87%”按比率 0.87（87%） 读取")),
    ("87%", "amount", Coerced(None, problem="“87%”是百分数，此处应填金额")),
    ("100分", "score", Coerced(100.0, change="文本“100分”按分值/得分 100 读取")),
    ("12万元", "amount", Coerced(12.0, change="文本“12万元”按金额 12 读取")),
    ("5人", "count", Coerced(5.0, change="文本“5人”按人数/个数 5 读取")),
    ("5.5人", "count", Coerced(None, problem="“5.5人”不是整数")),
    ("1e400", "amount", Coerced(None, problem="“1e400”超出数值范围")),
    ("abc", "amount", Coerced(None, problem="“abc”不是金额")),
    ("+.5", "amount", Coerced(0.5, change="文本“+.5”按金额 0.5 读取")),
    ("-3", "amount", Coerced(-3.0, change="文本“-3”按金额 -3 读取")),
    ("1e3", "number", Coerced(1000.0, change="文本“1e3”按数值 1000 读取")),
    (dt.datetime(2023, 7, 12, 10), "date", Coerced(dt.date(2023, 7, 12))),
    (dt.date(2023, 7, 12), "date", Coerced(dt.date(2023, 7, 12))),
    (45000, "date", Coerced(dt.date(2023, 3, 15))), (1, "date", Coerced(dt.date(1900, 1, 1))),
    (2958465, "date", Coerced(dt.date(9999, 12, 31))),
    (0, "date", Coerced(None, problem="0 不是有效日期")), (2958466, "date", Coerced(None, problem="2958466 不是有效日期")),
    (float("inf"), "date", Coerced(None, problem="inf 不是有效日期")),
    (True, "date", Coerced(None, problem="“True”不是日期（应如 2023-07-12）")),
    ("2023-07-12", "date", Coerced(dt.date(2023, 7, 12), change="文本“2023-07-12”按日期 2023-07-12 读取")),
    ("2023年7月12日", "date", Coerced(dt.date(2023, 7, 12), change="文本“2023年7月12日”按日期 2023-07-12 读取")),
    ("2023.13.01", "date", Coerced(None, problem="“2023.13.01”不是有效日期")),
    ("——", "date", Coerced(None, change="占位符“——”按空值读取")), ("", "date", Coerced(None, change="占位符“”按空值读取")),
    ("", "choice", Coerced(None, change="占位符“”按空值读取")),
    ("明天", "date", Coerced(None, problem="“明天”不是日期（应如 2023-07-12）")),
    ("是", "choice", Coerced("是")), (" 是 ", "choice", Coerced("是", change="“ 是 ”按“是”读取")),
    ("√", "choice", Coerced("是", change="“√”按“是”读取")), ("×", "choice", Coerced("否", change="“×”按“否”读取")),
    ("x", "choice", Coerced(None, problem="“x”不是可选值（是/否）")),
    ("/", "choice", Coerced(None, change="占位符“/”按空值读取")),
    ("201", "code", Coerced("201")), (" 201 ", "code", Coerced("201", change="“ 201 ”按“201”读取")),
    (201, "code", Coerced("201", change="数值 201 按科目代码文本“201”读取")),
    (201.5, "code", Coerced(None, problem="“201.5”不是科目代码")),
    (True, "code", Coerced(None, problem="“True”不是科目代码")),
    ("text", "text", Coerced("text")), (1.5, "text", Coerced("1.5")), (2.0, "text", Coerced("2")),
])
def test_typed_values_and_what_was_done_to_them(raw, kind, expected):
    assert coerce(raw, kind, ("是", "否") if kind == "choice" else ()) == expected


@pytest.mark.parametrize("kind, operands, allowed", [
    ("percent", 3, 0.01), ("amount", 0, 0.01 + 1e-9), ("amount", 3, 0.01 + 1e-9), ("amount", 4, 0.01 + 1e-9),
    ("amount", 5, 0.02 + 1e-9), ("amount", 13, 0.06 + 1e-9), ("amount", 28, 0.13 + 1e-9), ("number", 1, 0.01 + 1e-9),
    ("number", 6, 0.02 + 1e-9),
    ("count", 5, 0.5), ("score", 5, 0.005 + 1e-9),
])
def test_rounding_allowed_per_type(kind, operands, allowed):
    assert tolerance(kind, operands) == pytest.approx(allowed, abs=1e-12)


@pytest.mark.parametrize("key, value, code", [
    ("fj1.basic_final", -0.01, "negative-value"), ("fj1.basic_final", 0.0, None), ("fj1.basic_final", 1e8, None),
    ("fj1.basic_final", 1e8 + 1, "implausible-value"), ("fj2.exec_rate", 1.0, None), ("fj2.exec_rate", 1.01,
                                                                                       "rate-out-of-range"),
    ("fj1.staff_actual", 2e8, None), ("fj1.preparer", "张三", None),
])
def test_plausibility_limits_include_their_bound(key, value, code):
    found = plausibility(PLAN.field(key), value)
    assert [f.code for f in found] == ([code] if code else [])


def test_plausibility_messages():
    [f] = plausibility(PLAN.field("fj2.exec_rate"), 1.5)
    assert (f.severity, f.cell, f.values) == ("error", "H6", {"填报值": 1.5})
    assert f.message == "附件2!H6（年度资金总额／执行率） 为 150.00%，比率不应超过 100%（若填的是百分数，请写成 1.5% 或 0.015）"
    [f] = plausibility(PLAN.field("fj1.basic_final"), 2e8)
    assert f.message == "附件1!D8（基本支出／2023年决算数） 为 200,000,000.00 万元，数额异常，请核实金额单位"
    [f] = plausibility(PLAN.field("fj1.basic_final"), -2.5)
    assert (f.severity, f.message) == ("warning", "附件1!D8（基本支出／2023年决算数） 为负数 -2.5，请核实")


def test_normalised_formula_ignores_spaces_dollars_quotes_and_case():
    assert normalise_formula("sum( $B$8 , '附件1'!c9 )") == "SUM(B8,附件1!C9)"


def entries(values=None, formulas=None, cached=None):
    return read_entries(PLAN, Cells(values or {}, formulas or {}, cached or {}))


def formula_text(key):
    return PLAN.formulas[key].text


def test_inputs_are_typed_and_formulas_as_generated_are_accepted():
    e = entries({"fj1.staff_quota": "１００", "fj1.staff_actual": 90},
                {k: formula_text(k) for k in PLAN.formulas})
    assert e.inputs == {"fj1.staff_quota": 100.0, "fj1.staff_actual": 90.0}
    assert e.overrides == {} and e.tampered == set()
    [f] = e.findings
    assert (f.code, f.severity, f.cell, f.values) == ("value-coerced", "warning", "B5",
                                                       {"填报值": "１００", "读取值": 100.0})
    assert f.message == "附件1!B5（财政供养人员情况（人）／编制数）：文本“１００”按人数/个数 100 读取"


@pytest.mark.parametrize("type_name, difference, code", [
    ("number", 0.01, "rounding-difference"), ("number", -0.02, "rounding-large"), ("amount", 0.011, "rounding-large"),
    ("percent", 0.5, "rounding-difference")])
def test_amounts_and_numbers_beyond_a_cent_are_large_rounding_differences(type_name, difference, code):
    assert rounding_code(type_name, difference) == code


def test_a_changed_formula_a_deleted_one_and_a_constant_typed_over_one():
    formulas = {k: formula_text(k) for k in PLAN.formulas}
    formulas["fj1.staff_rate"] = "C5/B5"
    del formulas["fj1.total_final"]
    del formulas["fj1.total_prev"]
    e = entries({"fj1.total_prev": 12}, formulas)
    assert e.tampered == {"fj1.staff_rate", "fj1.total_final"} and e.overrides == {"fj1.total_prev": 12.0}
    changed, deleted = sorted((f for f in e.findings if f.code == "formula-tampered"), key=lambda f: f.cell)
    assert (changed.cell, changed.severity, changed.values) == ("D5", "error", {
        "现公式": "=C5/B5", "表样公式": '=IF(OR(B5=0,C5=""),"",C5/B5)'})
    assert changed.message == "附件1!D5（财政供养人员情况（人）／控制率） 的公式被改动，按表样公式重新计算"
    assert (deleted.cell, deleted.values) == ("D7", {"表样公式": "=" + formula_text("fj1.total_final")})
    assert deleted.message.endswith("的公式被删除，按表样公式重新计算")


def test_a_formula_in_an_input_cell_gives_its_stored_result():
    e = entries({}, {**{k: formula_text(k) for k in PLAN.formulas}, "fj1.staff_quota": "50+50"},
                {"fj1.staff_quota": 100})
    assert e.inputs == {"fj1.staff_quota": 100.0}
    [f] = e.findings
    assert (f.code, f.severity, f.cell, f.values) == ("formula-in-input", "warning", "B5",
                                                       {"公式": "=50+50", "计算结果": 100})
    assert f.message == "附件1!B5（财政供养人员情况（人）／编制数） 是填报项，却填了公式，取其计算结果 100"


def test_an_unreadable_input_is_blank_with_an_error():
    e = entries({"fj1.staff_quota": "一百"}, {k: formula_text(k) for k in PLAN.formulas})
    assert e.inputs == {}
    [f] = e.findings
    assert (f.code, f.severity, f.values) == ("value-invalid", "error", {"填报值": "一百"})
    assert f.message == "附件1!B5（财政供养人员情况（人）／编制数）：“一百”不是人数/个数，按空值处理"


def overrides(typed, **inputs):
    engine = engine_for(PLAN)
    as_filed = engine.compute({**inputs, **typed})
    return check_overrides(PLAN, engine, as_filed, typed)


def test_a_constant_over_a_formula_within_rounding_is_a_warning_beyond_it_an_error():
    parts = {"fj1.basic_final": 10, "fj1.business_final": 5}
    [same] = overrides({"fj1.total_final": 15.0}, **parts)
    assert (same.code, same.severity, same.values["差额"]) == ("formula-replaced", "warning", 0.0)
    assert same.message == "附件1!D7（支出总额／2023年决算数） 的计算公式被替换为数值 15.00"
    assert same.cells == ["附件1!D8", "附件1!D13"]
    [near] = overrides({"fj1.total_final": 15.01}, **parts)
    assert (near.code, near.values) == ("formula-replaced", {"填报值": 15.01, "按公式计算": 15.0, "差额": 0.01})
    assert near.message.endswith("，相差 0.01（尾数差异）")
    [far] = overrides({"fj1.total_final": 15.02}, **parts)  # two filled operands: 0.015 allowed
    assert (far.code, far.severity, far.values) == ("arithmetic-mismatch", "error",
                                                    {"填报值": 15.02, "按公式计算": 15.0, "差额": 0.02})


def test_a_formula_without_references_is_computed_as_the_template_has_it():
    [f] = overrides({"fj2.fund_max": 8})
    assert (f.code, f.cell) == ("arithmetic-mismatch", "G6")
    assert f.message == "附件2!G6（年度资金总额／分值） 填报 8，按表样计算应为 10，相差 2"


def test_a_text_over_a_formula_is_a_mismatch_unless_both_are_blank():
    [f] = overrides({"fj1.staff_rate": "高"}, **{"fj1.staff_quota": 10, "fj1.staff_actual": 9})
    assert (f.code, f.values) == ("arithmetic-mismatch", {"填报值": "高", "按公式计算": 0.9})
    assert f.message == "附件1!D5（财政供养人员情况（人）／控制率） 填为 “高”，按计算公式应为 90.00%"
    assert overrides({"fj1.staff_rate": ""}) == []
    [f] = overrides({"fj1.staff_rate": 0.5}, **{"fj1.staff_quota": 0, "fj1.staff_actual": 5})   # no 编制数: blank
    assert f.message == "附件1!D5（财政供养人员情况（人）／控制率） 填为 50.00%，按计算公式应为 空"


def test_stored_results_are_compared_with_the_recomputation():
    assert [f.code for f in check_cache(PLAN, {"fj1.staff_rate": None, "fj1.total_final": None}, {})] == \
        ["no-cached-values"]
    assert check_cache(PLAN, {}, {}) == []
    same = {"fj1.staff_rate": 0.9, "fj1.total_final": None, "fj2.fund_score": True, "fj1.preparer": "张三"}
    assert check_cache(PLAN, {"fj1.staff_rate": 0.9 + 1e-12, "fj1.total_final": "", "fj2.fund_score": 1,
                              "fj1.preparer": "张三"}, same) == []
    [f] = check_cache(PLAN, {"fj1.staff_rate": 0.8, "fj1.total_final": None}, {"fj1.staff_rate": 0.9})
    assert (f.code, f.severity, f.cell, f.values) == ("stale-cache", "warning", "D5", {"保存值": 0.8, "重算值": 0.9})
    [f] = check_cache(PLAN, {"fj1.preparer": "李四"}, {"fj1.preparer": "张三"})
    assert f.values == {"保存值": "李四", "重算值": "张三"}


def test_plausibility_findings_sit_at_the_cell_with_the_value():
    for key, value, code in (("fj1.basic_final", -2.5, "negative-value"), ("fj1.basic_final", 2e8, "implausible-value"),
                             ("fj2.exec_rate", 1.5, "rate-out-of-range")):
        [f] = plausibility(PLAN.field(key), value)
        assert (f.code, f.sheet, f.cell, f.values) == (code, PLAN.field(key).sheet, PLAN.field(key).cell,
                                                        {"填报值": value})


def test_text_over_a_formula_each_case():
    assert [(f.code, f.cell) for f in overrides({"fj1.staff_rate": "高"})] == [("arithmetic-mismatch", "D5")]
    assert [f.values for f in overrides({"fj1.staff_rate": ""}, **{"fj1.staff_quota": 10, "fj1.staff_actual": 9})] \
        == [{"填报值": "", "按公式计算": 0.9}]
    found = overrides({"fj1.staff_rate": "高", "fj1.total_final": 20.0}, **{"fj1.basic_final": 20})
    assert [(f.code, f.cell) for f in found] == [("arithmetic-mismatch", "D5"), ("formula-replaced", "D7")]


def test_a_rate_typed_over_its_formula_is_shown_as_a_rate():
    [f] = overrides({"fj1.staff_rate": 0.905}, **{"fj1.staff_quota": 10, "fj1.staff_actual": 9})
    assert (f.code, f.cell) == ("formula-replaced", "D5")
    assert f.message == ("附件1!D5（财政供养人员情况（人）／控制率） 的计算公式被替换为数值 "
                         "90.50%，相差 0.50 个百分点（尾数差异）")


def test_stored_results_each_case():
    [f] = check_cache(PLAN, {"fj1.staff_rate": None, "fj1.total_final": None}, {})
    assert f.message == "工作簿未保存任何公式计算结果（可能由程序写入），已按表样公式全部重新计算"
    found = check_cache(PLAN, {"fj1.total_final": 5.0, "fj1.staff_rate": None, "fj1.total_prev": 5.0,
                               "fj1.total_budget": 1e-10, "fj2.exec_rate": "是"},
                        {"fj1.total_final": 5.0, "fj1.staff_rate": 0.9, "fj1.total_prev": None, "fj1.total_budget": 0.0,
                         "fj2.exec_rate": True})
    assert [(f.cell, f.values) for f in found] == [("D5", {"保存值": None, "重算值": 0.9}),
                                                   ("B7", {"保存值": 5.0, "重算值": None}),
                                                   ("H6", {"保存值": "是", "重算值": True})]
    assert found[0].message == ("附件1!D5（财政供养人员情况（人）／控制率） 保存的结果 空 与重新计算的 90.00% 不一致"
                                "（文件保存前未重算或结果被改动），请在表格软件中重算后保存")


def test_inputs_are_checked_for_plausibility_and_choices_read_with_their_options():
    plan = plan_workbook(2023, "测试单位", "900001", ["fj1", "pj"])
    cells = Cells({"fj1.basic_final": -3, "pj.budget_system_i1": "√", "fj1.staff_quota": "一百"},
                  {k: t.text for k, t in plan.formulas.items()})
    e = read_entries(plan, cells)
    assert e.inputs == {"fj1.basic_final": -3.0, "pj.budget_system_i1": "是"}
    assert [(f.code, f.sheet, f.cell) for f in e.findings] == [
        ("value-invalid", "附件1", "B5"), ("negative-value", "附件1", "D8"), ("value-coerced", "评分表", "F15")]


def test_a_rate_typed_beyond_rounding_is_a_mismatch_in_percentage_points():
    [f] = overrides({"fj1.staff_rate": 0.95}, **{"fj1.staff_quota": 10, "fj1.staff_actual": 9})
    assert (f.code, f.cell) == ("arithmetic-mismatch", "D5")
    assert f.message == ("附件1!D5（财政供养人员情况（人）／控制率） 填报 95.00%，按其组成项（附件1!B5（财政供养人员情况（人）／编制数）、"
                         "附件1!C5（财政供养人员情况（人）／2023年实际在职人数））计算应为 90.00%，相差 5.00 个百分点")
    assert f.cells == ["附件1!B5", "附件1!C5"]  # each cell the formula reads, once


def test_the_same_text_typed_over_a_text_formula_is_no_mismatch():
    plan = plan_workbook(2023, "测试单位", "900001", ["fj1", "pj"])
    engine = engine_for(plan)
    grade = engine.compute({})["pj.grade"]
    assert isinstance(grade, str) and grade
    assert check_overrides(plan, engine, engine.compute({"pj.grade": grade}), {"pj.grade": grade}) == []


def test_a_constant_over_a_formula_in_a_summary_of_three_units_within_their_rounding():
    summary = replace(PLAN, members=("甲单位", "乙单位", "丙单位"))
    engine = engine_for(summary)
    parts = {"fj1.basic_final": 10, "fj1.business_final": 5}
    found = {}
    for typed in (15.04, 15.05):
        [f] = check_overrides(summary, engine, engine.compute({**parts, "fj1.total_final": typed}),
                              {"fj1.total_final": typed})
        found[typed] = f
    near, far = found[15.04], found[15.05]
    named = "按其组成项（附件1!D8（基本支出／2023年决算数）、附件1!D13（项目支出／2023年决算数））"
    assert (near.code, near.severity, near.cell, near.values, near.cells) == (
        "rounding-large", "warning", "D7", {"填报值": 15.04, "按公式计算": 15.0, "差额": 0.04}, ["附件1!D8", "附件1!D13"])
    assert near.message == (f"附件1!D7（支出总额／2023年决算数） 填报 15.04，{named}计算为 15.00，相差 0.04：超过一般尾数 "
                            "0.01，在 2 个组成项的舍入误差上限之内，请核实")
    assert (far.code, far.severity) == ("arithmetic-mismatch", "error")
    assert far.message == f"附件1!D7（支出总额／2023年决算数） 填报 15.05，{named}计算应为 15.00，相差 0.05"


@pytest.mark.parametrize("count, named", [
    (3, "附件1!D8（基本支出／2023年决算数）、附件1!D14（其中：1、业务工作经费／2023年决算数）、"
        "附件1!D15（2、运行维护经费／2023年决算数）"),
    (4, "附件1!D8（基本支出／2023年决算数）、附件1!D14（其中：1、业务工作经费／2023年决算数）、"
        "附件1!D15（2、运行维护经费／2023年决算数） 等")])
def test_a_stale_result_names_the_inputs_typed_as_text(count, named):
    texts = ["fj1.basic_final", "fj1.business_final", "fj1.operation_final", "fj1.special[0].final"][:count]
    cells = ["附件1!D8", "附件1!D14", "附件1!D15", "附件1!D17"][:count]
    [f] = check_cache(PLAN, {"fj1.total_final": 5.0}, {"fj1.total_final": 15.0}, set(texts) | {"fj2.fund_score"})
    assert (f.code, f.severity, f.cell, f.cells) == ("stale-cache", "warning", "D7", cells)
    assert f.values == {"保存值": 5.0, "重算值": 15.0, "文本单元格": "、".join(cells)}
    assert f.message == (f"附件1!D7（支出总额／2023年决算数） 保存的结果 5.00 与重新计算的 15.00 不一致：{named} "
                         "填的是文本形式的数字，表格软件计算时未计入，perftool 按数值读取。"
                         "请把该单元格改为数值（去掉引号、空格或文本格式）后保存")


def test_the_parts_named_in_a_mismatch_are_four_then_counted():
    [f] = overrides({"fj1.special_final": 100.0}, **{"fj1.special[0].final": 5})
    assert f.message == ("附件1!D16（3、专项资金／2023年决算数） 填报 100.00，按其组成项（附件1!D17（第1行／2023年决算数）、"
                         "附件1!D18（第2行／2023年决算数）、附件1!D19（第3行／2023年决算数）、附件1!D20（第4行／2023年决算数）"
                         " 等 30 项）计算应为 5.00，相差 95")
    [f] = overrides({"fj2.max_total": 1000.0})
    assert f.message == ("附件2!G54（总分／分值） 填报 1000，按其组成项（附件2!G6（年度资金总额／分值）、附件2!G15（本类指标分值及得分"
                         "／分值）、附件2!G32（本类指标分值及得分／分值）、附件2!G49（本类指标分值及得分／分值））计算应为 10，相差 990")


def test_a_formula_of_five_parts_names_four_and_counts_five():
    plan = plan_workbook(2023, "测试单位", "900001", ["gk03"], {"gk03.rows": 4})
    engine = engine_for(plan)
    typed = {"gk03.rows[0].total": 100.0}
    [f] = check_overrides(plan, engine, engine.compute({"gk03.rows[0].basic": 5, **typed}), typed)
    assert (f.code, f.severity, f.cell) == ("arithmetic-mismatch", "error", "C8")
    assert f.message == ("公开03!C8（第1行／本年支出合计） 填报 100.00，按其组成项（公开03!D8（第1行／基本支出）、"
                         "公开03!E8（第1行／项目支出）、公开03!F8（第1行／上缴上级支出）、公开03!G8（第1行／经营支出） 等 5 项）"
                         "计算应为 5.00，相差 95")


def test_every_stale_result_is_reported_after_one_caused_by_a_text():
    found = check_cache(PLAN, {"fj1.total_final": 5.0, "fj1.staff_rate": 0.5},
                        {"fj1.total_final": 15.0, "fj1.staff_rate": 0.9}, {"fj1.basic_final"})
    assert [(f.code, f.cell, f.cells, f.values) for f in found] == [
        ("stale-cache", "D7", ["附件1!D8"], {"保存值": 5.0, "重算值": 15.0, "文本单元格": "附件1!D8"}),
        ("stale-cache", "D5", [], {"保存值": 0.5, "重算值": 0.9})]
    assert found[1].message == ("附件1!D5（财政供养人员情况（人）／控制率） 保存的结果 50.00% 与重新计算的 90.00% 不一致"
                                "（文件保存前未重算或结果被改动），请在表格软件中重算后保存")


def test_a_text_input_read_after_a_repeated_reference_is_named_as_the_cause():
    """固定资产利用率 = IF(OR(F33="",F33=0),"",F32/F33): F33 is read three times, F32 between its repeats."""
    plan = plan_workbook(2023, "测试单位", "900001", ["fj1", "fj2", "pj"])
    values = engine_for(plan).compute({"pj.asset_use_in_use": 80, "pj.asset_use_total": 100})
    [f] = check_cache(plan, {"pj.asset_use_value": 0.0}, values, {"pj.asset_use_in_use"})
    assert (f.code, f.cell, f.cells, f.values) == ("stale-cache", "F31", ["评分表!F32"],
                                                   {"保存值": 0.0, "重算值": 0.8, "文本单元格": "评分表!F32"})
    assert f.message.startswith("评分表!F31（固定资产利用率／指标值或评价依据） 保存的结果 0.00% 与重新计算的 80.00% 不一致："
                                "评分表!F32（在用固定资产（万元）／指标值或评价依据） 填的是文本形式的数字")


def test_a_text_typed_over_a_formula_is_read_with_what_was_done_to_it():
    formulas = {k: formula_text(k) for k in PLAN.formulas if k != "fj1.total_final"}
    e = entries({"fj1.total_final": "1,234.5", "fj1.staff_quota": "44"}, formulas)
    assert e.overrides == {"fj1.total_final": 1234.5}
    assert [(f.code, f.cell, f.values) for f in e.findings if f.code == "value-coerced"] == [
        ("value-coerced", "B5", {"填报值": "44", "读取值": 44.0}),
        ("value-coerced", "D7", {"填报值": "1,234.5", "读取值": 1234.5})]
    assert e.texts == {"fj1.staff_quota"}  # only inputs count: a spreadsheet leaves such text out of its sums


def test_numbers_in_numeric_inputs_and_texts_in_text_inputs_are_taken_as_they_are():
    e = entries({"fj1.basic_prev": 12, "fj1.basic_budget": 3.5, "fj1.basic_final": -2.5, "fj2.output_max": 7,
                 "fj1.area_approved": 1.25, "fj1.special[0].name": "44.5"},
                {k: formula_text(k) for k in PLAN.formulas})
    assert e.inputs == {"fj1.basic_prev": 12.0, "fj1.basic_budget": 3.5, "fj1.basic_final": -2.5,
                        "fj2.output_max": 7.0, "fj1.area_approved": 1.25, "fj1.special[0].name": "44.5"}
    assert [type(e.inputs[k]) for k in ("fj1.basic_prev", "fj2.output_max")] == [float, float]
    assert e.texts == set()  # a text input's numeric-looking text stays a text
    assert [(f.code, f.cell) for f in e.findings] == [("negative-value", "D8")]


@pytest.mark.parametrize("key, raw, code", [
    ("fj1.basic_prev", float("inf"), "value-invalid"), ("fj1.basic_prev", float("nan"), "value-invalid"),
    ("fj1.basic_prev", True, "value-invalid"), ("fj1.staff_quota", 2.5, "value-invalid"),
    ("fj1.basic_prev", " 12 ", "value-coerced"), ("fj1.basic_prev", 2e8, "implausible-value"),
])
def test_numbers_a_number_input_cannot_take_as_they_are_go_through_coercion(key, raw, code):
    e = entries({key: raw}, {k: formula_text(k) for k in PLAN.formulas})
    assert [f.code for f in e.findings] == [code]
    assert (key in e.inputs) == (code != "value-invalid")


def test_a_blank_input_is_left_out_and_a_formula_written_otherwise_is_still_the_template_s():
    formulas = {k: formula_text(k) for k in PLAN.formulas}
    formulas["fj1.staff_rate"] = formulas["fj1.staff_rate"].lower().replace(",", ", ")
    assert formulas["fj1.staff_rate"] != formula_text("fj1.staff_rate")
    e = entries({"fj1.basic_prev": None}, formulas)
    assert (e.inputs, e.tampered, e.findings) == ({}, set(), [])


def test_a_number_in_a_text_date_or_count_input_is_read_through_coercion():
    e = entries({"fj1.special[0].name": 1.5, "fj1.special[1].name": 2.0, "fj1.fill_date": 45000,
                 "fj1.staff_actual": 3, "fj1.staff_quota": 2.5}, {k: formula_text(k) for k in PLAN.formulas})
    assert e.inputs == {"fj1.special[0].name": "1.5", "fj1.special[1].name": "2", "fj1.fill_date": dt.date(2023, 3, 15),
                        "fj1.staff_actual": 3.0}
    assert [type(e.inputs[k]) for k in ("fj1.special[0].name", "fj1.staff_actual")] == [str, float]
    assert e.texts == set()  # typed as numbers, not as texts: none counts as a text
    [f] = e.findings
    assert (f.code, f.cell, f.values) == ("value-invalid", "B5", {"填报值": 2.5})


def test_a_logical_and_a_number_are_compared_as_numbers_within_the_tolerance():
    assert check_cache(PLAN, {"fj2.fund_score": 1 + 1e-12, "fj1.staff_rate": False},
                       {"fj2.fund_score": True, "fj1.staff_rate": 1e-12}) == []
    [f] = check_cache(PLAN, {"fj2.fund_score": 1 + 1e-6}, {"fj2.fund_score": True})
    assert (f.code, f.cell, f.values) == ("stale-cache", "I6", {"保存值": 1 + 1e-6, "重算值": True})


def test_a_number_read_from_text_or_a_count_is_checked_for_plausibility():
    e = entries({"fj1.basic_prev": "-5", "fj1.staff_actual": -2}, {k: formula_text(k) for k in PLAN.formulas})
    assert e.inputs == {"fj1.basic_prev": -5.0, "fj1.staff_actual": -2.0}
    assert [(f.code, f.cell) for f in e.findings] == [("negative-value", "C5"), ("value-coerced", "B8"),
                                                      ("negative-value", "B8")]
