"""A worker's memory: what scoring and annotating import, and perftool's own A1 and date helpers that spare it
openpyxl (exactly openpyxl's results)."""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from openpyxl.utils import cell as openpyxl_cell
from openpyxl.utils.datetime import from_excel as openpyxl_from_excel
from openpyxl.utils.exceptions import CellCoordinatesException as OpenpyxlCoordinates

from perftool import excel
from perftool.generate import render
from perftool.generate.render import validations_xml
from perftool.generate.sheet_xml import CHUNK_ROWS
from perftool.synthetic import full_plan

ROOT = Path(__file__).resolve().parents[1]

COLUMNS = ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD", "ZZZ", "ab", "xfd", "", "AAAA", "A1", "Ä", "ß", "-", "$A"]
ADDRESSES = ["A1", "$A$1", "a1", "B12", "$B12", "B$12", "XFD1048576", "ZZZ9", "A0", "A", "1", "AAAA1", "A1:B2",
             "A-1", " A1", "A1 ", "$$A1", "ß1"]
RANGES = ADDRESSES + ["A1:C3", "$A$1:$C$3", "C3:A1", "A:B", "$A:$B", "2:3", "$2:$3", "A1:B", "A:B2", "A1:", ":B2",
                      "A:", "1:", "", ":", "A1:B2:C3", "A1,B2", "Sheet1!A1", "zz10:ZZZ20"]


def _outcome(function, *args):
    """A result, or the kind of error raised (openpyxl's and perftool's coordinate exceptions alike)."""
    try:
        return function(*args)
    except (excel.CellCoordinatesException, OpenpyxlCoordinates):
        return "CellCoordinatesException"
    except ValueError:
        return "ValueError"


def test_column_letters_are_openpyxl_s():
    for index in [*range(-1, 800), *range(18200, 18300), 16384]:
        assert _outcome(excel.get_column_letter, index) == _outcome(openpyxl_cell.get_column_letter, index), index
    letters = ["".join(p) for n in (1, 2) for p in itertools.product("AMZ", repeat=n)] + COLUMNS
    for text in letters:
        assert _outcome(excel.column_index_from_string, text) == \
            _outcome(openpyxl_cell.column_index_from_string, text), text
    assert excel.column_index_from_string("XFD") == 16384 and excel.get_column_letter(28) == "AB"


def test_addresses_and_ranges_are_openpyxl_s():
    for text in ADDRESSES:
        assert _outcome(excel.coordinate_from_string, text) == \
            _outcome(openpyxl_cell.coordinate_from_string, text), text
    for text in RANGES:
        assert _outcome(excel.range_boundaries, text) == _outcome(openpyxl_cell.range_boundaries, text), text
    assert excel.range_boundaries("$B$2:D9") == (2, 2, 4, 9)
    assert excel.range_boundaries("C:D") == (3, None, 4, None)


@pytest.mark.parametrize("serial", [1, 1.5, 59, 59.999, 60, 61, 45000, 45000.25, 45000.123456789, 2958465.9999])
def test_serial_dates_are_openpyxl_s(serial):
    assert excel.from_excel(serial) == openpyxl_from_excel(serial)
    assert excel.from_excel(45292) == dt.datetime(2024, 1, 1)


def test_scoring_and_annotating_import_no_openpyxl(tmp_path):
    """openpyxl (with numpy ~27 MB of a worker's imports) stays out of a worker that scores and annotates a
    workbook XlsxWriter wrote (no shared formulas)."""
    code = ("import sys; from perftool.synthetic import write_corpus; from perftool.assess import assess; "
            "from perftool.annotate.workbook import annotate; from pathlib import Path; "
            "f = write_corpus(Path(sys.argv[1]), 1)[0]; a = assess(f); annotate(a, Path(sys.argv[1]) / 'o.xlsx'); "
            "print(a.errors + a.warnings > 0, sorted(m for m in sys.modules if m.split('.')[0] in "
            "('openpyxl', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.split() == ["True", "[]"], out.stderr[-2000:]


def _traced_peak(make):
    """What ``make()`` allocated at most (MB), and its result."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = make()
        return (tracemalloc.get_traced_memory()[1] - base) / 2**20, result
    finally:
        tracemalloc.stop()


def test_a_500_row_plan_stays_small():
    """Laying out a full set at 500 rows per 科目 table (58,517 fields) allocates 24.3 MB at most (28.8 before a
    repeat row's fields shared their row label): a bound with 30 % headroom."""
    peak, plan = _traced_peak(lambda: full_plan(rows=500))
    assert sum(len(lay.fields) for lay in plan.layouts.values()) == 58517
    assert peak < 24.3 * 1.3


def test_validations_are_made_a_chunk_at_a_time():
    """附件2 at 100 rows per group: its ~5,000 distinct rules' XML made CHUNK_ROWS rules at a time, from grouped
    fields (4.8 MB at most; 7.7 MB when every rule's XML and dict were held until the end): 30 % headroom."""
    layout = full_plan(rows=100).layouts["fj2"]
    peak, pieces = _traced_peak(lambda: [(piece[:60], piece.count(b"<dataValidation ")) for piece in
                                         validations_xml(layout)])
    assert sum(n for _, n in pieces) == int(pieces[0][0].split(b'"')[1]) > 4 * CHUNK_ROWS
    assert len(pieces) > 4
    assert peak < 4.8 * 1.3


def test_a_skeleton_keeps_its_slots_as_indices():
    """A full set's skeleton at 100 rows per 科目 table (16,480 parts) keeps 6.5 MB; with a tuple and a made cell
    head per slot (the first version of ``_Sheet.data``'s fast path) it kept 8.5 MB, and 14 MB more at 500 rows'
    score + annotate peak: a bound with 15 % headroom. Measured in a fresh process: what earlier tests left
    (a 500-row plan, caches grown already) would make it keep less."""
    code = ("import tracemalloc; from perftool.generate import skeleton as skeletons; "
            "from perftool.synthetic import full_plan; plan = full_plan(rows=100); tracemalloc.start(); "
            "base = tracemalloc.get_traced_memory()[0]; skeleton = skeletons.skeleton_of(plan); "
            "kept = (tracemalloc.get_traced_memory()[0] - base) / 2**20; "
            "print(sum(len(sheet.parts) for sheet in skeleton.sheets), kept)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    parts, kept = out.stdout.split()
    assert int(parts) == 16480
    assert 5 < float(kept) < 6.5 * 1.15


def test_a_unit_s_many_texts_leave_no_fitted_heights():
    """附件2 at 100 rows per group: a unit entering more than CACHED_TEXTS texts gets its heights fitted without
    keeping them (its key and heights were ~2.5 MB per unit at 500 rows); one entering fewer keeps them, and both
    get the same heights again."""
    plan = full_plan(rows=100)
    layout = plan.layouts["fj2"]
    hp = render._height_plan(layout, plan)
    keys = [key for key, is_input in zip(hp.keys, hp.inputs) if is_input]
    assert len(keys) > render.CACHED_TEXTS
    many = {key: "一段足够长、需要在单元格里折行显示的文字说明" * 3 for key in keys}
    few = dict(itertools.islice(many.items(), render.CACHED_TEXTS))
    hp.fitted.clear()
    first = render.table_heights(layout, plan, many, set())
    assert not hp.fitted and render.table_heights(layout, plan, many, set()) == first
    assert max(first.values()) > 16.0
    kept = render.table_heights(layout, plan, few, set())
    assert len(hp.fitted) == 1 and render.table_heights(layout, plan, few, set()) == kept
    assert kept != first


def _kept_in_fresh_process(module: str, make: str) -> float:
    """What ``make`` (an expression of ``plan``, a full set at 100 rows per 科目 table, and ``module``) keeps (MB),
    measured in a fresh process: caches earlier tests grew would make it keep less."""
    code = (f"import tracemalloc; from perftool.synthetic import full_plan; from {module.rpartition('.')[0]} import "
            f"{module.rpartition('.')[2]}; plan = full_plan(rows=100); "
            "tracemalloc.start(); base = tracemalloc.get_traced_memory()[0]; kept = " + make + "; "
            "print((tracemalloc.get_traced_memory()[0] - base) / 2**20)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout)


def test_height_plans_keep_their_cells_as_arrays():
    """A full set's height plans at 100 rows per 科目 table keep 0.47 MB, their wrapping cells as parallel arrays
    (0.995 MB with a tuple per cell): a bound with 15 % headroom."""
    kept = _kept_in_fresh_process("perftool.generate.render",
                                  "[render._height_plan(lay, plan) for lay in plan.layouts.values()]")
    assert 0.3 < kept < 0.47 * 1.15


def test_compiled_formulas_keep_slots_and_tuples():
    """A full set's engine at 100 rows per 科目 table (1,164 formulas) keeps 1.26 MB, each compiled formula with
    slots and its dependencies as a tuple (1.85 MB with a ``__dict__`` and a set): a bound with 15 % headroom."""
    kept = _kept_in_fresh_process("perftool.engine", "engine.Engine(plan)")
    assert 0.9 < kept < 1.26 * 1.15
