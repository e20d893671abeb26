"""The workbooks of another folder, read for a cross-check: last year's, the budget's, the declared targets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..read.failures import UnreadableWorkbook

#: The folder of a batch output holding superseded submissions' outputs (perftool/season/waves.py): never read as
#: a unit's figures.
SUPERSEDED = "历史"


def result_files(folder: Path) -> list[Path]:
    """The JSON files under ``folder`` in a stable order, without those of superseded submissions."""
    return sorted(p for p in folder.rglob("*.json") if SUPERSEDED not in p.relative_to(folder).parts)


def assessed_workbooks(folder: Path, assess_file: Callable[[Path], Any]) -> Iterator[tuple[Path, Any]]:
    """Each workbook under ``folder`` with its assessment; Excel's lock files, hidden and unreadable files, and
    superseded submissions' annotated copies skipped."""
    for path in sorted(p for p in folder.rglob("*.xlsx") if not p.name.startswith(("~$", "."))
                       and SUPERSEDED not in p.relative_to(folder).parts):
        try:
            yield path, assess_file(path)
        except UnreadableWorkbook:
            continue
