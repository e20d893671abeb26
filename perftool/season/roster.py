"""The roster of a reporting season (单位清单): which unit a submission is, and the status of a unit's submission.

A submission is matched by its 单位编码 (or the roster's 统一社会信用代码) first, then by its exact 单位名称; a file
that could not be read carries no identity and is matched by a unit code or name in its file name (the templates
``generate --units`` writes are named ``编码_名称_年度.xlsx``). Statuses follow the contract with the explanations
(出错说明): a warning counts as explained when its ``explanation`` is non-empty and ``explanation_changed`` is not
true; an error is never cleared by an explanation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..batch.row import SCORED, Row
from ..errors import UsageError
from ..generate.units import Unit, read_csv_rows, read_units

PASSED, RETURNED, UNREADABLE, NOT_SUBMITTED, UNLISTED = "已通过", "退回修改", "无法读取", "未报送", "未列入名单"
STATUSES = (PASSED, RETURNED, UNREADABLE, NOT_SUBMITTED)  # a roster unit has exactly one of these
BY_CODE, BY_NAME, BY_FILE = "按单位编码", "按单位名称", "按文件名"
CREDIT = ("统一社会信用代码", "credit_code")


def normal_code(code: str) -> str:
    """A code as compared: without spaces, letters upper-case (统一社会信用代码 have letters)."""
    return re.sub(r"\s+", "", code or "").upper()


@dataclass(frozen=True)
class Match:
    """The roster unit a submission belongs to (None: not on the roster), how it was found, and any mismatch."""

    unit: Unit | None = None
    how: str = ""
    note: str = ""


@dataclass(frozen=True)
class Verdict:
    """A submission's status and the counts behind it."""

    status: str
    errors: int = 0
    warnings: int = 0
    explained: int = 0
    reason: str = ""


class Roster:
    """The units of a season, looked up by code (单位编码 or 统一社会信用代码) and by name."""

    def __init__(self, path: Path, units: list[Unit], credit: dict[str, str]):
        self.path, self.units = path, units
        self.by_code = {normal_code(u.code): u for u in units}
        self.by_code |= {c: self.by_code[normal_code(code)] for c, code in credit.items()}
        self.by_name = {u.name: u for u in units}

    def match(self, row: Row) -> Match:
        """The unit of ``row``: by code, else by exact name, else (a file without identity) by its file name."""
        code, name = normal_code(row.unit_code), row.unit.strip()
        unit = self.by_code.get(code) if code else None
        if unit is not None:
            return Match(unit, BY_CODE, f"表内单位名称“{name}”与清单“{unit.name}”不同" if name and name != unit.name else "")
        unit = self.by_name.get(name) if name else None
        if unit is not None:
            return Match(unit, BY_NAME, f"表内单位编码“{row.unit_code}”与清单“{unit.code}”不同" if code else "表内未填单位编码")
        if name or code:
            return Match(None)
        stem = Path(row.file).stem
        tokens = {normal_code(t) for t in re.split(r"[_\s\-－—.（）()]+", stem) if t}
        found = [u for u in self.units if normal_code(u.code) in tokens] or [u for u in self.units if u.name in stem]
        return Match(found[0], BY_FILE, "文件无法读取，按文件名中的单位编码或名称认定") if len(found) == 1 else Match(None)


def load_roster(path: Path) -> Roster:
    """The roster at ``path`` (the CSV ``generate --units`` takes, UTF-8 with or without BOM, or GBK); refused with a
    Chinese message naming the line: missing columns, an empty or repeated 单位编码, a repeated 单位名称."""
    units = read_units(path)
    lines = read_csv_rows(path, "单位")
    header = {h.strip(): h for h in lines[0] if h}
    credit_col = next((header[c] for c in CREDIT if c in header), None)
    names: dict[str, int] = {}
    credit: dict[str, str] = {}
    for line, (unit, raw) in enumerate(zip(units, lines, strict=True), start=2):
        if not unit.code:
            raise UsageError(f"{path} 第 {line} 行：{unit.name} 的单位编码为空；按单位清单收取报送时每个单位都须有"
                             "单位编码（与下发表样中的一致），请补填后重新运行")
        if unit.name in names:
            raise UsageError(f"{path} 第 {line} 行：单位名称“{unit.name}”与第 {names[unit.name]} 行重复，"
                             "按名称核对报送时无法区分，请核对后只保留一行")
        names[unit.name] = line
        number = normal_code(raw.get(credit_col) or "") if credit_col else ""
        if number:
            if number in credit:
                raise UsageError(f"{path} 第 {line} 行：统一社会信用代码 {number} 与其他行重复，请核对")
            credit[number] = unit.code
    return Roster(path, units, credit)


def explained(finding: dict[str, Any]) -> bool:
    """A warning stands explained: its explanation is not blank and was written against the same values."""
    return bool(str(finding.get("explanation") or "").strip()) and not finding.get("explanation_changed")


def verdict(row: Row, out: Path) -> Verdict:
    """The status of one submission: 无法读取, 退回修改 (an error, or a warning without a valid explanation) or
    已通过. The findings are read from the submission's result JSON; without it every warning is unexplained."""
    if row.status != SCORED:
        return Verdict(UNREADABLE, reason=row.reason)
    findings = _findings(out / row.result) if row.result else None
    warnings = [f for f in findings or [] if f.get("severity") == "warning"]
    done = sum(1 for f in warnings if explained(f)) if findings is not None else 0
    count = len(warnings) if findings is not None else row.warnings
    if row.errors:
        return Verdict(RETURNED, row.errors, count, done, f"有错误 {row.errors} 条，须修改后重新报送")
    if count > done:
        return Verdict(RETURNED, 0, count, done, f"提示 {count - done} 条未说明，须修改或在“审核结果”表中说明")
    return Verdict(PASSED, 0, count, done)


def _findings(path: Path) -> list[dict[str, Any]] | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8")).get("findings")
    except (OSError, ValueError, AttributeError):
        return None
    return [f for f in found if isinstance(f, dict)] if isinstance(found, list) else None
