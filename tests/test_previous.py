"""Year over year: a unit's 上年数 checked against what it reported the year before, and pre-filled from it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from perftool.audit.previous import pairs
from perftool.cli import main
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from perftool.read.workbook import read_cells, recognise
from perftool.synthetic import random_inputs

TABLES = ["gk01", "gk04", "fj1"]


def submit(folder, year, unit, code, inputs):
    plan = plan_workbook(year, unit, code, TABLES)
    path = folder / f"{code}_{year}.xlsx"
    render(plan, {**plan.default_inputs(), **inputs}, path)
    return plan, path


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """2023 submissions of two units and their batch output; 2024 submissions carrying figures over."""
    root = tmp_path_factory.mktemp("years")
    inbox_2023, inbox_2024 = root / "2023报送", root / "2024报送"
    inbox_2023.mkdir()
    inbox_2024.mkdir()
    plan, _ = submit(inbox_2023, 2023, "甲单位", "100001", {})
    last = {"甲": random_inputs(plan, 1), "乙": random_inputs(plan, 2)}
    submit(inbox_2023, 2023, "甲单位", "100001", last["甲"])
    submit(inbox_2023, 2023, "乙单位", "100002", last["乙"])
    result = CliRunner().invoke(main, ["batch", str(inbox_2023), "-o", str(root / "2023结果"), "--jobs", "1"])
    assert result.exit_code in (0, 1), result.output
    carried = {}
    for who, code in (("甲", "100001"), ("乙", "100002")):
        now = random_inputs(plan_workbook(2024, "", "", TABLES), 10 + len(code))
        now.update({f.key: last[who][source] for f, source in pairs(plan)})  # every 上年数 carried over
        carried[who] = now
    carried["乙"]["fj1.basic_prev"] = last["乙"]["fj1.basic_final"] + 12.5   # 乙 retyped last year's figure wrongly
    carried["乙"]["gk04.opening_gf"] = None                                  # and left one 年初 figure blank
    submit(inbox_2024, 2024, "甲单位", "100001", carried["甲"])
    submit(inbox_2024, 2024, "乙单位", "100002", carried["乙"])
    return root, last


def results(out):
    return {json.loads(p.read_text(encoding="utf-8"))["unit"]: json.loads(p.read_text(encoding="utf-8"))
            for p in (out / "结果").glob("*.json")}


@pytest.mark.parametrize("source", ["2023结果", "2023报送"])  # last year's batch output, or its submissions
def test_previous_finds_the_unit_whose_last_year_figures_differ(two_years, source):
    root, last = two_years
    out = root / f"2024结果_{source}"
    result = CliRunner().invoke(main, ["batch", str(root / "2024报送"), "-o", str(out), "--jobs", "1",
                                       "--previous", str(root / source)])
    assert result.exit_code in (0, 1), result.output
    found = {u: [f for f in doc["findings"] if f["code"] == "previous-mismatch"] for u, doc in results(out).items()}
    assert found["甲单位"] == []
    assert {f["severity"] for f in found["乙单位"]} == {"error"}
    by_cell = {f["sheet"] + "!" + f["cell"]: f for f in found["乙单位"]}
    assert set(by_cell) == {"附件1!B8", "公开04!C36"}
    assert by_cell["公开04!C36"]["row_label"] == "政府性基金预算财政拨款"   # 行次 30, 年初财政拨款结转和结余
    assert by_cell["附件1!B8"]["values"] == {"填报值": last["乙"]["fj1.basic_final"] + 12.5,
                                            "上年报送值": last["乙"]["fj1.basic_final"]}
    assert "相差 12.5" in by_cell["附件1!B8"]["message"]
    assert "未填" in by_cell["公开04!C36"]["message"]


def test_generate_prefills_last_year_figures(two_years, tmp_path):
    root, last = two_years
    units = tmp_path / "units.csv"
    units.write_text("单位名称,单位编码\n甲单位,100001\n丙单位,100003\n", encoding="utf-8")
    out = tmp_path / "2024表样"
    result = CliRunner().invoke(main, ["generate", "--year", "2024", "--units", str(units), "--tables",
                                       ",".join(TABLES), "--previous", str(root / "2023结果"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "其中 1 个单位已预填上年数" in result.output
    book, plan = recognise(next(out.glob("100001*.xlsx")))
    values = read_cells(book, plan).values
    assert values["fj1.basic_prev"] == last["甲"]["fj1.basic_final"]
    assert values["gk01.opening"] == last["甲"]["gk01.closing"]
    assert values["gk04.opening_soc"] == last["甲"]["gk04.closing_soc"]
    book, plan = recognise(next(out.glob("100003*.xlsx")))
    assert "fj1.basic_prev" not in read_cells(book, plan).values   # no submission last year: left for the unit


def test_rerun_skips_unchanged_submissions_unless_forced(two_years):
    root, _ = two_years
    inbox, out = root / "2024报送", root / "2024重跑"
    args = ["batch", str(inbox), "-o", str(out), "--jobs", "1"]
    first = CliRunner().invoke(main, args)
    assert "沿用上次结果" not in first.output
    again = CliRunner().invoke(main, args)
    assert "内容未变沿用上次结果 2 份" in again.output and again.exit_code == first.exit_code
    forced = CliRunner().invoke(main, [*args, "--force"])
    assert "沿用上次结果" not in forced.output
    other = CliRunner().invoke(main, [*args, "--previous", str(root / "2023结果")])   # other settings: all again
    assert "沿用上次结果" not in other.output
