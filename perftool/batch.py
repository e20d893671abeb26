"""Score a folder of submissions: one annotated workbook and one JSON per submission, and a summary.

Each submission is handled in a worker process; a file that cannot be used becomes a summary row with status
无法读取 and the reason, and the batch goes on. Submissions are never modified; outputs are written atomically.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .annotate.workbook import annotate
from .assess import assess
from .errors import PerftoolError
from .generate.units import safe_filename
from .output import atomic_path

SCORED, UNREADABLE = "已评分", "无法读取"
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")


@dataclass
class Row:
    """One submission in the summary."""

    file: str
    status: str
    reason: str = ""
    unit: str = ""
    unit_code: str = ""
    year: int | None = None
    basis: str | None = None
    total: float | None = None
    self_total: float | None = None
    grade: str | None = None
    self_grade: str | None = None
    complete: bool = True
    errors: int = 0
    warnings: int = 0
    groups: dict[str, float] = field(default_factory=dict)  # score by 一级指标
    rules: dict[str, int] = field(default_factory=dict)  # findings per audit rule or code
    annotated: str = ""
    result: str = ""
    sha256: str = ""
    flags: list[str] = field(default_factory=list)


def submissions(inbox: Path) -> list[Path]:
    """Every spreadsheet file under ``inbox`` (recursively), in a stable order; temporary files skipped."""
    return sorted(p for p in inbox.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                  and not p.name.startswith(("~$", ".")))


def score_one(path: Path, inbox: Path, out: Path, rules: str | None) -> Row:
    """Assess, annotate and write the JSON of one submission; never raises for a bad file."""
    name = str(path.relative_to(inbox))
    try:
        a = assess(path, rules)
    except PerftoolError as exc:
        return Row(name, UNREADABLE, str(exc))
    except Exception as exc:  # a damaged file must not stop the batch; the reason goes in the summary
        return Row(name, UNREADABLE, f"无法读取（{type(exc).__name__}: {exc}）")
    stem = safe_filename(str(a.plan.year), a.plan.unit or path.stem, a.plan.unit_code)
    # The same unit submitted twice, or two units of one name, never share an output: the suffix hashes the
    # submission's content and its place in the inbox.
    stem = f"{stem}_{hashlib.sha256((a.sha256 + name).encode()).hexdigest()[:8]}"
    annotated, result = out / "批注" / f"{stem}_审核.xlsx", out / "结果" / f"{stem}.json"
    doc = a.to_dict()
    annotate(a, annotated)
    with atomic_path(result) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    basis = a.basis
    groups: dict[str, float] = {}
    for ind in basis.indicators if basis else []:
        groups[ind.group] = round(groups.get(ind.group, 0.0) + (ind.score or 0.0), 2)
    counted: dict[str, int] = {}
    for f in a.findings:
        key = f.rule or f.code
        counted[key] = counted.get(key, 0) + 1
    return Row(name, SCORED, "", a.plan.unit, a.plan.unit_code, a.plan.year, doc["basis"], doc["total"],
               doc["self_total"], doc["grade"], doc["self_grade"], doc["complete"], a.errors, a.warnings, groups, counted,
               str(annotated.relative_to(out)), str(result.relative_to(out)), a.sha256)


def run_batch(inbox: Path, out: Path, rules: str | None = None, jobs: int | None = None,
              progress: Any = None) -> list[Row]:
    """Score every submission under ``inbox`` into ``out``; return the summary rows in file order."""
    files = submissions(inbox)
    jobs = max(1, jobs or os.cpu_count() or 1)
    rows: list[Row] = []
    if jobs == 1 or len(files) <= 1:
        for p in files:
            rows.append(score_one(p, inbox, out, rules))
            if progress:
                progress(rows[-1])
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for row in pool.map(score_one, files, [inbox] * len(files), [out] * len(files),
                                [rules] * len(files), chunksize=1):
                rows.append(row)
                if progress:
                    progress(row)
    flag_duplicates(rows)
    return rows


def flag_duplicates(rows: list[Row]) -> None:
    """Mark a unit submitted more than once, and submissions for a year other than the batch's main year."""
    scored = [r for r in rows if r.status == SCORED]
    seen: dict[tuple[str, str, int | None], list[Row]] = {}
    for r in scored:
        seen.setdefault((r.unit, r.unit_code, r.year), []).append(r)
    for group in seen.values():
        if len(group) > 1:
            same = len({r.sha256 for r in group}) == 1
            for r in group:
                r.flags.append(("重复报送（内容相同）" if same else "重复报送（内容不同）") +
                               "：" + "、".join(x.file for x in group if x is not r))
    years = [r.year for r in scored]
    if years:
        main = max(set(years), key=years.count)
        for r in scored:
            if r.year != main:
                r.flags.append(f"年度为 {r.year}，本批主要为 {main} 年度")


def write_summary_data(rows: list[Row], out: Path) -> None:
    """``汇总.csv`` and ``汇总.json`` for other systems."""
    with atomic_path(out / "汇总.json") as tmp:
        tmp.write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    columns = ["file", "status", "reason", "unit", "unit_code", "year", "basis", "total", "self_total", "grade",
               "self_grade", "errors", "warnings", "flags", "annotated", "result"]
    with atomic_path(out / "汇总.csv") as tmp:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for r in rows:
                record = asdict(r)
                writer.writerow([safe_csv("；".join(record[c]) if c == "flags" else record[c]) for c in columns])


def safe_csv(value: Any) -> Any:
    """Text that a spreadsheet opening the CSV would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
