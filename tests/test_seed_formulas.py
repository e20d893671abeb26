"""The definitions' formulas reproduce figures published in the seeds (岳阳 2022, 益阳 2022, 岳阳楼区 2021)."""

from __future__ import annotations

import pytest

from perftool.definitions.workbook import plan_workbook
from perftool.engine import engine_for


@pytest.fixture(scope="module")
def compute():
    plan = plan_workbook(2022, tables=["fj1", "fj2", "pj"])
    engine = engine_for(plan)
    return lambda inputs: engine.compute({**plan.default_inputs(), **inputs})


YUEYANG_FJ1 = {  # seed 000, 附件1
    "fj1.staff_quota": 57, "fj1.staff_actual": 50,
    "fj1.carbuy_prev": 0, "fj1.carbuy_budget": 0, "fj1.carbuy_final": 0,
    "fj1.carrun_prev": 3.52, "fj1.carrun_budget": 5, "fj1.carrun_final": 3.53,
    "fj1.abroad_prev": 0, "fj1.abroad_budget": 0, "fj1.abroad_final": 0,
    "fj1.recep_prev": 2.85, "fj1.recep_budget": 5, "fj1.recep_final": 1,
    "fj1.procure_budget": 4000, "fj1.procure_final": 3813.52,
}


def test_yueyang_2022_rates(compute):
    v = compute(YUEYANG_FJ1)
    assert round(v["fj1.staff_rate"], 4) == 0.8772                      # published 87%
    assert (v["fj1.sg_prev"], v["fj1.sg_budget"], v["fj1.sg_final"]) == pytest.approx((6.37, 10, 4.53))
    assert round(v["pj.sangong_change_value"], 4) == -0.2889
    assert round(v["pj.sangong_control_value"], 4) == 0.4530
    assert round(v["pj.procurement_value"], 4) == 0.9534
    assert v["pj.staff_rate_score"] == 5 and v["pj.sangong_change_score"] == 5
    assert v["pj.sangong_control_score"] == 6
    assert v["pj.procurement_score"] == 2.07                            # 3 − 0.2 × 4.66


def test_yueyang_2022_execution_rate_and_score(compute):
    v = compute({"fj2.budget_full": 5278.31, "fj2.executed": 4608.28})
    assert round(v["fj2.exec_rate"], 4) == 0.8731
    assert round(v["fj2.fund_score"], 2) == 8.73


def test_yiyang_2022_rates(compute):
    v = compute({"fj1.staff_quota": 46, "fj1.staff_actual": 42,
                 "fj1.procure_budget": 5558.3, "fj1.procure_final": 1443.79})
    assert round(v["fj1.staff_rate"], 4) == 0.9130                      # published 91%
    assert round(v["pj.procurement_value"], 4) == 0.2598
    assert v["pj.procurement_score"] == 0                               # 74 points under: nothing left


def test_yueyanglou_2021_all_zero_sangong_is_full_marks(compute):
    zero = {f"fj1.{k}_{c}": 0 for k in ("carbuy", "carrun", "abroad", "recep") for c in ("prev", "budget", "final")}
    v = compute({**zero, "fj1.staff_quota": 18, "fj1.staff_actual": 18,
                 "pj.asset_use_in_use": 58.92, "pj.asset_use_total": 58.92})
    assert v["fj1.staff_rate"] == 1 and v["pj.staff_rate_score"] == 5
    assert v["pj.sangong_change_value"] == 0 and v["pj.sangong_change_score"] == 5
    assert v["pj.sangong_control_value"] == 0 and v["pj.sangong_control_score"] == 6
    assert v["pj.asset_use_score"] == 3


@pytest.mark.parametrize("rate,score", [(1.0, 5), (1.03, 3.5), (1.1, 0), (1.2, 0), (0.5, 5)])
def test_staff_rate_deduction_per_point_pro_rata(compute, rate, score):
    v = compute({"fj1.staff_quota": 100, "fj1.staff_actual": round(rate * 100)})
    assert v["pj.staff_rate_score"] == score


@pytest.mark.parametrize("value,score", [(0.95, 5), (0.9, 5), (0.8999, 4), (0.8, 4), (0.7, 3), (0.6, 2), (0.59, 0)])
def test_bands_edges_inclusive_as_printed(compute, value, score):
    assert compute({"pj.key_spending_value": value})["pj.key_spending_score"] == score


def test_not_assessable_is_blank_not_zero(compute):
    v = compute({})
    assert v["pj.key_spending_score"] == "" and v["pj.balance_score"] == "" and v["pj.budget_system_score"] == ""
    assert v["pj.staff_rate_score"] == ""
    assert v["pj.sangong_change_score"] == "" and v["pj.sangong_control_score"] == ""  # blank 三公 rows ≠ zeros


def test_checklist_cases_counts_and_grade(compute):
    v = compute({"pj.budget_system_i1": "是", "pj.budget_system_i2": "是", "pj.budget_system_i3": "否",
                 "pj.balance_closing": 5, "pj.balance_carryover": 10, "pj.compliance_value": 1,
                 "pj.payment_progress_value": 7, "pj.benefit_economic": 9, "pj.benefit_social": 9,
                 "pj.benefit_ecological": 0})
    assert v["pj.budget_system_score"] == 2
    assert v["pj.balance_score"] == 2
    assert v["pj.compliance_score"] == 2
    assert v["pj.payment_progress_score"] == 0
    assert v["pj.benefit_score"] == 15                                  # 18 capped at the shared 15
    assert v["pj.total_score"] == 21 and v["pj.grade"] == "差"
