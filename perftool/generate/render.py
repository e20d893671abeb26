"""Render a workbook plan into a locked, formula-driven .xlsx with XlsxWriter.

Every formula is written with the value perftool computed for it, so that viewers which do not recalculate
(Excel Protected View, previews, LibreOffice's default) show the right figures.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from ..definitions.cells import Blank, Formula, Input, Label, Merge
from ..definitions.layout import substitute
from ..definitions.model import Field, TableLayout
from ..definitions.types import TYPES
from ..definitions.workbook import WorkbookPlan
from ..engine import engine_for
from ..identity import SHEET as IDENTITY_SHEET, Identity
from ..output import atomic_path
from .styles import BODY_FONT, Styles, write_text


#: Cell notes: (sheet, 0-based row, 0-based column) → [(severity "error"|"warning", text), …].
Marks = Mapping[tuple[str, int, int], list[tuple[str, str]]]


def render(plan: WorkbookPlan, inputs: Mapping[str, Any], path: Path, marks: Marks | None = None,
           front: Callable[[xlsxwriter.Workbook, Styles], None] | None = None) -> dict[str, Any]:
    """Write ``plan`` filled with ``inputs`` (field key → value) to ``path``; return every field's value.

    Formula keys in ``inputs`` are written as constants over their formulas (what a unit that typed over a
    computed cell sends back); everything else is computed. ``marks`` become comments and red (error) or amber
    (warning) highlights; ``front`` adds sheets before the tables (the 审核结果 and 评分结果 of an annotated copy).
    """
    values = engine_for(plan).compute(inputs)
    stamp = dt.datetime.now().replace(microsecond=0).isoformat()
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                              "strings_to_urls": False, "in_memory": True})
        styles = Styles(book)
        if front is not None:
            front(book, styles)
        for layout in plan.layouts.values():
            ws = book.add_worksheet(layout.sheet)
            _write_table(ws, layout, plan, values, set(inputs), styles)
            _write_marks(ws, layout.sheet, marks or {}, styles)
        _write_identity(book, plan, stamp)
        book.set_properties({"title": f"{plan.year}年度 {plan.unit}".strip(), "author": "perftool",
                             "comments": "由 perftool 生成；黄色单元格为填报项，蓝色单元格为公式。"})
        book.set_calc_mode("auto")
        book.close()
    return values


def _write_marks(ws: Worksheet, sheet: str, marks: Marks, styles: Styles) -> None:
    cells: dict[str, list[str]] = {"error": [], "warning": []}
    for (where, r, c), notes in marks.items():
        if where != sheet:
            continue
        cells["error" if any(sev == "error" for sev, _ in notes) else "warning"].append(xl_rowcol_to_cell(r, c))
        text = "\n".join(f"【{'错误' if sev == 'error' else '提示'}】{t}" for sev, t in notes)
        ws.write_comment(r, c, text[:2000], {"author": "perftool 审核", "x_scale": 3.5,
                                             "y_scale": min(8, 1.5 + len(text) / 60), "font_name": BODY_FONT})
    for severity, where in cells.items():  # one highlight rule per severity and sheet, over all its cells
        if where:
            ws.conditional_format(where[0], {"type": "formula", "criteria": "TRUE", "format": styles.mark(severity),
                                             "multi_range": " ".join(where)})


def _context(plan: WorkbookPlan) -> dict[str, str]:
    return {"year": str(plan.year), "prev_year": str(plan.year - 1)}


def _write_table(ws: Worksheet, layout: TableLayout, plan: WorkbookPlan, values: Mapping[str, Any],
                 given: set[str], styles: Styles) -> None:
    table = layout.table
    context = _context(plan)
    last_col = len(table.columns) - 1
    for c, column in enumerate(table.columns):
        ws.set_column(c, c, column.width, None, {"hidden": True} if column.hidden else {})
    visible_last = max(c for c, col in enumerate(table.columns) if not col.hidden)

    if table.heading:
        heading = str(substitute(table.heading, {**context, "unit": plan.unit or "（单位）"}))
        ws.merge_range(0, 0, 0, visible_last, heading, styles.get(bold=True, align="center"))
    else:
        ws.write_string(0, 0, table.number, styles.get(bold=True))
    ws.merge_range(1, 0, 1, visible_last, str(substitute(table.title, context)), styles.title())
    ws.set_row(1, 30)
    half = max(0, visible_last // 2)
    unit_line = f"部门：{plan.unit}" if plan.unit else "部门："
    if table.amount_unit and not table.department_line:
        ws.merge_range(2, 0, 2, visible_last, f"{table.amount_label}：{table.amount_unit}", styles.caption("right"))
    elif table.amount_unit and half < visible_last:
        ws.merge_range(2, 0, 2, half, unit_line, styles.caption())
        ws.write_string(2, visible_last, f"{table.amount_label}：{table.amount_unit}", styles.caption("right"))
    else:
        ws.merge_range(2, 0, 2, visible_last, unit_line, styles.caption())

    merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in layout.merges}
    heights: dict[int, float] = {}
    for r in range(layout.header_first, layout.body_last + 1):
        in_header = r < layout.body_first
        for c, spec in enumerate(layout.grid[r]):
            if isinstance(spec, Merge):
                continue
            fmt, write = _cell_writer(ws, layout, plan, r, c, spec, values, given, styles, context, in_header)
            r2, c2 = merged.get((r, c), (r, c))
            if (r, c) in merged:
                ws.merge_range(r, c, r2, c2, "", fmt)
            write(fmt)
            text = _shown_text(layout, r, c, spec, values, context)
            if text:
                width = sum(col.width for col in table.columns[c:c2 + 1] if not col.hidden)
                for k in range(r, r2 + 1):
                    heights[k] = max(heights.get(k, 0.0), wrapped_height(text, width) / (r2 - r + 1))
    for r, height in heights.items():
        if r < layout.body_first or height > DEFAULT_ROW_HEIGHT:
            ws.set_row(r, math.ceil(max(height, 28 if r < layout.body_first else 0) / 0.75) * 0.75)  # whole pixels

    _write_validations(ws, layout)
    row = layout.body_last + 1
    for note in table.notes:
        ws.merge_range(row, 0, row, visible_last, str(substitute(note, context)), styles.note())
        total_width = sum(col.width for col in table.columns if not col.hidden)
        ws.set_row(row, 14 * max(1, math.ceil(len(note) * 2.1 / total_width)))
        row += 1

    _page_setup(ws, layout, last_col)


DEFAULT_ROW_HEIGHT = 15.0  # points


def wrapped_height(text: str, width: float) -> float:
    """Points a wrapped text needs in a cell ``width`` characters wide (a CJK character is two)."""
    lines = sum(max(1, math.ceil(sum(2 if ord(ch) > 0x2E7F else 1 for ch in part) / max(width - 1, 1)))
                for part in text.split("\n"))
    return 13.5 * lines + 2


def _shown_text(layout: TableLayout, r: int, c: int, spec: Any, values: Mapping[str, Any],
                context: dict[str, str]) -> str:
    """The text a cell shows, if it is text (a label or a text entry)."""
    if isinstance(spec, Label):
        text = substitute(spec.text, context)
        return text if isinstance(text, str) else ""
    field = layout.cell_fields.get((r, c))
    value = values.get(field.key) if field else None
    return value if isinstance(value, str) and not TYPES[field.type].numeric else ""


def _cell_writer(ws: Worksheet, layout: TableLayout, plan: WorkbookPlan, r: int, c: int, spec: Any,
                 values: Mapping[str, Any], given: set[str], styles: Styles, context: dict[str, str],
                 in_header: bool):
    """Return the format of one cell and a function that writes it."""
    if isinstance(spec, Label):
        text = substitute(spec.text, context)
        numeric = isinstance(text, (int, float))
        fmt = styles.header() if in_header else styles.label(numeric)
        if numeric:
            return fmt, lambda f: ws.write_number(r, c, text, f)
        return fmt, lambda f: ws.write_string(r, c, str(text), f)
    if isinstance(spec, Blank):
        return (styles.header() if in_header else styles.blank()), lambda f: ws.write_blank(r, c, None, f)
    field = layout.cell_fields[(r, c)]
    value = values.get(field.key)
    if isinstance(spec, Input) or field.key in given and isinstance(spec, Formula):
        fmt = styles.input(field.type) if isinstance(spec, Input) else styles.formula(field.type)
        return fmt, lambda f: _write_value(ws, r, c, value, field, f, styles)
    text = "=" + plan.formulas[field.key].text
    cached = "" if value is None else value
    return styles.formula(field.type), lambda f: ws.write_formula(r, c, text, f, cached)


def _write_value(ws: Worksheet, r: int, c: int, value: Any, field: Field, fmt: Any, styles: Styles) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fmt)
    elif isinstance(value, (int, float)) and TYPES[field.type].numeric:
        ws.write_number(r, c, value, fmt)
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(r, c, value if isinstance(value, dt.datetime) else
                          dt.datetime.combine(value, dt.time()), fmt)
    else:
        write_text(ws, r, c, str(value), fmt, styles)


def _write_validations(ws: Worksheet, layout: TableLayout) -> None:
    """Data validation on every input, one rule per distinct prompt (a rule may cover many cells)."""
    groups: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for f in layout.fields.values():
        if f.kind == "input":
            rule = _validation(f)
            groups.setdefault(json.dumps(rule, ensure_ascii=False, sort_keys=True, default=str),
                              (rule, []))[1].append(xl_rowcol_to_cell(f.row, f.col))
    for rule, cells in groups.values():
        ws.data_validation(cells[0], {**rule, "multi_range": " ".join(cells)})


def _validation(field: Field) -> dict[str, Any]:
    t = TYPES[field.type]
    rule = dict(t.validation)
    if field.type == "choice":
        rule["source"] = list(field.options)
    where = field.col_label or field.row_label or t.label
    rule.update({
        "input_title": (where or t.label)[:32],
        "input_message": t.prompt[:255],
        "error_type": "stop",
        "error_title": "输入不符合要求",
        "error_message": f"{field.row_label} {field.col_label}：{t.prompt}".strip()[:255],
    })
    return rule


def _page_setup(ws: Worksheet, layout: TableLayout, last_col: int) -> None:
    ws.set_paper(9)  # A4
    if layout.table.landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    if layout.body_first > layout.header_first:
        ws.repeat_rows(layout.header_first, layout.body_first - 1)
    ws.freeze_panes(layout.body_first, 0)
    ws.print_area(0, 0, layout.body_last + len(layout.table.notes), last_col)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
                    "format_rows": True})


def _write_identity(book: xlsxwriter.Workbook, plan: WorkbookPlan, stamp: str) -> None:
    identity = Identity(plan.year, plan.unit, plan.unit_code, plan.table_ids, plan.editions, plan.counts,
                        plan.digest, stamp, plan.rules or "", plan.table_set, list(plan.members),
                        [p.to_dict() for p in plan.projects.values()])
    ws = book.add_worksheet(IDENTITY_SHEET)
    for r, (key, value) in enumerate(identity.rows()):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
    ws.very_hidden()
    ws.protect()
