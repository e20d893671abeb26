"""A workbook plan: the tables chosen for a fiscal year and unit, laid out, with every formula translated."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..errors import UsageError
from .catalog import catalog, edition_for, load_table
from .layout import lay_out, substitute
from .model import Field, RepeatDef, TableLayout
from .references import Translation, translate


@dataclass
class WorkbookPlan:
    """Everything needed to render, read or recompute one workbook."""

    year: int
    unit: str
    unit_code: str
    layouts: dict[str, TableLayout]
    counts: dict[str, int]
    formulas: dict[str, Translation] = field(default_factory=dict)

    @property
    def rules(self) -> str | None:
        """The rule set of the 评分表, if the plan has one."""
        return self.layouts["pj"].table.rules if "pj" in self.layouts else None

    @property
    def editions(self) -> dict[str, str]:
        return {tid: lay.table.edition for tid, lay in self.layouts.items()}

    @property
    def digest(self) -> str:
        """Hash of the definitions used (table YAML and rule sets), so a reader can recognise the version."""
        h = hashlib.sha256()
        for tid, lay in self.layouts.items():
            h.update(f"{tid}:{lay.table.edition}:{lay.table.digest}\n".encode())
        return h.hexdigest()[:16]

    def default_inputs(self) -> dict[str, Any]:
        """Pre-filled inputs declared by the definitions (``defaults:``), with ``{unit}``/``{year}`` filled in."""
        context = {"year": str(self.year), "prev_year": str(self.year - 1), "unit": self.unit}
        return {f"{tid}.{name}": substitute(value, context)
                for tid, lay in self.layouts.items() for name, value in lay.table.defaults.items()}

    def fields(self) -> list[Field]:
        return [f for lay in self.layouts.values() for f in lay.fields.values()]

    def field(self, key: str) -> Field:
        table = key.split(".", 1)[0]
        return self.layouts[table].fields[key]


def available_tables(year: int) -> list[str]:
    """Tables that have an edition for ``year``, in workbook order."""
    return [t for t in catalog()["order"] if edition_for(t, year) is not None]


#: The most rows one repeat group may have; a returned workbook's identity claiming more is refused before layout.
MAX_REPEAT_ROWS = 5000


def plan_workbook(year: int, unit: str = "", unit_code: str = "", tables: list[str] | None = None,
                  counts: dict[str, int] | None = None, rules: str | None = None) -> WorkbookPlan:
    """Choose editions, lay out the tables and translate their formulas.

    ``counts`` maps ``table.block`` (or ``*`` for every group) to the number of rows of a repeat group;
    ``rules`` names the rule set the 评分表 is laid out from (default: the one its definition names).
    """
    for name, n in (counts or {}).items():
        if n > MAX_REPEAT_ROWS:
            raise UsageError(f"可变行 {name} 为 {n} 行，最多 {MAX_REPEAT_ROWS} 行")
    order: list[str] = catalog()["order"]
    chosen = list(tables) if tables else available_tables(year)
    if not chosen:
        raise UsageError(f"{year} 年度没有可用的表样版本（templates/tables 中最早的版本晚于该年度）")
    for tid in list(chosen):
        if tid not in order:
            raise UsageError(f"未知的表：{tid}。可用的表：{'、'.join(order)}")
        for need in catalog().get("requires", {}).get(tid, []):
            if need not in chosen:
                chosen.append(need)
    chosen.sort(key=order.index)
    layouts, formulas = _laid_out(year, tuple(chosen), tuple(sorted((counts or {}).items())), rules)
    return WorkbookPlan(year, unit, unit_code, layouts,
                        {f"{t}.{b.name}": b.count for t, lay in layouts.items() for b in lay.blocks.values()}, formulas)


@lru_cache(maxsize=64)
def _laid_out(year: int, chosen: tuple[str, ...], count_items: tuple[tuple[str, int], ...], rules: str | None
              ) -> tuple[dict[str, TableLayout], dict[str, Translation]]:
    """Layouts and translated formulas of a set of tables (they do not depend on the unit; shared, read-only)."""
    counts = dict(count_items)
    context = {"year": str(year), "prev_year": str(year - 1)}
    layouts: dict[str, TableLayout] = {}
    for tid in chosen:
        edition = edition_for(tid, year)
        if edition is None:
            raise UsageError(f"表 {tid} 没有适用于 {year} 年度的版本（最早版本：{_first_edition(tid)} 年度）")
        table = load_table(tid, edition, rules if tid == "pj" else None)
        table_counts = {name.split(".", 1)[1]: n for name, n in counts.items() if name.startswith(tid + ".")}
        if "*" in counts:
            table_counts = {**{r.name: counts["*"] for r in table.rows if isinstance(r, RepeatDef)}, **table_counts}
        layouts[tid] = lay_out(table, table_counts, context)
    formulas = {f.key: translate(f.expr or "", lay, layouts, f.block, f.index)
                for lay in layouts.values() for f in lay.fields.values() if f.kind == "formula"}
    return layouts, formulas


def _first_edition(tid: str) -> str:
    from .catalog import editions

    found = editions(tid)
    return str(found[0]) if found else "无"
