"""The definitions reproduce the layouts printed in the seeds (公开01, 公开06, 附件1, 附件2)."""

from __future__ import annotations

import re

from perftool.definitions.cells import Label


def row_labels(layout, col: int) -> list[str]:
    return [layout.labels.get((r, col), "") for r in range(layout.body_first, layout.body_last + 1)]


def gk01_seed_lines(seed_text) -> tuple[dict[int, str], dict[int, str]]:
    """公开01 from seed 002: {行次: 项目} for the 收入 side and for the 支出 side."""
    text = seed_text("002")
    table = text[text.index("公开表01"):text.index("公开02表")]
    income, expense = {}, {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) >= 6 and cells[1].isdigit() and cells[4].isdigit():
            income[int(cells[1])] = cells[0]
            expense[int(cells[4])] = cells[3]
        elif len(cells) >= 4 and cells[0].isdigit() and cells[2].isdigit():
            expense[int(cells[2])] = cells[1]          # 收入 side blank: 行次 | 支出项目 | 行次 | 金额
    return income, expense


def clean(name: str) -> str:
    return re.sub(r"\s+", "", name)


def test_gk01_expense_lines_match_seed(plan_2024, seed_text):
    layout = plan_2024.layouts["gk01"]
    _, expense = gk01_seed_lines(seed_text)
    ours = {int(layout.labels[(r, 4)]): layout.labels.get((r, 3), "")
            for r in range(layout.body_first, layout.body_last + 1) if layout.labels.get((r, 4), "").isdigit()}
    lines = {n: clean(name) for n, name in expense.items() if 32 <= n <= 57}
    assert len(lines) == 26
    assert {n: clean(ours[n]) for n in range(32, 58)} == lines
    assert clean(ours[58]) == "本年支出合计" and clean(ours[62]) == "总计"


def test_gk01_income_lines_and_totals(plan_2024, seed_text):
    layout = plan_2024.layouts["gk01"]
    income, _ = gk01_seed_lines(seed_text)
    ours = {int(layout.labels[(r, 1)]): layout.labels.get((r, 0), "")
            for r in range(layout.body_first, layout.body_last + 1) if layout.labels.get((r, 1), "").isdigit()}
    for n in (1, 2, 3, 4, 5, 6, 7, 8, 27, 28, 29, 31):
        assert clean(ours[n]) == clean(income[n]), n
    assert plan_2024.formulas["gk01.inc_total"].text == "SUM(C7:C14)"
    assert plan_2024.formulas["gk01.exp_total"].text == "SUM(F7:F32)"


def test_gk06_economic_codes_and_names_match_seed(plan_2024, seed_text):
    text = seed_text("002")
    block = text[text.index("公开06表"):text.index("人员经费合计")]
    seed = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.split("|")]
        for k in range(0, len(cells) - 1, 3):
            if cells[k].isdigit() and len(cells[k]) in (3, 5):
                seed[cells[k]] = clean(cells[k + 1])
    layout = plan_2024.layouts["gk06"]
    ours = {}
    for r in range(layout.body_first, layout.body_last + 1):
        for c in (0, 3, 6):
            code = layout.labels.get((r, c), "")
            if code.isdigit():
                ours[code] = clean(layout.labels[(r, c + 1)])
    assert len(seed) == 81  # 人员 27 + 公用(302) 28 + 公用(307/310/399) 26
    assert ours == seed
    assert plan_2024.field("gk06.e301").kind == "formula"
    assert plan_2024.formulas["gk06.personnel_total"].text.count("+") == 1


def test_fj1_rows_follow_seeds(plan_2024):
    layout = plan_2024.layouts["fj1"]
    labels = [x for x in row_labels(layout, 0) if x and not x.startswith("第")]
    expected = ["财政供养人员情况（人）", "经费控制情况（万元）", "支出总额", "基本支出", "其中：公用经费",
                "其中：办公经费", "水费、电费、差旅费", "会议费、培训费", "项目支出", "其中：1、业务工作经费",
                "2、运行维护经费", "3、专项资金", "三公经费", "1、公务用车购置和维护经费", "其中：公车购置",
                "公车运行维护", "2、出国经费", "3、公务接待", "政府采购金额", "部门基本支出预算调整",
                "楼堂馆所控制情况（2024年完工项目）", "厉行节约保障措施", "填表人"]
    assert labels == expected
    assert [layout.labels[(layout.body_first + 2, c)] for c in (1, 2, 3)] == ["2023年决算数", "2024年预算数",
                                                                             "2024年决算数"]
    assert layout.blocks["special"].count == 30


def test_fj2_columns_follow_seeds(plan_2024):
    layout = plan_2024.layouts["fj2"]
    header = next(r for r in range(layout.body_first, layout.body_last + 1)
                  if layout.labels.get((r, 1)) == "一级指标")
    assert [layout.labels[(header, c)] for c in range(9)] == [
        "绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    budget = next(r for r in range(layout.body_first, layout.body_last + 1)
                  if layout.labels.get((r, 3)) == "年初预算数")
    assert [layout.labels[(budget, c)] for c in range(3, 9)] == ["年初预算数", "全年预算数", "全年执行数", "分值",
                                                                   "执行率", "得分"]
    second_level = [layout.labels[(layout.blocks[b].first_row, 2)] for b in layout.blocks]
    assert second_level == ["数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
                            "生态效益指标", "可持续影响指标", "服务对象满意度指标"]


def test_scoresheet_reproduces_seed_001_rules(plan_2024, seed_text):
    layout = plan_2024.layouts["pj"]
    names = [layout.labels.get((r, 2), "") for r in range(layout.body_first, layout.body_last + 1)
             if isinstance(layout.grid[r][2], Label) and not layout.labels.get((r, 2), "").startswith(("①", "②"))]
    maxes = [layout.grid[r][4].text for r in range(layout.body_first, layout.body_last - 1)
             if isinstance(layout.grid[r][4], Label)]
    assert sum(float(m) for m in maxes) == 100
    assert "财政供养人员控制率" in names and "社会公众或服务对象满意度" in names
    seed = clean(seed_text("001"))
    for standard in ("在职人员控制率≦100%，计5分；每超过一个百分点扣0.5分，扣完为止。",
                     "政府采购执行率等于100%的，得3分；每减少一个百分点，扣0.2分，扣完为止。"):
        assert clean(standard) in seed
        assert any(layout.labels.get((r, 3), "").endswith(standard) for r in range(layout.body_first,
                                                                                 layout.body_last + 1))
