"""The batch's summary workbook (汇总表): one row per submission, ranking, grade chart, counts per rule and unit."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from ..audit.findings import CATALOGUE
from ..batch import SCORED, Row
from ..generate.styles import Styles, write_text
from ..output import atomic_path
from .projects_sheet import write_projects_sheet

GRADES = ("优", "良", "中", "差")


def write_summary_workbook(rows: list[Row], path: Path, title: str = "绩效评价审核评分汇总表") -> None:
    """Write the summary workbook to ``path`` (atomically)."""
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False})
        styles = Styles(book)
        _summary(book, rows, styles, title)
        _by_rule(book, rows, styles)
        _by_unit(book, rows, styles)
        if any(r.projects for r in rows):
            write_projects_sheet(book, rows, styles)
        book.close()


def _summary(book: xlsxwriter.Workbook, rows: list[Row], styles: Styles, title: str) -> None:
    ws = book.add_worksheet("汇总表")
    groups = list(dict.fromkeys(g for r in rows for g in r.groups))
    headers = ["排名", "单位名称", "单位编码", "年度", "评分依据", "计算总分", "自评总分", "等次", "自评等次",
               *groups, "错误", "提示", "状态", "说明", "批注文件", "报送文件"]
    widths = [6, 30, 12, 6, 8, 9, 9, 6, 8, *[9] * len(groups), 6, 6, 9, 40, 30, 30]
    ws.merge_range(0, 0, 0, len(headers) - 1, title, styles.title())
    ws.set_row(0, 30)
    scored = sorted((r for r in rows if r.status == SCORED), key=lambda r: -(r.total or 0))
    failed = [r for r in rows if r.status != SCORED]
    ws.write_string(1, 0, f"共 {len(rows)} 份：已评分 {len(scored)} 份，无法读取 {len(failed)} 份；"
                          f"有错误的 {sum(1 for r in scored if r.errors)} 份。", styles.caption())
    for c, (h, w) in enumerate(zip(headers, widths, strict=True)):
        ws.set_column(c, c, w)
        ws.write_string(2, c, h, styles.header())
    body = styles.get(border=1, valign="top", text_wrap=True)
    num = styles.get(border=1, valign="top", num_format="0.00")
    link = styles.get(border=1, font_color="blue", underline=1)
    for i, r in enumerate([*scored, *failed]):
        row = 3 + i
        values = [i + 1 if r.status == SCORED else "", r.unit, r.unit_code, r.year or "", r.basis or "", r.total,
                  r.self_total, r.grade or "", r.self_grade or "", *[r.groups.get(g) for g in groups],
                  r.errors, r.warnings, r.status, "；".join([r.reason, *r.flags]).strip("；")]
        for c, v in enumerate(values):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(row, c, v, num if isinstance(v, float) else body)
            else:
                write_text(ws, row, c, "" if v is None else str(v), body, styles)
        c = len(values)
        if r.annotated:
            ws.write_url(row, c, "external:" + r.annotated, link, string=Path(r.annotated).name)
        else:
            ws.write_string(row, c, "", body)
        write_text(ws, row, c + 1, r.file, body, styles)
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, 2 + max(1, len(rows)), len(headers) - 1)
    # grade distribution
    top = 4 + len(rows)
    ws.write_string(top, 0, "等次", styles.header())
    ws.write_string(top, 1, "单位数", styles.header())
    for k, g in enumerate(GRADES):
        ws.write_string(top + 1 + k, 0, g, body)
        ws.write_number(top + 1 + k, 1, sum(1 for r in scored if r.grade == g), body)
    chart = book.add_chart({"type": "column"})
    chart.add_series({"name": "单位数", "categories": ["汇总表", top + 1, 0, top + 4, 0],
                      "values": ["汇总表", top + 1, 1, top + 4, 1], "data_labels": {"value": True}})
    chart.set_title({"name": "等次分布", "name_font": {"name": "宋体", "size": 11}})
    chart.set_legend({"none": True})
    ws.insert_chart(top, 3, chart)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _by_rule(book: xlsxwriter.Workbook, rows: list[Row], styles: Styles) -> None:
    ws = book.add_worksheet("按公式统计")
    counts: dict[str, list[int]] = {}
    for r in rows:
        for rule, n in r.rules.items():
            c = counts.setdefault(rule, [0, 0])
            c[0] += n
            c[1] += 1
    for c, (h, w) in enumerate((("审核规则/问题类型", 28), ("说明", 30), ("问题数", 8), ("涉及单位数", 10))):
        ws.set_column(c, c, w)
        ws.write_string(0, c, h, styles.header())
    body = styles.get(border=1)
    for i, (rule, (n, units)) in enumerate(sorted(counts.items(), key=lambda kv: -kv[1][0]), start=1):
        ws.write_string(i, 0, rule, body)
        ws.write_string(i, 1, CATALOGUE[rule].title if rule in CATALOGUE else "表内/表间审核公式", body)
        ws.write_number(i, 2, n, body)
        ws.write_number(i, 3, units, body)


def _by_unit(book: xlsxwriter.Workbook, rows: list[Row], styles: Styles) -> None:
    ws = book.add_worksheet("按单位统计")
    for c, (h, w) in enumerate((("单位名称", 30), ("年度", 6), ("错误", 6), ("提示", 6), ("问题最多的规则", 50))):
        ws.set_column(c, c, w)
        ws.write_string(0, c, h, styles.header())
    body = styles.get(border=1)
    for i, r in enumerate(rows, start=1):
        write_text(ws, i, 0, r.unit or r.file, body, styles)
        ws.write_string(i, 1, str(r.year or ""), body)
        ws.write_number(i, 2, r.errors, body)
        ws.write_number(i, 3, r.warnings, body)
        worst = sorted(r.rules.items(), key=lambda kv: -kv[1])[:3]
        write_text(ws, i, 4, "；".join(f"{k} {n} 条" for k, n in worst) or r.reason, body, styles)
