"""Reading, auditing and scoring filled workbooks: each problem at its cell, with its severity and reason."""

from __future__ import annotations

import json
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from perftool.assess import assess
from perftool.cli import main
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from perftool.identity import SHEET
from perftool.read.failures import UnreadableWorkbook

BASE = {"fj1.staff_quota": 100, "fj1.staff_actual": 90, "fj1.procure_budget": 200, "fj1.procure_final": 200}


@pytest.fixture(scope="module")
def plan():
    return plan_workbook(2023, "测试单位", "900001", ["fj1", "fj2", "pj"])


def filled(plan, tmp_path, **inputs):
    path = tmp_path / "filled.xlsx"
    render(plan, {**plan.default_inputs(), **BASE, **{k.replace("__", "."): v for k, v in inputs.items()}}, path)
    return path


def evaluation(a, ind_id):
    return next(i for i in a.evaluation.indicators if i.id == ind_id)


def test_over_staffed_unit_loses_half_a_point_per_point(plan, tmp_path):
    a = assess(filled(plan, tmp_path, fj1__staff_actual=103))
    staff = evaluation(a, "staff_rate")
    assert staff.score == 3.5
    assert staff.reason == "财政供养人员控制率 103.00%，超出 100% 3.00 个百分点，每个百分点扣 0.5 分，扣 1.50 分"
    [f] = [f for f in a.findings if f.rule == "fj1-staff-quota"]
    assert (f.severity, f.sheet, f.cell) == ("warning", "附件1", "C5")
    assert f.values == {"财政供养人员情况（人）／2023年实际在职人数（附件1!C5）": 103,
                        "财政供养人员情况（人）／编制数（附件1!B5）": 100, "差额": 3}


def test_rate_given_as_text_is_read_with_a_warning(plan, tmp_path):
    a = assess(filled(plan, tmp_path, pj__key_spending_value="87%", pj__card_rate_value="４５％"))
    [f] = [f for f in a.findings if f.cell == "F7"]
    assert (f.code, f.severity, f.sheet) == ("value-coerced", "warning", "评分表")
    assert f.values == {"填报值": "87%", "读取值": 0.87}
    assert evaluation(a, "key_spending").score == 4
    card = evaluation(a, "card_rate")
    assert card.value == 0.45 and card.score == 2
    assert card.reason == "公务卡刷卡率 45.00%，低于 50% 5.00 个百分点，每个百分点扣 0.2 分，扣 1.00 分"


def test_missing_input_is_not_assessable_never_zero_or_full(plan, tmp_path):
    a = assess(filled(plan, tmp_path, fj1__procure_budget=None, fj1__procure_final=None))
    p = evaluation(a, "procurement")
    assert p.score is None and not p.assessable
    assert p.reason == ("不可评价：缺少 附件1!C53（政府采购金额／2023年预算数）、附件1!D53（政府采购金额／2023年决算数），"
                        "请补填后再评分")
    assert not a.evaluation.complete and a.evaluation.grade is None


def test_tampered_formula_is_an_error_and_recomputed_from_the_template(plan, tmp_path):
    path = filled(plan, tmp_path)
    book = openpyxl.load_workbook(path)
    book["附件1"]["D5"] = "=0.5"          # 控制率 forced to 50%
    book["附件1"]["C5"] = "１２０"        # 实际在职人数 typed as full-width text
    tampered = tmp_path / "tampered.xlsx"
    book.save(tampered)
    a = assess(tampered)
    [f] = [f for f in a.findings if f.code == "formula-tampered"]
    assert (f.severity, f.sheet, f.cell) == ("error", "附件1", "D5")
    assert f.values == {"现公式": "=0.5", "表样公式": '=IF(OR(B5=0,C5=""),"",C5/B5)'}
    assert a.computed["fj1.staff_rate"] == 1.2
    assert evaluation(a, "staff_rate").score == 0
    assert any(f.code == "no-cached-values" for f in a.findings)  # openpyxl saved no results


def test_stale_cached_result_is_a_warning(plan, tmp_path):
    # A workbook whose stored 控制率 was not recalculated: rewrite the cached value in the XML.
    src, dst = filled(plan, tmp_path, fj1__staff_actual=95), tmp_path / "stale.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>0.95</v>", b"<v>0.9</v>", 1)
            zout.writestr(item, data)
    a = assess(dst)
    [f] = [f for f in a.findings if f.code == "stale-cache"]
    assert (f.severity, f.sheet, f.cell, f.values) == ("warning", "附件1", "D5", {"保存值": 0.9, "重算值": 0.95})


def test_broken_identity_is_refused_with_a_clear_message(plan, tmp_path):
    path = filled(plan, tmp_path)
    book = openpyxl.load_workbook(path)
    for row in book[SHEET].iter_rows():
        if row[0].value == "digest":
            row[1].value = "0000000000000000"
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    with pytest.raises(UnreadableWorkbook, match="表样版本不符（工作簿的表样标识为 0000000000000000"):
        assess(broken)
    result = CliRunner().invoke(main, ["score", str(broken)])
    assert result.exit_code == 2 and "表样版本不符" in result.output and "请使用财政部门当前下发的表样重新填报" in result.output


def test_self_score_above_computed_is_flagged_at_the_self_score(plan, tmp_path):
    a = assess(filled(plan, tmp_path, fj1__staff_actual=110, pj__staff_rate_self=5, pj__satisfaction_self=6))
    [f] = [f for f in a.findings if f.code == "self-score-differs"]
    assert (f.sheet, f.cell, f.values) == ("评分表", "H5", {"自评得分": 5, "计算得分": 0, "差额": 5})
    [f] = [f for f in a.findings if f.code == "self-score-over-max"]
    assert (f.severity, f.cell) == ("error", "H43")


def test_score_command_json_contract_and_exit_codes(example, tmp_path):
    path, _ = example("000_yueyang_2022")
    out = tmp_path / "annotated.xlsx"
    result = CliRunner().invoke(main, ["score", str(path), "--json", "-o", str(out)])
    assert result.exit_code == 1  # errors found
    doc = json.loads(result.output)
    assert {"template", "unit", "year", "total", "grade", "indicators", "findings"} <= set(doc)
    assert (doc["unit"], doc["year"], doc["total"], doc["grade"]) == ("岳阳市行政审批服务局", 2022, 98.73, "优")
    assert {"id", "name", "max", "score", "self_score", "reason", "assessable"} <= set(doc["indicators"][0])
    assert {"code", "severity", "table", "cell", "message", "values"} <= set(doc["findings"][0])
    assert out.exists() and path.exists()
    clean, _ = example("002_jingmen_2023")
    assert CliRunner().invoke(main, ["audit", str(clean)]).exit_code == 0
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    assert CliRunner().invoke(main, ["audit", str(junk)]).exit_code == 2


def test_annotated_copy_never_overwrites_and_carries_findings(example, tmp_path):
    path, a = example("003_yiyang_2022")
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["score", str(path), "-o", str(path)])
    assert result.exit_code == 2 and "不能覆盖原报送文件" in result.output
    out = tmp_path / "annotated.xlsx"
    CliRunner().invoke(main, ["score", str(path), "-o", str(out)])
    assert path.read_bytes() == before
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["审核结果", "评分结果"]
    assert book["附件1"]["B7"].comment.text.startswith("【错误】附件1!B7")
    results = book["审核结果"]
    assert results.cell(4, 4).hyperlink.location == "'附件1'!B7"
    assert results.max_row - 3 == len(a.findings)


def test_readme_carries_the_generated_code_catalogue():
    from pathlib import Path

    from perftool.audit.findings import CATALOGUE
    from perftool.codes import codes_markdown
    from perftool.read.failures import FAILURES

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    text = codes_markdown()
    assert text in readme, "README 的错误代码表已过期：运行 make readme"
    assert all(f"| `{code}` |" in text for code in [*FAILURES, *CATALOGUE])


def test_every_code_is_catalogued_once():
    """A code defined twice would silently hide one meaning (it happened: budget's and projects' target-changed)."""
    from perftool.audit.findings import CATALOGUE, KINDS
    from perftool.read.failures import FAILURES

    assert len(CATALOGUE) == len(KINDS)
    assert not set(CATALOGUE) & set(FAILURES)
