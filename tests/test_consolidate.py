"""汇总 (consolidate): accepted submissions added up into a workbook of the same tables, flat and level by level.

The units are seed 002 (荆门市行政审批局 2023, 公开01–09, no errors, seven 尾数 warnings) filed under four unit
names, one with every 科目 table's rows in reverse order: the 汇总 must merge rows by code whatever their order.
"""

from __future__ import annotations

import copy
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from perftool.assess import assess
from perftool.cli import main

ROOT = Path(__file__).resolve().parents[1]
UNITS = (("甲单位", "101", "100"), ("乙单位", "102", "100"), ("丙单位", "103", "200"), ("丁单位", "104", "200"))


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.output


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    root = tmp_path_factory.mktemp("consolidate")
    seed = yaml.safe_load((ROOT / "examples/002_jingmen_2023.yaml").read_text(encoding="utf-8"))
    (root / "inbox").mkdir()
    for i, (name, code, _) in enumerate(UNITS):
        data = copy.deepcopy(seed)
        if i == 1:
            for table in data["tables"].values():
                if isinstance(table.get("rows"), list):
                    table["rows"].reverse()
        path = root / f"{code}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        run("generate", "--data", str(path), "--unit", name, "--unit-code", code, "-o", str(root / "inbox" / f"{code}.xlsx"))
    run("batch", str(root / "inbox"), "-o", str(root / "out"), "--jobs", "1")
    roster = root / "units.csv"
    roster.write_text("单位名称,单位编码,上级单位编码\n" + "".join(f"{n},{c},{p}\n" for n, c, p in UNITS)
                      + "甲部门,100,\n乙部门,200,\n", encoding="utf-8")
    return root, {code: assess(root / "inbox" / f"{code}.xlsx") for _, code, _ in UNITS}


def test_every_fixed_line_and_every_code_row_is_the_sum_of_the_units(season):
    root, units = season
    output = run("consolidate", str(root / "out"), "-o", str(root / "汇总.xlsx"), "--name", "全市汇总")
    assert "已汇总 4 个单位" in output and "汇总表审核：错误 0 条" in output
    total = assess(root / "汇总.xlsx")
    assert total.errors == 0 and total.plan.unit == "全市汇总"
    assert total.plan.members == ("甲单位（101）", "乙单位（102）", "丙单位（103）", "丁单位（104）")
    fixed = [f for f in total.plan.fields() if f.block is None and f.type == "amount"]
    assert len(fixed) == 287
    for f in fixed:
        parts = [u.as_filed.get(f.key) for u in units.values()]
        if any(isinstance(v, float) for v in parts):
            assert total.as_filed[f.key] == pytest.approx(sum(v or 0 for v in parts), abs=1e-6), f.key
    assert total.as_filed["gk01.exp_total"] == pytest.approx(4 * 3383.79)    # the printed total, as filed
    rows = {total.as_filed[f"gk03.rows[{i}].code"]: i for i in range(total.plan.counts["gk03.rows"])}
    assert list(rows) == sorted(rows)                                      # 类 → 款 → 项 order
    one = units["101"]
    for i in range(one.plan.counts["gk03.rows"]):
        code = one.as_filed[f"gk03.rows[{i}].code"]
        if code:
            for col in ("basic", "project"):
                assert total.as_filed[f"gk03.rows[{rows[code]}].{col}"] == \
                    pytest.approx(4 * (one.as_filed[f"gk03.rows[{i}].{col}"] or 0)), (code, col)
    assert total.as_filed[f"gk03.rows[{rows['2010302']}].project"] == pytest.approx(4 * 1608.07)


def test_the_unit_detail_adds_up_to_each_total(season):
    root, _ = season
    run("consolidate", str(root / "out"), "-o", str(root / "汇总.xlsx"))
    sheet = openpyxl.load_workbook(root / "汇总_单位明细.xlsx")["单位明细"]
    header = [c.value for c in sheet[3]]
    assert header[4:8] == ["甲单位（101）", "乙单位（102）", "丙单位（103）", "丁单位（104）"]
    lines = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert lines and all(line[-1] == 0 for line in lines)
    f33 = next(line for line in lines if line[0] == "公开01" and line[1] == "F33")
    assert f33[4:9] == [3383.79] * 4 + [pytest.approx(13535.16)]


def test_a_two_level_tree_gives_the_flat_grand_totals(season):
    root, _ = season
    run("consolidate", str(root / "out"), "-o", str(root / "flat.xlsx"))
    output = run("consolidate", str(root / "out"), "-o", str(root / "tree.xlsx"), "--units", str(root / "units.csv"),
                 "--by", "上级单位")
    assert "逐级汇总 2 个节点" in output
    flat, tree = assess(root / "flat.xlsx"), assess(root / "tree.xlsx")
    assert tree.errors == 0
    for f in flat.plan.fields():
        if f.block is None and f.type == "amount":
            assert tree.as_filed.get(f.key) == pytest.approx(flat.as_filed.get(f.key), abs=1e-6), f.key
    node = assess(root / "tree_节点汇总" / "100_甲部门.xlsx")
    assert node.plan.members == ("甲单位（101）", "乙单位（102）")
    assert node.as_filed["gk01.exp_total"] == pytest.approx(2 * 3383.79)


def test_ratios_are_recomputed_not_added(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for code, quota, actual, basic in (("1", 10, 9, 100.25), ("2", 20, 21, 200.5)):
        data = tmp_path / f"{code}.yaml"
        data.write_text(yaml.safe_dump({"workbook": {"year": 2022, "tables": ["fj1"]}, "tables": {"fj1": {
            "staff_quota": quota, "staff_actual": actual, "basic_final": basic, "public_final": 10}}},
            allow_unicode=True), encoding="utf-8")
        run("generate", "--data", str(data), "--unit", f"单位{code}", "--unit-code", code, "-o", str(inbox / f"{code}.xlsx"))
    run("batch", str(inbox), "-o", str(tmp_path / "out"), "--jobs", "1")
    run("consolidate", str(tmp_path / "out"), "-o", str(tmp_path / "汇总.xlsx"))
    total = assess(tmp_path / "汇总.xlsx").as_filed
    assert (total["fj1.staff_quota"], total["fj1.staff_actual"]) == (30, 30)
    assert total["fj1.staff_rate"] == 1.0                                   # 30/30, not 90% + 105%
    assert total["fj1.basic_final"] == pytest.approx(300.75) and total["fj1.public_final"] == 20


def test_a_roster_with_a_code_twice_is_refused(season, tmp_path):
    root, _ = season
    roster = tmp_path / "units.csv"
    roster.write_text("单位名称,单位编码\n甲单位,101\n乙单位,101\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["consolidate", str(root / "out"), "-o", str(tmp_path / "x.xlsx"),
                                       "--units", str(roster)])
    assert result.exit_code == 2 and "第 3 行：单位编码 101 与第 2 行重复" in result.output
