"""The 项目 sheet of the batch summary: one row per project sheet, then each unit's totals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from ..generate.styles import Styles, write_text

HEADERS = (("单位名称", 28), ("项目名称", 34), ("项目编码", 12), ("预算数", 11), ("执行数", 11), ("执行率", 9),
           ("计算总分", 9), ("自评总分", 9), ("等次", 6), ("错误", 6), ("提示", 6), ("说明", 40), ("批注文件", 30))


def write_projects_sheet(book: xlsxwriter.Workbook, rows: list[Any], styles: Styles) -> None:
    """Every project of the batch's project workbooks, then per unit: count, Σ 预算数, Σ 执行数, 执行率."""
    ws = book.add_worksheet("项目")
    for c, (h, w) in enumerate(HEADERS):
        ws.set_column(c, c, w)
        ws.write_string(0, c, h, styles.header())
    body = styles.get(border=1, valign="top", text_wrap=True)
    num = styles.get(border=1, valign="top", num_format="#,##0.00")
    rate = styles.get(border=1, valign="top", num_format="0.00%")
    link = styles.get(border=1, font_color="blue", underline=1)
    line = 1
    units: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        for p in r.projects:
            units.setdefault((r.unit, r.unit_code), []).append(p)
            note = "；".join(c["message"] for c in r.cross_checks if c.get("severity")) if p is r.projects[0] else ""
            cells = [r.unit, p["name"], p["code"], p["budget"], p["executed"], p["rate"], p["total"],
                     p["self_total"], p["grade"] or ("—" if not p["complete"] else ""), p["errors"], p["warnings"],
                     ("部分指标不可评价；" if not p["complete"] else "") + note]
            _write(ws, line, cells, body, num, rate, styles)
            if r.annotated:
                ws.write_url(line, len(cells), "external:" + r.annotated + f"#'{p['sheet']}'!A1", link,
                             string=Path(r.annotated).name)
            line += 1
    line += 1
    for c, h in enumerate(("单位名称", "项目数", "", "预算数合计", "执行数合计", "执行率")):
        ws.write_string(line, c, h, styles.header())
    for (unit, _), projects in units.items():
        line += 1
        budget = round(sum(p["budget"] or 0 for p in projects), 2)
        executed = round(sum(p["executed"] or 0 for p in projects), 2)
        _write(ws, line, [unit, len(projects), "", budget, executed, executed / budget if budget else None],
               body, num, rate, styles)
    ws.freeze_panes(1, 2)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _write(ws: Any, row: int, cells: list[Any], body: Any, num: Any, rate: Any, styles: Styles) -> None:
    for c, v in enumerate(cells):
        if isinstance(v, float):
            ws.write_number(row, c, v, rate if c == 5 else num)
        elif isinstance(v, int) and not isinstance(v, bool):
            ws.write_number(row, c, v, body)
        else:
            write_text(ws, row, c, "" if v is None else str(v), body, styles)
