"""A workbook plan: the tables chosen for a fiscal year and unit, laid out, with every formula translated."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..errors import UsageError
from .catalog import catalog, edition_for, load_table, table_set
from .layout import lay_out, substitute
from .model import Field, RepeatDef, TableLayout
from .projects import Project, base_table, instances
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
    table_set: str = ""  # the id of the named set the workbook was issued as ("" for a free choice of tables)
    members: tuple[str, ...] = ()  # a 汇总 workbook: the units it adds up
    projects: dict[str, Project] = field(default_factory=dict)  # instance key → project (per-project tables)

    @property
    def table_ids(self) -> list[str]:
        """The table definitions of the workbook, in order (a per-project table once, however many projects)."""
        return list(dict.fromkeys(base_table(key) for key in self.layouts))

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
        out: dict[str, Any] = {}
        for tid, lay in self.layouts.items():
            project = self.projects.get(tid)
            own = project.context() if project else {}
            for name, value in lay.table.defaults.items():
                placeholder = value[1:-1] if isinstance(value, str) and value.startswith("{") else None
                if placeholder in own:  # a project's own figure keeps its type; a missing one is left blank
                    if own[placeholder] not in (None, ""):
                        out[f"{tid}.{name}"] = own[placeholder]
                    continue
                out[f"{tid}.{name}"] = substitute(value, context)
        return out

    def fields(self) -> list[Field]:
        return [f for lay in self.layouts.values() for f in lay.fields.values()]

    def field(self, key: str) -> Field:
        table = key.split(".", 1)[0]
        return self.layouts[table].fields[key]


def available_tables(year: int) -> list[str]:
    """Tables that have an edition for ``year``, in catalogue order."""
    return [t for t in catalog()["order"] if edition_for(t, year) is not None]


#: The most rows one repeat group may have; a returned workbook's identity claiming more is refused before layout.
MAX_REPEAT_ROWS = 5000


def plan_workbook(year: int, unit: str = "", unit_code: str = "", tables: list[str] | None = None,
                  counts: dict[str, int] | None = None, rules: str | None = None,
                  set_name: str | None = None, projects: list[dict[str, Any]] | None = None) -> WorkbookPlan:
    """Choose editions, lay out the tables and translate their formulas.

    The tables are ``tables`` if given (in catalogue order), else those of the table set ``set_name`` (its id or
    Chinese name; default: the default set) that have an edition for ``year``, in the set's order. ``counts`` maps
    ``table.block`` (or ``*`` for every group) to the number of rows of a repeat group; ``rules`` names the rule
    set the 评分表 is laid out from (default: the one its definition names). ``projects`` (dicts with name, code,
    dept, budget) instance every per-project table once per project, each on its own sheet (``projects.py``).
    """
    for name, n in (counts or {}).items():
        if n > MAX_REPEAT_ROWS:
            raise UsageError(f"可变行 {name} 为 {n} 行，最多 {MAX_REPEAT_ROWS} 行")
    order: list[str] = catalog()["order"]
    chosen_set = table_set(set_name) if set_name or not tables else None
    if tables:
        chosen = list(tables)
        if chosen_set is not None:
            outside = [t for t in chosen if t not in chosen_set.tables]
            if outside:
                raise UsageError(f"表 {'、'.join(outside)} 不属于表套 {chosen_set.name}"
                                 f"（其表为 {'、'.join(chosen_set.tables)}）")
    else:
        chosen = chosen_set.tables_for(year) if chosen_set else []
    if not chosen:
        raise UsageError(f"{year} 年度没有可用的表样版本（templates/tables 中最早的版本晚于该年度）")
    for tid in list(chosen):
        if tid not in order:
            raise UsageError(f"未知的表：{tid}。可用的表：{'、'.join(order)}")
        for need in catalog().get("requires", {}).get(tid, []):
            if need not in chosen:
                chosen.append(need)
    place = chosen_set.tables if chosen_set else order
    chosen.sort(key=lambda t: (t not in place, place.index(t) if t in place else order.index(t)))
    found = _instances(year, chosen, projects or [])
    places = tuple((p.key, p.table, p.sheet) for p in found)
    layouts, formulas = _laid_out(year, tuple(chosen), tuple(sorted((counts or {}).items())), rules, places)
    return WorkbookPlan(year, unit, unit_code, layouts,
                        {f"{t}.{b.name}": b.count for t, lay in layouts.items() for b in lay.blocks.values()}, formulas,
                        chosen_set.id if chosen_set else "", projects={p.key: p for p in found})


def _instances(year: int, chosen: list[str], projects: list[dict[str, Any]]) -> list[Project]:
    """The project instances of the chosen per-project tables (none without projects: one blank sheet each)."""
    if not projects:
        return []
    tables = {tid: load_table(tid, edition_for(tid, year)) for tid in chosen if edition_for(tid, year) is not None}
    per_project = [(tid, t.sheet) for tid, t in tables.items() if t.per_project]
    if not per_project:
        raise UsageError(f"所选的表（{'、'.join(chosen)}）没有按项目填报的表，不能按项目清单生成；"
                         "请用 --set 选择项目表套（见 perftool templates）")
    return instances(per_project, projects, {t.sheet for t in tables.values() if not t.per_project})


@lru_cache(maxsize=8)  # a batch of many row counts lays a count out again rather than keep ~30 MB per 500-row set
def _laid_out(year: int, chosen: tuple[str, ...], count_items: tuple[tuple[str, int], ...], rules: str | None,
              places: tuple[tuple[str, str, str], ...] = ()) -> tuple[dict[str, TableLayout], dict[str, Translation]]:
    """Layouts and translated formulas of a set of tables (they do not depend on the unit; shared, read-only).

    ``places`` lists the project instances ``(key, table, sheet)``: their table is laid out once for each.
    """
    counts = dict(count_items)
    context = {"year": str(year), "prev_year": str(year - 1)}
    layouts: dict[str, TableLayout] = {}
    for tid in chosen:
        edition = edition_for(tid, year)
        if edition is None:
            raise UsageError(f"表 {tid} 没有适用于 {year} 年度的版本（最早版本：{_first_edition(tid)} 年度）")
        table = load_table(tid, edition, rules, frozenset(chosen)) if tid == "pj" else load_table(tid, edition)
        copies = [(key, sheet) for key, base, sheet in places if base == tid] or [(tid, table.sheet)]
        for key, sheet in copies:
            table_counts = _counts_of(counts, table, tid)
            table_counts.update({name.split(".", 1)[1]: n for name, n in counts.items()
                                 if key != tid and name.startswith(key + ".")})
            instance = table if key == tid else dataclasses.replace(table, id=key, sheet=sheet)
            layouts[key] = lay_out(instance, table_counts, context)
    formulas = {f.key: translate(f.expr or "", lay, layouts, f.block, f.index)
                for lay in layouts.values() for f in lay.fields.values() if f.kind == "formula"}
    return layouts, formulas


def _counts_of(counts: dict[str, int], table: Any, tid: str) -> dict[str, int]:
    """Rows per repeat group of ``table``: ``*`` for every group, then ``tid.group`` entries."""
    out = {r.name: counts["*"] for r in table.rows if isinstance(r, RepeatDef)} if "*" in counts else {}
    out.update({name.split(".", 1)[1]: n for name, n in counts.items() if name.startswith(tid + ".")})
    return out


def _first_edition(tid: str) -> str:
    from .catalog import editions

    found = editions(tid)
    return str(found[0]) if found else "无"
