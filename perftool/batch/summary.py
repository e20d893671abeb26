"""The batch's summary workbook (汇总表): one row per submission, ranking, grade chart, counts per rule and unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..audit.rules import rule_text
from ..definitions.catalog import edition_for, load_table, table_set
from ..generate.measure import Block, fit_rows, page_fit, stored_height
from ..generate.styles import BODY_FONT, Styles, write_text
from ..output import atomic_path
from .projects_sheet import write_projects_sheet
from .row import SCORED, Row



class Season(Protocol):
    """What the 汇总表 shows of a season (``batch --units``; built after the batch by perftool/season/waves.py,
    which this module does not import: imports run down the data flow)."""

    units: list[Any]
    others: list[Any]

    def rows(self) -> list[Row]: ...
    def counts_line(self) -> str: ...
    def superseded(self) -> list[tuple[Any, Any, str]]: ...

GRADES = ("优", "良", "中", "差")


def write_summary_workbook(rows: list[Row], path: Path, title: str = "绩效评价审核评分汇总表",
                           skipped: list[str] | None = None, season: Season | None = None) -> None:
    """Write the summary workbook to ``path`` (atomically); ``skipped`` are inbox files that were not workbooks.
    With a ``season`` (``batch --units``) the rows are the roster units' current submissions (a 未报送 row for a
    unit without one) and the submitters not on the roster, each with its status; superseded files are listed."""
    if season is not None:
        rows = season.rows()
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False,
                                              "default_format_properties": {"font_name": BODY_FONT, "font_size": 10}})
        styles = Styles(book)
        _summary(book, rows, styles, title, skipped or [], season)
        _by_rule(book, rows, styles)
        _by_unit(book, rows, styles)
        if any(r.projects for r in rows):
            write_projects_sheet(book, rows, styles)
        book.close()


def rankable(r: Row) -> bool:
    """A complete total within the full marks can be ranked; a partial or an impossible one cannot."""
    return r.status == SCORED and bool(r.basis) and r.complete and r.total is not None and not r.over_max


def ranks(rows: list[Row]) -> dict[int, int]:
    """Rank (1 = best) of each rankable row, by index, among rows of the same year and table set (or tables)."""
    groups: dict[tuple[int | None, str], list[int]] = {}
    for i, r in enumerate(rows):
        if rankable(r):
            groups.setdefault((r.year, r.table_set or r.tables), []).append(i)
    out = {}
    for members in groups.values():
        for k, i in enumerate(sorted(members, key=lambda i: -(rows[i].total or 0)), start=1):
            out[i] = k
    return out


def _tables_named(r: Row) -> str:
    """What a row was filed as: its table set's name, else its tables' sheet names (公开01、附件1 …)."""
    if r.table_set:
        return table_set(r.table_set).name
    sheets = []
    for tid in (t for t in r.tables.split(",") if t):
        edition = edition_for(tid, r.year) if r.year else None
        sheets.append(load_table(tid, edition).sheet if edition is not None else tid)
    return "、".join(sheets)


def _note(r: Row) -> str:
    notes = [r.reason]
    if r.over_max:
        notes.append("计算总分超过评分标准的满分，不评等次、不排名，请核对分值和得分")
    elif r.status == SCORED and r.basis and not r.complete:
        notes.append("部分指标不可评价，总分只含可评价指标（*），不排名")
    return "；".join(x for x in [*notes, *r.flags] if x)


def _summary(book: xlsxwriter.Workbook, rows: list[Row], styles: Styles, title: str, skipped: list[str],
             season: Season | None) -> None:
    ws = book.add_worksheet("汇总表")
    groups = list(dict.fromkeys(g for r in rows for g in r.groups))
    listed = season.units + season.others if season else []
    if season is not None:
        rows = [e.row() for e in listed]
    entries = {id(r): e for e, r in zip(listed, rows, strict=True)} if season else {}
    explained = ["已说明"] if season is not None else []
    headers = ["排名", "单位名称", "年度", "报送的表", "评分依据", "计算总分", "自评总分", "等次", "自评等次",
               *groups, "错误", "提示", *explained, "状态", "说明", "单位编码", "批注文件", "报送文件"]
    widths = [5, 16, 5, 10, 6, 7, 7, 4, 5, *[6.5] * len(groups), 4, 4, *[4] * len(explained), 8 if season else 6,
              30, 12, 30, 30]
    printed = len(headers) - 3  # the file columns stay on screen, off the printout
    ws.merge_range(0, 0, 0, printed - 1, title, styles.title())
    heights: dict[int, float] = {0: 30.0, 1: 18.0, 2: 30.0}
    rank = ranks(rows)
    order = sorted(range(len(rows)), key=lambda i: (rows[i].status != SCORED, rows[i].year or 0,
                                                    rows[i].table_set or rows[i].tables, i not in rank, rank.get(i, 0)))
    scored = [r for r in rows if r.status == SCORED]
    filed = [r for r in rows if r.file]
    caption = ((season.counts_line() + "。" if season else "") +
               f"共 {len(filed)} 份：已评分 {len(scored)} 份，无法读取 {len(filed) - len(scored)} 份；"
               f"有错误的 {sum(1 for r in scored if r.errors)} 份。排名在同一年度、报送同一组表的单位之间进行；"
               "总分带 * 的只含可评价指标，不排名。" + (f"未识别文件 {len(skipped)} 个（见表末）。" if skipped else ""))
    ws.merge_range(1, 0, 1, printed - 1, caption, styles.note())
    blocks = [Block(1, 0, 1, printed - 1, caption)]
    for c, (h, w) in enumerate(zip(headers, widths, strict=True)):
        ws.set_column(c, c, w)
        ws.write_string(2, c, h, styles.header())
    body = styles.get(border=1, valign="top", text_wrap=True)
    num = styles.get(border=1, valign="top", num_format="0.00")
    partial = styles.get(border=1, valign="top", num_format='0.00"*"', font_color="#9C5700")
    over = styles.get(border=1, valign="top", num_format="0.00", font_color="#C00000", bold=True)
    link = styles.get(border=1, valign="top", font_color="blue", underline=1)
    for k, i in enumerate(order):
        r, row = rows[i], 3 + k
        e = entries.get(id(r))
        status, note = (e.status, "；".join(x for x in (e.note(), _note(r)) if x)) if e else (r.status, _note(r))
        values = [rank.get(i, ""), r.unit or (e.unit if e else ""), r.year or "", _tables_named(r), r.basis or "",
                  r.total, r.self_total, r.grade or "", r.self_grade or "", *[r.groups.get(g) for g in groups],
                  *((r.errors, r.warnings) if r.file else ("", "")),
                  *([e.verdict.explained if e and e.verdict else ""] if explained else []),
                  status, note, r.unit_code or (e.code if e else "")]
        for c, v in enumerate(values):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                fmt = num if isinstance(v, float) else body
                if c == 5:
                    fmt = over if r.over_max else num if r.complete else partial
                ws.write_number(row, c, v, fmt)
            else:
                text = "" if v is None else str(v)
                if text:
                    write_text(ws, row, c, text, body, styles)
                    blocks.append(Block(row, c, row, c, text))
                else:
                    ws.write_blank(row, c, None, body)
        c = len(values)
        if r.annotated:
            ws.write_url(row, c, "external:" + r.annotated, link, string=Path(r.annotated).name)
        else:
            ws.write_string(row, c, "", body)
        write_text(ws, row, c + 1, r.file, body, styles)
        heights[row] = 15.0
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, 2 + max(1, len(rows)), len(headers) - 1)
    top = 4 + len(rows)
    if skipped:
        ws.merge_range(top, 0, top, 3, "未识别文件（不是 .xlsx 工作簿，未处理）", styles.header())
        for k, name in enumerate(skipped, start=1):
            ws.write_number(top + k, 0, k, body)
            ws.merge_range(top + k, 1, top + k, 3, name, body)
            blocks.append(Block(top + k, 1, top + k, 3, name))
            heights[top + k] = 15.0
        top += len(skipped) + 2
    earlier = [f"{s.file}（{e.unit or '—'}，第 {s.wave} 批）：{why}"
               for e, s, why in (season.superseded() if season else [])]
    if earlier:
        ws.merge_range(top, 0, top, printed - 1, "已被取代的报送（批注副本和结果已移入 历史/）", styles.header())
        for k, text in enumerate(earlier, start=1):
            ws.write_number(top + k, 0, k, body)
            ws.merge_range(top + k, 1, top + k, printed - 1, text, body)
            blocks.append(Block(top + k, 1, top + k, printed - 1, text))
            heights[top + k] = 15.0
        top += len(earlier) + 2
    ws.write_string(top, 0, "等次", styles.header())
    ws.write_string(top, 1, "单位数", styles.header())
    for k, g in enumerate(GRADES):
        ws.write_string(top + 1 + k, 0, g, body)
        ws.write_number(top + 1 + k, 1, sum(1 for r in scored if r.grade == g and not r.over_max), body)
    chart = book.add_chart({"type": "column"})
    chart.add_series({"name": "单位数", "categories": ["汇总表", top + 1, 0, top + 4, 0],
                      "values": ["汇总表", top + 1, 1, top + 4, 1], "data_labels": {"value": True}})
    chart.set_title({"name": "等次分布", "name_font": {"name": "宋体", "size": 11}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 480, "height": 240})
    ws.insert_chart(top, 3, chart, {"y_offset": 4})  # inside its row: LibreOffice prints a chart on a page edge twice
    end = top + 13  # rows the chart covers
    for r in range(top, end):
        heights.setdefault(r, 15.0)
    keep = set(range(top + 1, end))
    _print(ws, widths[:printed], fit_rows(blocks, widths, heights), (2, 2), keep, printed - 1)


def _headed(ws: Worksheet, columns: tuple[tuple[str, int], ...], styles: Styles
            ) -> tuple[dict[int, float], list[Block], Any]:
    """A statistics sheet's column widths and header row; its row heights and text blocks so far, and the body
    format."""
    for c, (h, w) in enumerate(columns):
        ws.set_column(c, c, w)
        ws.write_string(0, c, h, styles.header())
    return {0: 20.0}, [], styles.get(border=1, valign="top", text_wrap=True)


def _by_rule(book: xlsxwriter.Workbook, rows: list[Row], styles: Styles) -> None:
    ws = book.add_worksheet("按公式统计")
    counts: dict[str, list[int]] = {}
    for r in rows:
        for rule, n in r.rules.items():
            c = counts.setdefault(rule, [0, 0])
            c[0] += n
            c[1] += 1
    columns = (("审核规则/问题类型", 30), ("说明", 56), ("问题数", 7), ("涉及单位数", 9))
    heights, blocks, body = _headed(ws, columns, styles)
    for i, (rule, (n, units)) in enumerate(sorted(counts.items(), key=lambda kv: -kv[1][0]), start=1):
        text = rule_text(rule)
        ws.write_string(i, 0, text.name, body)
        ws.write_string(i, 1, text.explain, body)
        ws.write_number(i, 2, n, body)
        ws.write_number(i, 3, units, body)
        blocks += [Block(i, 0, i, 0, text.name), Block(i, 1, i, 1, text.explain)]
        heights[i] = 15.0
    ws.freeze_panes(1, 0)
    _print(ws, [w for _, w in columns], fit_rows(blocks, [w for _, w in columns], heights), (0, 0), set(), 3,
           landscape=False)


def _by_unit(book: xlsxwriter.Workbook, rows: list[Row], styles: Styles) -> None:
    ws = book.add_worksheet("按单位统计")
    columns = (("单位名称", 26), ("年度", 5), ("错误", 5), ("提示", 5), ("问题最多的规则", 56))
    heights, blocks, body = _headed(ws, columns, styles)
    for i, r in enumerate(rows, start=1):
        worst = sorted(r.rules.items(), key=lambda kv: -kv[1])[:3]
        texts = (r.unit or r.file, "；".join(f"{rule_text(k).name} {n} 条" for k, n in worst) or r.reason)
        write_text(ws, i, 0, texts[0], body, styles)
        ws.write_string(i, 1, str(r.year or ""), body)
        ws.write_number(i, 2, r.errors, body)
        ws.write_number(i, 3, r.warnings, body)
        write_text(ws, i, 4, texts[1], body, styles)
        blocks += [Block(i, 0, i, 0, texts[0]), Block(i, 4, i, 4, texts[1])]
        heights[i] = 15.0
    ws.freeze_panes(1, 0)
    _print(ws, [w for _, w in columns], fit_rows(blocks, [w for _, w in columns], heights), (0, 0), set(), 4,
           landscape=False)


def _print(ws: Worksheet, widths: list[float], heights: dict[int, float], repeat: tuple[int, int],
           keep: set[int], last_col: int, landscape: bool = True) -> None:
    """Row heights; A4 at a scale that fits the printed columns; breaks outside ``keep``; header rows repeated."""
    for r, h in heights.items():
        heights[r] = stored_height(h)  # as the workbook stores it, so that the page fit counts what prints
        ws.set_row(r, heights[r])
    rows = [heights.get(r, 15.0) for r in range(max(heights) + 1)]
    fit = page_fit(widths, rows, landscape, sum(rows[repeat[0]:repeat[1] + 1]),
                   cuts={r for r in range(repeat[1] + 2, len(rows)) if r not in keep})
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    ws.set_print_scale(fit.scale)
    if fit.breaks:
        ws.set_h_pagebreaks(fit.breaks)
    ws.repeat_rows(*repeat)
    ws.print_area(0, 0, len(rows) - 1, last_col)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_header("&L&A")
    ws.set_footer("&C第 &P 页，共 &N 页")
