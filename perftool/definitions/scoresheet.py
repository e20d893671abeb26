"""Lay out the 评分表 from a rule set: one row per 三级指标, its score a live formula built from its rule kind.

The rule set YAML (``templates/rules/<id>.yaml``) is the single source of the scoring rules; this module only
knows what each *kind* of rule means as a spreadsheet formula.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import DefinitionError
from .files import read_yaml, templates_dir

YES = "是"
COMPARATORS = (">=", "<=", ">", "<", "=")


def ruleset_path(name: str) -> Path:
    """``templates/rules/<name>.yaml`` for a rule set's name, or the file itself for a path (``*.yaml``)."""
    if name.endswith((".yaml", ".yml")):
        path = Path(name)
        if not path.is_file():
            raise DefinitionError(f"找不到评分规则集文件 {name}")
        return path
    path = templates_dir() / "rules" / f"{name}.yaml"
    if not path.is_file():
        found = sorted(p.stem for p in (templates_dir() / "rules").glob("*.yaml"))
        raise DefinitionError(f"找不到评分规则集 {name}（现有：{'、'.join(found) or '无'}；也可给出 .yaml 文件路径）")
    return path


@lru_cache(maxsize=8)
def load_ruleset(name: str) -> tuple[dict[str, Any], str]:
    """The rule set called ``name`` (or at path ``name``, see :func:`ruleset_path`) and the sha256 of its bytes."""
    path = ruleset_path(name)
    raw, data = read_yaml(path)
    if not isinstance(raw, dict):
        raise DefinitionError(f"评分规则集 {name}：内容应为键值对")
    if raw.get("kind") != "project" and (not raw.get("groups") or not raw.get("grades")):  # project sets: projects.py
        raise DefinitionError(f"评分规则集 {name}：应有 groups（一级 → 二级 → indicators）和 grades")
    return raw, hashlib.sha256(data).hexdigest()


def indicators(ruleset: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """Every 三级指标 with its 一级 and 二级 group, in sheet order."""
    return [(g1, g2, ind) for g1 in ruleset["groups"] for g2 in g1["groups"] for ind in g2["indicators"]]


def _num(x: float) -> str:
    return f"{float(x):g}"


def _local(expr: str, ind_id: str, names: list[str]) -> str:
    """Rewrite an indicator's own input names (``{closing}``) into sheet field ids (``{balance_closing}``)."""
    return re.sub(r"\{(\w+)\}", lambda m: "{%s_%s}" % (ind_id, m.group(1)) if m.group(1) in names else m.group(0),
                  expr)


def _points(diff: str, policy: str, width: float = 0.01) -> str:
    """Steps of ``width`` (default one percentage point) in ``diff`` (a fraction), under the rule set's policy
    for fractional steps."""
    points = f"MAX(0,{diff})*100" if width == 0.01 else f"MAX(0,{diff})/{_num(width)}"
    if policy == "whole_up":
        return f"ROUNDUP(ROUND({points},6),0)"
    if policy == "whole_down":
        return f"ROUNDDOWN(ROUND({points},6),0)"
    return points


def score_formula(ind: dict[str, Any], policy: str) -> str:
    """The score formula of one indicator, over ``{<id>_value}`` and its inputs; "" when not assessable."""
    formula = _rule_formula(ind, policy)
    if ind.get("none"):  # a stated case: no such item this year (no completed project) → full marks
        return f'IF({{{ind["id"]}_none}}="{YES}",{_num(ind["max"])},{formula})'
    return formula


def _rule_formula(ind: dict[str, Any], policy: str) -> str:
    rule, i, top = ind["rule"], ind["id"], _num(ind["max"])
    v = "{%s_value}" % i
    kind = rule["kind"]
    if kind in ("per_point_over", "per_point_under"):
        t = _num(rule["threshold"])
        diff = f"{v}-{t}" if kind == "per_point_over" else f"{t}-{v}"
        steps = _points(diff, policy, float(rule.get("width", 0.01)))
        return f'IF({v}="","",ROUND(MAX(0,{top}-{_num(rule["step"])}*{steps}),2))'
    if kind == "coefficient":  # 得分系数 × 权重: the value is the coefficient, or bands map it to one
        coefficient = _nested([("else" if op == "else" else f"{v}{op}{_num(x)}", c)
                               for op, x, c in _bands(rule, i)], i) if "bands" in rule else v
        return f'IF({v}="","",ROUND({top}*MIN(1,MAX(0,{coefficient})),2))'
    if kind == "per_count":
        return f'IF({v}="","",MAX(0,{top}-{_num(rule["step"])}*{v}))'
    if kind == "bands":
        cases = [("else" if op == "else" else f"{v}{op}{_num(x)}", s) for op, x, s in _bands(rule, i)]
        return f'IF({v}="","",{_nested(cases, i)})'
    if kind == "cases":
        names = [x["id"] for x in ind.get("inputs", [])]
        blank = ",".join('{%s_%s}=""' % (i, n) for n in names)
        cases = [(_local(cond, i, names), s) for cond, s in rule["cases"] if cond != "else"]
        cases.append(("else", dict((c, s) for c, s in rule["cases"]).get("else", 0)))
        return f'IF(OR({blank}),"",{_nested(cases, i)})'
    if kind == "checklist":
        return v
    if kind == "manual":
        return f'IF({v}="","",MIN({top},{v}))'
    if kind == "manual_shared":
        parts = ["{%s_%s}" % (i, p) for p, _ in rule["parts"]]
        blank = ",".join(f'{p}=""' for p in parts)
        return f'IF(AND({blank}),"",MIN({top},{"+".join(parts)}))'
    raise DefinitionError(f"指标 {i}：未知的评分规则类型 {kind}")


def _bands(rule: dict[str, Any], ind_id: str) -> list[tuple[str, float, float]]:
    out = []
    for band in rule["bands"]:
        if band[0] == "else":
            out.append(("else", 0, band[1]))
        elif band[0] in COMPARATORS:
            out.append((band[0], band[1], band[2]))
        else:
            raise DefinitionError(f"指标 {ind_id}：分档条件 {band[0]} 不是 {' '.join(COMPARATORS)} 或 else")
    return out


def _nested(cases: list[tuple[str, float]], ind_id: str) -> str:
    """IF(c1,s1,IF(c2,s2,…,else)) from (condition, score) pairs ending with ("else", score)."""
    if not cases or cases[-1][0] != "else":
        raise DefinitionError(f"指标 {ind_id}：分档或分情形规则须以 else 结尾")
    text = _num(cases[-1][1])
    for cond, score in reversed(cases[:-1]):
        text = f"IF({cond},{_num(score)},{text})"
    return text


def _value_cell(ind: dict[str, Any]) -> str | None:
    i, rule, value = ind["id"], ind["rule"], ind.get("value")
    names = [x["id"] for x in ind.get("inputs", [])]
    if rule["kind"] == "checklist":
        items = ["{%s_i%d}" % (i, k + 1) for k in range(len(rule["items"]))]
        blank = ",".join(f'{x}=""' for x in items)
        total = "+".join(f'IF({x}="{YES}",{_num(p)},0)' for x, (_, p) in zip(items, rule["items"], strict=True))
        return f'={i}_value:score: IF(OR({blank}),"",{total})'
    if rule["kind"] == "manual":
        return f"@{i}_value:score"
    if value is None:
        return None
    if "formula" in value:
        return f'={i}_value:{value.get("type", "percent")}: {_local(value["formula"], i, names)}'
    return f'@{i}_value:{value.get("input", "percent")}'


def _input_cell(ind_id: str, item: dict[str, Any], present: frozenset[str], linked: set[str]) -> str:
    """An evaluator's input; or, when the tables its ``from:`` formula reads are all in the workbook, that formula
    (固定资产利用率 from the 自评报告's 固定资产 rows): the figure is then taken, not typed."""
    cell_type = item.get("type", "amount")
    source = item.get("from")
    tables = set(re.findall(r"\{(\w+)\.", source or ""))
    if source and tables <= present:
        linked.update(tables)
        return f"={ind_id}_{item['id']}:{cell_type}: {source}"
    return f"@{ind_id}_{item['id']}:{cell_type}"


def scoresheet_rows(name: str, present: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Body rows of the 评分表 in the cell mini-language, and the digest of the rule set they come from.

    ``present`` names the other tables of the workbook (they decide which ``from:`` links apply).
    """
    ruleset, digest = load_ruleset(name)
    linked: set[str] = set()
    policy = ruleset.get("points", "pro_rata")
    if policy not in ("pro_rata", "whole_up", "whole_down"):
        raise DefinitionError(f"评分规则集 {name}：points 应为 pro_rata、whole_up 或 whole_down")
    rows: list[list[Any]] = []
    seen_g1: set[int] = set()
    seen_g2: set[int] = set()
    standard_shown: set[int] = set()
    for g1, g2, ind in indicators(ruleset):
        i = ind["id"]
        a = "^" if id(g1) in seen_g1 else f"{g1['name']}\n（{_num(g1['max'])}分）"
        b = "^" if id(g2) in seen_g2 else f"{g2['name']}\n（{_num(g2['max'])}分）"
        seen_g1.add(id(g1))
        seen_g2.add(id(g2))
        standard: Any = ind.get("standard")
        if standard is None:
            standard = "^" if id(g2) in standard_shown else g2.get("standard", "")
        standard_shown.add(id(g2))
        score = f"={i}_score:score: {score_formula(ind, policy)}"
        reason = f"@{i}_reason:text"
        rule = ind["rule"]
        if rule["kind"] == "manual_shared":
            selfs = "+".join("{%s_%s_self}" % (i, p) for p, _ in rule["parts"])
            shared_diff = f'={i}_diff:score: IF({{{i}_score}}="","",{selfs}-{{{i}_score}})'
            for k, (part, label) in enumerate(rule["parts"]):
                first = k == 0
                rows.append([a if first else "^", b if first else "^", label, standard if first else "^",
                             _num(ind["max"]) if first else "^", f"@{i}_{part}:score", score if first else "^",
                             f"@{i}_{part}_self:score", shared_diff if first else "^", reason if first else "^"])
            continue
        diff = f'={i}_diff:score: IF(OR({{{i}_score}}="",{{{i}_self}}=""),"",{{{i}_self}}-{{{i}_score}})'
        rows.append([a, b, ind["name"], standard, _num(ind["max"]), _value_cell(ind) or None, score,
                     f"@{i}_self:score", diff, reason])
        subs = [(x["label"], _input_cell(i, x, present, linked)) for x in ind.get("inputs", [])]
        if ind.get("none"):
            subs.append((ind["none"]["label"], f"@{i}_none:choice:{YES}/否"))
        if rule["kind"] == "checklist":
            subs = [(f"{label}（{_num(p)}分）", f"@{i}_i{k + 1}:choice:{YES}/否")
                    for k, (label, p) in enumerate(rule["items"])]
        for label, cell in subs:
            rows.append(["^", "^", f"　{label}", "^", "^", cell, "^", "^", "^", "^"])
    items = indicators(ruleset)
    first, last = items[0][2]["id"], items[-1][2]["id"]
    total_max = sum(float(ind["max"]) for _, _, ind in items)
    last_self = (f"{last}_{items[-1][2]['rule']['parts'][-1][0]}_self"
                 if items[-1][2]["rule"]["kind"] == "manual_shared" else f"{last}_self")
    grades = ruleset["grades"]

    def grade(x: str) -> str:
        text = f'"{grades[-1][1]}"'
        for low, g in reversed(grades[:-1]):
            text = f'IF({x}>={_num(low)},"{g}",{text})'
        return f'IF({x}="","",{text})'

    rows.append(["总分", "<", "<", "<", _num(total_max), None,
                 f"=total_score:score: SUM({{{first}_score}}:{{{last}_score}})",
                 f"=total_self:score: SUM({{{first}_self}}:{{{last_self}}})",
                 "=total_diff:score: {total_self}-{total_score}", None])
    rows.append(["评价等次", "<", "<", "<", "<", None, "=grade:text: " + grade("{total_score}"),
                 "=self_grade:text: " + grade("{total_self}"), None, None])
    return {"rows": rows, "rules_digest": digest + "".join(f"+{t}" for t in sorted(linked))}


_MARKS = re.compile(r"[计得](\d+(?:\.\d+)?)分")
_DEDUCTIONS = re.compile(r"扣(\d+(?:\.\d+)?)分")
_STEPPED = ("per_point_over", "per_point_under", "per_count")


def check_ruleset(name: str) -> list[str]:
    """Warnings about a rule set: a group whose ``max`` is not the sum of its parts (unless it states a
    ``max_reason``), and a printed 评分标准 whose 计/得 N 分 or 扣 N 分 contradict the indicator's max or step."""
    ruleset, _ = load_ruleset(name)
    out: list[str] = []
    for g1 in ruleset["groups"]:
        for group, parts in [(g1, g1["groups"])] + [(g2, g2["indicators"]) for g2 in g1["groups"]]:
            total = sum(float(p["max"]) for p in parts)
            if abs(total - float(group["max"])) > 1e-9 and not group.get("max_reason"):
                out.append(f"{group['name']}：分值 {_num(group['max'])} 分，所属指标分值之和为 {_num(total)} 分"
                           "（如有意为之，请写明 max_reason）")
    for _, _, ind in indicators(ruleset):
        text, top, rule = str(ind.get("standard") or ""), float(ind["max"]), ind["rule"]
        where = f"指标 {ind['id']}（{ind['name']}）"
        marks = [float(x) for x in _MARKS.findall(text)]
        if marks and (max(marks) != top):
            out.append(f"{where}：评分标准写“{'、'.join(f'计{_num(m)}分' for m in marks)}”，分值为 {_num(top)} 分")
        if rule["kind"] in _STEPPED:
            wrong = [float(x) for x in _DEDUCTIONS.findall(text) if float(x) != float(rule["step"])]
            if wrong:
                out.append(f"{where}：评分标准写“扣{_num(wrong[0])}分”，规则的扣分步长为 {_num(rule['step'])} 分")
    return out
