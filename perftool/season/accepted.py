"""The accepted submissions of a batch output folder, with their entries as filed: with a roster (``batch
--units``) the current submission of each 已通过 unit, else every scored submission without errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..batch.row import SCORED
from ..batch.run import SUMMARY_FORMAT
from ..errors import UsageError
from .consolidate import Member
from .roster import PASSED


@dataclass(frozen=True)
class Accepted:
    """One accepted submission: its year, table set and tables, and its entries."""

    year: int
    table_set: str
    tables: tuple[str, ...]
    member: Member
    file: str


def accepted(out: Path) -> tuple[list[Accepted], list[str]]:
    """The accepted submissions of the batch output ``out``, and a reason for each submission left out."""
    try:
        doc = json.loads((out / "汇总.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UsageError(f"{out} 中没有可用的 汇总.json：请先运行 perftool batch 收件目录 -o {out}") from None
    if not isinstance(doc, dict) or doc.get("format") != SUMMARY_FORMAT:
        raise UsageError(f"{out / '汇总.json'} 不是 perftool batch 的汇总文件（格式应为 {SUMMARY_FORMAT}）")
    if doc.get("complete") is False:
        raise UsageError(f"{out} 的批量审核尚未完成（或被中断）：请再运行一次 perftool batch 收件目录 -o {out}，完成后再汇总")
    found, skipped = [], []
    season = doc.get("season")
    if isinstance(season, dict):  # batch --units: the 已通过 units' current submissions only
        rows = [u for u in season.get("units", []) if u.get("status") == PASSED]
        skipped += [f"{u.get('unit')}：{u.get('status')}，未汇总" for u in season.get("units", [])
                    if u.get("status") != PASSED]
        skipped += [f"{o.get('unit') or o.get('file')}：{o.get('status')}，未汇总" for o in season.get("others", [])]
    else:
        rows = doc.get("rows", [])
    for row in rows:
        name = row.get("unit") or row.get("file", "")
        if row.get("status") not in (SCORED, PASSED):
            skipped.append(f"{name}：{row.get('status')}，未汇总")
            continue
        if row.get("errors"):
            skipped.append(f"{name}：有 {row['errors']} 条错误，未汇总")
            continue
        try:
            result = json.loads((out / row["result"]).read_text(encoding="utf-8"))
            template = result["template"]
            found.append(Accepted(int(result["year"]), str(template.get("set", "")), tuple(template["tables"]),
                                  Member(result["unit"], result["unit_code"], result["data"]["tables"]),
                                  row["file"]))
        except (OSError, ValueError, KeyError, TypeError):
            skipped.append(f"{name}：评分结果 {row.get('result')} 缺失或已损坏，未汇总（请重新运行 batch）")
    return found, skipped
