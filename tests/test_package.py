"""The annotated copy's package (``generate/package.py``): XlsxWriter's parts kept in memory, fixed parts deflated
once per process, a table sheet's validations deflated once per skeleton and joined to the copy's own deflated
bytes. Each copy is a valid zip that Excel-compatible readers open, with the content of its own full re-render."""

from __future__ import annotations

import os
import zipfile
import zlib

import openpyxl
import python_calamine as calamine
import pytest

from libreoffice import recalculate, soffice
from perftool.annotate.workbook import annotate
from perftool.assess import assess
from perftool.generate import package
from perftool.generate.package import CACHED_PARTS, Deflated, write_package
from perftool.generate.render import render
from perftool.generate.skeleton import skeleton_of
from perftool.synthetic import full_plan, inject_mistakes, random_inputs
from test_annotate_oracle import both
from workbook_content import differences


def test_pieces_deflated_before_join_the_copys_own_into_one_stream(tmp_path):
    """Bytes and pre-deflated pieces (one longer than the zero buffer the CRCs are combined with, one empty, two in
    a row) give one part whose CRC and text are right; a whole part is deflated once, then reused."""
    big = os.urandom(70_000) + "验证".encode() * 20_000
    pieces = [b"<a>", Deflated.of([big]), Deflated.of([b""]), Deflated.of([b"x" * 100, b"y"]), b"", b"</a>"]
    fixed = b"<theme>" + b"t" * 5000 + b"</theme>"
    write_package(tmp_path / "p.zip", {"one.xml": fixed, "two.xml": iter(pieces), "[三].xml": fixed})
    with zipfile.ZipFile(tmp_path / "p.zip") as z:
        assert z.testzip() is None
        assert z.namelist() == ["one.xml", "two.xml", "[三].xml"]
        assert z.read("two.xml") == b"<a>" + big + b"x" * 100 + b"y</a>"
        assert z.read("one.xml") == z.read("[三].xml") == fixed
        assert z.getinfo("two.xml").CRC == zlib.crc32(z.read("two.xml"))
    assert package._DEFLATED[fixed][1] == zlib.crc32(fixed)


def test_the_cache_of_deflated_parts_stays_bounded(tmp_path):
    for i in range(CACHED_PARTS + 10):
        write_package(tmp_path / "p.zip", {"a.xml": b"%d" % i})
    assert len(package._DEFLATED) == CACHED_PARTS
    assert b"%d" % (CACHED_PARTS + 9) in package._DEFLATED and b"0" not in package._DEFLATED


def _unit(tmp_path, i: int, mistakes: bool):
    plan = full_plan(2024, i)
    inputs = {**plan.default_inputs(), **random_inputs(plan, i)}
    if mistakes:
        inputs = inject_mistakes(plan, inputs, i, 8)
    folder = tmp_path / f"{i:02d}"
    folder.mkdir()
    render(plan, inputs, folder / "in.xlsx")
    return assess(folder / "in.xlsx"), folder


def test_two_units_of_one_layout_each_equal_their_own_full_re_render(tmp_path):
    """Two full-set units of one layout (one skeleton, one set of pre-deflated validations): different entries,
    figures typed over totals in one, so different findings, comments, highlights and result sheets. Each copy
    equals its own full re-render, is a valid zip, and opens in openpyxl and python-calamine with its figures."""
    first, folder1 = _unit(tmp_path, 0, False)
    second, folder2 = _unit(tmp_path, 4, True)
    assert skeleton_of(first.plan) is skeleton_of(second.plan)
    assert second.overrides and not first.overrides and len(first.findings) != len(second.findings)
    for a, folder in ((first, folder1), (second, folder2), (first, folder1)):  # the first again, after the second
        full, quick = both(a, folder)
        assert differences(full, quick) == []
        with zipfile.ZipFile(folder / "quick.xlsx") as z:
            assert z.testzip() is None
        key = next(k for k in a.plan.formulas if isinstance(a.as_filed[k], float) and a.as_filed[k])
        f = a.plan.field(key)
        assert openpyxl.load_workbook(folder / "quick.xlsx", data_only=True)[f.sheet][f.cell].value == \
            pytest.approx(a.as_filed[key])
        rows = calamine.CalamineWorkbook.from_path(str(folder / "quick.xlsx")).get_sheet_by_name(f.sheet).to_python()
        assert rows[f.row][f.col] == pytest.approx(a.as_filed[key])
    assert all(isinstance(s.validations, package.Deflated) for s in skeleton_of(first.plan).sheets)  # every table has some


def test_the_copy_recomputes_when_the_entries_changed_after_assess(tmp_path):
    """The copy reuses ``as_filed`` only when it was computed from the entries it writes: an entry changed after
    ``assess`` is written with the figures computed from it, as the full re-render writes them."""
    a, folder = _unit(tmp_path, 8, False)
    assert a.filed_from == {**a.inputs, **a.overrides}
    key = next(k for k, v in a.inputs.items() if isinstance(v, (int, float)) and not isinstance(v, bool) and v)
    a.inputs[key] = a.inputs[key] + 1000
    full, quick = both(a, folder)
    assert differences(full, quick) == []
    f = a.plan.field(key)
    assert openpyxl.load_workbook(folder / "quick.xlsx")[f.sheet][f.cell].value == a.inputs[key]


@pytest.mark.skipif(soffice() is None, reason="LibreOffice 未安装（make test 会自动安装）")
def test_libreoffice_opens_a_copy_and_recalculates_its_figures(tmp_path):
    """A full-set copy (fixed parts and validations deflated before) converted by LibreOffice: every formula of
    the tables recalculates to the figure the copy cached."""
    a, folder = _unit(tmp_path, 12, True)
    copy = folder / "in" / "copy.xlsx"
    copy.parent.mkdir()
    annotate(a, copy)
    saved = recalculate([copy], folder / "out", folder / "profile")[0]
    cached = openpyxl.load_workbook(copy, data_only=True)
    recalculated = openpyxl.load_workbook(saved, data_only=True)
    assert recalculated.sheetnames[:2] == ["审核结果", "评分结果"]
    compared = 0
    for key in a.plan.formulas:
        f = a.plan.field(key)
        mine, theirs = cached[f.sheet][f.cell].value, recalculated[f.sheet][f.cell].value
        if isinstance(mine, float):
            assert theirs == pytest.approx(mine, rel=1e-9, abs=1e-9), f"{f.sheet}!{f.cell}"
            compared += 1
    assert compared > 200
