"""Broken and hostile submissions: each catalogued failure with its code, message and place; nothing executed,
nothing lost, reading bounded. The corpus is built here from a generated workbook, never downloaded."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perftool.assess import assess
from perftool.cli import main
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from perftool.identity import SHEET
from perftool.read.failures import FAILURES, UnreadableWorkbook
from perftool.read.xlsx import Limits, read_book
from perftool.synthetic import random_inputs

import hostile
from hostile import FJ1, TABLES, part, rezip


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return hostile.good_workbook(tmp_path_factory.mktemp("good"))


def failure(path: Path, **limits) -> UnreadableWorkbook:
    with pytest.raises(UnreadableWorkbook) as info:
        assess(path, limits=Limits(**limits))
    return info.value


def edited(good: Path, tmp_path: Path, edit) -> Path:
    """``good`` opened and saved by openpyxl after ``edit(book)`` (as a unit editing in a spreadsheet would)."""
    book = openpyxl.load_workbook(good)
    edit(book)
    out = tmp_path / "edited.xlsx"
    book.save(out)
    return out


# -- files that are not usable workbooks ------------------------------------------------------------------------

def test_not_a_spreadsheet(tmp_path):
    path = tmp_path / "报表.xlsx"
    path.write_text("<html><body>决算报表</body></html>", encoding="utf-8")
    e = failure(path)
    assert e.code == "not-spreadsheet"
    assert str(e).startswith("报表.xlsx：不是电子表格文件（是网页或 XML 文件，只是扩展名像工作簿）。请提交")
    word = rezip_word(tmp_path / "说明.xlsx")
    assert failure(word).code == "not-spreadsheet" and "是Word 文档" in str(failure(word))


def rezip_word(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", "<document/>")
    return path


def test_truncated_zip(good, tmp_path):
    path = tmp_path / "截断.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    e = failure(path)
    assert e.code == "zip-corrupt" and str(e).startswith("截断.xlsx：文件已损坏或不完整")
    assert "请重新保存并重新发送" in str(e)


def test_corrupt_part_inside_a_valid_zip(good, tmp_path):
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo(FJ1)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 20: start + 60] = b"\x00" * 40  # damage the compressed stream of 附件1
    path = tmp_path / "坏块.xlsx"
    path.write_bytes(bytes(data))
    e = failure(path)
    assert e.code in ("zip-corrupt", "xml-malformed") and FJ1 in str(e)


@pytest.mark.parametrize("name, code, title", [
    ("旧版.xls", "legacy-xls", "Excel 97-2003 格式（.xls）"),
    ("金山.et", "wps-et", "WPS 表格格式（.et）"),
])
def test_legacy_formats(tmp_path, name, code, title):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le"))
    e = failure(path)
    assert e.code == code and str(e).startswith(f"{name}：{title}。请") and "另存为" in str(e)


def test_encrypted_workbook(tmp_path):
    path = tmp_path / "加密.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le"))
    e = failure(path)
    assert e.code == "encrypted" and "取消“用密码进行加密”" in str(e)


def test_macro_enabled_workbook(good, tmp_path):
    path = rezip(good, tmp_path / "带宏.xlsm", add={"xl/vbaProject.bin": b"Attribute VB_Name = \"Module1\""})
    e = failure(path)
    assert e.code == "macro-enabled" and "宏不会被运行" in str(e)


# -- hostile packages -------------------------------------------------------------------------------------------

def traced(run):
    """``run()``'s result and the peak of memory Python allocated meanwhile."""
    tracemalloc.start()
    try:
        return run(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bomb(path: Path, size: int) -> Path:
    """A package whose sheet inflates to ``size`` bytes of spaces (a few hundred kB on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * size + b"</worksheet>")
    return path


def test_zip_bomb_is_rejected_before_inflating(tmp_path):
    path = bomb(tmp_path / "炸弹.xlsx", 200 * 2**20)
    assert path.stat().st_size < 2 * 2**20
    e, peak = traced(lambda: failure(path))
    assert e.code == "zip-bomb" and "压缩比" in str(e)
    assert peak < 20 * 2**20


def test_zip_bomb_is_stopped_while_inflating(tmp_path):
    """With the ratio check off, the counting stream still stops at the part limit; memory stays bounded."""
    path = bomb(tmp_path / "炸弹.xlsx", 200 * 2**20)
    with zipfile.ZipFile(path, "a") as z:  # a real workbook structure so the sheet is actually read
        z.writestr("_rels/.rels", part_rels())
        z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="公开01" r:id="rId1"/></sheets>'
                                      '</workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Type="x/worksheet" '
                                                 'Target="worksheets/sheet1.xml"/></Relationships>')
    def read() -> UnreadableWorkbook:
        with pytest.raises(UnreadableWorkbook) as info:
            read_book(path, Limits(ratio=1e9, part_mb=8))
        return info.value
    e, peak = traced(read)
    assert e.code == "zip-bomb" and "xl/worksheets/sheet1.xml 解压后超过 8 MB" in str(e)
    assert peak < 20 * 2**20  # bounded by the part limit, not by the 200 MB the part inflates to


def part_rels() -> str:
    return ('<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')


def test_many_entries(good, tmp_path):
    path = rezip(good, tmp_path / "多条目.xlsx", add={f"junk/{i}.xml": b"" for i in range(2100)})
    e = failure(path)
    assert e.code == "zip-bomb" and re.search(r"（21\d\d 个条目，上限 2000）", str(e))


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
          "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                  for i in range(1, 10)) + ']><sst><si><t>&lol9;</t></si></sst>')


def test_entity_expansion_is_refused(good, tmp_path):
    path = rezip(good, tmp_path / "实体.xlsx", {"xl/sharedStrings.xml": LAUGHS.encode()})
    e, peak = traced(lambda: failure(path))
    assert e.code == "xml-unsafe" and "xl/sharedStrings.xml" in str(e)
    assert peak < 20 * 2**20


def test_external_entity_is_refused(good, tmp_path):
    xxe = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           '<sst><si><t>&e;</t></si></sst>')
    path = rezip(good, tmp_path / "外部实体.xlsx", {"xl/sharedStrings.xml": xxe.encode()})
    assert failure(path).code == "xml-unsafe"


def test_malformed_sheet_xml_names_the_part(good, tmp_path):
    text = part(good, FJ1)
    path = rezip(good, tmp_path / "坏XML.xlsx", {FJ1: text[: len(text) // 2].encode()})
    e = failure(path)
    assert e.code == "xml-malformed" and FJ1 in str(e)


def test_absurd_dimensions_are_not_materialised(good, tmp_path):
    """A sheet claiming A1:XFD1048576 with cells far outside the tables reads in bounded memory."""
    text = part(good, FJ1).replace('<dimension ref="A1:G60"/>', '<dimension ref="A1:XFD1048576"/>')
    far = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(1000000, 1000200))
    path = rezip(good, tmp_path / "巨大.xlsx", {FJ1: text.replace("</sheetData>", far + "</sheetData>").encode()})
    a = assess(path)
    assert a.plan.layouts["fj1"]  # scored as usual: the far cells are outside the window and ignored
    assert failure(path, cells=500).code == "too-many-cells"


def test_file_too_large_and_timeout(good):
    e = failure(good, file_mb=0.001)
    assert e.code == "too-large" and "上限 0.001 MB" in str(e)
    assert failure(good, seconds=1e-9).code == "timeout"


# -- workbooks from elsewhere, or edited where they should not be ----------------------------------------------

def test_another_template(tmp_path):
    path = tmp_path / "自制.xlsx"
    openpyxl.Workbook().save(path)
    e = failure(path)
    assert e.code == "not-perftool" and "缺少表样标识页 _perftool" in str(e)


def test_identity_damaged(good, tmp_path):
    def edit(book):
        row = next(r for r in book[SHEET].iter_rows() if r[0].value == "format")
        row[1].value = "someone-else/9"
    e = failure(edited(good, tmp_path, edit))
    assert (e.code, e.sheet) == ("identity-damaged", SHEET) and "标识格式为 'someone-else/9'" in str(e)


def test_other_year_is_refused_in_a_batch_for_one_year(good, tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(good.read_bytes())
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "出"), "--year", "2023"])
    assert result.exit_code == 2
    with (tmp_path / "出" / "汇总.csv").open(encoding="utf-8-sig") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["code"] == "year-mismatch" and "工作簿为 2024 年度，本次报送 2023 年度" in row["reason"]


def test_missing_sheet(good, tmp_path):
    def edit(book):
        del book["附件2"]
    e = failure(edited(good, tmp_path, edit))
    assert (e.code, e.sheet) == ("sheet-missing", "附件2") and "缺少 附件2；现有工作表：公开01、附件1、评分表" in str(e)


def test_rows_inserted(good, tmp_path):
    def edit(book):
        book["附件1"].insert_rows(8, 2)
    e = failure(edited(good, tmp_path, edit))
    assert (e.code, e.sheet) == ("layout-shifted", "附件1")
    assert e.cell == "A8" and "第 8 行以上插入了 2 行" in str(e) and "现位于 A10" in str(e)


def test_column_deleted(good, tmp_path):
    def edit(book):
        book["公开01"].delete_cols(2)
    e = failure(edited(good, tmp_path, edit))
    assert (e.code, e.sheet) == ("layout-shifted", "公开01") and "删除了 1 列" in str(e)


def codes_at(a) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.sheet, f.cell) for f in a.findings}


def test_edits_that_still_allow_scoring(good, tmp_path):
    def edit(book):
        ws = book["附件1"]
        ws.protection.sheet = False                      # protection removed
        ws.unmerge_cells("B57:G57")                      # 厉行节约保障措施 merge broken
        ws["A8"] = "基本支出（含人员）"                   # a label rewritten
        ws["B8"] = 123456.789                            # NaN in an amount (written into the XML below)
        ws["C8"] = 1e308                                 # an absurd amount
        ws["D8"] = "二〇二四年"                           # text in an amount
        ws["B57"] = "=cmd|' /C calc'!A0"                 # DDE smuggled into a text cell
        ws["B58"] = "x" * 5000                           # an extremely long text
        ws["B58"].hyperlink = "http://example.com/"
        ws["F58"] = '=HYPERLINK("http://example.com","点我")'
        ws["D58"] = "2024年3月5日"                        # a date typed as text
        book.create_sheet("草稿")
        book.move_sheet("附件2", offset=-1)
    path = edited(good, tmp_path, edit)
    with zipfile.ZipFile(path) as z:  # openpyxl cannot write NaN; a program can
        sheets = {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")}
    nan = {n: x.replace(b"<v>123456.789</v>", b"<v>NaN</v>") for n, x in sheets.items() if b"123456.789" in x}
    assert len(nan) == 1
    a = assess(rezip(path, tmp_path / "nan.xlsx", nan))
    found = codes_at(a)
    assert ("protection-removed", "附件1", None) in found
    assert ("merge-broken", "附件1", "B57") in found
    assert ("label-changed", "附件1", "A8") in found
    assert ("value-invalid", "附件1", "B8") in found
    assert ("implausible-value", "附件1", "C8") in found
    assert ("value-invalid", "附件1", "D8") in found
    assert ("external-reference", "附件1", "B57") in found
    assert ("formula-in-input", "附件1", "B57") in found
    assert ("text-too-long", "附件1", "B58") in found
    assert ("hyperlink-present", "附件1", "B58") in found
    assert ("external-reference", "附件1", "F58") in found
    assert ("value-coerced", "附件1", "D58") in found
    assert ("sheet-added", None, None) in found and ("sheet-reordered", None, None) in found
    messages = {(f.code, f.cell): f.message for f in a.findings}
    assert messages[("label-changed", "A8")] == "附件1!A8 的栏目名称被改为“基本支出（含人员）”，表样为“基本支出”"
    assert messages[("value-invalid", "B8")].endswith("数值 nan 无效，按空值处理")
    assert a.inputs.get("fj1.basic_prev") is None and a.computed["fj1.total_prev"] is not None


def test_formula_text_is_never_a_formula_in_outputs(good, tmp_path):
    def edit(book):
        book["附件1"]["B57"] = "@SUM(1+1)*cmd|' /C calc'!A0"  # as text: starts with @
    path = edited(good, tmp_path, edit)
    a = assess(path)
    assert ("text-formula-like", "附件1", "B57") in codes_at(a)
    inbox = tmp_path / "收件"
    inbox.mkdir()
    (inbox / "=HYPERLINK(x).xlsx").write_bytes(path.read_bytes())
    CliRunner().invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "出")])
    [annotated] = (tmp_path / "出" / "批注").glob("*.xlsx")
    for name in zipfile.ZipFile(annotated).namelist():
        if name.startswith("xl/worksheets/"):  # no formula anywhere carries the smuggled text (text cells may)
            assert not [f for f in re.findall(r"<f[^>]*>(.*?)</f>", part(annotated, name), re.S) if "cmd|" in f]
    book = openpyxl.load_workbook(annotated)
    cell = book["附件1"]["B57"]
    assert cell.data_type == "s" and cell.value.startswith("@SUM") and cell.quotePrefix
    summary = (tmp_path / "出" / "汇总.csv").read_text(encoding="utf-8-sig")
    assert "\n'=HYPERLINK(x).xlsx,已评分," in summary


def test_output_names_cannot_leave_the_output_folder(good, tmp_path):
    plan = plan_workbook(2024, "../../逃逸/..\\单位", "../x", TABLES)
    inbox = tmp_path / "收件"
    render(plan, {**plan.default_inputs(), **random_inputs(plan, 1)}, inbox / "a.xlsx")
    out = tmp_path / "出"
    CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out)])
    written = [p for p in tmp_path.rglob("*") if p.is_file() and inbox not in p.parents]
    assert written and all(out in p.parents for p in written)


def test_submission_is_never_modified_and_no_partial_output_is_left(good, tmp_path, monkeypatch):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(good.read_bytes())
    before = (inbox / "a.xlsx").read_bytes()
    import perftool.annotate.workbook as annotate_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # the run is stopped while the annotated copy is being written

    monkeypatch.setattr(annotate_module, "_findings_sheet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        from perftool.batch.run import Settings, score_one
        score_one(inbox / "a.xlsx", inbox, tmp_path / "出", Settings())
    assert (inbox / "a.xlsx").read_bytes() == before
    assert not [p for p in (tmp_path / "出").rglob("*") if p.is_file()]


# -- limits enforced where the work happens (issue 16: each once hung or took gigabytes) ------------------------

def bounded(run, seconds: float = 10, megabytes: float = 300):
    """``run()``'s result, asserting it took at most ``seconds`` and ``megabytes`` of traced memory."""
    started = time.monotonic()
    result, peak = traced(run)
    assert time.monotonic() - started < seconds and peak < megabytes * 2**20, (time.monotonic() - started, peak)
    return result


def test_rich_text_runs_are_counted_not_rescanned(good, tmp_path):
    """50,000 runs in one shared string once looped quadratically; now refused at the runs limit, and a string of
    runs with a phonetic reading reads as the runs alone."""
    e = bounded(lambda: failure(hostile.many_runs(good, tmp_path / "片段.xlsx", 20_000)))
    assert e.code == "too-complex" and "一个字符串含超过 1000 个格式片段" in str(e)
    book = read_book(hostile.many_runs(good, tmp_path / "少.xlsx", 12), window=(10, 10))
    assert book.sheets["附件1"]  # read; the string itself is checked through read_book's shared strings below
    from perftool.read.xlsx import _Reader
    reader = _Reader(tmp_path / "少.xlsx", Limits(), None, (10, 10))
    with zipfile.ZipFile(tmp_path / "少.xlsx") as z:
        assert reader.shared_strings(z, {}, set(z.namelist()))[-1] == "012345678901"  # without the reading "yomi"


def test_identity_claiming_a_million_rows_is_refused_before_layout(good, tmp_path):
    e = bounded(lambda: failure(hostile.identity_rows(good, tmp_path / "百万行.xlsx", 1_000_000)), 5, 50)
    assert (e.code, e.sheet) == ("identity-damaged", SHEET)
    assert "可变行 fj1.special 为 1000000 行，应为 1 到 5000 行" in str(e)


def test_long_formula_is_refused_without_backtracking(good, tmp_path):
    e = bounded(lambda: failure(hostile.long_formula(good, tmp_path / "括号.xlsx", 300_000)), 5)
    assert (e.code, e.sheet) == ("too-complex", "附件1") and "公式长 300000 字，上限 8192 字" in str(e)
    from perftool.read.xlsx import reaches_outside
    started = time.monotonic()
    assert not reaches_outside("[" * 900_000) and reaches_outside("[" * 9000 + "]") and reaches_outside("x|'a'!A0")
    assert time.monotonic() - started < 0.5


def test_repeated_rows_are_counted(good, tmp_path):
    path = hostile.repeated_rows(good, tmp_path / "重复行.xlsx", 5000)
    e = bounded(lambda: failure(path, rows=2000))
    assert (e.code, e.sheet) == ("too-complex", "附件1") and "行超过 2000 个" in str(e)
    big = hostile.repeated_rows(good, tmp_path / "百万行.xlsx", 1_000_000)  # the corpus case: refused at once
    assert bounded(lambda: failure(big), 5).code == "zip-bomb"
    assert assess(path).plan.layouts["fj1"]  # within the default limit it is read as usual


@pytest.mark.parametrize("shape, n, limit, detail", [
    ("hyperlinks", 12_000, {}, "超链接超过 10000 个"),
    ("merges", 21_000, {}, "合并单元格超过 20000 个"),
    ("defined_names", 11_000, {}, "名称超过 10000 个"),
    ("shared_strings", 3000, {"strings": 2000}, "共享字符串超过 2000 个"),
    ("empty_elements", 60_000, {"elements": 50_000}, "XML 元素超过 50000 个"),
])
def test_repeated_elements_have_their_own_limits(good, tmp_path, shape, n, limit, detail):
    e = bounded(lambda: failure(getattr(hostile, shape)(good, tmp_path / f"{shape}.xlsx", n), **limit))
    assert e.code == "too-complex" and detail in str(e)


def test_elements_are_dropped_as_the_reader_leaves_them(good, tmp_path):
    """Empty elements inside extLst (15.7 M once took 1.4 GB): memory does not grow with their number."""
    peaks = []
    for n in (5000, 60_000):
        path = hostile.empty_elements(good, tmp_path / f"空元素{n}.xlsx", n)
        book, peak = traced(lambda: read_book(path, Limits(ratio=1e6), window=(100, 10)))
        assert book.sheets["附件1"].cells
        peaks.append(peak)
    assert peaks[1] - peaks[0] < 2 * 2**20, peaks  # kept, 55,000 more elements would take some 5 MB more
    links = hostile.hyperlinks(good, tmp_path / "链接.xlsx", 5000)
    a = bounded(lambda: assess(links), 10, 60)
    found = {f.message for f in a.findings if f.code == "hyperlink-present"}
    assert len(found) == 21 and "附件1 另有 4980 处超链接（未打开）" in found  # bounded findings


def test_huge_shared_string_in_many_cells_costs_its_size_once(good, tmp_path):
    path = hostile.huge_string(good, tmp_path / "长串.xlsx", 3_000_000)
    a = bounded(lambda: assess(path), 20, 120)
    invalid = [f for f in a.findings if f.code == "value-invalid" and f.sheet == "附件1"]
    assert len(invalid) > 20 and all(len(f.message) < 2200 for f in invalid)


def test_fifo_device_and_symlinks_are_not_opened(tmp_path):
    fifo = tmp_path / "管道.xlsx"
    os.mkfifo(fifo)
    e = bounded(lambda: failure(fifo), 2)
    assert e.code == "not-regular-file" and "是命名管道（FIFO）" in str(e)
    zero = tmp_path / "零.xlsx"
    zero.symlink_to("/dev/zero")
    e = bounded(lambda: failure(zero), 2)
    assert e.code == "not-regular-file" and "是指向设备文件" in str(e)


def test_unreadable_input_is_its_own_code(good, tmp_path, monkeypatch):
    import perftool.read.xlsx as xlsx

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(xlsx.os, "open", refused)  # as root chmod 000 would not stop the read
    e = failure(good)
    assert e.code == "unreadable" and str(e).startswith("good.xlsx：文件无法打开（没有访问权限）")


def test_misreads_closed(good, tmp_path):
    e = failure(hostile.duplicate_part(good, tmp_path / "重复部件.xlsx"))
    assert e.code == "zip-corrupt" and f"部件 {FJ1} 重复出现" in str(e)
    e = failure(hostile.negative_index(good, tmp_path / "负索引.xlsx"))
    assert (e.code, e.sheet) == ("xml-malformed", "附件1") and "单元格值 '-1' 无法识别" in str(e)


def test_calls_outside_in_names_and_far_formulas_are_reported(good, tmp_path):
    a = assess(hostile.outside_calls(good, tmp_path / "外部.xlsx"))
    external = {(f.sheet, f.cell, f.message) for f in a.findings if f.code == "external-reference"}
    assert (None, None, '工作簿含外部链接 名称 网页=WEBSERVICE("http://example.com/x")（未打开）') in external
    assert (None, None, "工作簿含外部链接 名称 命令=cmd|'/c calc'!A0（未打开）") in external
    assert ("附件1", "A900000", "附件1!A900000 的公式引用外部文件或程序（未计算，按表样公式处理）") in external


def test_legal_opc_names_are_read(good, tmp_path):
    a = assess(hostile.opc_names(good, tmp_path / "OPC.xlsx"))
    b = assess(good)
    assert a.basis.total == b.basis.total and a.inputs == b.inputs


def test_strict_json_keeps_the_original_text(good, tmp_path):
    text = part(good, FJ1)
    first = re.search(r'<c r="B8"[^>]*><v>[^<]*</v>', text)
    path = rezip(good, tmp_path / "nan.xlsx", {FJ1: text.replace(first.group(0), re.sub(
        r"<v>[^<]*</v>", "<v>NaN</v>", first.group(0))).encode()})
    result = CliRunner().invoke(main, ["score", str(path), "--json"])
    assert result.exit_code == 1

    def refuse(name):
        raise ValueError(name)
    doc = json.loads(result.output, parse_constant=refuse)  # strict: no NaN or Infinity anywhere
    [found] = [f for f in doc["findings"] if f["code"] == "value-invalid" and f["cell"] == "B8"]
    assert "NaN" in json.dumps(found["values"], ensure_ascii=False)


def fill(path: Path) -> None:
    """Write ``path`` until its file system is full."""
    with path.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass


def test_full_disk_and_read_only_output(good, tmp_path):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs")
    disk = tmp_path / "小盘"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount tmpfs here")
    try:
        inbox = tmp_path / "收件"
        inbox.mkdir()
        shutil.copy(good, inbox / "a.xlsx")
        fill(disk / "占满")
        result = CliRunner().invoke(main, ["score", str(good), "-o", str(disk / "批注.xlsx")])
        assert result.exit_code == 2 and f"无法写入 {disk / '批注.xlsx'}：磁盘空间不足" in result.output
        assert "Traceback" not in result.output and not list(disk.glob(".*.part"))
        result = CliRunner().invoke(main, ["score", str(good), "--json-file", str(disk / "a.json")])
        assert result.exit_code == 2 and "磁盘空间不足" in result.output
        (disk / "占满").unlink()
        out = disk / "出"
        assert CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out)]).exit_code == 1  # scored, with errors
        before = (out / "汇总.json").read_bytes()
        fill(disk / "占满")
        shutil.copy(good, inbox / "b.xlsx")
        result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "--force"])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert f"无法写入 {out / '汇总.json'}：磁盘空间不足" in result.output
        assert (out / "汇总.json").read_bytes() == before  # the last summary is never lost
        assert [r["file"] for r in json.loads(before)["rows"]] == ["a.xlsx"]
        from perftool.batch.run import Settings, score_one
        row = score_one(inbox / "b.xlsx", inbox, out, Settings())
        assert (row.status, row.code) == ("写入失败", "write-failed") and "磁盘空间不足" in row.reason
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        result = CliRunner().invoke(main, ["score", str(good), "-o", str(disk / "只读.xlsx")])
        assert result.exit_code == 2 and f"无法写入 {disk / '只读.xlsx'}：文件系统只读" in result.output
    finally:
        subprocess.run(["umount", "-l", str(disk)])


def test_every_failure_code_is_exercised_here():
    """The catalogue and this file move together: a new failure code needs its test above."""
    text = Path(__file__).read_text(encoding="utf-8")
    untested = {c for c in FAILURES if f'"{c}"' not in text} - {"edition-mismatch", "sheet-renamed", "internal-error"}
    assert not untested  # edition-mismatch and sheet-renamed: test_audit_score / test_fill_export


def test_failure_messages_name_file_and_advice():
    e = UnreadableWorkbook("layout-shifted", "a.xlsx", "细节", sheet="附件1", cell="B8")
    assert str(e) == ("a.xlsx：工作表“附件1” B8 单元格：表格行列被插入或删除（细节）。" + FAILURES["layout-shifted"].advice)
    assert e.to_dict()["code"] == "layout-shifted" and re.match(r"^[a-z-]+$", e.code)
