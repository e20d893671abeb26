"""出错说明: a unit writes explanations into the annotated copy's 审核结果 sheet (as in Excel, here with openpyxl),
sends the copy back, and perftool carries them to the new findings by finding id."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

from libreoffice import recalculate, soffice
from perftool.annotate.workbook import annotate
from perftool.assess import assess
from perftool.audit.findings import Finding, assign_ids
from perftool.cli import main
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from perftool.identity import ERROR_PLACEHOLDER, EXPLANATION_LIMIT, FINDINGS_SHEET
from perftool.read.xlsx import Limits

WARNING_ID = "identity-mismatch|fj1|C5|fj1-staff-quota"
ERROR_ID = "identity-mismatch|fj1|D9|fj1-public-within-basic"
CACHE_ID = "no-cached-values|||"  # a workbook saved by openpyxl keeps no formula results
BASE = {"fj1.staff_quota": 100, "fj1.staff_actual": 103, "fj1.basic_final": 100, "fj1.public_final": 80}
TEXT = "本年新进 3 人为政策性安置军转干部，已报编办备案。"


@pytest.fixture(scope="module")
def plan():
    return plan_workbook(2023, "测试单位", "900001", ["fj1"])


def submission(plan, tmp_path, **inputs):
    path = tmp_path / "报送.xlsx"
    render(plan, {**plan.default_inputs(), **BASE, **{k.replace("__", "."): v for k, v in inputs.items()}}, path)
    return path


def send_back(copy, out, explanations=None, figures=None, by_cell=None):
    """What a unit does in Excel: write 说明 against findings (by the row of their id, or in a template row by
    单元格), change figures, save."""
    book = openpyxl.load_workbook(copy)
    ws = book[FINDINGS_SHEET]
    header = {c.value: c.column for c in ws[3]}
    rows = {ws.cell(r, header["审核编号"]).value: r for r in range(4, ws.max_row + 1)}
    for fid, text in (explanations or {}).items():
        ws.cell(rows[fid], header["说明"]).value = text
    for r, (cell, text) in enumerate((by_cell or {}).items(), start=4):
        ws.cell(r, header["单元格"]).value = cell
        ws.cell(r, header["说明"]).value = text
    for (sheet, cell), value in (figures or {}).items():
        book[sheet][cell] = value
    book.save(out)
    return out


def round_trip(a, tmp_path, name, **changes):
    copy = tmp_path / f"{name}_批注.xlsx"
    annotate(a, copy)
    return assess(send_back(copy, tmp_path / f"{name}.xlsx", **changes)), copy


def by_id(a):
    return {f.id: f for f in a.findings}


def findings_rows(path):
    ws = openpyxl.load_workbook(path)[FINDINGS_SHEET]
    header = [c.value for c in ws[3]]
    return ws, {row[header.index("审核编号")]: dict(zip(header, row)) for row in ws.iter_rows(min_row=4, values_only=True)}


def test_finding_ids_are_stable_and_duplicates_numbered(plan, tmp_path):
    a = assess(submission(plan, tmp_path))
    assert [f.id for f in a.findings] == [WARNING_ID]
    twins = [Finding("rules-not-applied", "warning", "甲"), Finding("rules-not-applied", "warning", "乙")]
    assign_ids(twins)
    assert [f.id for f in twins] == ["rules-not-applied|||", "rules-not-applied|||#2"]


def test_an_explained_warning_is_carried_into_the_json_and_the_next_copy(plan, tmp_path):
    first = assess(submission(plan, tmp_path))
    assert (first.explained, first.unexplained) == (0, 1)
    back, copy = round_trip(first, tmp_path, "说明", explanations={WARNING_ID: TEXT})
    ws, rows = findings_rows(copy)
    assert rows[WARNING_ID]["说明状态"] == "未说明" and rows[WARNING_ID]["说明"] in ("", None)
    assert ws.protection.sheet and ws.column_dimensions["K"].hidden and ws.column_dimensions["L"].hidden
    assert ws["J4"].protection.locked is False and ws["I4"].protection.locked is True
    [dv] = [dv for dv in ws.data_validations.dataValidation if "J4" in str(dv.sqref)]
    assert (dv.type, dv.operator, dv.formula1) == ("textLength", "lessThanOrEqual", str(EXPLANATION_LIMIT))
    warning = by_id(back)[WARNING_ID]
    assert (warning.severity, warning.explanation, warning.explanation_changed, warning.explained) == \
        ("warning", TEXT, False, True)
    doc = json.loads(json.dumps(back.to_dict()))
    [row] = [f for f in doc["findings"] if f["id"] == WARNING_ID]
    assert (row["explanation"], row["explanation_changed"]) == (TEXT, False)
    assert (doc["explained"], doc["unexplained"], doc["counts"]) == (1, 1, {"error": 0, "warning": 2})
    assert by_id(back)[CACHE_ID].explanation is None
    again = tmp_path / "再次批注.xlsx"
    annotate(back, again)
    ws, rows = findings_rows(again)
    assert (rows[WARNING_ID]["说明"], rows[WARNING_ID]["说明状态"]) == (TEXT, "已说明")
    assert "其中已说明 1 条、未说明 1 条" in ws["A2"].value and f"不超过 {EXPLANATION_LIMIT} 字" in ws["A2"].value
    twice = assess(send_back(again, tmp_path / "二次.xlsx"))  # sent back as it is: the explanation stays
    assert by_id(twice)[WARNING_ID].explained and twice.explained == 1


def test_an_explained_error_stays_an_error(plan, tmp_path):
    first = assess(submission(plan, tmp_path, fj1__public_final=120))
    assert [f.id for f in first.findings] == [ERROR_ID, WARNING_ID]
    copy = tmp_path / "批注.xlsx"
    annotate(first, copy)
    assert findings_rows(copy)[1][ERROR_ID]["说明"] == ERROR_PLACEHOLDER
    back = assess(send_back(copy, tmp_path / "错误.xlsx", explanations={ERROR_ID: "公用经费含上年结转，属实。"}))
    error = by_id(back)[ERROR_ID]
    assert (error.severity, error.explanation, error.explained) == ("error", "公用经费含上年结转，属实。", False)
    assert (back.errors, back.warnings, back.explained, back.unexplained) == (1, 2, 0, 2)
    assert back.to_dict()["valid"] is False
    again = tmp_path / "再次批注.xlsx"
    annotate(back, again)
    assert findings_rows(again)[1][ERROR_ID]["说明状态"] == "须修改（已附说明）"


def test_changed_values_keep_the_explanation_flagged_until_sent_again(plan, tmp_path):
    first = assess(submission(plan, tmp_path))
    back, _ = round_trip(first, tmp_path, "改数", explanations={WARNING_ID: TEXT}, figures={("附件1", "C5"): 105})
    warning = by_id(back)[WARNING_ID]
    assert warning.values["差额"] == 5
    assert (warning.explanation, warning.explanation_changed, warning.explained) == (TEXT, True, False)
    assert (back.explained, back.unexplained) == (0, 2)
    assert [(f["id"], f["explanation_changed"]) for f in back.to_dict()["findings"]] == \
        [(CACHE_ID, False), (WARNING_ID, True)]
    copy = tmp_path / "数据已变.xlsx"
    annotate(back, copy)
    assert findings_rows(copy)[1][WARNING_ID]["说明状态"] == "数据已变，请核对说明后重新报送"
    confirmed = assess(send_back(copy, tmp_path / "确认.xlsx"))
    assert by_id(confirmed)[WARNING_ID].explained and confirmed.explained == 1


def test_a_finding_that_disappeared_drops_its_explanation(plan, tmp_path):
    first = assess(submission(plan, tmp_path))
    back, _ = round_trip(first, tmp_path, "已改", explanations={WARNING_ID: TEXT}, figures={("附件1", "C5"): 100})
    assert [f.id for f in back.findings] == [CACHE_ID]
    assert TEXT not in json.dumps(back.to_dict(), ensure_ascii=False)


def test_formula_and_over_long_explanations_are_findings_at_their_cell(plan, tmp_path):
    first = assess(submission(plan, tmp_path))
    back, _ = round_trip(first, tmp_path, "公式", explanations={WARNING_ID: "=cmd|'/c calc'!A0"})
    refused = by_id(back)["explanation-refused||J4|"]
    assert (refused.severity, refused.sheet, refused.cell, refused.values) == \
        ("warning", FINDINGS_SHEET, "J4", {"审核编号": WARNING_ID})
    assert refused.message == "审核结果!J4 的说明是公式或以“=”开头，未采用；请改写为文字说明后重新报送"
    assert by_id(back)[WARNING_ID].explanation is None
    long = "情" * (EXPLANATION_LIMIT + 1)
    back, _ = round_trip(first, tmp_path, "过长", explanations={WARNING_ID: long})
    clipped = by_id(back)["explanation-too-long||J4|"]
    assert (clipped.severity, clipped.cell, clipped.values) == ("warning", "J4", {"审核编号": WARNING_ID, "字数": 501})
    assert clipped.message == "审核结果!J4 的说明有 501 字，超过 500 字，只采用了前 500 字；请精简后重新报送"
    assert by_id(back)[WARNING_ID].explanation == "情" * EXPLANATION_LIMIT
    tight = assess(back.path, limits=Limits(text=100))  # the reader's own text limit is lower: it applies
    assert by_id(tight)["explanation-too-long||J4|"].values == {"审核编号": WARNING_ID, "字数": 501}
    assert by_id(tight)[WARNING_ID].explanation == "情" * 100


def test_a_template_carries_an_empty_findings_sheet_to_explain_in_advance(plan, tmp_path):
    template = submission(plan, tmp_path)
    ws = openpyxl.load_workbook(template)[FINDINGS_SHEET]
    assert openpyxl.load_workbook(template).sheetnames == ["附件1", FINDINGS_SHEET, "_perftool"]
    assert ws["A2"].value.startswith("尚未审核。") and ws["J3"].value == "说明" and ws["K3"].value == "审核编号"
    assert ws["J4"].protection.locked is False and ws["D4"].protection.locked is False and ws.protection.sheet
    a = assess(send_back(template, tmp_path / "事先说明.xlsx", by_cell={"附件1!c5": TEXT}))
    assert [f.code for f in a.findings if f.code.startswith(("sheet-", "explanation-"))] == []
    warning = by_id(a)[WARNING_ID]
    assert (warning.explanation, warning.explained) == (TEXT, True)
    unplaced = assess(send_back(template, tmp_path / "无位置.xlsx", by_cell={"": TEXT}))
    refused = by_id(unplaced)["explanation-refused||J4|"]
    assert (refused.severity, refused.sheet, refused.values) == ("warning", FINDINGS_SHEET, {})
    assert refused.message == ("审核结果!J4 的说明没有对应的审核编号或单元格，未采用；"
                               "请在同一行“单元格”栏填写位置（如 公开01!C8）")
    assert by_id(unplaced)[WARNING_ID].explanation is None


def test_audit_and_score_json_show_the_explanations(plan, tmp_path):
    back, _ = round_trip(assess(submission(plan, tmp_path)), tmp_path, "命令行", explanations={WARNING_ID: TEXT})
    result = CliRunner().invoke(main, ["audit", str(back.path)])
    assert result.exit_code == 0, result.output
    assert f"      说明：{TEXT}\n" in result.output
    assert "审核通过：错误 0 条，提示 2 条（已说明 1 条，未说明 1 条）" in result.output
    result = CliRunner().invoke(main, ["score", str(back.path), "--json"])
    doc = json.loads(result.output)
    assert (doc["explained"], doc["unexplained"]) == (1, 1)
    assert {f["id"]: f["explanation"] for f in doc["findings"]} == {CACHE_ID: None, WARNING_ID: TEXT}


@pytest.mark.skipif(soffice() is None, reason="LibreOffice 未安装（make test 会自动安装）")
def test_an_explanation_survives_a_save_in_libreoffice(plan, tmp_path):
    """The unit's office program saves the copy again: hidden id and fingerprint, and the 说明, read back alike."""
    first = assess(submission(plan, tmp_path))
    copy = tmp_path / "批注.xlsx"
    annotate(first, copy)
    (tmp_path / "in").mkdir()
    written = send_back(copy, tmp_path / "in" / "说明.xlsx", explanations={WARNING_ID: TEXT})
    saved = recalculate([written], tmp_path / "out", tmp_path / "profile")[0]
    back = assess(saved)
    assert [(f.id, f.explanation, f.explained) for f in back.findings] == [(WARNING_ID, TEXT, True)]
    assert (back.explained, back.unexplained) == (1, 0)


def test_columns_are_found_by_their_header_labels(plan, tmp_path):
    first = assess(submission(plan, tmp_path))
    copy = tmp_path / "批注.xlsx"
    annotate(first, copy)
    book = openpyxl.load_workbook(copy)
    ws = book[FINDINGS_SHEET]
    ws.protection.sheet = False
    ws.insert_cols(1, 2)  # two columns inserted at the left: 说明 is now in L, 审核编号 in M
    assert (ws["L3"].value, ws["M3"].value) == ("说明", "审核编号")
    ws["L4"] = TEXT
    book.save(tmp_path / "移列.xlsx")
    back = assess(tmp_path / "移列.xlsx")
    assert by_id(back)[WARNING_ID].explained


def test_a_batch_writes_the_explanations_into_each_result_and_copy(plan, tmp_path):
    first = assess(submission(plan, tmp_path))
    copy = tmp_path / "批注.xlsx"
    annotate(first, copy)
    inbox = tmp_path / "收件"
    inbox.mkdir()
    send_back(copy, inbox / "第二次报送.xlsx", explanations={WARNING_ID: TEXT})
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "审核结果"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    [doc] = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "审核结果" / "结果").glob("*.json")]
    assert (doc["explained"], doc["unexplained"]) == (1, 1)
    assert {f["id"]: f["explanation"] for f in doc["findings"]} == {CACHE_ID: None, WARNING_ID: TEXT}
    [annotated] = (tmp_path / "审核结果" / "批注").glob("*.xlsx")
    assert findings_rows(annotated)[1][WARNING_ID]["说明"] == TEXT


RICH_LOOKING = "<r><t>注入</t></r><r><t>文字</t></r>"  # what XlsxWriter would copy into the XML unescaped


def test_a_text_spelled_as_rich_text_xml_is_written_as_it_reads(tmp_path):
    """A submitted text or 说明 spelled like rich-text XML stays text in the template, both copies and the 说明."""
    plan = plan_workbook(2023, "测试单位", "900001", ["fj1", "fj2"])
    path = tmp_path / "报送.xlsx"
    render(plan, {**plan.default_inputs(), **BASE, "fj2.dept": RICH_LOOKING}, path)
    assert openpyxl.load_workbook(path)["附件2"].cell(*_cell_of(plan, "fj2.dept")).value == RICH_LOOKING
    first = assess(path)
    assert first.inputs["fj2.dept"] == RICH_LOOKING
    for full in (False, True):
        copy = tmp_path / f"批注{full}.xlsx"
        annotate(first, copy, full=full)
        assert assess(copy).inputs["fj2.dept"] == RICH_LOOKING
    back = assess(send_back(tmp_path / "批注False.xlsx", tmp_path / "说明.xlsx", explanations={WARNING_ID: RICH_LOOKING}))
    again = tmp_path / "再次批注.xlsx"
    annotate(back, again)
    assert findings_rows(again)[1][WARNING_ID]["说明"] == RICH_LOOKING
    assert by_id(assess(again))[WARNING_ID].explanation == RICH_LOOKING


def _cell_of(plan, key):
    from xlsxwriter.utility import xl_cell_to_rowcol

    r, c = xl_cell_to_rowcol(plan.field(key).cell)
    return r + 1, c + 1


@pytest.mark.parametrize("values, fingerprint", [
    ({}, "44136fa355b3678a"),
    ({"本年收入合计": 103, "合计": 103.0000001, "差额": -0.01}, "2cc7929be18777ec"),
    ({"a": True, "b": None, "c": "文本", "d": 1.23456789}, "5f413bc195f932d1"),
    ({"nested": {"x": 1, 2: [1, 2.5, (3, "y")]}, "when": dt.date(2024, 1, 2), "dec": Decimal("1.5"), "big": 10**20},
     "1b2f7430d3fa6e7b"),
])
def test_fingerprints_stay_what_returned_workbooks_carry(values, fingerprint):
    """A returned workbook's 数据指纹 was written by an earlier perftool: the hash of the same values never
    changes (these were made before the fingerprint was made faster); 103 and 103.0 are one value."""
    assert Finding("x", "warning", "m", values=values).fingerprint == fingerprint
    assert Finding("x", "warning", "m", values={"本年收入合计": 103.0, "合计": 103.0, "差额": -0.01}).fingerprint \
        == "2cc7929be18777ec"
