"""The synthetic corpus behind `make bench` can be built at any size, with rows at any count."""

from __future__ import annotations

from perftool.definitions.workbook import plan_workbook
from perftool.synthetic import full_plan, inject_mistakes, random_inputs


def test_mistakes_can_be_injected_for_every_seed_even_when_a_cell_is_drawn_twice():
    plan = full_plan()
    for seed in (417, 777, 915, 1165, 1303, 1845):   # each drew one amount twice and raised before
        clean = {**plan.default_inputs(), **random_inputs(plan, seed)}
        mistaken = inject_mistakes(plan, clean, seed)
        changed = {k for k in mistaken if mistaken[k] != clean.get(k)}
        assert 1 <= len(changed) <= 5
        for key in changed:
            value = mistaken[key]
            assert (isinstance(value, str) and value.endswith("万元")) or isinstance(value, float)


def test_a_long_repeat_group_keeps_its_captions_and_ranges():
    big = plan_workbook(2024, tables=["gk03"], counts={"*": 600})
    first, last = big.field("gk03.rows[0].total"), big.field("gk03.rows[599].total")
    assert (first.row_label, last.row_label) == ("第1行", "第600行")
    assert last.col_label == first.col_label == "本年支出合计"
    assert big.formulas["gk03.rows[599].total"].text == f"SUM(D{last.row + 1}:H{last.row + 1})"
    a, b = first.row + 1, last.row + 1
    assert big.formulas["gk03.total"].text == f"SUMIF(I{a}:I{b},3,C{a}:C{b})"
