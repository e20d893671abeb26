"""Excel's A1 addresses and 1900-based serial dates, computed as openpyxl's helpers compute them, without importing
openpyxl: importing any part of it imports all of it, and numpy when installed (27 MB of a worker's 45 MB of
imports, measured). openpyxl is imported only where a submission needs it (a shared formula translated)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

_COORDINATE = re.compile(r"^[$]?([A-Za-z]{1,3})[$]?(\d+)$")
_RANGE = re.compile(r"^[$]?(?P<min_col>[A-Za-z]{1,3})?[$]?(?P<min_row>\d+)?"
                    r"(:[$]?(?P<max_col>[A-Za-z]{1,3})?[$]?(?P<max_row>\d+)?)?$")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_EPOCH = dt.datetime(1899, 12, 30)


class CellCoordinatesException(Exception):
    """A cell address that is not one (openpyxl's exception of that name)."""


@lru_cache(maxsize=None)
def get_column_letter(index: int) -> str:
    """``1`` → ``A``, ``28`` → ``AB`` (1 to 18,278, i.e. up to ``ZZZ``)."""
    if not 1 <= index <= 18278:
        raise ValueError(f"Invalid column index {index}")
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = _LETTERS[remainder] + letters
    return letters


@lru_cache(maxsize=None)
def column_index_from_string(letters: str) -> int:
    """``A`` → ``1``, ``ab`` → ``28``; ``ValueError`` beyond ``ZZZ`` or for a character not a letter."""
    message = f"'{letters}' is not a valid column name. Column names are from A to ZZZ"
    if len(letters) > 3:
        raise ValueError(message)
    index = 0
    for ch, power in zip(reversed(letters.upper()), (1, 26, 676)):
        if ch not in _LETTERS:
            raise ValueError(message)
        index += (_LETTERS.index(ch) + 1) * power
    if not 0 < index < 18279:
        raise ValueError(message)
    return index


def coordinate_from_string(address: str) -> tuple[str, int]:
    """``B12`` or ``$B$12`` → ``("B", 12)``."""
    match = _COORDINATE.match(address)
    if not match:
        raise CellCoordinatesException(f"Invalid cell coordinates ({address})")
    column, row = match.group(1), int(match.group(2))
    if not row:
        raise CellCoordinatesException(f"There is no row 0 ({address})")
    return column, row


def range_boundaries(address: str) -> tuple[int | None, int | None, int | None, int | None]:
    """``A1:C3`` → ``(1, 1, 3, 3)`` (min column, min row, max column, max row); a cell is a range of one; a whole
    column (``A:B``) or row (``2:3``) has ``None`` for what it leaves open."""
    message = f"{address} is not a valid coordinate or range"
    match = _RANGE.match(address)
    if not match:
        raise ValueError(message)
    min_col, min_row, separator, max_col, max_row = match.groups()
    if separator:
        columns, rows = (min_col, max_col), (min_row, max_row)
        if not (all(columns + rows) or all(columns) and not any(rows) or all(rows) and not any(columns)):
            raise ValueError(message)
    first_col = column_index_from_string(min_col) if min_col is not None else None
    last_col = column_index_from_string(max_col) if max_col is not None else first_col
    first_row = int(min_row) if min_row is not None else None
    last_row = int(max_row) if max_row is not None else first_row
    return first_col, first_row, last_col, last_row


def from_excel(serial: float) -> dt.datetime:
    """The moment of a 1900-based serial of 1 or more (to the millisecond; days before 1 March 1900 one later, as
    Excel counts a 29 February 1900 that never was)."""
    day, fraction = divmod(serial, 1)
    moment = dt.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if serial < 60:
        day += 1
    return _EPOCH + dt.timedelta(days=day) + moment
