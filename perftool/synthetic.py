"""Synthetic submissions made with perftool itself: random plausible entries, optionally with injected mistakes.

Used by ``make bench`` (a corpus of full-set workbooks) and by the tests (LibreOffice agreement, fuzzing).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from .definitions.workbook import WorkbookPlan, plan_workbook
from .generate.render import render


def random_inputs(plan: WorkbookPlan, seed: int) -> dict[str, Any]:
    """Plausible values for every input, so that every formula path is exercised."""
    rnd = random.Random(seed)
    inputs: dict[str, Any] = {}
    for f in plan.fields():
        if f.kind != "input":
            continue
        if f.type in ("amount", "number"):
            inputs[f.key] = round(rnd.uniform(0, 5000), 2) if rnd.random() > 0.1 else 0
        elif f.type == "count":
            inputs[f.key] = rnd.randint(0, 60)
        elif f.type == "percent":
            inputs[f.key] = round(rnd.uniform(0.4, 1.3), 4)
        elif f.type == "score":
            inputs[f.key] = round(rnd.uniform(0, 10), 1)
        elif f.type == "choice":
            inputs[f.key] = rnd.choice(f.options)
        elif f.type == "code":
            inputs[f.key] = rnd.choice(["201", "20103", "2010301", "208", "20805"])
        elif f.type == "date":
            inputs[f.key] = dt.date(plan.year + 1, rnd.randint(1, 12), rnd.randint(1, 28))
        elif f.type == "text":
            inputs[f.key] = "文字"
    return inputs


def inject_mistakes(plan: WorkbookPlan, inputs: dict[str, Any], seed: int, count: int = 5) -> dict[str, Any]:
    """``inputs`` with ``count`` typical mistakes: text in amounts, figures typed over totals, negatives."""
    rnd = random.Random(seed)
    out = dict(inputs)
    amounts = [f.key for f in plan.fields() if f.kind == "input" and f.type == "amount"]
    totals = [f.key for f in plan.fields() if f.kind == "formula" and f.type == "amount"]
    for _ in range(count):
        kind = rnd.choice(("text", "override", "negative"))
        if kind == "text" and amounts:
            key = rnd.choice(amounts)
            out[key] = f"{inputs.get(key) or 0:,.2f}万元"  # from the clean entry: a key may be drawn twice
        elif kind == "override" and totals:
            out[rnd.choice(totals)] = round(rnd.uniform(0, 9999), 2)
        elif amounts:
            out[rnd.choice(amounts)] = -round(rnd.uniform(1, 99), 2)
    return out


def full_plan(year: int = 2024, index: int = 0, rows: int | None = None) -> WorkbookPlan:
    """A full-set plan (all 公开 tables, 附件1, 附件2 and the 评分表) for synthetic unit ``index``.

    ``rows`` sets the number of rows of every repeat group (科目 tables, 专项资金); default: the definitions'.
    """
    return plan_workbook(year, f"合成单位{index:04d}", f"9{index:05d}", counts={"*": rows} if rows else None)


def write_corpus(folder: Path, count: int, year: int = 2024, mistakes: int = 5, rows: int | None = None) -> list[Path]:
    """``count`` full-set workbooks with random entries, every other one with ``mistakes`` injected."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        plan = full_plan(year, i, rows)
        inputs = {**plan.default_inputs(), **random_inputs(plan, i)}
        if mistakes and i % 2:
            inputs = inject_mistakes(plan, inputs, i, mistakes)
        path = folder / f"{i:04d}.xlsx"
        render(plan, inputs, path)
        paths.append(path)
    return paths
