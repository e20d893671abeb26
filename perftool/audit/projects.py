"""Project sheets: each issued project's sheet still holds that project, and no project sheet was added."""

from __future__ import annotations

from typing import Any

from ..definitions.workbook import WorkbookPlan
from ..identity import FINDINGS_SHEET, SCORES_SHEET, SHEET
from ..read.workbook import anchored_labels, changed_labels
from ..read.xlsx import Book
from .findings import Finding, at, on

#: Share of a sheet's labels that must agree with a project table for the sheet to count as a copy of it.
COPY_AGREEMENT = 0.8


def check_projects(book: Book, plan: WorkbookPlan, inputs: dict[str, Any]) -> list[Finding]:
    """Project name and code of every project sheet against the issued list; copies of project sheets added."""
    out: list[Finding] = []
    for key, project in plan.projects.items():
        layout = plan.layouts[key]
        code_key, name_key = f"{key}.project_code", f"{key}.project_name"
        code, name = str(inputs.get(code_key) or "").strip(), str(inputs.get(name_key) or "").strip()
        if project.code and code != project.code:
            out.append(at("project-foreign", layout.fields[code_key],
                          f"工作表“{project.sheet}”的项目编码为“{code or '（空）'}”，下发的是“{project.name}”"
                          f"（{project.code}）：该表可能来自其他项目或其他单位，请在下发的工作表中填报本项目",
                          {"填报编码": code, "下发编码": project.code, "下发项目": project.name}))
        elif name != project.name:
            out.append(at("project-renamed", layout.fields[name_key],
                          f"工作表“{project.sheet}”的项目名称为“{name or '（空）'}”，下发清单为“{project.name}”",
                          {"填报名称": name, "下发名称": project.name}))
    if not plan.projects:
        return out
    expected = {lay.sheet for lay in plan.layouts.values()} | {SHEET, FINDINGS_SHEET, SCORES_SHEET}
    models = {plan.projects[k].table: plan.layouts[k] for k in plan.projects}
    for name in book.sheetnames:
        if name in expected:
            continue
        sheet = book.sheets[name]
        for layout in models.values():
            labels = anchored_labels(layout)
            if 1 - len(changed_labels(sheet, layout)) / max(len(labels), 1) < COPY_AGREEMENT:
                continue
            field = layout.fields[f"{layout.table.id}.project_name"]
            held = sheet.value(field.row, field.col)
            out.append(on("project-sheet-extra", None, name, field.cell,
                          f"工作表“{name}”是项目表的副本（项目名称：{held or '（空）'}），不在下发的项目清单中，未审核；"
                          "新增项目请由财政部门列入项目清单后重新下发，不要复制工作表",
                          {"工作表": name, "项目名称": held}))
            break
    return out
