"""The annotated copy returned to the unit: its workbook re-rendered from perftool's own template.

The submission is never re-saved (an openpyxl save would drop cached values and extensions): its entries are
written into perftool's own template (its table sheets filled into a skeleton rendered once per layout), so every
formula carries a correct cached value. Findings become comments with red/amber highlights, and two sheets lead
the workbook: 审核结果 and 评分结果 (written by the same code in both paths; in the copy onto ``XmlSheet``
worksheets, which write their rows as XML directly).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol
from xlsxwriter.worksheet import Worksheet

from ..assess import Assessment
from ..audit.findings import ERROR, SEVERITY_ZH, Finding
from ..errors import UsageError
from ..audit.rules import rule_text
from ..generate.chart_xml import ChartSpec, add_chart
from ..generate.findings_sheet import (CELL_COL, EXPLANATION_COL, EXPLANATION_NOTE, FINDING_COLUMNS, STATE_COL,
                                       VISIBLE, VISIBLE_WIDTHS, RowFormats, explanation_rule, explanation_shown,
                                       write_header)
from ..generate.measure import Block, column_points, fit_row, fit_rows, page_fit, stored_height
from ..generate.render import render
from ..generate.sheet_xml import MAX_TEXT, XmlSheet, column_name, escape, text_xml, write_row
from ..generate.skeleton import write_copy
from ..generate.styles import FORMULA_LEADS, Styles, text_format, write_text
from ..identity import FINDINGS_SHEET, SCORES_SHEET
from ..score.evaluation import Scores
from ..values import is_number


def annotate(a: Assessment, output: Path, full: bool = False) -> None:
    """Write the annotated copy of ``a``'s workbook to ``output`` (which must not be the submission).

    The table sheets come from the layout's skeleton (``generate/skeleton.py``); ``full`` re-renders the whole
    template instead (the oracle the tests compare the copy with).
    """
    if Path(output).resolve() == a.path.resolve():
        raise UsageError("批注后的工作簿不能覆盖原报送文件，请用 -o 指定新文件名")
    sheets = {layout.sheet for layout in a.plan.layouts.values()}
    marks: dict[str, dict[tuple[int, int], list[tuple[str, str]]]] = {}
    for f in a.findings:
        if f.sheet in sheets and f.cell:
            marks.setdefault(f.sheet, {}).setdefault(_rowcol(f.cell), []).append((f.severity, f.message))

    sheet_class = None if full else XmlSheet  # the same sheets, their cells written as XML directly

    def front(book: xlsxwriter.Workbook, styles: Styles) -> None:
        _findings_sheet(book.add_worksheet(FINDINGS_SHEET, worksheet_class=sheet_class), a, styles)
        _scores_sheet(book, book.add_worksheet(SCORES_SHEET, worksheet_class=sheet_class), a, styles)

    given = {**a.inputs, **a.overrides}
    if full:
        render(a.plan, given, output, marks, front)
    else:  # the figures ``assess`` computed, when from these very entries
        write_copy(a.plan, given, output, marks, front, a.as_filed if given == a.filed_from else None)


#: ``xl_cell_to_rowcol``, kept for the cells met (a layout's findings recur at its cells across copies).
_rowcol = lru_cache(maxsize=4096)(xl_cell_to_rowcol)


class _Links:
    """Writes cell references as hyperlinks to their cells (``表!A1``), top-aligned like the rest of their row;
    each format made when first needed, once per sheet."""

    TIP = "转到该单元格"

    def __init__(self, ws: Worksheet, styles: Styles):
        self.ws, self.styles = ws, styles
        self._plain: Any = None
        self._link: Any = None

    @staticmethod
    def url(target: str | None) -> str | None:
        """The link of ``target`` (``internal:'表'!A1``), None when it is not a cell of a sheet."""
        if not target or "!" not in target or not (cell := target.split("!", 1)[1]) or not cell[0].isalpha():
            return None
        return f"internal:'{target.split('!', 1)[0]}'!{cell}"

    def format(self, linked: bool) -> Any:
        """The format of a link, or of a reference that is none."""
        if linked:
            if self._link is None:
                self._link = self.styles.get(border=1, valign="top", font_color="blue", underline=1)
            return self._link
        if self._plain is None:
            self._plain = self.styles.get(border=1, valign="top")
        return self._plain

    def write(self, r: int, c: int, target: str | None) -> None:
        url = self.url(target)
        if url is None:
            write_text(self.ws, r, c, target or "", self.format(False), self.styles)
            return
        self.ws.write_url(r, c, url, self.format(True), string=target, tip=self.TIP)


def _title(ws: Worksheet, text: str, width: int, styles: Styles) -> None:
    ws.merge_range(0, 0, 0, width - 1, text, styles.title())


def _findings_sheet(ws: Worksheet, a: Assessment, styles: Styles) -> None:
    """One row per finding, with its 说明 (the unit's explanation, unlocked) and the hidden id and fingerprint."""
    last = VISIBLE - 1
    _title(ws, f"{a.plan.year}年度 {a.plan.unit} 审核结果", VISIBLE, styles)
    summary = (f"文件：{a.path.name}　　错误（强制，须修改）{a.errors} 条，提示（可附说明）{a.warnings} 条，"
               f"其中已说明 {a.explained} 条、未说明 {a.unexplained} 条。点击“单元格”可跳转到对应位置；表中红色为错误，"
               f"橙色为提示，批注写明原因。{EXPLANATION_NOTE}")
    ws.merge_range(1, 0, 1, last, summary, styles.note())
    heights: dict[int, float] = {0: 30.0, 1: 15.0, 2: 18.0}
    write_header(ws, 2, styles)
    rows = _FindingRows(ws, styles)
    for i, f in enumerate(a.findings, start=1):
        heights[i + 2] = rows.write(i + 2, i, f)
    for error, explained in rows.explained.items():  # one rule per kind of 说明 over all its cells
        explanation_rule(ws, explained, error)
    if not a.findings:
        ws.merge_range(3, 0, 3, last, "未发现问题。", rows.body)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, max(3, len(a.findings) + 2), last)
    ws.print_area(0, 0, max(3, len(a.findings) + 2), last)
    _print(ws, VISIBLE_WIDTHS, fit_rows([Block(1, 0, 1, last, summary)], VISIBLE_WIDTHS, heights), repeat=(2, 2))


_TEXT_COLS = (2, 4, 5, 6, 7, STATE_COL, EXPLANATION_COL)  # the columns of a row's wrapped texts (measured)
_RISKY = frozenset((*FORMULA_LEADS, "<"))  # leads of a text that is quoted or may be a rich string: cell by cell
_APART = "\ue000"  # joins a row's texts to check and escape them at once
#: What ``inline_text`` writes as ``_xHHHH_``: like ``_x``, a _RISKY lead or a space at either end, it sends a row
#: cell by cell (``&``, ``<``, ``>`` elsewhere are escaped at once, as ``inline_text`` escapes them).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


class _FindingRows:
    """Writes the 审核结果 rows, one per finding, each format made once per sheet. On an ``XmlSheet`` a row goes
    in whole (``put_whole_row``), its XML from a template per severity, 说明 state and link, the format numbers in
    it, its texts checked and escaped at once (``_UNSAFE``); a row with a text to quote, a text that may read as a
    rich string, one near Excel's limit or one ``inline_text`` writes otherwise than escaped is written cell by cell
    (``write_row``), as on a plain worksheet."""

    def __init__(self, ws: Worksheet, styles: Styles):
        self.ws, self.styles = ws, styles
        self.body = styles.get(border=1, text_wrap=True, valign="top")
        self.severities = {sev: styles.get(border=1, valign="top", bold=sev == ERROR,
                                           font_color="#C00000" if sev == ERROR else "#9C5700") for sev in SEVERITY_ZH}
        self.formats, self.links = RowFormats(styles), _Links(ws, styles)
        self.explained: dict[bool, list[int]] = {}  # the rows of the 说明 cells, by whether their finding is an error
        self.points = [column_points(VISIBLE_WIDTHS[c]) for c in _TEXT_COLS]
        self.whole = isinstance(ws, XmlSheet)
        self._templates: dict[tuple[str, bool, bool], str] = {}
        self._rules: dict[str, str] = {}  # a rule's 审核规则 text, by its code

    def write(self, r: int, i: int, f: Finding) -> float:
        """Write finding ``f`` (number ``i``) at row ``r``; return the row's height."""
        code = f.rule or f.code
        rule = self._rules.get(code)
        if rule is None:
            text = rule_text(code)
            rule = self._rules[code] = f"{text.name}：{text.explain}" if text.explain else text.name
        error = f.severity == ERROR
        shown = explanation_shown(f.explanation, error)
        row_label, col_label = f.row_label, f.col_label
        texts = (f.sheet or "整个工作簿", f"{row_label}／{col_label}" if row_label and col_label else
                 row_label or col_label or "", rule, f.message,
                 "；".join([f"{k}：{_plain(v)}" for k, v in f.values.items()]), _state(f), shown)
        target = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else ""
        fingerprint = f.fingerprint
        if not (self.whole and self._whole(r, i, f, texts, target, fingerprint)):
            ws, body, styles = self.ws, self.body, self.styles
            write_row(ws, r, [(0, i, body), (1, SEVERITY_ZH[f.severity], self.severities[f.severity]),
                              *((c, text, text_format(text, body, styles)) for c, text in zip(_TEXT_COLS, texts[:6])),
                              self.formats.explanation_cell(f.explanation, error),
                              *self.formats.key_cells(f.id, fingerprint)])
            self.links.write(r, CELL_COL, target)
        self.explained.setdefault(error, []).append(r)
        return fit_row(zip(texts, self.points))

    def _whole(self, r: int, i: int, f: Finding, texts: tuple[str, ...], target: str, fingerprint: str) -> bool:
        """Put the row in whole (``XmlSheet.put_whole_row``); False where it must go cell by cell."""
        url = _Links.url(target)
        if target and url is None:
            return False
        cells = (texts[0], target, *texts[1:], f.id, fingerprint)
        joined = _APART.join(cells)
        if len(joined) > MAX_TEXT // 2 or _UNSAFE.search(joined) or "_x" in joined:
            return False
        for text in cells:
            if text[:1] in _RISKY or text.strip() != text:  # quoted, maybe rich, or its spaces kept: cell by cell
                return False
        shown = cells
        if "&" in joined or "<" in joined or ">" in joined:  # escaped all at once
            shown = escape(joined).split(_APART)
            if len(shown) != len(cells):
                return False
        key = (f.severity, not f.explanation, url is not None)
        template = self._templates.get(key) or self._template(key)
        return self.ws.put_whole_row(r, template.format(r + 1, i, *shown), _COLUMNS,
                                     (i, SEVERITY_ZH[f.severity], *cells),
                                     (CELL_COL, url, target, _Links.TIP) if url else None)

    def _template(self, key: tuple[str, bool, bool]) -> str:
        """A row's XML with its number, finding number and texts (as ``text_xml`` writes a text that needs no
        escaping) left as ``str.format`` fields."""
        severity, unexplained, linked = key
        error = severity == ERROR
        hidden = self.formats.key_cells("", "")[0][2]
        formats = [self.body, self.severities[severity], self.body, self.links.format(linked), self.body,
                   self.body, self.body, self.body, self.body,
                   self.formats.explanation_cell(None if unexplained else "x", error)[2], hidden, hidden]
        label = text_xml(SEVERITY_ZH[severity]).replace("{", "{{").replace("}", "}}")
        rests = ["><v>{1}</v></c>", label, *(f' t="inlineStr"><is><t>{{{n}}}</t></is></c>' for n in range(2, 12))]
        template = "".join(f'<c r="{column_name(c)}{{0}}" s="{fmt._get_xf_index()}"{rest}'
                           for c, fmt, rest in zip(_COLUMNS, formats, rests))
        self._templates[key] = template
        return template


_COLUMNS = tuple(range(len(FINDING_COLUMNS)))  # every column of a finding's row


def _state(f: Finding) -> str:
    """What the finding's 说明 amounts to: an error must be fixed whatever it says; a warning is 已说明 only
    against the values it was written for."""
    if f.severity == ERROR:
        return "须修改（已附说明）" if f.explanation else "须修改"
    if f.explanation and f.explanation_changed:
        return "数据已变，请核对说明后重新报送"
    return "已说明" if f.explanation else "未说明"


def _plain(v: Any) -> str:
    if is_number(v):
        return f"{v:,.4f}".rstrip("0").rstrip(".")
    return "空" if v in (None, "") else str(v)


SCORE_COLUMNS = [("一级指标", 10), ("二级指标", 14), ("三级指标", 30), ("分值", 7), ("指标值", 10), ("计算得分", 9),
                 ("自评得分", 9), ("差异（自评−计算）", 10), ("评分说明", 56), ("得分单元格", 13)]
CHART_HEIGHT = 300  # pixels (225 points)


def _scores_sheet(book: xlsxwriter.Workbook, ws: Worksheet, a: Assessment, styles: Styles) -> None:
    headers = SCORE_COLUMNS
    widths = [w for _, w in headers]
    _title(ws, f"{a.plan.year}年度 {a.plan.unit} 评分结果", len(headers), styles)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    sheet = _Sheet(ws, {0: 30.0}, [], set(), _Links(ws, styles), styles)
    row = 1
    sections = [s for s in (a.evaluation if "pj" in a.plan.layouts else None, a.self_evaluation,
                            *(p.scores for p in a.projects)) if s is not None]
    if not sections:
        ws.merge_range(row, 0, row, len(headers) - 1, "工作簿中没有可评分的表（附件2 自评表或评分表）。", styles.note())
    for s in sections:
        row = _scores_section(book, sheet, row, s, a)
    heights = fit_rows(sheet.blocks, widths, sheet.heights)
    _print(ws, widths, heights, keep=sheet.keep)


@dataclass
class _Sheet:
    """What a sheet's layout accumulates (row heights, wrapped texts, rows a page must not start at), and the
    formats its tables write in, made once per sheet."""

    ws: Worksheet
    heights: dict[int, float]
    blocks: list[Block]
    keep: set[int]
    links: _Links
    styles: Styles
    body: Any = field(init=False)
    number: Any = field(init=False)
    percent: Any = field(init=False)
    header: Any = field(init=False)

    def __post_init__(self) -> None:
        self.body = self.styles.get(border=1, text_wrap=True, valign="top")
        self.number = self.styles.get(border=1, valign="top", num_format="0.00")
        self.percent = self.styles.get(border=1, valign="top", num_format="0.00%")
        self.header = self.styles.header()
        self.whole = isinstance(self.ws, XmlSheet)
        self._templates: dict[tuple[Any, ...], str] = {}  # a row's XML by its cells' formats (``_whole``)

    def linked_row(self, row: int, cells: list[tuple[int, Any, Any]], target: str | None) -> None:
        """An indicator's row: its cells (``write_row``'s) and the link to its cell in the last column. On an
        ``XmlSheet`` the row goes in whole (``put_whole_row``), as ``put_row`` and ``write_url`` would keep it;
        a row with a text that may read as a rich string or near Excel's limit, a number that is not finite or a
        reference that is no cell is written cell by cell, as on a plain worksheet."""
        if self.whole and self._whole(row, cells, target):
            return
        write_row(self.ws, row, cells)
        self.links.write(row, len(cells), target)

    def _whole(self, row: int, cells: list[tuple[int, Any, Any]], target: str | None) -> bool:
        url = _Links.url(target)
        if url is None or len(url) > 255:
            return False
        rests = []
        for _, value, _ in cells:
            kind = value.__class__
            if kind is str:
                if value[:1] == "<" or len(value) > MAX_TEXT // 2:
                    return False
                rests.append(text_xml(value))
            elif (kind is float or kind is int) and math.isfinite(value):
                rests.append(f"><v>{value:.16G}</v></c>")
            else:
                return False
        rests.append(text_xml(target))
        cols, values, fmts = zip(*cells)
        last = len(cells)
        template = self._templates.get((cols, fmts))
        if template is None:  # the cells' columns and format numbers, the row number and contents left as fields
            numbers = [*(fmt._get_xf_index() for fmt in fmts), self.links.format(True)._get_xf_index()]
            template = self._templates[cols, fmts] = "".join(f'<c r="{column_name(c)}{{0}}" s="{n}"{{{i + 1}}}'
                                                       for i, (c, n) in enumerate(zip((*cols, last), numbers)))
        return self.ws.put_whole_row(row, template.format(row + 1, *rests), (*cols, last), (*values, target),
                                     (last, url, target, _Links.TIP))


def _scores_section(book: xlsxwriter.Workbook, sheet: _Sheet, row: int, s: Scores, a: Assessment) -> int:
    ws, last, styles = sheet.ws, len(SCORE_COLUMNS) - 1, sheet.styles
    name = {"评分表": "评分表（按评分标准计算）", "自评表": "附件2 自评表（复核）"}.get(s.source, s.source)
    basis = " — 总分和等次的依据" if a.basis is s else ""
    row += 1
    ws.merge_range(row, 0, row, last, f"{name}{basis}", styles.get(bold=True, font_size=12))
    sheet.heights[row] = 20.0
    row += 1
    policy = {"pro_rata": "按实际百分点折算", "whole_up": "不足一个百分点按一个计",
              "whole_down": "不足一个百分点不计"}.get(s.points or "", "")
    facts = [f"计算总分：{_score(s.total)}" + ("（部分）" if not s.complete else ""),
             f"自评总分：{_score(s.self_total)}", f"评价等次：{s.grade or '—'}",
             f"评分规则：{s.rules}（{policy}）" if s.rules else "",
             f"计算总分超过满分 {_score(s.full)} 分，不评等次，请核对分值和得分" if s.over_max else "",
             "" if s.complete else "部分指标不可评价（缺少数据），总分只含可评价指标，不评等次"]
    text = "　　".join(x for x in facts if x)
    ws.merge_range(row, 0, row, last, text, styles.note())
    sheet.blocks.append(Block(row, 0, row, last, text))
    sheet.keep.add(row)
    row += 1
    write_row(ws, row, [(c, title, sheet.header) for c, (title, _) in enumerate(SCORE_COLUMNS)])
    sheet.heights[row] = 28.0
    sheet.keep.add(row)
    body, number, percent = sheet.body, sheet.number, sheet.percent
    blocks, heights = sheet.blocks, sheet.heights
    for ind in s.indicators:
        row += 1
        group, subgroup, label, reason, value = ind.group, ind.subgroup, ind.name, ind.reason, ind.value
        sheet.linked_row(row, [(0, group, text_format(group, body, styles)),
                               (1, subgroup, text_format(subgroup, body, styles)),
                               (2, label, text_format(label, body, styles)), (3, ind.max, number),
                               _number(4, value, percent if isinstance(value, float) and abs(value) <= 10 else number,
                                       body),
                               _number(5, ind.score, number, body, "不可评价"), _number(6, ind.self_score, number, body),
                               _number(7, ind.diff, number, body), (8, reason, text_format(reason, body, styles))],
                         ind.cell)
        blocks += (Block(row, 0, row, 0, group), Block(row, 1, row, 1, subgroup), Block(row, 2, row, 2, label),
                   Block(row, 8, row, 8, reason))
        heights[row] = 15.0
    row += 2
    groups: dict[str, list[float]] = {}
    for ind in s.indicators:
        g = groups.setdefault(ind.group, [0.0, 0.0, 0.0])
        g[0] += ind.max
        g[1] += ind.score or 0.0
        g[2] += ind.self_score or 0.0
    write_row(ws, row, [(c, title, sheet.header) for c, title in enumerate(("一级指标", "分值", "计算得分", "自评得分"))])
    top, first = row, row + 1
    for name_, (m, sc, se) in groups.items():
        row += 1
        write_row(ws, row, [(0, name_, text_format(name_, body, styles)), (1, round(m, 2), number),
                            (2, round(sc, 2), number), (3, round(se, 2), number)])
    chart = add_chart(book, _group_chart(name, first, row), isinstance(ws, XmlSheet))  # the copy's: from a template
    ws.insert_chart(top, 5, chart, {"y_offset": 4})  # inside its row: LibreOffice prints a chart on a page edge twice
    end = top + math.ceil(CHART_HEIGHT * 0.75 / 15.0)  # rows the chart covers at the default height
    for r in range(top, end + 1):
        sheet.heights.setdefault(r, 15.0)
    sheet.keep.update(range(top + 1, end + 2))  # the group table and its chart print on one page
    return end + 1


def _group_chart(name: str, first: int, last: int) -> ChartSpec:
    """A section's column chart of its 一级指标 (rows ``first``–``last``): 分值, 计算得分 and 自评得分."""
    return ChartSpec("column", tuple({"name": series, "categories": [SCORES_SHEET, first, 0, last, 0],
                                      "values": [SCORES_SHEET, first, col, last, col], "data_labels": {"value": True}}
                                     for col, series in ((1, "分值"), (2, "计算得分"), (3, "自评得分"))),
                     {"name": f"{name}：各一级指标得分", "name_font": {"name": "宋体", "size": 11}},
                     {"position": "bottom"}, {"width": 620, "height": CHART_HEIGHT})


def _number(c: int, v: Any, fmt: Any, text_fmt: Any, blank: str = "") -> tuple[int, Any, Any]:
    """A cell of a number in ``fmt``, or of its text (``blank`` for none) in ``text_fmt``."""
    if is_number(v):
        return c, float(v), fmt
    return c, blank if v in (None, "") else str(v), text_fmt


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _print(ws: Worksheet, widths: list[float], heights: dict[int, float], repeat: tuple[int, int] | None = None,
           keep: set[int] = frozenset()) -> None:
    """Row heights, A4 landscape at a scale fitting the width, page breaks outside ``keep`` rows, the sheet
    name in the print header, and protection."""
    for r, h in heights.items():
        heights[r] = stored_height(h)  # as the workbook stores it, so that the page fit counts what prints
    if isinstance(ws, XmlSheet):
        ws.set_heights(heights)
    else:
        for r, h in heights.items():
            ws.set_row(r, h)
    rows = [heights.get(r, 15.0) for r in range(max(heights) + 1)]
    repeated = sum(rows[repeat[0]:repeat[1] + 1]) if repeat else 0.0
    fit = page_fit(widths, rows, True, repeated, cuts={r for r in range(1, len(rows)) if r not in keep})
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_print_scale(fit.scale)
    if fit.breaks:
        ws.set_h_pagebreaks(fit.breaks)
    if repeat:
        ws.repeat_rows(*repeat)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_header("&L&A")
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "autofilter": True,
                    "format_columns": True, "format_rows": True})
