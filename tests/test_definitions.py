"""Definitions are checked when they load: cell syntax, formula allow-list, references, editions."""

from __future__ import annotations

import shutil

import pytest

from perftool.definitions import catalog
from perftool.definitions.cells import Formula, Input, Label, Merge, parse_cell
from perftool.definitions.references import check_functions
from perftool.definitions.workbook import available_tables, plan_workbook
from perftool.errors import DefinitionError, UsageError


def test_cell_mini_language():
    assert parse_cell("@inc_gpb", "amount", "t") == Input("inc_gpb", "amount")
    assert parse_cell("@ok:choice:是/否", "amount", "t") == Input("ok", "choice", ("是", "否"))
    assert parse_cell("=rate:percent: {a}/{b}", "amount", "t") == Formula("rate", "{a}/{b}", "percent")
    assert parse_cell("<", "amount", "t") == Merge("left") and parse_cell(32, "amount", "t") == Label(32)
    with pytest.raises(DefinitionError, match="未知的单元格类型“money”"):
        parse_cell("@x:money", "amount", "公开01 第3行")
    with pytest.raises(DefinitionError, match="公式单元格写法"):
        parse_cell("=SUM(A1:A3)", "amount", "t")


@pytest.mark.parametrize("expr", ["XLOOKUP({a},{b},{c})", "OFFSET({a},1,0)", "_xlfn.IFS({a}>1,1)", "INDIRECT(\"A1\")"])
def test_functions_outside_allow_list_are_refused(expr):
    with pytest.raises(DefinitionError, match="不在允许列表内"):
        check_functions(expr, "t")


def test_whole_column_ranges_are_refused():
    with pytest.raises(DefinitionError, match="整列"):
        check_functions("SUM(C:C)", "t")
    check_functions('IF({a}="A:B",1,0)', "t")  # text in quotes is not a range


def test_year_selects_edition():
    assert available_tables(2021) == ["bg", "fj1", "fj2", "pj", "xmzp"]
    assert available_tables(2022) == ["bg", "fj1", "fj2", "pj", "ys01", "ys01_1", "ys08", "ys09", "ys10", "ys11", "ys13",
                                      "ys14", "ys32", "ys33", "zt_sb", "xmsb", "xmzp"]  # the budget tables start with 2022
    assert available_tables(2030)[:9] == [f"gk0{i}" for i in range(1, 10)]
    assert plan_workbook(2023, tables=["gk01"]).editions == {"gk01": "2023"}
    with pytest.raises(UsageError, match="没有适用于 2022 年度的版本"):
        plan_workbook(2022, tables=["gk01"])
    with pytest.raises(UsageError, match="未知的表：gk99"):
        plan_workbook(2024, tables=["gk99"])


def test_scoresheet_brings_its_base_table():
    assert list(plan_workbook(2024, tables=["pj"]).layouts) == ["fj1", "pj"]


def test_repeat_rows_are_configurable_and_formulas_cover_them():
    plan = plan_workbook(2024, tables=["gk02", "fj1"], counts={"gk02.rows": 40, "*": 12})
    assert plan.counts == {"gk02.rows": 40, "fj1.special": 12}
    assert plan.formulas["gk02.total"].text == "SUMIF(J8:J47,3,C8:C47)"
    assert plan.formulas["fj1.special_prev"].text == "SUM(B17:B28)"  # 12 rows


def test_a_new_edition_is_new_yaml_not_new_code(tmp_path, monkeypatch):
    root = catalog.templates_dir()
    shutil.copytree(root, tmp_path / "templates")
    text = (tmp_path / "templates/tables/gk09/2023.yaml").read_text(encoding="utf-8")
    (tmp_path / "templates/tables/gk09/2026.yaml").write_text(text.replace("“三公”经费", "“三公”经费（新版）"),
                                                              encoding="utf-8")
    monkeypatch.setenv("PERFTOOL_TEMPLATES", str(tmp_path / "templates"))
    catalog.catalog.cache_clear()
    catalog.load_table.cache_clear()
    try:
        assert plan_workbook(2025, tables=["gk09"]).layouts["gk09"].table.edition == "2023"
        new = plan_workbook(2026, tables=["gk09"]).layouts["gk09"].table
        assert new.edition == "2026" and "新版" in new.title
    finally:
        catalog.catalog.cache_clear()
        catalog.load_table.cache_clear()


def test_bad_reference_names_the_file(tmp_path, monkeypatch):
    shutil.copytree(catalog.templates_dir(), tmp_path / "templates")
    path = tmp_path / "templates/tables/gk09/2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("{b_recep}", "{b_reception}", 1), encoding="utf-8")
    monkeypatch.setenv("PERFTOOL_TEMPLATES", str(tmp_path / "templates"))
    catalog.catalog.cache_clear()
    catalog.load_table.cache_clear()
    try:
        with pytest.raises(DefinitionError, match=r"templates/tables/gk09/2023.yaml：引用 \{b_reception\} 找不到字段"):
            plan_workbook(2024, tables=["gk09"])
    finally:
        catalog.catalog.cache_clear()
        catalog.load_table.cache_clear()


def test_table_sets_choose_the_tables_and_travel_in_the_identity(tmp_path):
    from perftool.definitions.catalog import table_set
    from perftool.generate.render import render
    from perftool.read.workbook import recognise

    assert table_set(None).id == "juesuan-zhengti"                       # the default keeps the old workbook
    assert list(plan_workbook(2024).layouts) == [*(f"gk0{i}" for i in range(1, 10)), "fj1", "fj2", "pj"]
    assert list(plan_workbook(2022).layouts) == ["fj1", "fj2", "pj"]      # no 公开 edition before 2023
    plan = plan_workbook(2024, "单位", "1", set_name="决算公开（全国）")      # chosen by its Chinese name
    assert plan.table_set == "juesuan" and list(plan.layouts)[-1] == "gk09"
    path = tmp_path / "set.xlsx"
    render(plan, plan.default_inputs(), path)
    assert recognise(path)[1].table_set == "juesuan"
    with pytest.raises(UsageError, match="未知的表套：预算"):
        plan_workbook(2024, set_name="预算")
    with pytest.raises(UsageError, match="不属于表套"):
        plan_workbook(2024, tables=["gk01"], set_name="zhengti")
