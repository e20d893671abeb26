"""Place a table definition on its sheet: title block, header, body rows and repeat groups."""

from __future__ import annotations

import sys

from ..errors import DefinitionError
from .cells import Blank, CellSpec, Formula, Input, Label, Merge
from .model import Block, Field, RepeatDef, TableDef, TableLayout

TITLE_ROWS = 3  # row 1: table number, row 2: title, row 3: 部门 / 金额单位


def field_key(table: str, name: str, block: str | None = None, index: int | None = None) -> str:
    """The stable key of a field: ``gk01.inc_gpb`` or ``gk02.rows[3].total``."""
    return f"{table}.{name}" if block is None else f"{table}.{block}[{index}].{name}"


def substitute(text: str | int | float, context: dict[str, str]) -> str | int | float:
    """Fill ``{year}`` and ``{prev_year}`` (and, in ``defaults:``, ``{unit}``) into a text."""
    if not isinstance(text, str):
        return text
    for key, value in context.items():
        text = text.replace("{" + key + "}", value)
    return text


def lay_out(table: TableDef, counts: dict[str, int], context: dict[str, str]) -> TableLayout:
    """Expand ``table`` with ``counts`` rows per repeat group (defaults from the definition)."""
    width = len(table.columns)
    grid: list[list[CellSpec]] = []
    origin: list[tuple[str, int] | None] = []  # (block, index) for rows of repeat groups
    blocks: dict[str, Block] = {}

    def add_row(cells: list[CellSpec], where: str, repeat: tuple[str, int] | None = None) -> None:
        if len(cells) != width:
            raise DefinitionError(f"{table.source}：{where} 有 {len(cells)} 个单元格，应为 {width} 个（与 columns 一致）")
        grid.append(list(cells))
        origin.append(repeat)

    for _ in range(TITLE_ROWS):
        add_row([Blank()] * width, "标题行")
    header_first = len(grid)
    for i, row in enumerate(table.header):
        add_row(row, f"表头第 {i + 1} 行")
    body_first = len(grid)
    for i, row in enumerate(table.rows):
        if isinstance(row, RepeatDef):
            count = max(1, counts.get(row.name, row.count))
            blocks[row.name] = Block(row.name, len(grid), count, {}, row.hint)
            for k in range(count):
                cells = [Merge("up") if k and isinstance(c, Label) else c for c in row.cells]
                add_row(cells, f"可变行组 {row.name}", (row.name, k))
        else:
            add_row(row, f"表体第 {i + 1} 行")
    body_last = len(grid) - 1

    layout = TableLayout(table, grid, {}, {}, blocks, [], header_first, body_first, body_last)
    anchors = _resolve_merges(layout)
    _resolve_labels(layout, anchors, context)
    _place_fields(layout, origin)
    return layout


def _resolve_merges(layout: TableLayout) -> dict[tuple[int, int], tuple[int, int]]:
    """Record merged ranges; return, for every covered cell, the top-left cell of its merge."""
    grid = layout.grid
    anchor: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if isinstance(cell, Merge):
                src = (r, c - 1) if cell.direction == "left" else (r - 1, c)
                if src[0] < 0 or src[1] < 0:
                    raise DefinitionError(f"{layout.table.source}：第 {r + 1} 行第 {c + 1} 列的合并标记没有可合并的单元格")
                anchor[(r, c)] = anchor.get(src, src)
    spans: dict[tuple[int, int], list[int]] = {}
    for (r, c), (ar, ac) in anchor.items():
        box = spans.setdefault((ar, ac), [ar, ac, ar, ac])
        box[2], box[3] = max(box[2], r), max(box[3], c)
    for (ar, ac), (r1, c1, r2, c2) in spans.items():
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (ar, ac) and anchor.get((r, c)) != (ar, ac):
                    raise DefinitionError(f"{layout.table.source}：第 {ar + 1} 行第 {ac + 1} 列起的合并区域不是矩形")
        layout.merges.append((r1, c1, r2, c2))
    return anchor


def _resolve_labels(layout: TableLayout, anchor: dict[tuple[int, int], tuple[int, int]],
                    context: dict[str, str]) -> None:
    labels: dict[tuple[int, int], str] = {}
    for r, row in enumerate(layout.grid):
        for c in range(len(row)):
            src = anchor.get((r, c), (r, c))
            spec = layout.grid[src[0]][src[1]]
            if isinstance(spec, Label):
                labels[(r, c)] = str(substitute(spec.text, context)).strip().replace("\u3000", "")
    layout.labels = labels


def _is_caption(text: str) -> bool:
    """A label that names a row or column (not a 行次 number, a placeholder or a long 评分标准 text)."""
    return (bool(text) and not text.isdigit() and text not in ("栏次", "——") and len(text) <= 40
            and not text.endswith("。"))


def _place_fields(layout: TableLayout, origin: list[tuple[str, int] | None]) -> None:
    """Create a field for every input and formula cell, labelled by the nearest captions left of it and above it.

    The caption above each column is carried down row by row, so laying out is linear in the number of rows.
    """
    table = layout.table
    above: dict[int, str] = {}  # column → nearest caption in a row above the current one
    for r, row in enumerate(layout.grid):
        for c, cell in enumerate(row):
            if not isinstance(cell, (Input, Formula)):
                continue
            repeat = origin[r]
            block, index = repeat if repeat else (None, None)
            key = field_key(table.id, cell.id, block, index)
            if key in layout.fields:
                raise DefinitionError(f"{table.source}：字段 {cell.id} 重复定义")
            row_label = next((layout.labels[(r, k)] for k in range(c - 1, -1, -1)
                              if _is_caption(layout.labels.get((r, k), ""))), "")
            if not row_label and not repeat:  # a value row under its caption row (附件1 人员、楼堂馆所)
                row_label = above.get(0, "")
            if repeat:  # one text for the row's fields alike (5 MB at 500 rows per 科目 table)
                row_label = sys.intern(f"{row_label}第{index + 1}行" if row_label else f"第{index + 1}行")
            f = Field(key, table.id, cell.id, "input" if isinstance(cell, Input) else "formula", cell.type,
                      table.sheet, r, c, block, index,
                      cell.expr if isinstance(cell, Formula) else None,
                      cell.options if isinstance(cell, Input) else (), row_label, above.get(c, ""))
            layout.fields[key] = f
            layout.cell_fields[(r, c)] = f
            if block is not None:
                layout.blocks[block].columns[cell.id] = c
        for c in range(len(row)):
            text = layout.labels.get((r, c), "")
            if _is_caption(text):
                above[c] = text
