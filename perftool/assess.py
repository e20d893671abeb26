"""One submission through the whole loop: recognise → read → recompute → audit → score.

Two sets of figures are kept. ``as_filed`` is the workbook as the unit sent it (a figure typed over a formula
stays, and what reads it follows); audit rules judge these. ``computed`` is every derived cell recomputed from
the inputs alone, ignoring typed-over figures; scores come from these.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .audit.budget import Budget, budget_for, check_budget
from .audit.cells import check_cache, check_overrides, read_entries
from .audit.explanations import carry, check_written
from .audit.findings import ERROR, WARNING, Finding, assign_ids
from .audit.projects import check_projects
from .audit.targets import Declared, check_targets
from .audit.presence import check_presence
from .audit.previous import Reported, check_previous, last_year
from .audit.rules import apply_rules, rules_for
from .audit.structure import check_structure
from .definitions.workbook import WorkbookPlan, plan_workbook
from .data import nest, nest_projects
from .engine import engine_for
from .errors import os_reason
from .identity import FORMAT
from .read.explanations import read_explanations
from .read.failures import UnreadableWorkbook
from .read.workbook import read_cells, recognise
from .read.xlsx import Limits
from .score.evaluation import Scores, score_evaluation
from .score.projects import ProjectScores, is_project_ruleset, score_projects
from .score.self_evaluation import score_self_evaluation

REPORT_FORMAT = "perftool-score/1"
DEFAULT_RULES = "zhengti-2021"


@dataclass
class Assessment:
    """Everything perftool found out about one submission."""

    path: Path
    sha256: str
    plan: WorkbookPlan
    inputs: dict[str, Any]
    overrides: dict[str, Any]
    as_filed: dict[str, Any]
    computed: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    evaluation: Scores | None = None
    self_evaluation: Scores | None = None
    projects: list[ProjectScores] = field(default_factory=list)  # the 项目自评表 sheets, one per project
    filed_from: dict[str, Any] | None = None  # what ``as_filed`` was computed from (the annotated copy reuses it)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    @property
    def explained(self) -> int:
        """Warnings the unit explained against their current values (出错说明)."""
        return sum(1 for f in self.findings if f.explained)

    @property
    def unexplained(self) -> int:
        return self.warnings - self.explained

    @property
    def basis(self) -> Scores | None:
        """The scores the total and grade come from: the 评分表 if the workbook has one, else the 自评表."""
        if self.evaluation and "pj" in self.plan.layouts:
            return self.evaluation
        return self.self_evaluation or self.evaluation

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON contract of ``perftool score --json`` (see README)."""
        basis, errors, warnings, explained = self.basis, self.errors, self.warnings, self.explained  # each a pass
        return {
            "format": REPORT_FORMAT,
            "file": self.path.name,
            "sha256": self.sha256,
            "template": {"format": FORMAT, "set": self.plan.table_set, "tables": self.plan.table_ids,
                         "editions": self.plan.editions, "digest": self.plan.digest},
            "unit": self.plan.unit,
            "unit_code": self.plan.unit_code,
            "year": self.plan.year,
            "valid": errors == 0,
            "counts": {"error": errors, "warning": warnings},
            "explained": explained,
            "unexplained": warnings - explained,
            "basis": basis.source if basis else None,
            "rules": basis.rules if basis else None,
            "points": basis.points if basis else None,
            **(_scores(basis) or {"total": None, "self_total": None, "grade": None, "self_grade": None,
                                  "complete": False, "indicators": []}),
            "evaluation": _scores(self.evaluation),
            "self_evaluation": _scores(self.self_evaluation),
            "projects": [p.to_dict() for p in self.projects],
            "findings": [f.to_dict() for f in self.findings],
            "data": _data({**self.inputs, **self.overrides}, self.plan),
        }


def _data(values: dict[str, Any], plan: WorkbookPlan) -> dict[str, Any]:
    """The entries in the data-file format: ``tables``, and ``projects`` when the workbook has project sheets."""
    out: dict[str, Any] = {"tables": nest(values, plan)}
    if plan.projects:
        out["projects"] = nest_projects(values, plan)
    return out


def _scores(s: Scores | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"total": s.total, "self_total": s.self_total, "grade": s.grade, "self_grade": s.self_grade,
            "complete": s.complete,
            "indicators": [i.to_dict() for i in s.indicators]}


def assess(path: Path, rules: str | None = None, limits: Limits | None = None,
           previous: Mapping[tuple[str, int], Reported] | None = None,
           budgets: list[Budget] | None = None,
           targets: Mapping[tuple[str, int], list[Declared]] | None = None) -> Assessment:
    """Read, recompute, audit and score the workbook at ``path`` (never modified), reading within ``limits``.

    ``previous`` holds last year's reported figures by unit (see ``audit/previous.py``); the unit's 上年数 are
    checked against them. ``budgets`` holds the units' budgets (``audit/budget.py``); the 预算数 are checked.
    ``targets`` holds the units' declared project targets (``audit/targets.py``), against which each project
    自评表 is checked.
    """
    book, plan = recognise(path, limits)
    digest = sha256_of(Path(path))
    cells = read_cells(book, plan)
    entries = read_entries(plan, cells)
    entries.findings += check_structure(book, plan, cells, limits or Limits())
    entries.findings += check_projects(book, plan, entries.inputs)
    intact = set(plan.formulas) - entries.tampered - set(entries.overrides)
    cells.cached = {k: v for k, v in cells.cached.items() if k in intact}
    engine = engine_for(plan)
    filed_from = {**entries.inputs, **entries.overrides}
    as_filed = engine.compute(filed_from)
    computed = engine.compute(entries.inputs) if entries.overrides else as_filed
    out = Assessment(Path(path), digest, plan, entries.inputs, entries.overrides,
                     as_filed, computed, list(entries.findings), filed_from=filed_from)
    out.findings += check_overrides(plan, engine, as_filed, entries.overrides)
    out.findings += check_cache(plan, cells.cached, as_filed, entries.texts)
    out.findings += apply_rules(plan, engine, as_filed)
    out.findings += check_presence(plan, as_filed, rules_for(plan, engine))
    before = last_year(previous, plan) if previous else None
    if before:
        out.findings += check_previous(plan, as_filed, before)
    budget = budget_for(budgets, plan) if budgets else None
    if budget:
        out.findings += check_budget(plan, as_filed, budget)
    if targets:
        out.findings += check_targets(plan, as_filed, dict(targets))
    score(out, rules)
    written = read_explanations(book, limits)
    out.findings += check_written(written)
    tables = {t: i for i, t in enumerate(plan.layouts)}
    out.findings.sort(key=lambda f: (f.severity != ERROR, tables.get(f.table, -1), cell_position(f.cell)))
    assign_ids(out.findings)
    carry(out.findings, written)
    return out


def cell_position(cell: str | None) -> tuple[int, int]:
    """(row, column) of an A1 address, for sorting findings in reading order; (0, 0) for none (remembered: the
    findings of a layout fall on the same cells)."""
    if not cell:
        return 0, 0
    at = _CELL_POSITIONS.get(cell)
    if at is None:
        at = _cell_position(cell)
        if len(_CELL_POSITIONS) < 1 << 14:
            _CELL_POSITIONS[cell] = at
    return at


_CELL_POSITIONS: dict[str, tuple[int, int]] = {}


def _cell_position(cell: str) -> tuple[int, int]:
    letters = cell.rstrip("0123456789")
    column = 0
    for ch in letters.upper():
        column = column * 26 + ord(ch) - 64
    digits = cell[len(letters):]
    return int(digits) if digits.isdigit() else 0, column


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's content (how a submission is told apart from another, and from itself re-sent);
    a file that cannot be read is an ``unreadable`` failure."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(2**20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise UnreadableWorkbook("unreadable", path.name, os_reason(exc)) from None
    return digest.hexdigest()


@lru_cache(maxsize=32)
def _scoring_plan(year: int, tables: tuple[str, ...], counts: tuple[tuple[str, int], ...], rules: str) -> WorkbookPlan:
    """The plan a workbook is scored with when its own has no 评分表 of ``rules`` (laid out once per process)."""
    return plan_workbook(year, "", "", list(tables), dict(counts), rules)


def score(a: Assessment, rules: str | None) -> None:
    """Fill in ``a.evaluation`` (评分表 rules, from the 评分表 or from 附件1 alone) and ``a.self_evaluation``.

    ``rules`` (default: the rule set the workbook's 评分表 was made from, else the bundled default) may differ
    from the workbook's: the 评分表 is then laid out anew from it and the evaluator's entries carried over by id.
    """
    plan = a.plan
    for_projects = rules if rules and is_project_ruleset(rules) else None
    a.projects = score_projects(plan, a.computed, a.as_filed, for_projects)
    rules = (None if for_projects else rules) or plan.rules or DEFAULT_RULES
    if "pj" in plan.layouts or "fj1" in plan.layouts:
        if plan.rules == rules:
            scoring, computed, as_filed = plan, a.computed, a.as_filed
        else:  # score what the workbook allows; evaluator inputs it lacks stay blank (not assessable)
            scoring = _scoring_plan(plan.year, tuple(dict.fromkeys([*plan.layouts, "pj"])),
                                    tuple(sorted(plan.counts.items())), rules)
            known = {f.key for f in scoring.fields()}
            engine = engine_for(scoring)
            inputs = {k: v for k, v in a.inputs.items() if k in known}
            computed = engine.compute(inputs)
            as_filed = engine.compute({**inputs, **{k: v for k, v in a.overrides.items() if k in known}})
        a.evaluation = score_evaluation(scoring, computed, as_filed, rules, None if scoring is plan else plan)
        if scoring is not plan:
            for ind in a.evaluation.indicators:
                ind.cell = None  # the 评分表 is not in the workbook
        a.findings += a.evaluation.findings
    if "fj2" in plan.layouts:
        a.self_evaluation = score_self_evaluation(plan, a.computed, a.as_filed, rules)
        a.findings += a.self_evaluation.findings
    for p in a.projects:
        a.findings += p.scores.findings
