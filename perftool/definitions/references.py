"""Translate ``{field}`` references of definition formulas into A1 references, and check the formula subset.

Reference forms, resolved from the table (and repeat row) the formula stands in:

* ``{x}`` — field ``x`` of the same repeat row if there is one, else of the same table;
* ``{blk.x}`` — the column range of field ``x`` over repeat group ``blk``;
* ``{tbl.x}`` / ``{tbl.blk.x}`` — the same in another table (quoted sheet name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..excel import get_column_letter
from ..errors import DefinitionError
from .layout import field_key
from .model import Field, TableLayout

_NAME = r"\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*){0,2})\}"
REFERENCE = re.compile(rf"{_NAME}(?::{_NAME})?")  # {a} or a range {a}:{b}
FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")
#: SUMIF's criterion must be a number or a field (a 预算 table sums its items by the unit's ``{code}``): Excel
#: and LibreOffice match written text criteria (``">0"``, wildcards) differently.
SUMIF_NUMERIC = re.compile(r"SUMIF\s*\([^,()]*,\s*(?:-?\d+(?:\.\d+)?|\{[^{}(),]+\})\s*[,)]", re.I)

# Functions that Excel 2010+, WPS and LibreOffice all compute alike, and `formulas` implements.
ALLOWED_FUNCTIONS = frozenset(
    {"SUM", "SUMIF", "COUNT", "IF", "AND", "OR", "NOT", "MIN", "MAX", "ABS", "ROUND", "ROUNDUP", "ROUNDDOWN", "LEN"}
)


class MissingTable(DefinitionError):
    """A reference names a table that is not part of the workbook (``table``: its id)."""

    def __init__(self, message: str, table: str) -> None:
        super().__init__(message)
        self.table = table


@dataclass(frozen=True)
class Translation:
    """A formula in A1 form and the fields it reads (in order of appearance, ranges expanded)."""

    text: str
    fields: tuple[Field, ...]


def check_functions(expr: str, where: str) -> None:
    """Refuse functions outside the allow-list and whole-column ranges."""
    stripped = re.sub(r'"[^"]*"', '""', expr)
    for name in FUNCTION.findall(stripped):
        if name.upper() not in ALLOWED_FUNCTIONS:
            raise DefinitionError(f"{where}：公式函数 {name} 不在允许列表内（{'、'.join(sorted(ALLOWED_FUNCTIONS))}）")
    if len(re.findall(r"SUMIF\s*\(", stripped, re.I)) != len(SUMIF_NUMERIC.findall(stripped)):
        raise DefinitionError(f"{where}：SUMIF 的条件须为数值常量或字段，如 SUMIF({{rows.level}},3,{{rows.total}})：{expr}")
    if re.search(r"(?<![A-Za-z0-9_])[A-Z]{1,3}:[A-Z]{1,3}(?![0-9])", stripped):
        raise DefinitionError(f"{where}：公式不得引用整列区域：{expr}")


def _address(f: Field) -> str:
    return f"{get_column_letter(f.col + 1)}{f.row + 1}"


def translate(expr: str, layout: TableLayout, layouts: dict[str, TableLayout],
              block: str | None = None, index: int | None = None) -> Translation:
    """Translate ``expr`` as written in ``layout``'s table (in row ``index`` of ``block`` if given)."""
    used: list[Field] = []

    def resolve(match: re.Match[str]) -> str:
        target, fields = _resolve(match.group(1).split("."), layout, layouts, block, index, match.group(0))
        first, last = fields[0], fields[-1]
        if match.group(2):
            end, tail = _resolve(match.group(2).split("."), layout, layouts, block, index, match.group(0))
            if end is not target:
                raise DefinitionError(f"{layout.table.source}：区域 {match.group(0)} 的两端不在同一张表")
            last = tail[-1]
            cells = target.cell_fields
            fields = [cells[(r, c)] for r in range(first.row, last.row + 1) for c in range(first.col, last.col + 1)
                      if (r, c) in cells]
        used.extend(fields)
        ref = _address(first) if first is last else f"{_address(first)}:{_address(last)}"
        return ref if target is layout else f"'{target.sheet}'!{ref}"

    return Translation(REFERENCE.sub(resolve, expr), tuple(used))


def _resolve(parts: list[str], layout: TableLayout, layouts: dict[str, TableLayout],
             block: str | None, index: int | None, text: str) -> tuple[TableLayout, list[Field]]:
    source = layout.table.source
    if len(parts) == 1:
        if block is not None:
            key = field_key(layout.table.id, parts[0], block, index)
            if key in layout.fields:
                return layout, [layout.fields[key]]
        return layout, [_field(layout, parts[0], text, source)]
    if len(parts) == 2 and parts[0] in layout.blocks:
        return layout, _column(layout, parts[0], parts[1], text, source)
    other = layouts.get(parts[0])
    if other is None:
        raise MissingTable(f"{source}：引用 {text} 所在的表 {parts[0]} 不在本工作簿中", parts[0])
    if len(parts) == 2:
        return other, [_field(other, parts[1], text, source)]
    return other, _column(other, parts[1], parts[2], text, source)


def _field(layout: TableLayout, name: str, text: str, source: str) -> Field:
    found = layout.fields.get(field_key(layout.table.id, name))
    if found is None:
        raise DefinitionError(f"{source}：引用 {text} 找不到字段 {layout.table.id}.{name}")
    return found


def _column(layout: TableLayout, block: str, name: str, text: str, source: str) -> list[Field]:
    group = layout.blocks.get(block)
    if group is None or name not in group.columns:
        raise DefinitionError(f"{source}：引用 {text} 找不到可变行组字段 {layout.table.id}.{block}.{name}")
    return [layout.fields[field_key(layout.table.id, name, block, i)] for i in range(group.count)]
