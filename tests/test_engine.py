"""The compiled evaluator agrees with the `formulas` library, formula by formula, on clean and messy entries."""

from __future__ import annotations

import math
import random

import formulas
import numpy as np
import pytest
import schedula as sh
from openpyxl.utils.cell import range_boundaries

from perftool.engine import engine_for
from perftool.formula import compile_formula
from perftool.synthetic import random_inputs

# Numeric text is left out: Excel and LibreOffice skip it inside SUM ranges, `formulas` adds it (and the reader
# never passes it on: it coerces "12.5" to 12.5 with a warning first).
MESSY = [None, 0, 0.0, -3.5, 12.25, 1e9, "", "abc", True, False, "是", "#DIV/0!"]


def oracle(text: str, sheet: str, positions) -> object:
    """The formula evaluated by `formulas` (references passed as ranges, as spreadsheets see them)."""
    function = formulas.Parser().ast("=" + text)[1].compile()
    grids = []
    for name in function.inputs:
        ref_sheet, _, ref = name.rpartition("!")
        ref_sheet = ref_sheet.strip("'") or sheet
        c1, r1, c2, r2 = range_boundaries(ref)
        grids.append([[positions.get((ref_sheet, r - 1, c - 1)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)])

    def run(values):
        args = [np.array([[sh.EMPTY if values.get(k) is None else values.get(k) for k in row] for row in grid],
                         dtype=object) for grid in grids]
        result = function(*args)
        if isinstance(result, np.ndarray):
            result = result.ravel()[0]
        if result is sh.EMPTY:
            return None
        if isinstance(result, formulas.tokens.operand.XlError):
            return str(result)
        if isinstance(result, (np.bool_, bool)):
            return bool(result)
        if isinstance(result, (int, float, np.number)):
            return float(result)
        return result
    return run


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b or (a in (None, "") and b in (None, ""))


@pytest.mark.parametrize("messy", [False, True])
def test_every_template_formula_agrees_with_formulas(plan_2024, messy):
    engine = engine_for(plan_2024)
    rnd = random.Random(42)
    checked = 0
    for key, compiled in engine.compiled.items():
        reference = oracle(compiled.text, plan_2024.field(key).sheet, engine.positions)
        for seed in range(6):
            values = random_inputs(plan_2024, seed)
            if messy:
                values = {k: rnd.choice(MESSY) for k in compiled.dependencies}
            mine, theirs = compiled(values), reference(values)
            assert same(mine, theirs), f"{key} ={compiled.text} with {[values.get(k) for k in compiled.dependencies]}" \
                                       f": {mine!r} vs formulas {theirs!r}"
            checked += 1
    assert checked == 6 * len(plan_2024.formulas)


@pytest.mark.parametrize("text, expected", [
    ("ROUND(2.675,2)", 2.68), ("ROUND(-2.5,0)", -3.0), ("ROUNDUP(1.21,1)", 1.3), ("ROUNDDOWN(-1.29,1)", -1.2),
    ("-2^2", 4.0), ("2+3*4^2", 50.0), ("1/0", "#DIV/0!"), ("\"a\"&1.5&TRUE", "a1.5TRUE"), ("50%", 0.5),
    ("IF(\"x\"=\"X\",1,2)", 1.0), ("AND(1,0)", False), ("OR(0,\"TRUE\")", True), ("LEN(12.0)", 2.0),
    ("SUM(1,\"2\",TRUE)", 4.0), ("MAX()", 0.0), ("NOT(\"x\")", "#VALUE!"), ("\"a\"+1", "#VALUE!"),
])
def test_excel_semantics(text, expected):
    function, _ = compile_formula(text, "S", {})
    assert function({}) == expected
