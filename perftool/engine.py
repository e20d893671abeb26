"""Recompute formula cells: each formula compiled once per layout (``formula.py``), then evaluated in order."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from .definitions.workbook import WorkbookPlan
from .errors import DefinitionError
from .formula import Position, compile_formula


class CompiledFormula:
    """One formula in A1 form, compiled, with the field keys it reads (a tuple, in the order of the set they were
    collected in, and slots: a set and a ``__dict__`` each kept ~3 MB more of a 500-row set's ~14,000 formulas)."""

    __slots__ = ("text", "function", "dependencies")

    def __init__(self, text: str, sheet: str, positions: Mapping[Position, str]):
        self.text = text
        try:
            self.function, keys = compile_formula(text, sheet, positions)
        except ValueError as exc:  # FormulaSyntaxError, or a reference openpyxl cannot read
            raise DefinitionError(f"公式无法解析：={text}（{exc}）") from exc
        self.dependencies: tuple[str, ...] = tuple(keys)

    def __call__(self, values: Mapping[str, Any]) -> Any:
        """The result as a plain value: float, str, bool, None (blank) or an error text such as ``#DIV/0!``."""
        return self.function(values)


class Positions(Mapping[Position, str]):
    """Field keys by (sheet, row, column), looked up in the layouts' own maps of their cells (no copy of them: a
    500-row set has ~58,000 fields)."""

    def __init__(self, plan: WorkbookPlan):
        self._cells = {lay.sheet: lay.cell_fields for lay in plan.layouts.values()}

    def __getitem__(self, position: Position) -> str:
        sheet, r, c = position
        return self._cells[sheet][(r, c)].key

    def get(self, position: Position, default: Any = None) -> Any:
        sheet, r, c = position
        cells = self._cells.get(sheet)
        field = cells.get((r, c)) if cells is not None else None
        return default if field is None else field.key

    def __iter__(self) -> Iterator[Position]:
        return ((sheet, r, c) for sheet, cells in self._cells.items() for r, c in cells)

    def __len__(self) -> int:
        return sum(map(len, self._cells.values()))


class Engine:
    """All formula cells of a plan, compiled and ordered so that each is computed after what it reads."""

    def __init__(self, plan: WorkbookPlan):
        self.positions = Positions(plan)
        self.compiled = {key: CompiledFormula(t.text, plan.field(key).sheet, self.positions)
                         for key, t in plan.formulas.items()}
        self.order = _topological(self.compiled)
        self._functions = [self.compiled[key].function for key in self.order]  # beside ``order``: no call through

    def compute(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Values of every field: ``inputs`` as given, every other formula computed from them.

        A formula key present in ``inputs`` is a constant typed over that formula: it is kept, and what reads it
        is computed from it, as a spreadsheet would.
        """
        values = dict(inputs)
        for key, function in zip(self.order, self._functions):
            if key not in inputs:
                values[key] = function(values)
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


#: Engines by definitions and row counts, least recently used first: a batch whose units chose many row counts
#: keeps the last few (one of 500 rows per 科目 table holds ~16 MB), not one per count.
_ENGINES: OrderedDict[tuple[str, tuple[tuple[str, int], ...]], Engine] = OrderedDict()
CACHED_ENGINES = 8


def engine_for(plan: WorkbookPlan) -> Engine:
    """The compiled engine for ``plan``'s definitions and row counts (compiled once per process while it is among
    the ``CACHED_ENGINES`` last used)."""
    signature = (plan.digest, tuple(sorted(plan.counts.items())))
    if signature in _ENGINES:
        _ENGINES.move_to_end(signature)
    else:
        _ENGINES[signature] = Engine(plan)
        if len(_ENGINES) > CACHED_ENGINES:
            _ENGINES.popitem(last=False)
    return _ENGINES[signature]
