"""Project-level performance: one sheet per project, the project tables, and the seed examples (002 自评表, 004 申报表)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perftool.assess import assess
from perftool.cli import main
from perftool.definitions.projects import sheet_name
from perftool.definitions.workbook import plan_workbook
from perftool.read.failures import UnreadableWorkbook

PROJECTS_CSV = (
    "单位名称,单位编码,项目名称,项目编码,主管部门,预算数\n"
    "荆门市行政审批局,001,行政审批办公楼租赁及运行,P01,荆门市行政审批局,2057\n"
    "荆门市行政审批局,001,行政审批事务管理,P02,荆门市行政审批局,73.9\n"
    "荆门市行政审批局,001,荆门市政务服务中心大楼信息系统运维服务:二期[扩容]及配套,P03,荆门市行政审批局,16\n"
    "平江县行政审批服务局,430,行政审批大厅运行,X1,县行政审批服务局,200\n"
)


@pytest.fixture(scope="module")
def project_books(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("projects")
    (folder / "projects.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", "--year", "2023", "--projects", str(folder / "projects.csv"),
                                       "--set", "项目支出绩效自评（荆门式）", "-o", str(folder / "out")])
    assert result.exit_code == 0, result.output
    return folder / "out"


def test_one_workbook_per_unit_one_sheet_per_project(project_books):
    books = sorted(p.name for p in project_books.glob("*.xlsx"))
    assert books == ["001_荆门市行政审批局_2023.xlsx", "430_平江县行政审批服务局_2023.xlsx"]
    wb = openpyxl.load_workbook(project_books / books[0])
    assert wb.sheetnames == ["1.行政审批办公楼租赁及运行", "2.行政审批事务管理",
                             "3.荆门市政务服务中心大楼信息系统运维服务二期扩容及配套", "_perftool"]
    assert all(len(s) <= 31 for s in wb.sheetnames)
    third = wb.worksheets[2]
    assert third["B5"].value == "荆门市政务服务中心大楼信息系统运维服务:二期[扩容]及配套"  # the full name on the sheet
    assert third["G5"].value == "P03"
    a = assess(project_books / books[0])
    assert list(a.plan.projects) == ["xmzpjm@1", "xmzpjm@2", "xmzpjm@3"]
    assert a.inputs["xmzpjm@1.budget"] == 2057 and a.inputs["xmzpjm@2.budget"] == 73.9
    assert a.plan.field("xmzpjm@3.exec_rate").sheet == wb.sheetnames[2]
    assert a.errors == 0


def test_sheet_names_are_excel_safe_and_unique():
    taken = {"1.行政审批大厅运行"}
    assert sheet_name("1.行政审批大厅运行", taken) == "1.行政审批大厅运行(2)"
    assert sheet_name("a/b\\c?d*e:f[g]h'", set()) == "abcdefgh"
    long = sheet_name("9." + "很" * 40, set())
    assert len(long) == 31 and sheet_name("9." + "很" * 40, {long}) == long[:28] + "(2)"
    assert sheet_name("History", set()) == "History(2)"


def test_projects_need_a_project_set(tmp_path):
    (tmp_path / "p.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", "--year", "2023", "--projects", str(tmp_path / "p.csv"),
                                       "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "--projects 须用 --set 选择项目表套" in result.output
    with pytest.raises(Exception, match="没有按项目填报的表"):
        plan_workbook(2023, tables=["gk01"], projects=[{"name": "x"}])
    with pytest.raises(Exception, match="项目编码 P1 重复"):
        plan_workbook(2023, set_name="xiangmu-zipingbiao", projects=[{"name": "a", "code": "P1"},
                                                                     {"name": "b", "code": "P1"}])


def test_copied_and_foreign_project_sheets_are_findings(project_books, tmp_path):
    wb = openpyxl.load_workbook(project_books / "001_荆门市行政审批局_2023.xlsx")
    wb.copy_worksheet(wb.worksheets[0]).title = "1.行政审批办公楼租赁及运行 (2)"
    wb.worksheets[1]["G5"] = "P99"
    wb.save(tmp_path / "copied.xlsx")
    a = assess(tmp_path / "copied.xlsx")
    extra = [f for f in a.findings if f.code == "project-sheet-extra"]
    assert [(f.severity, f.sheet, f.cell, f.values["项目名称"]) for f in extra] == [
        ("error", "1.行政审批办公楼租赁及运行 (2)", "B5", "行政审批办公楼租赁及运行")]
    foreign = [f for f in a.findings if f.code == "project-foreign"]
    assert [(f.severity, f.sheet, f.cell, f.values["填报编码"], f.values["下发编码"]) for f in foreign] == [
        ("error", "2.行政审批事务管理", "G5", "P99", "P02")]


def test_a_missing_project_sheet_is_a_catalogued_failure(project_books, tmp_path):
    wb = openpyxl.load_workbook(project_books / "001_荆门市行政审批局_2023.xlsx")
    del wb["2.行政审批事务管理"]
    wb.save(tmp_path / "missing.xlsx")
    with pytest.raises(UnreadableWorkbook) as info:
        assess(tmp_path / "missing.xlsx")
    assert info.value.code == "sheet-missing" and "2.行政审批事务管理" in str(info.value)
