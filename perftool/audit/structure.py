"""Structure checks: what became of the template's sheets, protection, merges and labels, and what a submission
carries that perftool never follows (external links, DDE, hyperlinks) or must not pass on (formula-like text).
"""

from __future__ import annotations

from ..excel import get_column_letter
from ..definitions.workbook import WorkbookPlan
from ..generate.styles import FORMULA_LEADS
from ..identity import FINDINGS_SHEET, SCORES_SHEET, SHEET
from ..read.workbook import Cells, changed_labels
from ..read.xlsx import Book, Limits, text_length
from .findings import Finding, at, describe, on

#: Hyperlinks reported one by one on a sheet; the rest are counted in one more finding.
LISTED_LINKS = 20


def check_structure(book: Book, plan: WorkbookPlan, cells: Cells, limits: Limits) -> list[Finding]:
    """Warnings and errors about the workbook as a whole; none of them stops the scoring."""
    out: list[Finding] = []
    expected = [lay.sheet for lay in plan.layouts.values()]
    added = [s for s in book.sheetnames if s not in (*expected, SHEET, FINDINGS_SHEET, SCORES_SHEET)]
    if added:
        out.append(on("sheet-added", None, None, None, f"增加了表样以外的工作表：{'、'.join(added)}（不参与审核）"))
    present = [s for s in book.sheetnames if s in expected]
    if present != expected:
        out.append(on("sheet-reordered", None, None, None,
                      f"工作表顺序为 {'、'.join(present)}，表样为 {'、'.join(expected)}"))
    for layout in plan.layouts.values():
        sheet, tid = book.sheets[layout.sheet], layout.table.id
        if not sheet.protected:
            out.append(on("protection-removed", tid, sheet.name, None, f"工作表“{sheet.name}”的保护已被取消"))
        for r, c in changed_labels(sheet, layout):
            where = f"{get_column_letter(c + 1)}{r + 1}"
            out.append(on("label-changed", tid, sheet.name, where,
                          f"{sheet.name}!{where} 的栏目名称被改为“{sheet.value(r, c)}”，表样为“{layout.labels[(r, c)]}”"))
        for r1, c1, r2, c2 in sorted(set(layout.merges) - sheet.merges):
            where = f"{get_column_letter(c1 + 1)}{r1 + 1}:{get_column_letter(c2 + 1)}{r2 + 1}"
            out.append(on("merge-broken", tid, sheet.name, where.split(":")[0],
                          f"{sheet.name}!{where} 的合并单元格被拆分"))
        for ref in sheet.hyperlinks[:LISTED_LINKS]:
            out.append(on("hyperlink-present", tid, sheet.name, ref.split(":")[0],
                          f"{sheet.name}!{ref} 带有超链接（未打开，也不会出现在输出中）"))
        if len(sheet.hyperlinks) > LISTED_LINKS:
            out.append(on("hyperlink-present", tid, sheet.name, None,
                          f"{sheet.name} 另有 {len(sheet.hyperlinks) - LISTED_LINKS} 处超链接（未打开）"))
        for where, formula in sheet.external[:LISTED_LINKS]:
            out.append(on("external-reference", tid, sheet.name, where,
                          f"{sheet.name}!{where} 的公式引用外部文件或程序（未计算，按表样公式处理）",
                          {"公式": "=" + formula[:200]}))
        if len(sheet.external) > LISTED_LINKS:
            out.append(on("external-reference", tid, sheet.name, None,
                          f"{sheet.name} 另有 {len(sheet.external) - LISTED_LINKS} 个公式引用外部文件或程序"))
    for link in book.external_links[:LISTED_LINKS]:
        out.append(on("external-reference", None, None, None, f"工作簿含外部链接 {link}（未打开）"))
    if len(book.external_links) > LISTED_LINKS:
        out.append(on("external-reference", None, None, None,
                      f"工作簿另有 {len(book.external_links) - LISTED_LINKS} 个外部链接或名称引用外部内容（未打开）"))
    for f in plan.fields():
        value = cells.values.get(f.key)
        if not isinstance(value, str):
            continue
        if text_length(value) > limits.text:
            out.append(at("text-too-long", f, f"{describe(f)} 的文本有 {text_length(value)} 字，超过 {limits.text} 字",
                          {"开头": value[:60] + "…"}))
        if f.type == "text" and value.lstrip().startswith(FORMULA_LEADS):
            out.append(at("text-formula-like", f, f"{describe(f)} 的文本以“{value.lstrip()[0]}”开头，"
                          "按文本读取；输出时加引号前缀，不会成为公式", {"填报值": value[:200]}))
    return out
