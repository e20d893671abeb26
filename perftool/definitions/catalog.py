"""Find and load the table definitions of ``templates/``: the fiscal year selects each table's edition."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import DefinitionError, UsageError
from .cells import Formula, parse_cell
from .files import read_yaml, templates_dir
from .model import Column, RepeatDef, TableDef
from .references import check_functions
from .scoresheet import scoresheet_rows


@lru_cache(maxsize=1)
def definitions_digest() -> str:
    """Hash of every definition file (tables, rule sets, catalogue): results made with other ones are stale."""
    h = hashlib.sha256()
    root = templates_dir()
    for path in sorted(root.rglob("*.yaml")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    """``templates/catalog.yaml``: the table order of a workbook and each table's prerequisites."""
    content, _ = read_yaml(templates_dir() / "catalog.yaml")
    return content


@dataclass(frozen=True)
class TableSet:
    """A named set of tables a bureau issues as one workbook (``templates/sets/<id>.yaml``)."""

    id: str
    name: str
    tables: tuple[str, ...]
    default: bool = False
    required: tuple[str, ...] = ()  # tables a unit must return, filled or with their 说明 note


    def tables_for(self, year: int) -> list[str]:
        """The set's tables that have an edition for ``year``, in the set's order."""
        return [t for t in self.tables if edition_for(t, year) is not None]


@lru_cache(maxsize=1)
def table_sets() -> dict[str, TableSet]:
    """Every table set of ``templates/sets/``, by id; each names only tables of the catalogue, one is the default."""
    found: dict[str, TableSet] = {}
    order = catalog()["order"]
    for path in sorted((templates_dir() / "sets").glob("*.yaml")):
        raw, _ = read_yaml(path)
        source = f"templates/sets/{path.name}"
        if not isinstance(raw, dict) or raw.get("id") != path.stem or not raw.get("name") or not raw.get("tables"):
            raise DefinitionError(f"{source}：应有 id（与文件名相同）、name 和 tables")
        unknown = [t for t in raw["tables"] if t not in order]
        if unknown:
            raise DefinitionError(f"{source}：未知的表 {'、'.join(map(str, unknown))}（应先列入 catalog.yaml）")
        outside = [t for t in raw.get("required", []) if t not in raw["tables"]]
        if outside:
            raise DefinitionError(f"{source}：required 中的表 {'、'.join(map(str, outside))} 不在 tables 中")
        found[path.stem] = TableSet(path.stem, str(raw["name"]), tuple(raw["tables"]), bool(raw.get("default")),
                                    tuple(raw.get("required", [])))
    defaults = [s.id for s in found.values() if s.default]
    if len(defaults) != 1:
        raise DefinitionError(f"templates/sets：应恰有一个 default: true 的表套，实际为 {defaults or '无'}")
    return found


def table_set(name: str | None) -> TableSet:
    """The set called ``name`` (its id or its Chinese name); the default set for None."""
    sets = table_sets()
    if name is None:
        return next(s for s in sets.values() if s.default)
    for s in sets.values():
        if name in (s.id, s.name):
            return s
    listed = "；".join(f"{s.id}（{s.name}）" for s in sets.values())
    raise UsageError(f"未知的表套：{name}。可用的表套：{listed}")


def editions(table_id: str) -> list[int]:
    """The edition years available for ``table_id``, oldest first."""
    folder = templates_dir() / "tables" / table_id
    return sorted(int(p.stem) for p in folder.glob("*.yaml") if p.stem.isdigit())


def edition_for(table_id: str, year: int) -> int | None:
    """The newest edition of ``table_id`` not later than ``year``, or None."""
    usable = [e for e in editions(table_id) if e <= year]
    return usable[-1] if usable else None


@lru_cache(maxsize=64)
def load_table(table_id: str, edition: int, rules: str | None = None, present: frozenset[str] = frozenset()
               ) -> TableDef:
    """Load and check one table definition; ``rules`` replaces the rule set a 评分表 is laid out from, and
    ``present`` (the workbook's other tables) decides which of its rule set's ``from:`` links apply."""
    path = templates_dir() / "tables" / table_id / f"{edition}.yaml"
    raw, data = read_yaml(path)
    source = f"templates/tables/{table_id}/{edition}.yaml"
    if not isinstance(raw, dict) or raw.get("id") != table_id:
        raise DefinitionError(f"{source}：id 应为 {table_id}")
    digest = hashlib.sha256(data).hexdigest()
    if "rules" in raw:

        raw = {**raw, "rules": rules or raw["rules"], **scoresheet_rows(rules or raw["rules"], present)}
        digest = hashlib.sha256(data + raw.pop("rules_digest").encode()).hexdigest()
    return _table(raw, str(edition), source, digest)


def _table(raw: dict[str, Any], edition: str, source: str, digest: str) -> TableDef:
    default_type = raw.get("default_type", "amount")
    columns = [Column(float(c)) if not isinstance(c, dict) else Column(float(c["width"]), bool(c.get("hidden")))
               for c in raw["columns"]]

    def row(cells: list[Any], where: str) -> list:
        parsed = [parse_cell(c, default_type, f"{source} {where}") for c in cells]
        for cell in parsed:
            if isinstance(cell, Formula):
                check_functions(cell.expr, f"{source} {where}")
        return parsed

    rows: list = []
    for i, item in enumerate(raw.get("rows", [])):
        if isinstance(item, dict) and "repeat" in item:
            rows.append(RepeatDef(item["repeat"], int(item.get("count", 10)),
                                  row(item["cells"], f"可变行组 {item['repeat']}"), str(item.get("hint", ""))))
        else:
            rows.append(row(item, f"表体第 {i + 1} 行"))
    return TableDef(
        id=raw["id"], edition=edition, number=raw.get("number", ""), title=raw["title"], sheet=raw["sheet"],
        columns=columns, header=[row(h, f"表头第 {i + 1} 行") for i, h in enumerate(raw.get("header", []))],
        rows=rows, notes=list(raw.get("notes", [])), audit=list(raw.get("audit", [])),
        defaults=dict(raw.get("defaults", {})), amount_unit=raw.get("amount_unit", "万元"),
        landscape=bool(raw.get("landscape", False)), one_page=bool(raw.get("one_page", False)),
        repeat_captions=bool(raw.get("repeat_captions", True)), print_header=str(raw.get("print_header", "{year}年度")),
        source=source, digest=digest, rules=raw.get("rules"),
        previous={str(k): str(v) for k, v in (raw.get("previous") or {}).items()},
        budget=dict(raw.get("budget") or {}),
        budget_targets={str(k): str(v) for k, v in (raw.get("budget_targets") or {}).items()},
        per_project=raw.get("per") == "project", scoring=dict(raw.get("scoring") or {}),
        roles={str(k): str(v) for k, v in (raw.get("roles") or {}).items()},
        amount_label=str(raw.get("amount_label", "金额单位")), department_line=bool(raw.get("department_line", True)),
        heading=str(raw.get("heading", "")),
    )
