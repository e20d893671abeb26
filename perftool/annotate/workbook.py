"""The annotated copy returned to the unit: its workbook re-rendered from perftool's own template.

The submission is never re-saved (an openpyxl save would drop cached values and extensions): its entries are
written into perftool's own template (its table sheets filled into a skeleton rendered once per layout), so every
formula carries a correct cached value. Findings become comments with red/amber highlights, and two sheets lead
the workbook: 审核结果 and 评分结果 (written by the same code in both paths; in the copy onto ``XmlSheet``
worksheets, which write their rows as XML directly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol
from xlsxwriter.worksheet import Worksheet

from ..assess import Assessment
from ..audit.findings import ERROR, SEVERITY_ZH, Finding
from ..errors import UsageError
from ..audit.rules import rule_text
from ..generate.findings_sheet import (EXPLANATION_COL, EXPLANATION_NOTE, STATE_COL, VISIBLE, VISIBLE_WIDTHS,
                                       RowFormats, explanation_rule, write_header)
from ..generate.measure import Block, fit_rows, page_fit, stored_height
from ..generate.render import render
from ..generate.sheet_xml import XmlSheet, write_row
from ..generate.skeleton import write_copy
from ..generate.styles import Styles, text_format, write_plain, write_text
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
    marks: dict[tuple[str, int, int], list[tuple[str, str]]] = {}
    for f in a.findings:
        if f.sheet in sheets and f.cell:
            r, c = xl_cell_to_rowcol(f.cell)
            marks.setdefault((f.sheet, r, c), []).append((f.severity, f.message))

    sheet_class = None if full else XmlSheet  # the same sheets, their cells written as XML directly

    def front(book: xlsxwriter.Workbook, styles: Styles) -> None:
        _findings_sheet(book.add_worksheet(FINDINGS_SHEET, worksheet_class=sheet_class), a, styles)
        _scores_sheet(book, book.add_worksheet(SCORES_SHEET, worksheet_class=sheet_class), a, styles)

    given = {**a.inputs, **a.overrides}
    if full:
        render(a.plan, given, output, marks, front)
    else:  # the figures ``assess`` computed, when from these very entries
        write_copy(a.plan, given, output, marks, front, a.as_filed if given == a.filed_from else None)


class _Links:
    """Writes cell references as hyperlinks to their cells (``表!A1``), top-aligned like the rest of their row;
    each format made when first needed, once per sheet."""

    def __init__(self, ws: Worksheet, styles: Styles):
        self.ws, self.styles = ws, styles
        self._plain: Any = None
        self._link: Any = None

    def write(self, r: int, c: int, target: str | None) -> None:
        if not target or "!" not in target or not (cell := target.split("!", 1)[1]) or not cell[0].isalpha():
            if self._plain is None:
                self._plain = self.styles.get(border=1, valign="top")
            write_text(self.ws, r, c, target or "", self._plain, self.styles)
            return
        if self._link is None:
            self._link = self.styles.get(border=1, valign="top", font_color="blue", underline=1)
        sheet = target.split("!", 1)[0]
        self.ws.write_url(r, c, f"internal:'{sheet}'!{cell}", self._link, string=target, tip="转到该单元格")


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
    blocks = [Block(1, 0, 1, last, summary)]
    write_header(ws, 2, styles)
    body = styles.get(border=1, text_wrap=True, valign="top")
    severities = {sev: styles.get(border=1, valign="top", bold=sev == ERROR,
                                  font_color="#C00000" if sev == ERROR else "#9C5700") for sev in SEVERITY_ZH}
    formats, links = RowFormats(styles), _Links(ws, styles)
    for i, f in enumerate(a.findings, start=1):
        r = i + 2
        rule = rule_text(f.rule or f.code)
        error = f.severity == ERROR
        texts = ((2, f.sheet or "整个工作簿"), (4, "／".join(x for x in (f.row_label, f.col_label) if x)),
                 (5, f"{rule.name}：{rule.explain}" if rule.explain else rule.name), (6, f.message),
                 (7, "；".join(f"{k}：{_plain(v)}" for k, v in f.values.items())), (STATE_COL, _state(f)))
        explanation = formats.explanation_cell(f.explanation, error)
        write_row(ws, r, [(0, i, body), (1, SEVERITY_ZH[f.severity], severities[f.severity]),
                          *((c, text, text_format(text, body, styles)) for c, text in texts), explanation,
                          *formats.key_cells(f.id, f.fingerprint)])
        links.write(r, 3, f"{f.sheet}!{f.cell}" if f.sheet and f.cell else "")
        explanation_rule(ws, r, error)
        blocks.extend(Block(r, c, r, c, text) for c, text in texts)
        blocks.append(Block(r, EXPLANATION_COL, r, EXPLANATION_COL, explanation[1]))
        heights[r] = 15.0
    if not a.findings:
        ws.merge_range(3, 0, 3, last, "未发现问题。", body)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, max(3, len(a.findings) + 2), last)
    ws.print_area(0, 0, max(3, len(a.findings) + 2), last)
    _print(ws, VISIBLE_WIDTHS, fit_rows(blocks, VISIBLE_WIDTHS, heights), repeat=(2, 2))


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
    sheet = _Sheet(ws, {0: 30.0}, [], set(), _Links(ws, styles))
    row = 1
    sections = [s for s in (a.evaluation if "pj" in a.plan.layouts else None, a.self_evaluation,
                            *(p.scores for p in a.projects)) if s is not None]
    if not sections:
        ws.merge_range(row, 0, row, len(headers) - 1, "工作簿中没有可评分的表（附件2 自评表或评分表）。", styles.note())
    for s in sections:
        row = _scores_section(book, sheet, row, s, a, styles)
    heights = fit_rows(sheet.blocks, widths, sheet.heights)
    _print(ws, widths, heights, keep=sheet.keep)


@dataclass
class _Sheet:
    """What a sheet's layout accumulates: row heights, wrapped texts, and rows a page must not start at."""

    ws: Worksheet
    heights: dict[int, float]
    blocks: list[Block]
    keep: set[int]
    links: _Links


def _scores_section(book: xlsxwriter.Workbook, sheet: _Sheet, row: int, s: Scores, a: Assessment,
                    styles: Styles) -> int:
    ws, last = sheet.ws, len(SCORE_COLUMNS) - 1
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
    for c, (title, _) in enumerate(SCORE_COLUMNS):
        ws.write_string(row, c, title, styles.header())
    sheet.heights[row] = 28.0
    sheet.keep.add(row)
    body = styles.get(border=1, text_wrap=True, valign="top")
    number = styles.get(border=1, valign="top", num_format="0.00")
    for ind in s.indicators:
        row += 1
        for c, text in enumerate((ind.group, ind.subgroup, ind.name)):
            write_text(ws, row, c, text, body, styles)
            sheet.blocks.append(Block(row, c, row, c, text))
        ws.write_number(row, 3, ind.max, number)
        _number(ws, row, 4, ind.value, styles.get(border=1, valign="top", num_format="0.00%")
                if isinstance(ind.value, float) and abs(ind.value) <= 10 else number, body)
        _number(ws, row, 5, ind.score, number, body, "不可评价")
        _number(ws, row, 6, ind.self_score, number, body)
        _number(ws, row, 7, ind.diff, number, body)
        write_text(ws, row, 8, ind.reason, body, styles)
        sheet.blocks.append(Block(row, 8, row, 8, ind.reason))
        sheet.links.write(row, 9, ind.cell)
        sheet.heights[row] = 15.0
    row += 2
    groups: dict[str, list[float]] = {}
    for ind in s.indicators:
        g = groups.setdefault(ind.group, [0.0, 0.0, 0.0])
        g[0] += ind.max
        g[1] += ind.score or 0.0
        g[2] += ind.self_score or 0.0
    for c, title in enumerate(("一级指标", "分值", "计算得分", "自评得分")):
        ws.write_string(row, c, title, styles.header())
    top, first = row, row + 1
    for name_, (m, sc, se) in groups.items():
        row += 1
        write_text(ws, row, 0, name_, body, styles)
        for c, v in enumerate((m, sc, se), start=1):
            ws.write_number(row, c, round(v, 2), number)
    chart = book.add_chart({"type": "column"})
    for col, series in ((1, "分值"), (2, "计算得分"), (3, "自评得分")):
        chart.add_series({"name": series, "categories": [SCORES_SHEET, first, 0, row, 0],
                          "values": [SCORES_SHEET, first, col, row, col], "data_labels": {"value": True}})
    chart.set_title({"name": f"{name}：各一级指标得分", "name_font": {"name": "宋体", "size": 11}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": CHART_HEIGHT})
    ws.insert_chart(top, 5, chart, {"y_offset": 4})  # inside its row: LibreOffice prints a chart on a page edge twice
    end = top + math.ceil(CHART_HEIGHT * 0.75 / 15.0)  # rows the chart covers at the default height
    for r in range(top, end + 1):
        sheet.heights.setdefault(r, 15.0)
    sheet.keep.update(range(top + 1, end + 2))  # the group table and its chart print on one page
    return end + 1


def _number(ws: Worksheet, r: int, c: int, v: Any, fmt: Any, text_fmt: Any, blank: str = "") -> None:
    if is_number(v):
        ws.write_number(r, c, float(v), fmt)
    else:
        write_plain(ws, r, c, blank if v in (None, "") else str(v), text_fmt)


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _print(ws: Worksheet, widths: list[float], heights: dict[int, float], repeat: tuple[int, int] | None = None,
           keep: set[int] = frozenset()) -> None:
    """Row heights, A4 landscape at a scale fitting the width, page breaks outside ``keep`` rows, the sheet
    name in the print header, and protection."""
    for r, h in heights.items():
        heights[r] = stored_height(h)  # as the workbook stores it, so that the page fit counts what prints
        ws.set_row(r, heights[r])
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
