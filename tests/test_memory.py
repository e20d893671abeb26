"""A worker's memory: what scoring and annotating import, and perftool's own A1 and date helpers that spare it
openpyxl (exactly openpyxl's results)."""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl.utils import cell as openpyxl_cell
from openpyxl.utils.datetime import from_excel as openpyxl_from_excel
from openpyxl.utils.exceptions import CellCoordinatesException as OpenpyxlCoordinates

from perftool import excel

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
