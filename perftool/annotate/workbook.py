"""The annotated copy returned to the unit: its workbook re-rendered from perftool's own template.

The submission is never re-saved (an openpyxl save would drop cached values and extensions): its entries are
written into a fresh rendering of the template, so every formula carries a correct cached value. Findings
become comments with red/amber highlights, and two sheets lead the workbook: 审核结果 and 评分结果.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol
from xlsxwriter.worksheet import Worksheet

from ..assess import Assessment
from ..audit.findings import ERROR, SEVERITY_ZH
from ..errors import UsageError
from ..generate.render import render
from ..generate.styles import Styles, write_text
from ..identity import FINDINGS_SHEET, SCORES_SHEET
from ..score.evaluation import Scores
from ..values import is_number



def annotate(a: Assessment, output: Path) -> None:
    """Write the annotated copy of ``a``'s workbook to ``output`` (which must not be the submission)."""
    if Path(output).resolve() == a.path.resolve():
        raise UsageError("批注后的工作簿不能覆盖原报送文件，请用 -o 指定新文件名")
    sheets = {layout.sheet for layout in a.plan.layouts.values()}
    marks: dict[tuple[str, int, int], list[tuple[str, str]]] = {}
    for f in a.findings:
        if f.sheet in sheets and f.cell:
            r, c = xl_cell_to_rowcol(f.cell)
            marks.setdefault((f.sheet, r, c), []).append((f.severity, f.message))

    def front(book: xlsxwriter.Workbook, styles: Styles) -> None:
        _findings_sheet(book.add_worksheet(FINDINGS_SHEET), a, styles)
        _scores_sheet(book, book.add_worksheet(SCORES_SHEET), a, styles)

    render(a.plan, {**a.inputs, **a.overrides}, output, marks, front)


def _link(ws: Worksheet, r: int, c: int, target: str | None, styles: Styles) -> None:
    """A cell reference written as a hyperlink to that cell (``表!A1``)."""
    if not target or "!" not in target:
        ws.write_string(r, c, target or "", styles.get(border=1))
        return
    sheet, cell = target.split("!", 1)
    if not cell or not cell[0].isalpha():
        ws.write_string(r, c, target, styles.get(border=1))
        return
    ws.write_url(r, c, f"internal:'{sheet}'!{cell}", styles.get(border=1, font_color="blue", underline=1),
                 string=target, tip="转到该单元格")


def _title(ws: Worksheet, text: str, width: int, styles: Styles) -> None:
    ws.merge_range(0, 0, 0, width - 1, text, styles.title())
    ws.set_row(0, 30)


def _findings_sheet(ws: Worksheet, a: Assessment, styles: Styles) -> None:
    headers = [("序号", 6), ("级别", 12), ("表", 9), ("单元格", 14), ("行", 26), ("栏", 18), ("审核规则", 20),
               ("问题说明", 70), ("现场数据", 40)]
    _title(ws, f"{a.plan.year}年度 {a.plan.unit} 审核结果", len(headers), styles)
    summary = (f"文件：{a.path.name}　　错误（强制，须修改）{a.errors} 条，提示（可附说明）{a.warnings} 条。"
               "点击“单元格”可跳转到对应位置；表中红色为错误，橙色为提示，批注写明原因。")
    ws.merge_range(1, 0, 1, len(headers) - 1, summary, styles.note())
    ws.set_row(1, 30)
    for c, (name, width) in enumerate(headers):
        ws.set_column(c, c, width)
        ws.write_string(2, c, name, styles.header())
    body = styles.get(border=1, text_wrap=True, valign="top")
    for i, f in enumerate(a.findings, start=1):
        r = i + 2
        severity = styles.get(border=1, valign="top", bold=f.severity == ERROR,
                              font_color="#C00000" if f.severity == ERROR else "#9C5700")
        ws.write_number(r, 0, i, body)
        ws.write_string(r, 1, SEVERITY_ZH[f.severity], severity)
        ws.write_string(r, 2, f.sheet or "整个工作簿", body)
        _link(ws, r, 3, f"{f.sheet}!{f.cell}" if f.sheet and f.cell else "", styles)
        write_text(ws, r, 4, f.row_label, body, styles)
        write_text(ws, r, 5, f.col_label, body, styles)
        ws.write_string(r, 6, f"{f.title}" + (f"（{f.rule}）" if f.rule else ""), body)
        write_text(ws, r, 7, f.message, body, styles)
        facts = "；".join(f"{k}：{_plain(v)}" for k, v in f.values.items())
        write_text(ws, r, 8, facts, body, styles)
        ws.set_row(r, _height((f.message, 70), (facts, 40), (f.row_label, 26)))
    if not a.findings:
        ws.merge_range(3, 0, 3, len(headers) - 1, "未发现问题。", body)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, max(3, len(a.findings) + 2), len(headers) - 1)
    _print(ws)


def _plain(v: Any) -> str:
    if is_number(v):
        return f"{v:,.4f}".rstrip("0").rstrip(".")
    return "空" if v in (None, "") else str(v)


def _scores_sheet(book: xlsxwriter.Workbook, ws: Worksheet, a: Assessment, styles: Styles) -> None:
    headers = [("一级指标", 10), ("二级指标", 14), ("三级指标", 34), ("分值", 7), ("指标值", 10), ("计算得分", 9),
               ("自评得分", 9), ("差异（自评−计算）", 10), ("评分说明", 60), ("得分单元格", 14)]
    _title(ws, f"{a.plan.year}年度 {a.plan.unit} 评分结果", len(headers), styles)
    for c, (_, width) in enumerate(headers):
        ws.set_column(c, c, width)
    row = 1
    sections = [s for s in (a.evaluation, a.self_evaluation, *(p.scores for p in a.projects)) if s is not None]
    if not sections:
        ws.write_string(row, 0, "工作簿中没有可评分的表（附件1、附件2 或评分表）。")
    chart_rows: list[tuple[int, int, str]] = []
    for s in sections:
        row = _scores_section(ws, row, s, a, headers, styles, chart_rows)
    for first, last, name in chart_rows:
        chart = book.add_chart({"type": "column"})
        for col, series in ((1, "分值"), (2, "计算得分"), (3, "自评得分")):
            chart.add_series({"name": series, "categories": [SCORES_SHEET, first, 0, last, 0],
                              "values": [SCORES_SHEET, first, col, last, col], "data_labels": {"value": True}})
        chart.set_title({"name": f"{name}：各一级指标得分", "name_font": {"name": "宋体", "size": 11}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 620, "height": 300})
        ws.insert_chart(first - 1, 5, chart)
    _print(ws)


def _scores_section(ws: Worksheet, row: int, s: Scores, a: Assessment, headers: list[tuple[str, int]],
                    styles: Styles, chart_rows: list[tuple[int, int, str]]) -> int:
    name = {"评分表": "评分表（按评分标准计算）", "自评表": "附件2 自评表（复核）"}.get(s.source, s.source)
    basis = " — 总分和等次的依据" if a.basis is s else ""
    row += 1
    ws.merge_range(row, 0, row, len(headers) - 1, f"{name}{basis}", styles.get(bold=True, font_size=12))
    row += 1
    policy = {"pro_rata": "按实际百分点折算", "whole_up": "不足一个百分点按一个计",
              "whole_down": "不足一个百分点不计"}.get(s.points or "", "")
    facts = [f"计算总分：{_score(s.total)}", f"自评总分：{_score(s.self_total)}", f"评价等次：{s.grade or '—'}",
             f"评分规则：{s.rules}（{policy}）" if s.rules else "",
             "" if s.complete else "部分指标不可评价（缺少数据），总分只含可评价指标"]
    ws.merge_range(row, 0, row, len(headers) - 1, "　　".join(x for x in facts if x), styles.note())
    row += 1
    for c, (title, _) in enumerate(headers):
        ws.write_string(row, c, title, styles.header())
    body = styles.get(border=1, text_wrap=True, valign="top")
    number = styles.get(border=1, valign="top", num_format="0.00")
    for ind in s.indicators:
        row += 1
        ws.write_string(row, 0, ind.group, body)
        ws.write_string(row, 1, ind.subgroup, body)
        ws.write_string(row, 2, ind.name, body)
        ws.write_number(row, 3, ind.max, number)
        _number(ws, row, 4, ind.value, styles.get(border=1, valign="top", num_format="0.00%")
                if isinstance(ind.value, float) and abs(ind.value) <= 10 else number, body)
        _number(ws, row, 5, ind.score, number, body, "不可评价")
        _number(ws, row, 6, ind.self_score, number, body)
        _number(ws, row, 7, ind.diff, number, body)
        ws.write_string(row, 8, ind.reason, body)
        ws.set_row(row, _height((ind.reason, 60), (ind.name, 34)))
        _link(ws, row, 9, ind.cell, styles)
    row += 2
    groups: dict[str, list[float]] = {}
    for ind in s.indicators:
        g = groups.setdefault(ind.group, [0.0, 0.0, 0.0])
        g[0] += ind.max
        g[1] += ind.score or 0.0
        g[2] += ind.self_score or 0.0
    for c, title in enumerate(("一级指标", "分值", "计算得分", "自评得分")):
        ws.write_string(row, c, title, styles.header())
    first = row + 1
    for name_, (m, sc, se) in groups.items():
        row += 1
        ws.write_string(row, 0, name_, body)
        for c, v in enumerate((m, sc, se), start=1):
            ws.write_number(row, c, round(v, 2), number)
    chart_rows.append((first, row, name))
    return max(row + 1, first + 15)


def _height(*texts: tuple[str, float]) -> float:
    """Row height (points) that shows each wrapped text in full, given its column width in characters."""
    lines = max(1, *(math.ceil(len(t) * 2 / width) for t, width in texts if t))
    return 14.0 * lines


def _number(ws: Worksheet, r: int, c: int, v: Any, fmt: Any, text_fmt: Any, blank: str = "") -> None:
    if is_number(v):
        ws.write_number(r, c, float(v), fmt)
    else:
        ws.write_string(r, c, blank if v in (None, "") else str(v), text_fmt)


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _print(ws: Worksheet) -> None:
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "autofilter": True,
                    "format_columns": True, "format_rows": True})
