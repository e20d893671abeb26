"""Audit rules (left op right, 科目 hierarchy, by_code): the exact finding (code, cell, severity, values) per case."""

from __future__ import annotations

from dataclasses import replace

import pytest

from perftool.audit.findings import CATALOGUE
from perftool.audit.rules import RuleText, _by_code, _compare, _expand, _hierarchy, apply_rules, rule_text, rules_for
from perftool.definitions.workbook import plan_workbook
from perftool.engine import engine_for
from perftool.errors import DefinitionError

PLAN = plan_workbook(2023, "测试单位", "900001", ["gk01", "gk02", "gk03", "fj1", "fj2"],
                     {"gk02.rows": 4, "gk03.rows": 4, "fj2.quantity": 2})


def audit(rule: str, **inputs):
    """The findings of ``rule`` on a workbook with ``inputs`` (``gk02__x`` for ``gk02.x``) filled."""
    engine = engine_for(PLAN)
    values = engine.compute({k.replace("__", ".", 1): v for k, v in inputs.items()})
    return [f for f in apply_rules(PLAN, engine, values) if f.rule == rule]


def brief(findings):
    return [(f.code, f.severity, f.sheet, f.cell, f.values) for f in findings]


# -- left op right ------------------------------------------------------------------------------------------

ACT, QUOTA = "财政供养人员情况（人）／2023年实际在职人数（附件1!C5）", "财政供养人员情况（人）／编制数（附件1!B5）"
SOURCES, BUDGET = "按 附件2!D8、D9、D10 等 4 格 计算", "年度资金总额／全年预算数（附件2!E6）"


def test_at_most_holds_in_the_equal_case_and_below():
    assert audit("fj1-staff-quota", fj1__staff_quota=100, fj1__staff_actual=100) == []
    assert audit("fj1-staff-quota", fj1__staff_quota=100, fj1__staff_actual=99) == []


def test_at_most_broken_is_reported_with_the_rule_severity_sides_and_cells():
    [f] = audit("fj1-staff-quota", fj1__staff_quota=100, fj1__staff_actual=101)
    assert brief([f]) == [("identity-mismatch", "warning", "附件1", "C5", {ACT: 101, QUOTA: 100, "差额": 1})]
    assert f.cells == ["附件1!C5", "附件1!B5"]
    assert f.message == f"实际在职人数不超过编制数：{ACT} 101 > {QUOTA} 100，相差 1"


def test_at_most_broken_within_rounding_is_a_rounding_warning():
    [f] = audit("fj1-staff-quota", fj1__staff_quota=100, fj1__staff_actual=100.01)
    assert brief([f]) == [("rounding-difference", "warning", "附件1", "C5", {ACT: 100.01, QUOTA: 100, "差额": 0.01})]
    assert f.message.endswith("相差 0.01（在尾数允许范围内）")


def test_an_equality_within_rounding_is_a_warning_beyond_it_the_rule_severity():
    base = {"fj2__src_gpb": 50, "fj2__src_gf": 50}
    assert audit("fj2-sources", **base, fj2__budget_full=100) == []
    [f] = audit("fj2-sources", **base, fj2__budget_full=100.01)   # 2 parts and a total filled: 0.01 allowed
    assert brief([f]) == [("rounding-difference", "warning", "附件2", "D8", {SOURCES: 100.0, BUDGET: 100.01, "差额": -0.01})]
    assert f.cells == ["附件2!D8", "附件2!D9", "附件2!D10", "附件2!D11", "附件2!E6"]
    assert f.message == f"按收入性质分合计等于全年预算数：{SOURCES} 100.00 ≠ {BUDGET} 100.01，相差 0.01（在尾数允许范围内）"
    [f] = audit("fj2-sources", **base, fj2__budget_full=100.02)
    assert brief([f]) == [("identity-mismatch", "error", "附件2", "D8", {SOURCES: 100.0, BUDGET: 100.02, "差额": -0.02})]
    assert f.message == f"按收入性质分合计等于全年预算数：{SOURCES} 100.00 ≠ {BUDGET} 100.02，相差 0.02"


def test_an_exact_rule_allows_no_rounding():
    rows = {"fj2.quantity[0].max": 20, "fj2.quantity[1].max": 10}
    assert audit("fj2-output-max", fj2__output_max=30, **rows) == []
    [f] = audit("fj2-output-max", fj2__output_max=30, **{**rows, "fj2.quantity[1].max": 10.001})
    assert brief([f]) == [("identity-mismatch", "error", "附件2", "G15", {"本类指标分值及得分／分值（附件2!G15）": 30, "按 附件2!G16、G17、G18 等 14 格 计算": 30.001, "差额": -0.001})]
    assert f.message == ("产出指标分值等于其各行分值之和：本类指标分值及得分／分值（附件2!G15） 30 ≠ "
                         "按 附件2!G16、G17、G18 等 14 格 计算 30，相差 0.001")


def test_a_rule_with_when_applies_only_once_its_condition_holds():
    assert audit("fj2-max-total") == []
    [f] = audit("fj2-max-total", fj2__output_max=30)
    assert brief([f]) == [("identity-mismatch", "error", "附件2", "G52", {"总分／分值（附件2!G52）": 40.0, "规定值": 100.0, "差额": -60.0})]
    assert f.message == "分值合计应为100分：总分／分值（附件2!G52） 40 ≠ 规定值 100，相差 60"  # 年度资金总额 10 分 included
    assert audit("fj2-max-total", fj2__output_max=30, fj2__benefit_max=50, fj2__satisfaction_max=10) == []


def test_a_blank_side_is_not_compared():
    assert audit("fj2-executed", fj2__executed=5) == []
    assert audit("fj2-score-within-max", **{"fj2.quantity[0].score": 5}) == []


def test_each_row_is_checked_at_its_own_row():
    [f] = audit("fj2-score-within-max", **{"fj2.quantity[0].max": 5, "fj2.quantity[0].score": 5,
                                           "fj2.quantity[1].max": 5, "fj2.quantity[1].score": 5.5})
    assert brief([f]) == [("identity-mismatch", "error", "附件2", "H17", {"数量指标第2行／得分（附件2!H17）": 5.5, "数量指标第2行／分值（附件2!G17）": 5, "差额": 0.5})]
    assert f.message == "得分不超过分值：数量指标第2行／得分（附件2!H17） 5.5 > 数量指标第2行／分值（附件2!G17） 5，相差 0.5"


def test_each_column_is_checked_in_its_own_column():
    found = audit("fj1-public-within-basic", fj1__public_prev=5, fj1__basic_prev=4, fj1__public_final=3,
                  fj1__basic_final=3, fj1__public_budget=1, fj1__basic_budget=2)
    assert brief(found) == [("identity-mismatch", "error", "附件1", "B9", {"其中：公用经费／2022年决算数（附件1!B9）": 5, "基本支出／2022年决算数（附件1!B8）": 4, "差额": 1})]


def test_a_field_of_another_table_is_named_with_its_sheet():
    [f] = audit("gk01-gk02-income", gk01__inc_gpb=100, **{"gk02.rows[0].code": "201", "gk02.rows[0].fiscal": 100,
                                                         "gk02.rows[0].superior": 3})
    assert brief([f]) == [("identity-mismatch", "error", "公开01", "C33", {"本年收入合计／金额（公开01!C33）": 100.0, "合计／本年收入合计（公开02!C7）": 103.0, "差额": -3.0})]
    assert f.message == ("本年收入合计等于公开02表合计：本年收入合计／金额（公开01!C33） 100.00 ≠ "
                         "合计／本年收入合计（公开02!C7） 103.00，相差 3")


def test_rules_of_a_table_not_in_the_workbook_are_left_out():
    plan = plan_workbook(2023, "测试单位", "900001", ["gk01"])
    engine = engine_for(plan)
    rules = {f.rule for f in apply_rules(plan, engine, engine.compute({"gk01.inc_gpb": 1, "gk01.exp_201": 2}))}
    assert rules == {"gk01-balance"}


# -- 科目 hierarchy -------------------------------------------------------------------------------------------

def rows(*lines):
    """gk02 科目 rows: (code, fiscal) per row."""
    out = {}
    for i, (code, fiscal) in enumerate(lines):
        if code is not None:
            out[f"gk02.rows[{i}].code"] = code
        if fiscal is not None:
            out[f"gk02.rows[{i}].fiscal"] = fiscal
    return out


def test_a_class_that_is_not_the_sum_of_its_kuan_is_an_error_in_each_column():
    found = audit("gk02-hierarchy", **rows(("201", 100), ("20101", 60), ("2010101", 60), ("20102", 30)))
    assert brief(found) == [
        ("hierarchy-mismatch", "error", "公开02", "C8", {"类 201": 100.0, "所属款之和": 90.0, "差额": 10.0}),
        ("hierarchy-mismatch", "error", "公开02", "D8", {"类 201": 100.0, "所属款之和": 90.0, "差额": 10.0}),
    ]
    assert found[1].cells == ["公开02!D9", "公开02!D11"]
    assert found[1].message == "类 201 的财政拨款收入 100.00 ≠ 所属款之和 90.00，相差 10.00"


def test_a_kuan_that_is_not_the_sum_of_its_xiang_is_an_error():
    found = audit("gk02-hierarchy", **rows(("20101", 60), ("2010101", 50), ("2010102", 5)))
    assert [(f.code, f.cell, f.values) for f in found][-1] == \
        ("hierarchy-mismatch", "D8", {"款 20101": 60.0, "所属项之和": 55.0, "差额": 5.0})
    assert found[-1].message == "款 20101 的财政拨款收入 60.00 ≠ 所属项之和 55.00，相差 5.00"


def test_hierarchy_within_rounding_is_a_warning_and_exact_sums_pass():
    found = audit("gk02-hierarchy", **rows(("201", 90.01), ("20101", 60), (None, None), ("20102", 30)))
    assert brief(found)[1] == ("rounding-difference", "warning", "公开02", "D8",
                               {"类 201": 90.01, "所属款之和": 90.0, "差额": 0.01})
    assert found[1].message == "类 201 的财政拨款收入 90.01 ≠ 所属款之和 90.00，相差 0.01（在尾数允许范围内）"
    assert audit("gk02-hierarchy", **rows(("201", 90), ("20101", 60), (None, None), ("20102", 30))) == []
    beyond = audit("gk02-hierarchy", **rows(("201", 90.02), ("20101", 60), (None, None), ("20102", 30)))
    assert [f.code for f in beyond] == ["hierarchy-mismatch", "hierarchy-mismatch"]


def test_a_blank_class_against_filled_kuan_is_a_mismatch_and_foreign_codes_are_no_children():
    found = audit("gk02-hierarchy", **rows(("201", None), ("20101", 5), ("20201", 7)))
    assert brief(found)[1] == ("hierarchy-mismatch", "error", "公开02", "D8", {"类 201": 0.0, "所属款之和": 5.0, "差额": -5.0})
    assert audit("gk02-hierarchy", **rows(("201", None), ("20101", None))) == []


def test_malformed_and_repeated_codes_are_reported_at_the_code_cell():
    found = audit("gk02-hierarchy", **rows(("2011", None), (" 20101 ", None), ("20101", None), ("2o1", None)))
    assert [(f.code, f.severity, f.cell, f.values, f.message) for f in found] == [
        ("code-invalid", "error", "A8", {"科目代码": "2011"}, "公开02!A8 科目代码“2011”应为 3、5 或 7 位数字"),
        ("code-invalid", "error", "A10", {"科目代码": "20101"}, "公开02!A10 科目代码 20101 重复出现"),
        ("code-invalid", "error", "A11", {"科目代码": "2o1"}, "公开02!A11 科目代码“2o1”应为 3、5 或 7 位数字"),
    ]


@pytest.mark.parametrize("code", ["2", "20", "2010", "201010", "20101011"])
def test_codes_of_other_lengths_are_malformed(code):
    [f] = audit("gk02-hierarchy", **rows((code, None)))
    assert (f.code, f.cell) == ("code-invalid", "A8")


# -- 公开01 类 lines against 公开03 ---------------------------------------------------------------------------

def test_a_class_line_agrees_with_the_gk03_row_of_its_code():
    assert audit("gk01-gk03-classes", gk01__exp_201=100, **{"gk03.rows[0].code": "201", "gk03.rows[0].basic": 100}) == []
    [f] = audit("gk01-gk03-classes", gk01__exp_201=100, **{"gk03.rows[0].code": "201", "gk03.rows[0].basic": 100.01})
    assert brief([f]) == [("rounding-difference", "warning", "公开01", "F7", {"一、一般公共服务支出／金额（公开01!F7）": 100.0, "公开03!C8 科目 201": 100.01, "差额": -0.01})]
    assert f.cells == ["公开03!C8"]
    assert f.message == ("各类支出与公开03表对应类的合计一致：一、一般公共服务支出 100.00 ≠ 公开03!C8 科目 201 100.01，"
                         "相差 0.01（在尾数允许范围内）")
    [f] = audit("gk01-gk03-classes", gk01__exp_201=100, **{"gk03.rows[0].code": "201", "gk03.rows[0].basic": 100.02})
    assert (f.code, f.severity) == ("identity-mismatch", "error")


def test_a_class_line_without_its_gk03_row_and_a_gk03_row_without_its_line():
    found = audit("gk01-gk03-classes", gk01__exp_201=100, **{"gk03.rows[0].code": "202", "gk03.rows[0].basic": 100})
    assert brief(found) == [
        ("identity-mismatch", "error", "公开01", "F7",
         {"一、一般公共服务支出／金额（公开01!F7）": 100.0, "公开03（无 201 行） 科目 201": 0.0, "差额": 100.0}),
        ("identity-mismatch", "error", "公开01", "F8",
         {"二、外交支出／金额（公开01!F8）": 0.0, "公开03!C8 科目 202": 100.0, "差额": -100.0}),
    ]
    assert found[0].cells == [] and "公开03（无 201 行） 科目 201 0.00" in found[0].message
    assert found[1].cells == ["公开03!C8"]


def test_an_unknown_operator_is_refused_with_the_rule_named():
    layout = PLAN.layouts["fj1"]
    rule = {"id": "fj1-x", "name": "x", "left": "{staff_actual}", "op": "==", "right": "{staff_quota}"}
    with pytest.raises(DefinitionError) as exc:
        _expand(rule, layout, PLAN, engine_for(PLAN))
    assert str(exc.value) == "templates/tables/fj1/2021.yaml：审核公式 fj1-x 的 op 应为 = <= >= < > !="


def test_a_rule_without_op_or_severity_is_an_equality_and_an_error():
    layout = PLAN.layouts["fj1"]
    [c] = _expand({"id": "fj1-y", "name": "y", "left": "{staff_actual}", "right": "{staff_quota}"}, layout, PLAN,
                  engine_for(PLAN))
    assert (c.op, c.severity, c.exact, c.table, c.left.text, c.right.text) == ("=", "error", False, "fj1", "C5", "B5")


def test_rules_are_compiled_once_per_plan_shape():
    engine = engine_for(PLAN)
    assert rules_for(PLAN, engine) is rules_for(plan_workbook(2023, "另一单位", "900002", ["gk01", "gk02", "gk03", "fj1",
                                                                                        "fj2"],
                                                              {"gk02.rows": 4, "gk03.rows": 4, "fj2.quantity": 2}),
                                                engine)


def rows2(*lines):
    """gk02 科目 rows: (code, fiscal, superior) per row."""
    out = {}
    for i, (code, fiscal, superior) in enumerate(lines):
        out |= {f"gk02.rows[{i}].{k}": v for k, v in (("code", code), ("fiscal", fiscal), ("superior", superior))
                if v is not None}
    return out


def test_every_class_and_column_is_checked_whatever_comes_first():
    found = audit("gk02-hierarchy", **rows2(("2010101", 1, None), ("202", None, None), ("201", 10, 5),
                                             ("20101", 15, None)))
    # 总计 agrees (15 = 15); 财政拨款 and 上级补助 do not: each reported in its own column
    assert [(f.code, f.cell, f.values) for f in found] == [
        ("hierarchy-mismatch", "D10", {"类 201": 10.0, "所属款之和": 15.0, "差额": -5.0}),
        ("hierarchy-mismatch", "E10", {"类 201": 5.0, "所属款之和": 0.0, "差额": 5.0}),
        ("hierarchy-mismatch", "C11", {"款 20101": 15.0, "所属项之和": 1.0, "差额": 14.0}),
        ("hierarchy-mismatch", "D11", {"款 20101": 15.0, "所属项之和": 1.0, "差额": 14.0}),
    ]


def test_a_blank_column_is_skipped_and_the_next_one_checked():
    found = audit("gk02-hierarchy", **rows2(("201", None, 5), ("20101", None, 3)))
    assert [(f.cell, f.values["差额"]) for f in found] == [("C8", 2.0), ("E8", 2.0)]


def test_a_filled_class_over_blank_kuan_is_a_mismatch():
    found = audit("gk02-hierarchy", **rows2(("201", 5, None), ("20101", None, None), ("20102", None, 0)))
    assert [(f.cell, f.values) for f in found] == [("C8", {"类 201": 5.0, "所属款之和": 0.0, "差额": 5.0}),
                                                   ("D8", {"类 201": 5.0, "所属款之和": 0.0, "差额": 5.0})]


def test_a_rounding_difference_names_the_kuan_cells_and_keeps_the_cents():
    found = audit("gk02-hierarchy", **rows2(("201", 90.26, None), ("20101", 60.25, None), ("20102", 30, None)))
    f = found[1]
    assert (f.code, f.cell, f.values) == ("rounding-difference", "D8", {"类 201": 90.26, "所属款之和": 90.25, "差额": 0.01})
    assert f.cells == ["公开02!D9", "公开02!D10"]


def test_a_hierarchy_rule_may_be_a_warning():
    engine = engine_for(PLAN)
    values = engine.compute(rows(("201", 100), ("20101", 60)))
    rule = {"id": "gk02-h", "kind": "hierarchy", "block": "rows", "code": "code", "columns": ["fiscal"],
            "severity": "warning"}
    [f] = _hierarchy(PLAN.layouts["gk02"], rule, values)
    assert (f.code, f.severity, f.rule, f.cell) == ("hierarchy-mismatch", "warning", "gk02-h", "D8")


def test_every_class_line_is_compared_after_one_that_agrees():
    found = audit("gk01-gk03-classes", gk01__exp_201=100, gk01__exp_202=7,
                  **{"gk03.rows[0].code": "201", "gk03.rows[0].basic": 100})
    assert [(f.cell, f.values) for f in found] == [("F8", {"二、外交支出／金额（公开01!F8）": 7.0, "公开03（无 202 行） 科目 202": 0.0,
                                                          "差额": 7.0})]


def test_a_by_code_rule_may_be_a_warning():
    values = engine_for(PLAN).compute({"gk01.exp_201": 100, "gk03.rows[0].code": "201", "gk03.rows[0].basic": 90})
    rule = {"id": "gk01-c", "name": "类", "kind": "by_code", "fields": "exp_", "other": "gk03.rows", "code": "code",
            "column": "total", "severity": "warning"}
    [f] = _by_code(PLAN.layouts["gk01"], rule, PLAN, values)
    assert (f.code, f.severity, f.rule, f.cell, f.cells) == ("identity-mismatch", "warning", "gk01-c", "F7",
                                                             ["公开03!C8"])


def test_plans_of_other_shapes_get_their_own_rules():
    small = plan_workbook(2023, "测试单位", "900001", ["gk01"])
    many = {c.rule for c in rules_for(PLAN, engine_for(PLAN)).comparisons}
    few = {c.rule for c in rules_for(small, engine_for(small)).comparisons}
    assert few == {"gk01-balance", "gk01-nonzero"} and "fj1-staff-quota" in many and "gk01-gk04-fiscal" not in few


def test_rules_after_a_structural_rule_still_apply():
    [f] = audit("gk02-gk01-fiscal", **rows(("201", 100)))
    assert (f.code, f.cell, f.values) == ("identity-mismatch", "D7",
                                           {"合计／财政拨款收入（公开02!D7）": 100.0, "按 公开01!C7、C8、C9 计算": 0.0, "差额": 100.0})


def test_rules_after_one_whose_table_is_missing_still_apply():
    plan = plan_workbook(2023, "测试单位", "900001", ["gk01", "gk04"])
    found = {c.rule for c in rules_for(plan, engine_for(plan)).comparisons if c.table == "gk01"}
    assert found == {"gk01-balance", "gk01-nonzero", "gk01-gk04-fiscal"}


def compare(actual=101, **rule):
    engine = engine_for(PLAN)
    [c] = _expand({"id": "fj1-t", "name": "测试", **rule}, PLAN.layouts["fj1"], PLAN, engine)
    return _compare(c, engine.compute({"fj1.staff_quota": 100, "fj1.staff_actual": actual}))


def test_a_when_that_gives_empty_text_skips_the_rule():
    assert compare(left="{staff_actual}", right="{staff_quota}", when='""') is None
    assert compare(left="{staff_actual}", right="{staff_quota}", when="1").code == "identity-mismatch"


def test_a_constant_left_side_places_the_finding_at_the_right_side():
    f = compare(left="100", right="{staff_actual}")
    assert (f.cell, f.values, f.message) == ("C5", {"规定值": 100.0, ACT: 101, "差额": -1.0},
                                             f"测试：规定值 100 ≠ {ACT} 101，相差 1")


def test_two_constants_are_compared_as_amounts_of_the_workbook():
    f = compare(left="1", right="2")
    assert (f.code, f.sheet, f.cell, f.cells, f.message) == ("identity-mismatch", None, None, [],
                                                             "测试：规定值（左式） 1.00 ≠ 规定值（右式） 2.00，相差 1")
    assert f.values == {"规定值（左式）": 1.0, "规定值（右式）": 2.0, "差额": -1.0}


def test_the_rounding_allowed_grows_with_the_filled_cells_only():
    # 3 of the 5 figures filled: 0.01 allowed, so 0.02 is beyond it; all 5 filled: 0.02 allowed, a large 尾数
    [f] = audit("fj2-sources", fj2__src_gpb=50, fj2__src_gf=50, fj2__budget_full=100.02)
    assert (f.code, f.severity) == ("identity-mismatch", "error")
    parts = {"fj2__src_gpb": 25, "fj2__src_gf": 25, "fj2__src_nontax": 25, "fj2__src_other": 25}
    [f] = audit("fj2-sources", **parts, fj2__budget_full=100.02)
    assert (f.code, f.severity, f.values) == ("rounding-large", "warning", {SOURCES: 100.0, BUDGET: 100.02, "差额": -0.02})
    assert f.message.endswith("相差 0.02（超过一般尾数 0.01，但未超过 5 个数的舍入误差上限，请核实）")
    [f] = audit("fj2-sources", **parts, fj2__budget_full=100.03)
    assert (f.code, f.severity) == ("identity-mismatch", "error")


def test_a_rate_rule_reports_its_difference_in_percentage_points():
    f = compare(102, left="{staff_rate}", op="<=", right="1")
    assert f.message == "测试：财政供养人员情况（人）／控制率（附件1!D5） 102.00% > 规定值 100.00%，相差 2.00 个百分点"


# -- by_code: op, other_column, block rows, the 尾数 band of a 汇总 -------------------------------------------

CODED = plan_workbook(2023, "测试单位", "900001", ["gk03", "gk05"], {"gk03.rows": 4, "gk05.rows": 4})
CLASS = {"gk03.rows[0].code": "201", "gk03.rows[0].basic": 100, "gk03.rows[0].project": 20,
         "gk05.rows[0].code": "201"}


def coded(rule_id: str = "gk05-gk03-classes", scale: int = 1, rule: dict | None = None, **inputs):
    engine = engine_for(CODED)
    values = engine.compute({**CLASS, **{k.replace("__", ".", 1): v for k, v in inputs.items()}})
    base = next(r for r in CODED.layouts["gk05"].table.audit if r["id"] == rule_id)
    return [(f.code, f.severity, f.cell, f.values, f.message, f.cells)
            for f in _by_code(CODED.layouts["gk05"], {**base, **(rule or {})}, CODED, values, scale)]


def test_a_block_class_row_at_most_its_class_the_equal_case_included():
    assert coded(**{"gk05.rows[0].basic": 120}) == []
    assert coded(**{"gk05.rows[0].basic": 119}) == []
    assert coded(**{"gk05.rows[0].basic": 121}) == [(
        "identity-mismatch", "error", "C8", {"第1行／小计（公开05!C8）": 121.0, "公开03!C8 科目 201": 120.0, "差额": 1.0},
        "各类一般公共预算财政拨款支出不大于公开03表对应类的本年支出合计：科目 201 小计 121.00 > 公开03!C8 科目 201 120.00，"
        "相差 1.00", ["公开03!C8"])]


def test_other_column_names_the_column_of_the_other_table():
    assert coded(rule={"other_column": "basic"}, **{"gk05.rows[0].basic": 100}) == []
    [(*_, values, message, cells)] = coded(rule={"other_column": "basic"}, **{"gk05.rows[0].basic": 110})
    assert values == {"第1行／小计（公开05!C8）": 110.0, "公开03!D8 科目 201": 100.0, "差额": 10.0}
    assert cells == ["公开03!D8"] and "> 公开03!D8 科目 201 100.00" in message


def test_by_code_in_a_summary_of_three_units_allows_their_rounding():
    rule = {"op": "="}
    [(code, severity, _c, values, message, _)] = coded(scale=3, rule=rule, **{"gk05.rows[0].basic": 120.02})
    assert (code, severity, values["差额"]) == ("rounding-large", "warning", 0.02)
    assert message.endswith("相差 0.02（超过一般尾数 0.01，但未超过 2 个数的舍入误差上限，请核实）")
    [(code, severity, *_)] = coded(scale=3, rule=rule, **{"gk05.rows[0].basic": 120.01})
    assert (code, severity) == ("rounding-difference", "warning")
    [(code, severity, *_)] = coded(scale=3, rule=rule, **{"gk05.rows[0].basic": 120.03})
    assert (code, severity) == ("identity-mismatch", "error")
    [(code, severity, *_)] = coded(scale=1, rule=rule, **{"gk05.rows[0].basic": 120.02})
    assert (code, severity) == ("identity-mismatch", "error")


def test_levels_choose_the_rows_of_a_block_that_are_compared():
    rows = {"gk03.rows[1].code": "20101", "gk03.rows[1].basic": 50, "gk05.rows[1].code": "20101",
            "gk05.rows[1].basic": 60, "gk05.rows[0].basic": 120}
    assert coded(**rows) == []                                     # 款 rows are not compared by default (类 only)
    without = {k: v for k, v in next(r for r in CODED.layouts["gk05"].table.audit
                                     if r["id"] == "gk05-gk03-classes").items() if k != "levels"}
    engine = engine_for(CODED)
    values = engine.compute({**CLASS, **rows})
    assert _by_code(CODED.layouts["gk05"], without, CODED, values) == []
    values = engine.compute({**CLASS, **rows, "gk05.rows[0].basic": 130})          # by default the 类 rows (3 digits)
    assert [f.cell for f in _by_code(CODED.layouts["gk05"], without, CODED, values)] == ["C8"]
    [(_, _, cell, values, _, cells)] = coded(rule={"levels": [5]}, **rows)
    assert (cell, values, cells) == ("C9", {"第2行／小计（公开05!C9）": 60.0, "公开03!C9 科目 20101": 50.0, "差额": 10.0},
                                     ["公开03!C9"])


GP = plan_workbook(2023, "测试单位", "900001", ["gk04", "gk05"], {"gk05.rows": 4})


def test_a_suffix_picks_the_column_of_the_class_line():
    engine = engine_for(GP)
    rule = next(r for r in GP.layouts["gk04"].table.audit if r["id"] == "gk04-gk05-classes")
    base = {"gk05.rows[0].code": "201", "gk05.rows[0].basic": 100, "gk04.exp_201_gp": 100, "gk04.exp_201_gf": 30}
    assert _by_code(GP.layouts["gk04"], rule, GP, engine.compute(base)) == []
    [f] = _by_code(GP.layouts["gk04"], rule, GP, engine.compute({**base, "gk04.exp_201_gp": 90}))
    assert (f.code, f.severity, f.cell, f.cells) == ("identity-mismatch", "error", "G7", ["公开05!C8"])
    assert f.values == {"一、一般公共服务支出／一般公共预算财政拨款（公开04!G7）": 90.0, "公开05!C8 科目 201": 100.0,
                        "差额": -10.0}


# -- blank_parent: a blank one-cell side facing filled figures -----------------------------------------------

PUBLIC = "其中：公用经费／2023年决算数（附件1!D9）"
PARTS = "按 附件1!D10、D11、D12 计算"


def test_a_blank_total_under_filled_parts_is_reported_at_the_total():
    found = audit("fj1-public-breakdown", fj1__office_final=10, fj1__utility_final=5, fj1__meeting_final=2.5)
    assert [(f.code, f.severity, f.sheet, f.cell, f.values, f.message, f.cells) for f in found] == [(
        "parent-blank", "error", "附件1", "D9", {PARTS: 17.5, PUBLIC: None},
        f"公用经费明细之和不大于公用经费：附件1!D9（其中：公用经费／2023年决算数） 未填写，而{PARTS} 17.50 已填写",
        ["附件1!D10", "附件1!D11", "附件1!D12"])]


@pytest.mark.parametrize("inputs", [
    {"fj1__office_final": 0, "fj1__utility_final": 0, "fj1__meeting_final": 0},   # parts filled with zeros
    {"fj1__public_final": 4},                                                      # parts blank (three cells)
    {"fj1__office_final": 10, "fj1__public_final": 10},                           # total filled: the rule itself
])
def test_no_blank_total_finding_without_a_blank_total_facing_figures(inputs):
    assert audit("fj1-public-breakdown", **inputs) == []


def test_a_blank_single_cell_on_the_left_is_reported_too():
    engine = engine_for(PLAN)
    [c] = _expand({"id": "fj1-b", "name": "公用经费不小于明细", "left": "{public_final}", "op": ">=",
                   "right": "{office_final}+{utility_final}+{meeting_final}", "blank_parent": True},
                  PLAN.layouts["fj1"], PLAN, engine)
    f = _compare(c, engine.compute({"fj1.office_final": 2.5}))
    assert (f.code, f.cell, f.values, f.cells) == ("parent-blank", "D9", {PUBLIC: None, PARTS: 2.5},
                                                   ["附件1!D10", "附件1!D11", "附件1!D12"])
    assert f.message.endswith(f"未填写，而{PARTS} 2.50 已填写")
    assert _compare(c, engine.compute({"fj1.office_final": 2.5, "fj1.public_final": 3})) is None


# -- a 汇总 of three units: each rule form allows the rounding of the figures it adds up -----------------------

SUMMARY = replace(PLAN, members=("甲单位", "乙单位", "丙单位"))


def summary_audit(rule: str, **inputs):
    engine = engine_for(SUMMARY)
    values = engine.compute({k.replace("__", ".", 1): v for k, v in inputs.items()})
    return [(f.code, f.severity, f.cell) for f in apply_rules(SUMMARY, engine, values) if f.rule == rule]


def test_a_summary_of_three_units_allows_their_rounding_in_every_rule_form():
    base = {"fj2__src_gpb": 50, "fj2__src_gf": 50}
    assert summary_audit("fj2-sources", **base, fj2__budget_full=100.04) == [("rounding-large", "warning", "D8")]
    assert summary_audit("fj2-sources", **base, fj2__budget_full=100.05) == [("identity-mismatch", "error", "D8")]
    assert audit("fj2-sources", **base, fj2__budget_full=100.04)[0].code == "identity-mismatch"
    assert summary_audit("gk02-hierarchy", **rows(("201", 100), ("20101", 99.98))) == [
        ("rounding-large", "warning", "C8"), ("rounding-large", "warning", "D8")]
    assert {f.code for f in audit("gk02-hierarchy", **rows(("201", 100), ("20101", 99.98)))} == {"hierarchy-mismatch"}
    engine = engine_for(SUMMARY)
    [f, _] = [f for f in apply_rules(SUMMARY, engine, engine.compute(rows(("201", 100), ("20101", 99.98))))
              if f.rule == "gk02-hierarchy"]
    assert f.message.endswith("相差 0.02（超过一般尾数 0.01，但未超过 2 个数的舍入误差上限，请核实）")
    assert summary_audit("gk01-gk03-classes", gk01__exp_201=100,
                         **{"gk03.rows[0].code": "201", "gk03.rows[0].basic": 99.98}) == [
        ("rounding-large", "warning", "F7")]
    assert audit("gk01-gk03-classes", gk01__exp_201=100,
                 **{"gk03.rows[0].code": "201", "gk03.rows[0].basic": 99.98})[0].code == "identity-mismatch"


def test_rule_texts_of_rules_of_finding_codes_and_of_unknown_keys():
    assert rule_text("fj1-staff-quota") == RuleText("实际在职人数不超过编制数",
                                                    "实际在职人数超过编制数即超编，财政供养人员控制率将超过 100%。")
    kind = CATALOGUE["code-invalid"]
    assert rule_text("code-invalid") == RuleText(kind.title, kind.description) and kind.description
    assert rule_text("no-such-rule") == RuleText("no-such-rule", "")


# -- compiling: which rules apply, which wait for an absent table ------------------------------------------

def test_rules_waiting_for_an_absent_table_are_listed_by_that_table_unless_optional():
    small = plan_workbook(2023, "测试单位", "900001", ["gk01"])
    rs = rules_for(small, engine_for(small))
    assert rs.skipped == {"gk02": ["gk01-gk02-income"], "gk03": ["gk01-gk03-expense", "gk01-gk03-classes"],
                          "gk04": ["gk01-gk04-fiscal"]}
    assert rs.structural == [] and rs.conditions == {} and rs.grades == []
    coded = plan_workbook(2023, "测试单位", "900001", ["gk03", "gk05"])
    rs = rules_for(coded, engine_for(coded))
    assert rs.skipped == {"gk06": ["gk05-gk06-basic"]}
    assert [(layout.table.id, rule["id"]) for layout, rule in rs.structural] == [
        ("gk03", "gk03-hierarchy"), ("gk05", "gk05-hierarchy"), ("gk05", "gk05-gk03-classes")]
    form = plan_workbook(2021, "测试单位", "900001", ["bg", "fj1", "fj2"])  # its rules on the 评分表 are optional
    rs = rules_for(form, engine_for(form))
    assert rs.skipped == {} and [g.rule for g in rs.grades] == ["bg-grade", "bg-grade-fj2"]


def test_the_when_of_a_structural_rule_is_compiled_with_it():
    budget = plan_workbook(2022, "测试单位", "900001", ["ys01", "ys01_1"])
    rs = rules_for(budget, engine_for(budget))
    assert [(layout.table.id, rule["id"]) for layout, rule in rs.structural] == [("ys01_1", "ys01_1-ys01-lines")]
    assert {k: v.text for k, v in rs.conditions.items()} == {
        ("ys01_1", "ys01_1-ys01-lines"): "ABS(B36-'预算01'!B38)<0.005"}
    assert rs.skipped == {"ys08": ["ys01-basic", "ys01-wage"], "ys10": ["ys01-goods"], "ys14": ["ys01-project"]}


def test_a_class_of_three_items_allows_one_cent_not_two():
    three = rows(("201", 100), ("20101", 33.33), ("20102", 33.33), ("20103", 33.32))
    assert {f.code for f in audit("gk02-hierarchy", **three)} == {"hierarchy-mismatch"}
    three = rows(("201", 100), ("20101", 33.33), ("20102", 33.33), ("20103", 33.33))
    assert {f.code for f in audit("gk02-hierarchy", **three)} == {"rounding-difference"}


def test_a_not_equal_rule_broken_names_no_difference():
    assert audit("gk01-nonzero") == []                  # a blank table: its `when` (some figure filled) fails
    [f] = audit("gk01-nonzero", gk01__inc_gpb=0)
    assert (f.code, f.severity, f.cell) == ("identity-mismatch", "warning", "C37")
    assert f.message == "收入总计不为零：总计／金额（公开01!C37） 0.00 = 规定值 0.00"


def test_a_structural_rule_alone_waiting_for_its_table():
    alone = plan_workbook(2023, "测试单位", "900001", ["gk05"])
    rs = rules_for(alone, engine_for(alone))
    assert rs.skipped == {"gk06": ["gk05-gk06-basic"], "gk03": ["gk05-gk03-classes"]}
    assert [(layout.table.id, rule["id"]) for layout, rule in rs.structural] == [("gk05", "gk05-hierarchy")]


def test_a_structural_rule_whose_condition_fails_does_not_stop_the_ones_after_it(monkeypatch):
    """预算01-1's 逐行 rule applies only when all money is 财政拨款; with it first and its condition false, the 公开02
    类/款 check after it still runs (the templates list it later; a table set may not)."""
    from perftool.audit import rules as rules_module

    mixed = plan_workbook(2023, "测试单位", "900001", ["ys01", "ys01_1", "gk02"], {"gk02.rows": 4})
    engine = engine_for(mixed)
    compiled = rules_for(mixed, engine)
    assert [(layout.table.id, rule["id"]) for layout, rule in compiled.structural] == [
        ("gk02", "gk02-hierarchy"), ("ys01_1", "ys01_1-ys01-lines")]
    monkeypatch.setattr(rules_module, "rules_for", lambda plan, eng: replace(
        compiled, structural=compiled.structural[::-1]))
    values = engine.compute({"ys01.inc_fund": 100, "ys01.exp_201": 10, "ys01_1.exp_201": 8,
                             **rows(("201", 100), ("20101", 90))})
    found = apply_rules(mixed, engine, values)
    assert [(f.code, f.rule, f.sheet, f.cell) for f in found if f.rule in ("gk02-hierarchy", "ys01_1-ys01-lines")] == [
        ("hierarchy-mismatch", "gk02-hierarchy", "公开02", "C8"), ("hierarchy-mismatch", "gk02-hierarchy", "公开02", "D8")]


def test_by_code_takes_the_fields_named_with_its_prefix_outside_repeat_groups():
    from perftool.audit.rules import _coded_fields
    from perftool.definitions.cells import parse_cell
    from perftool.definitions.layout import lay_out
    from perftool.definitions.model import Column, RepeatDef, TableDef

    def cells(row):
        return [parse_cell(x, "amount", "测试") for x in row]
    body = [cells(["一般公共服务支出", "@exp_201"]), cells(["外交收入", "@inc_202"]),
            RepeatDef("items", 2, cells(["明细", "@exp_203"]), "每行一项")]
    table = TableDef("tt", "2024", "表1", "测试表", "测试表", [Column(10)] * 2, [cells(["项目", "金额"])], body,
                     [], [], {}, None, False, "templates/tables/tt/2024.yaml", "")
    layout = lay_out(table, {}, {"year": "2024", "prev_year": "2023"})
    rule = {"id": "tt-c", "kind": "by_code", "fields": "exp_", "other": "gk03.rows", "code": "code", "column": "total"}
    assert [(code, f.key) for code, f in _coded_fields(layout, rule, {})] == [("201", "tt.exp_201")]
