"""舍位平衡: amounts given in 元 converted to 万元 with two decimals, every published sum kept exact.

The sums come from the tables' YAML, never from a list here: amount formulas that add fields (``{a}+{b}``,
``SUM({a}:{b})``, ``SUMIF({rows.level},3,{rows.x})``), ``kind: hierarchy`` rules (类 = Σ款, 款 = Σ项 by 科目代码),
``kind: by_code`` rules with ``=`` (公开01 类 lines = 公开03), and ``=`` audit rules whose sides are fields or sums
of fields (``{total} = {basic}+{project}``, ``{gk05.basic} = {gk06.personnel_total}+{gk06.public_total}``).

Every amount is the sum of a set of leaves (figures that no sum is made of). Totals are rounded from their 元
figure; parts go to the 0.01 万元 below or above their 元 figure, as few and as close to half-way as possible
(largest remainders first), so that each sum comes out exact. Where rows and columns both add up (合计 = 基本 +
项目 on every 科目 row, 类 = Σ款 down every column) the sets form two laminar families — columns and rows — and the
choice is one minimum-cost flow through two trees (Cox's controlled rounding), solved exactly in whole 0.01 万元: a
total is moved only where no choice of parts can keep it (then the smallest number of totals, by 0.01, reported).
Figures linked across tables as two classifications of one figure (公开05 基本支出 = 公开06 人员 + 公用, 预算10 总计
= 预算11 总计) are kept by a second pass: each group of linked figures is held at one value — the first pass's
value of the member most costly to move — and each group is tried at its other 0.01 where that lets more sums
come out. Such links make the problem more than one flow; a sum still left 0.01 out is reported (未能平衡), as is
any sum the 元 figures themselves break (元数据本身不平衡: the unit must correct its figures).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .definitions.layout import field_key
from .definitions.model import Field, TableLayout, subject_children
from .definitions.references import MissingTable, translate
from .definitions.workbook import WorkbookPlan
from .engine import engine_for
from .errors import UsageError

UNITS = ("万元", "元")  # a data file's amount_unit: 万元 (default, as the tables print) or 元 (converted here)
FEN_PER_CENT = 10_000  # 0.01 万元 = 100 元 = 10 000 分
_REF = r"\{[A-Za-z_]\w*(?:\.[A-Za-z_]\w*){0,2}\}"
_ADDITION = re.compile(rf"^\s*(?:{_REF}|SUM\(\s*{_REF}(?:\s*:\s*{_REF})?\s*\))"
                       rf"(?:\s*\+\s*(?:{_REF}|SUM\(\s*{_REF}(?:\s*:\s*{_REF})?\s*\)))*\s*$")
_SUMIF = re.compile(r"^\s*SUMIF\(\s*\{(\w+)\.(\w+)\}\s*,\s*(\d+)\s*,\s*\{\1\.(\w+)\}\s*\)\s*$")


@dataclass(frozen=True)
class Sum:
    """A published identity ``total = Σ parts`` (field keys) and the YAML it comes from."""

    total: str
    parts: tuple[str, ...]
    rule: str
    conditional: bool = False  # the rule applies only ``when:`` something is filled: kept where the 元 agree


@dataclass(frozen=True)
class Adjustment:
    """A cell written 0.01 away from its plainly rounded 元 figure to keep its sums."""

    field: Field
    label: str  # the row and column it stands in (科目 2010302 基本支出)
    exact: float  # 万元, unrounded
    naive: float
    value: float
    total: bool  # a total (moved only because no choice of its parts could keep every sum)

    @property
    def delta(self) -> float:
        return round(self.value - self.naive, 2)

    def text(self) -> str:
        f = self.field
        return (f"{f.sheet}!{f.cell}（{self.label}）{self.exact:,.4f} 四舍五入为 {self.naive:,.2f}，"
                f"调整为 {self.value:,.2f}（{self.delta:+.2f}）" + ("，合计数无法避免的调整" if self.total else ""))


@dataclass
class Balanced:
    """The converted values (field key → 万元) and what the conversion did."""

    values: dict[str, Any]
    adjustments: list[Adjustment] = field(default_factory=list)
    unbalanced: list[str] = field(default_factory=list)  # identities that could not be kept, in Chinese


def check_unit(unit: Any, where: str) -> str:
    """``amount_unit`` of a data file: 万元 (default) or 元; anything else a Chinese error."""
    unit = "万元" if unit is None else str(unit).strip()
    if unit not in UNITS:
        raise UsageError(f"{where}：amount_unit 应为“元”或“万元”（默认万元），实际为“{unit}”；"
                         "按元填报的数据写 amount_unit: 元，转换为万元时自动舍位平衡")
    return unit


def naive_cents(fen: int) -> int:
    """分 → 0.01 万元, half away from zero (Excel's ROUND)."""
    cents = (abs(fen) + FEN_PER_CENT // 2) // FEN_PER_CENT
    return cents if fen >= 0 else -cents


def _fen(x: Any) -> int | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return round(x * 100)


def sums(plan: WorkbookPlan, values: Mapping[str, Any]) -> list[Sum]:
    """Every identity the plan's YAML states between amounts (``values`` give the 科目代码 of coded rows)."""
    out: list[Sum] = []
    for key, tr in plan.formulas.items():
        f = plan.field(key)
        if f.type == "amount" and (parts := _addends(f, tr.fields, values)) is not None:
            out.append(Sum(key, parts, f"{f.table} 公式 {f.name}"))
    for tid, layout in plan.layouts.items():
        for rule in layout.table.audit:
            try:
                out.extend(_rule_sums(rule, layout, plan, values))
            except MissingTable:
                continue
    return out


def _addends(f: Field, fields: tuple[Field, ...], values: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The fields a formula adds up, or None when it does more than add amounts."""
    expr = f.expr or ""
    m = _SUMIF.match(expr)
    if m:
        n = len(fields) // 2
        keys = tuple(s.key for c, s in zip(fields[:n], fields[n:]) if values.get(c.key) == int(m.group(3)))
    elif _ADDITION.match(expr):
        keys = tuple(x.key for x in fields)
    else:
        return None
    return keys if all(x.type == "amount" for x in fields[len(fields) // 2 if m else 0:]) else None


def _rule_sums(rule: Mapping[str, Any], layout: TableLayout, plan: WorkbookPlan,
               values: Mapping[str, Any]) -> list[Sum]:
    if str(rule.get("op", "=")) != "=":
        return []
    kind, rid = rule.get("kind"), str(rule.get("id"))
    if kind == "hierarchy":
        return _hierarchy(rule, layout, values)
    if kind == "by_code" and "fields" in rule:
        return _by_code(rule, layout, plan, values)
    if kind is not None or "left" not in rule or "right" not in rule:
        return []
    out = []
    places = [(b, i) for b in rule.get("each_row", []) for i in range(layout.blocks[b].count)] or [(None, None)]
    for column in rule.get("each_column", [None]):
        for block, index in places:
            sides = []
            for side in ("left", "right"):
                text = str(rule[side]) if column is None else str(rule[side]).replace("%s", str(column))
                if not re.fullmatch(rf"\s*{_REF}(?:\s*\+\s*{_REF})*\s*", text):
                    break
                sides.append(tuple(x for x in translate(text, layout, plan.layouts, block, index).fields))
            if len(sides) != 2 or not all(x.type == "amount" for s in sides for x in s):
                continue
            single, other = (sides[0], sides[1]) if len(sides[0]) == 1 else (sides[1], sides[0])
            if len(single) == 1:
                out.append(Sum(single[0].key, tuple(x.key for x in other), f"{layout.table.id} 审核公式 {rid}",
                               "when" in rule))
    return out


def _codes(layout: TableLayout, block: str, code: str, values: Mapping[str, Any]) -> dict[str, int]:
    """科目代码 → row index of a block (valid, first occurrence)."""
    out: dict[str, int] = {}
    for i in range(layout.blocks[block].count):
        raw = values.get(field_key(layout.table.id, code, block, i))
        text = str(raw).strip() if raw is not None else ""
        if text.isdigit() and len(text) in (3, 5, 7):
            out.setdefault(text, i)
    return out


def _hierarchy(rule: Mapping[str, Any], layout: TableLayout, values: Mapping[str, Any]) -> list[Sum]:
    tid, block = layout.table.id, rule["block"]
    rows = _codes(layout, block, rule["code"], values)
    below, out = subject_children(rows), []
    for code, i in rows.items():
        children = below.get(code, []) if len(code) in (3, 5) else []
        if children:
            out.extend(Sum(field_key(tid, col, block, i), tuple(field_key(tid, col, block, j) for j in children),
                           f"{tid} 审核公式 {rule['id']}") for col in rule["columns"])
    return out


def _by_code(rule: Mapping[str, Any], layout: TableLayout, plan: WorkbookPlan,
             values: Mapping[str, Any]) -> list[Sum]:
    other_tid, block = str(rule["other"]).split(".")
    other = plan.layouts.get(other_tid)
    if other is None:
        return []
    rows = _codes(other, block, rule["code"], values)
    prefix, suffix, column = rule["fields"], rule.get("suffix", ""), rule.get("other_column", rule["column"])
    out = []
    for f in layout.fields.values():
        code = f.name[len(prefix):len(f.name) - len(suffix)] if f.name.startswith(prefix) and \
            f.name.endswith(suffix) and f.block is None else ""
        if code in rows:
            out.append(Sum(f.key, (field_key(other_tid, column, block, rows[code]),),
                           f"{layout.table.id} 审核公式 {rule['id']}"))
    return out


def balance(given: Mapping[str, Any], plan: WorkbookPlan) -> Balanced:
    """``given`` (field key → value, amounts in 元) with its amounts in 万元, every identity of ``plan`` kept."""
    for key, value in given.items():
        f = plan.field(key)
        if f.type == "amount" and value not in (None, "") and _fen(value) is None:
            raise UsageError(f"{f.sheet}!{f.cell}（{f.table}.{f.name}）：按元填报的金额须为数值，实际为“{value}”")
    values = engine_for(plan).compute({**plan.default_inputs(), **given})
    fen = {f.key: x for f in plan.fields() if f.type == "amount" and (x := _fen(values.get(f.key))) is not None}
    unbalanced: list[str] = []
    relations = []
    for s in sums(plan, values):
        if s.total not in fen or not any(p in fen for p in s.parts):  # a blank side: nothing to keep (as audited)
            continue
        parts = sum(fen.get(p, 0) for p in s.parts)
        if parts != fen[s.total] and not s.conditional:
            f = plan.field(s.total)
            unbalanced.append(f"元数据本身不平衡：{f.sheet}!{f.cell} {fen[s.total] / 100:,.2f} 元 ≠ 其组成项之和 "
                              f"{parts / 100:,.2f} 元（{s.rule}），请先核对元数据")
        elif parts == fen[s.total]:
            relations.append(s)
    fen.update({p: 0 for s in relations for p in s.parts if p not in fen})
    network = _Network(relations, fen)
    cents = network.solve()
    groups = [g for g in network.linked() if any(network.sets.get(m, [None])[0] in cents for m in g)]
    pins = {m: network.held(group, cents) for group in groups for m in group}
    if pins:
        cents = network.solve(pins)
    for group in groups:  # a group held at its other 0.01 may let more sums come out
        lo, hi = network.bounds(group[0])
        if lo == hi:
            continue
        trial = {**pins, **{m: lo + hi - pins[group[0]] for m in group}}
        tried = network.solve(trial)
        if len(_broken(relations, tried, fen)) < len(_broken(relations, cents, fen)):
            pins, cents = trial, tried
    out = dict(given)
    totals = {k for k, leaves in network.leaves.items()  # a "total" of one movable part moves with it
              if sum(fen[x] % FEN_PER_CENT != 0 for x in leaves) > 1}
    adjustments = []
    for key, x in fen.items():
        value = cents.get(key, naive_cents(x))
        if key in given and _fen(given[key]) is not None:
            out[key] = value / 100
        if value != naive_cents(x):
            f = plan.field(key)
            adjustments.append(Adjustment(f, _label(f, plan, values), x / FEN_PER_CENT / 100,
                                          naive_cents(x) / 100, value / 100, key in totals))
    for s, total, parts in _broken(relations, cents, fen):
        f = plan.field(s.total)
        unbalanced.append(f"未能平衡：{f.sheet}!{f.cell} {total / 100:,.2f} ≠ 组成项之和 {parts / 100:,.2f}（{s.rule}）")
    order = {f.key: n for n, f in enumerate(plan.fields())}
    adjustments.sort(key=lambda a: order[a.field.key])
    return Balanced(out, adjustments, unbalanced)


def _broken(relations: list[Sum], cents: Mapping[str, int], fen: Mapping[str, int]) -> list[tuple[Sum, int, int]]:
    """The sums that do not come out in ``cents`` (a key outside them plainly rounded), with both sides."""
    def value(key: str) -> int:
        return cents.get(key, naive_cents(fen[key]))

    out = []
    for s in relations:
        total, parts = value(s.total), sum(value(p) for p in s.parts)
        if total != parts:
            out.append((s, total, parts))
    return out


def _label(f: Field, plan: WorkbookPlan, values: Mapping[str, Any]) -> str:
    """Row and column of a cell as finance staff name them: a 科目 row by its code."""
    if f.block is not None:
        codes = [g for g in plan.layouts[f.table].fields.values()
                 if g.block == f.block and g.index == f.index and g.type == "code" and values.get(g.key)]
        if codes:
            return f"科目 {values[codes[0].key]} {f.col_label}"
    return "".join(x for x in (f.row_label, f.col_label) if x)


@dataclass
class _Edge:
    tail: int
    head: int
    lo: int
    hi: int
    keys: list[str]
    flow: int = 0


class _Network:
    """The sums as a flow: family 1 from the source down to the leaves, family 2 from the leaves up to the sink."""

    def __init__(self, relations: list[Sum], fen: Mapping[str, int]) -> None:
        self.fen = fen
        self.weight: dict[str, int] = {}
        by_total: dict[str, list[Sum]] = {}
        for s in relations:
            by_total.setdefault(s.total, []).append(s)
        self.leaves: dict[str, frozenset[str]] = {}
        self.aside: list[Sum] = []
        for key in sorted({k for s in relations for k in (s.total, *s.parts)}):
            self._leaves(key, by_total, ())
        for s in relations:  # a second decomposition with other leaves: kept by the second pass
            if s in self.aside or s.total not in self.leaves:
                continue
            parts = [self.leaves.get(p, frozenset({p})) for p in s.parts]
            if sum(map(len, parts)) != len(self.leaves[s.total]) or frozenset().union(*parts) != self.leaves[s.total]:
                self.aside.append(s)
        # cost of 0.01 away from the plain rounding: a part by how far that takes it (largest remainders move
        # first), a total more than all parts together, a top total (part of nothing) more than all totals
        n = len(self.fen) + 1
        total, top = 10_001 * n + 1, (10_001 * n + 10_002) * n + 1
        parts_of = {p for s in relations for p in s.parts}
        for key, leaves in self.leaves.items():
            distance = abs(2 * (abs(self.fen[key]) % FEN_PER_CENT) - FEN_PER_CENT) + 1
            tier = 0 if leaves == frozenset({key}) else total if key in parts_of else top
            self.weight[key] = tier + distance
        self.sets: dict[frozenset[str], list[str]] = {}
        for key, leaves in self.leaves.items():
            self.sets.setdefault(leaves, []).append(key)
        self.families = _two_laminar(sorted((s for s in self.sets if len(s) > 1), key=self._priority))
        placed = {*self.families[0], *self.families[1]}
        for s, keys in self.sets.items():
            if len(s) > 1 and s not in placed:
                self.aside.extend(r for r in relations if r.total in keys and r not in self.aside)

    def _priority(self, s: frozenset[str]) -> tuple[bool, int, list[str]]:
        """Sets within one table first (its rows and columns), then those that span tables; larger first."""
        tables = {k.split(".", 1)[0] for k in (*s, *self.sets[s])}
        return len(tables) > 1, -len(s), sorted(s)

    def _leaves(self, key: str, by_total: Mapping[str, list[Sum]], path: tuple[str, ...]) -> frozenset[str]:
        if key in self.leaves:
            return self.leaves[key]
        found: frozenset[str] | None = None
        for s in by_total.get(key, []):
            if found is not None or any(p in path or p == key for p in s.parts):
                continue
            parts = [self._leaves(p, by_total, (*path, key)) for p in s.parts]
            if sum(map(len, parts)) == len(union := frozenset().union(*parts)):
                found = union
        self.leaves[key] = found if found is not None else frozenset({key})
        return self.leaves[key]

    def _place(self, s: frozenset[str]) -> bool:
        for family in self.families:
            if all(s <= t or t <= s or not (s & t) for t in family):
                family.append(s)
                return True
        return False

    def linked(self) -> list[list[frozenset[str]]]:
        """The sides of the set-aside sums (a total, and the set of its parts) linked into groups of one figure."""
        link: dict[frozenset[str], frozenset[str]] = {}

        def root(x: frozenset[str]) -> frozenset[str]:
            while link.setdefault(x, x) != x:
                x = link[x]
            return x

        for s in self.aside:
            parts = [self.leaves.get(p, frozenset({p})) for p in s.parts]
            union = frozenset().union(*parts)
            if s.total not in self.leaves or sum(map(len, parts)) != len(union):
                continue
            if union not in self.sets and len(union) > 1 and not self._place(union):
                continue
            link[root(union)] = root(self.leaves[s.total])
        groups: dict[frozenset[str], list[frozenset[str]]] = {}
        for x in list(link):
            groups.setdefault(root(x), []).append(x)
        return list(groups.values())

    def held(self, group: list[frozenset[str]], cents: Mapping[str, int]) -> int:
        """A group's figure as the first pass left its member that is most costly to move."""
        member = max((m for m in group if self.sets.get(m, [None])[0] in cents),
                     key=lambda m: (sum(self.weight[k] for k in self.sets[m]), sorted(m)))
        return cents[self.sets[member][0]]

    def bounds(self, s: frozenset[str]) -> tuple[int, int]:
        """The 0.01 万元 below and above the 元 figure of a set of leaves."""
        exact = sum(self.fen[k] for k in s)
        return exact // FEN_PER_CENT, -(-exact // FEN_PER_CENT)

    def solve(self, pins: Mapping[frozenset[str], int] | None = None) -> dict[str, int]:
        """Cents (0.01 万元) of every key of the sums, at least cost."""
        pins = pins or {}
        nodes: dict[tuple[int, frozenset[str] | None], int] = {}  # None: the source (0) and sink (1) roots

        def node(side: int, s: frozenset[str] | None) -> int:
            return nodes.setdefault((side, s), len(nodes))

        def smallest(side: int, leaf: str) -> frozenset[str] | None:
            return min((s for s in self.families[side] if leaf in s), key=len, default=None)

        def parent(side: int, s: frozenset[str]) -> frozenset[str] | None:
            return min((t for t in self.families[side] if s < t), key=len, default=None)

        edges: list[tuple[_Edge, dict[int, int]]] = []
        placed = {*self.families[0], *self.families[1]}
        for s, keys in list(self.sets.items()) + [(p, []) for p in pins if p not in self.sets]:
            lo, hi = self.bounds(s)
            if len(s) == 1:
                (leaf,) = s
                tail, head = node(0, smallest(0, leaf)), node(1, smallest(1, leaf))
            elif s in self.families[0]:
                tail, head = node(0, parent(0, s)), node(0, s)
            elif s in placed:
                tail, head = node(1, s), node(1, parent(1, s))
            else:
                continue
            costs = {y: sum(self.weight[k] * abs(y - naive_cents(self.fen[k])) for k in keys) for y in {lo, hi}}
            if s in pins:
                costs = {y: c + 10 ** 30 * abs(y - pins[s]) for y, c in costs.items()}
            edges.append((_Edge(tail, head, lo, hi, keys), costs))
        _min_cost(edges, node(1, None), node(0, None), len(nodes))
        return {k: e.flow for e, _ in edges for k in e.keys}


def _two_laminar(sets: list[frozenset[str]]) -> tuple[list[frozenset[str]], list[frozenset[str]]]:
    """Split ``sets`` into two families in each of which any two sets are nested or disjoint: a 2-colouring of
    the sets that overlap, kept incrementally (union-find with parity); a set that would make it impossible is
    left out."""
    parent: list[int] = []
    parity: list[int] = []

    def find(x: int) -> tuple[int, int]:
        flip = 0
        while parent[x] != x:
            flip ^= parity[x]
            x = parent[x]
        return x, flip

    kept: list[frozenset[str]] = []
    for s in sets:
        clashes = [find(i) for i, t in enumerate(kept) if s & t and not (s <= t or t <= s)]
        sides: dict[int, int] = {}
        if any(sides.setdefault(root, flip) != flip for root, flip in clashes):
            continue  # two overlapping sets of one colour class both cross it: no family can take it
        me = len(kept)
        kept.append(s)
        parent.append(me)
        parity.append(0)
        for root, flip in sides.items():  # the new set takes the other colour than every set it overlaps
            parent[root], parity[root] = me, flip ^ 1
    families: tuple[list[frozenset[str]], list[frozenset[str]]] = ([], [])
    for i, s in enumerate(kept):
        families[find(i)[1]].append(s)
    return families


def _min_cost(edges: list[tuple[_Edge, dict[int, int]]], sink: int, source: int, n: int) -> None:
    """Set every edge's flow within [lo, hi] (a free edge sink → source closes the circulation), at least cost:
    each edge starts at its cheaper end, then the imbalances are routed along cheapest residual paths."""
    graph: list[list[list[int]]] = [[] for _ in range(n + 2)]  # arc: [to, capacity, cost, reverse, edge, sign]

    def arc(u: int, v: int, cap: int, cost: int, ref: int = -1, sign: int = 0) -> None:
        graph[u].append([v, cap, cost, len(graph[v]), ref, sign])
        graph[v].append([u, 0, -cost, len(graph[u]) - 1, ref, -sign])

    excess = [0] * (n + 2)
    for i, (e, costs) in enumerate(edges):
        e.flow = min(costs, key=lambda y: (costs[y], y))
        excess[e.head] += e.flow
        excess[e.tail] -= e.flow
        if e.hi > e.lo:
            up = e.flow == e.lo
            step = costs[e.hi if up else e.lo] - costs[e.flow]
            if up:
                arc(e.tail, e.head, 1, step, i, 1)
            else:
                arc(e.head, e.tail, 1, step, i, -1)
    free = 1 << 62
    arc(sink, source, free, 0)
    arc(source, sink, free, 0)
    s, t = n, n + 1
    for v, x in enumerate(excess[:n]):
        if x > 0:
            arc(s, v, x, 0)
        elif x < 0:
            arc(v, t, -x, 0)
    need = sum(x for x in excess if x > 0)
    while need:
        dist: list[int | None] = [None] * (n + 2)
        prev: list[tuple[int, int] | None] = [None] * (n + 2)
        dist[s], queue, queued = 0, deque([s]), {s}
        while queue:  # Bellman-Ford, queue-driven: reverse arcs may cost less than nothing
            u = queue.popleft()
            queued.discard(u)
            for k, (v, cap, cost, *_) in enumerate(graph[u]):
                if cap > 0 and (dist[v] is None or dist[u] + cost < dist[v]):
                    dist[v], prev[v] = dist[u] + cost, (u, k)
                    if v not in queued:
                        queued.add(v)
                        queue.append(v)
        if dist[t] is None:
            raise UsageError("舍位平衡无解（平衡关系互相矛盾），请核对元数据")
        path, v = [], t
        while v != s:
            u, k = prev[v]
            path.append(graph[u][k])
            v = u
        push = min(need, *(a[1] for a in path))
        for a in path:
            a[1] -= push
            graph[a[0]][a[3]][1] += push
            if a[4] >= 0:
                edges[a[4]][0].flow += a[5] * push
        need -= push
