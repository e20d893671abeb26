"""Rows and cells read from the bytes of ``<sheetData>`` (perftool/read/sheet_data.py) against the expat handlers
reading the same part: the same Sheets (or the same failure) on the examples, synthetic corpora of several sizes
with mistakes, other writers' spellings, hostile files and generated variants; and every shape the patterns do not
cover is read by the handlers (the path taken is recorded)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

import perftool.read.xlsx as xlsx
from perftool.read import skipping
from perftool.read.sheet_data import Uncovered, attributes, decoded, region_text
from perftool.read.xlsx import Limits, read_book
from perftool.synthetic import write_corpus

import hostile
from test_reader_oracle import HOSTILE, SHEET_MUTATIONS, _rewrite, _strings_of, outcome

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def by_handlers(path: Path, limits: Limits | None = None) -> tuple[Any, ...]:
    """``read_book``'s outcome with every sheet's rows parsed by the expat handlers."""
    real = xlsx.Skips

    class Parsed(skipping.Skips):
        def __init__(self, names: frozenset[str]):
            super().__init__(names - {"sheetData"})

    xlsx.Skips = Parsed
    try:
        return outcome(read_book, path, limits)
    finally:
        xlsx.Skips = real


def same(path: Path, limits: Limits | None = None) -> tuple[Any, ...]:
    fast = outcome(read_book, path, limits)
    assert fast == by_handlers(path, limits), path.name
    return fast


def final(made: list[Any]) -> list[bool]:
    """For each sheet read, in order: whether its rows were read from their bytes (a second attempt, by the
    handlers, replaces the first)."""
    kept: list[Any] = []
    for s in made:
        if "sheetData" not in s.names and kept:  # the sheet read again, its rows by the handlers
            kept[-1] = s
        else:
            kept.append(s)
    return ["sheetData" in s.passed for s in kept]


def read_fast(path: Path, made: list[Any]) -> dict[str, bool]:
    """Sheet → whether its rows were read from their bytes."""
    made.clear()
    book = read_book(path)
    fast = final(made)
    assert len(fast) == len(book.sheets)
    return dict(zip(book.sheets, fast))


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return hostile.good_workbook(tmp_path_factory.mktemp("good"))


def with_cells(good: Path, dst: Path, change) -> Path:
    """``good`` with the ``<sheetData>`` of 附件1 changed by ``change``."""
    fj1 = hostile.part(good, hostile.FJ1)
    start = fj1.index("<sheetData>") + len("<sheetData>")
    end = fj1.index("</sheetData>")
    return hostile.rezip(good, dst, {hostile.FJ1: (fj1[:start] + change(fj1[start:end]) + fj1[end:]).encode()})


# -- the same Sheets -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_examples_read_the_same_from_bytes(example, name, passing):
    path, _ = example(name)
    assert same(path)[0] == "read"
    assert any(read_fast(path, passing).values())


@pytest.mark.parametrize("rows", [None, 3, 60])
def test_synthetic_corpora_read_the_same_from_bytes(tmp_path, rows, passing):
    corpus = write_corpus(tmp_path, 4, rows=rows)
    for path in corpus:
        assert same(path)[0] == "read"
        fast = read_fast(path, passing)
        assert sum(fast.values()) >= len(fast) - 1, fast  # all but perhaps an empty sheet
    cells = sum(len(s.cells) for s in read_book(corpus[0]).sheets.values())
    assert cells > 1000


@pytest.mark.parametrize("mutation", sorted(SHEET_MUTATIONS))
def test_other_writers_spellings_read_the_same_from_bytes(tmp_path, good, mutation):
    strings = _strings_of(good)
    dst = _rewrite(good, tmp_path / f"{mutation}.xlsx", lambda name, text: SHEET_MUTATIONS[mutation](text, strings)
                   if name.startswith("xl/worksheets/") else text)
    same(dst)


@pytest.mark.parametrize("shape, n, limits, code", HOSTILE)
def test_hostile_shapes_read_the_same_from_bytes(good, tmp_path, shape, n, limits, code):
    path = getattr(hostile, shape)(good, tmp_path / f"{shape}-{n}.xlsx", n)
    result = same(path, Limits(**limits))
    if code in ("too-complex", "xml-malformed", "zip-corrupt"):
        assert result[0] == "failed" and result[1] == code


def test_limits_refuse_the_same_when_rows_are_read_from_bytes(good):
    cells = sum(len(s.cells) for s in read_book(good).sheets.values())
    for limits in (Limits(cells=cells // 2), Limits(rows=20), Limits(elements=1000), Limits(formula=10)):
        result = same(good, limits)
        assert result[0] == "failed" and result[1] in ("too-many-cells", "too-complex"), result


#: Variants of 附件1's cells the patterns read: (name, change of its ``<sheetData>`` text).
COVERED = {
    "attributes-reordered": lambda t: re.sub(r'<c r="([A-Z]+\d+)" s="(\d+)" t="s">', r'<c t="s" s="\2" r="\1">', t),
    "row-attributes-reordered": lambda t: re.sub(r'<row r="(\d+)" ([^>]*)>', r'<row \2 r="\1">', t),
    "entities": lambda t: t.replace("<f>", "<f>IF(1&lt;&gt;2,&quot;&#x4E2D;&#20013;&amp;&apos;&quot;,0)+", 3),
    "inline-strings": lambda t: re.sub(r'<c r="([A-Z]+\d+)" s="(\d+)" t="s"><v>\d+</v></c>',
                                       r'<c r="\1" s="\2" t="inlineStr"><is><t xml:space="preserve"> 行内 &lt;'
                                       r'</t><t/></is></c>', t, count=5),
    "shared-formulas": lambda t: SHEET_MUTATIONS["shared-formulas"](t, []),
    "rows-out-of-order": lambda t: "".join(reversed(re.findall(r"<row .*?</row>", t))),
    "empty-cells-and-values": lambda t: t.replace('s="5"/>', 's="5"><v></v></c>', 3).replace(
        's="2"/>', 's="2"><v/><f/></c>', 3).replace('s="3"/>', 's="3"></c>', 3).replace('s="4"/>', "/>", 3),
    "whitespace": lambda t: t.replace("<row ", "\n  <row ").replace("<c ", "\n\t<c ").replace("</row>", " </row>"),
    "positional": lambda t: SHEET_MUTATIONS["positional"](t, []),
    "empty-rows": lambda t: t + '<row r="990" spans="1:2"/><row r="991"></row>',
    "libreoffice-spelling": lambda t: re.sub(r'<row r="(\d+)"[^>]*>', r'<row r="\1" s="0" customFormat="false" '
                                             r'ht="12.8" hidden="false" customHeight="false" outlineLevel="0" '
                                             r'collapsed="false">', t).replace("<f>", '<f aca="false">'),
}


@pytest.mark.parametrize("variant", sorted(COVERED))
def test_covered_variants_are_read_from_bytes_the_same(good, tmp_path, passing, variant):
    path = with_cells(good, tmp_path / f"{variant}.xlsx", COVERED[variant])
    assert outcome(read_book, path) != outcome(read_book, good) or variant == "whitespace"
    assert read_fast(path, passing)["附件1"] is True
    same(path)


# -- what the patterns do not cover: read by the handlers ----------------------------------------------------

#: Variants of 附件1's cells read by the handlers: (name, change of its ``<sheetData>`` text).
UNCOVERED = {
    "comment": lambda t: t.replace("</row>", "</row><!-- </sheetData> -->", 1),
    "cdata": lambda t: re.sub(r"<v>(\d+)</v>", r"<v><![CDATA[\1]]></v>", t, count=1),
    "prefix": lambda t: t.replace("<c ", "<x:c ", 1).replace("</c>", "</x:c>", 1),
    "rich-text": lambda t: SHEET_MUTATIONS["inline"](t, ["甲乙丙丁"] * 1000),
    "single-quotes": lambda t: t.replace('<c r="A1"', "<c r='A1'", 1),
    "duplicate-attribute": lambda t: re.sub(r'<c r="([A-Z]+\d+)"', r'<c r="\1" r="\1"', t, count=1),
    "duplicate-row-number": lambda t: t.replace("<row ", '<row r="1" ', 1),
    "carriage-return": lambda t: t.replace("</row>", "</row>\r\n", 1),
    "control-character": lambda t: t.replace("<v>", "<v>\x01", 1),
    "bad-reference": lambda t: t.replace("<v>", "<v>&#1;", 1),
    "unknown-entity": lambda t: t.replace("<v>", "<v>&nbsp;", 1),
    "cdata-end": lambda t: t.replace("<v>", "<v>]]>", 1),
    "row-in-row": lambda t: t.replace("</row>", "", 1),
    "unclosed-row": lambda t: t + "<row>",
    "stray-end": lambda t: t + "</row>",
    "other-element": lambda t: t.replace("</row>", "</row><x/>", 1),
    "value-attribute": lambda t: t.replace("<v>", '<v a="1">', 1),
    "tab-in-attribute": lambda t: t.replace('<c r="A1"', '<c r="A1\t"', 1),
}


@pytest.mark.parametrize("variant", sorted(UNCOVERED))
def test_uncovered_shapes_are_read_by_the_handlers(good, tmp_path, passing, variant):
    path = with_cells(good, tmp_path / f"{variant}.xlsx", UNCOVERED[variant])
    passing.clear()
    result = outcome(read_book, path)
    fast = final(passing)
    assert fast[1] is False and fast[0] is True  # 附件1, the second sheet: by the handlers
    if result[0] == "read":
        assert sum(fast) == len(fast) - 1
    assert result == by_handlers(path)


def test_non_utf8_sheets_are_read_by_the_handlers(good, tmp_path, passing):
    latin = hostile.rezip(good, tmp_path / "latin1.xlsx", {hostile.FJ1: hostile.part(good, hostile.FJ1).replace(
        'encoding="UTF-8"', 'encoding="ISO-8859-1"', 1).encode()})
    assert read_fast(latin, passing)["附件1"] is False and read_fast(good, passing)["附件1"] is True
    assert same(latin)[0] == "read"


def test_damage_after_the_rows_names_the_same_place(good, tmp_path, passing):
    """A sheet failing after its rows were read from bytes is read again by the handlers: the same line and
    column in the message."""
    path = hostile.rezip(good, tmp_path / "之后.xlsx", {hostile.FJ1: hostile.part(good, hostile.FJ1).replace(
        "</sheetData>", "</sheetData><bad x=1/>").encode()})
    result = same(path)
    assert result[:2] == ("failed", "xml-malformed") and "line" in result[4]
    assert any("sheetData" in s.passed for s in passing)


# -- the helpers ---------------------------------------------------------------------------------------------

def test_entities_are_decoded_as_expat_decodes_them():
    assert decoded("a&amp;b&lt;&gt;&quot;&apos;&#x4E2D;&#20013;&#13;") == "a&b<>\"'中中\r"
    assert decoded("plain") == "plain"
    for bad in ("&#0;", "&#xFFFE;", "&#xD800;", "&#x110000;"):
        with pytest.raises(Uncovered):
            decoded(bad)


def test_attributes_and_region_text():
    assert attributes(' r="A1" t="s"') == {"r": "A1", "t": "s"}
    with pytest.raises(Uncovered):
        attributes(' r="A1" r="B1"')
    assert region_text("<c/>中".encode()) == "<c/>中"
    for refused in (b"\xff", b"<v>\x00</v>", b"\r\n", "\ufffe".encode(), b"]]>"):
        assert region_text(refused) is None


def test_the_package_holds_what_the_corpus_needs(good):
    with zipfile.ZipFile(good) as z:
        fj1 = z.read(hostile.FJ1).decode()
    assert '<c r="A1"' in fj1 and "</row>" in fj1 and 's="5"/>' in fj1 and 's="2"/>' in fj1
