"""The command line: generate one workbook, one per unit from a CSV, list templates; errors in Chinese."""

from __future__ import annotations

import json

import openpyxl
from click.testing import CliRunner

from perftool.cli import main
from perftool.identity import FINDINGS_SHEET, SHEET


def identity(path):
    ws = openpyxl.load_workbook(path, read_only=True)[SHEET]
    return {row[0].value: row[1].value for row in ws.iter_rows()}


def test_generate_one_workbook(tmp_path):
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(main, ["generate", "--year", "2024", "--unit", "某单位", "--tables", "gk01,gk09",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "已生成" in result.output
    assert openpyxl.load_workbook(out).sheetnames == ["公开01", "公开09", FINDINGS_SHEET, SHEET]
    assert identity(out)["unit"] == "某单位"


def test_generate_per_unit_from_csv(tmp_path):
    csv = tmp_path / "units.csv"
    csv.write_text("单位名称,单位编码,编制数\n甲局,001,57\n乙/局,002,\n", encoding="gbk")
    result = CliRunner().invoke(main, ["generate", "--year", "2022", "--units", str(csv), "--tables", "fj1",
                                       "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["001_甲局_2022.xlsx", "002_乙_局_2022.xlsx"]
    first = tmp_path / "out" / files[0]
    assert identity(first)["unit_code"] == "001"
    assert json.loads(identity(first)["tables"]) == ["fj1"]
    assert openpyxl.load_workbook(first)["附件1"]["B5"].value == 57          # 编制数 pre-filled


def test_generate_units_on_two_processes_keeps_each_unit_and_reports_a_failed_one(tmp_path):
    csv = tmp_path / "units.csv"
    csv.write_text("单位名称,单位编码,编制数\n" + "".join(f"单位{i},{i:03d},{10 + i}\n" for i in range(6)),
                   encoding="utf-8")
    (tmp_path / "out" / "003_单位3_2022.xlsx").mkdir(parents=True)  # its workbook cannot take that name
    result = CliRunner().invoke(main, ["generate", "--year", "2022", "--units", str(csv), "--tables", "fj1",
                                       "--jobs", "2", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "错误：单位3（003）：" in result.output
    assert "已为 5 个单位生成工作簿" in result.output and "1 个单位的工作簿未能写入" in result.output
    for i in (0, 1, 2, 4, 5):  # every other unit's workbook is its own: code, name and 编制数
        path = tmp_path / "out" / f"{i:03d}_单位{i}_2022.xlsx"
        assert (identity(path)["unit_code"], identity(path)["unit"]) == (f"{i:03d}", f"单位{i}")
        assert openpyxl.load_workbook(path)["附件1"]["B5"].value == 10 + i
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no partial file left


def test_errors_are_chinese_with_exit_code_2(tmp_path):
    result = CliRunner().invoke(main, ["generate", "--year", "2022", "--tables", "gk01", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert "错误：表 gk01 没有适用于 2022 年度的版本" in result.output
    result = CliRunner().invoke(main, ["generate", "--year", "2024", "--rows", "many", "-o", str(tmp_path / "y.xlsx")])
    assert result.exit_code == 2 and "--rows 的写法" in result.output
    assert not (tmp_path / "x.xlsx").exists() and not list(tmp_path.glob("*.part"))


def test_templates_lists_tables():
    result = CliRunner().invoke(main, ["templates", "--year", "2024"])
    assert result.exit_code == 0
    assert "gk01  公开01表" in result.output and "评分表" in result.output


def test_generate_units_interrupted_leaves_no_partial_file(tmp_path):
    import pytest

    from perftool.generate.units import Order, render_orders

    orders = [Order(2022, f"单位{i}", f"{i:03d}", tmp_path / f"{i:03d}.xlsx", {}, ["fj1"]) for i in range(12)]
    results = render_orders(orders, jobs=2)
    first, failure = next(results)
    assert (first.unit_code, failure) == ("000", None) and identity(first.path)["unit_code"] == "000"
    with pytest.raises(KeyboardInterrupt):
        results.throw(KeyboardInterrupt)  # Ctrl-C while the other workbooks are being written
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
