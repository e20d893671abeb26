"""The workbooks of another folder, read for a cross-check: last year's, the budget's, the declared targets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..read.failures import UnreadableWorkbook


def assessed_workbooks(folder: Path, assess_file: Callable[[Path], Any]) -> Iterator[tuple[Path, Any]]:
    """Each workbook under ``folder`` with its assessment; Excel's lock files, hidden and unreadable files skipped."""
    for path in sorted(p for p in folder.rglob("*.xlsx") if not p.name.startswith(("~$", "."))):
        try:
            yield path, assess_file(path)
        except UnreadableWorkbook:
            continue
