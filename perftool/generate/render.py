"""Render a workbook plan into a locked, formula-driven .xlsx with XlsxWriter.

Every formula is written with the value perftool computed for it, so that viewers which do not recalculate
(Excel Protected View, previews, LibreOffice's default) show the right figures.
"""

from __future__ import annotations

import datetime as dt
from array import array
from dataclasses import dataclass
from collections.abc import Callable, Iterator, Mapping
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
from ..errors import DefinitionError
from ..identity import SHEET as IDENTITY_SHEET, Identity
from ..output import atomic_path
from .findings_sheet import blank_findings_sheet
from .measure import Block, RowFit, page_fit, stored_height
from .sheet_xml import CHUNK_ROWS, CommentKind, XmlSheet, column_name
from .styles import BODY_FONT, Styles, write_text


#: Cell notes by sheet: sheet → (0-based row, 0-based column) → [(severity "error"|"warning", text), …].
Marks = Mapping[str, Mapping[tuple[int, int], list[tuple[str, str]]]]


def render(plan: WorkbookPlan, inputs: Mapping[str, Any], path: Path, marks: Marks | None = None,
           front: Callable[[xlsxwriter.Workbook, Styles], None] | None = None) -> dict[str, Any]:
    """Write ``plan`` filled with ``inputs`` (field key → value) to ``path``; return every field's value.

    Formula keys in ``inputs`` are written as constants over their formulas (what a unit that typed over a
    computed cell sends back); everything else is computed. ``marks`` become comments and red (error) or amber
    (warning) highlights; ``front`` adds sheets before the tables (the 审核结果 and 评分结果 of an annotated copy);
    without it the tables are followed by an empty 审核结果 sheet.
    """
    values = engine_for(plan).compute(inputs)
    with atomic_path(path) as tmp:
        book = new_workbook(str(tmp))
        styles = Styles(book)
        if front is not None:
            front(book, styles)
        for layout in plan.layouts.values():
            ws = book.add_worksheet(layout.sheet)
            write_table(ws, layout, plan, values, set(inputs), styles)
            write_marks(ws, (marks or {}).get(layout.sheet, {}), styles)
        if front is None:  # a template: an empty 审核结果 sheet, for explanations before the first check
            blank_findings_sheet(book, plan, styles)
        finish_workbook(book, plan)
    return values


def new_workbook(target: Any, kind: type[xlsxwriter.Workbook] = xlsxwriter.Workbook) -> xlsxwriter.Workbook:
    """An XlsxWriter workbook (of class ``kind``) with perftool's options (nothing typed is ever turned into a
    number, formula or link) and its default font."""
    return kind(target, {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False, "in_memory": True,
                                        "default_format_properties": {"font_name": BODY_FONT, "font_size": 10}})


def finish_workbook(book: xlsxwriter.Workbook, plan: WorkbookPlan) -> None:
    """The hidden identity sheet, the document properties, automatic recalculation; then write it."""
    _write_identity(book, plan, dt.datetime.now().replace(microsecond=0).isoformat())
    book.set_properties({"title": f"{plan.year}年度 {plan.unit}".strip(), "author": "perftool",
                         "comments": "由 perftool 生成；黄色单元格为填报项，蓝色单元格为公式。"})
    book.set_calc_mode("auto")
    book.close()


def write_marks(ws: Worksheet, marks: Mapping[tuple[int, int], list[tuple[str, str]]], styles: Styles) -> None:
    """The comments and red/amber highlights of the sheet's cells in ``marks`` (a sheet's ``Marks``): on an
    ``XmlSheet`` as ``Note`` objects (``put_comments``), else by ``write_comment``."""
    cells: dict[str, list[str]] = {"error": [], "warning": []}
    notes: list[tuple[int, int, str, CommentKind]] = []
    for (r, c), found in marks.items():
        if len(found) == 1:  # the usual case
            severity, text = found[0]
            text = f"【{_NOTE_LABELS[severity == 'error']}】{text}"
        else:
            severity = "error" if any(sev == "error" for sev, _ in found) else "warning"
            text = "\n".join(f"【{_NOTE_LABELS[sev == 'error']}】{t}" for sev, t in found)
        cells["error" if severity == "error" else "warning"].append(f"{column_name(c)}{r + 1}")
        notes.append((r, c, text[:2000], comment_kind(len(text))))
    if isinstance(ws, XmlSheet):
        ws.put_comments(notes)
    else:
        for r, c, text, kind in notes:
            ws.write_comment(r, c, text, kind.options)
    for severity, where in cells.items():  # one highlight rule per severity and sheet, over all its cells
        if where:
            ws.conditional_format(where[0], {"type": "formula", "criteria": "TRUE", "format": styles.mark(severity),
                                             "multi_range": " ".join(where)})


def comment_kind(length: int) -> CommentKind:
    """The box of a comment ``length`` characters long: 3.5 × the default box wide, 1.5 × as high and a default
    height more per 60 characters, up to 8 × (390 characters and beyond); each made once."""
    length = min(length, _LONG_NOTE)
    kind = _NOTE_KINDS.get(length)
    if kind is None:
        kind = _NOTE_KINDS[length] = CommentKind({"author": "perftool 审核", "x_scale": 3.5,
                                                  "y_scale": min(8, 1.5 + length / 60), "font_name": BODY_FONT})
    return kind


_NOTE_LABELS = {True: "错误", False: "提示"}
_LONG_NOTE = 390  # characters from which a comment's box is 8 × the default height
_NOTE_KINDS: dict[int, CommentKind] = {}  # by length of text (up to _LONG_NOTE; longer texts take its kind)


def _context(plan: WorkbookPlan) -> dict[str, str]:
    return {"year": str(plan.year), "prev_year": str(plan.year - 1)}


def write_table(ws: Worksheet, layout: TableLayout, plan: WorkbookPlan, values: Mapping[str, Any],
                given: set[str], styles: Styles, validations: bool = True) -> None:
    """One table sheet: headings, every cell (entries, formulas with their cached results, labels), merges,
    validations (unless the caller writes them: ``validations_xml``), notes, row heights and the page setup."""
    table = layout.table
    context = _context(plan)
    visible_last = set_columns(ws, layout)
    heading, unit_line = plan_texts(layout, plan)
    if table.heading:
        ws.merge_range(0, 0, 0, visible_last, heading, styles.get(bold=True, align="center"))
    else:
        ws.write_string(0, 0, heading, styles.get(bold=True))
    ws.merge_range(1, 0, 1, visible_last, str(substitute(table.title, context)), styles.title())
    half = max(0, visible_last // 2)
    if table.amount_unit and not table.department_line:
        ws.merge_range(2, 0, 2, visible_last, unit_line, styles.caption("right"))
    elif table.amount_unit and half < visible_last:
        ws.merge_range(2, 0, 2, half, unit_line, styles.caption())
        ws.write_string(2, visible_last, f"{table.amount_label}：{table.amount_unit}", styles.caption("right"))
    else:
        ws.merge_range(2, 0, 2, visible_last, unit_line, styles.caption())

    merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in layout.merges}
    for r in range(layout.header_first, layout.body_last + 1):
        in_header = r < layout.body_first or _caption_row(layout.grid[r])
        for c, spec in enumerate(layout.grid[r]):
            if isinstance(spec, Merge):
                continue
            fmt, write = _cell_writer(ws, layout, plan, r, c, spec, values, given, styles, context, in_header)
            if (r, c) in merged:
                r2, c2 = merged[(r, c)]
                ws.merge_range(r, c, r2, c2, "", fmt)
            write(fmt)

    if validations:
        _write_validations(ws, layout)
    for row, note in enumerate(table.notes, start=layout.body_last + 1):
        ws.merge_range(row, 0, row, visible_last, str(substitute(note, context)), styles.note())
    heights = table_heights(layout, plan, values, given)
    for r, h in heights.items():
        ws.set_row(r, h)
    page_setup(ws, layout, heights, plan)


def set_columns(ws: Worksheet, layout: TableLayout) -> int:
    """The table's column widths (hidden columns hidden), each run of alike columns in one call (XlsxWriter keeps
    every column of it as it would one by one); return the last visible column."""
    columns = layout.table.columns
    first = 0
    for c, column in enumerate(columns):
        following = columns[c + 1] if c + 1 < len(columns) else None
        if following is None or (following.width, following.hidden) != (column.width, column.hidden):
            ws.set_column(first, c, column.width, None, {"hidden": True} if column.hidden else {})
            first = c + 1
    return max(c for c, col in enumerate(columns) if not col.hidden)


def plan_texts(layout: TableLayout, plan: WorkbookPlan) -> tuple[str, str]:
    """The two texts of a table sheet that depend on the unit: the heading (A1) and the line in A3 (部门：…, or
    the amount unit alone)."""
    table = layout.table
    if table.heading:
        heading = str(substitute(table.heading, {**_context(plan), "unit": plan.unit or "（单位）"}))
    else:
        heading = table.number
    if table.amount_unit and not table.department_line:
        return heading, f"{table.amount_label}：{table.amount_unit}"
    return heading, f"部门：{plan.unit}" if plan.unit else "部门："


@dataclass
class _HeightPlan:
    """What a layout's row heights are made of: the base heights; the label texts (blocks) with their places in
    cell order; the cells whose entered text may wrap, as parallel arrays (a 500-row set has ~27,000: a tuple each
    kept ~4 MB): their areas (r, c, r2, c2 each), keys, whether each is an input, and places among the blocks; and
    the heights fitted so far by the entered texts (units that leave their texts as issued share them)."""

    layout: TableLayout  # kept alive: plans are found by its identity
    base: dict[int, float]
    blocks: list[tuple[int, Block]]
    areas: array
    keys: list[str]
    inputs: bytes
    places: array
    fitted: dict[Any, dict[int, float]]

    def __post_init__(self) -> None:
        self.labels: RowFit | None = None  # the labels' fit, refitted where a unit's texts are (``table_heights``)
        self.prints: dict[tuple[float, ...], tuple[Any, tuple[int, int] | None]] = {}  # ``page_setup``'s fits

    def block(self, slot: int, text: str) -> tuple[int, Block]:
        """The ``slot``-th cell holding ``text``, with its place among the blocks."""
        r, c, r2, c2 = self.areas[4 * slot:4 * slot + 4]
        return self.places[slot], Block(r, c, r2, c2, text, 10.0)


_HEIGHT_PLANS: dict[tuple[int, int], _HeightPlan] = {}


def _height_plan(layout: TableLayout, plan: WorkbookPlan) -> _HeightPlan:
    key = (id(layout), plan.year)
    if key in _HEIGHT_PLANS:
        return _HEIGHT_PLANS[key]
    context = _context(plan)
    merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in layout.merges}
    heights: dict[int, float] = {0: 16.0, 1: 30.0, 2: 18.0}
    blocks: list[tuple[int, Block]] = []
    areas, places, keys, inputs = array("l"), array("l"), [], bytearray()
    for r in range(layout.header_first, layout.body_last + 1):
        heights[r] = 20.0 if r < layout.body_first or _caption_row(layout.grid[r]) else 16.0
        for c, spec in enumerate(layout.grid[r]):
            r2, c2 = merged.get((r, c), (r, c))
            if isinstance(spec, Label):
                text = substitute(spec.text, context)
                if not isinstance(text, (int, float)) and str(text):
                    blocks.append((len(blocks) + len(keys), Block(r, c, r2, c2, str(text), 10.0)))
            elif isinstance(spec, (Input, Formula)):
                field = layout.cell_fields[(r, c)]
                if not TYPES[field.type].numeric:
                    places.append(len(blocks) + len(keys))
                    areas.extend((r, c, r2, c2))
                    keys.append(field.key)
                    inputs.append(isinstance(spec, Input))
    visible_last = max(c for c, col in enumerate(layout.table.columns) if not col.hidden)
    for row, note in enumerate(layout.table.notes, start=layout.body_last + 1):
        blocks.append((len(blocks) + len(keys), Block(row, 0, row, visible_last, str(substitute(note, context)), 10.0)))
        heights[row] = 15.0
    if len(_HEIGHT_PLANS) > 128:  # layouts of many row counts: start again rather than grow without end
        _HEIGHT_PLANS.clear()
    _HEIGHT_PLANS[key] = _HeightPlan(layout, heights, blocks, areas, keys, bytes(inputs), places, {})
    return _HEIGHT_PLANS[key]


def changeable_rows(layout: TableLayout, plan: WorkbookPlan) -> set[int]:
    """The rows whose height an entered text can change: the last row of a cell that may hold one, and of a label
    spanning rows (the rows it spans may grow)."""
    hp = _height_plan(layout, plan)
    return {b.last for _, b in hp.blocks if b.last > b.first} | set(hp.areas[2::4])


def table_heights(layout: TableLayout, plan: WorkbookPlan, values: Mapping[str, Any],
                  given: set[str] | Mapping[str, Any]) -> dict[int, float]:
    """Every set row's height (points, as stored): the base heights raised so that each label and each entered
    text (an input's, or a figure typed over a formula) fits its cell."""
    hp = _height_plan(layout, plan)
    entered = tuple((i, value) for i, (key, is_input) in enumerate(zip(hp.keys, hp.inputs))
                    if isinstance(value := values.get(key), str) and value and (is_input or key in given))
    known = hp.fitted.get(entered)
    if known is not None:
        return dict(known)
    if hp.labels is None:
        widths = [0.0 if col.hidden else col.width for col in layout.table.columns]
        hp.labels = RowFit(hp.blocks, widths, hp.base)
    heights = hp.labels.fit(hp.block(i, text) for i, text in entered)
    known = {r: stored_height(h) for r, h in heights.items()}  # as stored: what the page fit counts
    if len(entered) > CACHED_TEXTS:  # a unit's own texts by the hundred: not kept, they would serve no other unit
        return known
    if len(hp.fitted) > 256:
        hp.fitted.clear()
    hp.fitted[entered] = known
    return dict(known)


#: Entered texts of one table beyond which its fitted heights are not kept (``table_heights``): at 500 rows per
#: 科目 table (~1,000 texts per table, ~30,000 in all) the keys and heights kept ~2.5 MB per unit.
CACHED_TEXTS = 512  # a full-set unit at 20 rows per 科目 table enters ≤ 221 (附件2)


def _caption_row(row: list[Any]) -> bool:
    """A body row of column captions only (附件1's 编制数/实际在职人数/控制率, 附件2's 一级指标/二级指标/…): styled
    like the header rows of the 公开 tables."""
    cells = [s for s in row if not isinstance(s, Merge)]
    texts = [s.text for s in cells if isinstance(s, Label) and isinstance(s.text, str)]
    return len(texts) >= 2 and all(isinstance(s, (Label, Blank)) for s in cells)


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
    formula = "=" + plan.formulas[field.key].text
    cached = "" if value is None else value
    fmt = styles.formula(field.type, hide_zero=field.block is not None)  # blank repeat rows stay empty
    return fmt, lambda f: ws.write_formula(r, c, formula, f, cached)


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
    for rule, cells in _validation_groups(layout):
        ws.data_validation(cells[0], {**rule, "multi_range": " ".join(cells)})


def validations_xml(layout: TableLayout) -> Iterator[bytes]:
    """The ``<dataValidations>`` element that ``write_table`` has XlsxWriter write, made a piece at a time by
    ``XmlSheet``'s (each distinct rule rendered once, then only its cells filled in), ``CHUNK_ROWS`` rules at a
    time: a 500-row set has ~25,000 distinct rules (a repeat row's prompt names its row), ~15 MB of XML at once."""
    groups = _grouped(layout)
    if not groups:
        return
    yield f'<dataValidations count="{len(groups)}">'.encode("utf-8")
    for at in range(0, len(groups), CHUNK_ROWS):
        ws = XmlSheet()
        for key, fields in groups[at:at + CHUNK_ROWS]:
            cells = [xl_rowcol_to_cell(f.row, f.col) for f in fields]
            if ws.data_validation(cells[0], {**_rule(key), "multi_range": " ".join(cells)}):
                raise DefinitionError(f"{layout.table.source}：{cells[0]} 的数据验证无法写入")
        yield from list(ws.rules_xml())[1:-1]  # its rules without the element's start and end
    yield b"</dataValidations>"


def _validation_groups(layout: TableLayout) -> list[tuple[dict[str, Any], list[str]]]:
    """The inputs' validation rules, each with the cells it covers."""
    return [(_rule(key), [xl_rowcol_to_cell(f.row, f.col) for f in fields]) for key, fields in _grouped(layout)]


def _grouped(layout: TableLayout) -> list[tuple[tuple[Any, ...], list[Field]]]:
    """The inputs grouped by their validation rule: the rule as a tuple (its names, then its values; a list as a
    tuple), and the inputs it covers."""
    groups: dict[tuple[Any, ...], list[Field]] = {}
    wide = {(r1, c1) for r1, c1, _, c2 in layout.merges if c2 > c1}  # inputs merged across columns
    for f in layout.fields.values():
        if f.kind == "input":
            rule = _validation(f, layout, (f.row, f.col) in wide)
            key = (*rule, *(tuple(v) if isinstance(v, list) else v for v in rule.values()))  # shares the rule's texts
            groups.setdefault(key, []).append(f)
    return list(groups.items())


def _rule(key: tuple[Any, ...]) -> dict[str, Any]:
    """A rule from its tuple (``_grouped``)."""
    half = len(key) // 2
    return {name: list(value) if isinstance(value, tuple) else value for name, value in zip(key[:half], key[half:])}


def _pair_row(row: list[Any]) -> bool:
    """A row of caption–input pairs (填表人 … 填报日期 … 联系电话 …): each input is named by the caption before it."""
    cells = [s for s in row if not isinstance(s, Merge)]
    pairs = sum(1 for a, b in zip(cells, cells[1:]) if isinstance(a, Label) and isinstance(b, (Input, Formula)))
    return pairs >= 2


def _validation(field: Field, layout: TableLayout, wide: bool) -> dict[str, Any]:
    """An input's validation: its type's rule, titled by its column's caption (by its row's caption when it spans
    several columns or stands in a row of caption–input pairs), or as its repeat group's hint says."""
    t = TYPES[field.type]
    rule = dict(t.validation)
    if field.type == "choice":
        rule["source"] = list(field.options)
    hint = layout.blocks[field.block].hint if field.block else ""
    if hint:  # a repeat group's rows are entered as its hint says, whatever the column
        return {**rule, "input_title": "逐项填写", "input_message": f"{hint}（{t.prompt}）"[:255],
                "error_type": "stop", "error_title": "输入不符合要求", "error_message": t.prompt[:255]}
    by_row = wide or _pair_row(layout.grid[field.row])  # a wide text, or a caption–input pair: the caption names it
    where = (field.row_label if by_row else field.col_label or field.row_label) or t.label
    named = "／".join(x for x in (field.row_label, field.col_label) if x)
    rule.update({
        "input_title": where[:32],
        "input_message": t.prompt[:255],
        "error_type": "stop",
        "error_title": "输入不符合要求",
        "error_message": (f"{named}：{t.prompt}" if named else t.prompt)[:255],
    })
    return rule


def page_setup(ws: Worksheet, layout: TableLayout, stored: Mapping[int, float], plan: WorkbookPlan) -> None:
    """A4, the table's orientation, a scale that fits its width, page breaks only between blocks of rows (never
    through a merged label), the header rows (or the column captions) repeated on every page and the year in the
    print header. ``stored`` are the set rows' heights (``table_heights``)."""
    last_row = layout.body_last + len(layout.table.notes)
    heights = [stored.get(r, 15.0) for r in range(last_row + 1)]
    last_col = len(layout.table.columns) - 1
    table = layout.table
    ws.set_paper(9)  # A4
    if table.landscape:
        ws.set_landscape()
    fit, titles = _print_fit(layout, plan, heights)
    ws.set_print_scale(fit.scale)
    if fit.breaks:
        ws.set_h_pagebreaks(list(fit.breaks))  # the fit is kept (``_print_fit``): the sheet gets its own list
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_header("&L&A&R" + str(substitute(table.print_header, _context(plan))))
    ws.set_footer("&C第 &P 页，共 &N 页")
    if titles:
        ws.repeat_rows(*titles)
    ws.freeze_panes(layout.body_first, 0)
    ws.print_area(0, 0, len(heights) - 1, last_col)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
                    "format_rows": True})


def _print_fit(layout: TableLayout, plan: WorkbookPlan, heights: list[float]) -> tuple[Any, tuple[int, int] | None]:
    """The page fit of a table whose rows are ``heights`` high, and the rows repeated on every page: once per
    layout and heights (kept in its height plan; units whose texts leave the heights as issued share one)."""
    prints = _height_plan(layout, plan).prints
    key = tuple(heights)
    if key in prints:
        return prints[key]
    table = layout.table
    widths = [0.0 if col.hidden else col.width for col in table.columns]
    repeat = sum(heights[layout.header_first:layout.body_first])
    crossing = {r for r1, _, r2, _ in layout.merges for r in range(r1 + 1, r2 + 1)}
    cuts = {r for r in range(layout.body_first + 1, len(heights)) if r not in crossing}
    fit = page_fit(widths, heights, table.landscape, repeat, table.one_page, cuts)
    titles = (layout.header_first, layout.body_first - 1) if layout.body_first > layout.header_first else None
    if fit.breaks and titles is None and table.repeat_captions:  # no header rows: the captions above the break repeat
        captions = [r for r in range(layout.body_first, fit.breaks[0]) if _caption_row(layout.grid[r])]
        if captions:
            titles = (captions[-1], captions[-1])
            fit = page_fit(widths, heights, table.landscape, heights[captions[-1]], cuts=cuts)
    if len(prints) >= CACHED_FITS:
        prints.clear()
    prints[key] = fit, titles
    return fit, titles


CACHED_FITS = 32  # page fits kept per layout: a key holds every row's height (~3,000 at 500 rows per 科目 table)


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
