"""Find and load the table definitions of ``templates/``: the fiscal year selects each table's edition."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import DefinitionError, UsageError
from .cells import parse_cell
from .model import Column, RepeatDef, TableDef
from .references import check_functions
from .cells import Formula


def templates_dir() -> Path:
    """``$PERFTOOL_TEMPLATES``, else the ``templates/`` folder of the source tree or of the installed package."""
    env = os.environ.get("PERFTOOL_TEMPLATES")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "templates", here / "templates"):
        if (candidate / "catalog.yaml").is_file():
            return candidate
    raise UsageError("找不到模板目录 templates/（可用环境变量 PERFTOOL_TEMPLATES 指定）")


def read_yaml(path: Path) -> tuple[Any, bytes]:
    """Parse a YAML file; return its content and its bytes (for hashing)."""
    data = path.read_bytes()
    try:
        return yaml.safe_load(data), data
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path}：YAML 格式错误：{exc}") from exc


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


def editions(table_id: str) -> list[int]:
    """The edition years available for ``table_id``, oldest first."""
    folder = templates_dir() / "tables" / table_id
    return sorted(int(p.stem) for p in folder.glob("*.yaml") if p.stem.isdigit())


def edition_for(table_id: str, year: int) -> int | None:
    """The newest edition of ``table_id`` not later than ``year``, or None."""
    usable = [e for e in editions(table_id) if e <= year]
    return usable[-1] if usable else None


@lru_cache(maxsize=64)
def load_table(table_id: str, edition: int, rules: str | None = None) -> TableDef:
    """Load and check one table definition; ``rules`` replaces the rule set a 评分表 is laid out from."""
    path = templates_dir() / "tables" / table_id / f"{edition}.yaml"
    raw, data = read_yaml(path)
    source = f"templates/tables/{table_id}/{edition}.yaml"
    if not isinstance(raw, dict) or raw.get("id") != table_id:
        raise DefinitionError(f"{source}：id 应为 {table_id}")
    digest = hashlib.sha256(data).hexdigest()
    if "rules" in raw:
        from .scoresheet import scoresheet_rows  # the 评分表 is laid out from its rule set

        raw = {**raw, "rules": rules or raw["rules"], **scoresheet_rows(rules or raw["rules"])}
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
        source=source, digest=digest, rules=raw.get("rules"),
        previous={str(k): str(v) for k, v in (raw.get("previous") or {}).items()},
    )
