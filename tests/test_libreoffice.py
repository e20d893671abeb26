"""LibreOffice headless recalculates filled workbooks to perftool's figures, with no error value anywhere."""

from __future__ import annotations

import openpyxl
import pytest
import xlsxwriter

from libreoffice import recalculate, soffice
from perftool.synthetic import random_inputs

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice 未安装（make test 会自动安装）")


def same(mine, theirs) -> bool:
    if mine in (None, "") or theirs in (None, ""):
        return mine in (None, "") and theirs in (None, "")
    if isinstance(mine, float):
        return isinstance(theirs, (int, float)) and abs(mine - theirs) <= 1e-9 * max(1.0, abs(mine))
    return mine == theirs


def test_libreoffice_recalculates_on_load(tmp_path):
    """Guard: a planted wrong cached value is replaced, so the comparison below is a real recalculation."""
    path = tmp_path / "in" / "planted.xlsx"
    path.parent.mkdir()
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("公开01")
    ws.write_number(0, 0, 2)
    ws.write_formula(0, 1, "=A1*3", None, 999)
    book.close()
    out = recalculate([path], tmp_path / "out", tmp_path / "profile")
    assert openpyxl.load_workbook(out[0], data_only=True)["公开01"]["B1"].value == 6


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_filled_workbook_recalculates_to_perftools_figures(plan_2024, tmp_path, seed):
    """``seed`` None is the blank template as issued; the others are filled with random figures."""
    from perftool.generate.render import render

    path = tmp_path / "in" / f"filled{seed}.xlsx"
    filled = random_inputs(plan_2024, seed) if seed else {}
    values = render(plan_2024, {**plan_2024.default_inputs(), **filled}, path)
    out = recalculate([path], tmp_path / "out", tmp_path / "profile")
    book = openpyxl.load_workbook(out[0], data_only=True)
    mismatches = []
    for key in plan_2024.formulas:
        f = plan_2024.field(key)
        theirs = book[f.sheet][f.cell].value
        for value in (theirs, values[key]):
            assert not (isinstance(value, str) and value.startswith("#")), f"{f.sheet}!{f.cell} {value}"
        if not same(values[key], theirs):
            mismatches.append((key, f.cell, values[key], theirs))
    assert mismatches == []
    assert len(plan_2024.formulas) > 300
    numeric = [k for k in plan_2024.formulas if isinstance(values[k], float) and values[k]]
    assert len(numeric) > (150 if seed else 0)  # filled: the comparison is over real figures, not blanks


def test_workbook_saved_by_libreoffice_is_recognised_and_reads_the_same(plan_2024, tmp_path):
    from perftool.data import nest
    from perftool.engine import engine_for
    from perftool.generate.render import render
    from perftool.read.workbook import read_cells, recognise

    path = tmp_path / "in" / "filled.xlsx"
    render(plan_2024, {**plan_2024.default_inputs(), **random_inputs(plan_2024, 7)}, path)
    saved = recalculate([path], tmp_path / "out", tmp_path / "profile")[0]

    def export(p):
        book, plan = recognise(p)
        cells = read_cells(book, plan)
        return cells, nest(engine_for(plan).compute(cells.values), plan)

    (_, ours_values), (theirs, theirs_values) = export(path), export(saved)
    assert set(theirs.formulas) == set(plan_2024.formulas)              # every formula survives LibreOffice
    assert theirs_values == ours_values


def test_filled_in_libreoffice_scores_like_perftool_fill(example, tmp_path):
    """The 000 example filled by perftool, and the blank template filled cell by cell then recalculated and
    saved by LibreOffice: same findings, same scores (the LibreOffice file must not look tampered or stale)."""
    from perftool.assess import assess

    ours_path, ours = example("000_yueyang_2022")
    blank = tmp_path / "in" / "by_hand.xlsx"
    blank.parent.mkdir()
    from perftool.generate.render import render

    render(ours.plan, ours.plan.default_inputs(), blank)
    book = openpyxl.load_workbook(blank)
    for key, value in {**ours.inputs, **ours.overrides}.items():
        f = ours.plan.field(key)
        book[f.sheet][f.cell] = value
    book["附件2"]["G6"] = "=10"  # keep the template's constant formula as typed by hand
    book.save(blank)
    theirs_path = recalculate([blank], tmp_path / "out", tmp_path / "profile")[0]
    theirs = assess(theirs_path)
    assert theirs.to_dict()["indicators"] == ours.to_dict()["indicators"]
    assert (theirs.basis.total, theirs.basis.self_total) == (98.73, 98.75)
    assert sorted((f.code, f.cell) for f in theirs.findings) == sorted((f.code, f.cell) for f in ours.findings)


def test_annotated_workbook_round_trips_through_libreoffice(example, tmp_path):
    """The annotated copy (assembled from the layout's skeleton, ``generate/skeleton.py``) opens in LibreOffice
    without repair, recalculates to the same figures, and reads back."""
    from perftool.annotate.workbook import annotate
    from perftool.assess import assess

    _, a = example("003_yiyang_2022")
    annotated = tmp_path / "in" / "annotated.xlsx"
    annotate(a, annotated)
    cached = openpyxl.load_workbook(annotated, data_only=True)
    saved = recalculate([annotated], tmp_path / "out", tmp_path / "profile")[0]
    recalculated = openpyxl.load_workbook(saved, data_only=True)
    assert recalculated.sheetnames[:2] == ["审核结果", "评分结果"]
    for key in a.plan.formulas:
        f = a.plan.field(key)
        assert same(cached[f.sheet][f.cell].value, recalculated[f.sheet][f.cell].value), f"{f.sheet}!{f.cell}"
    again = assess(saved)
    assert again.to_dict()["indicators"] == a.to_dict()["indicators"]
    assert {(f.code, f.cell) for f in again.findings if f.code != "value-coerced"} == \
        {(f.code, f.cell) for f in a.findings if f.code != "value-coerced"}


def _explanation_rules(path) -> dict[str, tuple]:
    """The 说明 cells of a copy's 审核结果 and the rule each is under (type, operator, limit, prompt title)."""
    ws = openpyxl.load_workbook(path)["审核结果"]
    return {str(cell): (dv.type, dv.operator, dv.formula1, dv.promptTitle)
            for dv in ws.data_validations.dataValidation for rng in dv.sqref.ranges for row in
            ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col, max_col=rng.max_col)
            for cell in (c.coordinate for c in row)}


def test_explanation_rules_over_runs_of_rows_are_kept_by_libreoffice(example, tmp_path):
    """The copy's 说明 rules (one per kind of finding, its rows as ranges: ``sqref="J4:J9 J12"``) are read by
    LibreOffice on exactly those cells: saved again, every 说明 cell keeps its own rule, and no other cell has one."""
    from perftool.annotate.workbook import annotate

    _, a = example("003_yiyang_2022")
    annotated = tmp_path / "in" / "annotated.xlsx"
    annotate(a, annotated)
    mine = _explanation_rules(annotated)
    expected = {f"J{r}": ("textLength", "lessThanOrEqual", "500", "错误须修改" if f.severity == "error" else "出错说明")
                for r, f in enumerate(a.findings, start=4)}
    assert mine == expected and len({v[3] for v in mine.values()}) == 2
    assert len(openpyxl.load_workbook(annotated)["审核结果"].data_validations.dataValidation) == 2  # one per kind
    saved = recalculate([annotated], tmp_path / "out", tmp_path / "profile")[0]
    assert _explanation_rules(saved) == expected
