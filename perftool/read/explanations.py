"""The 说明 a unit wrote on the 审核结果 sheet of the workbook it sent (an annotated copy or a generated template).

Columns are found by their header labels, not their position; the sheet was read within the reader's limits
like every other sheet.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..excel import get_column_letter
from ..identity import (CELL_HEADER, ERROR_PLACEHOLDER, EXPLANATION_HEADER, EXPLANATION_LIMIT, FINDINGS_SHEET,
                        FINGERPRINT_HEADER, ID_HEADER)
from .xlsx import Book, Limits, text_length

#: Rows at the top of the sheet searched for the header row.
HEADER_ROWS = 10
FORMULA_LEAD = ("=", "＝")


@dataclass(frozen=True)
class Written:
    """One 说明 as read: where it is, the finding it was written against, and what was wrong with it if anything.

    ``problem`` is ``"formula"`` (a formula, or text starting with “=”: refused, ``text`` empty), ``"no-target"``
    (a row with neither 审核编号 nor 单元格: nothing to attach it to), ``"too-long"`` (``text`` cut to the limit;
    ``length`` is how long it was) or empty.
    """

    cell: str  # the 说明 cell, A1
    text: str
    finding: str  # the 审核编号 of the row ('' in a template row)
    fingerprint: str
    target: str  # the row's 单元格 (表!A1): what a template row is keyed by
    problem: str = ""
    length: int = 0
    limit: int = EXPLANATION_LIMIT  # the characters kept


def read_explanations(book: Book, limits: Limits | None = None) -> list[Written]:
    """Every non-empty 说明 of ``book``'s 审核结果 sheet, in row order; none if it has no such sheet or column.
    A 说明 keeps at most 500 characters (fewer if the reader's ``text`` limit is lower)."""
    limit = min(EXPLANATION_LIMIT, (limits or Limits()).text)
    sheet = book.sheets.get(FINDINGS_SHEET)
    if sheet is None:
        return []
    header, columns = _header(sheet.cells)
    if EXPLANATION_HEADER not in columns:
        return []
    out = []
    last = max((r for r, _ in sheet.cells), default=-1)
    for r in range(header + 1, last + 1):
        formula, value = sheet.cells.get((r, columns[EXPLANATION_HEADER]), (None, None))
        cell = f"{get_column_letter(columns[EXPLANATION_HEADER] + 1)}{r + 1}"
        text = "" if value is None else str(value)
        key = {name: _text(sheet.cells.get((r, c), (None, None))[1]) for name, c in columns.items()}
        found = dict(finding=key.get(ID_HEADER, ""), fingerprint=key.get(FINGERPRINT_HEADER, ""),
                     target=_reference(key.get(CELL_HEADER, "")))
        if formula is not None or text.lstrip().startswith(FORMULA_LEAD):
            out.append(Written(cell, "", problem="formula", length=len(formula or text), **found))
        elif text.strip() and not (found["finding"] or found["target"]):
            out.append(Written(cell, "", problem="no-target", length=len(text), **found))
        elif text.strip() and text.strip() != ERROR_PLACEHOLDER:
            stripped = text.strip()
            length = len(stripped) + (text_length(value) - len(value) if isinstance(value, str) else 0)
            out.append(Written(cell, stripped[:limit], problem="too-long" if length > limit else "", length=length,
                               limit=limit, **found))
    return out


def _header(cells: dict[tuple[int, int], tuple[str | None, object]]) -> tuple[int, dict[str, int]]:
    """The header row (the first with a 说明 label) and the column of each label read back."""
    wanted = (EXPLANATION_HEADER, CELL_HEADER, ID_HEADER, FINGERPRINT_HEADER)
    rows: dict[int, dict[str, int]] = {}
    for (r, c), (_, v) in sorted(cells.items()):
        if r < HEADER_ROWS and _text(v) in wanted:
            rows.setdefault(r, {}).setdefault(_text(v), c)
    return next(((r, columns) for r, columns in sorted(rows.items()) if EXPLANATION_HEADER in columns), (-1, {}))


def _reference(text: str) -> str:
    """``公开01！c8`` as ``公开01!C8``: a cell written by hand in a template row, as findings name cells."""
    sheet, mark, cell = unicodedata.normalize("NFKC", text).rpartition("!")
    return f"{sheet}!{cell.upper()}" if mark else text


def _text(value: object) -> str:
    return "" if value is None else "".join(str(value).split())
