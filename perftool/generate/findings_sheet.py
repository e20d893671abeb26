"""The 审核结果 sheet's columns, its 说明 cells, and the empty sheet a generated template carries (尚未审核).

The 说明 column is the only unlocked one: a unit writes there why a 提示 may stand (出错说明) and sends the
workbook back; the hidden 审核编号 and 数据指纹 columns tie each 说明 to its finding and to the values it was
written against. The annotated copy fills the same columns (``annotate/workbook.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..definitions.workbook import WorkbookPlan
from ..identity import (CELL_HEADER, ERROR_PLACEHOLDER, EXPLANATION_HEADER, EXPLANATION_LIMIT, FINDINGS_SHEET,
                        FINGERPRINT_HEADER, ID_HEADER)
from .measure import Block, fit_rows, page_fit, stored_height
from .sheet_xml import write_row
from .styles import INPUT_FILL, Styles, text_format

FINDING_COLUMNS = [("序号", 5), ("级别", 9), ("表", 8), (CELL_HEADER, 13), ("位置（行／栏）", 18), ("审核规则", 24),
                   ("问题说明", 40), ("现场数据", 24), ("说明状态", 10), (EXPLANATION_HEADER, 36),
                   (ID_HEADER, 30), (FINGERPRINT_HEADER, 18)]
CELL_COL, STATE_COL, EXPLANATION_COL, ID_COL, FINGERPRINT_COL = 3, 8, 9, 10, 11
VISIBLE = len(FINDING_COLUMNS) - 2  # the id and the fingerprint columns are hidden
VISIBLE_WIDTHS = [w for _, w in FINDING_COLUMNS[:VISIBLE]]
EXPLANATION_NOTE = (f"请在“{EXPLANATION_HEADER}”栏（黄色，不超过 {EXPLANATION_LIMIT} 字）写明保留提示的原因，"
                    "改好数据后把本工作簿原样交回；错误须修改，说明不能代替修改。")
BLANK_ROWS = 10  # rows a generated template offers for explaining before the first check


def write_header(ws: Worksheet, row: int, styles: Styles) -> None:
    """Column widths (the last two hidden) and the header row at ``row``."""
    for c, (name, width) in enumerate(FINDING_COLUMNS):
        ws.set_column(c, c, width, None, {"hidden": True} if c >= VISIBLE else None)
        ws.write_string(row, c, name, styles.header())


class RowFormats:
    """The formats of a findings row's 说明 and hidden cells, made once per sheet (a copy writes ~300 rows)."""

    def __init__(self, styles: Styles):
        self.styles = styles
        self._hidden: Format | None = None  # each format made when first needed
        self._explanation: dict[bool, Format] = {}  # by whether it shows the placeholder

    def key_cells(self, finding_id: str, fingerprint: str) -> list[tuple[int, str, Format]]:
        """The hidden 审核编号 and 数据指纹 cells of a row (``write_row``'s): kept in the cells, never shown or
        printed."""
        if self._hidden is None:
            self._hidden = self.styles.get(num_format=";;;")
        return [(ID_COL, finding_id, self._hidden), (FINGERPRINT_COL, fingerprint, self._hidden)]

    def explanation_cell(self, text: str | None, error: bool) -> tuple[int, str, Format]:
        """The unlocked 说明 cell of a row (``write_row``'s; an error's empty one says it must be fixed)."""
        shown = explanation_shown(text, error)
        placeholder = not text and error
        fmt = self._explanation.get(placeholder)
        if fmt is None:
            fmt = self._explanation[placeholder] = self.styles.get(
                border=1, text_wrap=True, valign="top", locked=False, bg_color=INPUT_FILL,
                **({"font_color": "#808080", "italic": True} if placeholder else {}))
        return EXPLANATION_COL, shown, text_format(shown, fmt, self.styles)


def explanation_shown(text: str | None, error: bool) -> str:
    """What a row's 说明 cell shows: the unit's explanation, or for an error without one that it must be fixed."""
    return text or (ERROR_PLACEHOLDER if error else "")


RULE_RANGES = 256  # runs of rows one validation element covers at most (the rest in further ones)


def explanation_rule(ws: Worksheet, rows: Sequence[int], error: bool) -> None:
    """The 说明 cells' validation in ``rows`` (ascending): at most ``EXPLANATION_LIMIT`` characters, and what to
    write there; one rule over all of them, runs of rows as ranges (``sqref="J4:J9 J12"``)."""
    runs: list[list[int]] = []
    for r in rows:
        if runs and runs[-1][2] == r - 1:
            runs[-1][2] = r
        else:
            runs.append([r, EXPLANATION_COL, r, EXPLANATION_COL])
    for at in range(0, len(runs), RULE_RANGES):
        (r1, c1, r2, c2), *others = runs[at:at + RULE_RANGES]
        rule = _EXPLANATION_RULES[error]
        ws.data_validation(r1, c1, r2, c2, {**rule, "other_cells": others} if others else rule)


_EXPLANATION_RULES = {error: {
    "validate": "length", "criteria": "<=", "value": EXPLANATION_LIMIT, "ignore_blank": True,
    "input_title": "错误须修改" if error else "出错说明",
    "input_message": (f"{ERROR_PLACEHOLDER}。" if error else "请写明保留此提示的原因。")
    + f"不超过 {EXPLANATION_LIMIT} 字，不要以“=”开头。",
    "error_type": "stop", "error_title": "说明过长", "error_message": f"说明不超过 {EXPLANATION_LIMIT} 字。"}
    for error in (True, False)}


def blank_findings_sheet(book: xlsxwriter.Workbook, plan: WorkbookPlan, styles: Styles) -> None:
    """The 审核结果 sheet of a template not yet checked: the same columns, rows to explain a cell in advance."""
    ws = book.add_worksheet(FINDINGS_SHEET)
    last = VISIBLE - 1
    title = f"{plan.year}年度 {plan.unit} 审核结果".replace("  ", " ")
    ws.merge_range(0, 0, 0, last, title, styles.title())
    note = (f"尚未审核。报送后本表逐条列出审核发现的问题。如需事先说明某个提示，可在下方“{CELL_HEADER}”栏填写位置"
            f"（如 公开01!C8），在“{EXPLANATION_HEADER}”栏（不超过 {EXPLANATION_LIMIT} 字）写明原因。")
    ws.merge_range(1, 0, 1, last, note, styles.note())
    write_header(ws, 2, styles)
    body = styles.get(border=1, valign="top")
    cell = styles.get(border=1, valign="top", locked=False, bg_color=INPUT_FILL)
    formats = RowFormats(styles)
    for r in range(3, 3 + BLANK_ROWS):
        for c in range(EXPLANATION_COL):
            ws.write_blank(r, c, None, cell if c == CELL_COL else body)
        write_row(ws, r, [formats.explanation_cell(None, False)])
        explanation_rule(ws, [r], False)
    heights = fit_rows([Block(1, 0, 1, last, note)], VISIBLE_WIDTHS,
                       {0: 30.0, 1: 15.0, 2: 18.0, **{r: 30.0 for r in range(3, 3 + BLANK_ROWS)}})
    for r, h in heights.items():
        ws.set_row(r, stored_height(h))
    fit = page_fit(VISIBLE_WIDTHS, [heights[r] for r in sorted(heights)], True)
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_print_scale(fit.scale)
    ws.print_area(0, 0, 2 + BLANK_ROWS, last)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_header("&L&A")
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
                    "format_rows": True})
