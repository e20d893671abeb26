"""Typed view of a table definition and of its laid-out cells."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any

from ..excel import get_column_letter
from .cells import CellSpec


@dataclass(frozen=True)
class Column:
    width: float
    hidden: bool = False


@dataclass
class TableDef:
    """One table of one edition, as written in ``templates/tables/<id>/<edition>.yaml``."""

    id: str
    edition: str
    number: str
    title: str
    sheet: str
    columns: list[Column]
    header: list[list[CellSpec]]
    rows: list[list[CellSpec] | "RepeatDef"]
    notes: list[str]
    audit: list[dict[str, Any]]
    defaults: dict[str, Any]
    amount_unit: str | None
    landscape: bool
    source: str
    digest: str
    rules: str | None = None  # the rule set a 评分表 is laid out from
    previous: dict[str, str] = field(default_factory=dict)  # this year's field ← last year's field (上年数)
    budget: dict[str, Any] = field(default_factory=dict)  # this year's field ← the budget tables' field (预算数)
    budget_targets: dict[str, str] = field(default_factory=dict)  # indicator group ← 申报表 group (指标值)
    per_project: bool = False  # ``per: project``: laid out once per project of the unit (see projects.py)
    scoring: dict[str, Any] = field(default_factory=dict)  # a project table's fields by role (score/projects.py)
    roles: dict[str, str] = field(default_factory=dict)  # fields the batch's project cross-checks read, by role
    amount_label: str = "金额单位"  # the caption of the unit line (上海: 单位：万元)
    department_line: bool = True  # a 部门： line in the title block (上海 prints none)
    heading: str = ""  # a line above the title instead of the 表号 ({unit}, {year}; 上海 表一: …年度部门决算表)
    one_page: bool = False  # printed on one page, as the official form is
    repeat_captions: bool = True  # without header rows, the column captions repeat on each printed page (not a form's)
    print_header: str = "{year}年度"  # the right-hand print header ({year}: 2024年度部门决算 on the 决算 tables)


@dataclass
class RepeatDef:
    """A variable-length group of identical input rows (科目代码 rows, 专项资金 items, 三级指标)."""

    name: str
    count: int
    cells: list[CellSpec]
    hint: str = ""  # what to enter in the group's rows (the prompt of its inputs)


@dataclass(slots=True)
class Field:
    """A named cell: an input or a formula, with its place in the workbook."""

    key: str
    table: str
    name: str
    kind: str
    type: str
    sheet: str
    row: int
    col: int
    block: str | None = None
    index: int | None = None
    expr: str | None = None
    options: tuple[str, ...] = ()
    row_label: str = ""
    col_label: str = ""

    @property
    def cell(self) -> str:
        """A1 address of the cell, e.g. ``C8``."""
        return f"{get_column_letter(self.col + 1)}{self.row + 1}"


@dataclass
class Block:
    """Where a repeat group landed: its first row, row count and the column of each of its fields."""

    name: str
    first_row: int
    count: int
    columns: dict[str, int]
    hint: str = ""


@dataclass
class TableLayout:
    """A table expanded onto its sheet: every cell placed, merges resolved, fields addressed."""

    table: TableDef
    grid: list[list[CellSpec]]
    cell_fields: dict[tuple[int, int], Field]
    fields: dict[str, Field]
    blocks: dict[str, Block]
    merges: list[tuple[int, int, int, int]]
    header_first: int
    body_first: int
    body_last: int
    labels: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def sheet(self) -> str:
        return self.table.sheet


def subject_children(rows: Mapping[str, int]) -> dict[str, list[int]]:
    """科目代码 → the rows of its 款 (a 类's) or 项 (a 款's), in one pass over ``rows`` (code → row index): a 5- or
    7-digit code belongs to its code less the last two digits."""
    below: dict[str, list[int]] = {}
    for code, row in rows.items():
        if len(code) in (5, 7):
            below.setdefault(code[:-2], []).append(row)
    return below
