"""What ``check_structure`` tells a unit about its workbook as a whole: each finding's code, severity, place,
message and values, and the limits (20 listed links, the text length) at their edges. Fast: one workbook is
rendered and read once; each test edits a copy of what was read."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from perftool.audit.structure import LISTED_LINKS, check_structure
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from perftool.identity import FINDINGS_SHEET, SCORES_SHEET, SHEET
from perftool.read.workbook import read_cells
from perftool.read.xlsx import Limits, Sheet, read_book


@pytest.fixture(scope="module")
def read(tmp_path_factory):
    plan = plan_workbook(2023, "测试单位", "900001", ["fj1", "fj2", "pj"])
    path = tmp_path_factory.mktemp("structure") / "clean.xlsx"
    render(plan, plan.default_inputs(), path)
    book = read_book(path)
    return plan, book, read_cells(book, plan)


def check(read, edit=None, values=None, limits=None) -> list[tuple]:
    """The findings on an edited copy, as (code, severity, table, sheet, cell, message, values)."""
    plan, book, cells = read
    book = copy.deepcopy(book)
    if edit:
        edit(book)
    cells = replace(cells, values={**cells.values, **(values or {})})
    return [(f.code, f.severity, f.table, f.sheet, f.cell, f.message, f.values)
            for f in check_structure(book, plan, cells, limits or Limits())]


def test_the_template_as_generated_has_no_finding(read):
    assert check(read) == []


def test_added_sheets_are_named_but_perftools_own_are_not(read):
    def edit(book):
        for name in ("草稿", SHEET, FINDINGS_SHEET, SCORES_SHEET, "备注"):
            book.sheets[name] = Sheet(name)
    assert check(read, edit) == [
        ("sheet-added", "warning", None, None, None, "增加了表样以外的工作表：草稿、备注（不参与审核）", {})]


def test_sheets_moved_out_of_order(read):
    def edit(book):
        book.sheets = {k: book.sheets[k] for k in ("附件2", SHEET, "附件1", "评分表")}
    assert check(read, edit) == [
        ("sheet-reordered", "warning", None, None, None,
         "工作表顺序为 附件2、附件1、评分表，表样为 附件1、附件2、评分表", {})]


def test_protection_removed_from_one_sheet(read):
    def edit(book):
        book.sheets["附件2"].protected = False
    assert check(read, edit) == [
        ("protection-removed", "warning", "fj2", "附件2", None, "工作表“附件2”的保护已被取消", {})]


def test_each_rewritten_label_at_its_cell(read):
    def edit(book):
        cells = book.sheets["附件1"].cells
        cells[(3, 1)] = (None, "编制人数")
        cells[(5, 0)] = (None, "经费情况")
    assert check(read, edit) == [
        ("label-changed", "warning", "fj1", "附件1", "B4", "附件1!B4 的栏目名称被改为“编制人数”，表样为“编制数”", {}),
        ("label-changed", "warning", "fj1", "附件1", "A6",
         "附件1!A6 的栏目名称被改为“经费情况”，表样为“经费控制情况（万元）”", {}),
    ]


def test_split_merges_by_their_first_cell(read):
    def edit(book):
        book.sheets["附件1"].merges -= {(3, 3, 3, 6), (4, 3, 4, 6)}
    assert check(read, edit) == [
        ("merge-broken", "warning", "fj1", "附件1", "D4", "附件1!D4:G4 的合并单元格被拆分", {}),
        ("merge-broken", "warning", "fj1", "附件1", "D5", "附件1!D5:G5 的合并单元格被拆分", {}),
    ]


@pytest.mark.parametrize("count", [LISTED_LINKS, LISTED_LINKS + 2])
def test_hyperlinks_listed_up_to_twenty_then_counted(read, count):
    assert LISTED_LINKS == 20

    def edit(book):
        book.sheets["附件2"].hyperlinks = [f"B{n}:C{n}" for n in range(1, count + 1)]
    found = check(read, edit)
    assert found[:LISTED_LINKS] == [
        ("hyperlink-present", "warning", "fj2", "附件2", f"B{n}", f"附件2!B{n}:C{n} 带有超链接（未打开，也不会出现在输出中）", {})
        for n in range(1, LISTED_LINKS + 1)]
    assert found[LISTED_LINKS:] == ([] if count == LISTED_LINKS else [
        ("hyperlink-present", "warning", "fj2", "附件2", None, "附件2 另有 2 处超链接（未打开）", {})])


@pytest.mark.parametrize("count", [LISTED_LINKS, LISTED_LINKS + 1])
def test_formulas_reaching_outside_listed_with_the_formula_then_counted(read, count):
    long = "[1]外部!A1+" + "1+" * 150

    def edit(book):
        book.sheets["评分表"].external = [(f"F{n}", long) for n in range(1, count + 1)]
    found = check(read, edit)
    assert found[:LISTED_LINKS] == [
        ("external-reference", "error", "pj", "评分表", f"F{n}",
         f"评分表!F{n} 的公式引用外部文件或程序（未计算，按表样公式处理）", {"公式": "=" + long[:200]})
        for n in range(1, LISTED_LINKS + 1)]
    assert found[LISTED_LINKS:] == ([] if count == LISTED_LINKS else [
        ("external-reference", "error", "pj", "评分表", None, "评分表 另有 1 个公式引用外部文件或程序", {})])


@pytest.mark.parametrize("count", [LISTED_LINKS, LISTED_LINKS + 3])
def test_external_links_of_the_workbook_listed_then_counted(read, count):
    def edit(book):
        book.external_links = [f"file:///共享/{n}.xlsx" for n in range(count)]
    found = check(read, edit)
    assert found[:LISTED_LINKS] == [
        ("external-reference", "error", None, None, None, f"工作簿含外部链接 file:///共享/{n}.xlsx（未打开）", {})
        for n in range(LISTED_LINKS)]
    assert found[LISTED_LINKS:] == ([] if count == LISTED_LINKS else [
        ("external-reference", "error", None, None, None, "工作簿另有 3 个外部链接或名称引用外部内容（未打开）", {})])


class Clipped(str):
    """A text the reader cut at the limit, remembering how long it was."""
    length = 0


def test_text_longer_than_the_limit_not_at_it(read):
    name = "fj1.special[0].name"
    at_limit = check(read, values={name: "项" * 10}, limits=Limits(text=10))
    assert at_limit == []
    over = "专项资金名称" * 11
    assert check(read, values={name: over[:11]}, limits=Limits(text=10)) == [
        ("text-too-long", "warning", "fj1", "附件1", "A17", "附件1!A17（第1行／3、专项资金） 的文本有 11 字，超过 10 字",
         {"开头": over[:11] + "…"})]
    clipped = Clipped(over[:10])
    clipped.length = 66
    assert check(read, values={name: clipped}, limits=Limits(text=10)) == [
        ("text-too-long", "warning", "fj1", "附件1", "A17", "附件1!A17（第1行／3、专项资金） 的文本有 66 字，超过 10 字",
         {"开头": over[:10] + "…"})]


def test_long_text_shows_its_first_sixty_characters(read):
    text = "".join(chr(0x4E00 + n) for n in range(70))
    [(code, *_, values)] = check(read, values={"fj1.special[0].name": text}, limits=Limits(text=65))
    assert code == "text-too-long" and values == {"开头": text[:60] + "…"}


@pytest.mark.parametrize("lead", ["=", "＋", "@"])
def test_text_that_looks_like_a_formula(read, lead):
    text = "  " + lead + "SUM(A1)" + "x" * 300
    assert check(read, values={"fj1.special[0].name": text}) == [
        ("text-formula-like", "warning", "fj1", "附件1", "A17",
         f"附件1!A17（第1行／3、专项资金） 的文本以“{lead}”开头，按文本读取；输出时加引号前缀，不会成为公式",
         {"填报值": text[:200]})]


def test_formula_like_text_in_a_number_cell_or_a_plain_text_is_no_finding(read):
    assert check(read, values={"fj1.staff_quota": "=1+1", "fj1.special[1].name": "办公楼维修（=一期）",
                               "fj1.special[2].name": 12}) == []
