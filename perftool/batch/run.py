"""Score a folder of submissions: one annotated workbook and one JSON per submission, and a summary.

The batch is a supervisor: each submission is handled in a worker process with a wall-clock timeout and a memory
ceiling; a worker that dies or overruns is replaced and its file becomes a 无法读取 row (``too-large`` or
``timeout``). A file that cannot be used becomes a row with status 无法读取, its failure code and the reason, one
whose outputs cannot be written a 写入失败 row, and the batch goes on. Rows are journalled as they finish and
汇总.json is brought up to date every few seconds, so a killed batch leaves a usable summary and the next run
completes it. Submissions are never modified; outputs are written atomically; one batch at a time writes into an
output folder (a lock). A re-run reuses the rows of submissions whose content has not changed since the last run
with the same settings.
"""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import IO, Any

from .. import __version__
from ..annotate.workbook import annotate
from ..assess import assess, sha256_of
from ..audit.budget import Budget
from ..audit.previous import Reported
from ..audit.rules import rule_text
from ..audit.targets import Declared
from ..definitions.catalog import definitions_digest
from ..errors import OutputError, PerftoolError
from ..generate.units import safe_filename
from ..output import atomic_path, json_text, remove_partials, write_json, write_text
from ..read.failures import UnreadableWorkbook
from ..read.xlsx import Limits
from .projects import (budget_projects, check_declarations, cross_check, declared_projects, project_entries,
                       project_expenditure)
from .row import DUPLICATE_FLAG, SCORED, UNREADABLE, WRITE_FAILED, Row

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")
SUMMARY_FORMAT = "perftool-batch/1"
SUMMARY, JOURNAL, LOCK = "汇总.json", ".汇总.journal", ".perftool-batch.lock"
CHECKPOINT_SECONDS = 2.0  # 汇总.json is rewritten at most this often while a batch runs




def submissions(inbox: Path) -> list[Path]:
    """Every spreadsheet name under ``inbox`` (recursively), in a stable order; temporary files skipped. Names
    that are not regular files (a FIFO, a device, a link) are listed too: each gets its row."""
    return sorted(p for p in inbox.rglob("*") if p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", "."))
                  and (p.is_symlink() or not p.is_dir()))


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
    budgets: list[Budget] = field(default_factory=list)
    targets: dict[tuple[str, int], list[Declared]] = field(default_factory=dict)  # declared project targets

    def signature(self) -> str:
        parts = [self.rules, self.year, asdict(self.limits), sorted((k, v.values) for k, v in self.previous.items()),
                 __version__, definitions_digest(), sorted((k, [asdict(d) for d in v]) for k, v in self.targets.items())
                 ] + ([[asdict(b) for b in self.budgets]] if self.budgets else [])
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def score_one(path: Path, inbox: Path, out: Path, settings: Settings) -> Row:
    """Assess, annotate and write the JSON of one submission; never raises for a bad file or a failed write."""
    name = str(path.relative_to(inbox))
    try:
        if Path(inbox).resolve() not in path.resolve().parents:  # a link, or a folder link, leaving the inbox
            raise UnreadableWorkbook("not-regular-file", path.name, "是指向收件目录以外的链接，不予读取")
        a = assess(path, settings.rules, settings.limits, settings.previous, settings.budgets, settings.targets)
        if settings.year and a.plan.year != settings.year:
            raise UnreadableWorkbook("year-mismatch", path.name, f"工作簿为 {a.plan.year} 年度，本次报送 {settings.year} 年度")
    except UnreadableWorkbook as exc:
        return Row(name, UNREADABLE, str(exc), exc.code)
    except MemoryError:
        return Row(name, UNREADABLE, str(UnreadableWorkbook("too-large", path.name, "处理时内存超过上限")), "too-large")
    except Exception as exc:  # our own failure on an odd file must not stop the batch; the reason goes in the summary
        return Row(name, UNREADABLE, str(UnreadableWorkbook("internal-error", path.name, f"{type(exc).__name__}: {exc}")),
                   "internal-error")
    stem = safe_filename(str(a.plan.year), a.plan.unit or path.stem, a.plan.unit_code)
    # The same unit submitted twice, or two units of one name, never share an output: the suffix hashes the
    # submission's content and its place in the inbox.
    stem = f"{stem}_{hashlib.sha256((a.sha256 + name).encode()).hexdigest()[:8]}"
    annotated, result = out / "批注" / f"{stem}_审核.xlsx", out / "结果" / f"{stem}.json"
    try:
        annotate(a, annotated)
        doc = a.to_dict()  # after the annotated copy: the two are never in memory together
        write_json(result, doc)
    except OutputError as exc:
        return Row(name, WRITE_FAILED, str(UnreadableWorkbook("write-failed", path.name, str(exc))), "write-failed",
                   a.plan.unit, a.plan.unit_code, a.plan.year, sha256=a.sha256)
    basis = a.basis
    groups: dict[str, float] = {}
    for ind in basis.indicators if basis else []:
        groups[ind.group] = round(groups.get(ind.group, 0.0) + (ind.score or 0.0), 2)
    counted: dict[str, int] = {}
    for f in a.findings:
        key = f.rule or f.code
        counted[key] = counted.get(key, 0) + 1
    basis_name = doc["basis"] or (f"{len(a.projects)}个项目" if a.projects else None)  # scores on the 项目 sheet
    return Row(name, SCORED, "", "", a.plan.unit, a.plan.unit_code, a.plan.year, basis_name, doc["total"],
               doc["self_total"], doc["grade"], doc["self_grade"], doc["complete"], doc["counts"]["error"],
               doc["counts"]["warning"], groups, counted,
               str(annotated.relative_to(out)), str(result.relative_to(out)), a.sha256, [], a.plan.table_set,
               project_entries(a), project_expenditure(a), budget_projects(a), declared_projects(a),
               tables=",".join(a.plan.table_ids),
               over_max=bool(basis and basis.over_max))


def run_batch(inbox: Path, out: Path, settings: Settings | None = None, jobs: int | None = None,
              progress: Any = None, force: bool = False) -> tuple[list[Row], int]:
    """Score every submission under ``inbox`` into ``out``; return the summary rows in file order and how many
    were reused from the last run, finished or interrupted (unchanged content, same settings; none when
    ``force``). Temporary files a killed run left in ``out`` are removed."""
    settings = settings or Settings()
    files = submissions(inbox)
    if out.is_dir():
        remove_partials(out)
    known = {} if force else reusable(out, settings.signature())
    done: dict[Path, Row] = {}
    for p in files:
        row = known.get(str(p.relative_to(inbox)))
        if row is not None and row.sha256 == _sha256_or_none(p):
            done[p] = row
            if progress:
                progress(row)
    todo = [p for p in files if p not in done]
    journal = Journal(out, settings.signature(), [done[p] for p in files if p in done])
    try:
        for p, row in supervise(todo, inbox, out, settings, max(1, jobs or os.cpu_count() or 1)):
            done[p] = row
            journal.add(row)
            if progress:
                progress(row)
    finally:
        journal.close()
        if out.is_dir():
            remove_partials(out)  # what a worker stopped mid-write left
    rows = [done[p] for p in files]
    flag_duplicates(rows)
    cross_check(rows)
    check_declarations(rows)
    return rows, len(files) - len(todo)


def _sha256_or_none(path: Path) -> str | None:
    try:
        return sha256_of(path) if path.is_file() else None
    except UnreadableWorkbook:  # it became unreadable since the last run: scored anew, and gets its row
        return None


def supervise(todo: list[Path], inbox: Path, out: Path, settings: Settings, jobs: int) -> Iterator[tuple[Path, Row]]:
    """Each file of ``todo`` scored in one of ``jobs`` worker processes, as (file, row) in the order they finish."""
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    if todo:
        # The names of all audit rules, which the copies and the 汇总表 show: loading them parses every table's
        # definitions (~50 ms CPU). Done here, before the fork, the workers inherit them instead of each paying it.
        rule_text("")
    pending = deque(todo)
    workers: list[_Worker] = []
    try:
        while pending or workers:
            for w in workers:
                if w.task is None and pending:
                    w.give(pending.popleft())
            while pending and len(workers) < jobs:
                workers.append(_Worker(context, inbox, out, settings))
                workers[-1].give(pending.popleft())
            busy = [w for w in workers if w.task is not None]
            wait([x for w in busy for x in (w.conn, w.process.sentinel)],
                 max(0.0, min((w.deadline for w in busy), default=0.0) - time.monotonic()))
            for w in list(workers):
                finished = w.collect()
                if finished is not None:
                    if w.alive and pending:
                        w.give(pending.popleft())  # before the row is journalled: the worker never waits for it
                    yield finished
                if not w.alive or (w.task is None and (not pending or not w.process.is_alive())):
                    w.stop()
                    workers.remove(w)
    finally:
        for w in workers:
            w.stop()


class _Worker:
    """A process scoring one submission at a time under a memory ceiling; stopped when it overruns."""

    def __init__(self, context: Any, inbox: Path, out: Path, settings: Settings):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, inbox, out, settings), daemon=True)
        self.process.start()
        child.close()
        self.inbox, self.seconds = inbox, settings.limits.file_seconds
        self.task: Path | None = None
        self.deadline = time.monotonic() + self.seconds
        self.alive = True

    def give(self, path: Path) -> None:
        self.task, self.deadline = path, time.monotonic() + self.seconds
        try:
            self.conn.send(str(path))
        except OSError:  # it died between two files; collect() reports it
            pass

    def collect(self) -> tuple[Path, Row] | None:
        """The finished file and its row; a row of its own for a worker that died or overran; else None."""
        if self.task is None:
            return None
        try:
            if self.conn.poll():
                row = self.conn.recv()
                path, self.task = self.task, None
                if row.code == "too-large":
                    self.stop()  # it leaves after a too-large file (see _serve)
                return path, row
        except (EOFError, OSError):
            return self.fail("too-large", "处理时进程异常退出（内存超过上限或被系统终止）")
        if not self.process.is_alive():
            return self.fail("too-large", "处理时进程异常退出（内存超过上限或被系统终止）")
        if time.monotonic() > self.deadline:
            return self.fail("timeout", f"处理超过 {self.seconds:g} 秒，已中止")
        return None

    def fail(self, code: str, detail: str) -> tuple[Path, Row]:  # only while it has a task
        path, self.task = self.task, None
        self.stop()
        return path, Row(str(path.relative_to(self.inbox)), UNREADABLE, str(UnreadableWorkbook(code, path.name, detail)),
                         code)

    def stop(self) -> None:
        if self.alive:
            self.alive = False
            if self.process.is_alive():
                self.process.kill()
            self.process.join()
            self.conn.close()


def _serve(conn: Connection, inbox: Path, out: Path, settings: Settings) -> None:
    """A worker's loop: a path in, its row out, until the supervisor closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor stops its workers itself
    for held in _HELD:  # the lock on OUT is the supervisor's: a killed supervisor must release it
        held.close()
    _HELD.clear()
    quiet = os.open(os.devnull, os.O_WRONLY)  # what a worker has to say is in its rows
    os.dup2(quiet, 2)
    _limit_memory(settings.limits.memory_mb)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        row = score_one(Path(task), inbox, out, settings)
        conn.send(row)
        if row.code == "too-large":
            return  # it may have run out of memory: a fresh worker takes the next file


def _limit_memory(megabytes: float) -> None:
    """Cap this process's address space at what it uses now plus ``megabytes`` (RLIMIT_AS; where available)."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + int(megabytes * 2**20)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class Journal:
    """Rows as they finish, appended to a journal in OUT and, every few seconds, written to 汇总.json (marked
    incomplete), so that a killed batch leaves a usable summary and the next run reuses what was done.

    The journal is flushed after every row (a killed batch loses none) and synced to disk at each checkpoint (a
    power cut loses at most the rows since, which the next run scores again). A checkpoint rewrites every row (the
    text of its journal line: a row is encoded once), so it is spaced out as the summary grows: at most about 1/20
    of the batch's time goes to it.
    """

    def __init__(self, out: Path, signature: str, rows: list[Row]):
        self.out, self.signature = out, signature
        self.lines = [json_text(record(r)) for r in rows]  # each row encoded once, for the journal and every checkpoint
        self.written, self.interval = 0.0, CHECKPOINT_SECONDS
        self.fh: IO[str] | None = None
        if not self.checkpoint():
            return  # a full or read-only OUT: the last summary and journal stay as they were
        try:
            self.fh = (out / JOURNAL).open("w", encoding="utf-8")
            self.write(json_text({"format": SUMMARY_FORMAT, "settings": signature}))
        except OSError:
            self.fh = None

    def write(self, line: str) -> None:
        if self.fh is not None:
            try:
                self.fh.write(line + "\n")
                self.fh.flush()
            except (OSError, ValueError):
                self.fh = None

    def add(self, row: Row) -> None:
        self.lines.append(json_text(record(row)))
        self.write(self.lines[-1])
        if time.monotonic() - self.written > self.interval:
            self.checkpoint()

    def checkpoint(self) -> bool:
        """汇总.json with the rows so far (earlier rows are never lost: a failed write leaves the old file); the
        same text as ``write_summary_json`` of those rows, joined from the rows' journal lines."""
        started = time.monotonic()
        try:
            if self.fh is not None:
                os.fsync(self.fh.fileno())
        except (OSError, ValueError):
            self.fh = None  # the journal cannot be kept: 汇总.json alone records progress
        head = json_text({"format": SUMMARY_FORMAT, "settings": self.signature, "complete": False})
        try:
            write_text(self.out / SUMMARY, f'{head[:-1]},"rows":[{",".join(self.lines)}]}}')
            return True
        except OutputError:
            return False
        finally:
            self.written = time.monotonic()
            self.interval = max(CHECKPOINT_SECONDS, 20 * (self.written - started))

    def close(self) -> None:
        self.checkpoint()
        if self.fh is not None:
            self.fh.close()


def reusable(out: Path, signature: str) -> dict[str, Row]:
    """Rows of the last run into ``out`` made with the same settings, by file, whose outputs still exist: those of
    its 汇总.json, and those of its journal if it was interrupted."""
    records: list[Any] = []
    for lines in (_summary_rows(out, signature), _journal_rows(out, signature)):
        records += lines
    rows = {}
    for record in records:
        try:
            row = Row(**record)
        except TypeError:
            return {}
        row.flags, row.cross_checks = [], []  # recomputed over the whole batch
        if row.status == UNREADABLE or (row.status == SCORED and (out / row.annotated).is_file()
                                        and (out / row.result).is_file()):
            rows[row.file] = row
    return rows


def _summary_rows(out: Path, signature: str) -> list[Any]:
    try:
        doc = json.loads((out / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(doc, dict) or doc.get("format") != SUMMARY_FORMAT or doc.get("settings") != signature:
        return []
    return [r for r in doc.get("rows", []) if isinstance(r, dict)]


def _journal_rows(out: Path, signature: str) -> list[Any]:
    try:
        lines = (out / JOURNAL).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        return []
    records = []
    for line in lines:  # the last line may be cut short by the kill
        try:
            records.append(json.loads(line))
        except ValueError:
            break
    if not records or records[0] != {"format": SUMMARY_FORMAT, "settings": signature}:
        return []
    return [r for r in records[1:] if isinstance(r, dict)]


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold OUT for one batch; a second batch into it is refused with a Chinese message (PerftoolError)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        fh = (out / LOCK).open("a")
    except OSError as exc:
        raise OutputError(out, exc) from None
    try:
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # no flock on this platform: no lock
            pass
        except OSError:
            raise PerftoolError(f"输出目录 {out} 正由另一个批量审核任务使用；请等它结束后再运行，或用 -o 另选输出目录") from None
        _HELD.append(fh)
        yield
    finally:
        if fh in _HELD:
            _HELD.remove(fh)
        fh.close()


#: The lock files this process holds (a forked worker closes its copies).
_HELD: list[IO[str]] = []


def flag_duplicates(rows: list[Row]) -> None:
    """Mark a unit submitted more than once (a group number and how many, never a list of all the others: a
    blank template sent to everyone must not make the summary quadratic), and submissions for a year other than
    the batch's main year."""
    scored = [r for r in rows if r.status == SCORED]
    seen: dict[tuple[str, str, int | None, str], list[Row]] = {}
    for r in scored:
        seen.setdefault((r.unit, r.unit_code, r.year, r.table_set), []).append(r)
    number = 0
    for group in seen.values():
        if len(group) > 1:
            number += 1
            same = len({r.sha256 for r in group}) == 1
            for r in group:
                r.flags.append(f"{DUPLICATE_FLAG}（内容{'相同' if same else '不同'}）：第 {number} 组，共 {len(group)} 份")
    years = [r.year for r in scored]
    if years:
        main = max(set(years), key=years.count)
        for r in scored:
            if r.year != main:
                r.flags.append(f"年度为 {r.year}，本批主要为 {main} 年度")


def write_summary_json(rows: list[Row], out: Path, signature: str, complete: bool = True,
                       season: dict[str, Any] | None = None) -> None:
    """``汇总.json``: the rows so far; ``complete`` is false while the batch is still running (or was killed);
    ``season``: the roster statuses and history of a ``batch --units`` run (perftool/season/waves.py)."""
    write_json(out / SUMMARY, {"format": SUMMARY_FORMAT, "settings": signature, "complete": complete,
                               "rows": [record(r) for r in rows], **({"season": season} if season is not None else {})})


def record(row: Row) -> dict[str, Any]:
    """``row`` as a JSON record: a shallow copy (its fields are plain lists and mappings; ``asdict``'s deep copy
    of every row at every checkpoint made the summary quadratic in the batch's size)."""
    return dict(vars(row))


def write_summary_data(rows: list[Row], out: Path, settings: Settings, season: dict[str, Any] | None = None) -> None:
    """``汇总.csv`` and ``汇总.json`` for other systems (the JSON also lets a re-run reuse unchanged rows); the
    journal of the run is then no longer needed."""
    write_summary_json(rows, out, settings.signature(), season=season)
    (out / JOURNAL).unlink(missing_ok=True)
    columns = ["file", "status", "code", "reason", "unit", "unit_code", "year", "basis", "total", "self_total", "grade",
               "self_grade", "errors", "warnings", "flags", "annotated", "result"]
    with atomic_path(out / "汇总.csv") as tmp:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for r in rows:
                fields = vars(r)
                writer.writerow([safe_csv("；".join(fields[c]) if c == "flags" else fields[c]) for c in columns])


def safe_csv(value: Any) -> Any:
    """Text that a spreadsheet opening the CSV would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
