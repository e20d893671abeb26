"""``kind: grade`` rules (自评报告's 评价等次 against the band of its score): the exact finding at each band's edge,
which score a rule reads when, and the definition errors. Fast: values computed in memory, no workbook file."""

from __future__ import annotations

import pytest

from perftool.audit.rules import _grade, _score_name, _side, apply_rules
from perftool.definitions.workbook import plan_workbook
from perftool.engine import engine_for
from perftool.errors import DefinitionError

PLAN = plan_workbook(2021, "测试单位", "900001", set_name="zhengti")
SCORE = "自评报告!B88（绩效自评综合得分）"


def grade_findings(**inputs):
    """(rule, code, severity, cell, values, message, cells) of the grade rules, ``bg__grade`` for ``bg.grade``."""
    engine = engine_for(PLAN)
    values = engine.compute({k.replace("__", ".", 1): v for k, v in inputs.items()})
    return [(f.rule, f.code, f.severity, f.cell, f.values, f.message, f.cells)
            for f in apply_rules(PLAN, engine, values) if f.rule and f.rule.startswith("bg-grade")]


@pytest.mark.parametrize("score, grade", [(98, "优 秀"), (90, "优"), (89.99, "良"), (80, "良"), (60, "中"),
                                          (59.5, "差"), (0, "差")])
def test_a_grade_in_its_band_is_no_finding_the_lowest_score_of_a_band_included(score, grade):
    assert grade_findings(bg__score=score, bg__grade=grade) == []


def test_a_wrong_grade_is_an_error_at_the_grade_cell_with_both_cells():
    assert grade_findings(bg__score=90, bg__grade="良") == [(
        "bg-grade", "identity-mismatch", "error", "F88", {"填报": "良", "应为": "优", "得分": 90},
        f"评价等次与综合得分的等次一致：F88（评价等次）填报“良”；{SCORE} 90 按评分规则 zhengti-2021 应为“优”（90 分及以上）",
        ["自评报告!F88", "自评报告!B88"])]


def test_just_under_a_band_is_the_band_below():
    [(*_, values, message, _)] = grade_findings(bg__score=79.994, bg__grade="良")
    assert values == {"填报": "良", "应为": "中", "得分": 79.99}
    assert message.endswith(f"{SCORE} 79.99 按评分规则 zhengti-2021 应为“中”（60 分及以上）")


def test_a_grade_the_rules_do_not_know_is_named_with_the_grades_they_have():
    [(*_, values, message, _)] = grade_findings(bg__score=40, bg__grade="合格")
    assert values == {"填报": "合格", "应为": "差", "得分": 40}
    assert message == ("评价等次与综合得分的等次一致：F88（评价等次）填报“合格”，不是评分标准的等次（优、良、中、差）；"
                       f"{SCORE} 40 按评分规则 zhengti-2021 应为“差”（0 分及以上）")


def test_two_grades_written_are_a_finding():
    [(rule, *_, values, _m, _c)] = grade_findings(bg__score=95, bg__grade="优/良")
    assert rule == "bg-grade" and values == {"填报": "优/良", "应为": "优", "得分": 95}


def test_no_grade_or_no_score_is_no_finding():
    assert grade_findings(bg__score=95) == []
    assert grade_findings(bg__grade="优") == []


def test_without_a_score_the_grade_follows_the_scoresheet_total_and_only_then():
    [(rule, code, severity, cell, values, message, cells)] = grade_findings(bg__grade="优", pj__staff_rate_self=70)
    assert (rule, code, severity, cell) == ("bg-grade-pj", "identity-mismatch", "error", "F88")
    assert values == {"填报": "优", "应为": "中", "得分": 70}
    assert "评分表!H44（总分） 70 按评分规则 zhengti-2021 应为“中”" in message and cells[:2] == ["自评报告!F88", "评分表!H44"]
    assert grade_findings(bg__score=95, bg__grade="优", pj__staff_rate_self=70) == []  # `when`: only without a score


def test_grade_rule_definition_errors():
    layout = PLAN.layouts["bg"]
    engine = engine_for(PLAN)
    rule = {"id": "bg-x", "name": "等次", "kind": "grade", "field": "nothing", "score": "{score}"}
    with pytest.raises(DefinitionError) as e:
        _grade(rule, layout, PLAN, engine)
    assert str(e.value) == f"{layout.table.source}：审核公式 bg-x 的 field 找不到字段 nothing"
    bare = plan_workbook(2021, "测试单位", "900001", ["bg", "fj1", "fj2"])
    with pytest.raises(DefinitionError) as e:
        _grade({**rule, "field": "grade"}, bare.layouts["bg"], bare, engine_for(bare))
    assert str(e.value) == f"{layout.table.source}：审核公式 bg-x 须以 rules 指明等次所依据的评分规则集"
    g = _grade({**rule, "field": "grade", "rules": "zhengti-2021", "when": "{score}>1"}, bare.layouts["bg"], bare,
               engine_for(bare))
    assert (g.rule, g.rules, g.severity, g.bands[0], g.bands[-1]) == ("bg-x", "zhengti-2021", "error", (90.0, "优"),
                                                                       (0.0, "差"))
    assert g.when is not None and g.when.text


def test_a_score_below_every_band_is_the_lowest_grade():
    assert grade_findings(bg__score=-5, bg__grade="差") == []
    [(*_, values, message, _)] = grade_findings(bg__score=-5, bg__grade="中")
    assert values == {"填报": "中", "应为": "差", "得分": -5}
    assert message.endswith("应为“差”（0 分及以上）")


def test_the_score_a_grade_is_checked_against_is_named_by_its_cell_and_row():
    engine = engine_for(PLAN)
    one = _side("{score}", None, PLAN.layouts["bg"], PLAN, engine, None, None)
    assert _score_name(one) == SCORE
    two = _side("{pj.total_self}+{fj2.total_score}", None, PLAN.layouts["bg"], PLAN, engine, None, None)
    assert _score_name(two) == "按 评分表!H44、附件2!H54 计算"


def test_a_grade_rule_may_be_a_warning():
    from perftool.audit.rules import _check_grade
    engine = engine_for(PLAN)
    rule = {"id": "bg-w", "name": "等次", "kind": "grade", "field": "grade", "score": "{score}", "severity": "warning"}
    g = _grade(rule, PLAN.layouts["bg"], PLAN, engine)
    f = _check_grade(g, engine.compute({"bg.score": 95, "bg.grade": "良"}))
    assert (f.code, f.severity, f.rule, f.table, f.cell) == ("identity-mismatch", "warning", "bg-w", "bg", "F88")
