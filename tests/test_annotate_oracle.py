"""The annotated copy assembled from the layout's skeleton (``generate/skeleton.py``) has the same content as the
full re-render of the template (``annotate(..., full=True)``, the oracle): same sheets in the same order, cells
(values, formulas, cached results, styles down to fills and protection), rows, columns, merges, validations,
highlights, comments, print setup, sheet protection, charts and defined names. Compared part by part from the XML
(``workbook_content.py``), not byte for byte: the copy writes its texts as inline strings and its formats in
another order.

LibreOffice opening the incremental copy and recomputing the same figures: test_libreoffice.py
(``test_annotated_workbook_round_trips_through_libreoffice`` annotates with the default, incremental path); its
printing: test_print.py (the ``_审核`` workbooks)."""

from __future__ import annotations

import dataclasses
import gc
import datetime as dt
from pathlib import Path


import pytest
from xlsxwriter.utility import xl_rowcol_to_cell

from hostile import huge_string, many_runs
from perftool.annotate.workbook import annotate
from perftool.assess import assess
from perftool.audit.findings import ERROR, WARNING, Finding
from perftool.definitions.workbook import plan_workbook
from perftool.generate import sheet_xml
from perftool.generate.render import render
from perftool.generate.skeleton import skeleton_of
from perftool.identity import FINDINGS_SHEET, SHEET as IDENTITY_SHEET
from perftool.synthetic import full_plan, inject_mistakes, random_inputs
from workbook_content import content, differences

EXAMPLES = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


def both(a, folder: Path) -> tuple[dict, dict]:
    """The contents of the full re-render and of the incremental copy of ``a``."""
    full, quick = folder / "full.xlsx", folder / "quick.xlsx"
    annotate(a, full, full=True)
    annotate(a, quick)
    return _unstamped(content(full)), _unstamped(content(quick))


def _unstamped(c: dict) -> dict:
    """Without the time the copy was written (the identity's ``generated_at``)."""
    cells = c[f"sheet {IDENTITY_SHEET}"]["cells"]
    row = next(ref[1:] for ref, cell in cells.items() if ref.startswith("A") and cell[1] == "generated_at")
    del cells[f"B{row}"]
    return c


def test_every_example(example, tmp_path):
    for name in EXAMPLES:
        _, a = example(name)
        folder = tmp_path / name
        folder.mkdir()
        full, quick = both(a, folder)
        assert differences(full, quick) == [], name
        marked = [f for f in a.findings if f.cell and f.sheet in {lay.sheet for lay in a.plan.layouts.values()}]
        assert not marked or quick[f"sheet {marked[0].sheet}"]["comments"], name  # comments are compared too


def test_synthetic_corpus_with_mistakes(tmp_path):
    """24 full-set units with random entries, mistakes injected into every other (texts in amounts, figures typed
    over totals, negatives); two row counts. Units of one layout share one skeleton."""
    compared = 0
    for i in range(24):
        plan = full_plan(2024, i, rows=25 if i % 3 == 2 else None)
        inputs = {**plan.default_inputs(), **random_inputs(plan, i)}
        if i % 2:
            inputs = inject_mistakes(plan, inputs, i, 8)
        folder = tmp_path / f"{i:02d}"
        folder.mkdir()
        render(plan, inputs, folder / "in.xlsx")
        a = assess(folder / "in.xlsx")
        assert a.findings, i
        if i % 2:
            assert a.overrides, i  # figures typed over formulas: written as constants in the formula's style
        full, quick = both(a, folder)
        assert differences(full, quick) == [], i
        compared += 1
    assert compared == 24
    assert skeleton_of(full_plan(2024, 0)) is skeleton_of(full_plan(2024, 4))
    assert skeleton_of(full_plan(2024, 0)) is not skeleton_of(full_plan(2024, 2, rows=25))


def test_tables_of_500_rows(tmp_path):
    """Four tables with 500 rows in every repeat group (~8,000 fields, ~4,600 validation rules): the skeleton built
    one table at a time, its validations written apart in pieces, gives the same copy as the full re-render."""
    plan = plan_workbook(2024, "合成单位0500", "900500", ["gk01", "gk02", "gk08", "fj1"], counts={"*": 500})
    inputs = inject_mistakes(plan, {**plan.default_inputs(), **random_inputs(plan, 5)}, 5, 8)
    render(plan, inputs, tmp_path / "in.xlsx")
    a = assess(tmp_path / "in.xlsx")
    assert a.findings and a.overrides
    full, quick = both(a, tmp_path)
    assert differences(full, quick) == []
    rules = [e for e in quick[f"sheet {plan.layouts['gk02'].sheet}"]["elements"]
             if isinstance(e, str) and "dataValidations" in e]
    assert len(rules) == 1 and rules[0].count("dataValidation ") > 1000


#: Entered texts that a writer must escape, keep or quote: XML specials, control characters and Excel's own
#: ``_xHHHH_`` escapes, spaces at either end, line breaks, characters beyond the BMP, formula leads, over-long.
HOSTILE_TEXTS = ["A&B <单位> \"引号\" 'x'", "控制\x01字符\x1f", "_x0041_ 字面", "  前后空格  ", "第一行\n第二行",
                 "𠀀𠀁 扩展汉字 😀", "=SUM(A1:A9)", "-5 万元", "＝全角", "@提及", "\t制表", "长" * 40000]


def test_hostile_but_readable_submissions(tmp_path):
    """A unit whose name has XML specials, texts of every awkward kind in text fields, in amounts and typed over
    formulas; a package whose 附件1 entries are all one long shared string; one with a string of many rich-text
    runs. All are read, scored and annotated; both copies agree."""
    plan = plan_workbook(2024, "A&B<测试>单位 ", "900001", ["gk01", "fj1", "fj2", "pj"])
    inputs = plan.default_inputs()
    texts = [f for f in plan.fields() if f.kind == "input" and f.type == "text"]
    amounts = [f for f in plan.fields() if f.kind == "input" and f.type == "amount"]
    totals = [f for f in plan.fields() if f.kind == "formula" and f.type == "amount"]
    dates = [f for f in plan.fields() if f.kind == "input" and f.type == "date"]
    for i, text in enumerate(HOSTILE_TEXTS):
        inputs[texts[i % len(texts)].key] = text
        inputs[amounts[i].key] = text
        inputs[totals[i].key] = text
    inputs.update({f.key: dt.date(2025, 3, 31) for f in dates})
    good = tmp_path / "good.xlsx"
    render(plan, inputs, good)
    cases = {"texts": good, "huge_string": huge_string(good, tmp_path / "huge.xlsx", 60),
             "many_runs": many_runs(good, tmp_path / "runs.xlsx", 500)}
    for name, path in cases.items():
        a = assess(path)
        assert a.findings, name
        folder = tmp_path / name
        folder.mkdir()
        full, quick = both(a, folder)
        assert differences(full, quick) == [], name
    shown = {cell[1] for cell in quick[f"sheet {plan.layouts['gk01'].sheet}"]["cells"].values()}
    assert "部门：A&B<测试>单位 " in shown  # the unit's own line, escaped


def test_the_comparison_sees_a_changed_entry(example, tmp_path):
    """The oracle can fail: a copy written with one entry changed differs from the full re-render in that cell."""
    _, a = example("003_yiyang_2022")
    key = next(k for k, v in a.inputs.items() if isinstance(v, (int, float)) and not isinstance(v, bool) and v)
    full = tmp_path / "full.xlsx"
    annotate(a, full, full=True)
    changed = tmp_path / "changed.xlsx"
    annotate(dataclasses.replace(a, inputs={**a.inputs, key: a.inputs[key] + 1}), changed)
    f = a.plan.field(key)
    found = differences(_unstamped(content(full)), _unstamped(content(changed)), limit=500)
    assert any(d.startswith(f"/sheet {f.sheet}/cells/{f.cell}:") for d in found), found


#: Finding texts the copy's own writer must escape or keep exactly as XlsxWriter does: besides HOSTILE_TEXTS, a
#: text spelled as XlsxWriter's rich string, tags and entities, the escape of a literal escape, U+FFFE-free
#: characters at the edge of what XML allows.
FINDING_TEXTS = [*HOSTILE_TEXTS, "<r>像富文本</r>", "<b>&amp;</b> &lt;", "_x005F_x0041_", "\x0b垂直制表", " ",
                 "末尾换行\n", "\r回车开头", "𠀀" * 20000]


def test_escaped_finding_texts_and_a_sheet_of_many_comments(tmp_path):
    """Findings whose every text needs escaping, truncating or keeping spaces, in the 审核结果 rows (and their 说明
    and 现场数据) and as comments; a comment on every cell of a 110-row 公开02 (more than one VML block of 1,024
    shapes, boxes over rows of other heights), a few on other sheets. Both copies agree, comment XML and VML to
    the byte."""
    plan = full_plan(2024, 3, rows=110)
    render(plan, {**plan.default_inputs(), **random_inputs(plan, 3)}, tmp_path / "in.xlsx")
    a = assess(tmp_path / "in.xlsx")
    layouts = list(a.plan.layouts.values())
    many = a.plan.layouts["gk02"]
    cells = [(many.sheet, xl_rowcol_to_cell(r, c)) for r in range(many.header_first, many.body_last + 1)
             for c in range(len(many.table.columns))]
    cells += [(lay.sheet, "C8") for lay in layouts[2:5]] + [(None, None), (layouts[0].sheet, None)]
    findings = [Finding(a.findings[0].code, ERROR if i % 3 == 0 else WARNING, FINDING_TEXTS[i % len(FINDING_TEXTS)],
                        sheet=sheet, cell=cell, row_label=FINDING_TEXTS[(i + 1) % len(FINDING_TEXTS)][:50],
                        values={"填报数": FINDING_TEXTS[(i + 2) % len(FINDING_TEXTS)], "计算数": i * 1.5},
                        id=f"T{i:04d}", explanation=FINDING_TEXTS[(i + 3) % len(FINDING_TEXTS)] if i % 4 else None)
                for i, (sheet, cell) in enumerate(cells)]
    assert len(findings) > 1100
    full, quick = both(dataclasses.replace(a, findings=findings), tmp_path)
    assert differences(full, quick) == []
    marked = quick[f"sheet {many.sheet}"]
    count = len(cells) - 5
    assert marked["comments"][0].count(b"<comment ") == count
    vml = next(e[1][0] for e in marked["elements"] if isinstance(e, tuple) and e[0].endswith("legacyDrawing"))
    assert b'data="1,2"' in vml and vml.count(b"<v:shape ") == count
    shown = {cell[1] for cell in quick[f"sheet {FINDINGS_SHEET}"]["cells"].values()}
    assert {"<r>像富文本</r>", "<b>&amp;</b> &lt;", "_x005F_x005F_x0041_", "_x000B_垂直制表"} <= shown
    assert "𠀀" * 16383 in shown  # a text over Excel's 32,767 UTF-16 units: truncated as XlsxWriter does


def test_the_copy_leaves_no_reference_cycles(example, tmp_path):
    """The copy is written with cyclic garbage collection off: everything it made is freed by reference counting
    (no cycle left for a collection to find), the full re-render's XlsxWriter workbook by contrast leaves cycles."""
    _, a = example("000_yueyang_2022")
    annotate(a, tmp_path / "warm.xlsx")
    gc.collect()
    annotate(a, tmp_path / "quick.xlsx")
    assert gc.collect() == 0
    annotate(a, tmp_path / "full.xlsx", full=True)
    assert gc.collect() > 0


def test_a_second_unit_of_one_layout_with_other_findings_equals_its_own_full_render(tmp_path):
    """What the copy keeps across units (row templates per sheet, texts as XML, comment options and prototypes,
    measured heights, validation XML) leaks nothing: a unit annotated right after another of the same layout,
    with the first's findings' texts in other rows, severities, 说明 states and cells, equals its own full
    re-render; so does the first annotated again."""
    plan = full_plan(2024, 7)
    render(plan, {**plan.default_inputs(), **random_inputs(plan, 7)}, tmp_path / "in.xlsx")
    a = assess(tmp_path / "in.xlsx")
    first = a.findings
    assert len(first) > 100
    cells = [(f.sheet, f.cell) for f in first]
    second = [dataclasses.replace(f, severity=WARNING if f.severity == ERROR else ERROR,
                                  message=first[-1 - i].message, sheet=cells[(i + 7) % len(cells)][0],
                                  cell=cells[(i + 7) % len(cells)][1], id=f"X{i:04d}",
                                  explanation=None if f.explanation else f"说明{i % 5}")
              for i, f in enumerate(first)]
    b = dataclasses.replace(a, findings=second)
    for i, unit in enumerate((a, b, a)):
        folder = tmp_path / f"unit{i}"
        folder.mkdir()
        full, quick = both(unit, folder)
        assert differences(full, quick) == [], i
        rows = {cell[1] for ref, cell in quick[f"sheet {FINDINGS_SHEET}"]["cells"].items() if ref.startswith("K")}
        assert rows >= {f.id for f in unit.findings}, i


@pytest.mark.parametrize("plain_rows", [sheet_xml.PLAIN_ROWS, 5])
def test_finding_rows_put_whole_or_cell_by_cell_as_their_texts_need(tmp_path, monkeypatch, plain_rows):
    """The 审核结果 rows checked and escaped all at once: a row whose texts hold ``&``, ``<`` or ``>`` inside (or a
    line break, a space inside, the character the check joins texts with) goes in whole, one with a text that
    ``inline_text`` writes otherwise (control character, ``_x``, a space at either end, also a full-width or
    no-break one), that is quoted or starts with ``<``, or that holds the joining character and needs escaping
    goes cell by cell; both copies agree, also when the rows beyond the first few are deflated (whole ones and
    those cell by cell among them)."""
    monkeypatch.setattr(sheet_xml, "PLAIN_ROWS", plain_rows)
    monkeypatch.setattr(sheet_xml, "OPEN_ROWS", min(sheet_xml.OPEN_ROWS, plain_rows))
    XmlSheet = sheet_xml.XmlSheet
    whole = {"a&b<c>d", "甲 & 乙", "第一行\n第二行", "中\ue000间", "x<y", "差额 > 0 万元"}
    apart = {"A&B\ue000<c>", "控制\x01", "_x0041_", " 前", "后 ", "=1", "<b>加粗</b>", "＠提及", "\t制表", "尾\u3000",
             "\u00a0前"}
    plan = full_plan(2024, 1)
    render(plan, plan.default_inputs(), tmp_path / "in.xlsx")
    a = assess(tmp_path / "in.xlsx")
    texts = sorted(whole) + sorted(apart)
    findings = [Finding(a.findings[0].code if a.findings else "B001", WARNING if i % 2 else ERROR, "问题说明",
                        sheet=plan.layouts["gk01"].sheet, cell="C8", row_label=text, id=f"T{i:04d}",
                        values={"填报数": 1.5}, explanation="已核实" if i % 3 else None)
                for i, text in enumerate(texts)]
    put: dict[int, bool] = {}  # the 审核结果 rows put whole: whether taken
    original = XmlSheet.put_whole_row

    def spy(self, row, *args):
        taken = original(self, row, *args)
        if self.name == FINDINGS_SHEET:
            put[row] = taken
        return taken

    deflated: list[int] = []  # 审核结果 rows given whole deflated together, each time
    deflate = XmlSheet._deflate_whole

    def counted(self):
        deflated.append(len(self._whole) if self.name == FINDINGS_SHEET else 0)
        deflate(self)

    monkeypatch.setattr(XmlSheet, "put_whole_row", spy)
    monkeypatch.setattr(XmlSheet, "_deflate_whole", counted)
    full, quick = both(dataclasses.replace(a, findings=findings), tmp_path)
    assert differences(full, quick) == []
    assert sum(deflated) == (0 if plain_rows > len(texts) else len(whole) - plain_rows)
    went = {texts[row - 3] for row, ok in put.items() if ok}
    assert went == whole
    shown = {cell[1] for cell in quick[f"sheet {FINDINGS_SHEET}"]["cells"].values()}
    assert {"a&b<c>d", "A&B\ue000<c>", "_x005F_x0041_", " 前"} <= shown
