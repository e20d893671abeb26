"""Golden tests over seed 004 (平江县行政审批服务局 2022 部门预算公开): the figures the budget tables print, their
identities across tables, and the one misplacement the seed makes (预算01 vs 01-1, line by line)."""

from __future__ import annotations

import pytest

from perftool.definitions.catalog import table_set
from perftool.definitions.workbook import plan_workbook

BUDGET = "004_pingjiang_2022_budget"


def r2(x):
    return round(x, 2)


def test_budget_set_is_chosen_by_name_and_recorded(example):
    s = table_set("预算公开 2022（湖南县级）")
    assert s.id == "yusuan-hunan-county"
    assert s.tables == ("ys01", "ys01_1", "ys08", "ys09", "ys10", "ys11", "ys13", "ys14", "ys32", "ys33", "zt_sb")
    assert list(plan_workbook(2022, set_name=s.name).layouts) == list(s.tables)
    assert table_set(None).id == "juesuan-zhengti" and "ys01" not in table_set(None).tables
    _, a = example(BUDGET)
    assert a.plan.table_set == "yusuan-hunan-county"
    assert a.to_dict()["template"]["set"] == "yusuan-hunan-county"


def test_ys01_three_classifications_sum_to_the_same_total(example):
    _, a = example(BUDGET)
    c = a.computed
    assert r2(c["ys01.inc_total"]) == r2(c["ys01.grand_in"]) == 1296.69
    assert r2(c["ys01.exp_201"] + c["ys01.exp_208"] + c["ys01.exp_221"]) == r2(c["ys01.func_total"]) == 1296.69
    assert (r2(c["ys01.basic"]), r2(c["ys01.project"]), r2(c["ys01.dept_total"])) == (555.30, 741.39, 1296.69)
    assert (c["ys01.g_wage"], c["ys01.g_goods"], r2(c["ys01.gov_total"])) == (462.25, 834.44, 1296.69)
    assert r2(c["ys01.func_grand"]) == r2(c["ys01.dept_grand"]) == r2(c["ys01.gov_grand"]) == 1296.69


def test_ys08_to_ys11_rows_and_columns(example):
    _, a = example(BUDGET)
    c = a.computed
    assert r2(c["ys08.sum_total"]) == r2(c["ys08.dept_total"]) == r2(c["ys08.units[0].total"]) == 462.25
    assert (r2(c["ys08.sum_wage"]), r2(c["ys08.sum_social"]), c["ys08.sum_housing"], c["ys08.sum_other"]) == \
        (290.52, 70.06, 33.07, 68.60)
    assert r2(c["ys08.sum_wage"] + c["ys08.sum_social"] + c["ys08.sum_housing"] + c["ys08.sum_other"]) == 462.25
    assert (c["ys08.sum_pension"], c["ys08.sum_medical"], r2(c["ys08.sum_other_social"])) == (46.48, 20.67, 2.91)
    assert c["ys08.items[0].name"] == "行政运行" and r2(c["ys08.items[0].total"]) == 382.70
    assert r2(c["ys08.items[0].social"]) == 23.58
    assert r2(c["ys09.sum_total"]) == 462.25 and r2(c["ys09.sum_org"]) == 462.25
    assert r2(c["ys10.sum_total"]) == r2(c["ys11.sum_total"]) == 93.05
    assert sum(1 for k in a.plan.layouts["ys10"].fields if k.startswith("ys10.items[0].") and c.get(k)
               and not k.endswith((".code", ".unit", ".name", ".total"))) == 15
    assert (c["ys11.sum_office"], c["ys11.sum_meeting"], c["ys11.sum_training"], c["ys11.sum_recep"],
            c["ys11.sum_repair"], c["ys11.sum_other"]) == (78.10, 1.00, 1.71, 3.24, 1.00, 8.00)
    assert r2(c["ys01.basic"]) == r2(c["ys08.sum_total"] + c["ys10.sum_total"] + c["ys13.sum_total"]) == 555.30
    assert c["ys13.sum_total"] == 0  # all zero: valid


def test_projects_sangong_and_staff(example):
    _, a = example(BUDGET)
    c = a.computed
    amounts = [c[f"ys14.projects[{i}].amount"] for i in range(9)]
    assert amounts == [200, 10, 20, 110, 164.64, 24, 122.75, 20, 70]
    assert r2(c["ys14.total"]) == r2(c["ys01.project"]) == 741.39
    assert r2(c["ys33.sum_total"]) == c["ys33.sum_recep"] == c["ys10.sum_recep"] == r2(c["zt_sb.sg_total"]) == 3.24
    assert (c["ys32.sum_quota"], c["ys32.sum_quota_admin"], c["ys32.sum_quota_inst"]) == (54, 8, 46)
    assert (c["ys32.sum_actual"], c["ys32.sum_serving"], c["ys32.sum_retired"]) == (50, 49, 1)
    assert (c["ys32.sum_admin"], c["ys32.sum_full"]) == (18, 31)
    assert (c["zt_sb.staff_quota"], r2(c["zt_sb.inc_total"]), r2(c["zt_sb.exp_total"])) == (54, 1296.69, 1296.69)


def test_ys01_vs_ys01_1_misplacement_is_an_error_at_both_lines(example):
    """The totals agree (1,296.69), so only the line-by-line check finds it; nothing else is reported."""
    _, a = example(BUDGET)
    assert r2(a.computed["ys01_1.out_now"]) == r2(a.computed["ys01.func_total"]) == 1296.69
    by_cell = {f"{f.sheet}!{f.cell}": f for f in a.findings}
    assert set(by_cell) == {"预算01!D13", "预算01-1!D15"}
    ys01, ys01_1 = by_cell["预算01!D13"], by_cell["预算01-1!D15"]
    for f in (ys01, ys01_1):
        assert (f.code, f.severity, f.rule) == ("identity-mismatch", "error", "ys01_1-ys01-lines")
        assert f.values == {"本表": 46.48, "对应表": 0.0, "差额": 46.48}
    assert ys01.row_label == "八、社会保障和就业支出" and ys01.cells == ["预算01-1!D14", "预算01-1!D15"]
    assert ys01_1.row_label == "（九）社会保险支出" and ys01_1.cells == ["预算01!D14", "预算01!D13"]
    assert "46.48 ≠ 预算01-1!D14（（八）社会保障和就业支出）0.00" in ys01.message
    assert ys01.message.endswith("预算01-1!D15（（九）社会保险支出）填有同一金额，疑为填错行次")
    assert ys01_1.message.endswith("预算01!D13（八、社会保障和就业支出）填有同一金额，疑为填错行次")
    assert (a.errors, a.warnings) == (2, 0)


def budget_workbook(tmp_path, change):
    """Seed 004's budget workbook with ``change(data)`` applied, generated and assessed."""
    from perftool.assess import assess
    from perftool.data import flatten, load_data, row_counts
    from perftool.generate.render import render
    from conftest import EXAMPLES

    data = load_data(EXAMPLES / f"{BUDGET}.yaml")
    change(data["tables"])
    w = data["workbook"]
    plan = plan_workbook(w["year"], w["unit"], w["unit_code"], counts=row_counts(data), set_name=w["set"])
    path = tmp_path / "budget.xlsx"
    render(plan, {**plan.default_inputs(), **flatten(data, plan)}, path)
    return assess(path)


def test_line_check_applies_only_when_all_money_is_fiscal(tmp_path):
    """With 上年结转 outside 预算01-1 the two tables no longer restate each other; the check stands down."""
    def carry(tables):
        tables["ys01"].update(carry_in=10, carry_out=10)
    a = budget_workbook(tmp_path, carry)
    assert a.findings == []


def test_identities_across_tables_are_checked(tmp_path):
    def break_them(tables):
        tables["ys10"]["items"][0]["recep"] = 5.24   # 预算10 三公 公务接待 above 预算33's; 10 ≠ 11; 基本支出 ≠ 08+10
        tables["zt_sb"]["staff_quota"] = 50           # 申报表 编制 ≠ 预算32
    a = budget_workbook(tmp_path, break_them)
    found = {(f.rule, f.sheet, f.cell, f.severity) for f in a.findings if f.rule != "ys01_1-ys01-lines"}
    assert ("ys33-ys10-lines", "预算33", "D6", "error") in found
    assert ("ys10-ys11-total", "预算10", "D6", "error") in found
    assert ("ys01-basic", "预算01", "F6", "error") in found
    assert ("zt_sb-ys32-quota", "整体申报表", "C6", "error") in found
    assert ("ys10-ys11-lines", "预算10", "T6", "error") in found  # 公务接待费 column


# --- budget → year-end links (batch --budget) ----------------------------------------------------------------

def submit(folder, name, plan, inputs):
    from perftool.generate.render import render

    path = folder / f"{name}.xlsx"
    render(plan, {**plan.default_inputs(), **inputs}, path)
    return path


@pytest.fixture(scope="module")
def budget_and_year_end(tmp_path_factory):
    """2023 budgets (seed 004's figures) of 甲 (matched by code) and 乙 (no code: matched by name), their batch
    output, and 2023 year-end submissions: 甲 restates its budget exactly, 乙 does not."""
    from click.testing import CliRunner

    from conftest import EXAMPLES
    from perftool.cli import main
    from perftool.data import flatten, load_data, row_counts

    root = tmp_path_factory.mktemp("budget")
    budgets, year_end = root / "预算报送", root / "决算报送"
    budgets.mkdir()
    year_end.mkdir()
    data = load_data(EXAMPLES / f"{BUDGET}.yaml")
    for unit, code in (("甲单位", "100001"), ("乙单位", "")):
        plan = plan_workbook(2023, unit, code, counts=row_counts(data), set_name="yusuan-hunan-county")
        submit(budgets, f"预算_{unit}", plan, flatten(data, plan))
    result = CliRunner().invoke(main, ["batch", str(budgets), "-o", str(root / "预算结果"), "--jobs", "1"])
    assert result.exit_code == 1, result.output  # seed 004's 01/01-1 misplacement
    restated = {"fj1.basic_budget": 555.3, "fj1.business_budget": 741.39, "fj1.carbuy_budget": 0,
                "fj1.carrun_budget": 0, "fj1.abroad_budget": 0, "fj1.recep_budget": 3.24,
                "fj2.budget_initial": 1296.69, "fj2.satisfied[0].name": "办事对象满意度",
                "fj2.satisfied[0].target": "98%以上", "gk09.b_abroad": 0, "gk09.b_car_buy": 0, "gk09.b_car_run": 0,
                "gk09.b_recep": 3.24}
    tables = ["gk09", "fj1", "fj2"]
    submit(year_end, "决算_甲单位", plan_workbook(2023, "甲单位", "100001", tables), restated)
    other = {**restated, "fj1.recep_budget": 5, "gk09.b_recep": 4, "fj2.satisfied[0].target": "95%"}
    submit(year_end, "决算_乙单位", plan_workbook(2023, "乙单位", "200002", tables), other)
    return root


@pytest.mark.parametrize("source", ["预算结果", "预算报送"])  # the budget batch's JSON results, or its workbooks
def test_budget_links_year_end_figures_to_the_units_budget(budget_and_year_end, source):
    import json

    from click.testing import CliRunner

    from perftool.cli import main

    root = budget_and_year_end
    out = root / f"决算结果_{source}"
    result = CliRunner().invoke(main, ["batch", str(root / "决算报送"), "-o", str(out), "--jobs", "1",
                                       "--budget", str(root / source)])
    assert result.exit_code in (0, 1), result.output
    assert "找到 2 个单位的部门预算" in result.output
    docs = {d["unit"]: d for d in (json.loads(p.read_text(encoding="utf-8")) for p in (out / "结果").glob("*.json"))}
    codes = ("budget-mismatch", "budget-adjusted", "budget-target-changed")
    found = {u: {f["sheet"] + "!" + f["cell"]: f for f in d["findings"] if f["code"] in codes} for u, d in docs.items()}
    assert found["甲单位"] == {}
    assert set(found["乙单位"]) == {"附件1!C52", "公开09!F8", "附件2!E50"}
    recep = found["乙单位"]["附件1!C52"]
    assert (recep["code"], recep["severity"]) == ("budget-mismatch", "error")
    assert recep["values"] == {"填报值": 5, "预算数": 3.24}
    assert "与本单位 2023 年度部门预算 预算33!D6（合计／公务接待费） 3.24" in recep["message"] and "相差 1.76" in recep["message"]
    adjusted = found["乙单位"]["公开09!F8"]
    assert (adjusted["code"], adjusted["severity"], adjusted["values"]) == \
        ("budget-adjusted", "warning", {"填报值": 4, "预算数": 3.24})
    target = found["乙单位"]["附件2!E50"]
    assert (target["code"], target["severity"]) == ("budget-target-changed", "warning")
    assert target["values"] == {"填报值": "95%", "申报值": "98%以上"}


# --- LibreOffice -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [None, 1])  # seed 004's figures, then random ones in every input
def test_libreoffice_recalculates_a_filled_budget_workbook_to_perftools_figures(example, tmp_path, seed):
    import openpyxl

    from libreoffice import recalculate, soffice
    from perftool.generate.render import render
    from perftool.synthetic import random_inputs
    from test_libreoffice import same

    if soffice() is None:
        pytest.skip("LibreOffice 未安装（make test 会自动安装）")
    path, a = example(BUDGET)
    plan = a.plan
    if seed:
        path = tmp_path / "in" / "random.xlsx"
        render(plan, {**plan.default_inputs(), **random_inputs(plan, seed)}, path)
    values = a.as_filed if seed is None else None
    out = recalculate([path], tmp_path / "out", tmp_path / "profile")
    book = openpyxl.load_workbook(out[0], data_only=True)
    if values is None:
        from perftool.assess import assess

        values = assess(path).as_filed
    mismatches = []
    for key in plan.formulas:
        f = plan.field(key)
        theirs = book[f.sheet][f.cell].value
        assert not (isinstance(theirs, str) and theirs.startswith("#")), f"{f.sheet}!{f.cell} {theirs}"
        if not same(values[key], theirs):
            mismatches.append((key, f.cell, values[key], theirs))
    assert mismatches == []
    assert len(plan.formulas) > 300
    assert sum(1 for k in plan.formulas if isinstance(values[k], float) and values[k]) > (250 if seed else 150)


def test_every_budget_mapping_names_real_fields():
    """A misspelt field in a ``budget:`` or ``budget_targets:`` mapping would silently check nothing."""
    from perftool.audit.budget import _budget_field, budget_sources, links
    from perftool.definitions.catalog import catalog, editions, load_table

    year_end = [t for t in catalog()["order"] if load_table(t, editions(t)[-1]).budget]
    assert year_end == ["gk09", "fj1", "fj2"]
    plan = plan_workbook(2023, tables=year_end)
    assert {(lk.field.key, lk.source, lk.severity) for lk in links(plan)} >= {
        ("fj1.recep_budget", "ys33.sum_recep", "error"), ("fj2.budget_initial", "ys01.grand_in", "error"),
        ("gk09.b_recep", "ys33.sum_recep", "warning")}
    fields, groups = budget_sources()
    assert len(fields) == 7 and all(_budget_field(2022, key).key == key for key in fields)
    budget = plan_workbook(2022, set_name="yusuan-hunan-county")
    assert all(g.split(".")[1] in budget.layouts["zt_sb"].blocks for g in groups) and len(groups) == 8
    assert all(b in plan.layouts["fj2"].blocks for b in load_table("fj2", 2021).budget_targets)


def test_units_are_matched_by_code_then_by_name():
    from perftool.audit.budget import Budget, budget_for

    a, b, c = (Budget("甲单位", "100001", 2023, "a.json", {}), Budget("乙单位", "", 2023, "b.json", {}),
               Budget("丙单位", "100003", 2022, "c.json", {}))
    budgets = [a, b, c]
    assert budget_for(budgets, plan_workbook(2023, "改名后的甲", "100001", ["fj1"])) is a   # code wins over name
    assert budget_for(budgets, plan_workbook(2023, "乙单位", "200002", ["fj1"])) is b        # no code in the budget
    assert budget_for(budgets, plan_workbook(2023, "甲单位", "999999", ["fj1"])) is None     # two codes: two units
    assert budget_for(budgets, plan_workbook(2023, "丙单位", "100003", ["fj1"])) is None     # another year


def test_blank_budget_templates_look_like_the_seeds_tables(tmp_path):
    """Titles, 单位：万元 (人 for 预算32), merged column groups, the 栏次 row as printed, landscape where wide,
    protection with only the inputs unlocked."""
    import openpyxl

    from perftool.generate.render import render

    plan = plan_workbook(2022, "平江县行政审批服务局", "124001", set_name="yusuan-hunan-county")
    path = tmp_path / "blank.xlsx"
    render(plan, plan.default_inputs(), path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:11] == ["预算01", "预算01-1", "预算08", "预算09", "预算10", "预算11", "预算13", "预算14",
                                    "预算32", "预算33", "整体申报表"]
    ws = book["预算08"]
    assert (ws["A1"].value, ws["A2"].value, ws["V3"].value) == ("预算08表", "基本支出预算明细表—工资福利支出", "单位：万元")
    assert [ws.cell(7, c).value for c in range(4, 23)] == [*range(1, 17), 18, 19, 20]   # 栏次: the seed skips 17
    assert {"E4:I4", "J4:R4", "O5:R5"} <= {str(r) for r in ws.merged_cells.ranges}   # 工资性支出, 社会保障缴费, 其他
    assert book["预算32"].cell(3, 35).value == "单位：人"
    assert {s for s in book.sheetnames[:11] if book[s].page_setup.orientation == "landscape"} == \
        {"预算01", "预算08", "预算10", "预算11", "预算32"}
    for name in book.sheetnames[:11]:
        assert book[name].protection.sheet, name
    f = plan.field("ys08.items[0].basic")
    assert book["预算08"][f.cell].protection.locked is False
    assert book["预算08"][plan.field("ys08.sum_total").cell].protection.locked is True
