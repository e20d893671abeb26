"""Project-level performance: one sheet per project, the project tables, and the seed examples (002 自评表, 004 申报表)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perftool.assess import assess
from perftool.audit.targets import Declared, check_targets, load_declared
from perftool.cli import main
from perftool.definitions.projects import sheet_name
from perftool.definitions.workbook import plan_workbook
from perftool.read.failures import UnreadableWorkbook
from sides import sides

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
                             "3.荆门市政务服务中心大楼信息系统运维服务二期扩容及配套", "审核结果", "_perftool"]
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


# --- 002 荆门市行政审批局 2023: seven 项目支出绩效自评表 (荆门式) ------------------------------------------------------

def findings(a, code):
    return [f for f in a.findings if f.code == code]


def where(fs):
    return sorted((f.sheet, f.cell, f.severity) for f in fs)


JINGMEN = ["1.行政审批办公楼租赁及运行", "2.行政审批事务管理", "3.购买导办帮办服务", "4.证照邮寄费",
           "5.荆门市政务服务中心大楼信息系统运维服务", "6.信息系统租赁云资源", "7.荆门市政务信息系统三级等保测评"]


def test_jingmen_seven_execution_rates_and_scores(example):
    _, a = example("002_jingmen_2023_projects")
    assert [p.sheet for p in a.projects] == JINGMEN
    assert [p.rate for p in a.projects] == [0.874, 0.5093, 1.0, 0.241, 0.0, 0.0, 0.0]
    assert [p.budget for p in a.projects] == [2057, 73.9, 120, 10, 16, 145, 125]
    assert round(sum(p.executed for p in a.projects), 2) == 1957.82 and sum(p.budget for p in a.projects) == 2546.9
    execution = [p.scores.indicators[0] for p in a.projects]
    assert [i.score for i in execution] == [8.74, 5.09, 10.0, 2.41, 0.0, 0.0, 0.0]
    assert [i.self_score for i in execution] == [8.7, 5.09, 10.0, 2.41, 0.0, 0.0, 0.0]  # printed 87%, 24.08%
    assert execution[0].reason == ("执行率 87.40%（执行数 1,797.77 ÷ 预算数 2,057.00），得分 = 分值 10 × 执行率 = 8.74")
    # totals: 执行率 score + indicator scores (a suggestion where the row can be judged, else the unit's 得分)
    assert [p.scores.total for p in a.projects] == [88.74, 85.09, 90.0, 82.05, 80.0, 80.0, 80.0]
    assert [p.scores.self_total for p in a.projects] == [88.7, 85.09, 90.0, 82.41, 80.0, 80.0, 80.0]
    # a grade only where every row could be judged: 415000 (1), restated targets (2, 5–7) leave it to the evaluator
    assert [p.scores.grade for p in a.projects] == [None, None, "优", "良", None, None, None]
    assert all(i.reason for p in a.projects for i in p.scores.indicators)


def test_jingmen_indicator_method(example):
    _, a = example("002_jingmen_2023_projects")
    p4 = {i.name: i for i in a.projects[3].scores.indicators}
    assert p4["全年免费邮寄费用"].score == 9.64 and p4["全年免费邮寄费用"].self_score == 10
    assert p4["全年免费邮寄费用"].reason == ("反向指标（成本类指标，按反向指标）：完成值 1.38 超过指标值 1.33，"
                                      "按指标值/完成值 96.38% 得 9.64 分")
    assert p4["全年免费邮寄数量"].score == 20
    p1 = {i.name: i for i in a.projects[0].scores.indicators}
    assert p1["证照下发审核准确率"].score is None and "415000%" in p1["证照下发审核准确率"].reason
    assert p1["节约办事群众时间、财力"].score == 10
    assert p1["节约办事群众时间、财力"].reason.startswith("定性指标：完成情况“达成预期指标”含“达成”，属“达成”档（分值的 80%–100%")


def test_jingmen_contradictions_at_their_cells(example):
    _, a = example("002_jingmen_2023_projects")
    over = findings(a, "percent-over-100")
    assert where(over) == [(JINGMEN[0], "H24", "error")]
    assert over[0].values == {"完成值": "415000", "单位": "%", "指标值": "100"}
    printed = findings(a, "formula-replaced")
    assert where(printed) == [(JINGMEN[0], "H34", "warning"), (JINGMEN[3], "H34", "warning")]
    assert [(f.values["填报值"], round(f.values["按公式计算"], 4)) for f in printed] == [(0.87, 0.874), (0.2408, 0.241)]
    zero = findings(a, "zero-execution-full-marks")
    assert where(zero) == [(JINGMEN[4], "H38", "warning"), (JINGMEN[5], "H37", "warning"), (JINGMEN[6], "H38", "warning")]
    assert zero[0].values["产出指标得分"] == 40
    restated = findings(a, "actual-restates-target")
    assert len(restated) == 1 + 7 + 3 + 7  # project 2: ≤5; 5 and 7: ≤1% ≤2小时 ≥99% ≤30分钟 ≥5个 ≥90% ≥95%; 6: three
    assert {f.sheet for f in restated} == {JINGMEN[1], JINGMEN[4], JINGMEN[5], JINGMEN[6]}
    first = next(f for f in restated if f.sheet == JINGMEN[4])
    assert (first.cell, first.values) == ("H26", {"指标值": "≤1%", "完成值": "≤1%"})
    cost = findings(a, "cost-over-target")
    assert where(cost) == [(JINGMEN[3], "J24", "warning")]
    assert cost[0].values == {"指标值": "1.33", "完成值": "1.38", "填报得分": 10, "建议得分": 9.64}
    below = findings(a, "annual-below-longterm")
    assert where(below) == [(JINGMEN[3], "G23", "warning"), (JINGMEN[5], "G25", "warning")]
    assert [f.values for f in below] == [{"年度目标值": "1128", "长期目标值": "1132"},
                                         {"年度目标值": "≥158", "长期目标值": "≥160"}]
    weights = findings(a, "section-weight-differs")
    assert len(weights) == 7 and all(f.values["指标分值合计"] == 80 and f.values["规则分值"] == 90 for f in weights)
    assert weights[0].message.startswith("指标分值合计 80，评分规则 项目支出绩效自评评分（全国通行方法） 为 90")
    assert a.errors == 1


def test_another_rule_set_accepts_seed_002_weights(example, tmp_path, monkeypatch):
    import shutil

    from perftool.definitions import catalog
    from perftool.score.projects import project_ruleset

    root = tmp_path / "templates"
    shutil.copytree(catalog.templates_dir(), root)
    text = (root / "rules" / "xiangmu-2020.yaml").read_text(encoding="utf-8")
    text = text.replace("execution: {max: 10, cap: 1}", "execution: {max: 20, cap: 1}")
    text = text.replace("{name: 产出指标, max: 50, includes: [成本指标]}", "{name: 产出指标, max: 40, includes: [成本指标]}")
    (root / "rules" / "hubei-20.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("PERFTOOL_TEMPLATES", str(root))
    for cached in (catalog.definitions_digest, catalog.catalog, catalog.table_sets, catalog.load_table, project_ruleset):
        cached.cache_clear()
    try:
        path, _ = example("002_jingmen_2023_projects")
        a = assess(path, rules="hubei-20")
        assert findings(a, "section-weight-differs") == []
        assert [p.scores.indicators[0].score for p in a.projects] == [17.48, 10.19, 20.0, 4.82, 0.0, 0.0, 0.0]
        assert a.projects[2].scores.total == 100.0 and a.projects[2].scores.rules == "hubei-20"
    finally:
        monkeypatch.undo()
        for cached in (catalog.definitions_digest, catalog.catalog, catalog.table_sets, catalog.load_table,
                       project_ruleset):
            cached.cache_clear()


# --- 004 平江县行政审批服务局 2022: eight 项目支出预算绩效目标申报表 ----------------------------------------------------

PINGJIANG = ["行政审批大厅运行", "进厅人员伙食补助费", "工作人员考核奖励", "村级电子政务外网光纤与互联网出口租赁费",
             "市政务服务一体化平台 (软件) 维护", "基层公共服务“一门式”云视频会议系统租赁服务费", "最多跑一次改革专项经费",
             "平江县政府门户网运行维护"]


def test_pingjiang_eight_declarations_and_their_sums(example):
    _, a = example("004_pingjiang_2022_projects")
    c = a.computed
    assert [p.name for p in a.plan.projects.values()] == PINGJIANG
    requested = [c[f"{k}.cur_total"] for k in a.plan.projects]
    assert requested == [200, 110, 164.64, 122.75, 20, 24, 20, 70]
    # Σ of the eight as printed; the budget's 项目支出 741.39 also holds 优化环境工作经费 10, which has no 申报表
    assert round(sum(requested), 2) == 731.39 and round(741.39 - sum(requested), 2) == 10
    hall = "xmsb@1"
    assert [c[f"{hall}.details[{i}].cur"] for i in range(4)] == [100, 47, 10, 43]
    assert c[f"{hall}.detail_cur_total"] == 200 == c[f"{hall}.cur_total"]
    assert c["xmsb@7.detail_cur_total"] == 20 == 10 + 4 + 6
    assert not [f for f in a.findings if f.rule in ("xmsb-detail-prev", "xmsb-detail-cur")]
    assert a.inputs["xmsb@1.indicators[3].name"] == "进厅审批服务事项" and a.inputs["xmsb@1.indicators[4].target"] == "44 家"


def test_pingjiang_contradictions_at_their_cells(example):
    _, a = example("004_pingjiang_2022_projects")
    video, platform = "6.基层公共服务“一门式”云视频会议系统租赁服务费", "5.市政务服务一体化平台 (软件) 维护"
    continuing = [f for f in a.findings if f.rule == "xmsb-continuing-prev"]
    assert [(f.sheet, f.cell, f.severity, sides(f)[0]) for f in continuing] == [(video, "E14", "warning", 0)]
    new = [f for f in a.findings if f.rule == "xmsb-new-prev"]
    assert [(f.sheet, f.cell, f.severity, sides(f)[0]) for f in new] == [(platform, "E14", "warning", 20)]
    blank = [f for f in a.findings if f.code == "formula-tampered"]
    assert [(f.sheet, f.cell, f.severity) for f in blank] == [(video, "E21", "error"), (video, "F21", "error")]
    assert a.computed["xmsb@6.detail_cur_total"] == 24  # what the blank 合计 should have held
    assert a.errors == 2


# --- LibreOffice: project workbooks recalculate to perftool's figures; the annotated copy opens ---------------------

def _recalculates_alike(plan, values, path, tmp_path):
    from libreoffice import recalculate, soffice
    from test_libreoffice import same

    if soffice() is None:
        pytest.skip("LibreOffice 未安装（make test 会自动安装）")
    out = recalculate([path], tmp_path / "out", tmp_path / "profile")[0]
    book = openpyxl.load_workbook(out, data_only=True)
    mismatches = [(key, plan.field(key).sheet, plan.field(key).cell, values.get(key),
                   book[plan.field(key).sheet][plan.field(key).cell].value)
                  for key in plan.formulas
                  if not same(values.get(key), book[plan.field(key).sheet][plan.field(key).cell].value)]
    assert mismatches == []
    return out


@pytest.mark.parametrize("name", ["002_jingmen_2023_projects", "004_pingjiang_2022_projects"])
def test_seed_project_workbooks_recalculate_in_libreoffice(example, tmp_path, name):
    from perftool.generate.render import render

    _, a = example(name)
    path = tmp_path / "in" / f"{name}.xlsx"
    values = render(a.plan, a.inputs, path)  # the entries without the typed-over figures: every formula live
    assert sum(1 for k in a.plan.formulas if isinstance(values[k], float) and values[k]) >= 7
    _recalculates_alike(a.plan, values, path, tmp_path)


def test_national_form_filled_at_random_recalculates_in_libreoffice(tmp_path):
    from perftool.generate.render import render
    from perftool.synthetic import random_inputs

    plan = plan_workbook(2024, "示例单位", "001", set_name="xiangmu-zipingbiao",
                         projects=[{"name": "甲项目", "code": "A1", "budget": 100}, {"name": "乙项目", "code": "A2"}])
    inputs = {**plan.default_inputs(), **random_inputs(plan, 7)}
    path = tmp_path / "in" / "national.xlsx"
    values = render(plan, inputs, path)
    assert len(plan.formulas) == 2 * 7
    assert sum(1 for k in plan.formulas if isinstance(values[k], float) and values[k]) >= 10
    _recalculates_alike(plan, values, path, tmp_path)


def test_annotated_project_workbook_opens_in_libreoffice(example, tmp_path):
    from libreoffice import recalculate, soffice

    from perftool.annotate.workbook import annotate

    if soffice() is None:
        pytest.skip("LibreOffice 未安装（make test 会自动安装）")
    _, a = example("002_jingmen_2023_projects")
    annotated = tmp_path / "in" / "annotated.xlsx"
    annotate(a, annotated)
    saved = recalculate([annotated], tmp_path / "out", tmp_path / "profile")[0]
    book = openpyxl.load_workbook(saved, data_only=True)
    assert book.sheetnames[:2] == ["审核结果", "评分结果"] and book.sheetnames[2:9] == JINGMEN
    again = assess(saved)
    assert [p.scores.total for p in again.projects] == [p.scores.total for p in a.projects]
    assert {(f.code, f.sheet, f.cell) for f in again.findings if f.code != "value-coerced"} == \
        {(f.code, f.sheet, f.cell) for f in a.findings if f.code != "value-coerced"}


# --- batch: project rows, per-unit totals, Σ 执行数 against 公开05 -----------------------------------------------------

def test_batch_lists_projects_and_checks_them_against_gk05(example, tmp_path):
    import json
    import shutil

    from perftool.batch.summary import write_summary_workbook
    from perftool.batch.run import Settings, run_batch, write_summary_data

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("002_jingmen_2023", "002_jingmen_2023_projects"):
        shutil.copy(example(name)[0], inbox / f"{name}.xlsx")
    rows, _ = run_batch(inbox, tmp_path / "out", jobs=1)
    decl, projects = rows
    assert not any("重复报送" in f for r in rows for f in r.flags)  # a 决算 and a project workbook of one unit
    assert decl.expenditure["合计"] == 1968.59 and decl.expenditure["20103"] == 1957.81
    assert [p["name"] for p in projects.projects] == [n.split(".", 1)[1] for n in JINGMEN]
    assert [(p["rate"], p["total"], p["grade"]) for p in projects.projects][2:4] == [(1.0, 90.0, "优"), (0.241, 82.05, "良")]
    assert projects.projects[0]["errors"] == 1 and projects.projects[0]["warnings"] == 2
    assert projects.cross_checks == [{
        "check": "项目执行数合计/公开05项目支出", "severity": "warning", "projects": 1957.82, "published": 1957.81,
        "line": "20103", "difference": 0.01, "file": "002_jingmen_2023.xlsx",
        "message": "项目执行数合计 1,957.82 与 002_jingmen_2023.xlsx 公开05 项目支出科目 20103 1,957.81 相差 0.01"
                   "（尾数差异，提示）；公开05 项目支出合计 1,968.59"}]
    assert projects.cross_checks[0]["message"] in projects.flags
    write_summary_data(rows, tmp_path / "out", Settings())
    doc = json.loads((tmp_path / "out" / "汇总.json").read_text(encoding="utf-8"))
    assert doc["format"] == "perftool-batch/1" and len(doc["rows"][1]["projects"]) == 7
    write_summary_workbook(rows, tmp_path / "out" / "汇总表.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out" / "汇总表.xlsx")["项目"]
    assert [c.value for c in sheet[2]][:8] == ["荆门市行政审批局(本级)", "行政审批办公楼租赁及运行", "", 2057, 1797.77,
                                               0.874, 88.74, 88.7]
    assert [c.value for c in sheet[11]][:6] == ["荆门市行政审批局(本级)", 7, "", 2546.9, 1957.82, 1957.82 / 2546.9]
    score = json.loads((tmp_path / "out" / projects.result).read_text(encoding="utf-8"))
    assert score["template"]["set"] == "xiangmu-zipingbiao-jingmen" and score["template"]["tables"] == ["xmzpjm"]
    assert [p["total"] for p in score["projects"]] == [88.74, 85.09, 90.0, 82.05, 80.0, 80.0, 80.0]
    assert score["data"]["projects"][3]["tables"]["xmzpjm"]["annual"][1]["actual"] == "1.38"


# --- from target to result: 申报表 → generate --targets → 自评表 → batch --targets ---------------------------------------

TARGET_CODES = {"target-changed", "direction-changed", "indicator-dropped", "indicator-added", "project-undeclared",
                "project-name-differs"}
TWO_PROJECTS = ("单位名称,单位编码,项目名称,项目编码,主管部门,预算数\n"
                "示范局,900,政务大厅运行,P1,示范局,200\n示范局,900,电子政务外网租赁,P2,示范局,122.75\n")
DECLARATION = """
projects:
  - name: 政务大厅运行
    code: P1
    tables:
      xmsb:
        attribute: 延续项目
        indicators:
          - {level1: 成本指标, level2: 经济成本指标, name: 控制在预算内, nature: 反向, unit: 万元, target: "200"}
          - {level1: 产出指标, level2: 数量指标, name: 进厅审批服务事项, nature: 正向, unit: 项, target: "971"}
          - {level1: 满意度指标, level2: 服务对象满意度指标, name: 服务对象满意度, nature: 正向, unit: "%", target: ≥95%}
  - name: 电子政务外网租赁
    code: P2
    tables:
      xmsb:
        indicators:
          - {level1: 产出指标, level2: 质量指标, name: 丢包率, nature: 反向, unit: "%", target: ≤0.1%}
          - {level1: 产出指标, level2: 时效指标, name: 租赁期限, nature: 等于, unit: 年, target: "1"}
"""


def test_targets_from_declaration_to_self_evaluation(tmp_path):
    run = CliRunner()
    (tmp_path / "p.csv").write_text(TWO_PROJECTS, encoding="utf-8")
    (tmp_path / "decl.yaml").write_text(DECLARATION, encoding="utf-8")
    blank = tmp_path / "blank"
    assert run.invoke(main, ["generate", "--year", "2024", "--projects", str(tmp_path / "p.csv"), "--set",
                             "xiangmu-shenbao", "-o", str(blank)]).exit_code == 0
    declared = tmp_path / "申报"
    declared.mkdir()
    result = run.invoke(main, ["fill", str(blank / "900_示范局_2024.xlsx"), str(tmp_path / "decl.yaml"),
                               "-o", str(declared / "900_示范局_2024_申报.xlsx")])
    assert result.exit_code == 0, result.output
    # step 1: the 自评表 comes pre-filled with what was declared
    result = run.invoke(main, ["generate", "--year", "2024", "--projects", str(tmp_path / "p.csv"), "--set",
                               "xiangmu-zipingbiao", "--targets", str(declared), "-o", str(tmp_path / "自评")])
    assert result.exit_code == 0 and "2 个项目已按申报表预填绩效指标" in result.output, result.output
    book_path = tmp_path / "自评" / "900_示范局_2024.xlsx"
    a = assess(book_path)
    assert [a.inputs[f"xmzp@1.indicators[{i}].{c}"] for i in range(3) for c in ("name", "nature", "target")] == [
        "控制在预算内", "反向", "200", "进厅审批服务事项", "正向", "971", "服务对象满意度", "正向", "≥95%"]
    assert a.inputs["xmzp@2.indicators[1].unit"] == "年" and a.inputs["xmzp@1.indicators[0].level1"] == "成本指标"
    # step 2: the unit changes one target and drops one indicator; batch --targets reports exactly those two
    wb = openpyxl.load_workbook(book_path)
    first, second = wb["1.政务大厅运行"], wb["2.电子政务外网租赁"]
    target_cell = a.plan.field("xmzp@1.indicators[1].target").cell
    first[target_cell] = "900"
    row = a.plan.field("xmzp@2.indicators[1].name").row + 1
    for column in "ABCDEFG":
        second[f"{column}{row}"] = None
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    wb.save(inbox / "自评.xlsx")
    result = run.invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "out"), "--jobs", "1",
                               "--targets", str(declared)])
    assert result.exit_code == 1, result.output
    import json

    doc = json.loads(next((tmp_path / "out" / "结果").glob("*.json")).read_text(encoding="utf-8"))
    found = [(f["code"], f["severity"], f["sheet"], f["cell"], f["values"]) for f in doc["findings"]
             if f["code"] in TARGET_CODES]
    total_cell = a.plan.field("xmzp@2.max_total").cell
    assert found == [
        ("target-changed", "error", "1.政务大厅运行", target_cell, {"自评表": "900", "申报表": "971"}),
        ("indicator-dropped", "error", "2.电子政务外网租赁", total_cell,
         {"申报指标": "租赁期限", "申报指标值": "1", "自评表": "（无）"}),
    ]
    # the same check from the declarations' JSON (the batch output of the 申报表) instead of their workbooks
    assert run.invoke(main, ["batch", str(declared), "-o", str(tmp_path / "申报结果"), "--jobs", "1"]).exit_code in (0, 1)
    again = assess(inbox / "自评.xlsx", targets=load_declared(tmp_path / "申报结果" / "结果", assess))
    assert [(f.code, f.cell) for f in again.findings if f.code in TARGET_CODES] == [(c, cell) for c, _, _, cell, _ in found]


def test_projects_match_by_code_then_name_and_a_different_name_is_a_warning():
    plan = plan_workbook(2024, "示范局", "900", set_name="xiangmu-zipingbiao",
                         projects=[{"name": "政务大厅运行经费", "code": "P1"}, {"name": "外网租赁", "code": ""},
                                   {"name": "新项目", "code": "P9"}])
    rows = ({"name": "丢包率", "target": "≤0.1%", "nature": "反向", "cell": None},)
    declared = {("code:900", 2024): [Declared("示范局", "900", 2024, "政务大厅运行", "P1", "申报.json 第 1 个项目", ()),
                                     Declared("示范局", "900", 2024, "外网租赁", "", "申报.json 第 2 个项目", rows)]}
    values = {"xmzp@1.project_name": "政务大厅运行经费", "xmzp@2.project_name": "外网租赁",
              "xmzp@2.indicators[0].name": "丢包率", "xmzp@2.indicators[0].target": "≤0.1%",
              "xmzp@2.indicators[0].nature": "正向", "xmzp@3.project_name": "新项目"}
    found = [(f.code, f.severity, f.sheet, f.cell, f.values) for f in check_targets(plan, values, declared)]
    assert found == [
        ("project-name-differs", "warning", "1.政务大厅运行经费", "B4", {"自评表": "政务大厅运行经费", "申报表": "政务大厅运行"}),
        ("direction-changed", "error", "2.外网租赁", "D14", {"自评表": "正向", "申报表": "反向"}),
        ("project-undeclared", "warning", "3.新项目", "B4", {"项目": "新项目", "项目编码": "P9"}),
    ]


NATIONAL = """
workbook: {year: 2024, unit: 示范局, unit_code: "900", set: 项目支出绩效自评（全国）}
projects:
  - name: 政务大厅运行
    code: P1
    budget: 200
    tables:
      xmzp:
        full_current: 180
        full_carry: 20
        exec_current: 150
        exec_carry: 20
        indicators:
          - {level1: 产出指标, level2: 数量指标, name: 进厅审批服务事项, nature: 正向, unit: 项, target: "971", actual: "900", max: 30, score: 30}
          - {level1: 产出指标, level2: 质量指标, name: 依法办结率, unit: "%", target: "100", actual: "98", max: 10, score: 9.8}
          - {level1: 产出指标, level2: 成本指标, name: 大厅运行成本, nature: 反向, unit: 万元, target: "200", actual: "210", max: 10, score: 10, note: 物价上涨}
          - {level1: 效益指标, level2: 社会效益指标, name: 营商环境提升, target: 明显提升, actual: 部分达成, max: 30, score: 25, note: 评价未完成}
          - {level1: 满意度指标, level2: 服务对象满意度指标, name: 服务对象满意度, unit: "%", target: ≥95%, actual: 96%, max: 10, score: 10}
"""


def test_national_form_scores_and_explains(tmp_path):
    (tmp_path / "n.yaml").write_text(NATIONAL, encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", "--data", str(tmp_path / "n.yaml"), "-o", str(tmp_path / "n.xlsx")])
    assert result.exit_code == 0, result.output
    a = assess(tmp_path / "n.xlsx")
    (p,) = a.projects
    assert (p.budget, p.executed, p.rate) == (200, 170, 0.85)
    s = {i.name: i for i in p.scores.indicators}
    assert s["预算执行率"].score == 8.5 and s["预算执行率"].self_score == 8.5  # the sheet's own 得分 formula
    assert s["进厅审批服务事项"].score == 27.81  # 30 × 900/971
    assert s["依法办结率"].score == 9.8          # 10 × 98%/100% (unit %, target written without the sign)
    assert s["大厅运行成本"].score == 9.52       # reverse: 10 × 200/210
    assert s["营商环境提升"].score == 24 and "属“部分达成”档（分值的 60%–80%" in s["营商环境提升"].reason
    assert s["服务对象满意度"].score == 10
    assert p.scores.total == 89.63 and p.scores.self_total == 93.3 and p.scores.grade == "良"
    differs = [(f.cell, f.values["填报得分"], f.values["建议得分"]) for f in a.findings if f.code == "indicator-score-differs"]
    assert differs == [("I14", 30, 27.81), ("I17", 25, 24)]
    cost = [(f.code, f.cell) for f in a.findings if f.code == "cost-over-target"]
    assert cost == [("cost-over-target", "I16")]
    unexplained = [(f.cell, f.severity, f.values) for f in a.findings if f.code == "deviation-unexplained"]
    assert unexplained == [("J15", "warning", {"分值": 10, "得分": 9.8})]  # the rows with 偏差原因 are not reported
    assert not [f for f in a.findings if f.code == "section-weight-differs"]  # 50/30/10 + 10 as the rule set


def test_rule_sets_apply_to_their_own_kind(example):
    from perftool.errors import DefinitionError

    path, before = example("000_yueyang_2022")
    with_project_rules = assess(path, rules="xiangmu-2020")  # a project rule set leaves the 部门整体 scoring alone
    assert (with_project_rules.basis.total, with_project_rules.basis.rules) == (before.basis.total, "zhengti-2021")
    projects, _ = example("002_jingmen_2023_projects")
    assert assess(projects, rules="zhengti-2021").projects[0].scores.rules == "xiangmu-2020"
    with pytest.raises(DefinitionError, match="找不到评分规则集 nosuch"):
        assess(projects, rules="nosuch")


def test_national_fund_total_printed_zero_over_its_parts_is_an_error(tmp_path):
    """A published form printed 0/0/0 on 年度资金总额 above 90/89.974/89.974 in a sub-row (projects.md §2.1)."""
    data = NATIONAL.replace("        full_current: 180\n", "        full_total: 0\n        exec_total: 0\n"
                                                           "        full_current: 180\n")
    (tmp_path / "n.yaml").write_text(data, encoding="utf-8")
    assert CliRunner().invoke(main, ["generate", "--data", str(tmp_path / "n.yaml"),
                                     "-o", str(tmp_path / "n.xlsx")]).exit_code == 0
    a = assess(tmp_path / "n.xlsx")
    found = [(f.cell, f.severity, f.values["填报值"], f.values["按公式计算"]) for f in a.findings
             if f.code == "arithmetic-mismatch"]
    assert found == [("F7", "error", 0, 200), ("G7", "error", 0, 170)]
    assert a.projects[0].rate == 0.85  # scored from the parts, not from the printed 0


def test_budget_projects_against_their_declarations(example, tmp_path):
    """Seed 004: 预算14 lists nine projects (741.39), the unit declared eight (731.39): 优化环境工作经费 10 has no
    申报表, and projects matched by amount whose names differ are 提示 naming both."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("004_pingjiang_2022_budget", "004_pingjiang_2022_projects"):
        shutil.copy(example(name)[0], inbox / f"{name}.xlsx")
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code == 1, result.output
    rows = {r["file"]: r for r in json.loads((tmp_path / "out" / "汇总.json").read_text(encoding="utf-8"))["rows"]}
    [check] = [c for c in rows["004_pingjiang_2022_budget.xlsx"]["cross_checks"] if c["check"] == "预算14项目/项目申报表"]
    assert (check["severity"], check["budget"], check["declared"]) == ("warning", 741.39, 731.39)
    notes = check["notes"]
    assert notes[0] == "预算14 项目支出合计 741.39 万元，项目申报表本年度申请资金合计 731.39 万元"
    assert "预算14 项目“优化环境工作经费”（10.00 万元）在 004_pingjiang_2022_projects.xlsx 中没有本年度申请资金相同的项目申报表" in notes
    assert ("预算14 项目“村级电子政务外网租赁费”的申报表名为“村级电子政务外网光纤与互联网出口租赁费”"
            "（4.村级电子政务外网光纤与互联网出口租赁费，122.75 万元），请核对名称") in notes
    assert "最多跑一次改革专项经费" in "".join(n for n in notes if "“最多跑一次”改革专项经费" in n)   # the 20 paired by name
    assert rows["004_pingjiang_2022_projects.xlsx"]["cross_checks"][0]["notes"] == notes
    assert ("（提示）预算14 项目支出合计 741.39 万元，项目申报表本年度申请资金合计 731.39 万元：1 个预算项目没有申报表、"
            "7 个项目名称不同（明细见 汇总.json 的 cross_checks）") in rows["004_pingjiang_2022_budget.xlsx"]["flags"]
