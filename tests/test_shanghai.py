"""The Shanghai 2024 决算 edition (表一–表九, set juesuan-shanghai): layout as in the blank template, its own
identities (公用经费 = 302 + 310, 三公 in 表七 with 预算/决算 alternating, 表八/表九 roll-forward), each broken at its cell."""

from __future__ import annotations

import openpyxl
import pytest

from libreoffice import recalculate, soffice
from perftool.assess import assess
from perftool.definitions.catalog import table_set
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from perftool.synthetic import random_inputs
from consistent import shanghai_inputs
from test_libreoffice import same
from sides import sides

SET = "决算公开 2024（上海区级）"


@pytest.fixture(scope="module")
def plan():
    return plan_workbook(2024, "上海市测试局", "310001", set_name=SET)


def submit(plan, tmp_path, **changes):
    path = tmp_path / "sh.xlsx"
    render(plan, {**plan.default_inputs(), **shanghai_inputs(), **changes}, path)
    return assess(path)


def by_rule(a, rule):
    return [f for f in a.findings if f.rule == rule]


def test_shanghai_set_orders_the_tables_as_the_template(plan):
    assert table_set("juesuan-shanghai").name == SET
    assert [lay.sheet for lay in plan.layouts.values()] == ["表一", "表二", "表三", "表四", "表五", "表六", "表七",
                                                            "表八", "表九"]
    assert plan.table_set == "juesuan-shanghai"
    assert {t for t, lay in plan.layouts.items() if lay.table.landscape} == {"sh02", "sh03", "sh04", "sh07",
                                                                             "sh08", "sh09"}
    sh01 = plan.layouts["sh01"]
    assert len(sh01.table.columns) == 4 and sh01.body_last - sh01.body_first + 1 == 28
    assert "sh01.exp_234" in sh01.fields and "sh01.exp_231" not in sh01.fields
    assert sh01.fields["sh01.exp_234"].row_label == "二十四、抗疫特别国债安排的支出"
    sh04 = plan.layouts["sh04"]
    assert len(sh04.table.columns) == 7 and sh04.body_last - sh04.body_first + 1 == 30
    assert not any(lay.labels.get((r, c)) in ("行次", "栏次") for lay in plan.layouts.values() for r, c in lay.labels)
    sh06 = plan.layouts["sh06"]
    assert not any(k.startswith(("sh06.e307", "sh06.e399", "sh06.e31005")) for k in sh06.fields)
    assert plan.formulas["sh06.public_total"].text == "F5+F33"       # 302 + 310
    assert sh06.fields["sh06.public_total"].cell == "F43"
    sh05 = plan.layouts["sh05"]
    assert sh05.fields["sh05.total"].row == sh05.body_last              # 合计 is the last row
    sh07 = plan.layouts["sh07"]                                         # 预算数/决算数 alternate in each group
    assert [sh07.fields[f"sh07.{k}"].cell for k in ("b_total", "f_total", "b_abroad", "f_abroad", "f_car_run",
                                                    "b_recep", "f_recep")] == ["A8", "B8", "C8", "D8", "J8", "K8", "L8"]
    assert plan.layouts["sh09"].fields["sh09.opening"].col_label == "年初结转和结余"


def test_heading_stands_above_table_one_only_and_no_department_line(plan, tmp_path):
    submit(plan, tmp_path)
    book = openpyxl.load_workbook(tmp_path / "sh.xlsx")
    assert book["表一"]["A1"].value == "上海市测试局 2024 年度部门决算表"
    assert book["表二"]["A1"].value in (None, "")
    assert (book["表一"]["A3"].value, book["表七"]["A3"].value) == ("单位：万元", "单位：万元")


def test_consistent_shanghai_submission_has_no_error(plan, tmp_path):
    a = submit(plan, tmp_path)
    assert [f for f in a.findings if f.severity == "error"] == []
    assert [f.code for f in a.findings if f.code in ("identity-mismatch", "rounding-difference")] == []
    assert a.computed["sh06.public_total"] == 80.0 and a.computed["sh05.basic"] == 380.0
    assert a.computed["sh01.grand_in"] == a.computed["sh01.grand_out"] == 650.0


def test_public_funds_are_302_plus_310(plan, tmp_path):
    a = submit(plan, tmp_path, **{"sh06.e31002": 40.0})     # 310 up by 10: 基本支出 no longer matches 表五
    [f] = by_rule(a, "sh05-sh06-basic")
    assert (f.code, f.severity, f.sheet, f.cell) == ("identity-mismatch", "error", "表五", "D26")
    assert (*sides(f), f.values["差额"]) == (380.0, 390.0, -10.0)


def test_public_total_typed_over_is_checked_against_302_plus_310(plan, tmp_path):
    a = submit(plan, tmp_path, **{"sh06.public_total": 95.0})
    [f] = [f for f in a.findings if f.code == "arithmetic-mismatch"]
    assert (f.severity, f.sheet, f.cell) == ("error", "表六", "F43")
    assert f.values == {"填报值": 95.0, "按公式计算": 80.0, "差额": 15.0}


def test_sangong_checks_point_to_table_seven(plan, tmp_path):
    a = submit(plan, tmp_path, **{"sh06.e30231": 12.0, "sh06.e30201": 28.0})
    [f] = by_rule(a, "sh06-car-running")
    assert (f.code, f.severity, f.sheet, f.cell) == ("identity-mismatch", "error", "表六", "F29")
    assert (*sides(f), f.values["差额"]) == (12.0, 10.0, 2.0)
    assert "表七!J8" in f.cells


def test_table_four_funds_check_against_tables_eight_and_nine(plan, tmp_path):
    a = submit(plan, tmp_path, **{"sh04.exp_201_soc": 5.0, "sh04.exp_201_gp": 445.0})
    [f] = by_rule(a, "sh04-sh09-expense")
    assert (f.code, f.severity, f.sheet, f.cell) == ("identity-mismatch", "error", "表四", "G30")
    assert (*sides(f), f.values["差额"]) == (5.0, 0.0, 5.0)


def test_table_nine_rolls_forward(plan, tmp_path):
    rows = {"sh09.rows[0].code": "223", "sh09.rows[0].name": "国有资本经营预算支出", "sh09.rows[0].opening": 10.0,
            "sh09.rows[0].income": 5.0, "sh09.rows[0].project": 3.0, "sh09.rows[0].closing": 10.0,
            "sh04.opening_soc": 10.0, "sh04.closing_soc": 10.0}
    a = submit(plan, tmp_path, **rows)
    [f] = by_rule(a, "sh09-rollforward")
    assert (f.code, f.severity, f.sheet, f.cell) == ("identity-mismatch", "warning", "表九", "C6")
    assert (*sides(f), f.values["差额"]) == (12.0, 10.0, 2.0)


def test_other_income_matches_table_two(plan, tmp_path):
    a = submit(plan, tmp_path, **{"sh01.inc_oth": 20.02, "sh01.closing": 120.02})
    [f] = by_rule(a, "sh01-sh02-other")
    assert (f.sheet, f.cell, *sides(f), f.values["差额"]) == ("表一", "B13", 20.02, 20.0, 0.02)


@pytest.mark.skipif(soffice() is None, reason="LibreOffice 未安装（make test 会自动安装）")
@pytest.mark.parametrize("seed", [None, 4])
def test_filled_shanghai_workbook_recalculates_in_libreoffice_to_perftools_figures(plan, tmp_path, seed):
    """``seed`` None: the consistent submission above; 4: random figures in every input."""
    path = tmp_path / "in" / f"sh{seed}.xlsx"
    filled = random_inputs(plan, seed) if seed else shanghai_inputs()
    values = render(plan, {**plan.default_inputs(), **filled}, path)
    book = openpyxl.load_workbook(recalculate([path], tmp_path / "out", tmp_path / "profile")[0], data_only=True)
    mismatches = [(key, plan.field(key).cell, values[key], book[plan.field(key).sheet][plan.field(key).cell].value)
                  for key in plan.formulas]
    assert [m for m in mismatches if not same(m[2], m[3])] == []
    assert sum(1 for m in mismatches if isinstance(m[2], float) and m[2]) > (100 if seed else 20)


def test_every_shanghai_rule_has_a_chinese_name_and_explanation(plan):
    rules = [r for lay in plan.layouts.values() for r in lay.table.audit]
    assert len(rules) == 40
    assert all(r["name"] and r["explain"] and not r["explain"].isascii() for r in rules)
