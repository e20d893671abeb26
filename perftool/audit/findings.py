"""Audit findings: a catalogue of codes (title, default severity, tag) and the finding each check reports.

Severity follows the 审核 software finance staff know: ``error`` = 强制性审核 (must be fixed before the
submission is accepted), ``warning`` = 提示性审核 (may stand with an explanation).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..definitions.model import Field

ERROR, WARNING = "error", "warning"
SEVERITY_ZH = {ERROR: "错误（强制）", WARNING: "提示"}


@dataclass(frozen=True)
class Kind:
    """One catalogued kind of finding."""

    code: str
    severity: str
    title: str
    tag: str
    description: str


#: Every finding kind, in catalogue order (a code given twice would hide one: a test checks they are unique).
KINDS: tuple[Kind, ...] = (
    Kind("value-coerced", WARNING, "数值格式已转换", "#完整性",
         "文本形式的数字、千分位、全角数字、百分号、单位或占位符按数值或空值读取。请核对读取结果。"),
    Kind("value-invalid", ERROR, "无法识别的填报值", "#完整性",
         "单元格内容不是该栏要求的类型（金额、比率、人数、日期、选项等），按空值处理。"),
    Kind("formula-in-input", WARNING, "填报单元格含公式", "#结构",
         "填报项应填数值，此处是公式；取其保存的计算结果。"),
    Kind("formula-tampered", ERROR, "公式被改动", "#结构",
         "计算单元格的公式与表样不同或被删除；按表样公式重新计算。"),
    Kind("formula-replaced", WARNING, "公式被替换为数值", "#结构",
         "计算单元格填写了数值而非公式；数值与其组成项的计算结果相符（含尾数差异）。"),
    Kind("arithmetic-mismatch", ERROR, "数值与计算结果不符", "#表内",
         "计算单元格填写的数值与按其组成项计算的结果不一致，超出尾数允许范围。"),
    Kind("stale-cache", WARNING, "保存的计算结果未更新", "#结构",
         "单元格保存的公式结果与重新计算的结果不同：文件保存前未重算，或结果被改动。"),
    Kind("no-cached-values", WARNING, "工作簿未保存计算结果", "#结构",
         "工作簿由程序写入，未保存任何公式结果；已全部重新计算。"),
    Kind("sheet-added", WARNING, "增加了工作表", "#结构", "工作簿中有表样以外的工作表；不参与审核。"),
    Kind("sheet-reordered", WARNING, "工作表顺序被调整", "#结构", "工作表顺序与表样不同；按名称读取，不影响审核。"),
    Kind("protection-removed", WARNING, "工作表保护被取消", "#结构",
         "表样的工作表保护被取消；公式和栏目已逐一核对，改动之处另有提示。"),
    Kind("label-changed", WARNING, "栏目名称被改动", "#结构", "表样的行、列名称被改写；请恢复表样原文。"),
    Kind("merge-broken", WARNING, "合并单元格被拆分", "#结构", "表样的合并单元格被拆分；不影响读数，请恢复表样格式。"),
    Kind("external-reference", ERROR, "外部链接或 DDE", "#安全",
         "公式或工作簿引用了外部文件、程序（DDE）或网络地址；不会被打开或计算，请删除。"),
    Kind("hyperlink-present", WARNING, "含超链接", "#安全", "单元格带有超链接；不会被打开，也不会带入输出。"),
    Kind("text-too-long", WARNING, "文本过长", "#完整性", "文本超过读取上限（--limit text），请精简。"),
    Kind("text-formula-like", WARNING, "文本以公式符号开头", "#安全",
         "文本以 = + - @ 等开头；按文本读取，输出时加引号前缀，不会成为公式。"),
    Kind("identity-mismatch", ERROR, "审核公式不成立", "#表内",
         "表内或表间的平衡关系不成立，差额超出尾数允许范围。"),
    Kind("rounding-difference", WARNING, "尾数差异", "#表内",
         "平衡关系或计算结果相差不超过 0.01（万元取整产生的一般尾数），请核实。"),
    Kind("rounding-large", WARNING, "尾数差异偏大", "#表内",
         "相差超过一般尾数 0.01，但未超过参与计算的各数（含填 0.00 的数）舍入误差的理论上限；真实的尾数差异很少这么大，请核实。"),
    Kind("hierarchy-mismatch", ERROR, "科目汇总关系不成立", "#表内",
         "类不等于所属款之和，或款不等于所属项之和。"),
    Kind("code-invalid", ERROR, "科目代码有误", "#完整性",
         "科目代码应为 3 位（类）、5 位（款）或 7 位（项）数字，且不得重复。"),
    Kind("parent-blank", ERROR, "合计项未填而明细已填", "#完整性",
         "审核公式一边的合计项为空，另一边的明细已填写；空白不能当作零，请补填合计项。"),
    Kind("table-missing", ERROR, "缺少必报表", "#完整性",
         "表套要求报送的表不在工作簿中；需要该表的审核公式无法执行。"),
    Kind("table-empty", ERROR, "必报表未填写", "#完整性",
         "必报表没有填写任何数据；本单位无此类收支的，应在表下“说明”栏写明“本单位本年度没有……”。"),
    Kind("rules-not-applied", WARNING, "审核公式未执行", "#完整性",
         "审核公式需要的表不在本工作簿中，未执行；每张缺少的表提示一次。"),
    Kind("negative-value", WARNING, "负数", "#合理性", "金额、人数或分值为负数，请核实。"),
    Kind("rate-out-of-range", ERROR, "比率超出范围", "#合理性", "该比率应在 0% 到 100% 之间。"),
    Kind("implausible-value", WARNING, "数值异常", "#合理性", "数值大得不合常理，请核实单位（万元）和小数点。"),
    Kind("previous-mismatch", ERROR, "与上年报送数不一致", "#跨年度",
         "上年决算数、年初结转和结余等上年数，应与本单位上年度报送的决算数、年末结转和结余一致。"),
    Kind("budget-mismatch", ERROR, "与年初预算数不一致", "#预决算",
         "附件1、附件2 中的本年预算数、年初预算数，应与本单位同一年度部门预算公开表（预算01、33 表）一致。"),
    Kind("budget-adjusted", WARNING, "预算数与年初预算不同", "#预决算",
         "公开09表的预算数为调整后的全年预算数；与年初预算（预算33表）不同，请说明调整原因。"),
    Kind("budget-target-changed", WARNING, "指标值与申报的绩效目标不同", "#预决算",
         "自评表的年度指标值，应与年初整体支出预算绩效目标申报表中同一指标的指标值一致。"),
    Kind("self-score-differs", WARNING, "自评得分与计算得分不一致", "#评分",
         "单位自评得分与按评分标准计算的得分不同。"),
    Kind("self-score-over-max", ERROR, "得分超过分值", "#评分", "自评得分高于该指标的分值。"),
    Kind("deduction-unexplained", WARNING, "自评扣分未说明原因", "#评分",
         "自评得分低于分值，但“扣分原因和其他说明”栏为空；请写明扣分原因。"),
    Kind("total-over-max", ERROR, "总分超过满分", "#评分",
         "计算总分高于评分标准的满分（各指标分值之和有误）；该总分不评等次、不参与排名。"),
    Kind("indicator-score-differs", WARNING, "指标得分与完成情况不符", "#评分",
         "按“完成值/指标值”计算的建议得分与填报得分不同。"),
    Kind("deviation-unexplained", WARNING, "扣分未说明原因", "#评分",
         "指标得分低于分值，偏差原因分析栏（或原因分析）为空。"),
    Kind("percent-over-100", ERROR, "比率完成值超过 100%", "#评分",
         "单位为 % 的率、满意度类指标，完成值不可能超过 100%（常为填错行或填错单位）。"),
    Kind("actual-restates-target", WARNING, "完成值只重述指标值", "#评分",
         "完成值带 ≥、≤ 等比较符号，只是重复指标值的写法，不是实际完成的数值，无法按完成情况评分。"),
    Kind("cost-over-target", WARNING, "成本超过指标值却得满分", "#评分",
         "成本类（反向）指标的完成值超过指标值，应按指标值/完成值扣分。"),
    Kind("zero-execution-full-marks", WARNING, "未支出却产出满分", "#评分",
         "预算执行率为 0，产出指标却全部得满分。"),
    Kind("annual-below-longterm", WARNING, "年度目标低于长期目标", "#评分",
         "同一指标的年度目标值低于长期目标值；允许，但应说明理由。"),
    Kind("section-weight-differs", WARNING, "指标分值与评分规则不符", "#评分",
         "各一级指标的分值之和与评分规则的权重不同（如荆门式自评表指标合计 80 分，全国通行方法为 90 分）。"),
    Kind("target-changed", ERROR, "年度指标值与申报不一致", "#目标", "自评表的年度指标值与申报表批复的指标值不同。"),
    Kind("direction-changed", ERROR, "指标性质与申报不一致", "#目标", "自评表的指标性质（正向/反向/等于/定性）与申报表不同。"),
    Kind("indicator-dropped", ERROR, "申报的指标未自评", "#目标", "申报表中的绩效指标在自评表中没有。"),
    Kind("indicator-added", WARNING, "自评表增加了指标", "#目标", "自评表中的指标不在申报表中。"),
    Kind("project-undeclared", WARNING, "项目无申报表", "#目标", "按项目编码和名称都找不到该项目的申报表，无法核对绩效目标。"),
    Kind("project-name-differs", WARNING, "项目名称与申报表不同", "#目标", "按项目编码对应的申报表项目名称不同。"),
    Kind("project-foreign", ERROR, "项目表不是下发的项目", "#项目",
         "项目工作表上的项目编码与下发清单不同：该表可能复制自其他项目或其他单位。"),
    Kind("project-renamed", WARNING, "项目名称与下发清单不同", "#项目", "项目工作表上的项目名称被改写；请核对。"),
    Kind("project-sheet-extra", ERROR, "增加了项目工作表", "#项目",
         "复制出的项目工作表不在下发的项目清单中，不参与审核和评分。"),
    Kind("explanation-refused", WARNING, "说明未采用", "#出错说明",
         "审核结果表“说明”栏的内容是公式或以“=”开头，或不知对应哪个问题（没有审核编号和单元格），未采用。"),
    Kind("explanation-too-long", WARNING, "说明过长", "#出错说明",
         "审核结果表“说明”栏超过字数上限，只采用了前面部分；请精简。"),
)
CATALOGUE: dict[str, Kind] = {k.code: k for k in KINDS}


@dataclass
class Finding:
    """One problem, located at a cell, with the values on each side (现场数据)."""

    code: str
    severity: str
    message: str
    table: str | None = None
    sheet: str | None = None
    cell: str | None = None
    row_label: str = ""
    col_label: str = ""
    rule: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    cells: list[str] = field(default_factory=list)  # other cells involved, as 表!A1
    id: str = ""  # stable within the workbook (see assign_ids)
    explanation: str | None = None  # the unit's 出错说明, carried from the 审核结果 sheet it sent
    explanation_changed: bool = False  # the explanation was written against other values (数据已变)

    @property
    def title(self) -> str:
        return CATALOGUE[self.code].title

    @property
    def fingerprint(self) -> str:
        """A short hash of the finding's values (现场数据): tells whether an explanation still fits them."""
        return hashlib.sha256(_FINGERPRINT_JSON.encode(_canonical(self.values)).encode()).hexdigest()[:16]

    @property
    def explained(self) -> bool:
        """A warning the unit explained against its current values (an error is never explained away)."""
        return self.severity == WARNING and bool(self.explanation) and not self.explanation_changed

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "severity": self.severity, "title": self.title,
                "table": self.table, "sheet": self.sheet, "cell": self.cell, "row_label": self.row_label,
                "col_label": self.col_label, "rule": self.rule, "message": self.message, "values": self.values,
                "cells": self.cells, "explanation": self.explanation,
                "explanation_changed": self.explanation_changed}


#: ``json.dumps(..., sort_keys=True, ensure_ascii=False, default=str)`` made once (each call would make its own).
_FINGERPRINT_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)
_AS_IS = frozenset((str, bool, type(None)))  # values _canonical keeps as they are


def _canonical(v: Any) -> Any:
    """Values as compared across readings: a number as a float rounded to 6 places (103 and 103.0 are one)."""
    if isinstance(v, dict):  # the usual flat dict of texts and numbers without a call per value
        return {str(k): x if x.__class__ in _AS_IS else round(float(x), 6)
                if x.__class__ is float or x.__class__ is int else _canonical(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_canonical(x) for x in v]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return round(float(v), 6)
    return v


def assign_ids(findings: Iterable[Finding]) -> None:
    """Give each finding its id ``code|table|cell|rule`` (``hierarchy-mismatch|gk05|D12|gk05_hier``); the second
    and later findings of one id, in the order given, get ``#2``, ``#3`` … appended."""
    seen: dict[str, int] = {}
    for f in findings:
        base = "|".join((f.code, f.table or "", f.cell or "", f.rule or ""))
        seen[base] = seen.get(base, 0) + 1
        f.id = base if seen[base] == 1 else f"{base}#{seen[base]}"


def at(code: str, f: Field | None, message: str, values: dict[str, Any] | None = None,
       severity: str | None = None, rule: str | None = None, cells: list[str] | None = None) -> Finding:
    """A finding of catalogued ``code`` at field ``f`` (or the workbook as a whole when ``f`` is None)."""
    kind = CATALOGUE[code]
    severity = severity or kind.severity
    if f is None:
        return Finding(code, severity, message, rule=rule, values=values or {}, cells=cells or [])
    return Finding(code, severity, message, f.table, f.sheet, f.cell, f.row_label, f.col_label, rule, values or {},
                   cells or [])


def on(code: str, table: str | None, sheet: str | None, cell: str | None, message: str,
       values: dict[str, Any] | None = None) -> Finding:
    """A finding of catalogued ``code`` at a sheet's cell that is not a field (or the whole workbook)."""
    return Finding(code, CATALOGUE[code].severity, message, table=table, sheet=sheet, cell=cell, values=values or {})


def describe(f: Field) -> str:
    """``公开01!C8（本年收入合计）``: where a field is, for messages."""
    label = "／".join(x for x in (f.row_label, f.col_label) if x)
    return f"{f.sheet}!{f.cell}" + (f"（{label}）" if label else "")
