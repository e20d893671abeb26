"""Recognise a returned workbook by its identity, check its sheets and layout, and read every field's cell."""

from __future__ import annotations

import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..excel import get_column_letter
from ..definitions.cells import Label
from ..definitions.model import TableLayout
from ..definitions.projects import issued
from ..definitions.workbook import MAX_REPEAT_ROWS, WorkbookPlan, plan_workbook
from ..identity import FORMAT, SHEET, Identity
from .failures import UnreadableWorkbook
from .xlsx import Book, Limits, Sheet, read_book

#: Rows and columns kept around the tables, so that inserted rows or columns can still be located.
MARGIN_ROWS, MARGIN_COLS = 200, 20


@dataclass
class Cells:
    """What the cells of a workbook hold: ``formulas`` (text of formula cells) and ``values`` (constants).

    ``cached`` holds the results the saving program stored for formula cells (None where it stored none).
    """

    values: dict[str, Any]
    formulas: dict[str, str]
    cached: dict[str, Any] = field(default_factory=dict)


def read_identity(book: Book) -> Identity:
    """The identity stored by the generator, or a catalogued failure saying the workbook is not one of ours."""
    sheet = book.sheets.get(SHEET)
    if sheet is None:
        raise UnreadableWorkbook("not-perftool", book.name, f"缺少表样标识页 {SHEET}")
    rows = {str(sheet.value(r, 0)): sheet.value(r, 1) for r, c in sorted(sheet.cells) if c == 0}
    if rows.get("format") != FORMAT:
        raise UnreadableWorkbook("identity-damaged", book.name, f"标识格式为 {rows.get('format')!r}，应为 {FORMAT}",
                                 sheet=SHEET)
    try:
        return Identity.from_rows(rows)
    except (KeyError, ValueError, TypeError) as exc:
        raise UnreadableWorkbook("identity-damaged", book.name, f"标识项 {exc} 缺失或无法识别", sheet=SHEET) from None


def plan_for(identity: Identity, name: str) -> WorkbookPlan:
    """Re-create the plan the workbook was generated from; refuse it if the definitions have changed since.

    The identity's repeat-row counts are checked against the definitions' maximum first: an edited identity
    must not make perftool lay out a million-row plan.
    """
    counts = identity.counts
    if not isinstance(counts, dict) or len(counts) > 1000:
        raise UnreadableWorkbook("identity-damaged", name, "标识项 counts 无法识别", sheet=SHEET)
    for key, n in counts.items():
        if type(n) is not int or not 0 < n <= MAX_REPEAT_ROWS:
            raise UnreadableWorkbook("identity-damaged", name, f"可变行 {str(key)[:40]} 为 {str(n)[:20]} 行，"
                                     f"应为 1 到 {MAX_REPEAT_ROWS} 行", sheet=SHEET)
    try:
        plan = plan_workbook(identity.year, identity.unit, identity.unit_code, identity.tables, identity.counts,
                             identity.rules or None, identity.table_set or None, issued(identity.projects))
    except Exception as exc:  # an identity naming a year, table or rule set we do not have
        raise UnreadableWorkbook("edition-mismatch", name, f"{identity.year} 年度 {identity.tables}：{exc}") from None
    plan.members = tuple(identity.members)
    if plan.editions != identity.editions or plan.digest != identity.digest:
        raise UnreadableWorkbook(
            "edition-mismatch", name, f"工作簿的表样标识为 {identity.digest}（{identity.editions}），"
                                      f"本程序 {identity.year} 年度表样为 {plan.digest}（{plan.editions}）")
    return plan


def recognise(path: Path, limits: Limits | None = None) -> tuple[Book, WorkbookPlan]:
    """Read a returned workbook and re-create the plan it was generated from; check its sheets and layout."""
    found: list[WorkbookPlan] = []

    def window(first: dict[str, Sheet]) -> tuple[int, int]:
        found.append(plan_for(read_identity(Book(Path(path).name, first)), Path(path).name))
        return (max(lay.body_last for lay in found[0].layouts.values()) + 1 + MARGIN_ROWS,
                max(len(lay.table.columns) for lay in found[0].layouts.values()) + MARGIN_COLS)

    book = read_book(Path(path), limits, window, SHEET)
    plan = found[0]  # the window function always runs: it is what refuses a workbook without identity
    check_sheets(book, plan)
    for layout in plan.layouts.values():
        check_layout(book, book.sheets[layout.sheet], layout)
    return book, plan


def check_sheets(book: Book, plan: WorkbookPlan) -> None:
    """Every table's sheet must be present under its name; a renamed one is named as such."""
    expected = [lay.sheet for lay in plan.layouts.values()]
    missing = [s for s in expected if s not in book.sheets]
    if not missing:
        return
    extra = [s for s in book.sheetnames if s not in expected and s != SHEET]
    layouts = {lay.sheet: lay for lay in plan.layouts.values()}
    for name in missing:
        match = max(extra, key=lambda s: _agreement(book.sheets[s], layouts[name]), default=None)
        if match is not None and _agreement(book.sheets[match], layouts[name]) >= 0.5:
            raise UnreadableWorkbook("sheet-renamed", book.name, f"“{name}”被改名为“{match}”", sheet=match)
    raise UnreadableWorkbook("sheet-missing", book.name, f"缺少 {'、'.join(missing)}；现有工作表："
                             f"{'、'.join(s for s in book.sheetnames if s != SHEET)}", sheet=missing[0])


def label_text(value: Any) -> str:
    """A label cell's text as compared with the template: NFKC, without spaces of any width (an int's digits as
    they are: a 栏次 number needs no normalising)."""
    if value.__class__ is int:
        return str(value)
    return "".join(unicodedata.normalize("NFKC", str(value)).split()) if value is not None else ""


def anchored_labels(layout: TableLayout) -> dict[tuple[int, int], str]:
    """The template's label texts at the cells that hold them (the first cell of a merged range)."""
    return {(r, c): text for (r, c), text in layout.labels.items()
            if r < len(layout.grid) and c < len(layout.grid[r]) and isinstance(layout.grid[r][c], Label)}


#: Per process: what depends only on a layout (its labels as compared, its fields' places), by what and layout.
#: A weak reference tells a layout from a later one at the same address, and keeps no layout alive after the plan
#: cache dropped it.
_PER_LAYOUT: dict[tuple[str, int], tuple[weakref.ref, Any]] = {}


def per_layout(what: str, layout: TableLayout, make: Callable[[TableLayout], Any]) -> Any:
    """``make(layout)``, made once per layout and process (``what`` names what is made: one entry per name)."""
    held = _PER_LAYOUT.get((what, id(layout)))
    if held is None or held[0]() is not layout:
        if len(_PER_LAYOUT) >= 1024:
            _PER_LAYOUT.clear()
        held = _PER_LAYOUT[(what, id(layout))] = weakref.ref(layout), make(layout)
    return held[1]


def compared_labels(layout: TableLayout) -> list[tuple[int, int, str]]:
    """(row, column, ``label_text``) of ``layout``'s anchored labels in reading order; made once per layout."""
    return per_layout("labels", layout, lambda lay: [(r, c, label_text(text)) for (r, c), text
                                                in sorted(anchored_labels(lay).items())])


def _expected_labels(layout: TableLayout) -> list[tuple[tuple[int, int], str, str]]:
    """((row, column), the text as written, as compared) of the labels compared: a cell holding the text as written
    needs no normalising."""
    return per_layout("written", layout, lambda lay: [((r, c), lay.labels[(r, c)], text)
                                                      for r, c, text in compared_labels(lay)])


def _agreement(sheet: Sheet, layout: TableLayout) -> float:
    labels = _expected_labels(layout)
    get = sheet.cells.get
    same = sum(1 for at, written, text in labels
               if (held := get(at, _NO_CELL)[1]) == written or label_text(held) == text)
    return same / max(len(labels), 1)


def changed_labels(sheet: Sheet, layout: TableLayout) -> list[tuple[int, int]]:
    """Label cells whose text differs from the template's, in reading order."""
    get = sheet.cells.get
    return [at for at, written, text in _expected_labels(layout)
            if text and (held := get(at, _NO_CELL)[1]) != written and label_text(held) != text]


def check_layout(book: Book, sheet: Sheet, layout: TableLayout) -> None:
    """Refuse a sheet whose rows or columns were inserted or deleted: its fields are no longer where they were.

    The first label out of place is looked for nearby; a single edited label is left to the audit (a warning).
    """
    changed = changed_labels(sheet, layout)
    if not changed:
        return
    labels = anchored_labels(layout)
    for r, c in changed[:3]:
        shift = _find_shift(sheet, labels, r, c)
        if shift:
            dr, dc = shift
            where = f"{get_column_letter(c + 1)}{r + 1}"
            moved = (f"第 {r + 1} 行以上{'插入' if dr > 0 else '删除'}了 {abs(dr)} 行" if dr else
                     f"第 {get_column_letter(c + 1)} 列以左{'插入' if dc > 0 else '删除'}了 {abs(dc)} 列")
            raise UnreadableWorkbook("layout-shifted", book.name,
                                     f"表样 {where} 的“{layout.labels[(r, c)]}”现位于 "
                                     f"{get_column_letter(c + dc + 1)}{r + dr + 1}：{moved}", sheet=sheet.name,
                                     cell=where)
    if len(changed) > max(2, len(labels) // 4):
        r, c = changed[0]
        raise UnreadableWorkbook("layout-shifted", book.name, f"{len(changed)} 个栏目名称与表样不同，"
                                 f"首个在 {get_column_letter(c + 1)}{r + 1}（表样为“{layout.labels[(r, c)]}”）",
                                 sheet=sheet.name, cell=f"{get_column_letter(c + 1)}{r + 1}")


def _find_shift(sheet: Sheet, labels: dict[tuple[int, int], str], r: int, c: int) -> tuple[int, int] | None:
    """Rows or columns by which the template's labels moved, if at least two of them moved the same way."""
    text = label_text(labels[(r, c)])
    candidates = [(rr - r, 0) for rr in range(max(0, r - MARGIN_ROWS), r + MARGIN_ROWS) if rr != r
                  and label_text(sheet.value(rr, c)) == text]
    candidates += [(0, cc - c) for cc in range(max(0, c - MARGIN_COLS), c + MARGIN_COLS) if cc != c
                   and label_text(sheet.value(r, cc)) == text]
    others = [(rr, cc) for (rr, cc) in sorted(labels) if (rr, cc) != (r, c) and (rr >= r or cc >= c)]
    for dr, dc in candidates:
        moved = sum(1 for rr, cc in others[:40]
                    if label_text(sheet.value(rr + dr, cc + dc)) == label_text(labels[(rr, cc)]))
        if moved >= min(2, len(others)):
            return dr, dc
    return None


def read_cells(book: Book, plan: WorkbookPlan) -> Cells:
    """Every field's cell: constants into ``values``; formula text (without ``=``) and stored result otherwise."""
    out = Cells({}, {}, {})
    formulas, cached, values = out.formulas, out.cached, out.values
    for layout in plan.layouts.values():
        get = book.sheets[layout.sheet].cells.get
        for key, at, is_date in per_layout("fields", layout, _field_places):
            formula, value = get(at, _NO_CELL)
            if formula is not None:
                formulas[key] = formula
                cached[key] = value
            elif value is not None:
                if is_date and book.date1904 and isinstance(value, (int, float)):
                    value += 1462  # a Mac workbook counts days from 1904; perftool reads 1900-based day numbers
                values[key] = value
    return out


_NO_CELL = (None, None)


def _field_places(layout: TableLayout) -> list[tuple[str, tuple[int, int], bool]]:
    """(key, (row, column), is a date) of each of ``layout``'s fields, in the layout's order (the layout's own
    position tuples: 3.7 MB fewer at 500 rows per 科目 table)."""
    return [(f.key, at, f.type == "date") for at, f in layout.cell_fields.items()]
