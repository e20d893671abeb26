"""What reading a workbook gives and what it may cost: the limits, the sheets and cells as read, clipped texts."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Bounds on what one submission may cost to read; each can be changed with ``--limit NAME=VALUE``."""

    file_mb: float = 50  # size of the file itself
    part_mb: float = 64  # one inflated part (a sheet's XML, the shared strings)
    total_mb: float = 256  # all inflated parts together
    ratio: float = 200  # inflated/compressed size of a part over 1 MB
    entries: int = 2000  # parts in the zip
    cells: int = 2_000_000  # cells across all sheets
    seconds: float = 60  # wall-clock time to read the file
    text: int = 2000  # characters in a text cell before it is reported as too long (and cut when read)
    elements: int = 1_000_000  # XML elements across all parts
    rows: int = 100_000  # row elements across all sheets
    hyperlinks: int = 10_000  # hyperlinks across all sheets
    merges: int = 20_000  # merged ranges across all sheets
    names: int = 10_000  # defined names
    strings: int = 200_000  # shared strings
    runs: int = 1000  # rich-text runs in one string
    formula: int = 8192  # characters in one formula (Excel's own maximum)
    file_seconds: float = 300  # batch: wall-clock time for one file (read, score, annotate) in its worker
    memory_mb: float = 1024  # batch: memory one file's worker may take beyond what it started with

    @classmethod
    def parse(cls, items: list[str] | tuple[str, ...]) -> Limits:
        """``["part_mb=10", "seconds=5"]`` → Limits; unknown names or bad numbers raise ValueError in Chinese."""
        kinds = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for item in items:
            name, _, raw = item.partition("=")
            name = name.strip().replace("-", "_")
            if name not in kinds:
                raise ValueError(f"未知的读取上限 {name!r}（可用：{'、'.join(kinds)}）")
            try:
                values[name] = int(raw) if kinds[name] == "int" else float(raw)
            except ValueError:
                raise ValueError(f"读取上限 {name} 的值 {raw!r} 不是数字") from None
            if values[name] <= 0:
                raise ValueError(f"读取上限 {name} 须大于 0")
        return cls(**values)


class Clipped(str):
    """A text cut to the ``text`` limit when read; ``length`` is how long it was."""

    length: int

    def __new__(cls, text: str, limit: int) -> Clipped:
        out = super().__new__(cls, text[:limit])
        out.length = len(text)
        return out


def clip(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters as :class:`Clipped` (one huge string shared by many cells
    costs its size once, not once per cell)."""
    return text if len(text) <= limit else Clipped(text, limit)


def text_length(value: str) -> int:
    """How long a text read from a workbook was before it was clipped."""
    return getattr(value, "length", len(value))


_DDE = re.compile(r"\w\|")
_CALLS = re.compile(r"\b(?:DDE|DDEAUTO|WEBSERVICE|FILTERXML|CALL|REGISTER|EXEC|HYPERLINK|RTD)\s*\(", re.I)


def reaches_outside(formula: str) -> bool:
    """Formula text that reaches outside the workbook: another file (``[1]Sheet!A1``), DDE (``cmd|'/c calc'!A0``)
    or a function that calls out (WEBSERVICE, CALL, …). Linear in the text's length (no backtracking); the DDE
    pattern is searched for only where there is a ``|``."""
    start = formula.find("[")
    return ((start >= 0 and formula.find("]", start) > 0) or ("|" in formula and _DDE.search(formula) is not None)
            or _CALLS.search(formula) is not None)


@dataclass
class Sheet:
    """One worksheet as read: cells inside the window as (row, col) → (formula text or None, value)."""

    name: str
    cells: dict[tuple[int, int], tuple[str | None, Any]] = field(default_factory=dict)
    merges: set[tuple[int, int, int, int]] = field(default_factory=set)
    protected: bool = False
    hyperlinks: list[str] = field(default_factory=list)  # cells carrying a hyperlink (never followed)
    external: list[tuple[str, str]] = field(default_factory=list)  # (cell, formula) reaching outside, any cell

    def value(self, row: int, col: int) -> Any:
        return self.cells.get((row, col), (None, None))[1]


#: Rows × columns of each sheet to keep, or a function giving them from the sheet read first.
Window = tuple[int, int] | Callable[[dict[str, Sheet]], tuple[int, int]]


@dataclass
class Book:
    """A workbook package as read: sheets in workbook order, and what it links to outside itself."""

    name: str
    sheets: dict[str, Sheet]
    external_links: list[str] = field(default_factory=list)
    date1904: bool = False

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)
