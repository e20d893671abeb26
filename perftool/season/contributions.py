"""The 汇总's 单位明细 workbook: every amount line of the 汇总 with each member's figure, so any total is traceable."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from ..generate.styles import Styles, write_text
from ..output import atomic_path
from .consolidate import Consolidation

FIXED = ("表", "单元格", "项目", "栏目")


def write_contributions(cons: Consolidation, path: Path) -> None:
    """One row per amount line of the 汇总 (inputs and totals), one column per member, then 汇总 and 差额."""
    plan = cons.plan
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False})
        styles = Styles(book)
        ws = book.add_worksheet("单位明细")
        members = [m.label for m in cons.members]
        headers = [*FIXED, *members, "汇总", "差额（各单位之和−汇总）"]
        widths = [8, 8, 30, 18, *[14] * len(members), 14, 12]
        ws.merge_range(0, 0, 0, len(headers) - 1, f"{plan.year}年度 {plan.unit} 汇总单位明细", styles.title())
        ws.set_row(0, 30)
        ws.write_string(1, 0, f"汇总 {len(members)} 个单位（或下级汇总）；金额单位：万元。每行为汇总表中的一个金额，"
                              "各列为各单位的数，差额应为 0。", styles.caption())
        for c, (h, w) in enumerate(zip(headers, widths, strict=True)):
            ws.set_column(c, c, w)
            write_text(ws, 2, c, h, styles.header(), styles)
        ws.set_row(2, 32)
        text = styles.get(border=1, valign="top", text_wrap=True)
        num = styles.get(border=1, valign="top", num_format="#,##0.00")
        row = 3
        for key, figures in cons.contributions.items():
            f = plan.field(key)
            total = cons.values.get(key)
            for c, v in enumerate((plan.layouts[f.table].table.sheet, f.cell, f.row_label, f.col_label)):
                write_text(ws, row, c, v, text, styles)
            for c, v in enumerate([*figures, total], start=len(FIXED)):
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    ws.write_number(row, c, v, num)
                else:
                    ws.write_blank(row, c, None, num)
            added = sum(v for v in figures if isinstance(v, (int, float)))
            ws.write_number(row, len(headers) - 1, round(added - (total or 0), 2), num)
            row += 1
        ws.freeze_panes(3, len(FIXED))
        ws.repeat_rows(2)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_footer("&C第 &P 页，共 &N 页")
        book.close()
