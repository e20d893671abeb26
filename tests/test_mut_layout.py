"""How a table definition lands on its sheet (``lay_out``): rows after the three title rows, repeat groups, merges,
labels, and the row/column captions every finding names a field by; and the definition errors, word for word."""

from __future__ import annotations

import pytest

from perftool.definitions.cells import parse_cell
from perftool.definitions.layout import TITLE_ROWS, field_key, lay_out, substitute
from perftool.definitions.model import Block, Column, RepeatDef, TableDef
from perftool.errors import DefinitionError

SOURCE = "templates/tables/tt/2024.yaml"


def table(header: list[list], rows: list, width: int = 3) -> TableDef:
    """A table ``tt`` on sheet 测试表 from rows in the YAML cell mini-language (a tuple is a repeat group)."""
    def cells(row: list) -> list:
        return [parse_cell(x, "amount", "测试") for x in row]
    body = [RepeatDef(r[0], r[1], cells(r[2]), r[3]) if isinstance(r, tuple) else cells(r) for r in rows]
    return TableDef("tt", "2024", "表1", "测试表", "测试表", [Column(10)] * width, [cells(r) for r in header], body,
                    [], [], {}, None, False, SOURCE, "")


HEADER = [["项目", "{year}年", "{prev_year}年"], ["栏次", 1, "2"]]
ROWS = [
    ["一、收入", "@inc", "@inc_prev"],
    ["\u3000其中：拨款 ", "=grant: {inc} * 2", None],
    ("items", 2, ["明细", "@amt", "@note:text"], "每行填一项"),
    ["合计", "=total: {inc}", "——"],
]
CONTEXT = {"year": "2024", "prev_year": "2023"}


def fields(layout) -> list[tuple]:
    assert all(f.table == "tt" and f.sheet == "测试表" and f.key.endswith("." + f.name) for f in layout.fields.values())
    return [(f.key, f.kind, f.type, f.row, f.col, f.block, f.index, f.row_label, f.col_label)
            for f in layout.fields.values()]


def test_rows_fields_and_captions():
    assert TITLE_ROWS == 3
    layout = lay_out(table(HEADER, ROWS), {}, CONTEXT)
    assert (layout.header_first, layout.body_first, layout.body_last) == (3, 5, 9)
    assert len(layout.grid) == 10
    assert fields(layout) == [
        ("tt.inc", "input", "amount", 5, 1, None, None, "一、收入", "2024年"),
        ("tt.inc_prev", "input", "amount", 5, 2, None, None, "一、收入", "2023年"),
        ("tt.grant", "formula", "amount", 6, 1, None, None, "其中：拨款", "2024年"),
        ("tt.items[0].amt", "input", "amount", 7, 1, "items", 0, "明细第1行", "2024年"),
        ("tt.items[0].note", "input", "text", 7, 2, "items", 0, "明细第1行", "2023年"),
        ("tt.items[1].amt", "input", "amount", 8, 1, "items", 1, "明细第2行", "2024年"),
        ("tt.items[1].note", "input", "text", 8, 2, "items", 1, "明细第2行", "2023年"),
        ("tt.total", "formula", "amount", 9, 1, None, None, "合计", "2024年"),
    ]
    assert layout.fields["tt.grant"].expr == "{inc} * 2" and layout.fields["tt.inc"].expr is None
    assert layout.cell_fields[(8, 2)] is layout.fields["tt.items[1].note"]
    assert layout.blocks == {"items": Block("items", 7, 2, {"amt": 1, "note": 2}, "每行填一项")}
    assert layout.merges == [(7, 0, 8, 0)]  # the group's label cell merged down its rows
    assert layout.labels[(4, 1)] == "1" and layout.labels[(6, 0)] == "其中：拨款" and layout.labels[(8, 0)] == "明细"
    assert (0, 0) not in layout.labels and (9, 2) in layout.labels


@pytest.mark.parametrize("counts, rows", [({"items": 0}, 1), ({"items": 4}, 4), ({"other": 9}, 2)])
def test_repeat_groups_take_the_counts_asked_for_and_at_least_one_row(counts, rows):
    layout = lay_out(table(HEADER, ROWS), counts, CONTEXT)
    assert layout.blocks["items"].count == rows
    assert layout.body_last == 7 + rows
    assert [k for k in layout.fields if k.startswith("tt.items")][-1] == f"tt.items[{rows - 1}].note"


def test_options_of_a_choice_cell():
    layout = lay_out(table([["项目", "是否"]], [["完成", "@done:choice:是/否"]], width=2), {}, CONTEXT)
    assert layout.fields["tt.done"].options == ("是", "否") and layout.fields["tt.done"].type == "choice"


def test_a_value_row_under_its_caption_row_takes_the_caption():
    header = [["人员", "编制数", "实有数"]]
    layout = lay_out(table(header, [[None, "@quota", "@actual"]]), {}, CONTEXT)
    assert [(f.row_label, f.col_label) for f in layout.fields.values()] == [("人员", "编制数"), ("人员", "实有数")]


def test_which_labels_are_captions():
    long = "长" * 40
    header = [["项目", "本年", "上年", long], ["——", long + "长", "说明。", "栏次"], ["", "7", "——", ""]]
    rows = [["收入", "@a", "@b", "@c"], ["栏次", "@d", "@e", "@f"], ["支出", "@g", "附注", "@h"]]
    layout = lay_out(table(header, rows, width=4), {}, CONTEXT)
    got = {k: (f.row_label, f.col_label) for k, f in layout.fields.items()}
    # 栏次 names no row: the row takes the caption above it; a caption right of a cell is not its row's
    assert got == {"tt.a": ("收入", "本年"), "tt.b": ("收入", "上年"), "tt.c": ("收入", long),
                   "tt.d": ("收入", "本年"), "tt.e": ("收入", "上年"), "tt.f": ("收入", long),
                   "tt.g": ("支出", "本年"), "tt.h": ("附注", long)}


def test_rows_without_any_caption():
    rows = [[None, "@a", "@b"], ("g", 2, [None, "@x", None], "")]
    layout = lay_out(table([["", "金额", ""]], rows), {}, CONTEXT)
    assert [(f.key, f.row_label, f.col_label) for f in layout.fields.values()] == [
        ("tt.a", "", "金额"), ("tt.b", "", ""), ("tt.g[0].x", "第1行", "金额"), ("tt.g[1].x", "第2行", "金额")]


def test_full_width_spaces_inside_a_label_are_dropped():
    layout = lay_out(table([["项目", "金额"]], [["其中\u3000拨款\u3000", "@a"]], width=2), {}, CONTEXT)
    assert layout.fields["tt.a"].row_label == "其中拨款"


def test_chained_merges_resolve_to_the_first_cell():
    layout = lay_out(table([["标题", "<", "<"], ["^", "^", "^"]], [["a", "@x", "@y"]]), {}, CONTEXT)
    assert layout.merges == [(3, 0, 4, 2)]
    assert {layout.labels[(r, c)] for r in (3, 4) for c in range(3)} == {"标题"}


def test_field_keys_and_substitution():
    assert field_key("gk01", "inc_gpb") == "gk01.inc_gpb"
    assert field_key("gk02", "total", "rows", 3) == "gk02.rows[3].total"
    assert field_key("gk02", "total", "rows", 0) == "gk02.rows[0].total"
    assert substitute("{unit}{year}年{prev_year}年{year}", {"year": "2024", "prev_year": "2023"}) == \
        "{unit}2024年2023年2024"
    assert substitute(12.5, CONTEXT) == 12.5


@pytest.mark.parametrize("header, rows, message", [
    ([["项目", "金额"]], [["收入", "@a", "@b"]], "表头第 1 行 有 2 个单元格，应为 3 个（与 columns 一致）"),
    ([["项目", "金额", "上年"]], [["收入", "@a", "@b"], ["支出", "@c"]], "表体第 2 行 有 2 个单元格，应为 3 个（与 columns 一致）"),
    ([["项目", "金额", "上年"]], [("g", 1, ["x", "@a", "@b", "@c"], "")], "可变行组 g 有 4 个单元格，应为 3 个（与 columns 一致）"),
    ([["<", "金额", "上年"]], [["收入", "@a", "@b"]], "第 4 行第 1 列的合并标记没有可合并的单元格"),
    ([["项目", "<", "上年"], ["^", None, "上年"]], [["收入", "@a", "@b"]], "第 4 行第 1 列起的合并区域不是矩形"),
    ([["项目", "金额", "上年"]], [["收入", "@a", "@b"], ["支出", "@a", "@c"]], "字段 a 重复定义"),
])
def test_definition_errors_name_the_file_and_the_place(header, rows, message):
    with pytest.raises(DefinitionError) as e:
        lay_out(table(header, rows), {}, CONTEXT)
    assert str(e.value) == f"{SOURCE}：{message}"
