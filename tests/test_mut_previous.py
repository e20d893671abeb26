"""上年数 checked against last year's report, unit by unit: the exact finding per case, and what is read back."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from perftool.audit.previous import Reported, check_previous, last_year, load_reported, pairs, prefill, unit_key
from perftool.definitions.workbook import plan_workbook
from perftool.read.failures import UnreadableWorkbook

PLAN = plan_workbook(2024, "甲单位", "100001", ["gk01", "fj1"])
BEFORE = Reported("甲单位", "100001", 2023, "甲_2023.json", {"gk01.closing": 120.5, "fj1.basic_final": 80.0,
                                                            "fj1.public_final": "——"})


def test_the_carried_over_pairs_of_a_plan():
    found = {(f.key, source) for f, source in pairs(PLAN)}
    assert ("gk01.opening", "gk01.closing") in found and ("fj1.basic_prev", "fj1.basic_final") in found
    assert all(f.key.split(".")[0] == source.split(".")[0] for f, source in pairs(PLAN))


def test_figures_within_half_a_cent_agree():
    assert check_previous(PLAN, {"gk01.opening": 120.505, "fj1.basic_prev": 79.995}, BEFORE) == []


def test_a_different_figure_is_an_error_with_both_values():
    [f] = check_previous(PLAN, {"gk01.opening": 120.52, "fj1.basic_prev": 80}, BEFORE)
    assert (f.code, f.severity, f.sheet, f.cell) == ("previous-mismatch", "error", "公开01", "C35")
    assert f.values == {"填报值": 120.52, "上年报送值": 120.5}
    assert f.cells == ["2023年度 gk01.closing"]
    assert f.message == ("公开01!C35（年初结转和结余／金额） 填报 120.52，与本单位 2023 年度报送的 120.50（甲_2023.json）不一致，"
                         "相差 0.02")


def test_a_blank_figure_is_asked_for():
    [f] = check_previous(PLAN, {"fj1.basic_prev": 80}, BEFORE)
    assert f.values == {"填报值": None, "上年报送值": 120.5}
    assert f.message == "公开01!C35（年初结转和结余／金额） 未填；本单位 2023 年度报送的 120.50（甲_2023.json），请照填"


def test_prefill_takes_last_year_figures_that_are_numbers():
    assert prefill(PLAN, BEFORE) == {"gk01.opening": 120.5, "fj1.basic_prev": 80.0}


def test_units_are_matched_by_code_else_by_name_and_the_year_before():
    assert unit_key("甲单位", "100001") == "code:100001" and unit_key("甲单位", "") == "name:甲单位"
    reported = {("code:100001", 2023): BEFORE, ("code:100001", 2022): BEFORE}
    assert last_year(reported, PLAN) is BEFORE
    assert last_year({("code:100001", 2022): BEFORE}, PLAN) is None


def result(unit, code, year, tables, fmt="perftool-score/1"):
    return {"format": fmt, "unit": unit, "unit_code": code, "year": year, "data": {"tables": tables}}


def test_last_year_results_are_read_from_the_batch_output(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "甲.json").write_text(json.dumps(result("甲单位", "100001", 2023, {
        "gk01": {"closing": 120.5, "inc_gpb": 9}, "fj1": None})), encoding="utf-8")
    (tmp_path / "乙.json").write_text(json.dumps(result("乙单位", "", 2023, {"gk01": {"closing": 7}})), encoding="utf-8")
    (tmp_path / "other.json").write_text(json.dumps(result("丙单位", "3", 2023, {}, fmt="x")), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    found = load_reported(tmp_path)
    assert set(found) == {("code:100001", 2023), ("name:乙单位", 2023)}
    assert found[("code:100001", 2023)] == Reported("甲单位", "100001", 2023, "甲.json", {"gk01.closing": 120.5})
    assert found[("name:乙单位", 2023)].values == {"gk01.closing": 7}


def test_the_first_result_of_a_unit_and_year_is_kept(tmp_path):
    for name, closing in (("1.json", 1), ("2.json", 2)):
        (tmp_path / name).write_text(json.dumps(result("甲单位", "100001", 2023, {"gk01": {"closing": closing}})),
                                     encoding="utf-8")
    assert load_reported(tmp_path)[("code:100001", 2023)].values == {"gk01.closing": 1}


def test_a_result_without_tables_or_unit_name_is_read_as_it_is(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"format": "perftool-score/1", "unit_code": "7", "year": 2023,
                                                 "data": {}}), encoding="utf-8")
    assert load_reported(tmp_path) == {("code:7", 2023): Reported("", "7", 2023, "x.json", {})}


class Unreadable(UnreadableWorkbook):
    def __init__(self):
        super().__init__("not-perftool", "a.xlsx", "坏文件")


def test_without_results_last_year_workbooks_are_read_skipping_lock_and_hidden_files(tmp_path):
    for name in ("a.xlsx", "b.xlsx", "~$c.xlsx", ".d.xlsx"):
        (tmp_path / name).write_bytes(b"")
    seen = []

    def assess_file(path):
        seen.append(path.name)
        if path.name == "a.xlsx":
            raise Unreadable()
        return SimpleNamespace(plan=SimpleNamespace(unit="乙单位", unit_code="", year=2023),
                               as_filed={"gk01.closing": 7, "gk01.inc_gpb": 1})

    found = load_reported(tmp_path, assess_file)
    assert seen == ["a.xlsx", "b.xlsx"]
    assert found == {("name:乙单位", 2023): Reported("乙单位", "", 2023, "b.xlsx", {"gk01.closing": 7})}


def test_workbooks_are_not_read_when_results_exist(tmp_path):
    (tmp_path / "甲.json").write_text(json.dumps(result("甲单位", "1", 2023, {})), encoding="utf-8")
    (tmp_path / "b.xlsx").write_bytes(b"")
    assert set(load_reported(tmp_path, lambda path: pytest.fail("read a workbook"))) == {("code:1", 2023)}


def test_a_unit_without_code_is_found_by_name_last_year():
    plan = plan_workbook(2024, "乙单位", "", ["gk01"])
    assert last_year({("name:乙单位", 2023): BEFORE}, plan) is BEFORE


def test_every_carried_figure_is_checked_after_one_last_year_left_blank():
    before = Reported("甲单位", "100001", 2023, "甲.json", {"fj1.public_final": "——", "fj1.office_final": 3.0})
    found = check_previous(PLAN, {"fj1.office_prev": 4}, before)
    assert [(f.cell, f.values) for f in found] == [("B10", {"填报值": 4, "上年报送值": 3.0})]


def test_figures_after_ones_last_year_lacks_are_still_checked():
    before = Reported("甲单位", "100001", 2023, "甲_2023.json", {"fj1.basic_final": 80.0})
    [f] = check_previous(PLAN, {"gk01.opening": 5, "fj1.basic_prev": 81}, before)
    assert (f.code, f.sheet, f.values) == ("previous-mismatch", "附件1", {"填报值": 81, "上年报送值": 80.0})


def test_figures_after_one_that_agrees_are_still_checked():
    [f] = check_previous(PLAN, {"gk01.opening": 120.5, "fj1.basic_prev": 81}, BEFORE)
    assert (f.code, f.sheet, f.values) == ("previous-mismatch", "附件1", {"填报值": 81, "上年报送值": 80.0})
