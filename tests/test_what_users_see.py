"""What finance staff see: the annotated copy and the 汇总表 say only true, actionable things; the CLI speaks
Chinese, never shows a traceback for a user's mistake, and writes files colleagues can open."""

from __future__ import annotations

import os
import stat

import openpyxl
import pytest
from click.testing import CliRunner

from perftool.annotate.workbook import annotate
from perftool.assess import assess
from perftool.audit.rules import rule_text
from perftool.cli import main
from perftool.definitions.catalog import catalog, editions, load_table
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render


def sheet_text(ws) -> str:
    return "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)


@pytest.fixture(scope="module")
def batch(example, tmp_path_factory):
    """The four examples batched (with a stray PDF in the inbox): the 汇总表's rows by unit, and the CLI result."""
    folder = tmp_path_factory.mktemp("batch")
    inbox = folder / "inbox"
    inbox.mkdir()
    for name in ("000_yueyang_2022", "001_yueyanglou_2021", "002_jingmen_2023", "003_yiyang_2022"):
        (inbox / f"{name}.xlsx").write_bytes(example(name)[0].read_bytes())
    (inbox / "说明.pdf").write_bytes(b"%PDF-1.4")
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(folder / "out"), "--jobs", "1"])
    ws = openpyxl.load_workbook(folder / "out" / "汇总表.xlsx")["汇总表"]
    header = [c.value for c in ws[3]]
    rows = {r[1].value: {h: c for h, c in zip(header, r)} for r in ws.iter_rows(min_row=4) if r[1].value}
    return result, rows, ws, folder / "out"


def test_no_scoresheet_block_without_a_scoresheet(example, tmp_path):
    _, a = example("000_yueyang_2022")  # 附件1 and 附件2 only
    out = tmp_path / "a.xlsx"
    annotate(a, out)
    text = sheet_text(openpyxl.load_workbook(out)["评分结果"])
    assert "附件2 自评表（复核）" in text
    assert "评分表（按评分标准计算）" not in text and "评分表!" not in text and "请补填" not in text


def test_evaluator_inputs_are_the_evaluators(example):
    _, a = example("001_yueyanglou_2021")
    reasons = {i.id: i.reason for i in a.evaluation.indicators}
    assert reasons["key_spending"] == "不可评价：由评价人填写：评分表!F7（重点支出安排率（重点项目支出/项目总支出））"


def test_findings_name_rules_in_chinese_with_labels_not_formulas(example, tmp_path):
    _, a = example("000_yueyang_2022")
    out = tmp_path / "a.xlsx"
    annotate(a, out)
    ws = openpyxl.load_workbook(out)["审核结果"]
    assert [c.value for c in ws[3]] == ["序号", "级别", "表", "单元格", "位置（行／栏）", "审核规则", "问题说明", "现场数据",
                                        "说明状态", "说明", "审核编号", "数据指纹"]  # the last two hidden
    first = [c.value for c in ws[4]]
    assert first[3] == "附件2!G15" and ws.cell(4, 4).alignment.vertical == "top"
    assert first[5] == "产出指标分值等于其各行分值之和：产出指标栏填写的分值，应等于其下数量、质量、时效、成本各行分值之和。"
    assert first[7] == "本类指标分值及得分／分值（附件2!G15）：50；按 附件2!G16、G17、G18 等 11 格 计算：55；差额：-5"
    text = "\n".join(str(v) for row in ws.iter_rows(max_col=10, values_only=True) for v in row if v is not None)
    assert ws.column_dimensions["K"].hidden and first[10] == "identity-mismatch|fj2|G15|fj2-output-max"
    assert "fj2-output-max" not in text and "左边" not in text and "表内/表间审核公式" not in text
    total = next(f for f in a.findings if f.cell == "H39" and f.code == "arithmetic-mismatch")
    assert "=" not in total.message and "''" not in total.message


def test_mismatches_name_their_parts_not_formulas(example):
    _, a = example("003_yiyang_2022")
    messages = {f.cell: f.message for f in a.findings if f.code == "arithmetic-mismatch"}
    assert messages["G6"] == "附件2!G6（年度资金总额／分值） 填报 100，按表样计算应为 10，相差 90"
    assert messages["B7"] == ("附件1!B7（支出总额／2021年决算数） 填报 3,960.32，按其组成项（附件1!B8（基本支出／"
                              "2021年决算数）、附件1!B13（项目支出／2021年决算数））计算应为 3,960.21，相差 0.11")


def test_every_audit_rule_has_a_chinese_name_and_explanation():
    for tid in catalog()["order"]:
        for edition in editions(tid):
            for rule in load_table(tid, edition).audit:
                text = rule_text(rule["id"])
                assert text.name == rule["name"] and len(text.explain) >= 10, rule["id"]


def test_a_text_input_is_named_as_the_cause_of_a_stale_total(tmp_path):
    """A unit types 44.5 as text: its spreadsheet leaves it out of the SUM and shows 1,200.00; perftool reads
    44.5 and recomputes 1,244.50, and says which cell holds the text."""
    plan = plan_workbook(2024, "测试单位", "1", ["gk01"])
    path = tmp_path / "text.xlsx"
    render(plan, {"gk01.inc_gpb": 1200.0, "gk01.inc_oth": "44.5"}, path)
    a = assess(path)
    stale = [f for f in a.findings if f.code == "stale-cache"]
    total = next(f for f in stale if f.cell == "C33")
    assert total.severity == "warning" and total.cells == ["公开01!C14"]
    assert total.values["保存值"] == 1200 and total.values["重算值"] == 1244.5
    assert total.message.startswith("公开01!C33（本年收入合计／金额） 保存的结果 1,200.00 与重新计算的 1,244.50 不一致："
                                    "公开01!C14（八、其他收入／金额） 填的是文本形式的数字")


def test_over_full_total_is_reported_and_neither_graded_nor_ranked(example, batch):
    _, a = example("003_yiyang_2022")
    [f] = [f for f in a.findings if f.code == "total-over-max"]
    assert (f.severity, f.sheet, f.cell, f.values) == ("error", "附件2", "H33", {"计算总分": 110, "满分": 100})
    assert (a.basis.total, a.basis.grade, a.basis.over_max) == (110, None, True)
    result, rows, _, _ = batch
    yiyang = rows["益阳市行政审批服务局"]
    assert (yiyang["排名"].value, yiyang["计算总分"].value, yiyang["等次"].value) == (None, 110, None)
    assert "计算总分超过评分标准的满分，不评等次、不排名" in yiyang["说明"].value
    assert "计算总分超过满分，不评等次、不排名" in result.output
    assert rows["岳阳市行政审批服务局"]["排名"].value == 1  # the one complete 2022 total of 附件1、附件2


def test_partial_total_is_marked_and_not_ranked(batch):
    _, rows, _, _ = batch
    row = rows["岳阳市岳阳楼区行政审批服务局"]
    assert (row["排名"].value, row["计算总分"].value, row["计算总分"].number_format) == (None, 19, '0.00"*"')
    assert "部分指标不可评价，总分只含可评价指标（*），不排名" in row["说明"].value


def test_stray_files_are_listed_as_unrecognised(batch):
    result, _, ws, _ = batch
    assert "有 1 个文件不是工作簿，未处理" in result.output and "说明.pdf" in result.output
    text = sheet_text(ws)
    assert "未识别文件（不是 .xlsx 工作簿，未处理）" in text and "说明.pdf" in text


def test_empty_inbox_is_warned(tmp_path):
    (tmp_path / "in").mkdir()
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0 and "中没有找到工作簿（.xlsx）" in result.output


def test_former_tracebacks_exit_2_in_chinese(tmp_path, batch):
    folder = tmp_path / "existing"
    folder.mkdir()
    result = CliRunner().invoke(main, ["generate", "--year", "2024", "-o", str(folder)])
    assert result.exit_code == 2 and result.exception.__class__ is SystemExit
    assert f"错误：-o {folder} 是已存在的目录；请给出工作簿文件名" in result.output
    file = tmp_path / "existing.xlsx"
    file.write_bytes(b"")
    inbox = tmp_path / "in"
    inbox.mkdir()
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(file)])
    assert result.exit_code == 2 and result.exception.__class__ is SystemExit
    assert f"错误：-o {file} 是已存在的文件；这里需要一个输出目录" in result.output


def test_click_speaks_chinese(tmp_path):
    result = CliRunner().invoke(main, ["audit", str(tmp_path / "无此文件.xlsx")])
    assert result.exit_code == 2
    assert f"文件 '{tmp_path / '无此文件.xlsx'}' 不存在，请检查路径和文件名。" in result.output
    assert "Error" not in result.output and "does not exist" not in result.output and "Usage" not in result.output
    help_text = CliRunner().invoke(main, ["score", "--help"], prog_name="perftool").output
    assert help_text.startswith("用法： perftool score [选项] WORKBOOK")
    assert "选项" in help_text and "显示本帮助并退出。" in help_text and "Options" not in help_text
    assert "缺少选项 '-o' / '--output'" in CliRunner().invoke(main, ["generate", "--year", "2024"]).output
    batch_help = CliRunner().invoke(main, ["batch", "--help"], prog_name="perftool").output
    assert "输出目录。  [必填]" in batch_help and "required" not in batch_help


@pytest.mark.parametrize("args, message", [
    (["generate", "--year", "3000", "-o", "x.xlsx"], "错误：年度 3000 不合理：应为 2000 到"),
    (["generate", "--year", "2024", "-o", "x.txt"], "错误：-o x.txt 的扩展名应为 .xlsx"),
    (["templates", "--year", "2018"], "错误：没有适用于 2018 年度的表样"),
])
def test_user_mistakes_are_refused_with_rc_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and message in result.output
    assert not list(tmp_path.iterdir())


def test_templates_without_a_year_keep_the_year_readable():
    result = CliRunner().invoke(main, ["templates"])
    assert result.exit_code == 0 and "××××年度部门整体支出绩效自评表" in result.output


def test_truncated_file_message_is_chinese(example, tmp_path):
    path = tmp_path / "截断.xlsx"
    data = example("000_yueyang_2022")[0].read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = CliRunner().invoke(main, ["audit", str(path)])
    assert result.exit_code == 2 and "文件已损坏或不完整" in result.output
    assert "zip" not in result.output.lower().replace(".xlsx", "")


def test_outputs_follow_the_umask(tmp_path, example):
    """Templates, annotated copies and the 汇总表 on a shared folder: 0644 under umask 022, not mkstemp's 0600."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(example("000_yueyang_2022")[0].read_bytes())
    old = os.umask(0o022)
    try:
        out = tmp_path / "t.xlsx"
        generated = CliRunner().invoke(main, ["generate", "--year", "2024", "--tables", "gk01", "-o", str(out)])
        assert generated.exit_code == 0
        assert CliRunner().invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "out")]).exit_code == 1
    finally:
        os.umask(old)
    files = [out, *(tmp_path / "out").rglob("*.*")]
    # 汇总表.xlsx, 汇总.csv, 汇总.json, one annotated copy, one result JSON, and the batch's lock file
    assert sorted(f.name for f in files if f.parent.name == "out") == [".perftool-batch.lock", "汇总.csv", "汇总.json",
                                                                      "汇总表.xlsx"]
    assert len(files) == 1 + 6
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f


def test_template_polish(tmp_path):
    out = tmp_path / "t.xlsx"
    assert CliRunner().invoke(main, ["generate", "--year", "2024", "-o", str(out)]).exit_code == 0
    book = openpyxl.load_workbook(out)
    titles = {s: {str(dv.sqref).split()[0]: dv for dv in book[s].data_validations.dataValidation}
              for s in ("附件1", "附件2")}
    assert titles["附件1"]["D58"].promptTitle == "填报日期" and titles["附件2"]["E55"].promptTitle == "填报日期"
    assert titles["附件1"]["B57"].promptTitle == "厉行节约保障措施"
    assert titles["附件2"]["D4"].error.startswith("预算部门：")  # no stray space before the colon
    assert titles["附件1"]["A17"].prompt.startswith("每行填写一个专项资金项目：A 列项目名称")
    assert book["公开02"]["C8"].number_format == "#,##0.00;-#,##0.00;;@"  # a blank repeat row shows no 0.00
    assert book["公开02"]["C7"].number_format == "#,##0.00"                 # the 合计 row does
    assert book["附件1"]["A4"].fill.fgColor.rgb == book["公开01"]["A4"].fill.fgColor.rgb  # headers alike
    assert ("D5:G5" in {str(m) for m in book["附件1"].merged_cells.ranges})  # no empty bordered columns
    assert book["公开03"].oddHeader.right.text == "2024年度部门决算"
