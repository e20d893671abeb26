"""Score a folder of submissions: one annotated workbook and one JSON per submission, and a summary.

Each submission is handled in a worker process; a file that cannot be used becomes a summary row with status
无法读取, its failure code and the reason, and the batch goes on. Submissions are never modified; outputs are
written atomically. A re-run reuses the rows of submissions whose content has not changed since the last run
with the same settings.
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

from . import __version__
from .annotate.workbook import annotate
from .assess import assess, sha256_of
from .audit.previous import Reported
from .definitions.catalog import definitions_digest
from .generate.units import safe_filename
from .output import atomic_path
from .read.failures import UnreadableWorkbook
from .read.xlsx import Limits

SCORED, UNREADABLE = "已评分", "无法读取"
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")
SUMMARY_FORMAT = "perftool-batch/1"


@dataclass
class Row:
    """One submission in the summary."""

    file: str
    status: str
    reason: str = ""
    code: str = ""  # the input failure's code when status is 无法读取
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
    tables: str = ""  # the workbook's tables (gk01,…,fj2): units are ranked among workbooks of the same tables
    over_max: bool = False  # the total exceeds the rule set's full marks: reported, not graded or ranked


def submissions(inbox: Path) -> list[Path]:
    """Every spreadsheet file under ``inbox`` (recursively), in a stable order; temporary files skipped."""
    return sorted(p for p in inbox.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                  and not p.name.startswith(("~$", ".")))


def skipped_files(inbox: Path) -> list[str]:
    """Files under ``inbox`` that are not spreadsheets (a stray .pdf or .docx), relative to it; temporary and
    hidden files are not listed."""
    return sorted(str(p.relative_to(inbox)) for p in inbox.rglob("*") if p.is_file()
                  and p.suffix.lower() not in SUFFIXES and not p.name.startswith(("~$", ".")))


@dataclass(frozen=True)
class Settings:
    """What a batch's results depend on besides the files; a re-run with other settings scores everything."""

    rules: str | None = None
    year: int | None = None
    limits: Limits = field(default_factory=Limits)
    previous: dict[tuple[str, int], Reported] = field(default_factory=dict)

    def signature(self) -> str:
        parts = [self.rules, self.year, asdict(self.limits), sorted((k, v.values) for k, v in self.previous.items()),
                 __version__, definitions_digest()]
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def score_one(path: Path, inbox: Path, out: Path, settings: Settings) -> Row:
    """Assess, annotate and write the JSON of one submission; never raises for a bad file."""
    name = str(path.relative_to(inbox))
    try:
        a = assess(path, settings.rules, settings.limits, settings.previous)
        if settings.year and a.plan.year != settings.year:
            raise UnreadableWorkbook("year-mismatch", path.name, f"工作簿为 {a.plan.year} 年度，本次报送 {settings.year} 年度")
    except UnreadableWorkbook as exc:
        return Row(name, UNREADABLE, str(exc), exc.code)
    except Exception as exc:  # our own failure on an odd file must not stop the batch; the reason goes in the summary
        return Row(name, UNREADABLE, str(UnreadableWorkbook("internal-error", path.name, f"{type(exc).__name__}: {exc}")),
                   "internal-error")
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
    return Row(name, SCORED, "", "", a.plan.unit, a.plan.unit_code, a.plan.year, doc["basis"], doc["total"],
               doc["self_total"], doc["grade"], doc["self_grade"], doc["complete"], a.errors, a.warnings, groups, counted,
               str(annotated.relative_to(out)), str(result.relative_to(out)), a.sha256,
               tables=",".join(a.plan.layouts), over_max=bool(basis and basis.over_max))


def run_batch(inbox: Path, out: Path, settings: Settings | None = None, jobs: int | None = None,
              progress: Any = None, force: bool = False) -> tuple[list[Row], int]:
    """Score every submission under ``inbox`` into ``out``; return the summary rows in file order and how many
    were reused from the last run (unchanged content, same settings; none when ``force``)."""
    settings = settings or Settings()
    files = submissions(inbox)
    known = {} if force else reusable(out, settings.signature())
    done: dict[Path, Row] = {}
    for p in files:
        row = known.get(str(p.relative_to(inbox)))
        if row is not None and row.sha256 == sha256_of(p):
            done[p] = row
            if progress:
                progress(row)
    todo = [p for p in files if p not in done]
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(todo) <= 1:
        results: Any = (score_one(p, inbox, out, settings) for p in todo)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)))
        results = pool.map(score_one, todo, [inbox] * len(todo), [out] * len(todo), [settings] * len(todo),
                           chunksize=1)
    try:
        for p, row in zip(todo, results, strict=True):
            done[p] = row
            if progress:
                progress(row)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    rows = [done[p] for p in files]
    flag_duplicates(rows)
    return rows, len(files) - len(todo)


def reusable(out: Path, signature: str) -> dict[str, Row]:
    """Rows of the last run into ``out`` made with the same settings, by file, whose outputs still exist."""
    try:
        doc = json.loads((out / "汇总.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("format") != SUMMARY_FORMAT or doc.get("settings") != signature:
        return {}
    rows = {}
    for record in doc.get("rows", []):
        try:
            row = Row(**record)
        except TypeError:
            return {}
        row.flags = []  # recomputed over the whole batch
        if row.status != SCORED or ((out / row.annotated).is_file() and (out / row.result).is_file()):
            rows[row.file] = row
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


def write_summary_data(rows: list[Row], out: Path, settings: Settings) -> None:
    """``汇总.csv`` and ``汇总.json`` for other systems (the JSON also lets a re-run reuse unchanged rows)."""
    doc = {"format": SUMMARY_FORMAT, "settings": settings.signature(), "rows": [asdict(r) for r in rows]}
    with atomic_path(out / "汇总.json") as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    columns = ["file", "status", "code", "reason", "unit", "unit_code", "year", "basis", "total", "self_total", "grade",
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
