"""The cell mini-language of table definitions.

In a YAML row each entry is one cell:

* ``~`` an empty bordered cell; ``"<"`` merged with the cell on its left; ``"^"`` merged with the cell above;
* a number or plain text is a label (``{year}`` and ``{prev_year}`` are filled in; labels are the same for
  every unit, whose name goes in the title block and in ``defaults:`` via ``{unit}``);
* ``"@id"`` or ``"@id:type"`` is an input cell (``"@id:choice:是/否"`` gives a list);
* ``"=id: EXPR"`` or ``"=id:type: EXPR"`` is a formula cell; ``{field}`` references in EXPR name other cells;
* a mapping ``{label: …}``, ``{input: id, type: …}`` or ``{formula: EXPR, id: …, type: …}`` says the same at length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import DefinitionError
from .types import TYPES


@dataclass(frozen=True)
class Blank:
    """An empty cell inside the table's border."""


@dataclass(frozen=True)
class Merge:
    """A cell covered by a merge: ``direction`` is ``"left"`` or ``"up"``."""

    direction: str


@dataclass(frozen=True)
class Label:
    text: str | int | float


@dataclass(frozen=True)
class Input:
    id: str
    type: str = "amount"
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Formula:
    id: str
    expr: str
    type: str = "amount"


CellSpec = Blank | Merge | Label | Input | Formula

_INPUT = re.compile(r"^@([A-Za-z_]\w*)(?::([a-z]+))?(?::(.+))?$")
_FORMULA = re.compile(r"^=([A-Za-z_]\w*)(?::([a-z]+))?:\s+(.+)$", re.S)


def _check_type(name: str, where: str) -> str:
    if name not in TYPES:
        raise DefinitionError(f"{where}：未知的单元格类型“{name}”，可用类型：{'、'.join(TYPES)}")
    return name


def parse_cell(raw: Any, default_type: str, where: str) -> CellSpec:
    """Turn one YAML row entry into a cell spec; ``where`` names the place for error messages."""
    if raw is None:
        return Blank()
    if isinstance(raw, bool):
        raise DefinitionError(f"{where}：单元格不能是布尔值 {raw!r}")
    if isinstance(raw, (int, float)):
        return Label(raw)
    if isinstance(raw, dict):
        return _parse_mapping(raw, default_type, where)
    if not isinstance(raw, str):
        raise DefinitionError(f"{where}：无法识别的单元格 {raw!r}")
    if raw == "<":
        return Merge("left")
    if raw == "^":
        return Merge("up")
    if raw.startswith("@"):
        m = _INPUT.match(raw)
        if not m:
            raise DefinitionError(f"{where}：输入单元格写法应为 @字段 或 @字段:类型，实际为 {raw!r}")
        options = tuple(m.group(3).split("/")) if m.group(3) else ()
        return Input(m.group(1), _check_type(m.group(2) or default_type, where), options)
    if raw.startswith("="):
        m = _FORMULA.match(raw)
        if not m:
            raise DefinitionError(f"{where}：公式单元格写法应为 “=字段: 公式” ，实际为 {raw!r}")
        return Formula(m.group(1), m.group(3).strip(), _check_type(m.group(2) or default_type, where))
    return Label(raw)


def _parse_mapping(raw: dict[str, Any], default_type: str, where: str) -> CellSpec:
    if "label" in raw:
        return Label(raw["label"])
    if "input" in raw:
        return Input(str(raw["input"]), _check_type(raw.get("type", default_type), where),
                     tuple(raw.get("options", ())))
    if "formula" in raw:
        if "id" not in raw:
            raise DefinitionError(f"{where}：公式单元格缺少 id")
        return Formula(str(raw["id"]), str(raw["formula"]), _check_type(raw.get("type", default_type), where))
    raise DefinitionError(f"{where}：单元格映射须含 label、input 或 formula 之一：{raw!r}")
