"""Waves of a reporting season: every ``batch --units`` run into one OUT that brings new files is a wave.

The ledger ``OUT/报送记录.json`` keeps every submission ever received (its batch row, file, modification time and
wave). A unit's latest submission by the file's modification time (ties: the later file name, then the later
wave) is its current one; the others are its history, their annotated copy and result JSON moved into
``OUT/历史/`` (one rename each: a run killed midway leaves every output in one of the two places, and the next run
finishes the moves). The same file seen again (same path, size and time) is the same submission. Nothing is
deleted; the ledger is written after the moves, atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..audit.submitted import SUPERSEDED
from ..batch.row import DUPLICATE_FLAG, Row
from ..errors import OutputError, UsageError
from ..output import atomic_path, json_text
from .roster import NOT_SUBMITTED, STATUSES, UNLISTED, UNREADABLE, Match, Roster, Verdict, normal_code, verdict

LEDGER, LEDGER_FORMAT, HISTORY = "报送记录.json", "perftool-season/1", SUPERSEDED


@dataclass
class Submission:
    """One file received: where, when (modification time), in which wave, and its batch row."""

    source: str  # path|size|mtime_ns: the same file seen again is the same submission
    inbox: str
    file: str
    mtime: float
    wave: int
    row: Row

    def when(self) -> str:
        return dt.datetime.fromtimestamp(self.mtime).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Entry:
    """The season's picture of one roster unit (or of one submitter not on the roster)."""

    unit: str
    code: str
    status: str
    match: Match = field(default_factory=Match)
    verdict: Verdict | None = None
    current: Submission | None = None
    earlier: list[tuple[Submission, str]] = field(default_factory=list)  # superseded, with the reason

    def row(self) -> Row:
        """The row the 汇总表 shows: the current submission's, or a 未报送 row."""
        return self.current.row if self.current else Row("", NOT_SUBMITTED, unit=self.unit, unit_code=self.code)

    def note(self) -> str:
        """How the submission was matched and why it has its status, for the 说明 column and the console."""
        parts = [f"{self.match.how}核对" if self.match.how else "", self.match.note,
                 "不在单位清单中（照常审核评分）" if self.status == UNLISTED else
                 "无法识别报送单位" if self.current and not self.match.unit else "",
                 self.verdict.reason if self.verdict and self.verdict.status != UNREADABLE else ""]
        if self.earlier:
            parts.append(f"早先报送 {len(self.earlier)} 份已移入 {HISTORY}/")
        return "；".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        s, v = self.current, self.verdict
        return {"unit": self.unit, "unit_code": self.code, "status": self.status, "match": self.match.how,
                "note": self.note(), "file": s.file if s else None, "inbox": s.inbox if s else None,
                "wave": s.wave if s else None, "time": s.when() if s else None,
                "errors": v.errors if v else 0, "warnings": v.warnings if v else 0,
                "explained": v.explained if v else 0, "reason": (v.reason if v else "") or (s.row.reason if s else ""),
                "annotated": s.row.annotated if s else "", "result": s.row.result if s else ""}


@dataclass
class Season:
    """The current picture after a wave: every roster unit's entry, submitters not on the roster, the history."""

    roster: Roster
    wave: int
    waves: list[dict[str, Any]]
    units: list[Entry]
    others: list[Entry]

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for e in self.units if e.status == s) for s in STATUSES}

    def unlisted(self) -> int:
        """Submitters not on the roster (the others are files that could not be read nor matched to a unit)."""
        return sum(1 for e in self.others if e.status == UNLISTED)

    def superseded(self) -> list[tuple[Entry, Submission, str]]:
        return [(e, s, why) for e in self.units + self.others for s, why in e.earlier]

    def rows(self) -> list[Row]:
        """The current submissions' rows (what the 汇总表's statistics count)."""
        return [e.current.row for e in self.units + self.others if e.current]

    def counts_line(self) -> str:
        """``第 2 批后：名单 6 个单位，已通过 4，退回修改 0，无法读取 0，未报送 2；未列入名单 1 份；…``"""
        earlier, unknown = len(self.superseded()), len(self.others) - self.unlisted()
        return ((f"第 {self.wave} 批后" if self.wave else "尚未收到报送") + f"：名单 {len(self.units)} 个单位，"
                + "，".join(f"{s} {n}" for s, n in self.counts().items()) + f"；{UNLISTED} {self.unlisted()} 份"
                + (f"；无法读取且无法识别单位的文件 {unknown} 份" if unknown else "")
                + (f"；早先报送 {earlier} 份已移入 {HISTORY}/" if earlier else ""))

    def lines(self) -> list[str]:
        """The console report: one line per unit and submitter, then the counts."""
        out = [f"名单状态（{self.roster.path.name}）："]
        for e in self.units + self.others:
            where = f"{e.current.file}（第 {e.current.wave} 批）" if e.current else "—"
            note = e.note() or (e.verdict.reason if e.verdict else "")
            out.append(f"  {e.unit or '（未能识别单位）'}{f'（{e.code}）' if e.code else ''}  {e.status}  {where}"
                       + (f"  {note}" if note else ""))
        for e, s, why in self.superseded():
            out.append(f"  已取代：{s.file}（{e.unit or '—'}，第 {s.wave} 批）：{why}")
        out.append(self.counts_line())
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``season`` of 汇总.json: statuses and counts, the units, the other submitters and the history."""
        return {"format": LEDGER_FORMAT, "roster": str(self.roster.path), "wave": self.wave, "waves": self.waves,
                "counts": self.counts(), "unlisted": self.unlisted(),
                "unidentified": len(self.others) - self.unlisted(),
                "units": [e.to_dict() for e in self.units], "others": [e.to_dict() for e in self.others],
                "history": [{"unit": e.unit, "unit_code": e.code, "file": s.file, "inbox": s.inbox, "wave": s.wave,
                             "time": s.when(), "status": s.row.status, "errors": s.row.errors,
                             "warnings": s.row.warnings, "reason": why, "annotated": s.row.annotated,
                             "result": s.row.result} for e, s, why in self.superseded()]}


def is_season(out: Path) -> bool:
    """``out`` holds a season's ledger (a batch into it must name the roster)."""
    return (out / LEDGER).is_file()


def run_wave(out: Path, inbox: Path, rows: list[Row], roster: Roster) -> Season:
    """Record this run's ``rows`` (files of ``inbox``) in the ledger of ``out``, work out every unit's current
    submission and status, move superseded outputs into 历史/ (updating the rows' paths) and save the ledger."""
    waves, known = _load(out)
    seen = {s.source: s for s in known}
    wave = (waves[-1]["wave"] if waves else 0) + 1
    fresh = 0
    for row in rows:
        source, mtime = _source(inbox / row.file)
        s = seen.get(source)
        if s is None:
            seen[source] = Submission(source, str(inbox.resolve()), row.file, mtime, wave, row)
            fresh += 1
        else:
            s.row = row  # the same file, processed again
    if fresh:
        waves.append({"wave": wave, "inbox": str(inbox.resolve()), "files": len(rows), "new": fresh,
                      "time": dt.datetime.now().isoformat(timespec="seconds")})
    season = _picture(roster, list(seen.values()), waves, out)
    for e in season.units + season.others:  # a unit's earlier submissions are superseded, not duplicates
        for row in [e.current.row, *(s.row for s, _ in e.earlier)] if e.current and e.earlier else []:
            row.flags = [f for f in row.flags if not f.startswith(DUPLICATE_FLAG)]
    keep = {p for e in season.units + season.others if e.current for p in _outputs(e.current.row)}
    for e in season.units + season.others:
        if e.current:
            _place(out, e.current.row, history=False, keep=set())
        for s, _ in e.earlier:
            _place(out, s.row, history=True, keep=keep)
    _save(out, waves, list(seen.values()))
    return season


def _picture(roster: Roster, submissions: list[Submission], waves: list[dict[str, Any]], out: Path) -> Season:
    """Group the submissions by unit, newest last; the newest is current."""
    groups: dict[tuple[str, str], list[Submission]] = {}
    matches: dict[str, Match] = {}
    for s in submissions:
        m = roster.match(s.row)
        matches[s.source] = m
        code = normal_code(s.row.unit_code)
        key = (("roster", normal_code(m.unit.code)) if m.unit else ("code", code) if code else
               ("name", s.row.unit.strip()) if s.row.unit.strip() else ("file", s.source))
        groups.setdefault(key, []).append(s)
    for group in groups.values():
        group.sort(key=lambda s: (s.mtime, s.file, s.wave))
    units = [_entry(u.name, u.code, groups.get(("roster", normal_code(u.code)), []), matches, out)
             for u in roster.units]
    others = [_entry(g[-1].row.unit, g[-1].row.unit_code, g, matches, out)
              for key, g in sorted(groups.items(), key=lambda kv: kv[0]) if key[0] != "roster"]
    return Season(roster, waves[-1]["wave"] if waves else 0, waves, units, others)


def _entry(unit: str, code: str, group: list[Submission], matches: dict[str, Match], out: Path) -> Entry:
    if not group:
        return Entry(unit, code, NOT_SUBMITTED)
    current = group[-1]
    v = verdict(current.row, out)
    m = matches[current.source]
    status = v.status if m.unit else (UNREADABLE if v.status == UNREADABLE else UNLISTED)
    return Entry(unit, code, status, m, v, current, [(s, _why(s, current)) for s in reversed(group[:-1])])


def _why(old: Submission, new: Submission) -> str:
    """Why ``old`` is no longer current."""
    when = ("修改时间更晚" if new.mtime > old.mtime else "修改时间相同、文件名在后" if new.file > old.file else
            "修改时间和文件名相同、收到在后")
    if old.wave == new.wave:
        return f"同一批（第 {new.wave} 批）中另有该单位的 {new.file}（{when}），以后者为准"
    return f"已被第 {new.wave} 批的 {new.file} 取代（{when}）"


def _outputs(row: Row) -> list[str]:
    return [_plain(p) for p in (row.annotated, row.result) if p]


def _plain(rel: str) -> str:
    """An output's place outside 历史/."""
    prefix = HISTORY + "/"
    return rel[len(prefix):] if rel.startswith(prefix) else rel


def _place(out: Path, row: Row, history: bool, keep: set[str]) -> None:
    """Move ``row``'s outputs into 历史/ (or back out of it) unless a current submission shares them; a move a killed
    run already made is taken as done."""
    moved = []
    for rel in (row.annotated, row.result):
        if not rel:
            moved.append(rel)
            continue
        plain = _plain(rel)
        target = f"{HISTORY}/{plain}" if history and plain not in keep else plain
        src = out / (rel if (out / rel).exists() else target if (out / target).exists() else rel)
        if src != out / target and src.exists():
            try:
                (out / target).parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, out / target)
            except OSError as exc:
                raise OutputError(out / target, exc) from None
        moved.append(target)
    row.annotated, row.result = moved


def _source(path: Path) -> tuple[str, float]:
    """The identity of a received file (resolved path, size, modification time) and its modification time."""
    try:
        st = os.lstat(path)
    except OSError:
        return f"{path.resolve()}|?|{time.time_ns()}", time.time()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}", st.st_mtime


def _load(out: Path) -> tuple[list[dict[str, Any]], list[Submission]]:
    """The waves and submissions of the ledger (none yet: empty); a damaged ledger is refused, never overwritten."""
    path = out / LEDGER
    if not path.exists():
        return [], []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != LEDGER_FORMAT:
            raise ValueError(doc.get("format"))
        subs = [Submission(**{**s, "row": Row(**s["row"])}) for s in doc["submissions"]]
        return list(doc["waves"]), subs
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise UsageError(f"{path} 已损坏或不是 perftool 的报送记录：请从备份恢复该文件，或用 -o 另选输出目录"
                         "（该文件记录了各批报送，不能自动重建）") from None


def _save(out: Path, waves: list[dict[str, Any]], submissions: list[Submission]) -> None:
    doc = {"format": LEDGER_FORMAT, "waves": waves, "submissions": [asdict(s) for s in submissions]}
    with atomic_path(out / LEDGER) as tmp:
        tmp.write_text(json_text(doc) + "\n", encoding="utf-8")
