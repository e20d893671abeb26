"""A ``TemplateChart`` writes the chart, drawing and relationship parts XlsxWriter writes for the same chart, byte for
byte: for several charts in one workbook (their numbers and axis ids), a second workbook of the same shape with other
data (nothing of the first kept), texts XlsxWriter escapes, categories it writes as numbers or leaves out (a rich
string, no rows at all: XlsxWriter's own chart then); and the templates stay bounded."""

from __future__ import annotations

import io
import zipfile

import pytest

from perftool.generate import chart_xml
from perftool.generate.chart_xml import ChartSpec, TemplateChart, add_chart
from perftool.generate.render import new_workbook
from perftool.generate.sheet_xml import XmlSheet, write_row
from perftool.generate.styles import write_plain

SHEET = "评分结果"


def _spec(title: str, first: int, last: int) -> ChartSpec:
    return ChartSpec("column", tuple({"name": name, "categories": [SHEET, first, 0, last, 0],
                                      "values": [SHEET, first, col, last, col], "data_labels": {"value": True}}
                                     for col, name in ((1, "分值"), (2, "计算得分"), (3, "自评得分"))),
                     {"name": title, "name_font": {"name": "宋体", "size": 11}}, {"position": "bottom"},
                     {"width": 620, "height": 300})


def _parts(tables: list[tuple[str, list[tuple[str, float, float, float]]]], template: bool) -> dict[str, bytes]:
    """The chart parts of a workbook with one table and chart per ``(title, rows)``."""
    buffer = io.BytesIO()
    book = new_workbook(buffer)
    fmt = book.add_format({"border": 1})
    ws = book.add_worksheet(SHEET, worksheet_class=XmlSheet if template else None)
    row = 1
    for title, rows in tables:
        first = row
        for name, *values in rows:
            if name.startswith("<r>"):
                write_plain(ws, row, 0, name, fmt)  # a rich string: no cached value
            else:
                write_row(ws, row, [(0, name, fmt), *((c, v, fmt) for c, v in enumerate(values, 1))])
            row += 1
        chart = add_chart(book, _spec(title, first, row - 1), template)
        assert isinstance(chart, TemplateChart) is template
        ws.insert_chart(first, 5, chart, {"y_offset": 4})
        row += 2
    book.add_worksheet("共享").write_string(0, 0, "共享字符串表")  # a plain sheet: both packages have shared strings
    book.close()
    with zipfile.ZipFile(buffer) as z:
        return {n: z.read(n) for n in z.namelist()
                if n.startswith(("xl/charts/", "xl/drawings/")) or n in ("[Content_Types].xml",
                                                                        "xl/worksheets/_rels/sheet1.xml.rels")}


GROUPS = [("投入", 15, 5, 11.9), ("过程", 40, 13, 62.6), ("产出", 25, 18.9, 37.4), ("效果", 20, 18.3, 20.9)]


@pytest.mark.parametrize("tables, own", [
    ([("评分表（按评分标准计算）：各一级指标得分", GROUPS), ("附件2 自评表（复核）：各一级指标得分", GROUPS[:2]),
     ("项目支出绩效自评：项目1：各一级指标得分", [("产出指标", 50, 49.5, 50)])], True),
    ([("评分表（按评分标准计算）：各一级指标得分", [("成本&效益 <指标>", 10, 1.25, 3), ("_x0041_ \x01", 0, 0, 0)])], True),
    ([("A & B <c> _x0041_", [("1", 10, 2, 3), ("2", 5, 1, 1)])], False),  # categories XlsxWriter writes as numbers
    ([("富文本", [("<r>富</r>", 10, 2, 3), ("普通", 5, 1, 1)])], True),  # a category without a cached value
    ([("空表", [])], False),  # no rows: no categories
], ids=["three charts", "escaped", "numeric categories", "rich string", "no rows"])
def test_template_charts_are_xlsxwriters(tables, own, monkeypatch):
    made = []
    xlsxwriters = TemplateChart._xlsxwriter_xml
    monkeypatch.setattr(TemplateChart, "_xlsxwriter_xml", lambda chart: made.append(chart) or xlsxwriters(chart))
    assert _parts(tables, True) == _parts(tables, False)
    assert not made if own else made  # written from the template, or (unusual data) by XlsxWriter itself


def test_a_second_workbook_of_the_same_shape_gets_its_own_data():
    title = "评分表（按评分标准计算）：各一级指标得分"
    first = _parts([(title, GROUPS)], True)
    other = [(title, [(f"指标{i}", i * 10.0, i * 3.5, i * 4.25) for i in range(1, 7)])]
    second = _parts(other, True)
    assert second == _parts(other, False)
    assert second["xl/charts/chart1.xml"] != first["xl/charts/chart1.xml"]
    assert b"<c:v>\xe6\x8c\x87\xe6\xa0\x876</c:v>" in second["xl/charts/chart1.xml"]  # 指标6, not the first's


def test_templates_stay_bounded(monkeypatch):
    monkeypatch.setattr(chart_xml, "_TEMPLATES", {})
    for i in range(chart_xml.CACHED_TEMPLATES + 5):
        _parts([(f"项目{i}：各一级指标得分", GROUPS[:1])], True)
        assert 0 < len(chart_xml._TEMPLATES) <= chart_xml.CACHED_TEMPLATES
