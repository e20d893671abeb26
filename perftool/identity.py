"""The identity a generated workbook carries, so that a reader can recognise template, edition, year and unit."""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

from . import __version__

SHEET = "_perftool"
FORMAT = "perftool-workbook/1"
#: Sheets an annotated copy puts before the tables (a returned copy may come back with them).
FINDINGS_SHEET, SCORES_SHEET = "审核结果", "评分结果"
#: Header labels of the 审核结果 columns read back (by label, not position): the unit's 说明, the cell a finding
#: is at, and the hidden finding id and fingerprint of its values.
EXPLANATION_HEADER, CELL_HEADER, ID_HEADER, FINGERPRINT_HEADER = "说明", "单元格", "审核编号", "数据指纹"
EXPLANATION_LIMIT = 500  # characters of one 说明
ERROR_PLACEHOLDER = "须修改，说明不能代替修改"  # shown in an error's empty 说明 cell; read back as empty


@dataclass
class Identity:
    """What a workbook says about itself, stored as key/value rows on a very hidden sheet."""

    year: int
    unit: str
    unit_code: str
    tables: list[str]
    editions: dict[str, str]
    counts: dict[str, int]
    digest: str
    generated_at: str
    rules: str = ""  # the 评分表's rule set, when the workbook has one
    table_set: str = ""  # the id of the table set it was issued as ("" for a free choice of tables)
    members: list[str] = field(default_factory=list)  # a 汇总 workbook: the units it adds up
    projects: list[dict[str, Any]] = field(default_factory=list)  # per-project sheets (definitions/projects.py)
    format: str = FORMAT
    perftool_version: str = __version__

    def rows(self) -> list[tuple[str, str]]:
        """Key/value pairs as written into the identity sheet (lists and mappings as JSON)."""
        out = []
        for key, value in asdict(self).items():
            out.append((key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
        return out

    @classmethod
    def from_rows(cls, rows: dict[str, Any]) -> Identity:
        """Inverse of :meth:`rows`; raises KeyError, ValueError or TypeError on missing or altered entries."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in rows:
                if f.default is MISSING and f.default_factory is MISSING:
                    raise KeyError(f.name)
                continue
            raw = rows[f.name]
            values[f.name] = str(raw if raw is not None else "") if f.type == "str" else json.loads(str(raw))
        return cls(**values)
