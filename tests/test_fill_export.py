"""`perftool fill` writes a data file into a generated template; `perftool export` gives every field back."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from perftool.cli import main

YUEYANG = {  # seed 000 (岳阳市行政审批服务局 2022), 附件1 excerpts and 附件2 budget line, as published
    "year": 2022,
    "tables": {
        "fj1": {"staff_quota": 57, "staff_actual": 50, "business_final": 248.9, "operation_final": 765.46,
                "carrun_prev": 3.52, "carrun_budget": 5, "carrun_final": 3.53, "recep_prev": 2.85,
                "recep_budget": 5, "recep_final": 1, "procure_budget": 4000, "procure_final": 3813.52,
                "special": [{"name": "3.6政府云紧急扩容项目", "budget": 434.1, "final": 434.1},
                            {"name": "3.21市大数据中心产业经济大脑平台建设项目资金", "budget": 100, "final": 14.93}]},
        "fj2": {"budget_full": 5278.31, "executed": 4608.28, "total_score": 98.75,
                "quantity": [{"name": "数字政府智慧城市项目新增20个", "target": "20", "actual": "27", "max": 10,
                              "score": 10}]},
    },
}


@pytest.fixture()
def template(tmp_path):
    out = tmp_path / "template.xlsx"
    result = CliRunner().invoke(main, ["generate", "--year", "2022", "--unit", "岳阳市行政审批服务局",
                                       "--tables", "fj1,fj2", "--rows", "fj1.special=1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_export_of_fill_reproduces_the_data(template, tmp_path):
    data = tmp_path / "yueyang.yaml"
    data.write_text(yaml.safe_dump(YUEYANG, allow_unicode=True), encoding="utf-8")
    filled = tmp_path / "filled.xlsx"
    result = CliRunner().invoke(main, ["fill", str(template), str(data), "-o", str(filled)])
    assert result.exit_code == 0, result.output
    assert "可变行已按数据扩展：fj1.special 2 行" in result.output
    assert "fj2.total_score（附件2!H54）是公式单元格" in result.output     # the published 98.75 over the formula
    result = CliRunner().invoke(main, ["export", str(filled), "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert doc["year"] == 2022 and doc["unit"] == "岳阳市行政审批服务局"
    for tid, fields in YUEYANG["tables"].items():
        for name, value in fields.items():
            if isinstance(value, list):
                assert [{k: r[k] for k in row} for row, r in zip(value, doc["tables"][tid][name], strict=True)] == value
                assert len(doc["tables"][tid][name]) == len(value)
            else:
                assert doc["tables"][tid][name] == value, name
    fj1 = doc["tables"]["fj1"]
    assert round(fj1["staff_rate"], 4) == 0.8772 and fj1["special_final"] == pytest.approx(449.03)
    assert fj1["project_final"] == pytest.approx(248.9 + 765.46 + 449.03)
    assert doc["tables"]["fj2"]["dept"] == "岳阳市行政审批服务局"          # template default kept
    assert round(doc["tables"]["fj2"]["fund_score"], 2) == 8.73


def test_fill_never_overwrites_and_refuses_unknown_fields(template, tmp_path):
    data = tmp_path / "bad.json"
    data.write_text(json.dumps({"tables": {"fj1": {"staff_quota": 5, "no_such": 1}}}), encoding="utf-8")
    before = template.read_bytes()
    result = CliRunner().invoke(main, ["fill", str(template), str(data), "-o", str(tmp_path / "o.xlsx")])
    assert result.exit_code == 2 and "表 fj1 没有字段 no_such" in result.output
    result = CliRunner().invoke(main, ["fill", str(template), str(data), "-o", str(template)])
    assert result.exit_code == 2 and "不覆盖原文件" in result.output
    assert template.read_bytes() == before and not (tmp_path / "o.xlsx").exists()


def test_foreign_files_are_refused_in_chinese(tmp_path):
    import openpyxl

    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    result = CliRunner().invoke(main, ["export", str(plain)])
    assert result.exit_code == 2 and "不是下发的表样（缺少表样标识页 _perftool）" in result.output
    text = tmp_path / "notes.xlsx"
    text.write_text("这不是工作簿", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(text)])
    assert result.exit_code == 2 and "notes.xlsx：不是电子表格文件" in result.output


def test_renamed_sheet_is_named_in_the_error(template, tmp_path):
    import openpyxl

    book = openpyxl.load_workbook(template)
    book["附件1"].title = "基础数据"
    renamed = tmp_path / "renamed.xlsx"
    book.save(renamed)
    result = CliRunner().invoke(main, ["export", str(renamed)])
    assert result.exit_code == 2
    assert "工作表“基础数据”：工作表被改名（“附件1”被改名为“基础数据”）" in result.output
