"""The reader on expat handlers (perftool/read/xlsx.py) against the reader it replaced (tests/reader_oracle.py):
the same Book (every kept cell with its formula, value and value type, merges, protection, hyperlinks, formulas
reaching outside, external links, 1904 dates), the same score JSON, and the same failure (code, place and
message) on the examples, a synthetic corpus with mistakes, mutated and hostile variants of it, and files saved
by LibreOffice."""

from __future__ import annotations

import json
import random
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from openpyxl.formula.tokenizer import TokenizerError

import perftool.read.workbook as workbook
import perftool.read.xlsx as xlsx
from perftool.read import skipping
from perftool.assess import assess
from perftool.identity import SHEET
from perftool.read.failures import UnreadableWorkbook
from perftool.read.xlsx import Limits, read_book
from perftool.synthetic import write_corpus

import hostile
import reader_oracle
from libreoffice import recalculate, soffice
from test_hostile import LAUGHS, bomb

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEEDS = 30  # synthetic workbooks (every other one with mistakes injected)


def typed(value: Any) -> tuple[str, Any, int | None]:
    """A value with its type, its exact float spelling (NaN equals NaN) and the length of a clipped text."""
    return type(value).__name__, repr(value) if isinstance(value, float) else value, getattr(value, "length", None)


def snapshot(book: Any) -> dict[str, Any]:
    """Everything a Book holds, comparable across the two readers' classes."""
    return {"name": book.name, "external_links": book.external_links, "date1904": book.date1904,
            "order": list(book.sheets),
            "sheets": {name: {"cells": {at: (formula, typed(value)) for at, (formula, value) in s.cells.items()},
                              "merges": s.merges, "protected": s.protected, "hyperlinks": s.hyperlinks,
                              "external": s.external} for name, s in book.sheets.items()}}


def outcome(read: Callable[..., Any], path: Path, limits: Limits | None = None) -> tuple[Any, ...]:
    """``read``'s Book, or the failure it raised with its code, place and message."""
    try:
        return ("read", snapshot(read(path, limits)))
    except UnreadableWorkbook as exc:
        return ("failed", exc.code, exc.sheet, exc.cell, str(exc))


@contextmanager
def oracle() -> Iterator[None]:
    """perftool reading with the reader it replaced."""
    new = workbook.read_book
    workbook.read_book = reader_oracle.read_book
    try:
        yield
    finally:
        workbook.read_book = new


def scored(path: Path, limits: Limits | None = None) -> tuple[Any, ...]:
    """``assess``'s score JSON (findings, scores, data), or the failure it raised."""
    try:
        return ("scored", json.dumps(assess(path, limits=limits).to_dict(), ensure_ascii=False, sort_keys=True))
    except UnreadableWorkbook as exc:
        return ("failed", exc.code, exc.sheet, exc.cell, str(exc))


def same(path: Path, limits: Limits | None = None, books: bool = True) -> tuple[Any, ...]:
    """Assert both readers give the same Book and the same score JSON (or failure); return the score outcome."""
    if books:
        new = outcome(read_book, path, limits)
        assert new == outcome(reader_oracle.read_book, path, limits), path.name
    new = scored(path, limits)
    with oracle():
        old = scored(path, limits)
    assert new == old, (path.name, new[:5], old[:5])
    return new


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    return write_corpus(tmp_path_factory.mktemp("oracle"), SEEDS)


# -- the examples and the synthetic corpus --------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_examples_read_and_score_the_same(example, name):
    path, _ = example(name)
    result = same(path)
    assert result[0] == "scored" and '"findings"' in result[1]


def test_synthetic_corpus_reads_and_scores_the_same(corpus):
    results = [same(path) for path in corpus]
    assert all(r[0] == "scored" for r in results)
    assert len({r[1] for r in results}) == SEEDS  # every workbook differs, so the comparison is not vacuous
    book = read_book(corpus[0])
    assert sum(len(s.cells) for s in book.sheets.values()) > 3000 and any(s.merges for s in book.sheets.values())


# -- mutated variants: what other programs write, and damage ---------------------------------------------------

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def identity_part(path: Path) -> str:
    """The part of the hidden _perftool sheet (the identity is kept intact so that every spelling is scored)."""
    book, rels = hostile.part(path, "xl/workbook.xml"), hostile.part(path, "xl/_rels/workbook.xml.rels")
    rid = re.search(rf'<sheet [^>]*name="{SHEET}"[^>]*r:id="([^"]+)"', book)[1]
    return "xl/" + re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels)[1].lstrip("/").removeprefix("xl/")


def _prefixed(text: str) -> str:
    """Every element in the main namespace spelled with a prefix (``<x:c>``), as some writers do."""
    text = re.sub(r"<(/?)(?![?!])([A-Za-z]+)(?=[\s/>])", r"<\1x:\2", text)
    return text.replace(MAIN, MAIN.replace("xmlns=", "xmlns:x="), 1)


def _inline(text: str, strings: list[str]) -> str:
    """Shared-string cells turned into inline strings of the same text, split into rich-text runs, with a phonetic
    reading (which is not part of the text)."""
    def inline(m: re.Match) -> str:
        whole = strings[int(m.group(3))]
        half = len(whole) // 2 if "&" not in whole else len(whole)
        return (f'<c r="{m.group(1)}"{m.group(2) or ""} t="inlineStr"><is><r><t>{whole[:half]}</t></r><r><rPr><b/>'
                f'</rPr><t xml:space="preserve">{whole[half:]}</t></r><rPh sb="0" eb="1"><t>ヨミ</t></rPh></is></c>')
    return re.sub(r'<c r="([A-Z]+\d+)"( s="\d+")? t="s"><v>(\d+)</v></c>', inline, text)


def _shared_formulas(text: str) -> str:
    """The first formula made a shared master; later formulas of the sheet its dependents (and one orphan)."""
    formulas = list(re.finditer(r"<f>([^<]*)</f>", text))
    if len(formulas) < 3:
        return text
    out, last = [], 0
    for i, m in enumerate(formulas[:12]):
        out.append(text[last:m.start()])
        out.append(f'<f t="shared" ref="A1:Z999" si="0">{m.group(1)}</f>' if i == 0 else
                   '<f t="shared" si="7"/>' if i == 11 else '<f t="shared" si="0"/>')
        last = m.end()
    return "".join(out) + text[last:]


def _odd_values(text: str) -> str:
    """Entered amounts in every type and spelling: booleans, errors, dates, formula strings, padded, empty, with a
    child, as character references and CDATA."""
    kinds = [' t="b"><v>1', ' t="b"><v>false', ' t="e"><v>#DIV/0!', ' t="d"><v>2024-03-05T00:00:00',
             ' t="str"><v>文本', "><v> 12 ", "><v>1_000", "><v>-0", "><v>1e5", "><v>", "><v>12<x/>34",
             "><v>&#x31;&#x32;", "><v><![CDATA[42]]>", "><v>0012345678901234567"]
    count = iter(range(10**6))
    return re.sub(r'(<c r="[A-Z]+\d+"(?: s="\d+")?)><v>-?\d*\.\d+(?=</v>)',
                  lambda m: m.group(1) + kinds[next(count) % len(kinds)], text)


def _positional(text: str) -> str:
    """Cells and rows without their references (their place follows from the order), in every other row."""
    rows = iter(range(10**6))
    return re.sub(r"<row [^>]*>.*?</row>", lambda m: re.sub(r' r="[A-Z]*\d+"', "", m.group(0))
                  if next(rows) % 2 else m.group(0), text)


def _pretty(text: str) -> str:
    """Indented XML: a line break before every tag but the end of a value."""
    return re.sub(r">(?=<(?!/v>))", ">\n  ", text)


def _nested(text: str) -> str:
    """Merges inside an extension list, elements inside hyperlinks, merges with bad references."""
    extra = ('<extLst><ext><x r="B9"><v>5</v></x><mergeCell ref="A1:B2"/></ext></extLst>'
             '<hyperlinks><hyperlink ref="C9"><x r="C9"><v>1</v></x></hyperlink></hyperlinks>')
    text = text.replace("</sheetData>", "</sheetData>" + extra, 1)
    bad = '<mergeCells><mergeCell ref="ZZ"/><mergeCell ref="B3"/></mergeCells>'
    return text.replace("<mergeCells", bad + "<mergeCells", 1)


def _strings(text: str) -> str:
    """Shared strings with entities, character references, CDATA, runs, nested items and text beside children."""
    extra = ("<si><t>a&amp;b&#x4E2D;<![CDATA[<c>]]></t></si><si><r><t>x</t><t>y</t></r><t>z</t>"
             "<si><t>inner</t></si></si><si><t>before<b/>after</t></si><si/><si><r><rPh><t>no</t></rPh></r></si>")
    text = text.replace("</sst>", extra + "</sst>")
    return re.sub(r"<si><t>([^<]{2})", r"<si><r><t>\1</t></r><t>", text, count=30)


SHEET_MUTATIONS: dict[str, Callable[[str, list[str]], str]] = {
    "prefixed": lambda text, _: _prefixed(text), "inline": _inline,
    "shared-formulas": lambda text, _: _shared_formulas(text), "odd-values": lambda text, _: _odd_values(text),
    "positional": lambda text, _: _positional(text), "pretty": lambda text, _: _pretty(text),
    "nested": lambda text, _: _nested(text)}


def _strings_of(path: Path) -> list[str]:
    """The shared strings of a generated workbook as XML text (each a single ``t``)."""
    sst = hostile.part(path, hostile.SST)
    return [re.sub(r"<[^>]*>", "", item) for item in re.findall(r"<si>(.*?)</si>", sst, re.S)]


def _rewrite(src: Path, dst: Path, change: Callable[[str, str], str | bytes]) -> Path:
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    out = {}
    for name, data in parts.items():
        changed = change(name, data.decode("utf-8")) if name.endswith(".xml") or name.endswith(".rels") else data
        out[name] = changed.encode("utf-8") if isinstance(changed, str) else changed
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in out.items():
            z.writestr(name, data)
    return dst


@pytest.mark.parametrize("mutation", sorted(SHEET_MUTATIONS))
def test_other_writers_spellings_read_the_same(corpus, tmp_path, mutation):
    """Each spelling applied to the table sheets of a few corpus workbooks (scored), and to every sheet (read)."""
    change = SHEET_MUTATIONS[mutation]
    results = []
    for path in corpus[:3]:
        strings, identity = _strings_of(path), identity_part(path)
        dst = _rewrite(path, tmp_path / f"{mutation}-{path.name}", lambda name, text: change(text, strings)
                       if name.startswith("xl/worksheets/") and name != identity else text)
        assert outcome(read_book, dst) != outcome(read_book, path)  # the spelling is not a no-op
        results.append(same(dst)[0])
    assert "scored" in results
    strings = _strings_of(corpus[0])
    everywhere = _rewrite(corpus[0], tmp_path / f"{mutation}-all.xlsx", lambda name, text: change(text, strings)
                          if name.startswith("xl/worksheets/") else text)
    assert outcome(read_book, everywhere) == outcome(reader_oracle.read_book, everywhere)


def test_string_spellings_and_encodings_read_the_same(corpus, tmp_path):
    path = corpus[1]
    same(_rewrite(path, tmp_path / "strings.xlsx", lambda name, text: _strings(text) if "sharedStrings" in name
                  else text))
    utf16 = _rewrite(path, tmp_path / "utf16.xlsx", lambda name, text: text.replace(
        'encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16") if "sharedStrings" in name else text)
    assert same(utf16)[0] == "scored"
    for encoding in ("ISO-8859-1", "nonexistent"):
        dst = _rewrite(path, tmp_path / f"{encoding}.xlsx", lambda name, text: text.replace(
            'encoding="UTF-8"', f'encoding="{encoding}"') if "sharedStrings" in name else text)
        same(dst)


def test_random_damage_to_the_xml_fails_the_same(corpus, tmp_path):
    """Bytes changed at random in one part: the same Book, or the same failure at the same line and column."""
    rnd = random.Random(17)
    with zipfile.ZipFile(corpus[2]) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    names = [n for n in parts if n.endswith((".xml", ".rels")) and not n.startswith(("docProps", "xl/theme",
                                                                                     "xl/styles"))]
    failed = 0
    for run in range(40):
        damaged = dict(parts)
        name = rnd.choice(names)
        content = bytearray(damaged[name])
        for _ in range(rnd.randint(1, 4)):
            at = rnd.randrange(len(content))
            content[at:at + rnd.randint(0, 3)] = bytes(rnd.choice(b'<>/="&; abc1') for _ in range(rnd.randint(0, 3)))
        damaged[name] = bytes(content)
        dst = tmp_path / f"damage{run % 3}.xlsx"
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
            for part, data in damaged.items():
                z.writestr(part, data)
        failed += same(dst, books=run % 4 == 0)[0] == "failed"
    assert failed >= 10


# -- hostile files: the same failure code (and message) from both readers ---------------------------------------

@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return hostile.good_workbook(tmp_path_factory.mktemp("good"))


#: Each shape of tests/hostile.py at a harmless size and at the size test_hostile refuses, with its limits and
#: the failure expected (None: read, or refused later for what the edit did to the template).
HOSTILE = [("many_runs", 12, {}, None), ("many_runs", 20_000, {}, "too-complex"), ("identity_rows", 40, {}, None),
           ("identity_rows", 1_000_000, {}, "identity-damaged"), ("long_formula", 100, {}, None),
           ("long_formula", 300_000, {}, "too-complex"), ("repeated_rows", 50, {}, None),
           ("repeated_rows", 5000, {"rows": 2000}, "too-complex"), ("hyperlinks", 30, {}, None),
           ("hyperlinks", 12_000, {}, "too-complex"), ("empty_elements", 5000, {}, None),
           ("empty_elements", 60_000, {"elements": 50_000}, "too-complex"), ("merges", 30, {}, None),
           ("merges", 21_000, {}, "too-complex"), ("defined_names", 30, {}, None),
           ("defined_names", 11_000, {}, "too-complex"), ("shared_strings", 30, {}, None),
           ("shared_strings", 3000, {"strings": 2000}, "too-complex"), ("huge_string", 3000, {}, None),
           ("huge_string", 100_000, {"text": 500}, None), ("outside_calls", 1, {}, None),
           ("outside_calls", 5, {}, None),
           ("negative_index", -1, {}, "xml-malformed"), ("negative_index", 10**9, {}, "xml-malformed"),
           ("duplicate_part", 1, {}, "zip-corrupt"), ("opc_names", 1, {}, None)]


def test_every_hostile_shape_is_covered():
    assert {shape for shape, *_ in HOSTILE} == set(hostile.SHAPES)


@pytest.mark.parametrize("shape, n, limits, code", HOSTILE)
def test_hostile_shapes_give_the_same_outcome(good, tmp_path, shape, n, limits, code):
    path = hostile.SHAPES[shape](good, tmp_path / f"{shape}.xlsx", n)
    result = same(path, Limits(**limits), books=n < 10_000)
    if code:
        assert result[:2] == ("failed", code)


def test_unsafe_and_broken_packages_fail_the_same(good, tmp_path):
    xxe = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><sst><si><t>&e;</t></si>'
           '</sst>')
    cases = {
        "实体.xlsx": hostile.rezip(good, tmp_path / "实体.xlsx", {hostile.SST: LAUGHS.encode()}),
        "外部实体.xlsx": hostile.rezip(good, tmp_path / "外部实体.xlsx", {hostile.SST: xxe.encode()}),
        "空DTD.xlsx": hostile.rezip(good, tmp_path / "空DTD.xlsx", {hostile.FJ1: b"<!DOCTYPE worksheet>" +
                                                                      hostile.part(good, hostile.FJ1).encode()}),
        "未定义实体.xlsx": hostile.rezip(good, tmp_path / "未定义实体.xlsx", {hostile.FJ1: hostile.part(
            good, hostile.FJ1).replace("<v>", "<v>&nbsp;", 1).encode()}),
        "空部件.xlsx": hostile.rezip(good, tmp_path / "空部件.xlsx", {hostile.BOOK: b""}),
        "截断.xlsx": tmp_path / "截断.xlsx",
        "炸弹.xlsx": bomb(tmp_path / "炸弹.xlsx", 20 * 2**20),
    }
    cases["截断.xlsx"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    codes = {name: same(path)[1] for name, path in cases.items()}
    assert codes == {"实体.xlsx": "xml-unsafe", "外部实体.xlsx": "xml-unsafe", "空DTD.xlsx": "xml-unsafe",
                     "未定义实体.xlsx": "xml-malformed", "空部件.xlsx": "xml-malformed", "截断.xlsx": "zip-corrupt",
                     "炸弹.xlsx": "zip-bomb"}
    assert "DTDForbidden" in outcome(read_book, cases["实体.xlsx"])[4]


# -- files saved by LibreOffice (its own spelling of everything) ---------------------------------------------

@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_saved_files_read_and_score_the_same(corpus, example, tmp_path):
    files = [corpus[0], corpus[1], example("000_yueyang_2022")[0]]
    saved = recalculate(files, tmp_path / "saved", tmp_path / "profile")
    for path in saved:
        with zipfile.ZipFile(path) as z:
            assert b"LibreOffice" in z.read("docProps/app.xml")  # its own spelling of every part
        assert same(path)[0] == "scored"


# -- where the replaced reader raised a traceback, the new one gives a catalogued failure or reads on ----------

def test_what_crashed_the_old_reader_is_refused_or_read(good, tmp_path):
    sst, fj1 = hostile.part(good, hostile.SST), hostile.part(good, hostile.FJ1)
    gbk = hostile.rezip(good, tmp_path / "GBK.xlsx", {hostile.SST: sst.replace('encoding="UTF-8"', 'encoding="GBK"')
                                                      .encode()})
    row = hostile.rezip(good, tmp_path / "行号.xlsx", {hostile.FJ1: fj1.replace('<row r="8"', '<row r="²"', 1).encode()})
    masters = [m for m in re.finditer(r"<f>([^<]*)</f>", fj1)]
    broken = fj1[:masters[0].start()] + '<f t="shared" si="1">"abc</f>' + \
        fj1[masters[0].end():masters[1].start()] + '<f t="shared" si="1"/>' + fj1[masters[1].end():]
    tokens = hostile.rezip(good, tmp_path / "括号.xlsx", {hostile.FJ1: broken.encode()})
    for path, crash in ((gbk, ValueError), (row, ValueError), (tokens, TokenizerError)):
        with pytest.raises(crash):
            reader_oracle.read_book(path)
    assert outcome(read_book, gbk)[1:] == ("xml-malformed", None, None, "GBK.xlsx：工作簿内部 XML 损坏（xl/sharedStrings.xml："
                                           "multi-byte encodings are not supported）。请用 Excel/WPS 打开后重新保存并提交。")
    assert outcome(read_book, row)[1:4] == ("xml-malformed", "附件1", None) and "行号 '²' 无效" in outcome(read_book, row)[4]
    cells = read_book(tokens).sheets["附件1"].cells
    at = [hostile_cell(fj1, m) for m in masters[:2]]
    assert [cells[a][0] for a in at] == ['"abc', '"abc']  # the master's text, untranslated
    unbalanced = fj1[:masters[0].start()] + '<f t="shared" si="1">SUM(B8))</f>' + \
        fj1[masters[0].end():masters[1].start()] + '<f t="shared" si="1"/>' + fj1[masters[1].end():]
    refused = same(hostile.rezip(good, tmp_path / "右括号.xlsx", {hostile.FJ1: unbalanced.encode()}))
    assert refused[1:4] == ("xml-malformed", None, None) and "pop from empty list" in refused[4]  # as before


def hostile_cell(sheet_xml: str, formula: re.Match) -> tuple[int, int]:
    """The (row, column) of the cell holding the formula ``formula`` matched in ``sheet_xml``."""
    ref = re.findall(r'<c r="([A-Z]+)(\d+)"', sheet_xml[:formula.start()])[-1]
    return int(ref[1]) - 1, sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(ref[0]))) - 1


# -- what the reader skips: the content of data validations and conditional formats is counted, not read -------

def _validations(sheet_xml: str) -> str:
    """The sheet's ``<dataValidations>`` element as written by the generator."""
    return re.search(r"<dataValidations .*?</dataValidations>", sheet_xml, re.S)[0]


def test_validations_read_anywhere_in_the_sheet_the_same(good, tmp_path):
    """Validations moved before the merges and protection, and a conditional format with children around them:
    reading resumes after each, so the merges, protection and hyperlinks are read as before."""
    fj1 = hostile.part(good, hostile.FJ1)
    block = _validations(fj1)
    assert block.count("<dataValidation ") > 20 and "<mergeCells" in fj1 and "<sheetProtection" in fj1
    formats = ('<conditionalFormatting sqref="C8"><cfRule type="cellIs" priority="1" operator="lessThan">'
               '<formula>0</formula></cfRule></conditionalFormatting>')
    moved = fj1.replace(block, "").replace("</sheetData>", "</sheetData>" + formats + block + formats, 1)
    moved = moved.replace("</worksheet>", '<hyperlinks><hyperlink ref="C9" display="x"/></hyperlinks></worksheet>')
    path = hostile.rezip(good, tmp_path / "校验前置.xlsx", {hostile.FJ1: moved.encode()})
    book = read_book(path)
    assert book.sheets["附件1"].protected and book.sheets["附件1"].hyperlinks == ["C9"]
    assert book.sheets["附件1"].merges == read_book(good).sheets["附件1"].merges != set()
    assert same(path)[0] == "scored"


def test_skipped_elements_still_count_against_the_limit(good, tmp_path):
    """60,000 empty elements inside the validations: refused at 50,000 elements like everywhere else, and read
    (as the old reader did) when the limit allows them."""
    fj1 = hostile.part(good, hostile.FJ1)
    block = _validations(fj1)
    padded = block.replace("</dataValidations>", "<x/>" * 60_000 + "</dataValidations>")
    path = hostile.rezip(good, tmp_path / "校验内元素.xlsx", {hostile.FJ1: fj1.replace(block, padded).encode()})
    refused = same(path, Limits(elements=50_000), books=False)
    assert refused[:2] == ("failed", "too-complex") and "XML 元素超过 50000 个" in refused[4]
    assert same(path, books=False)[0] == "scored"


def test_sheet_names_are_matched_by_local_name_whatever_their_prefix(good, tmp_path):
    """Sheets are parsed without namespace processing: ``<x:c>`` is a cell whether ``x`` is declared or not (the
    old reader refused an undeclared prefix as malformed XML; Excel writes none)."""
    fj1 = hostile.part(good, hostile.FJ1)
    prefixed = re.sub(r"<(/?)(c|v|f)(?=[\s/>])", r"<\1x:\2", fj1)
    declared = hostile.rezip(good, tmp_path / "前缀.xlsx", {hostile.FJ1: prefixed.replace(
        MAIN, MAIN + ' xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', 1).encode()})
    undeclared = hostile.rezip(good, tmp_path / "未声明前缀.xlsx", {hostile.FJ1: prefixed.encode()})
    cells = read_book(good).sheets["附件1"].cells
    assert cells and read_book(declared).sheets["附件1"].cells == cells == read_book(undeclared).sheets["附件1"].cells
    assert outcome(reader_oracle.read_book, undeclared)[:2] == ("failed", "xml-malformed")


def test_cells_outside_sheet_data_are_not_read(corpus, tmp_path):
    """A cell (or a row) in an extension list is not what a spreadsheet shows: the Book and the findings are those
    of the file without it (the old reader took it, and the hidden cell overrode the visible one)."""
    path = corpus[1]
    hidden = '<extLst><ext><row r="8"><c r="D8"><v>999</v></c></row><c r="D9"><v>7</v></c></ext></extLst>'
    dst = _rewrite(path, tmp_path / "hidden.xlsx", lambda name, text: text.replace(
        "</sheetData>", "</sheetData>" + hidden, 1) if name == "xl/worksheets/sheet2.xml" else text)
    def book(read: Callable[..., Any], p: Path) -> dict[str, Any]:
        return {k: v for k, v in outcome(read, p)[1].items() if k != "name"}
    assert book(read_book, dst) == book(read_book, path)
    assert book(reader_oracle.read_book, dst) != book(reader_oracle.read_book, path)
    assert assess(dst).findings == assess(path).findings


# -- validations passed over in bytes (perftool/read/skipping.py): only where parsing them gives the same ----------


def passed(path: Path, made: list[Any]) -> dict[str, bool]:
    """Sheet → whether its data validations were passed over, reading ``path`` with ``read_book``."""
    made.clear()
    book = read_book(path)
    assert len(made) == len(book.sheets)
    return {name: "dataValidations" in s.passed for name, s in zip(book.sheets, made)}


def _with_validations(good: Path, dst: Path, change: Callable[[str], str]) -> Path:
    fj1 = hostile.part(good, hostile.FJ1)
    block = _validations(fj1)
    return hostile.rezip(good, dst, {hostile.FJ1: fj1.replace(block, change(block)).encode()})


def test_validations_are_passed_over_in_the_generated_workbooks(good, passing):
    assert sum(passed(good, passing).values()) >= 3 and passed(good, passing)["附件1"]  # every table sheet's
    assert outcome(read_book, good) == outcome(reader_oracle.read_book, good)


HIDDEN_ENDS = {"comment": ("<!-- ", " -->"), "cdata": ("<![CDATA[", "]]>"), "instruction": ("<?pi ", "?>")}


@pytest.mark.parametrize("hiding", sorted(HIDDEN_ENDS))
def test_an_end_tag_hidden_inside_the_validations_changes_nothing(good, tmp_path, passing, hiding):
    """``</dataValidations>`` in a comment, CDATA section or processing instruction inside the validations, with
    a merge and a hyperlink after it: the region is parsed, so neither is read (as by the old reader)."""
    before, after = HIDDEN_ENDS[hiding]
    hidden = before + '</dataValidations><mergeCells><mergeCell ref="A1:Z9"/></mergeCells><hyperlinks>' \
                      '<hyperlink ref="C9"/></hyperlinks>' + after
    path = _with_validations(good, tmp_path / f"{hiding}.xlsx", lambda block: block.replace(
        "<dataValidation ", hidden + "<dataValidation ", 1))
    sheet = read_book(path).sheets["附件1"]
    assert sheet.merges == read_book(good).sheets["附件1"].merges and (0, 0, 8, 25) not in sheet.merges
    assert sheet.hyperlinks == [] and passed(path, passing)["附件1"] is False
    assert same(path)[0] == "scored"


def test_a_start_tag_in_a_comment_or_a_nested_region_is_parsed_as_before(good, tmp_path, passing):
    """``<dataValidations>`` in a comment before the validations is no region, nor is one whose start tag holds a
    ``>``; one nested inside the validations ends them at its own end (as in the old reader), so a merge after it
    is read."""
    fj1 = hostile.part(good, hostile.FJ1)
    block = _validations(fj1)
    commented = hostile.rezip(good, tmp_path / "注释.xlsx", {hostile.FJ1: fj1.replace(
        block, '<!-- <dataValidations count="1"> --><dataValidations count="1>2">' + block.split(">", 1)[1]
    ).encode()})
    nested = _with_validations(good, tmp_path / "嵌套.xlsx", lambda b: b.replace(
        "<dataValidation ", '<dataValidations><dataValidation/></dataValidations><mergeCell ref="A1:C3"/>'
                            "<dataValidation ", 1))
    assert (0, 0, 2, 2) in read_book(nested).sheets["附件1"].merges
    assert passed(commented, passing)["附件1"] is False and passed(nested, passing)["附件1"] is False
    for path in (commented, nested):
        assert same(path)[0] == "scored"


def test_damage_inside_or_after_the_validations_fails_the_same(good, tmp_path, passing):
    """Content that is not well-formed inside the validations is parsed (the same message, line and column), and
    a sheet failing after a region was passed over is read again in full (the same position in its message)."""
    inside = _with_validations(good, tmp_path / "内部.xlsx", lambda b: b.replace(
        "<dataValidation ", '<dataValidation x="1" x="2" ', 1))
    undefined = _with_validations(good, tmp_path / "实体.xlsx", lambda b: b.replace("输入", "&undefined;", 1))
    after = hostile.rezip(good, tmp_path / "之后.xlsx", {hostile.FJ1: hostile.part(good, hostile.FJ1).replace(
        "</dataValidations>", "</dataValidations><pageMargins left=0.7/>").encode()})
    for path, passed_first in ((inside, False), (undefined, False), (after, True)):
        passing.clear()
        failed = outcome(read_book, path)
        assert failed[:2] == ("failed", "xml-malformed") and "line 2, column" in failed[4], failed
        assert ("dataValidations" in passing[-1].passed) is passed_first
        assert same(path)[:2] == ("failed", "xml-malformed")


def test_only_sheets_declared_utf8_are_passed_over(good, tmp_path, passing):
    latin = hostile.rezip(good, tmp_path / "latin1.xlsx", {hostile.FJ1: hostile.part(good, hostile.FJ1).replace(
        'encoding="UTF-8"', 'encoding="ISO-8859-1"', 1).encode()})
    assert outcome(read_book, latin) == outcome(reader_oracle.read_book, latin)
    assert passed(latin, passing)["附件1"] is False and passed(good, passing)["附件1"] is True


def test_a_second_unit_of_the_same_layout_is_counted_by_its_own_validations(good, tmp_path, monkeypatch):
    """Regions are remembered by their bytes' SHA-256, at most ``REMEMBERED``: validations padded with 60,000
    elements after the plain ones were read are counted again (refused at 50,000), the plain ones still read."""
    monkeypatch.setattr(skipping, "REMEMBERED", 3)
    monkeypatch.setattr(skipping, "_WELL_FORMED", {})
    padded = _with_validations(good, tmp_path / "填充.xlsx", lambda b: b.replace(
        "</dataValidations>", "<x/>" * 60_000 + "</dataValidations>"))
    limits = Limits(elements=50_000)
    for path in (good, padded, good):
        assert outcome(read_book, path, limits) == outcome(reader_oracle.read_book, path, limits)
        assert len(skipping._WELL_FORMED) <= 3
    refused = outcome(read_book, padded, limits)
    assert refused[:2] == ("failed", "too-complex") and outcome(read_book, good, limits)[0] == "read"


def test_plain_shared_strings_read_the_same_and_others_by_the_handlers(good, tmp_path, monkeypatch):
    """The plain spelling (with the five entities and preserved spaces) is read by one expression, a string with
    a character reference or runs by the handlers; both as the old reader; the strings limit refuses the same."""
    used: list[bool] = []
    plain = xlsx.plain_strings
    monkeypatch.setattr(xlsx, "plain_strings", lambda data: (used.append(plain(data) is not None), plain(data))[1])
    sst = hostile.part(good, hostile.SST)
    first = re.search(r"<si><t>([^<]*)</t></si>", sst)
    entities = hostile.rezip(good, tmp_path / "实体.xlsx", {hostile.SST: sst.replace(
        first[0], f'<si><t xml:space="preserve"> {first[1]}&amp;&lt;&gt;&quot;&apos; </t></si>', 1).encode()})
    reference = hostile.rezip(good, tmp_path / "字符引用.xlsx", {hostile.SST: sst.replace(
        first[0], f"<si><t>{first[1]}&#x4E2D;</t></si>", 1).encode()})
    for path, expression in ((good, True), (entities, True), (reference, False)):
        used.clear()
        assert outcome(read_book, path) == outcome(reader_oracle.read_book, path) and used == [expression]
    expected = f' {first[1]}&<>"\' '
    assert any(v == expected for s in read_book(entities).sheets.values() for _, v in s.cells.values())
    limits = Limits(strings=10)
    refused = outcome(read_book, good, limits)
    assert refused[:2] == ("failed", "too-complex") and refused == outcome(reader_oracle.read_book, good, limits)
