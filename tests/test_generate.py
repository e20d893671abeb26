"""A generated workbook: official titles, protection, unlocked inputs only, validation, identity, cached values."""

from __future__ import annotations

import json

import openpyxl
import pytest

from perftool.identity import FINDINGS_SHEET, FORMAT, SHEET


@pytest.fixture(scope="module")
def book(workbook_2024):
    return openpyxl.load_workbook(workbook_2024[0])


@pytest.fixture(scope="module")
def cached(workbook_2024):
    return openpyxl.load_workbook(workbook_2024[0], data_only=True)


def test_sheets_and_titles(book):
    assert book.sheetnames == ["公开01", "公开02", "公开03", "公开04", "公开05", "公开06", "公开07", "公开08", "公开09",
                               "附件1", "附件2", "评分表", FINDINGS_SHEET, SHEET]
    assert book["公开01"]["A1"].value == "公开01表"
    assert book["公开01"]["A2"].value == "收入支出决算总表"
    assert book["公开01"]["A3"].value == "部门：示例单位"
    assert book["公开01"]["F3"].value == "金额单位：万元"
    assert book["附件1"]["A2"].value == "2024年度部门整体支出绩效评价基础数据表"
    assert book["附件2"]["A2"].value == "2024年度部门整体支出绩效自评表"
    assert book["评分表"]["A2"].value == "2024年度部门整体支出绩效评价评分表"
    assert "A2:F2" in {str(r) for r in book["公开01"].merged_cells.ranges}


def test_every_sheet_protected_inputs_unlocked_formulas_locked(book, plan_2024):
    for layout in plan_2024.layouts.values():
        ws = book[layout.sheet]
        assert ws.protection.sheet, layout.sheet
        for field in layout.fields.values():
            cell = ws[field.cell]
            if field.kind == "input":
                assert cell.protection.locked is False, field.key
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), field.key
            else:
                assert cell.protection.locked is True, field.key
                assert cell.value == "=" + plan_2024.formulas[field.key].text, field.key
        locked_labels = [c for row in ws.iter_rows() for c in row
                         if c.value is not None and c.protection.locked is False
                         and c.coordinate not in {f.cell for f in layout.fields.values()}]
        assert locked_labels == [], layout.sheet


def test_inputs_have_data_validation_with_chinese_messages(book, plan_2024):
    ws = book["附件1"]
    rules = {str(cell): dv for dv in ws.data_validations.dataValidation for cell in dv.sqref}
    quota = rules[plan_2024.field("fj1.staff_quota").cell]
    assert quota.type == "whole" and quota.operator == "greaterThanOrEqual" and quota.formula1 == "0"
    assert "整数" in quota.prompt and quota.errorStyle in (None, "stop")  # OOXML default is stop
    amount = rules[plan_2024.field("fj1.basic_final").cell]
    assert amount.type == "decimal" and "万元" in amount.prompt
    choice = {str(c): dv for dv in book["评分表"].data_validations.dataValidation for c in dv.sqref}
    assert choice[plan_2024.field("pj.budget_system_i1").cell].formula1 == '"是,否"'
    inputs = sum(1 for f in plan_2024.fields() if f.kind == "input")
    validated = sum(len(list(dv.sqref)) for s in book.worksheets for dv in s.data_validations.dataValidation
                    if s.title != FINDINGS_SHEET)
    assert validated == inputs
    explained = [dv for dv in book[FINDINGS_SHEET].data_validations.dataValidation]
    assert [str(dv.sqref) for dv in explained] == [f"J{r}" for r in range(4, 14)]  # the 说明 cells, ≤ 500 characters
    assert {(dv.type, dv.operator, dv.formula1) for dv in explained} == {("textLength", "lessThanOrEqual", "500")}


def test_identity_is_stored(book, plan_2024):
    ws = book[SHEET]
    assert ws.sheet_state == "veryHidden"
    identity = {row[0].value: row[1].value for row in ws.iter_rows()}
    assert identity["format"] == FORMAT
    assert identity["year"] == "2024" and identity["unit"] == "示例单位" and identity["unit_code"] == "000000"
    assert json.loads(identity["tables"])[:2] == ["gk01", "gk02"]
    assert json.loads(identity["editions"]) == {**{f"gk0{i}": "2023" for i in range(1, 10)},
                                                "fj1": "2021", "fj2": "2021", "pj": "2021"}
    assert identity["digest"] == plan_2024.digest and len(plan_2024.digest) == 16


def test_formula_cells_carry_computed_values(cached, plan_2024, workbook_2024):
    values = workbook_2024[1]
    assert cached["附件2"][plan_2024.field("fj2.dept").cell].value == "示例单位"
    assert cached["附件2"][plan_2024.field("fj2.fund_max").cell].value == 10
    assert cached["评分表"][plan_2024.field("pj.sangong_control_score").cell].value in (None, "")  # not assessable yet
    for key in plan_2024.formulas:
        f = plan_2024.field(key)
        expected = values[key]
        got = cached[f.sheet][f.cell].value
        assert (got in (None, "") and expected in (None, "")) or got == expected, key


def test_print_setup(book):
    ws = book["公开04"]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert 40 <= int(ws.page_setup.scale) < 100 and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$6"
    assert ws.oddHeader.left.text == "&A" and ws.oddHeader.right.text == "2024年度部门决算"
    for sheet in ("公开02", "公开03", "公开05", "公开07", "公开08"):
        assert book[sheet].page_setup.orientation == "landscape", sheet
    assert ws.freeze_panes == "A7"
