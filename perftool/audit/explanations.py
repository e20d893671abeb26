"""出错说明: the unit's explanations carried from the 审核结果 sheet it sent to this check's findings, by finding id.

A finding that disappeared drops its explanation; a new one has none; an explanation whose finding now has other
values (现场数据) is kept and flagged ``explanation_changed`` (数据已变) until the unit sends the file again; an
error keeps its explanation and stays an error.
"""

from __future__ import annotations

from ..identity import FINDINGS_SHEET
from ..read.explanations import Written
from .findings import Finding, on


def check_written(written: list[Written]) -> list[Finding]:
    """A warning at each 说明 cell that was refused (a formula, text starting with “=”, no finding or cell to
    attach it to) or cut to the limit."""
    out = []
    for w in written:
        where = f"{FINDINGS_SHEET}!{w.cell}"
        about = {"审核编号": w.finding} if w.finding else {"单元格": w.target}
        if w.problem == "formula":
            out.append(on("explanation-refused", None, FINDINGS_SHEET, w.cell,
                          f"{where} 的说明是公式或以“=”开头，未采用；请改写为文字说明后重新报送", about))
        elif w.problem == "no-target":
            out.append(on("explanation-refused", None, FINDINGS_SHEET, w.cell,
                          f"{where} 的说明没有对应的审核编号或单元格，未采用；请在同一行“单元格”栏填写位置（如 公开01!C8）"))
        elif w.problem == "too-long":
            out.append(on("explanation-too-long", None, FINDINGS_SHEET, w.cell,
                          f"{where} 的说明有 {w.length} 字，超过 {w.limit} 字，只采用了前 {w.limit} 字；"
                          "请精简后重新报送", {**about, "字数": w.length}))
    return out


def carry(findings: list[Finding], written: list[Written]) -> None:
    """Attach each 说明 to the finding of its id (its fingerprint tells whether the values changed); a 说明
    written in a template row, keyed only by its 单元格, goes to every finding at that cell."""
    by_id = {w.finding: w for w in written if w.finding and w.text}
    by_cell = {w.target: w for w in written if not w.finding and w.target and w.text}
    for f in findings:
        w = by_id.get(f.id)
        if w is not None:
            f.explanation, f.explanation_changed = w.text, w.fingerprint != f.fingerprint
        elif f.sheet and f.cell and f"{f.sheet}!{f.cell}" in by_cell:
            f.explanation = by_cell[f"{f.sheet}!{f.cell}"].text
