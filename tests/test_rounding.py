"""舍位平衡: a data file in 元 converted to 万元 with every identity of the tables exact (perftool/rounding.py).

The 元 file is seed 002 (荆门市行政审批局 2023, 公开01–09) in 元: the printed totals written over formulas are
dropped (the workbook computes them), the document's 本年收入 3,383.79 is taken as the 3,383.80 its class lines add
up to (the 尾数 the document warns of), every figure is multiplied by 10 000, and then money is moved between
sibling lines — 项 rows of one 款 and 公开06 lines of one 类 — by odd 元 amounts that add up to nothing
(+45, +45, −90 元 over three lines, +50, −50 元 over two): every total is unchanged, but the lines now end in 元
that plain rounding to 0.01 万元 pushes the same way, so their sums no longer come out.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from perftool.assess import assess
from perftool.cli import main
from perftool.definitions.workbook import plan_workbook
from perftool.engine import engine_for
from perftool.rounding import balance

ROOT = Path(__file__).resolve().parents[1]
ROUNDING = {"rounding-difference", "rounding-large"}
SHIFTS = {2: (50, -50), 3: (45, 45, -90)}  # 元 moved between sibling lines, adding up to nothing


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result.output


def yuan_seed() -> dict:
    """Seed 002 in 元, as described above."""
    seed = yaml.safe_load((ROOT / "examples/002_jingmen_2023.yaml").read_text(encoding="utf-8"))
    plan = plan_workbook(2023, tables=seed["workbook"]["tables"])
    data = copy.deepcopy(seed)
    data["amount_unit"] = "元"
    tables = data["tables"]
    for tid, fields in tables.items():
        for name in [n for n, v in fields.items() if not isinstance(v, list)]:
            if plan.field(f"{tid}.{name}").kind == "formula":
                del fields[name]
    for tid in ("gk01", "gk04"):
        tables[tid].update({k: 3383.80 for k, v in tables[tid].items() if v == 3383.79})
    groups: list[list[tuple[dict, str]]] = []
    for tid, fields in tables.items():
        for name, value in list(fields.items()):
            if isinstance(value, list):
                codes = [r["code"] for r in value]
                leaves = [r for r in value if not any(c != r["code"] and c.startswith(r["code"]) for c in codes)]
                for r in value:
                    r.update({k: round(v * 10000) for k, v in r.items() if k not in ("code", "name")})
                parents: dict[str, list[dict]] = {}
                for r in leaves:
                    parents.setdefault(r["code"][:-2], []).append(r)
                groups += [[(r, col) for r in rows if r[col]] for rows in parents.values()
                           for col in rows[0] if col not in ("code", "name")]
            elif plan.field(f"{tid}.{name}").type == "amount":
                fields[name] = round(value * 10000)
        lines: dict[str, list[tuple[dict, str]]] = {}
        for name, value in fields.items():
            if re.fullmatch(r"e\d{5}", name) and value:
                lines.setdefault(name[:4], []).append((fields, name))
        groups += lines.values()
    for group in groups:
        for (holder, key), shift in zip(group, SHIFTS.get(min(len(group), 3), ())):
            holder[key] += shift
    return data


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    root = tmp_path_factory.mktemp("rounding")
    source = root / "002_元.yaml"
    source.write_text(yaml.safe_dump(yuan_seed(), allow_unicode=True), encoding="utf-8")
    output = run("generate", "--data", str(source), "-o", str(root / "元.xlsx"))
    return root, source, output, assess(root / "元.xlsx")


def cents(values: dict, key: str) -> int:
    return round((values.get(key) or 0) * 100)


def cell(values: dict, tid: str, i: int, col: str) -> int:
    return cents(values, f"{tid}.rows[{i}].{col}")


def coded_rows(plan, tid: str, values: dict) -> dict[str, int]:
    return {str(values[f"{tid}.rows[{i}].code"]): i for i in range(plan.layouts[tid].blocks["rows"].count)
            if values.get(f"{tid}.rows[{i}].code")}


def broken_identities(assessment) -> list[str]:
    """Every 类 = Σ款, 款 = Σ项 and 合计 = Σ类 of the 科目 tables, 合计 = 基本 + 项目 on each 公开05 row, and the
    links between tables the document's own 注 asks for, checked cell by cell in cents."""
    plan, values = assessment.plan, assessment.as_filed
    broken = []
    for tid in ("gk02", "gk03", "gk05", "gk08"):
        rows = coded_rows(plan, tid, values)
        columns = [f.name for f in plan.layouts[tid].fields.values() if f.index == 0 and f.type == "amount"]
        for code, i in rows.items():
            kids = [j for c, j in rows.items() if len(c) == len(code) + 2 and c.startswith(code)]
            for col in columns:
                if kids and cell(values, tid, i, col) != sum(cell(values, tid, j, col) for j in kids):
                    broken.append(f"{tid} {code} {col}")
        for col in columns:
            if cents(values, f"{tid}.{col}") != sum(cell(values, tid, i, col) for c, i in rows.items() if len(c) == 3):
                broken.append(f"{tid} 合计 {col}")
    for i in coded_rows(plan, "gk05", values).values():
        if cell(values, "gk05", i, "total") != cell(values, "gk05", i, "basic") + cell(values, "gk05", i, "project"):
            broken.append(f"gk05 row {i} total")
    links = [("gk05.basic", ("gk06.personnel_total", "gk06.public_total")), ("gk01.grand_in", ("gk01.grand_out",)),
             ("gk01.exp_total", ("gk03.total",)), ("gk01.inc_total", ("gk02.total",)),
             ("gk05.total", ("gk05.basic", "gk05.project"))]
    broken += [total for total, parts in links if cents(values, total) != sum(cents(values, p) for p in parts)]
    return broken


def test_a_yuan_file_fills_with_every_identity_exact(filled):
    _, _, output, assessment = filled
    assert "金额已由元转换为万元（保留两位小数，舍位平衡）：调整 8 个单元格，各平衡关系均成立" in output
    assert [f.code for f in assessment.findings] == ["rules-not-applied"]  # 附件1 is not in the 公开 set
    assert broken_identities(assessment) == []
    got = {k: cents(assessment.as_filed, k) for k in ("gk05.total", "gk05.basic", "gk05.project",
                                                      "gk06.personnel_total", "gk06.public_total")}
    assert got == {"gk05.total": 338380, "gk05.basic": 141521, "gk05.project": 196859,
                   "gk06.personnel_total": 131501, "gk06.public_total": 10020}  # the seed's totals, unchanged


def test_the_adjusted_cells_are_listed(filled):
    _, _, output, assessment = filled
    moved = [line.removeprefix("  调整：") for line in output.splitlines() if line.startswith("  调整：")]
    assert moved == [
        "公开02!C10（科目 2010301 本年收入合计）19.1045 四舍五入为 19.10，调整为 19.11（+0.01）",
        "公开02!D10（科目 2010301 财政拨款收入）19.1045 四舍五入为 19.10，调整为 19.11（+0.01）",
        "公开03!D11（科目 2010302 基本支出）1,272.6750 四舍五入为 1,272.68，调整为 1,272.67（-0.01）",
        "公开03!E11（科目 2010302 项目支出）1,608.0745 四舍五入为 1,608.07，调整为 1,608.08（+0.01）",
        "公开05!D11（科目 2010302 基本支出）1,272.6750 四舍五入为 1,272.68，调整为 1,272.67（-0.01）",
        "公开05!E11（科目 2010302 项目支出）1,608.0745 四舍五入为 1,608.07，调整为 1,608.08（+0.01）",
        "公开06!C7（基本工资决算数）196.5745 四舍五入为 196.57，调整为 196.58（+0.01）",
        "公开06!F7（办公费决算数）6.0445 四舍五入为 6.04，调整为 6.05（+0.01）",
    ]
    values = assessment.as_filed  # 公开02 C10 is the row's 合计 formula: it follows its one moved part
    assert values["gk02.rows[2].fiscal"] == 19.11 and values["gk02.rows[2].total"] == 19.11
    assert values["gk05.rows[3].basic"] == 1272.67 and cents(values, "gk05.rows[3].total") == 288075


def test_plain_rounding_of_the_same_file_breaks_identities(filled, tmp_path):
    _, source, _, _ = filled
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    del data["amount_unit"]

    def plain(value):
        return round(value / 10000, 2) if isinstance(value, int) else value

    for fields in data["tables"].values():
        for name, value in fields.items():
            if isinstance(value, list):
                for row in value:
                    row.update({k: plain(v) for k, v in row.items() if k not in ("code", "name")})
            else:
                fields[name] = plain(value)
    naive = tmp_path / "四舍五入.yaml"
    naive.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run("generate", "--data", str(naive), "-o", str(tmp_path / "naive.xlsx"))
    assessment = assess(tmp_path / "naive.xlsx")
    found = {(f.code, f.sheet, f.cell, f.rule) for f in assessment.findings}
    assert ("identity-mismatch", "公开05", "D7", "gk05-gk06-basic") in found  # 1,415.21 against 1,415.19
    assert ("rounding-difference", "公开05", "E9", "gk05-hierarchy") in found  # 款 20103 1,957.81 against 1,957.80
    assert sum(f.code in ROUNDING for f in assessment.findings) == 6 and assessment.errors == 1
    assert "gk05.basic" in broken_identities(assessment)


def test_fill_converts_the_same_way(filled, tmp_path):
    root, source, _, expected = filled
    run("generate", "--year", "2023", "--tables", "gk01,gk02,gk03,gk04,gk05,gk06,gk07,gk08,gk09",
        "--rows", "gk02.rows=30,gk03.rows=30,gk05.rows=30", "-o", str(tmp_path / "空白.xlsx"))
    output = run("fill", str(tmp_path / "空白.xlsx"), str(source), "-o", str(tmp_path / "填好.xlsx"))
    assert "调整 8 个单元格，各平衡关系均成立" in output
    got = assess(tmp_path / "填好.xlsx")
    assert not [f for f in got.findings if f.code in ROUNDING] and broken_identities(got) == []
    assert all(got.as_filed.get(k) == expected.as_filed.get(k) for k in ("gk05.total", "gk06.e30101", "gk03.total"))


@pytest.mark.parametrize("unit, code", [("万元", 0), ("千元", 2), ("", 2)])
def test_amount_unit_is_yuan_or_wan_yuan(tmp_path, unit, code):
    data = {"workbook": {"year": 2023, "tables": ["gk09"]}, "amount_unit": unit,
            "tables": {"gk09": {"b_abroad": 1.5, "b_car_buy": 0.0}}}
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    output = run("generate", "--data", str(path), "-o", str(tmp_path / "x.xlsx"), code=code)
    if code:
        assert f"d.yaml：amount_unit 应为“元”或“万元”（默认万元），实际为“{unit}”" in output
        assert "Traceback" not in output


def test_a_yuan_file_that_does_not_add_up_is_reported(tmp_path):
    data = {"workbook": {"year": 2023, "tables": ["gk05"]}, "amount_unit": "元", "tables": {"gk05": {"rows": [
        {"code": "201", "name": "一般公共服务支出", "basic": 30000, "project": 0},
        {"code": "20101", "name": "人大事务", "basic": 10049, "project": 0},
        {"code": "20102", "name": "政协事务", "basic": 10049, "project": 0}]}}}
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", "--data", str(path), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 0
    assert "元数据本身不平衡：公开05!D8 30,000.00 元 ≠ 其组成项之和 20,098.00 元（gk05 审核公式 gk05-hierarchy）" in result.output


# --- property: random 元 figures on a 2-level 科目 tree of 公开05 and the 公开06 lines of its 基本支出 ---

CODES = ("201", "20101", "2010101", "2010102", "2010103", "20102", "2010201", "205", "20501", "2050101", "2050102")
LEAVES = [c for c in CODES if not any(d != c and d.startswith(c) for d in CODES)]
PLAN = plan_workbook(2023, tables=["gk05", "gk06"], counts={"gk05.rows": len(CODES)})
ECON = ("e30101", "e30102", "e30201", "e30202", "e30299")
fen = st.integers(min_value=0, max_value=10 ** 10)  # 分 (0.01 元)


@settings(max_examples=60, deadline=None)
@given(basic=st.lists(fen, min_size=len(LEAVES), max_size=len(LEAVES)),
       project=st.lists(fen, min_size=len(LEAVES), max_size=len(LEAVES)),
       econ=st.lists(st.integers(min_value=1, max_value=1000), min_size=len(ECON), max_size=len(ECON)))
def test_random_yuan_figures_keep_every_sum(basic, project, econ):
    given_fen: dict[str, int] = {}
    for col, leaf_values in (("basic", basic), ("project", project)):
        by_leaf = dict(zip(LEAVES, leaf_values))
        for i, code in enumerate(CODES):
            given_fen[f"gk05.rows[{i}].{col}"] = sum(v for c, v in by_leaf.items() if c.startswith(code))
    total_basic = sum(basic)
    shares = [total_basic * w // sum(econ) for w in econ]  # the 基本支出 spread over 公开06 lines, to the 分
    shares[-1] += total_basic - sum(shares)
    given_fen.update({f"gk06.{e}": v for e, v in zip(ECON, shares)})
    data = {**{f"gk05.rows[{i}].code": c for i, c in enumerate(CODES)}, **{k: v / 100 for k, v in given_fen.items()}}
    result = balance(data, PLAN)
    assert result.unbalanced == []
    values = engine_for(PLAN).compute({**PLAN.default_inputs(), **result.values})
    for key, x in given_fen.items():  # each part within 0.01 of its plain rounding, and below 0.01 from its 元 figure
        assert abs(cents(values, key) - (x + 5000) // 10000) <= 1 and abs(cents(values, key) * 10000 - x) < 10000
    exact = sum(basic) + sum(project)
    assert cents(values, "gk05.total") == (exact + 5000) // 10000  # the grand total is never moved
    rows = {c: i for i, c in enumerate(CODES)}
    for code, i in rows.items():
        kids = [j for c, j in rows.items() if len(c) == len(code) + 2 and c.startswith(code)]
        for col in ("total", "basic", "project"):
            assert not kids or cell(values, "gk05", i, col) == sum(cell(values, "gk05", j, col) for j in kids)
    for col in ("total", "basic", "project"):
        assert cents(values, f"gk05.{col}") == sum(cell(values, "gk05", i, col) for c, i in rows.items() if len(c) == 3)
    assert cents(values, "gk05.basic") == cents(values, "gk06.personnel_total") + cents(values, "gk06.public_total")
    for a in result.adjustments:
        assert abs(a.delta) == 0.01 and a.field.key in values


def test_consolidate_takes_a_yuan_member_balanced(filled):
    """A unit that reported in 元 joins a 汇总 as a data file, converted as its own workbook was filled."""
    root, source, _, unit = filled
    (root / "inbox").mkdir()
    run("generate", "--data", str(source), "--unit", "甲单位", "--unit-code", "101", "-o", str(root / "inbox/101.xlsx"))
    run("batch", str(root / "inbox"), "-o", str(root / "out"), "--jobs", "1")
    output = run("consolidate", str(root / "out"), "-o", str(root / "汇总.xlsx"), "--data", str(source))
    assert "002_元.yaml：金额已由元转换为万元（保留两位小数，舍位平衡）：调整 8 个单元格，各平衡关系均成立" in output
    assert "已汇总 2 个单位" in output and "汇总表审核：错误 0 条" in output
    total = assess(root / "汇总.xlsx")
    assert total.plan.members == ("甲单位（101）", "荆门市行政审批局(本级)")
    assert not [f for f in total.findings if f.code in ROUNDING] and broken_identities(total) == []
    for key in ("gk05.total", "gk05.rows[3].basic", "gk05.rows[3].project", "gk06.e30101", "gk02.rows[2].fiscal"):
        assert cents(total.as_filed, key) == 2 * cents(unit.as_filed, key), key
    other = yaml.safe_load(source.read_text(encoding="utf-8"))
    other["workbook"]["year"] = 2022
    (root / "上年.yaml").write_text(yaml.safe_dump(other, allow_unicode=True), encoding="utf-8")
    output = run("consolidate", str(root / "out"), "-o", str(root / "x.xlsx"), "--data", str(root / "上年.yaml"), code=2)
    assert "上年.yaml：数据文件为 2022 年度，本次汇总的是 2023 年度" in output


def test_an_amount_in_yuan_must_be_a_number(tmp_path):
    data = {"workbook": {"year": 2023, "tables": ["gk09"]}, "amount_unit": "元",
            "tables": {"gk09": {"b_abroad": "1,500", "b_car_buy": 0}}}
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    output = run("generate", "--data", str(path), "-o", str(tmp_path / "x.xlsx"), code=2)
    assert "公开09!B8（gk09.b_abroad）：按元填报的金额须为数值，实际为“1,500”" in output


def test_rows_and_columns_both_add_up_and_the_grand_total_never_moves():
    """Four 30 元 cells: each row and column total (60 元) rounds to 0.01, the grand total (120 元) to 0.01 too — so
    one cell must become 0.01, and one row total and one column total, which plain rounding makes 0.01, must be
    0.00: the grand total is kept, the two totals are reported as unavoidable."""
    plan = plan_workbook(2023, tables=["gk05"], counts={"gk05.rows": 2})
    given = {"gk05.rows[0].code": "201", "gk05.rows[1].code": "205", "gk05.rows[0].basic": 30,
             "gk05.rows[0].project": 30, "gk05.rows[1].basic": 30, "gk05.rows[1].project": 30}
    result = balance(given, plan)
    values = engine_for(plan).compute({**plan.default_inputs(), **result.values})
    assert result.unbalanced == [] and cents(values, "gk05.total") == 1
    assert sorted(cents(values, k) for k in given if k.endswith(("basic", "project"))) == [0, 0, 0, 1]
    for i in (0, 1):
        assert cell(values, "gk05", i, "total") == cell(values, "gk05", i, "basic") + cell(values, "gk05", i, "project")
    for col in ("basic", "project", "total"):
        assert cents(values, f"gk05.{col}") == cell(values, "gk05", 0, col) + cell(values, "gk05", 1, col)
    assert [(a.field.cell, a.delta, a.total) for a in result.adjustments] == [
        ("D7", -0.01, True), ("C8", -0.01, True), ("E9", 0.01, False)]  # 合计 基本, 201 小计; 205 项目 0.01


SMALL = ("201", "20101", "2010101", "2010102", "205")
SMALL_LEAVES = ("2010101", "2010102", "205")
SMALL_PLAN = plan_workbook(2023, tables=["gk05"], counts={"gk05.rows": len(SMALL)})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=99_999), min_size=6, max_size=6))
def test_no_rounding_moves_fewer_totals(leaf_fen):
    """Against every rounding of the six 公开05 leaf cells to the 0.01 below or above: none that keeps the grand
    total at its plain rounding and every other total within 0.01 of its 元 figure moves fewer totals from their
    plain rounding than 舍位平衡 does (such a rounding always exists: the grand total is never moved)."""
    leaves = {(c, col): v for (c, col), v in zip([(c, col) for col in ("basic", "project") for c in SMALL_LEAVES],
                                                  leaf_fen)}
    rows = {c: i for i, c in enumerate(SMALL)}

    def published(cell: dict) -> dict[str, int]:
        """Every amount of the table from its leaf cells (分 or cents alike)."""
        out = {}
        for code, i in rows.items():
            for col in ("basic", "project"):
                out[f"gk05.rows[{i}].{col}"] = sum(v for (c, k), v in cell.items() if k == col and c.startswith(code))
            out[f"gk05.rows[{i}].total"] = out[f"gk05.rows[{i}].basic"] + out[f"gk05.rows[{i}].project"]
        for col in ("basic", "project", "total"):
            out[f"gk05.{col}"] = sum(out[f"gk05.rows[{rows[c]}].{col}"] for c in ("201", "205"))
        return out

    exact = published(leaves)
    totals = [k for k in exact if not any(k == f"gk05.rows[{rows[c]}].{col}" for c in SMALL_LEAVES
                                          for col in ("basic", "project"))]
    plain = {k: (x + 5000) // 10000 for k, x in exact.items()}
    fewest = None
    for ups in range(1 << 6):
        cell = {key: v // 10000 + (ups >> n & 1 if v % 10000 else 0) for n, (key, v) in enumerate(leaves.items())}
        got = published(cell)
        if got["gk05.total"] == plain["gk05.total"] and \
                all(exact[k] // 10000 <= got[k] <= -(-exact[k] // 10000) for k in totals):
            moved = sum(got[k] != plain[k] for k in totals)
            fewest = moved if fewest is None else min(fewest, moved)
    data = {**{f"gk05.rows[{i}].code": c for c, i in rows.items()},
            **{k: v / 100 for k, v in exact.items() if not k.startswith("gk05.") or k.count(".") > 1
               and not k.endswith("total")}}
    result = balance(data, SMALL_PLAN)
    values = engine_for(SMALL_PLAN).compute({**SMALL_PLAN.default_inputs(), **result.values})
    assert sum(cents(values, k) != plain[k] for k in totals) == fewest
    assert cents(values, "gk05.total") == plain["gk05.total"]
