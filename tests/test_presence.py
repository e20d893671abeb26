"""Presence: a required table absent or left blank is one clear finding naming it; a rule whose table is absent
is reported once per table, never dropped silently."""

from __future__ import annotations

import pytest

from perftool.assess import assess
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from perftool.synthetic import random_inputs
from consistent import shanghai_inputs

NATIONAL = ["gk01", "gk02", "gk03", "gk04", "gk05", "gk06", "gk07", "gk08", "gk09"]


def assessed(plan, tmp_path, inputs):
    path = tmp_path / "w.xlsx"
    render(plan, {**plan.default_inputs(), **inputs}, path)
    return assess(path)


def presence(a):
    return [f for f in a.findings if f.code in ("table-missing", "table-empty", "rules-not-applied")]


def test_absent_required_table_is_one_error_naming_it(tmp_path):
    plan = plan_workbook(2024, "测试单位", "1", [t for t in NATIONAL if t != "gk03"], set_name="juesuan")
    a = assessed(plan, tmp_path, random_inputs(plan, 3))
    [f] = presence(a)                    # 公开09 against 附件1 (not in this set) is a link, not reported as missing
    assert (f.code, f.severity, f.table, f.sheet, f.cell) == ("table-missing", "error", "gk03", None, None)
    assert f.message == ("缺少必报表 公开03表 支出决算表；需要该表的 6 条审核公式未执行（gk01-gk03-expense、"
                         "gk01-gk03-classes、gk05-gk03-classes、gk03-hierarchy、gk03-gk05-basic、gk03-gk05-project）。请使用下发的完整表样填报")


def test_blank_required_table_is_one_error_naming_it(tmp_path):
    plan = plan_workbook(2024, "测试单位", "1", set_name="juesuan")
    filled = {k: v for k, v in random_inputs(plan, 3).items() if not k.startswith("gk03.")}
    a = assessed(plan, tmp_path, filled)
    [f] = presence(a)
    assert (f.code, f.severity, f.table, f.sheet, f.cell) == ("table-empty", "error", "gk03", "公开03", "D8")
    assert f.message == "必报表 公开03表 支出决算表 未填写任何数据，请填报"


@pytest.mark.parametrize("note, expected", [(None, ["sh08"]), ("说明：本单位本年度没有政府性基金预算财政拨款收入和支出，故本表无数据。", [])])
def test_empty_table_must_carry_its_note(tmp_path, note, expected):
    plan = plan_workbook(2024, "上海市测试局", "1", set_name="juesuan-shanghai")
    a = assessed(plan, tmp_path, {**shanghai_inputs(), "sh08.empty_note": note})
    assert [f.table for f in presence(a)] == expected
    if expected:
        [f] = presence(a)
        assert (f.code, f.severity, f.sheet, f.cell) == ("table-empty", "error", "表八", "C17")
        assert f.message == ("必报表 表八 政府性基金预算财政拨款收入支出决算表 未填写任何数据，也没有说明；本单位无此类收支的，"
                             "请在表八!C17“说明”栏写明“本单位本年度没有……，故本表无数据”")


def test_empty_sangong_table_needs_its_note_in_shanghai(tmp_path):
    plan = plan_workbook(2024, "上海市测试局", "1", set_name="juesuan-shanghai")
    sangong = {k: None for k in shanghai_inputs() if k.startswith("sh07.")}
    a = assessed(plan, tmp_path, {**shanghai_inputs(), **sangong})
    assert [(f.code, f.table, f.cell) for f in presence(a)] == [("table-empty", "sh07", "B9")]
    a = assessed(plan, tmp_path, {**shanghai_inputs(), **sangong,
                                  "sh07.empty_note": "上海市测试局 2024 年度无“三公”经费财政拨款支出。"})
    assert presence(a) == []


def test_rule_of_an_absent_optional_table_is_reported_once(tmp_path):
    plan = plan_workbook(2024, "测试单位", "1", ["gk01", "gk02", "gk04", "gk09"])     # no set: nothing required
    a = assessed(plan, tmp_path, random_inputs(plan, 5))
    assert [(f.code, f.severity, f.table, f.values["审核公式"]) for f in presence(a)] == [
        ("rules-not-applied", "warning", "gk03", 2), ("rules-not-applied", "warning", "gk05", 2),
        ("rules-not-applied", "warning", "gk07", 2), ("rules-not-applied", "warning", "fj1", 1)]
