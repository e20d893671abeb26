"""What the annotated copy keeps per process and layout leaks nothing between units and stays bounded: the
``xl/styles.xml`` kept per set of formats (``package.PackageWorkbook``), a table sheet's fixed XML kept per page fit
(``skeleton.FrameSheet``), the skeleton's formats copied into each copy (``Skeleton.register``), and the 评分结果
indicator rows put in whole (``annotate.workbook._Sheet``). Each copy is compared with its own full re-render
(``test_annotate_oracle.both``)."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import xlsxwriter

from perftool.annotate import workbook as annotated
from perftool.assess import assess
from perftool.generate import package, skeleton
from perftool.generate.package import CACHED_STYLES, PackageWorkbook
from perftool.generate.render import render
from perftool.generate.skeleton import skeleton_of
from perftool.synthetic import full_plan, random_inputs
from test_annotate_oracle import both
from workbook_content import differences


def _styles(kind: type, size: int, comment: bool, extra: bool) -> str:
    """``xl/styles.xml`` of a small workbook of class ``kind`` with these formats (and a comment)."""
    buffer = io.BytesIO()
    book = kind(buffer, {"in_memory": True})
    ws = book.add_worksheet()
    ws.write_string(0, 0, "甲", book.add_format({"font_size": size, "border": 1}))
    ws.write_number(1, 0, 1.5, book.add_format({"num_format": "0.00", "bg_color": "#EAF2FB"}))
    if extra:
        ws.write_string(2, 0, "乙", book.add_format({"bold": True, "quote_prefix": True}))
    ws.conditional_format("A1", {"type": "formula", "criteria": "TRUE",
                                 "format": book.add_format({"bg_color": "#F8B4B4"})})
    if comment:
        ws.write_comment(0, 0, "说明")
    book.close()
    if kind is PackageWorkbook:
        return book.parts["xl/styles.xml"].decode("utf-8")
    with zipfile.ZipFile(buffer) as z:
        return z.read("xl/styles.xml").decode("utf-8")


def test_styles_kept_per_set_of_formats_are_xlsxwriters_own_for_each_set():
    """Sets of formats that differ by a font size, a format more, or a comment (whose font styles.xml lists), met
    in turns: each workbook's styles.xml is what XlsxWriter writes for it, the one kept for its set when met again."""
    package._STYLES.clear()
    cases = [(10, False, False), (10, True, False), (10, False, True), (12, False, False), (10, False, False),
             (10, True, False), (12, False, False)]
    for case in cases:
        assert _styles(PackageWorkbook, *case) == _styles(xlsxwriter.Workbook, *case), case
    assert len(package._STYLES) == 4
    assert len({_styles(PackageWorkbook, *case) for case in cases}) == 4


def test_the_styles_kept_stay_bounded():
    package._STYLES.clear()
    for size in range(8, 8 + CACHED_STYLES + 5):
        _styles(PackageWorkbook, size, False, False)
    assert 0 < len(package._STYLES) <= CACHED_STYLES
    assert _styles(PackageWorkbook, 9, False, False) == _styles(xlsxwriter.Workbook, 9, False, False)


def _assessed(tmp_path, name: str, index: int, long_texts: bool):
    """A full-set unit (layouts shared by every index); ``long_texts``: every text entry long enough to make its
    row taller, so that the tables print at other page breaks."""
    plan = full_plan(2024, index)
    inputs = {**plan.default_inputs(), **random_inputs(plan, index)}
    if long_texts:
        inputs.update({f.key: "情况说明：" + "项目资金按进度拨付、绩效目标按期完成。" * 12
                       for f in plan.fields() if f.kind == "input" and f.type == "text"})
    folder = tmp_path / name
    folder.mkdir()
    render(plan, inputs, folder / "in.xlsx")
    return assess(folder / "in.xlsx"), folder


def _fits(a) -> list[set]:
    """Each table sheet's kept frames' keys (selected, print scale, page breaks)."""
    return [set(sheet.frames) for sheet in skeleton_of(a.plan).sheets]


def test_units_of_one_layout_at_other_page_fits_each_equal_their_own_full_re_render(tmp_path, monkeypatch):
    """Two units of one layout whose tables print at other page breaks (long texts in one), other findings and
    comments: each copy, the table sheets' fixed XML taken from the frames kept for the other unit's fit or made
    for its own, equals its own full re-render, in both orders; with room for one frame per sheet only, too."""
    short, folder1 = _assessed(tmp_path, "short", 0, False)
    long, folder2 = _assessed(tmp_path, "long", 4, True)
    assert skeleton_of(short.plan) is skeleton_of(long.plan)
    for sheet in skeleton_of(short.plan).sheets:
        sheet.frames.clear()
    for a, folder in ((short, folder1), (long, folder2), (short, folder1)):
        full, quick = both(a, folder)
        assert differences(full, quick) == []
    assert any(len({breaks for _, _, breaks in keys}) >= 2 for keys in _fits(short))  # other breaks, long texts
    monkeypatch.setattr(skeleton, "CACHED_FRAMES", 1)
    for sheet in skeleton_of(short.plan).sheets:
        sheet.frames.clear()
    for a, folder in ((long, folder2), (short, folder1), (long, folder2)):
        full, quick = both(a, folder)
        assert differences(full, quick) == []
        assert all(len(keys) <= 1 for keys in _fits(a))


def test_the_copys_formats_are_its_own(tmp_path):
    """The skeleton's formats copied into a copy's workbook are new objects each time, numbered as the skeleton's
    XML refers to them (a copy whose result sheets add formats of their own, then one that adds others)."""
    a, folder = _assessed(tmp_path, "unit", 1, False)
    made = {id(fmt) for _, fmt in skeleton_of(a.plan).made}
    seen: list[set[int]] = []
    register = skeleton.Skeleton.register

    def spy(self, styles):
        register(self, styles)
        seen.append({id(f) for f in styles.book.formats})

    skeleton.Skeleton.register = spy
    try:
        full, quick = both(a, folder)
        b = dataclasses.replace(a, findings=a.findings[:3])
        full_b, quick_b = both(b, folder)
    finally:
        skeleton.Skeleton.register = register
    assert differences(full, quick) == [] and differences(full_b, quick_b) == []
    assert len(seen) == 2 and not seen[0] & seen[1] and not (seen[0] | seen[1]) & made


def test_scores_rows_in_whole_and_cell_by_cell_equal_the_full_re_render(tmp_path, monkeypatch):
    """The 评分结果 indicator rows put in whole from a template, and those written cell by cell: a text that
    starts like a formula (quoted), one spelled as a rich string, one over half Excel's limit, a score that is
    not computed, a score cell that is none, XML specials. The copy equals its own full re-render and used both
    ways."""
    a, folder = _assessed(tmp_path, "unit", 2, False)
    scores = a.self_evaluation or a.evaluation
    odd = ["=1+1", "<r>像富文本</r>", "长" * 17000, "A&B <二级>", "-扣分"]
    indicators = [dataclasses.replace(ind, reason=odd[i % len(odd)] if i % 3 == 0 else ind.reason,
                                      subgroup=odd[(i + 1) % len(odd)] if i % 4 == 1 else ind.subgroup,
                                      score=None if i % 7 == 3 else ind.score,
                                      cell=None if i % 5 == 2 else "不是单元格" if i % 5 == 4 else ind.cell)
                  for i, ind in enumerate(scores.indicators)]
    b = dataclasses.replace(a, self_evaluation=dataclasses.replace(scores, indicators=indicators)) \
        if a.self_evaluation is scores else dataclasses.replace(a, evaluation=dataclasses.replace(
            scores, indicators=indicators))
    ways: list[bool] = []
    whole = annotated._Sheet._whole

    def spy(self, row, cells, target):
        ways.append(whole(self, row, cells, target))
        return ways[-1]

    monkeypatch.setattr(annotated._Sheet, "_whole", spy)
    full, quick = both(b, folder)
    assert differences(full, quick) == []
    assert True in ways and False in ways
    shown = {cell[1] for cell in quick["sheet 评分结果"]["cells"].values()}
    assert {"=1+1", "<r>像富文本</r>", "A&B <二级>"} <= shown
