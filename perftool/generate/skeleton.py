"""A plan's workbook written from a per-layout skeleton: the table sheets rendered once per process, each copy
writing only what differs.

What is the same for every unit of a layout (labels, styles, merges, validations, formulas, the label rows'
measured heights) is rendered once by XlsxWriter through ``render.write_table`` and kept as the sheets' XML, cut
into static text and slots. A copy (the annotated copy of ``perftool batch``/``score -o``) is one small XlsxWriter
workbook holding what differs: the sheets put in front (审核结果, 评分结果), the comments and highlights, and for
each table an empty sheet given its columns, row heights and page setup; its table sheets' XML then gets the
skeleton's cells (the slots filled with the copy's entries and cached results), merges and validations spliced
in. The cell styles of the skeleton keep their numbers because the copy registers the same formats first.

Memory (a set of 500 rows per 科目 table: 58,517 fields, ~11,500 validation rules, 4,518 rows in 附件2): each table
is rendered in an XlsxWriter workbook of its own, freed before its XML is cut, so only one table's cell records
live at a time; its validations are rendered apart ``CHUNK_ROWS`` rules at a time (``render.validations_xml``)
and deflated as they are made, into the one piece every copy joins (``package.Deflated``); the cut keeps one
joined string per static run and small slot objects. Peak RSS of building that skeleton after scoring: 282 → 155 → 138 MB (the validations chunked); the skeleton
holds ~17 MB (traced).

Chosen by measurement (CPU ms, medians, this 2-core machine while other jobs kept it busy). Where the full
re-render's time went (cProfile, a full-set unit with ~300 findings, 214 ms): XlsxWriter storing and serialising
the ~3,400 table cells, their ~1,050 validations and the package ~40 %, measuring wrapped texts for row heights
~25 % (every label again per copy), the 审核结果/评分结果 sheets ~25 %, comments and highlights the rest. The tables
alone (no result sheets, no comments, measurements already cached) still cost 138 ms through XlsxWriter against
23 ms from the skeleton: replaying their writes into XlsxWriter (design "b") cannot approach the ~80 ms ``score``
takes, patching cached XML (this design, "a") can. Per annotated copy: the seven examples (2–34 findings) 15–59 ms
against 31–146 full and 19–74 for ``score`` (below ``score`` on each); 30 synthetic full-set units with ~294
findings each 109 ms against 208 full and 86 ``score`` — there the copy's own content (a 300-row 审核结果, ~270
comments, written by XlsxWriter) is ~75 % of what remains. The full re-render stays as the oracle the tests compare with (``annotate(...,
full=True)``).

The copy's own content (the 审核结果 rows, 评分结果, ~270 comments on a synthetic unit) is written as XML directly
too: the result sheets and the table frames are ``sheet_xml.XmlSheet`` worksheets, which keep their cells, data
validations and comments as XML and leave to XlsxWriter only the small fixed parts (columns, heights, panes,
page setup, protection, charts, relationships, content types); the comments' boxes are placed by XlsxWriter's
arithmetic from sizes summed once per sheet.
Measured with ``tests/bench.py`` (20 synthetic full-set units, ~300 findings each; CPU, medians, under load):
171 → 65 ms per copy run back to back (``score`` 60 / 42 in the same runs: the machine's load moves both),
1.5–1.9× ``score`` over five runs; by cProfile the 审核结果 rows are ~38 % of what
remains, XlsxWriter's fixed package and the comment boxes ~25 %. While a copy is assembled, cyclic garbage
collection is off (``_uncollected``).

The package (``package.py``): XlsxWriter's parts are kept in memory (nothing zipped by it, none read back from a
zip), the parts a copy repeats (theme, styles, relationships, content types) deflated once per process, a table
sheet's validations (~85 % of its XML) deflated once per skeleton and joined to the copy's own deflated bytes; the
values are the assessment's own when computed from the entries the copy writes (``Assessment.filed_from``).
Tables only (no marks, no result sheets), CPU ms per synthetic full-set unit, interleaved with ``assess``: 19.0 →
11.7–13.5 (0.47 → 0.35× score). Then what every copy of a layout repeated was made once: a table sheet's fixed
XML per page fit (``FrameSheet``), ``xl/styles.xml`` per set of formats (``package.PackageWorkbook``), the
skeleton's formats copied instead of made (``Skeleton.register``), the page fit per heights and alike columns
in one call (``render``), the most frequent slots filled in one pass per sheet (``_Sheet.data``): 15–16 → 8–9 ms
(timed by phase, load 2–4). What remains: filling the ~1,840 slots ~1.8, deflating and writing ~2, XlsxWriter's
close (frames' rest, workbook, identity sheet, app, content types) ~1.5, adding the sheets 0.35, page setup 0.2,
columns 0.2, heights 0.1.

Text the copy writes is always escaped and written as an inline string (the skeleton's labels too, so the copy's
shared-string table is XlsxWriter's own); numbers, dates and formula results are written as XlsxWriter writes
them.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import itertools
import math
import re
import zipfile
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_cell_to_rowcol

from ..definitions.cells import Formula, Input
from ..definitions.model import Field, TableLayout
from ..definitions.types import TYPES
from ..definitions.workbook import WorkbookPlan
from ..engine import engine_for
from ..output import atomic_path
from .render import (Marks, changeable_rows, finish_workbook, new_workbook, page_setup, plan_texts, set_columns,
                     table_heights, validations_xml, write_marks, write_table)
from .package import Deflated, PackageWorkbook, write_package
from .sheet_xml import XmlSheet, escape, string_cell, text_xml, xml_parts
from .styles import FORMULA_LEADS, Styles

_TOKEN = re.compile(rb'<row r="(\d+)"[^>]*>|<c r="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_STYLE = re.compile(rb' s="(\d+)"')
_HEIGHT = re.compile(r' ht="[^"]*"')
_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
COMMENT_ROWS = 48  # rows below its cell a comment box may reach (8 × the default box height, rows ≥ 15 pt)


def write_copy(plan: WorkbookPlan, inputs: Mapping[str, Any], path: Path, marks: Marks | None = None,
               front: Callable[[xlsxwriter.Workbook, Styles], None] | None = None,
               values: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """What ``render.render`` writes, with the table sheets filled into the plan's skeleton and their comments
    written by ``XmlSheet``; return every field's value. ``front`` may add ``XmlSheet`` sheets too. ``values``:
    every field's value computed from ``inputs`` already (an assessment's ``as_filed``), else computed here."""
    skeleton = skeleton_of(plan)  # with the collector on: each table's XlsxWriter workbook is a cycle (→ sheets)
    with _uncollected():
        if values is None:
            values = engine_for(plan).compute(inputs)
        return _write_copy(plan, skeleton, inputs, values, path, marks, front)


@contextmanager
def _uncollected() -> Iterator[None]:
    """No cyclic garbage collection while a copy is assembled. A copy allocates ~100,000 objects; the collections
    they trigger scan what a process keeps (plans, skeletons, a batch's assessments) and cost a third of the copy
    (measured: 128 → 94 ms CPU per synthetic full-set unit). The copy leaves no reference cycles (``_write_copy``
    drops XlsxWriter's one, sheet → workbook), so reference counting frees all of it: nothing waits for a
    collection (measured at 500 rows per 科目 table: the same peak with the collector on, at twice the CPU). Not
    while a skeleton is built: its tables' workbooks, cycles, would live until the end (+20 MB at 500 rows).
    Collection resumes after it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _write_copy(plan: WorkbookPlan, skeleton: Skeleton, inputs: Mapping[str, Any], values: Mapping[str, Any],
                path: Path, marks: Marks | None, front: Callable[[xlsxwriter.Workbook, Styles], None] | None
                ) -> Mapping[str, Any]:
    book = new_workbook(io.BytesIO(), PackageWorkbook)  # its parts kept (``book.parts``), nothing zipped
    styles = CopyStyles(book)
    skeleton.register(styles)
    if front is not None:
        front(book, styles)
    marks = marks or {}
    fills: dict[str, tuple[_Sheet, tuple[Any, ...]]] = {}  # a table sheet's part → its skeleton, ``data``'s args
    for layout, sheet in zip(plan.layouts.values(), skeleton.sheets, strict=True):
        ws = book.add_worksheet(layout.sheet, worksheet_class=FrameSheet)
        ws.frame, ws.skeleton = True, sheet
        heights = table_heights(layout, plan, values, inputs)
        set_columns(ws, layout)
        marked = marks.get(layout.sheet, {})
        if marked:  # comment boxes are placed by the heights of the rows down to theirs
            ws.size_rows(heights, max(r for r, _ in marked) + COMMENT_ROWS)
        write_marks(ws, marked, styles)
        page_setup(ws, layout, heights, plan)
        fills[f"xl/worksheets/sheet{ws.index + 1}.xml"] = sheet, (values, inputs, heights, plan_texts(layout, plan))
    finish_workbook(book, plan)
    for ws in book.worksheets():
        ws.workbook_add_format = None  # the one reference cycle (sheet → workbook): freed when it goes, not collected
    package = book.parts
    # the replaced parts made as they are compressed, one at a time
    made: dict[str, Iterable[bytes | Deflated]] = {name: sheet.splice(package.read(name).decode("utf-8"), args)
                                                   for name, (sheet, args) in fills.items()}
    made.update(xml_parts(book, package))
    with atomic_path(path) as tmp:
        write_package(tmp, {name: made.get(name, content) for name, content in package.items()})
    return values


@dataclass(slots=True)
class _Row:
    """A row's start tag: the skeleton's, or with the copy's height where an entered text made it taller."""

    row: int
    tag: str
    height: float

    def xml(self, values: Mapping[str, Any], given: Mapping[str, Any], heights: Mapping[int, float],
            texts: tuple[str, str]) -> str:
        h = heights.get(self.row, self.height)
        if h == self.height:
            return self.tag
        return _row_tag(self.tag, h)


@lru_cache(maxsize=4096)
def _row_tag(tag: str, height: float) -> str:
    """A row's start tag with another height (units' texts fit the same few heights)."""
    ht = f' ht="{int(height * 4.0 / 3.0 + 0.5) * 0.75:.16g}"'  # XlsxWriter's set_row: whole pixels
    return _HEIGHT.sub(ht, tag)  # every row the heights set has its height in the skeleton


@dataclass(slots=True)
class _PlanText:
    """A1 or A3: the heading or the 部门 line, which name the unit."""

    ref: str
    style: int
    index: int

    def xml(self, values: Mapping[str, Any], given: Mapping[str, Any], heights: Mapping[int, float],
            texts: tuple[str, str]) -> str:
        return string_cell(self.ref, self.style, texts[self.index])


@dataclass(slots=True)
class _Entry:
    """A field's cell: the entry (or a figure typed over a formula) as a constant, else the formula with its
    cached result. ``styles``: entry, entry quoted, formula (its own), formula typed over, typed over quoted."""

    ref: str
    field: Field
    is_input: bool
    formula: str
    styles: tuple[int, int, int, int, int]

    def xml(self, values: Mapping[str, Any], given: Mapping[str, Any], heights: Mapping[int, float],
            texts: tuple[str, str]) -> str:
        key = self.field.key
        value = values.get(key)
        if not self.is_input and key not in given:
            return _formula(self.ref, self.styles[2], self.formula, "" if value is None else value)
        plain, quoted = self.styles[:2] if self.is_input else self.styles[3:]
        return _constant(self.ref, value, self.field, plain, quoted)


@dataclass(slots=True)
class _MergedBlank:
    """A cell of a formula's merged area besides its first: blank, in the formula's style or the typed-over one."""

    ref: str
    key: str
    own: int
    over: int

    def xml(self, values: Mapping[str, Any], given: Mapping[str, Any], heights: Mapping[int, float],
            texts: tuple[str, str]) -> str:
        return f'<c r="{self.ref}" s="{self.over if self.key in given else self.own}"/>'


@dataclass
class _Sheet:
    """A table sheet's skeleton: its cell XML as static text and slots, and its static parts."""

    parts: list[Any]
    dimension: str
    merges: str
    validations: Deflated | None  # ``<dataValidations>`` as every copy's piece, deflated once: ~1/35 of the text

    def __post_init__(self) -> None:
        """Where the slots are in ``parts``, as indices only (a 500-row set has ~60,000 slots: a tuple or a made
        string each would keep ~9 MB per skeleton): numeric entries, text entries, formulas, the others; no frames
        yet (``FrameSheet``)."""
        self.frames: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        self.numbers, self.texts, self.formulas, self.others = (array("L") for _ in range(4))
        for i, part in enumerate(self.parts):
            if part.__class__ is not _Entry:
                if part.__class__ is not str:
                    self.others.append(i)
            elif not part.is_input:
                self.formulas.append(i)
            elif TYPES[part.field.type].numeric:
                self.numbers.append(i)
            else:
                self.texts.append(i)

    def data(self, values: Mapping[str, Any], given: Mapping[str, Any], heights: Mapping[int, float],
             texts: tuple[str, str]) -> str:
        """The ``<sheetData>`` of one copy: the static runs with every slot's XML in its place. The most frequent
        cells (a finite number entered or computed, a text entered that is not quoted) are written here as
        ``_Entry.xml`` writes them (``_constant``, ``_formula``; a text by ``text_xml``, which keeps
        ``string_cell``'s inline strings of the texts that recur); the rest by the slot."""
        parts = self.parts
        out = parts.copy()
        get, isfinite = values.get, math.isfinite
        for i in self.numbers:
            slot = parts[i]
            value = get(slot.field.key)
            kind = value.__class__
            out[i] = f'<c r="{slot.ref}" s="{slot.styles[0]}"><v>{value:.16G}</v></c>' \
                if kind is float and isfinite(value) or kind is int else slot.xml(values, given, heights, texts)
        for i in self.texts:
            slot = parts[i]
            value = get(slot.field.key)
            out[i] = f'<c r="{slot.ref}" s="{slot.styles[0]}"' + text_xml(value) \
                if value.__class__ is str and value and not value.startswith(FORMULA_LEADS) \
                else slot.xml(values, given, heights, texts)
        for i in self.formulas:
            slot = parts[i]
            key = slot.field.key
            value = get(key)
            kind = value.__class__
            out[i] = f'<c r="{slot.ref}" s="{slot.styles[2]}"><f>{slot.formula}</f><v>{value}</v></c>' \
                if (kind is float or kind is int) and key not in given else slot.xml(values, given, heights, texts)
        for i in self.others:
            out[i] = parts[i].xml(values, given, heights, texts)
        return "".join(out)

    def splice(self, xml: str, args: tuple[Any, ...]) -> Iterator[bytes | Deflated]:
        """The copy's sheet XML (an empty sheet with its columns, marks and page setup) with the cells (``data``
        of ``args``), merges and validations in their places (the schema's element order): UTF-8 pieces, made
        when read, so that a copy holds one table's cells at a time."""
        xml = re.sub(r"<dimension [^>]*/>", lambda _: self.dimension, xml, count=1)
        start = xml.index("<sheetData")
        end = xml.index("/>", start) + 2 if xml.startswith("<sheetData/>", start) else \
            xml.index("</sheetData>", start) + len("</sheetData>")
        tail = xml[end:]
        merges = _place(tail, ("<phoneticPr", "<conditionalFormatting", "<dataValidations", "<hyperlinks",
                               "<printOptions", "<pageMargins"))
        validations = _place(tail, ("<hyperlinks", "<printOptions", "<pageMargins"))
        yield xml[:start].encode("utf-8")
        yield self.data(*args).encode("utf-8")
        yield "".join((tail[:merges], self.merges, tail[merges:validations])).encode("utf-8")
        if self.validations is not None:
            yield self.validations
        yield tail[validations:].encode("utf-8")


class FrameSheet(XmlSheet):
    """A copy's table sheet around its skeleton's cells (``frame``): XlsxWriter's XML of it in XlsxWriter's order,
    the elements that are the same for every copy of the layout at one page fit (the declaration and ``sheetPr``;
    views, row format and columns; printing: options, margins, page setup, header and footer, page breaks) made by
    XlsxWriter once and kept in the skeleton's sheet (``_Sheet.frames``) under what they depend on beyond the
    layout: the sheet selected or not, the print scale and the page breaks (``page_setup``'s, from the copy's
    heights). The rest (dimension, protection, highlights, drawings and comment boxes, links) is written by
    XlsxWriter for each copy. Safe because a table sheet's columns, panes, paper, margins and print header come
    from its layout and year alone (``set_columns``, ``page_setup``), which the skeleton is made for."""

    skeleton: _Sheet

    def _assemble_xml_file(self) -> None:
        key = (self.selected, self.print_scale, tuple(self.hbreaks))
        frames = self.skeleton.frames
        fixed = frames.get(key)
        if fixed is None:
            if len(frames) >= CACHED_FRAMES:
                frames.clear()
            fixed = frames[key] = tuple(self._fixed(group) for group in _FIXED)
        head, views, printing = fixed
        fh = self.fh
        fh.write(head)
        self._write_dimension()
        fh.write(views)
        self._write_sheet_data()
        self._write_sheet_protection()
        self._write_protected_ranges()
        if self.excel2003_style:
            self._write_phonetic_pr()
        self._write_auto_filter()
        self._write_merge_cells()
        self._write_conditional_formats()
        self._write_data_validations()
        self._write_hyperlinks()
        fh.write(printing)
        self._write_drawings()
        self._write_legacy_drawing()
        self._write_legacy_drawing_hf()
        self._write_picture()
        self._write_table_parts()
        self._write_ext_list()
        self._xml_end_tag("worksheet")
        self._xml_close()

    def _fixed(self, writers: tuple[str, ...]) -> str:
        """What XlsxWriter's ``writers`` write for this sheet."""
        fh, self.fh = self.fh, io.StringIO()
        try:
            for name in writers:
                getattr(self, name)()
            return self.fh.getvalue()
        finally:
            self.fh = fh


#: The elements of a table sheet's XML kept per layout and page fit (``FrameSheet``), by XlsxWriter's writers.
_FIXED = (("_xml_declaration", "_write_worksheet", "_write_sheet_pr"),
          ("_write_sheet_views", "_write_sheet_format_pr", "_write_cols"),
          ("_write_print_options", "_write_page_margins", "_write_page_setup", "_write_header_footer",
           "_write_row_breaks", "_write_col_breaks", "_write_ignored_errors"))
CACHED_FRAMES = 16  # page fits of one table sheet kept (units' texts change its heights, and so its fit, rarely)


def _place(xml: str, before: tuple[str, ...]) -> int:
    """Where an element goes that precedes the first of ``before`` found."""
    return min(i for i in (xml.find(tag) for tag in before) if i >= 0)


@dataclass
class Skeleton:
    """The table sheets of a set of layouts, and the cell formats (in XlsxWriter's order) their XML refers to."""

    formats: list[dict[str, Any]]
    sheets: list[_Sheet]

    def __post_init__(self) -> None:
        """The formats made once, as ``Styles.get`` makes them in a copy's workbook (``register`` copies them)."""
        styles = Styles(new_workbook(io.BytesIO()))
        self.made = [(props, styles.get(**props)) for props in self.formats]
        for _, fmt in self.made:
            fmt._get_format_key()  # kept in the format: its copies need not make it again

    def register(self, styles: CopyStyles) -> None:
        """Give the copy's workbook the skeleton's formats first, so that they get the same numbers: each a copy
        of the one made once (``made``), given to the copy's workbook as ``Workbook.add_format`` gives its own,
        then numbered."""
        book = styles.book
        for number, (props, made) in enumerate(self.made, start=1):
            fmt = object.__new__(Format)
            vars(fmt).update(vars(made))
            fmt.xf_format_indices, fmt.dxf_format_indices = book.xf_format_indices, book.dxf_format_indices
            book.formats.append(fmt)
            styles.keep(props, fmt)
            if fmt._get_xf_index() != number:  # XlsxWriter numbers formats in order of first use
                raise RuntimeError("批注副本的单元格格式编号与表样骨架不一致")


class CopyStyles(Styles):
    """A copy's ``Styles``, which may be given formats made elsewhere (``Skeleton.register``)."""

    def keep(self, props: dict[str, Any], fmt: Format) -> None:
        """Take ``fmt`` (made with ``props`` for this workbook) as the format ``get(**props)`` returns."""
        self._cache[tuple(sorted(props.items()))] = fmt
        self._props[id(fmt)] = props


#: Skeletons by plan layouts (identity; the layouts and formulas kept alive beside them), least recently used last.
_SKELETONS: OrderedDict[tuple[int, ...], tuple[Any, Skeleton]] = OrderedDict()
CACHED_SKELETONS = 4  # one of 500 rows per 科目 table holds ~25 MB


def skeleton_of(plan: WorkbookPlan) -> Skeleton:
    """The plan's skeleton, built on first use in this process."""
    key = (plan.year, id(plan.formulas), *map(id, plan.layouts.values()))
    if key in _SKELETONS:
        _SKELETONS.move_to_end(key)
        return _SKELETONS[key][1]
    skeleton = _build(plan)
    _SKELETONS[key] = ((list(plan.layouts.values()), plan.formulas), skeleton)
    if len(_SKELETONS) > CACHED_SKELETONS:
        _SKELETONS.popitem(last=False)
    return skeleton


def _build(plan: WorkbookPlan) -> Skeleton:
    """Render the tables once (no entries, no results) and cut their sheets' XML into text and slots: each table
    in a workbook of its own, freed before the next, so that only one table's cells are held at a time."""
    formats: list[dict[str, Any]] = []
    return Skeleton(formats, [_build_sheet(layout, plan, formats) for layout in plan.layouts.values()])


def _entry_numbers(book: xlsxwriter.Workbook, styles: Styles, layout: TableLayout, formats: list[dict[str, Any]]
                   ) -> dict[str, tuple[int, int, int, int]]:
    """By field type, the numbers of the entry, entry quoted, typed-over and typed-over quoted formats in the copy:
    a format the skeleton does not use is registered after its own (and appended to ``formats``)."""
    def number(fmt: Any) -> int:
        before = len(book.xf_format_indices)
        index = fmt._get_xf_index()
        if len(book.xf_format_indices) > before:
            formats.append(styles.props(fmt))
        return index

    numbers: dict[str, tuple[int, int, int, int]] = {}
    for t in sorted({f.type for f in layout.fields.values()}):
        entry, formula = styles.input(t), styles.formula(t)
        numbers[t] = (number(entry), number(styles.quoted(entry)), number(formula), number(styles.quoted(formula)))
    return numbers


def _build_sheet(layout: TableLayout, plan: WorkbookPlan, formats: list[dict[str, Any]]) -> _Sheet:
    """One table's skeleton; ``formats`` (the cell formats numbered so far) are registered first, so that they
    keep their numbers, and get the table's new ones appended. The workbook is freed before its XML is cut."""
    buffer = io.BytesIO()
    book = new_workbook(buffer)
    styles = Styles(book)
    for props in formats:
        styles.get(**props)._get_xf_index()
    write_table(book.add_worksheet(layout.sheet), layout, plan, {}, set(), styles, validations=False)
    book.close()
    owners = sorted((f for f in book.formats if f.xf_index), key=lambda f: f.xf_index)
    formats.extend(styles.props(f) for f in owners[len(formats):])
    numbers = _entry_numbers(book, styles, layout, formats)
    del book, styles, owners
    pieces = validations_xml(layout)  # nothing for a table without validations
    first = next(pieces, None)
    validations = None if first is None else Deflated.of(itertools.chain((first,), pieces))
    with zipfile.ZipFile(buffer) as z:
        strings = re.findall(rb"<si>(.*?)</si>", z.read("xl/sharedStrings.xml"), re.S) \
            if "xl/sharedStrings.xml" in z.namelist() else []
        xml = z.read("xl/worksheets/sheet1.xml")
    del buffer
    return _cut(xml, layout, plan, strings, numbers, validations)


def _cut(xml: bytes, layout: TableLayout, plan: WorkbookPlan, strings: list[bytes],
         numbers: Mapping[str, tuple[int, int, int, int]], validations: Deflated | None) -> _Sheet:
    """One table sheet's XML cut into text and slots: its row tags where an entered text may change the height,
    the fields' cells, the blanks of a formula's merged area, and the unit's two texts; labels as inline strings.
    ``numbers``: by field type, the formats of an entry, an entry quoted, a figure typed over a formula, quoted."""
    start = xml.index(b"<sheetData")
    end = xml.index(b"</sheetData>") + len(b"</sheetData>") if b"</sheetData>" in xml else xml.index(b"/>", start) + 2
    heights = table_heights(layout, plan, {}, set())
    changeable = changeable_rows(layout, plan)
    areas = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in layout.merges}
    blanks: dict[tuple[int, int], Field] = {}
    for (r1, c1), (r2, c2) in areas.items():
        spec = layout.grid[r1][c1]
        if isinstance(spec, Formula):
            blanks.update({(r, c): layout.cell_fields[(r1, c1)] for r in range(r1, r2 + 1)
                           for c in range(c1, c2 + 1) if (r, c) != (r1, c1)})
    parts: list[Any] = []
    run: list[bytes] = []  # static bytes since the last slot

    def slot(part: Any) -> None:
        parts.append(b"".join(run).decode("utf-8"))
        run.clear()
        parts.append(part)

    columns: dict[bytes, int] = {}  # column letters → index
    shared: dict[tuple[int, ...], tuple[int, ...]] = {}  # one tuple of style numbers for all entries alike
    at = start
    for m in _TOKEN.finditer(xml, start, end):
        run.append(xml[at:m.start()])
        at = m.end()
        if m.group(1):
            r = int(m.group(1)) - 1
            if r in changeable:
                slot(_Row(r, m.group(0).decode("ascii"), heights.get(r, 15.0)))
            else:
                run.append(m.group(0))
            continue
        ref, attrs, inner = m.group(2), m.group(3), m.group(4) or b""
        letters = ref.rstrip(b"0123456789")
        c = columns.get(letters)
        if c is None:
            c = columns[letters] = xl_cell_to_rowcol(ref.decode("ascii"))[1]
        style = int(_STYLE.search(attrs).group(1))
        spec = layout.grid[r][c] if r < len(layout.grid) and c < len(layout.grid[r]) else None
        if (r, c) in ((0, 0), (2, 0)):
            slot(_PlanText(ref.decode("ascii"), style, 0 if r == 0 else 1))
        elif isinstance(spec, (Input, Formula)) and (r, c) in layout.cell_fields:
            field = layout.cell_fields[(r, c)]
            plain, quoted, over, over_quoted = numbers[field.type]
            f = re.search(rb"<f>(.*?)</f>", inner, re.S)
            styles = (plain, quoted, style, over, over_quoted)
            slot(_Entry(ref.decode("ascii"), field, isinstance(spec, Input), f.group(1).decode("utf-8") if f else "",
                        shared.setdefault(styles, styles)))
        elif (r, c) in blanks:
            slot(_MergedBlank(ref.decode("ascii"), blanks[(r, c)].key, style, numbers[blanks[(r, c)].type][2]))
        elif b' t="s"' in attrs:
            text = strings[int(re.search(rb"<v>(\d+)</v>", inner).group(1))]
            run.append(b'<c r="%s" s="%d" t="inlineStr"><is>%s</is></c>' % (ref, style, text))
        else:
            run.append(m.group(0))
    run.append(xml[at:end])
    parts.append(b"".join(run).decode("utf-8"))
    merges = re.search(rb"<mergeCells .*?</mergeCells>", xml, re.S)
    return _Sheet([p for p in parts if p != ""], re.search(rb"<dimension [^>]*/>", xml).group(0).decode("utf-8"),
                  merges.group(0).decode("utf-8") if merges else "", validations)


def _constant(ref: str, value: Any, field: Field, style: int, quoted: int) -> str:
    """An entry as ``render._write_value`` writes it."""
    if value is None or value == "":
        return f'<c r="{ref}" s="{style}"/>'
    if isinstance(value, bool):
        return string_cell(ref, style, "是" if value else "否")
    if isinstance(value, (int, float)) and TYPES[field.type].numeric:
        if math.isnan(value) or math.isinf(value):
            raise TypeError("NAN/INF not supported in write_number()")
        return f'<c r="{ref}" s="{style}"><v>{value:.16G}</v></c>'
    if isinstance(value, (dt.date, dt.datetime)):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        return f'<c r="{ref}" s="{style}"><v>{_serial(moment):.16G}</v></c>'
    text = str(value)
    return string_cell(ref, quoted if text.startswith(FORMULA_LEADS) else style, text)


def _formula(ref: str, style: int, formula: str, cached: Any) -> str:
    """A formula cell with its cached result, as XlsxWriter's ``write_formula`` writes it."""
    kind = ""
    if isinstance(cached, bool):
        kind, cached = ' t="b"', int(cached)
    elif isinstance(cached, str):
        kind = "" if cached == "" else ' t="e"' if cached in _ERRORS else ' t="str"'
        cached = escape(cached)
    return f'<c r="{ref}" s="{style}"{kind}><f>{formula}</f><v>{cached}</v></c>'


def _serial(moment: dt.datetime) -> float:
    """An Excel serial date (1900 system, with its phantom 29 February 1900)."""
    delta = moment - dt.datetime(1899, 12, 31)
    days = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return days + 1 if days > 59 else days
