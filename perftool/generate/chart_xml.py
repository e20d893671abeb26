"""Charts written from templates: an annotated copy's 评分结果 charts without XlsxWriter configuring a chart object
and writing its XML element by element for each, in a few string joins.

A chart is given as XlsxWriter's options (``ChartSpec``). ``add_chart`` makes it XlsxWriter's way (the full
re-render, the oracle the tests compare the copy with) or as a ``TemplateChart``, which XlsxWriter still inserts,
places (drawing, relationships, content types) and fills with cached data from the sheet
(``Workbook._add_chart_data``); only its XML is taken from a template: XlsxWriter's own XML of a chart of the same
options (its ranges and data aside), rendered once per process and cut around each series' categories and
values, which are written in as XlsxWriter writes them. Data it would write otherwise (categories that are not
text: XlsxWriter then writes them and the category axis as numbers) is written by an XlsxWriter chart made then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import StringIO
from typing import Any

import xlsxwriter
from xlsxwriter.chart import Chart
from xlsxwriter.utility import xl_range_formula
from xlsxwriter.xmlwriter import XMLwriter

_XML = XMLwriter()  # XlsxWriter's own escaping of character data
_AXIS = re.compile(r'(?<=val=")(\d{8})(?=")')  # an axis id: the chart's number (5001 + id) and the axis's
_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f&<>]")  # what XlsxWriter escapes in character data (and "_x")
_TEMPLATES: dict[str, _Template | None] = {}  # by the options without ranges (``_shape``); None: XlsxWriter's way
CACHED_TEMPLATES = 64  # a copy has one shape per scored section kind (评分表, 自评表, each project sheet)


@dataclass(frozen=True)
class ChartSpec:
    """A chart as XlsxWriter's options: its type, each series as ``add_series`` takes it (``categories`` and
    ``values`` as ``[sheet, first_row, col, last_row, col]``), and ``set_title``/``set_legend``/``set_size``'s."""

    type: str
    series: tuple[dict[str, Any], ...]
    title: dict[str, Any]
    legend: dict[str, Any]
    size: dict[str, Any]


def add_chart(book: xlsxwriter.Workbook, spec: ChartSpec, template: bool) -> Any:
    """A chart of ``book`` to insert into a sheet: XlsxWriter's, or with ``template`` a ``TemplateChart``."""
    if not template:
        return xlsxwriter_chart(book, spec)
    chart = TemplateChart(spec, template_of(spec))
    book.charts.append(chart)  # as ``Workbook.add_chart`` keeps it
    return chart


def xlsxwriter_chart(book: xlsxwriter.Workbook, spec: ChartSpec) -> Chart:
    """``spec`` made by XlsxWriter in ``book``."""
    chart = book.add_chart({"type": spec.type})
    for series in spec.series:
        chart.add_series(dict(series))
    chart.set_title(dict(spec.title))
    chart.set_legend(dict(spec.legend))
    chart.set_size(dict(spec.size))
    return chart


class TemplateChart(XMLwriter):
    """What XlsxWriter's workbook, worksheet and packager ask of an embedded chart, written from a ``_Template``."""

    def __init__(self, spec: ChartSpec, template: _Template | None):
        super().__init__()
        self.spec, self.template = spec, template
        self.id = -1  # given when the workbook places its charts
        self.already_inserted, self.combined, self.embedded = False, None, True
        self.chart_name = None
        self.x_scale = self.y_scale = 1
        self.x_offset = self.y_offset = 0
        self.width, self.height = spec.size.get("width", 480), spec.size.get("height", 288)
        self.formula_ids: dict[str, int] = {}  # range → its data's place, filled from the sheet by the workbook
        self.formula_data: list[Any] = []
        self.series = [(self._range(s["categories"]), self._range(s["values"])) for s in spec.series]

    def _range(self, where: list[Any]) -> str:
        formula = xl_range_formula(*where)
        if formula not in self.formula_ids:
            self.formula_ids[formula] = len(self.formula_data)
            self.formula_data.append(None)
        return formula

    def _assemble_xml_file(self) -> None:
        xml = self.template and self.template.xml(self)
        if xml is None:
            xml = self._xlsxwriter_xml()
        self.fh.write(xml)
        self._xml_close()

    def data(self, formula: str) -> Any:
        return self.formula_data[self.formula_ids[formula]]

    def _xlsxwriter_xml(self) -> str:
        """The chart as XlsxWriter writes it, given the same data and number."""
        chart = _chart(self.spec)
        for formula, at in chart.formula_ids.items():
            chart.formula_data[at] = self.data(formula)
        chart.id = self.id
        chart.fh = StringIO()
        chart._assemble_xml_file()
        return chart.fh.getvalue()


class _Template:
    """XlsxWriter's XML of a chart cut around its series' categories and values and its axis ids."""

    def __init__(self, head: str, series: list[tuple[str, str]], tail: list[str]):
        self.head, self.series, self.tail = head, series, tail  # tail: text, axis id, text, …

    def xml(self, chart: TemplateChart) -> str | None:
        """``chart``'s XML, or None where XlsxWriter would write it otherwise (categories not all text)."""
        out = [self.head]
        for (before, after), (cat, val) in zip(self.series, chart.series, strict=True):
            categories, values = chart.data(cat), chart.data(val)
            if not categories or Chart._get_data_type(chart, categories) != "str" \
                    or any(v.__class__ is not str for v in (*categories, *(values or ())) if v is not None):
                return None
            out += [before, '<c:cat><c:strRef><c:f>', _data(cat), '</c:f><c:strCache><c:ptCount val="',
                    str(len(categories)), '"/>']
            out += [f'<c:pt idx="{i}"><c:v>{_data(v)}</c:v></c:pt>' for i, v in enumerate(categories) if v is not None]
            out += ['</c:strCache></c:strRef></c:cat><c:val><c:numRef><c:f>', _data(val),
                    '</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="',
                    str(len(values or ())), '"/>']
            out += [f'<c:pt idx="{i}"><c:v>{_data(v) if _numeric(v) else 0}</c:v></c:pt>'
                    for i, v in enumerate(values or ()) if v is not None]
            out += ['</c:numCache></c:numRef></c:val>', after]
        number = 5001 + chart.id
        out += [part if i % 2 == 0 else f"{number:04d}{int(part[4:]):04d}" for i, part in enumerate(self.tail)]
        return "".join(out)


def template_of(spec: ChartSpec) -> _Template | None:
    """The template of ``spec``'s shape, made once per process from XlsxWriter's XML of ``spec``."""
    shape = _shape(spec)
    if shape in _TEMPLATES:
        return _TEMPLATES[shape]
    if len(_TEMPLATES) >= CACHED_TEMPLATES:
        _TEMPLATES.clear()
    _TEMPLATES[shape] = template = _cut(_chart(spec))
    return template


def _shape(spec: ChartSpec) -> str:
    """``spec`` without its ranges (what its template depends on)."""
    series = [{k: v for k, v in s.items() if k not in ("categories", "values")} for s in spec.series]
    return repr((spec.type, series, spec.title, spec.legend, spec.size))


def _chart(spec: ChartSpec) -> Chart:
    """``spec`` made by XlsxWriter outside any workbook (as ``Workbook.add_chart`` makes it)."""
    book = xlsxwriter.Workbook(StringIO(), {"in_memory": True})
    chart = xlsxwriter_chart(book, spec)
    book.fileclosed = True  # never written
    chart.embedded = True
    return chart


def _cut(chart: Chart) -> _Template | None:
    """``chart``'s XML (number 0, each range's data one text) cut into a template; None if it does not cut as
    expected (a title or series name taken from a cell, say)."""
    if chart.title.formula or any(s.get("name_formula") for s in chart.series):
        return None
    chart.formula_data = ["0"] * len(chart.formula_data)
    for s in chart.series:
        chart.formula_data[s["cat_data_id"]] = ["-"]
    chart.id = 0
    chart.fh = StringIO()
    chart._assemble_xml_file()
    xml = chart.fh.getvalue()
    parts = re.split(r"(<c:cat>.*?</c:cat><c:val>.*?</c:val>)", xml, flags=re.S)
    if len(parts) != 2 * len(chart.series) + 1:
        return None
    ends = [p.rfind("<c:ser>") for p in parts[:-1:2]]
    if min(ends) < 0:
        return None
    head = parts[0][:ends[0]]
    series = [(parts[2 * i][ends[i]:], parts[2 * i + 2][:parts[2 * i + 2].find("</c:ser>") + len("</c:ser>")])
              for i in range(len(chart.series))]
    last = parts[-1]
    tail = _AXIS.split(last[last.find("</c:ser>") + len("</c:ser>"):])
    if any(not part.startswith("5001") for part in tail[1::2]) or len(tail) < 3:
        return None
    between = [parts[2 * i + 2][len(series[i][1]):ends[i + 1]] for i in range(len(chart.series) - 1)]
    if any(between):
        return None
    return _Template(head, series, tail)


def _data(text: str) -> str:
    """Character data as XlsxWriter's ``_xml_data_element`` writes it."""
    if "_x" not in text and not _SPECIAL.search(text):
        return text
    return _XML._escape_control_characters(_XML._escape_data(text))


def _numeric(token: str) -> bool:
    try:
        float(token)
    except ValueError:  # XlsxWriter writes it as 0
        return False
    return True
