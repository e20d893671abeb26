"""The compiled evaluator, operator by operator and function by function, on Excel's documented results.

Written against the survivors of ``make mutate``: each case pins a behaviour a mutated evaluator got wrong
unnoticed (blank and text handling, error propagation, precedence, rounding, SUMIF's criterion).
"""

from __future__ import annotations

import pytest

from perftool.definitions.references import MissingTable, check_functions, translate
from perftool.definitions.workbook import plan_workbook
from perftool.errors import DefinitionError
from perftool.formula import FormulaSyntaxError, XlError, compile_formula

# A1:A4 → a b c d, B1:B4 → x y z w on sheet S; C1 is no field.
POSITIONS = {("S", r, 0): k for r, k in enumerate("abcd")} | {("S", r, 1): k for r, k in enumerate("xyzw")}
POSITIONS[("It's", 0, 0)] = "q"


def run(text: str, **values):
    function, _ = compile_formula(text, "S", POSITIONS)
    return function(values)


@pytest.mark.parametrize("text, values, expected", [
    # arithmetic, precedence, unary operators and percent
    ("1-2-3", {}, -4.0), ("12/4/3", {}, 1.0), ("2^3^2", {}, 64.0), ("2^-1", {}, 0.5), ("+-2", {}, -2.0),
    ("-TRUE", {}, -1.0), ("(1+1)%", {}, 0.02), ("A1%", {"a": 50}, 0.5), ("(1<2)*1", {}, 1.0), ("-50%", {}, -0.5), ("10%*2", {}, 0.2), ("1E3+1", {}, 1001.0), (".5+1", {}, 1.5),
    ("TRUE+TRUE", {}, 2.0), ("2*\"3\"", {}, 6.0), ("\" 3 \"*2", {}, 6.0), ("\"1\"+\"2\"", {}, 3.0),
    ("A1*2+B1", {"a": 3, "x": 1}, 7.0), ("A1-B1", {"a": 3}, 3.0), ("A1+1", {"a": None}, 1.0),
    # errors: produced, and passed on from either side
    ("0^-1", {}, "#DIV/0!"), ("10^400", {}, "#NUM!"), ("(-8)^(1/3)", {}, "#NUM!"), ("-(1/0)", {}, "#DIV/0!"),
    ("-\"a\"", {}, "#VALUE!"), ("-\"\"", {}, "#VALUE!"), ("\"\"+1", {}, "#VALUE!"), ("#N/A+1", {}, "#N/A"),
    ("1+#N/A", {}, "#N/A"), ("3-\"a\"", {}, "#VALUE!"), ("\"a\"-3", {}, "#VALUE!"), ("2/\"x\"", {}, "#VALUE!"),
    ("\"x\"^2", {}, "#VALUE!"), ("A1/B1", {"a": 1, "x": 0}, "#DIV/0!"), ("A1+1", {"a": XlError("#REF!")}, "#REF!"),
    ("A1:A2+1", {"a": 1, "b": 2}, "#VALUE!"), ("C1+1", {}, 1.0), ("C1&\"x\"", {}, "x"), ("C1=\"\"", {}, True),
    # comparisons: blanks take the other side's type; text is case-blind; logicals > text > numbers
    ("1<2", {}, True), ("2<2", {}, False), ("\"a\"<\"A\"", {}, False), ("2>=2", {}, True), ("2<=1", {}, False),
    ("2<=2", {}, True), ("1<>1", {}, False), ("2>2", {}, False),
    ("\"a\"<\"B\"", {}, True), ("\"A\"=\"a\"", {}, True), ("TRUE>1", {}, True), ("\"a\">1", {}, True),
    ("1<\"a\"", {}, True), ("FALSE<\"a\"", {}, False), ("A1=\"\"", {}, True), ("A1=0", {}, True),
    ("A1=FALSE", {}, True), ("\"\"=A1", {}, True), ("0=A1", {}, True), ("FALSE=A1", {}, True),
    ("A1<1", {}, True), ("A1=B1", {}, True), ("1/0=1", {}, "#DIV/0!"), ("1=1/0", {}, "#DIV/0!"),
    ("1+2=3", {}, True), ("\"a\"&\"b\"=\"ab\"", {}, True),
    # text: General number format, logicals, blanks, quotes
    ("1.5&\"\"", {}, "1.5"), ("(0.1+0.2)&\"\"", {}, "0.3"), ("2&\"\"", {}, "2"), ("1E15&\"\"", {}, "1E+15"), ("A1&\"\"", {"a": 1e-7}, "1E-07"),
    ("A1&\"x\"", {}, "x"), ("\"x\"&A1", {"a": 5}, "x5"), ("(0*-1)&\"\"", {}, "0"), ("FALSE&1", {}, "FALSE1"), ("\"say \"\"hi\"\"\"", {}, 'say "hi"'),
    ("(1/0)&\"x\"", {}, "#DIV/0!"), ("\"x\"&(1/0)", {}, "#DIV/0!"),
    # IF and logicals
    ("IF(\"TRUE\",1,2)", {}, 1.0), ("IF(\" false \",1,2)", {}, 2.0), ("IF(\"x\",1,2)", {}, "#VALUE!"),
    ("IF(A1,1,2)", {}, 2.0), ("IF(1/0,1,2)", {}, "#DIV/0!"), ("IF(0,1)", {}, False), ("IF(2,1)", {}, 1.0),
    ("IF(A1>0,\"正\",\"非正\")", {"a": -1}, "非正"),
    ("AND(A1:A2)", {"a": 1, "b": "x"}, True), ("AND(A1:A2)", {"a": "x"}, "#VALUE!"), ("OR(0,0)", {}, False),
    ("AND(TRUE,\"x\")", {}, "#VALUE!"), ("AND(A1:A2)", {"a": 1, "b": 0}, False), ("OR(A1:A2)", {"b": 2}, True),
    ("AND(A1:A2)", {"a": 1, "b": XlError("#N/A")}, "#N/A"), ("OR(1/0,1)", {}, "#DIV/0!"), ("AND(1,TRUE)", {}, True),
    ("NOT(0)", {}, True), ("NOT(1)", {}, False), ("NOT(1/0)", {}, "#DIV/0!"), ("NOT(A1)", {}, True),
    # aggregates: references skip text, logicals and blanks; literal arguments are converted
    ("SUM(A1:A3)", {"a": 1, "b": "2", "c": True}, 1.0), ("SUM(\"x\")", {}, "#VALUE!"),
    ("SUM(A1:A2)", {"a": 1, "b": XlError("#DIV/0!")}, "#DIV/0!"), ("SUM(A1,B1)", {"a": 1, "x": 2}, 3.0),
    ("SUM(A1:B2)", {"a": 1, "b": 2, "x": 4, "y": 8}, 15.0), ("SUM(A1:A4)", {"a": 0.1, "b": 0.2, "c": 0.3}, 0.6),
    ("SUM(1,1/0)", {}, "#DIV/0!"), ("SUM()", {}, 0.0), ("SUM(A1:A2,5)", {"a": 1}, 6.0),
    ("SUM(A1:C1)", {"a": 1.5, "x": 2}, 3.5), ("SUM(A1:A3)", {"a": 1.5, "b": XlError("#N/A"), "c": 2}, "#N/A"),
    ("SUM(A1:A2,\"x\")", {"a": 1.5, "b": 2}, "#VALUE!"), ("SUM(A1,\" 2 \",B1)", {"a": 1.5, "x": 0.5}, 4.0),
    ("MIN(A1:A3)", {"a": 3, "b": 1, "c": 2}, 1.0), ("MAX(A1:A3)", {"a": 3, "b": 1, "c": 2}, 3.0),
    ("MIN(A1:A2)", {"a": "x"}, 0.0), ("MAX(A1:A2)", {"a": -2, "b": -5}, -2.0), ("MIN(A1:A2,-1)", {"a": 4}, -1.0),
    ("COUNT(A1:A4)", {"a": 1, "b": "a", "c": True, "d": 0}, 2.0), ("COUNT(1,\"a\",A1)", {"a": 2.5}, 2.0),
    ("COUNT(A1:A2)", {}, 0.0), ("COUNT(A1+1,B1*1)", {"a": 1, "x": "t"}, 1.0),
    # one-argument functions and rounding (half away from zero, on the decimal written)
    ("ABS(-2)", {}, 2.0), ("ABS(\"a\")", {}, "#VALUE!"), ("ABS(A1)", {"a": -0.5}, 0.5),
    ("ROUND(2.5,0)", {}, 3.0), ("ROUND(1234,-2)", {}, 1200.0), ("ROUND(\"a\",1)", {}, "#VALUE!"),
    ("ROUND(1,\"a\")", {}, "#VALUE!"), ("ROUND(1.005,2)", {}, 1.01), ("ROUND(2.345,1.9)", {}, 2.3),
    ("ROUNDUP(-1.21,1)", {}, -1.3), ("ROUNDDOWN(1.29,1)", {}, 1.2), ("ROUND(A1,2)", {"a": 0.125}, 0.13),
    ("ROUND(1,1E9)", {}, "#NUM!"), ("ROUND(1.234,A1)", {"a": 1}, 1.2),
    ("LEN(\"abc\")", {}, 3.0), ("LEN(A1)", {}, 0.0), ("LEN(TRUE)", {}, 4.0), ("LEN(1/0)", {}, "#DIV/0!"),
    ("LEN(\"预算\")", {}, 2.0),
    # references: quoted sheet names, absolute addresses, spaces
    ("'It''s'!A1*2", {"q": 4}, 8.0), ("$A$1 + A$1", {"a": 2}, 4.0), ("  SUM( A1 , B1 )  ", {"a": 1, "x": 1}, 2.0),
])
def test_excel_results(text, values, expected):
    assert run(text, **values) == expected


def test_results_keep_their_type():
    assert type(run("1+1")) is float and run("1=1") is True and run("\"a\"") == "a"
    assert run("-A1", a=0) == 0.0 and str(run("-A1", a=0)) == "0.0"  # no negative zero in a workbook


@pytest.mark.parametrize("values, expected", [
    ({"a": 3, "b": 5, "c": 3, "d": None, "x": 1, "y": 2, "z": 4, "w": 8}, 5.0),   # equal numbers only
    ({"a": "3", "b": True, "c": 3.0, "d": "x", "x": 1, "y": 2, "z": 4, "w": 8}, 4.0),  # text "3" and TRUE not
    ({"a": 3, "b": 3, "x": "x", "y": True}, 0.0),                                   # only numbers are summed
    ({"a": 3, "b": 3, "x": 1.5, "y": -0.5}, 1.0),
])
def test_sumif_sums_the_rows_whose_level_equals_the_number(values, expected):
    assert run("SUMIF(A1:A4,3,B1:B4)", **values) == expected


def test_sumif_without_a_sum_range_sums_the_matching_cells_and_passes_on_an_error_criterion():
    assert run("SUMIF(A1:A4,3)", a=3, b=3, c=2) == 6.0
    assert run("SUMIF(A1:A4,1/0,B1:B4)", a=3) == "#DIV/0!"
    assert run("SUMIF(A1:A3,B4,B1:B3)", a=3, b=2, c=3, x=1, y=2, z=4, w=3) == 5.0  # the evaluator takes a reference too


def test_sumif_by_a_text_criterion_sums_the_rows_of_equal_text_only():
    # a 预算 table sums its items by the unit's {code}: text matches text, case-blind, never numbers or patterns
    values = {"a": "201", "b": 201, "c": "201x", "d": "AB", "x": 1, "y": 2, "z": 4, "w": 8}
    assert run("SUMIF(A1:A4,\"201\",B1:B4)", **values) == 1.0
    assert run("SUMIF(A1:A4,\"ab\",B1:B4)", **values) == 8.0
    assert run("SUMIF(A1:A4,\"2*\",B1:B4)", **values) == 0.0
    assert run("SUMIF(A1:A3,B4,B1:B3)", a="201", b="202", c="201", x=1, y=2, z=4, w="201") == 5.0
    assert run("SUMIF(A1:A2,\"\",B1:B2)", a="", x=1) == "#VALUE!"


@pytest.mark.parametrize("expr", ['SUMIF({rows.level},">0",{rows.total})', "SUMIF({rows.level},{x}+1,{rows.total})",
                                  'SUM({a})+SUMIF({rows.level},3,{rows.total})+SUMIF({rows.level},"3*",{rows.total})'])
def test_a_text_or_computed_criterion_of_sumif_is_refused_at_load(expr):
    with pytest.raises(DefinitionError, match="SUMIF 的条件须为数值常量或字段"):
        check_functions(expr, "t.yaml")


def test_numeric_and_field_sumif_criteria_are_accepted():
    check_functions("SUMIF({rows.level},3,{rows.total})+SUMIF({rows.level}, -1.5 )", "t.yaml")
    check_functions('IF({code}="","",SUMIF({items.unit},{code},{items.total}))', "t.yaml")


@pytest.mark.parametrize("text, message", [
    ("1 2", "无法解析：'2'"), ("(1", "此处应为 ')'"), ("SUM(1", "此处应为 ')'"), ("SUM(1 2)", "此处应为 ')'"), (")", "此处不应出现 ')'"), ("1+", "此处应为 None"),
    ("FOO(1)", "不支持的函数 FOO"), ("IF(1)", "IF 需要 2 或 3 个参数"), ("IF(1,2,3,4)", "IF 需要 2 或 3 个参数"),
    ("ABS(1,2)", "函数需要 1 个参数"), ("ROUND(1)", "ROUND 需要 2 个参数"), ("SUMIF(A1)", "SUMIF 需要 2 或 3 个参数"),
    ("SUMIF(A1:A2,3,B1:B2,1)", "SUMIF 需要 2 或 3 个参数"), ("SUMIF(A1:A4,3,B1:B2)", "SUMIF 的条件区域与求和区域须同样大小"),
    ("SUMIF(1,3,A1:A2)", "SUMIF 的区域须为引用"), ("SUMIF(A1:A2,3,2)", "SUMIF 的区域须为引用"), ("1 ~ 2", "无法解析：' ~ 2'"), ("1 ~" + "x" * 30, "无法解析：' ~" + "x" * 18 + "'"),
])
def test_malformed_formulas_are_refused_with_the_reason(text, message):
    with pytest.raises(FormulaSyntaxError) as exc:
        compile_formula(text, "S", POSITIONS)
    assert str(exc.value) == message


def test_the_fields_a_formula_reads_are_its_dependencies():
    _, keys = compile_formula("SUM(A1:A3)+'It''s'!A1+C1+B2", "S", POSITIONS)
    assert keys == {"a", "b", "c", "q", "y"}


def test_unknown_functions_and_repeat_group_fields_are_refused_by_name():
    with pytest.raises(DefinitionError) as exc:
        check_functions("XLOOKUP({a})", "t.yaml")
    assert str(exc.value) == ("t.yaml：公式函数 XLOOKUP 不在允许列表内（ABS、AND、COUNT、IF、LEN、MAX、MIN、NOT、OR、ROUND、"
                              "ROUNDDOWN、ROUNDUP、SUM、SUMIF）")
    plan = plan_workbook(2023, "测试单位", "900001", ["gk02"])
    with pytest.raises(DefinitionError) as exc:
        translate("SUM({rows.nosuch})", plan.layouts["gk02"], plan.layouts)
    assert str(exc.value) == "templates/tables/gk02/2023.yaml：引用 {rows.nosuch} 找不到可变行组字段 gk02.rows.nosuch"


def test_references_to_another_table_its_repeat_group_and_a_missing_one():
    plan = plan_workbook(2023, "测试单位", "900001", ["gk01", "gk02"], {"gk02.rows": 4})
    here = plan.layouts["gk01"]
    t = translate("SUM({gk02.rows.fiscal})+{gk02.total}", here, plan.layouts)
    assert t.text == "SUM('公开02'!D8:D11)+'公开02'!C7"
    assert [f.key for f in t.fields] == [f"gk02.rows[{i}].fiscal" for i in range(4)] + ["gk02.total"]
    with pytest.raises(MissingTable) as exc:
        translate("{gk03.total}", here, plan.layouts)
    assert str(exc.value) == "templates/tables/gk01/2023.yaml：引用 {gk03.total} 所在的表 gk03 不在本工作簿中"
    with pytest.raises(DefinitionError) as exc:
        translate("{gk02.nosuch}", here, plan.layouts)
    assert str(exc.value) == "templates/tables/gk01/2023.yaml：引用 {gk02.nosuch} 找不到字段 gk02.nosuch"
    with pytest.raises(DefinitionError) as exc:
        translate("{gk02.rows.nosuch}", here, plan.layouts)
    assert str(exc.value) == "templates/tables/gk01/2023.yaml：引用 {gk02.rows.nosuch} 找不到可变行组字段 gk02.rows.nosuch"


def test_a_range_covers_the_fields_between_its_ends_inclusive():
    plan = plan_workbook(2023, "测试单位", "900001", ["gk01", "gk02"], {"gk02.rows": 4})
    gk01, gk02 = plan.layouts["gk01"], plan.layouts["gk02"]
    t = translate("SUM({inc_gpb}:{inc_sup})", gk01, plan.layouts)
    assert (t.text, [f.name for f in t.fields]) == ("SUM(C7:C10)", ["inc_gpb", "inc_gfb", "inc_soc", "inc_sup"])
    t = translate("SUM({fiscal}:{operating})", gk02, plan.layouts, "rows", 1)
    assert (t.text, [f.name for f in t.fields]) == ("SUM(D9:G9)", ["fiscal", "superior", "business", "operating"])
    with pytest.raises(DefinitionError) as exc:
        translate("SUM({inc_gpb}:{gk02.total})", gk01, plan.layouts)
    assert str(exc.value) == "templates/tables/gk01/2023.yaml：区域 {inc_gpb}:{gk02.total} 的两端不在同一张表"
    with pytest.raises(DefinitionError) as exc:
        translate("SUM({inc_gpb}:{nosuch})", gk01, plan.layouts)
    assert str(exc.value) == "templates/tables/gk01/2023.yaml：引用 {inc_gpb}:{nosuch} 找不到字段 gk01.nosuch"
