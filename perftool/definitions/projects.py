"""Tables instanced once per project: each project of a unit gets its own sheet, repeat rows and field keys.

A table whose YAML says ``per: project`` is laid out once for every project of the plan. The instance's key
(``xmzpjm@2``) stands where a table id stands everywhere else (field keys ``xmzpjm@2.annual[0].score``, row
counts ``xmzpjm@2.annual``), so generating, reading, recomputing and auditing need no special case; the
project's identity (name, code, 主管部门, 预算数) travels in the workbook identity and fills the sheet's
``defaults:`` placeholders ``{project}``, ``{project_code}``, ``{dept}`` and ``{budget}``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import UsageError

MAX_SHEET_NAME = 31  # Excel's limit
_FORBIDDEN = re.compile(r"[\[\]:*?/\\'\x00-\x1f]")
RESERVED_SHEETS = {"history"}  # Excel refuses a sheet called History


@dataclass(frozen=True)
class Project:
    """One project of a unit as issued: where its sheet is and who it is."""

    key: str  # the instance key, ``<table>@<n>``
    table: str  # the table definition it is an instance of
    sheet: str
    name: str
    code: str = ""
    dept: str = ""
    budget: float | None = None

    def context(self) -> dict[str, Any]:
        """The placeholders a table's ``defaults:`` may use for this project."""
        return {"project": self.name, "project_code": self.code, "dept": self.dept, "budget": self.budget}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def instance_key(table: str, n: int) -> str:
    """The key of the ``n``-th (1-based) project instance of ``table``."""
    return f"{table}@{n}"


def base_table(key: str) -> str:
    """The table id of a layout key: ``xmzpjm@2`` → ``xmzpjm``; a plain table id is returned as it is."""
    return key.split("@", 1)[0]


def sheet_name(label: str, taken: set[str]) -> str:
    """An Excel-safe sheet name ≤ 31 characters from ``label``, unique among ``taken`` (Excel ignores case)."""
    base = " ".join(_FORBIDDEN.sub("", label).split())[:MAX_SHEET_NAME].strip() or "项目"
    used = {t.casefold() for t in taken} | RESERVED_SHEETS
    candidate, k = base, 2
    while candidate.casefold() in used:
        suffix = f"({k})"
        candidate, k = base[:MAX_SHEET_NAME - len(suffix)] + suffix, k + 1
    return candidate


def instances(tables: list[tuple[str, str]], specs: list[dict[str, Any]], taken: set[str]) -> list[Project]:
    """The projects of ``specs`` (name, code, dept, budget) as instances of each ``(table id, sheet)`` given.

    Sheets are named ``1.项目名称`` (with several per-project tables: ``1.项目申报-项目名称``), unique among
    ``taken`` and each other.
    """
    seen: dict[str, str] = {}
    for spec in specs:
        name, code = str(spec.get("name") or "").strip(), str(spec.get("code") or "").strip()
        if not name:
            raise UsageError("项目清单中有项目名称为空的行，请补全项目名称")
        if code and code in seen:
            raise UsageError(f"项目编码 {code} 重复：“{seen[code]}”与“{name}”，请核对项目清单")
        seen[code] = name
    names, out = set(taken), []
    for table, sheet in tables:
        for n, spec in enumerate(specs, start=1):
            name = str(spec["name"]).strip()
            title = sheet_name(f"{n}.{name}" if len(tables) == 1 else f"{n}.{sheet}-{name}", names)
            names.add(title)
            budget = spec.get("budget")
            out.append(Project(instance_key(table, n), table, title, name, str(spec.get("code") or "").strip(),
                               str(spec.get("dept") or "").strip(),
                               float(budget) if isinstance(budget, (int, float)) and not isinstance(budget, bool)
                               else None))
    return out


def issued(projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The projects a workbook was issued for, once each, in order, from its instances (``Project.to_dict()``)."""
    first = projects[0]["table"] if projects else None
    return [{k: p.get(k) for k in ("name", "code", "dept", "budget")} for p in projects if p["table"] == first]
