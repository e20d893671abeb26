"""Rule sets: the worked variant (zhengti-variant) generated with ``generate --rules``, filled and scored; scoring
across rule sets names only cells of the submitted file; rule-set checks; the new rule kinds."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from perftool.assess import assess
from perftool.cli import main
from perftool.definitions.scoresheet import check_ruleset

DATA = {
    "workbook": {"year": 2024, "unit": "变体测试局", "unit_code": "430001", "tables": ["fj1", "pj"],
                 "rules": "zhengti-variant"},
    "tables": {
        "fj1": {"staff_quota": 50, "staff_actual": 52,
                "basic_budget": 800, "basic_final": 780, "business_budget": 200, "business_final": 100,
                "carrun_budget": 5.5, "carrun_final": 5, "recep_budget": 5, "recep_final": 4,
                "procure_budget": 100, "procure_final": 100},
        "pj": {"sangong_change_prev_budget": 10, "key_spending_value": 0.85, "payment_progress_value": 1,
               "building_control_none": "是", "asset_use_in_use": 95, "asset_use_total": 100, "duty_value": 0.92,
               "satisfaction_value": 0.96,
               "staff_rate_self": 3, "sangong_change_self": 8, "key_spending_self": 5, "key_spending_reason": "安排率 85%",
               "budget_completion_self": 5.2,
               "budget_completion_reason": "预算完成率 88%", "sangong_control_self": 6, "procurement_self": 4,
               "payment_progress_self": 4, "payment_progress_reason": "一个专项未按进度下达",
               "building_control_self": 5, "asset_use_self": 9.5, "asset_use_reason": "利用率 95%",
               "duty_self": 23, "duty_reason": "系数 0.92", "satisfaction_self": 15},
    },
}
SCORES = {"staff_rate": 3, "sangong_change": 4, "key_spending": 5, "budget_completion": 5.2, "sangong_control": 6,
          "procurement": 4, "payment_progress": 4, "building_control": 5, "asset_use": 9.5, "duty": 23,
          "satisfaction": 15}


@pytest.fixture(scope="module")
def variant(tmp_path_factory):
    folder = tmp_path_factory.mktemp("variant")
    data = folder / "data.yaml"
    data.write_text(yaml.safe_dump(DATA, allow_unicode=True), encoding="utf-8")
    out = folder / "variant.xlsx"
    result = CliRunner().invoke(main, ["generate", "--data", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_variant_is_generated_filled_and_scored_from_its_own_rule_set(variant):
    a = assess(variant)
    ev = a.evaluation
    assert (a.plan.rules, ev.rules) == ("zhengti-variant", "zhengti-variant")
    assert {i.id: i.score for i in ev.indicators} == SCORES
    assert (ev.total, ev.grade, ev.complete) == (83.7, "良", True)
    reasons = {i.id: i.reason for i in ev.indicators}
    assert reasons["sangong_change"] == ("“三公经费”变动率（预算口径） 5.00%，超出 0% 5.00 个百分点，每个百分点扣 0.8 分，"
                                         "扣 4.00 分")
    assert reasons["budget_completion"] == "预算完成率 88.00%，低于 100% 12.00 个百分点，每 5 个百分点扣 2 分，扣 4.80 分"
    assert reasons["building_control"] == "本年度无完工的楼堂馆所项目，按评分标准得满分 5 分"
    assert reasons["duty"] == "考核得分系数（0–1） 0.92 × 权重 25 分 = 23 分"


def test_self_deduction_without_a_reason_is_a_finding(variant):
    a = assess(variant)
    [f] = [f for f in a.findings if f.code == "deduction-unexplained"]    # 3 of 5 for staff_rate, no reason
    assert (f.severity, f.sheet, f.cell, f.values) == ("warning", "评分表", "J5", {"自评得分": 3.0, "分值": 5.0})
    assert f.message == "财政供养人员控制率 自评得分 3 低于分值 5，但评分表!J5“扣分原因”为空"
    [differs] = [f for f in a.findings if f.code == "self-score-differs"]    # 8 claimed, 4 computed
    assert (differs.cell, differs.values["自评得分"], differs.values["计算得分"]) == ("H6", 8.0, 4.0)


def test_scoring_with_another_rule_set_names_only_cells_of_the_submitted_file(variant):
    a = assess(variant, rules="zhengti-2021")
    reasons = {i.id: i.reason for i in a.evaluation.indicators}
    assert reasons["budget_adjust"] == ("不可评价：“预算调整率（预算调整数/预算数）” 不在提交的工作簿中"
                                        "（需使用该规则集的评分表填写）")
    assert reasons["sangong_change"].startswith("不可评价：缺少 附件1!B49（其中：公车购置／2023年决算数）")
    assert a.evaluation.self_total is None and a.errors == 0      # self scores were given against the variant
    assert reasons["asset_use"] == "固定资产利用率 95.00%，低于 100% 5.00 个百分点，每个百分点扣 0.1 分，扣 0.50 分"
    key = next(i for i in a.evaluation.indicators if i.id == "key_spending")
    assert (key.score, key.cell) == (4, None)                 # carried over by id; the 评分表 is not this file's


def test_cli_score_with_another_rule_set_as_a_path(variant, tmp_path):
    from perftool.definitions.scoresheet import ruleset_path

    path = ruleset_path("zhengti-2021")
    out = tmp_path / "score.json"
    result = CliRunner().invoke(main, ["score", str(variant), "--rules", str(path), "--json-file", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["rules"] == str(path)
    staff = next(i for i in doc["indicators"] if i["id"] == "staff_rate")
    assert (staff["score"], staff["value"]) == (3.0, 1.04)


def test_not_assessable_rate_names_the_inputs_behind_its_formula(tmp_path):
    data = {**DATA, "tables": {"fj1": {}, "pj": {}}}
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "blank.xlsx"
    assert CliRunner().invoke(main, ["generate", "--data", str(path), "-o", str(out)]).exit_code == 0
    staff = next(i for i in assess(out).evaluation.indicators if i.id == "staff_rate")
    assert staff.reason == ("不可评价：缺少 附件1!B5（财政供养人员情况（人）／编制数）、"
                            "附件1!C5（财政供养人员情况（人）／2024年实际在职人数），请补填后再评分")


def test_rule_set_check_warns_of_group_sums_and_printed_numbers(tmp_path):
    broken = {
        "id": "broken", "grades": [[90, "优"], [0, "差"]],
        "groups": [{"name": "投入", "max": 20, "groups": [{"name": "预算配置", "max": 12, "indicators": [
            {"id": "sangong_change", "name": "“三公经费”变动率", "max": 5,
             "standard": "变动率≦0，计8分；每超过一个百分点扣0.8分，扣完为止。",
             "value": {"input": "percent", "label": "变动率"},
             "rule": {"kind": "per_point_over", "threshold": 0, "step": 0.5}},
            {"id": "other", "name": "其他", "max": 5, "rule": {"kind": "manual"}}]}]}],
    }
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    assert check_ruleset(str(path)) == [
        "投入：分值 20 分，所属指标分值之和为 12 分（如有意为之，请写明 max_reason）",
        "预算配置：分值 12 分，所属指标分值之和为 10 分（如有意为之，请写明 max_reason）",
        "指标 sangong_change（“三公经费”变动率）：评分标准写“计8分”，分值为 5 分",
        "指标 sangong_change（“三公经费”变动率）：评分标准写“扣0.8分”，规则的扣分步长为 0.5 分",
    ]
    broken["groups"][0]["max_reason"] = "另有 8 分由考核办评定"
    path = tmp_path / "stated.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    assert len(check_ruleset(str(path))) == 3
    assert check_ruleset("zhengti-2021") == [] and check_ruleset("zhengti-variant") == []


def test_templates_lists_rule_sets_and_their_warnings():
    result = CliRunner().invoke(main, ["templates"])
    assert result.exit_code == 0
    assert "  zhengti-variant  部门整体支出绩效评价评分表（变体示例）" in result.output
    assert "警告" not in result.output


def test_total_is_null_when_nothing_is_assessable(tmp_path):
    data = {**DATA, "tables": {"fj1": {}, "pj": {}}}
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "blank.xlsx"
    assert CliRunner().invoke(main, ["generate", "--data", str(path), "-o", str(out)]).exit_code == 0
    doc = assess(out).to_dict()
    assert (doc["total"], doc["evaluation"]["total"], doc["complete"]) == (None, None, False)


def test_rate_given_as_text_over_a_formula_is_written_as_its_number(tmp_path):
    import openpyxl

    data = {"workbook": {"year": 2024, "tables": ["fj1", "pj"]},
            "tables": {"fj1": {"staff_quota": 100, "staff_actual": 95, "staff_rate": "95.10%"}}}
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "rate.xlsx"
    result = CliRunner().invoke(main, ["generate", "--data", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out, data_only=True)
    assert book["附件1"]["D5"].value == pytest.approx(0.951)
    assert book["评分表"]["F5"].value == pytest.approx(0.951)        # the 评分表 reads it: a number, not #VALUE!
    assert book["评分表"]["G5"].value == 5
    assert not any(isinstance(c.value, str) and c.value.startswith("#") for ws in book for row in ws.iter_rows()
                   for c in row)
