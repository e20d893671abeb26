"""附件2 指标性质: reverse indicators score by 指标值/完成值 even when OCR lost the ≤ (defaults from the name in the
rule set), an explicit 指标性质 wins, and every suggestion says which direction it assumed."""

from __future__ import annotations

import pytest

from perftool.assess import assess
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render

#: (name, target as published, 完成值, 指标性质 filled by the unit, suggested score of 10, direction source)
ROWS = [
    ("“三公”经费控制率", "≤100%", "110%", None, 9.09, "按指标名称中的“控制率”"),
    ("预算调整率", "≤5%", "3%", None, 10.0, "按指标名称中的“调整率”"),
    ("结余率", "≤10%", "20%", None, 5.0, "按指标名称中的“结余率”"),
    ("公用经费控制率", "≤100%", "95%", None, 10.0, "按指标名称中的“公用经费控制率”"),
    ("办公费用增长", "≤5%", "8%", "反向", 6.25, "按填报的指标性质"),
    ("资金到位率", "≥90%", "81%", None, 9.0, None),
    ("公务卡结算比例", "100%", "90%", "等于", 9.0, "按填报的指标性质"),
]


@pytest.fixture(scope="module")
def plan():
    return plan_workbook(2024, "测试单位", "1", ["fj2"])


def rows(plan, tmp_path, strip: bool):
    inputs = {}
    for i, (name, target, actual, nature, _, _) in enumerate(ROWS):
        block, k = ("quantity", i) if i < 4 else ("quality", i - 4)
        inputs |= {f"fj2.{block}[{k}].name": name, f"fj2.{block}[{k}].target": target.lstrip("≤≥") if strip else target,
                   f"fj2.{block}[{k}].actual": actual, f"fj2.{block}[{k}].max": 10, f"fj2.{block}[{k}].score": 10,
                   f"fj2.{block}[{k}].nature": nature}
    path = tmp_path / "fj2.xlsx"
    render(plan, {**plan.default_inputs(), **inputs}, path)
    return [i for i in assess(path).self_evaluation.indicators if i.id != "fund"]


@pytest.mark.parametrize("strip", [False, True])
def test_reverse_indicators_score_alike_with_or_without_the_sign(plan, tmp_path, strip):
    found = rows(plan, tmp_path, strip)
    assert [(i.name, i.score) for i in found] == [(name, score) for name, *_, score, _ in ROWS]
    for row, (name, target, _, nature, _, source) in zip(found, ROWS):
        kind = nature or ("正向" if target.startswith("≥") else "反向")
        if source is None:    # 资金到位率: the sign when it is there, else the 正向 default
            source = "按指标值中的“≥”" if not strip else "未填指标性质，按正向"
        elif not strip and nature is None:
            source = "按指标值中的“≤”"
        assert row.reason.startswith(f"{kind}指标（{source}）："), row.reason


def test_reason_of_a_reverse_indicator_names_the_assumption(plan, tmp_path):
    [control, *_] = rows(plan, tmp_path, strip=True)
    assert control.reason == ("反向指标（按指标名称中的“控制率”）：完成值 110% 超过指标值 100%，"
                              "按完成比例 90.91% 得 9.09 分")


def test_nature_and_unit_are_choice_and_text_columns(plan):
    nature, unit = plan.field("fj2.quantity[0].nature"), plan.field("fj2.quantity[0].unit")
    assert (nature.type, nature.options, nature.col_label) == ("choice", ("正向", "反向", "等于", "定性"), "指标性质")
    assert (unit.type, unit.col_label, nature.cell, unit.cell) == ("text", "度量单位", "J16", "K16")
