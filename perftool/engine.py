"""Recompute formula cells with the `formulas` library: each formula compiled once per layout, then evaluated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import formulas
import numpy as np
import schedula as sh
from openpyxl.utils.cell import range_boundaries

from .definitions.workbook import WorkbookPlan
from .errors import DefinitionError

Position = tuple[str, int, int]  # sheet, 0-based row, 0-based column


class CompiledFormula:
    """One formula in A1 form, compiled, with each of its inputs mapped to the field keys it covers."""

    def __init__(self, text: str, sheet: str, positions: Mapping[Position, str]):
        self.text = text
        try:
            self.function = formulas.Parser().ast("=" + text)[1].compile()
        except Exception as exc:  # formulas raises several unrelated types for bad syntax
            raise DefinitionError(f"公式无法解析：={text}（{exc}）") from exc
        self.inputs: list[list[list[str | None]]] = []
        for name in self.function.inputs:
            ref_sheet, _, ref = name.rpartition("!")
            ref_sheet = ref_sheet.strip("'") or sheet
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            self.inputs.append([[positions.get((ref_sheet, r - 1, c - 1)) for c in range(min_col, max_col + 1)]
                                for r in range(min_row, max_row + 1)])

    @property
    def dependencies(self) -> set[str]:
        return {key for grid in self.inputs for row in grid for key in row if key}

    def __call__(self, values: Mapping[str, Any]) -> Any:
        # Every reference, even one cell, goes in as a range: SUM(A1) ignores text in A1 as spreadsheets do.
        args = [np.array([[_operand(values.get(k) if k else None) for k in row] for row in grid], dtype=object)
                for grid in self.inputs]
        return plain(self.function(*args))


def _operand(value: Any) -> Any:
    return sh.EMPTY if value is None else value


def plain(result: Any) -> Any:
    """A formula result as a Python value: float, str, bool, None (blank) or an error text such as ``#DIV/0!``."""
    if isinstance(result, np.ndarray):
        result = result.ravel()[0] if result.size else None
    if result is sh.EMPTY:
        return None
    if isinstance(result, formulas.tokens.operand.XlError):
        return str(result)
    if isinstance(result, (np.floating, np.integer)):
        return float(result)
    if isinstance(result, np.bool_):
        return bool(result)
    if isinstance(result, int) and not isinstance(result, bool):
        return float(result)
    return result


class Engine:
    """All formula cells of a plan, compiled and ordered so that each is computed after what it reads."""

    def __init__(self, plan: WorkbookPlan):
        self.positions: dict[Position, str] = {(f.sheet, f.row, f.col): f.key for f in plan.fields()}
        self.compiled = {key: CompiledFormula(t.text, plan.field(key).sheet, self.positions)
                         for key, t in plan.formulas.items()}
        self.order = _topological(self.compiled)

    def compute(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Values of every field: ``inputs`` as given, every other formula computed from them.

        A formula key present in ``inputs`` is a constant typed over that formula: it is kept, and what reads it
        is computed from it, as a spreadsheet would.
        """
        values = dict(inputs)
        for key in self.order:
            if key not in inputs:
                values[key] = self.compiled[key](values)
        return values


def _topological(compiled: dict[str, CompiledFormula]) -> list[str]:
    pending = {key: {d for d in c.dependencies if d in compiled} for key, c in compiled.items()}
    order: list[str] = []
    ready = [k for k, deps in pending.items() if not deps]
    dependants: dict[str, list[str]] = {}
    for key, deps in pending.items():
        for d in deps:
            dependants.setdefault(d, []).append(key)
    while ready:
        key = ready.pop()
        order.append(key)
        for other in dependants.get(key, []):
            pending[other].discard(key)
            if not pending[other]:
                ready.append(other)
    if len(order) != len(compiled):
        cycle = sorted(set(compiled) - set(order))[:5]
        raise DefinitionError(f"公式存在循环引用：{'、'.join(cycle)}")
    return order


_ENGINES: dict[tuple[str, tuple[tuple[str, int], ...]], Engine] = {}


def engine_for(plan: WorkbookPlan) -> Engine:
    """The compiled engine for ``plan``'s definitions and row counts (compiled once per process)."""
    signature = (plan.digest, tuple(sorted(plan.counts.items())))
    if signature not in _ENGINES:
        _ENGINES[signature] = Engine(plan)
    return _ENGINES[signature]
