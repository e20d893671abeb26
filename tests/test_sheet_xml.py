"""``XmlSheet`` writes what a plain XlsxWriter worksheet writes for the same calls: cells of every kind (numbers,
texts that need escaping or truncating, blanks, rich-string fragments, merges), validations, links within the
workbook, comments and row heights, called with numbers, with A1 notation and with keywords; rows beyond those kept
open (packed, one written again, a chart's data taken from them); compared part by part
(``workbook_content.py``, comments and VML byte for byte)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from perftool.generate.sheet_xml import CommentKind, XmlSheet, write_row, xml_parts
from perftool.generate.package import PackageWorkbook, write_package
from workbook_content import content, differences


def _calls(book: xlsxwriter.Workbook, sheet_class: type | None) -> None:
    ws = book.add_worksheet("表一", worksheet_class=sheet_class)
    bold = book.add_format({"bold": True, "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    ws.set_column(0, 5, 12)
    ws.set_row(4, 30)
    ws.write_string(0, 0, "A&B <单位> _x0041_ \x01", bold)
    ws.write_string("B1", "  前后空格  ", cell_format=wrap)
    ws.write_number(1, 0, 1234.5678, bold)
    ws.write_number("B2", 7, wrap)
    ws.write_blank(2, 0, None, bold)
    ws.write_blank("B3", None)  # no format: no cell
    ws.write_rich_string(3, 0, "<", "r", ">富文本</r>", wrap)
    ws.write_string(3, 1, "长" * 40000, wrap)
    ws.merge_range(5, 0, 6, 2, "合并", bold)
    write_row(ws, 7, [(0, "行内", wrap), (1, 3.25, bold), (2, "=不是公式", wrap), (4, "\t制表", wrap)])
    ws.write_url(8, 0, "internal:'表二'!C3", bold, string="表二!C3", tip="转到该单元格")
    ws.write_url("B9", "internal:'表二'!D4", bold, "表二!D4")
    for r in range(10, 14):
        ws.data_validation(r, 3, r, 3, {"validate": "length", "criteria": "<=", "value": 500, "ignore_blank": True,
                                        "input_title": "出错说明", "input_message": "不超过 500 字"})
    ws.data_validation("E11:E14", {"validate": "list", "source": ["是", "否"]})
    for r in range(0, 40, 3):
        ws.write_comment(r, 1, f"【错误】第 {r} 行 & <说明>", {"author": "perftool 审核", "x_scale": 3.5,
                                                         "y_scale": 1.5 + r / 60, "font_name": "宋体"})
    ws.write_comment("F2", "另一条", {"visible": True})
    other = book.add_worksheet("表二", worksheet_class=sheet_class)
    other.write_comment(2, 2, "表二的批注")
    other.write_string(2, 2, "x")
    book.add_worksheet("共享").write_string(0, 0, "共享字符串表")  # a plain sheet: both packages have shared strings
    many = book.add_worksheet("多行", worksheet_class=sheet_class)  # more rows than XmlSheet keeps open: packed
    for r in range(2300):  # beyond sheet_xml.PLAIN_ROWS: rows deflated too
        write_row(many, r, [(0, f"第{r}行", wrap), (1, r * 1.5, bold), (3, "说明 & 备注", wrap)])
        many.data_validation(r, 3, r, 3, {"validate": "length", "criteria": "<=", "value": 500})
    many.write_string(5, 2, "后写入", bold)  # into a packed row: opened again, its cells in column order
    many.write_number(5, 0, 99, bold)  # over a packed row's cell
    many.write_string(2200, 2, "后写入", bold)  # into a deflated one
    many.set_row(150, 40)
    chart = book.add_chart({"type": "column"})  # its cached data taken from packed rows
    chart.add_series({"categories": ["多行", 10, 0, 2250, 0], "values": ["多行", 0, 1, 2250, 1]})
    many.insert_chart(2, 5, chart)


def both(tmp_path: Path, calls) -> tuple[dict, dict, Path, dict]:
    """The contents of a workbook made by ``calls`` on plain worksheets and on XmlSheets; the latter's file and
    its replaced parts."""
    plain = tmp_path / "plain.xlsx"
    book = xlsxwriter.Workbook(str(plain))
    calls(book, None)
    book.close()
    book = PackageWorkbook(io.BytesIO(), {"in_memory": True})
    calls(book, XmlSheet)
    book.close()
    parts = xml_parts(book, book.parts)
    names = set(parts)
    quick = tmp_path / "quick.xlsx"
    write_package(quick, {name: parts.get(name, data) for name, data in book.parts.items()})
    return content(plain), content(quick), quick, names


def test_an_xml_sheet_writes_what_xlsxwriter_writes(tmp_path: Path):
    a, b, _, parts = both(tmp_path, _calls)
    assert "xl/drawings/vmlDrawing1.vml" in parts and "xl/worksheets/sheet1.xml" in parts
    assert differences(a, b) == []
    assert len(b["sheet 表一"]["cells"]) > 10 and b["sheet 表一"]["comments"]


def _boxes(book: xlsxwriter.Workbook, sheet_class: type | None) -> None:
    """Comment boxes over columns and rows of every kind of size: set, default, hidden, fractional pixels."""
    ws = book.add_worksheet("批注", worksheet_class=sheet_class)
    ws.set_column(0, 0, 30)
    ws.set_column(2, 3, None, None, {"hidden": True})
    ws.set_column(5, 5, 1.3)
    ws.set_column(6, 7, 0)
    for r, h in ((1, 40.5), (3, 0.75), (7, 9.8), (12, 100)):
        ws.set_row(r, h)
    ws.set_row(5, None, None, {"hidden": True})
    ws.set_row(6, 22.35, None, {"hidden": True})
    spots = [(0, 0), (0, 9), (1, 1), (2, 4), (4, 1), (5, 3), (6, 6), (8, 5), (12, 0), (13, 2), (40, 1), (300, 8),
             (9, 16381), (10, 16382), (11, 16383), (1048573, 3), (1048575, 16383)]
    for i, (r, c) in enumerate(sorted(spots, key=lambda s: (-s[0], s[1]))):  # not in the order they are placed
        ws.write_comment(r, c, f"第 {i} 条", {"x_scale": 1 + i % 3, "y_scale": 0.5 + i % 4})
    ws.write_comment(20, 2, "移到别处", {"x_offset": 80, "y_offset": 45})
    ws.write_comment(21, 2, "负偏移", {"x_offset": -90, "y_offset": -30})
    ws.write_comment(22, 4, "起于他处", {"start_cell": "B30"})
    other = book.add_worksheet("默认大小", worksheet_class=sheet_class)  # no column or row sized
    for r, c in ((0, 0), (3, 2), (17, 11)):
        other.write_comment(r, c, "默认", {"width": 300, "height": 7})
    odd = book.add_worksheet("半像素", worksheet_class=sheet_class)  # sizes not in whole pixels: walked as XlsxWriter
    odd.set_row_pixels(2, 17.5)
    odd.set_column_pixels(1, 1, 70.25)
    odd.set_column_pixels(2, 2, 70.75)
    for r, c in ((0, 0), (1, 1), (2, 0), (4, 3)):
        odd.write_comment(r, c, "半像素", {"x_scale": 2.5, "y_scale": 1.7})
    odd.write_comment(3, 0, "恰好", {"width": 126})  # ends exactly on a column's edge (15 + 126 = 70.25 + 70.75)


def test_comment_boxes_are_placed_as_xlsxwriter_places_them(tmp_path: Path):
    """The boxes' anchors and positions (VML, byte for byte) from each sheet's summed sizes are XlsxWriter's own,
    over hidden, zero-width and fractional columns and rows, at the sheet's edges and with moved boxes; over sizes
    given in fractions of a pixel."""
    a, b, quick, _ = both(tmp_path, _boxes)
    assert differences(a, b) == []
    with zipfile.ZipFile(quick) as z:
        vml = z.read("xl/drawings/vmlDrawing1.vml")
    assert vml.count(b"<v:shape ") == 20 and b"<x:Anchor>" in vml


def test_heights_set_at_once_are_what_set_row_sets():
    """``XmlSheet.set_heights`` keeps each row's height (pixels, a 0 hiding the row), the row sizes objects are
    placed by and the sheet's dimensions as ``set_row`` does, a row outside the sheet ignored."""
    heights = {3: 18.75, 0: 30.0, 7: 0.0, 12: 409.5, 5: 15.4, 1_048_576: 20.0}
    sheets = []
    for sheet_class in (None, XmlSheet):
        book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
        ws = book.add_worksheet(worksheet_class=sheet_class)
        ws.write_string(2, 4, "甲")
        if sheet_class is None:
            for r, h in heights.items():
                ws.set_row(r, h)
        else:
            ws.set_heights(heights)
        sheets.append(ws)
    plain, xml = sheets
    assert xml.row_info == plain.row_info and xml.row_sizes == plain.row_sizes
    assert list(xml.row_info) == [3, 0, 7, 12, 5] and xml.row_info[7].hidden and xml.row_info[3].height == 25
    assert (xml.dim_rowmin, xml.dim_rowmax, xml.dim_colmin, xml.dim_colmax) == \
        (plain.dim_rowmin, plain.dim_rowmax, plain.dim_colmin, plain.dim_colmax) == (0, 12, 4, 4)


def test_row_tags_are_xlsxwriters():
    """``XmlSheet._row_tag`` writes the ``<row>`` tag XlsxWriter writes for a row set at most a height (with or
    without spans, cells, at the default height or another, after ``set_default_row``), and leaves a row with a
    format, hidden or outlined to XlsxWriter."""
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    ws = book.add_worksheet(worksheet_class=XmlSheet)
    bold = book.add_format({"bold": True})
    ws.set_row(1, 30)
    ws.set_row(2, 15)
    ws.set_row(3, 20, bold)
    ws.set_row(4, 20, None, {"hidden": True})
    ws.set_row(5, 20, None, {"level": 1})
    made = 0
    for default in (None, 18):
        if default:
            ws.set_default_row(default)
        for row in range(7):
            for spans in (None, "1:12"):
                for empty in (False, True):
                    tag = ws._row_tag(row, spans, ws.row_info.get(row), empty)
                    ws.fh = io.StringIO()
                    ws._write_row(row, spans, ws.row_info.get(row), empty)
                    if row in (3, 4, 5):
                        assert tag is None
                    else:
                        assert tag == ws.fh.getvalue(), (row, spans, empty, default)
                        made += 1
    assert made == 32


def _notes(book: xlsxwriter.Workbook, sheet_class: type | None) -> None:
    """Comments of a few kinds, as ``write_marks`` writes them: ``put_comments`` on an XmlSheet (rows sized by
    ``size_rows``), ``write_comment`` with the kind's options (rows by ``set_row``) on a plain sheet; at the sheet's
    edges, over hidden and sized rows, one out of the sheet (left out by both)."""
    ws = book.add_worksheet("批注", worksheet_class=sheet_class)
    ws.set_column(0, 0, 30)
    ws.set_column(3, 3, None, None, {"hidden": True})
    heights = {1: 40.5, 2: 0, 4: 9.8, 9: 100.0, 60: 33.0}
    kinds = [CommentKind({"author": "perftool 审核", "x_scale": 3.5, "y_scale": 1.5 + n / 60, "font_name": "宋体"})
             for n in (0, 90, 390)] + [CommentKind({"visible": True, "color": "#ff0000"})]
    notes = [(r, c, f"第 {r} 行 & <说明>  ", kinds[(r + c) % 4])
             for r, c in ((0, 0), (0, 5), (1, 1), (2, 2), (3, 3), (8, 0), (40, 1), (1048575, 16383), (11, 16381))]
    notes.append((1048576, 0, "出界", kinds[0]))
    if sheet_class is None:
        for r, h in heights.items():
            if r <= 50:
                ws.set_row(r, h)
        for r, c, text, kind in notes:
            assert ws.write_comment(r, c, text, kind.options) == (-1 if r == 1048576 else 0)
    else:
        ws.size_rows(heights, 50)
        ws.put_comments(notes)


def test_notes_are_the_comments_xlsxwriter_writes(tmp_path: Path):
    """``put_comments`` and ``size_rows`` give the comments, boxes and VML XlsxWriter's ``write_comment`` and
    ``set_row`` give, byte for byte; ``size_rows`` sizes the rows for the boxes only (the rows' XML is a frame
    sheet's skeleton's), up to its last row."""
    a, b, quick, parts = both(tmp_path, _notes)
    assert "xl/comments1.xml" in parts and "xl/drawings/vmlDrawing1.vml" in parts
    rows = "/sheet 批注/rows/"
    assert sorted(d.split(":")[0] for d in differences(a, b)) == [rows + "10", rows + "2", rows + "3", rows + "5"]
    assert not any(d for d in differences(a, b) if not d.startswith(rows))
    with zipfile.ZipFile(quick) as z:
        vml = z.read("xl/drawings/vmlDrawing1.vml")
        comments = z.read("xl/comments1.xml").decode("utf-8")
    assert vml.count(b"<v:shape ") == 9 and vml.count(b"<x:Visible/>") == sum(
        (r + c) % 4 == 3 for r, c in ((0, 0), (0, 5), (1, 1), (2, 2), (3, 3), (8, 0), (40, 1), (1048575, 16383),
                                      (11, 16381)))
    assert comments.count("<comment ") == 9 and "第 0 行 &amp; &lt;说明&gt;  " in comments
    assert 'ref="XFD1048576"' in comments and "出界" not in comments


def test_a_comment_kind_does_not_move_its_boxes():
    with pytest.raises(ValueError):
        CommentKind({"x_offset": 5})


def test_rows_given_whole_widen_the_dimensions_as_their_cells_do():
    """``put_whole_row`` widens the sheet's dimensions as writing its first and last cell does; a row outside the
    sheet (row or column) is refused, the dimensions as writing its cells leaves them."""
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    xml = book.add_worksheet(worksheet_class=XmlSheet)
    plain = book.add_worksheet()
    for ws in (xml, plain):
        ws.write_string(5, 3, "甲")

    def dims(ws):
        return ws.dim_rowmin, ws.dim_rowmax, ws.dim_colmin, ws.dim_colmax

    for row, cols in ((9, (2, 6)), (1, (4, 5)), (7, (0, 3))):
        assert xml.put_whole_row(row, "", cols, ("x", "y"))
        for col in cols:
            plain.write_string(row, col, "x")
    assert dims(xml) == dims(plain) == (1, 9, 0, 6)
    for row, cols in ((1_048_576, (0, 1)), (-1, (0, 1)), (3, (-1, 2))):
        assert not xml.put_whole_row(row, "", cols, ("x", "y"))
    assert dims(xml) == (1, 9, 0, 6)
    assert not xml.put_whole_row(20, "", (0, 16_384), ("x", "y"))
    assert plain.write_string(20, 0, "x") == 0 and plain.write_string(20, 16_384, "x") == -1
    assert dims(xml) == dims(plain) == (1, 20, 0, 6)
