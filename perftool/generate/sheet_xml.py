"""A worksheet whose bulk is written as XML directly: what an annotated copy writes per unit (the 审核结果 and
评分结果 rows, the comments of the table sheets), at a fraction of XlsxWriter's cost, with the same XML.

``XmlSheet`` is an XlsxWriter worksheet (``book.add_worksheet(name, worksheet_class=XmlSheet)``): everything
small and fixed (columns, row heights, panes, filters, page setup, protection, charts, hyperlinks, the package's
relationships and content types) stays XlsxWriter's; what it takes over it writes as XlsxWriter would:

- cells: each kept as its XML when written (texts as inline strings, escaped like XlsxWriter's shared strings),
  the cell format's number taken when the sheet is written, as XlsxWriter does; all but the last rows written
  packed, a row's cells as one UTF-8 string, and beyond ``PLAIN_ROWS`` rows deflated ``OPEN_ROWS`` rows at a time
  (what a copy holds once its 审核结果 of 9,317 findings is written, traced: 87 → 32 MB); a row may come whole, as
  its cells' XML made by the caller from a template (``put_whole_row``: the 审核结果 rows; deflated alike);
- data validations: the XML of each distinct rule rendered once per process by XlsxWriter, then only its cell
  range filled in (kept as the rule and its range until written);
- comments: ``write_comment``'s copied from the first made with the same options; or, from ``put_comments``, a
  ``Note`` each (its cell and text; box, font and author its ``CommentKind``'s, made once per kind), the rows'
  sizes for the boxes set from a list (``size_rows``); every box placed by XlsxWriter's own object positioning,
  from the sheet's row heights and column widths summed once (``_Grid``), a box's columns found once per start
  column and width; XlsxWriter still writes the comments and VML parts, but of the first comment only;
  ``replaced`` holds the full parts, to be put into the package in their place (``package.write_package``).

A workbook with ``XmlSheet`` sheets is complete only with ``xml_parts`` put into its package in place of what
XlsxWriter wrote (``package.write_package``), as ``skeleton.write_copy`` does. The rows, the validations, the comments
and the VML are made when they are compressed, one part after another (the rows and rules a piece at a time, the
rows freed as they go). The full re-render (plain XlsxWriter worksheets) is the oracle the tests compare the copy
with, part by part.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from fractions import Fraction
from io import StringIO
from itertools import accumulate
from math import isfinite, isinf, isnan
from typing import Any

from xlsxwriter.comments import CommentType
from xlsxwriter.format import Format
from xlsxwriter.url import Url
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, xl_col_to_name, xl_range, xl_rowcol_to_cell
from xlsxwriter.worksheet import RowInfo, Worksheet, convert_range_args
from xlsxwriter.xmlwriter import XMLwriter

from .styles import write_plain

MAX_TEXT = 32767  # UTF-16 units in a cell (XlsxWriter truncates longer strings)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]")  # characters a text may need escaped (and "_x")
_XML = XMLwriter()  # XlsxWriter's own escaping of data and attributes


def escape(text: str) -> str:
    """``text`` as XML character data (``&``, ``<``, ``>``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline_text(text: str) -> str:
    """What follows ``<c r=… s=…`` for a text cell: an inline string as XlsxWriter writes the text into its shared
    strings (truncated to Excel's limit, control characters and U+FFFE/U+FFFF as ``_xHHHH_``, a literal
    ``_xHHHH_`` escaped, leading or trailing spaces kept)."""
    if len(text) > MAX_TEXT // 2 and _utf16_len(text) > MAX_TEXT:
        text = _truncate(text)
    if _SPECIAL.search(text) or "_x" in text:
        if "_x" in text:
            text = _ESCAPED.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
        text = escape(text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_"))
    if text[:1].isspace() or text[-1:].isspace():
        return f' t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f' t="inlineStr"><is><t>{text}</t></is></c>'


def text_xml(text: str) -> str:
    """``inline_text`` of ``text``, kept if short (the texts that recur: sheet names, rules, states)."""
    rest = _TEXTS.get(text)
    if rest is None:
        rest = inline_text(text)
        if len(text) <= 100:
            if len(_TEXTS) >= CACHED_TEXTS:
                _TEXTS.clear()
            _TEXTS[text] = rest
    return rest


def column_name(col: int) -> str:
    """A column's letters (``xl_col_to_name``, kept)."""
    return _COLUMNS.get(col) or _COLUMNS.setdefault(col, xl_col_to_name(col))


def string_cell(ref: str, style: int, text: str) -> str:
    """A text cell in format number ``style``, as an inline string (``inline_text``)."""
    return f'<c r="{ref}" s="{style}"{inline_text(text)}'


def _truncate(text: str) -> str:
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > MAX_TEXT:
            return text[:i]
    return text


#: XML of a data validation rule with its cell range left out ("\x00"), by the rule's options.
_VALIDATIONS: dict[Any, str] = {}
_RANGE = "\x00"
_NO_VALUE = object()
_COLUMNS: dict[int, str] = {}  # column letters by index
_ROW_TAGS: dict[tuple[Any, ...], str] = {}  # a row tag's attributes after r, by spans, height, emptiness, defaults
_TEXTS: dict[str, str] = {}  # short texts as inline strings (``inline_text``)
CACHED_TEXTS = 4096  # the texts that recur are a few hundred; a 审核结果's messages mostly do not (~170 B each)
_FORMULAS: dict[tuple[str, bool, bool], str] = {}  # formulas as XlsxWriter prepares them
_COMMENTS: dict[Any, dict[str, Any]] = {}  # a comment's attributes as XlsxWriter makes them, by its options
_PLACED = {"x_offset", "y_offset", "start_col", "start_row", "start_cell"}  # options that move a comment box
OPEN_ROWS = 64  # rows kept cell by cell; the others packed (``_pack``)
PLAIN_ROWS = 2048  # rows packed as plain UTF-8 (no cost to compress: a unit's ~300 findings); the rest deflated
CHUNK_ROWS = 512  # rows written (encoded, compressed) at a time


class XmlSheet(Worksheet):
    """An XlsxWriter worksheet keeping its cells, validations and comments as XML (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self._cells: dict[int, dict[int, str]] = {}  # open rows: by column, the cell's XML
        self._values: dict[int, dict[int, Any]] = {}  # open rows: what a chart's cached data takes from a cell
        self._packed: dict[int, tuple[Any, ...]] = {}  # the others: XML or _Block, columns, values[, number]
        self.frame = False  # True: a sheet whose <sheetData> is replaced (a table sheet's), its rows not written
        self.later: dict[str, Iterable[bytes]] = {}  # mark in the sheet's XML → its rows or rules (``fill_in``)
        self._links: dict[tuple[int, int], tuple[str, str, str | None]] = {}  # internal links: target, text, tip
        self._rules: list[tuple[str, str]] = []  # a rule's XML with its range left out, and the range
        self.replaced: dict[str, Iterable[bytes]] = {}  # package part → content, in place of what XlsxWriter wrote

    def _row(self, row: int) -> tuple[dict[int, str], dict[int, Any]]:
        """An open row's cells and values (a packed row opened again); the open rows packed when there are many."""
        cells = self._cells.get(row)
        if cells is not None:
            return cells, self._values[row]
        if self._whole:
            self._deflate_whole()
        if len(self._cells) >= OPEN_ROWS:
            self._pack()
        packed = self._packed.pop(row, None)
        cells, values = ({}, {}) if packed is None else _unpack(packed)
        self._cells[row], self._values[row] = cells, values
        return cells, values

    def _pack(self) -> None:
        """Pack the open rows: each as its cells' XML joined (UTF-8; beyond ``PLAIN_ROWS``, the rows deflated
        together, each its number among them), their columns and their values."""
        shapes: dict[tuple[int, ...], tuple[int, ...]] = {}  # one tuple of columns for the rows alike
        rows = []
        for row, cells in self._cells.items():
            cols = tuple(sorted(cells))
            cols = shapes.setdefault(cols, cols)
            rows.append((row, "".join(map(cells.__getitem__, cols)).encode("utf-8"), cols,
                         tuple(map(self._values[row].__getitem__, cols))))
        self._cells.clear()
        self._values.clear()
        if len(self._packed) < PLAIN_ROWS:
            self._packed.update((row, (xml, cols, values)) for row, xml, cols, values in rows)
            return
        block = _Block([xml for _, xml, _, _ in rows])
        for i, (row, _, cols, values) in enumerate(rows):
            self._packed[row] = block, cols, values, i

    def _put(self, row: int, col: int, fmt: Format | None, rest: str, value: Any) -> None:
        """Keep a cell: its XML (``rest`` follows ``<c r=… s=…``) and the value a chart's cached data takes from
        it. Its format's number is XlsxWriter's (taken now: a number once given does not change); without one,
        the row's or the column's format, as XlsxWriter falls back to."""
        cells, values = self._row(row)
        name = _COLUMNS.get(col) or _COLUMNS.setdefault(col, xl_col_to_name(col))
        if fmt is None:
            info = self.row_info.get(row)
            fmt = info.row_format if info and info.row_format else \
                self.col_info[col].column_format if col in self.col_info else None
        cells[col] = f'<c r="{name}{row + 1}" s="{fmt._get_xf_index()}"{rest}' if fmt else \
            f'<c r="{name}{row + 1}"{rest}'
        values[col] = value

    def put_row(self, row: int, cells: list[tuple[int, Any, Format | None]]) -> None:
        """``write_row`` on this sheet: texts and finite numbers in a format straight to XML, anything else as
        XlsxWriter writes it."""
        cols = [cell[0] for cell in cells]
        if not cols or self._check_dimensions(row, min(cols)) or self._check_dimensions(row, max(cols)):
            for col, value, fmt in cells:  # XlsxWriter's warnings and return codes, cell by cell
                _write_cell(self, row, col, value, fmt)
            return
        line, values = self._row(row)
        number = row + 1
        for col, value, fmt in cells:
            kind = value.__class__
            if fmt is None:
                _write_cell(self, row, col, value, fmt)
                continue
            if kind is str and not (value.startswith("<r>") and value.endswith("</r>")):
                rest = text_xml(value)
                if len(value) > MAX_TEXT // 2 and _utf16_len(value) > MAX_TEXT:
                    value = _truncate(value)
            elif (kind is int or kind is float) and isfinite(value):
                rest = f"><v>{value:.16G}</v></c>"  # its cached text made if a chart asks
            else:
                _write_cell(self, row, col, value, fmt)
                continue
            name = _COLUMNS.get(col) or _COLUMNS.setdefault(col, xl_col_to_name(col))
            line[col] = f'<c r="{name}{number}" s="{fmt._get_xf_index()}"{rest}'
            values[col] = value

    def put_whole_row(self, row: int, xml: str, cols: tuple[int, ...], values: tuple[Any, ...],
                      link: tuple[int, str, str, str | None] | None = None) -> bool:
        """Keep a row given whole: its cells' XML as ``put_row`` makes it (columns ``cols``, ascending; ``values``
        what a chart takes from each), and a ``link`` (column, ``internal:`` url, text, tip) on one of them as
        ``write_url`` keeps it. Beyond ``PLAIN_ROWS`` rows, the rows given whole are deflated ``OPEN_ROWS`` at a
        time, as ``_pack`` deflates. False, nothing kept, where that way does not hold: the row has cells already
        or lies outside the sheet, the link is one XlsxWriter writes itself."""
        whole = self._whole
        if row in self._cells or row in self._packed or whole and row in whole:
            return False
        if link is not None:
            url, tip = link[1], link[3]
            if not url.startswith("internal:") or "#" in url or len(url) > 255 or len(tip or "") > 255 \
                    or self.hlink_count >= 65530:
                return False
        if not self._within(row, cols[0], cols[-1]):
            return False
        if len(self._packed) < PLAIN_ROWS:
            self._packed[row] = xml.encode("utf-8"), cols, values
        else:
            if whole is None:
                whole = self._whole = {}
            whole[row] = xml.encode("utf-8"), cols, values
            if len(whole) >= OPEN_ROWS:
                self._deflate_whole()
        if link is not None:
            self.hlink_count += 1
            self._links[row, link[0]] = link[1][len("internal:"):], link[2], link[3]
        return True

    _whole: dict[int, tuple[bytes, tuple[int, ...], tuple[Any, ...]]] | None = None  # rows given whole, to deflate

    def _within(self, row: int, first: int, last: int) -> bool:
        """``_check_dimensions`` of columns ``first`` and ``last`` (``first`` ≤ ``last``) of ``row`` in one call:
        whether both lie in the sheet; the sheet's dimensions widened to them if so."""
        if self.constant_memory or row < 0 or first < 0 or row >= self.xls_rowmax or last >= self.xls_colmax:
            return not (self._check_dimensions(row, first) or self._check_dimensions(row, last))
        self.dim_rowmin = row if self.dim_rowmin is None else min(self.dim_rowmin, row)
        self.dim_rowmax = row if self.dim_rowmax is None else max(self.dim_rowmax, row)
        self.dim_colmin = first if self.dim_colmin is None else min(self.dim_colmin, first)
        self.dim_colmax = last if self.dim_colmax is None else max(self.dim_colmax, last)
        return True

    def _deflate_whole(self) -> None:
        """Deflate the rows given whole and not yet packed together, as ``_pack`` packs the open rows."""
        rows = self._whole
        block = _Block([xml for xml, _, _ in rows.values()])
        for i, (row, (_, cols, values)) in enumerate(rows.items()):
            self._packed[row] = block, cols, values, i
        self._whole = None

    def set_heights(self, heights: dict[int, float]) -> None:
        """``set_row(row, points)`` for each of ``heights`` (row → points), as XlsxWriter's keeps it, without its
        per-call options (a copy sets ~400 rows)."""
        row_info, row_sizes, default = self.row_info, self.row_sizes, self.default_row_height
        for row, points in heights.items():
            height = int(points * 4.0 / 3.0 + 0.5)  # set_row's pixels
            col = 0 if self.dim_colmin is None else self.dim_colmin
            if not self._within(row, col, col):
                continue
            hidden = height == 0
            if hidden:
                height = default
            row_info[row] = RowInfo(height=height, row_format=None, hidden=hidden, level=0, collapsed=False)
            row_sizes[row] = [height, hidden]

    def _row_tag(self, row: int, spans: str | None, info: RowInfo | None, empty: bool) -> str | None:
        """The ``<row>`` tag XlsxWriter's ``_write_row`` writes for a row set at most a height (None for any
        other: a format, hidden, outlined, Excel 2010 attributes), its attributes after ``r`` kept per spans and
        height."""
        if info is not None and (info.row_format is not None or info.hidden or info.level or info.collapsed) \
                or self.excel_version == 2010:
            return None
        height = self.default_row_height if info is None or info.height is None else info.height
        key = (spans, height, empty, self.original_row_height, self.default_row_height)
        rest = _ROW_TAGS.get(key)
        if rest is None:
            custom = height != self.original_row_height or height != self.default_row_height
            rest = (f' spans="{spans}"' if spans else "") + (
                f' ht="{height * 0.75:.16g}" customHeight="1"' if custom else "") + ("/>" if empty else ">")
            if len(_ROW_TAGS) >= 1024:
                _ROW_TAGS.clear()
            _ROW_TAGS[key] = rest
        return f'<row r="{row + 1}"{rest}'

    # the public writers without XlsxWriter's A1-notation wrapper when given numbers (the hot path)
    def write_string(self, row: Any, col: Any, *args: Any, **kwargs: Any) -> int:
        if row.__class__ is int:
            return self._write_string(row, col, *args, **kwargs)
        return super().write_string(row, col, *args, **kwargs)

    def write_number(self, row: Any, col: Any, *args: Any, **kwargs: Any) -> int:
        if row.__class__ is int:
            return self._write_number(row, col, *args, **kwargs)
        return super().write_number(row, col, *args, **kwargs)

    def write_blank(self, row: Any, col: Any, *args: Any, **kwargs: Any) -> int:
        if row.__class__ is int:
            return self._write_blank(row, col, *args, **kwargs)
        return super().write_blank(row, col, *args, **kwargs)

    def _write_string(self, row: int, col: int, string: str, cell_format: Format | None = None) -> int:
        if self._check_dimensions(row, col):
            return -1
        error = 0
        if len(string) > MAX_TEXT // 2 and _utf16_len(string) > MAX_TEXT:
            string, error = _truncate(string), -2
        self._put(row, col, cell_format, inline_text(string), string)
        return error

    def _write_number(self, row: int, col: int, number: Any, cell_format: Format | None = None) -> int:
        if isnan(number) or isinf(number):  # XlsxWriter's error (or its error formula, which is not kept here)
            return super()._write_number(row, col, number, cell_format)
        if self._check_dimensions(row, col):
            return -1
        if number.__class__ is Fraction:
            number = float(number)
        self._put(row, col, cell_format, f"><v>{number:.16G}</v></c>", f"{number:.16g}")
        return 0

    def _write_blank(self, row: int, col: int, blank: Any, cell_format: Format | None = None) -> int:
        if cell_format is None:
            return 0
        if self._check_dimensions(row, col):
            return -1
        self._put(row, col, cell_format, "/>", "")
        return 0

    def _write_rich_string(self, row: int, col: int, *args: Any) -> int:
        """Plain fragments (``styles.write_plain``'s way past XlsxWriter's unescaped ``<r>…</r>``) as one text."""
        tokens = list(args)
        fmt = tokens.pop() if tokens and isinstance(tokens[-1], Format) else None
        if any(isinstance(t, Format) for t in tokens):
            raise ValueError("XmlSheet 只写不带格式的文字片段")
        if len(tokens) <= 2 or "" in tokens:
            return super()._write_rich_string(row, col, *args)  # XlsxWriter's warning; nothing written
        text = "".join(tokens)
        if self._check_dimensions(row, col):
            return -1
        if _utf16_len(text) > MAX_TEXT:
            return super()._write_rich_string(row, col, *args)  # XlsxWriter's warning; nothing written
        self._put(row, col, fmt, inline_text(text), _NO_VALUE)
        return 0

    @convert_range_args
    def data_validation(self, first_row: int, first_col: int, last_row: int, last_col: int,
                        options: dict[str, Any] | None = None) -> int:
        options = dict(options or {})
        key = _rule_key(options)
        xml = _VALIDATIONS.get(key) if key is not None else None
        if xml is None:
            error = super().data_validation(first_row, first_col, last_row, last_col, dict(options))
            if error:
                return error
            rule = self.validations.pop()
            fh, self.fh = self.fh, StringIO()
            self._write_data_validation({**rule, "multi_range": _RANGE})
            xml, self.fh = self.fh.getvalue(), fh
            if key is not None:
                if len(_VALIDATIONS) >= 1024:  # rules of many kinds: start again rather than grow without end
                    _VALIDATIONS.clear()
                _VALIDATIONS[key] = xml
        elif self._check_dimensions(first_row, first_col, True, True) or \
                self._check_dimensions(last_row, last_col, True, True):
            return -1
        if first_row == last_row and first_col == last_col and not options.keys() & {"other_cells", "multi_range"}:
            where = xl_rowcol_to_cell(first_row, first_col)
        else:
            cells = [[first_row, first_col, last_row, last_col], *options.get("other_cells", [])]
            where = options.get("multi_range", "").replace("$", "") or " ".join(
                xl_range(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)) for r1, c1, r2, c2 in cells)
        self._rules.append((xml, _XML._escape_attributes(where)))
        return 0

    def _write_data_validations(self) -> None:
        if self.validations:
            raise RuntimeError("XmlSheet 的数据验证只经 data_validation 写入")
        if self._rules:
            self._later("rules", self.rules_xml())

    def rules_xml(self) -> Iterator[bytes]:
        """The ``<dataValidations>`` element of the rules given, a piece at a time."""
        rules = self._rules
        yield f'<dataValidations count="{len(rules)}">'.encode("utf-8")
        for at in range(0, len(rules), CHUNK_ROWS):
            yield "".join([xml.replace(_RANGE, where) for xml, where in rules[at:at + CHUNK_ROWS]]).encode("utf-8")
        yield b"</dataValidations>"

    def _later(self, what: str, xml: Iterable[bytes]) -> None:
        """Write a mark for ``xml``: the bulk of the sheet is put into its XML after XlsxWriter has compressed
        the small rest (``fill_in``), so that it is compressed once, and faster (``package.LEVEL``)."""
        mark = f"\x00{what}\x00"
        self.later[mark] = xml
        self.fh.write(mark)

    def _write_rows(self) -> None:
        """The rows as XlsxWriter's ``_write_rows`` writes them, with the cells kept (none for a frame)."""
        if any(self.table.values()):
            raise RuntimeError("XmlSheet 不写 XlsxWriter 自己存放的单元格（如公式）")
        if self.frame:
            return
        if self._whole:
            self._deflate_whole()
        rows = sorted(r for r in {*self._cells, *self._packed, *self.row_info, *self.comments}
                      if self.dim_rowmin <= r <= self.dim_rowmax)
        self._later("rows", self._rows_xml(rows, self._spans()))

    def _rows_xml(self, rows: list[int], spans: dict[int, str]) -> Iterator[bytes]:
        """The rows, ``CHUNK_ROWS`` at a time, each freed once written (made after the workbook closed: the row
        tags as XlsxWriter's, ``_row_tag``'s or by XlsxWriter into a buffer of their own)."""
        self.fh = tags = StringIO()
        chunk: list[bytes] = []
        for row in rows:
            cells = self._cells.pop(row, None)
            if cells is not None:
                xml = "".join([cells[col] for col in sorted(cells)]).encode("utf-8")
            else:
                packed = self._packed.pop(row, None)
                xml = _row_xml(packed, True) if packed is not None else b""
            tag = self._row_tag(row, spans.get(row // 16), self.row_info.get(row), not xml)
            if tag is None:
                if xml:
                    self._write_row(row, spans.get(row // 16), self.row_info.get(row))
                else:
                    self._write_empty_row(row, spans.get(row // 16), self.row_info.get(row))
                tag = tags.getvalue()
                tags.seek(0)
                tags.truncate()
            chunk.append(tag.encode("utf-8"))
            if xml:
                chunk.append(xml)
                chunk.append(b"</row>")
            if len(chunk) >= 3 * CHUNK_ROWS:
                yield b"".join(chunk)
                chunk.clear()
        self._values.clear()
        yield b"".join(chunk)

    def fill_in(self, xml: str) -> Iterator[bytes]:
        """The sheet's XML as XlsxWriter wrote it, with its rows and validations in their places (UTF-8, a
        piece at a time)."""
        at = 0
        for where, mark in sorted((xml.index(mark), mark) for mark in self.later):
            yield xml[at:where].encode("utf-8")
            yield from self.later[mark]
            at = where + len(mark)
        yield xml[at:].encode("utf-8")

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        """XlsxWriter's, kept per formula (~150 substitutions each: a highlight rule is prepared per sheet)."""
        key = (formula, expand_future_functions, self.use_future_functions)
        if key not in _FORMULAS:
            if len(_FORMULAS) >= 4096:
                _FORMULAS.clear()
            _FORMULAS[key] = super()._prepare_formula(formula, expand_future_functions)
        return _FORMULAS[key]

    def _get_range_data(self, row_start: int, col_start: int, row_end: int, col_end: int) -> list[Any]:
        """A chart's cached data from the kept cells, as XlsxWriter takes it from its own (a rich string gives
        nothing: XlsxWriter's way)."""
        data: list[Any] = []
        if self._whole:
            self._deflate_whole()
        for row in range(row_start, row_end + 1):
            values = self._values.get(row)
            if values is None:
                packed = self._packed.get(row)
                if packed is None:
                    data.append(None)
                    continue
                values = dict(zip(packed[1], packed[2]))
            for col in range(col_start, col_end + 1):
                value = values.get(col)
                if value.__class__ is int or value.__class__ is float:
                    value = f"{value:.16g}"
                if value is not _NO_VALUE:
                    data.append(value)
        return data

    def _spans(self) -> dict[int, str]:
        """XlsxWriter's ``spans`` of each block of 16 rows: the columns used by cells and comments."""
        blocks: dict[int, tuple[int, int]] = {}
        packed = {row: p[1] for row, p in self._packed.items()}
        for rows in (self._cells, packed, self.comments):
            for row, cols in rows.items():
                if not cols:
                    continue
                lo, hi = min(cols), max(cols)
                have = blocks.get(row // 16)
                blocks[row // 16] = (lo, hi) if have is None else (min(have[0], lo), max(have[1], hi))
        return {block: f"{lo + 1}:{hi + 1}" for block, (lo, hi) in blocks.items()}

    def write_url(self, row: Any, col: Any, *args: Any, **kwargs: Any) -> int:
        """XlsxWriter's; a link to a cell of the workbook (``internal:``) kept as its target, text and tip."""
        if row.__class__ is not int:
            return super().write_url(row, col, *args, **kwargs)
        named = dict(zip(("url", "cell_format", "string", "tip"), args), **kwargs)
        url, cell_format = named.get("url"), named.get("cell_format")
        string, tip = named.get("string"), named.get("tip")
        if cell_format is None or url.__class__ is not str or not url.startswith("internal:") or "#" in url \
                or len(url) > 255 or len(tip or "") > 255:
            return super().write_url(row, col, *args, **kwargs)
        if self.hlink_count >= 65530:
            return super().write_url(row, col, *args, **kwargs)  # XlsxWriter's warning
        if self._check_dimensions(row, col):
            return -1
        self.hlink_count += 1
        target = url[len("internal:"):]
        text = target if string is None else string
        self._write_string(row, col, text, cell_format)
        self._links[row, col] = target, text, tip
        return 0

    def _write_hyperlinks(self) -> None:
        if self._links and not self.hyperlinks:
            attr = _XML._escape_attributes
            tips: dict[str, str] = {}  # a tip's attribute, escaped once (the copy's links share one)
            parts = []
            for (row, col), (target, text, tip) in sorted(self._links.items()):
                location = attr(target)
                if tip:
                    tip = tips.get(tip) or tips.setdefault(tip, f' tooltip="{attr(tip)}"')
                parts.append(f'<hyperlink ref="{xl_rowcol_to_cell(row, col)}" location="{location}"{tip or ""}'
                             f' display="{location if text == target else attr(text)}"/>')
            self.fh.write("<hyperlinks>" + "".join(parts) + "</hyperlinks>")
            return
        for (row, col), (target, text, tip) in self._links.items():  # with other links: all as XlsxWriter's
            link = Url("internal:" + target)
            link._text = text
            if tip is not None:
                link.tip = tip
            self.hyperlinks[row][col] = link
        super()._write_hyperlinks()

    def write_comment(self, row: Any, col: Any, *args: Any, **kwargs: Any) -> int:
        """XlsxWriter's, its comment copied from the first made with the same options (they differ only in the
        cell, the text and the offsets from the cell)."""
        if row.__class__ is not int:
            return super().write_comment(row, col, *args, **kwargs)
        if len(args) == 2 and not kwargs:  # write_marks' call
            comment, options = args
        else:
            named = dict(zip(("comment", "options"), args), **kwargs)
            comment, options = named.get("comment"), named.get("options")
        key = _rule_key(options or {})
        if key is None or options and options.keys() & _PLACED or comment.__class__ is not str:
            return super().write_comment(row, col, *args, **kwargs)
        proto = _COMMENTS.get(key)
        if proto is None:
            error = super().write_comment(row, col, *args, **kwargs)
            if not error:
                if len(_COMMENTS) >= 256:
                    _COMMENTS.clear()
                _COMMENTS[key] = dict(vars(self.comments[row][col]))  # as made, before the sheet's defaults
            return error
        if self._check_dimensions(row, col):
            return -1
        if _utf16_len(comment) > self.xls_strmax:
            return -2
        self.has_vml = True
        self.has_comments = True
        note = object.__new__(CommentType)
        vars(note).update(proto)
        note.row, note.col, note.text, note.vertices = row, col, comment, []
        note.set_offsets(row, col)
        self.comments[row][col] = note
        return 0

    def put_comments(self, notes: Iterable[tuple[int, int, str, CommentKind]]) -> None:
        """What ``write_comment(row, col, text, kind.options)`` does for each ``(row, col, text, kind)``, at the
        cost of a ``Note``: a comment out of the sheet or too long is left out, as XlsxWriter leaves it."""
        comments, rmax, cmax, longest = self.comments, self.xls_rowmax, self.xls_colmax, self.xls_strmax
        rows, cols = [], []
        for row, col, text, kind in notes:
            if 0 <= row < rmax and 0 <= col < cmax and (len(text) <= longest // 2 or _utf16_len(text) <= longest):
                comments[row][col] = Note(row, col, text, kind)
                rows.append(row)
                cols.append(col)
        if rows:
            self._check_dimensions(min(rows), min(cols))
            self._check_dimensions(max(rows), max(cols))
            self.has_vml = self.has_comments = True

    def size_rows(self, heights: Mapping[int, float], last: int) -> None:
        """The pixel sizes of the rows up to ``last`` set to ``heights`` (points) as ``set_row`` sets them, for
        placing comment boxes only: the rows' XML (``row_info``) left alone (a frame sheet's rows are not
        written)."""
        sizes, default = self.row_sizes, self.default_row_height
        for r, h in heights.items():
            if r <= last:
                pixels = int(h * 4.0 / 3.0 + 0.5)
                sizes[r] = [pixels, False] if pixels else [default, True]

    def _prepare_vml_objects(self, vml_data_id: int, vml_shape_id: int, vml_drawing_id: int,
                             comment_id: int) -> int:
        self._grid = _Grid(self)  # the sizes are final now: the comment boxes are placed from them
        try:
            count = super()._prepare_vml_objects(vml_data_id, vml_shape_id, vml_drawing_id, comment_id)
        finally:
            self._grid = None
        comments = self.comments_list
        if self.has_comments and not self.buttons_list and (len(comments) > 1 or isinstance(comments[0], Note)):
            self.replaced[f"xl/comments{comment_id}.xml"] = _made(comments_xml, comments)
            self.replaced[f"xl/drawings/vmlDrawing{vml_drawing_id}.vml"] = _made(vml_xml, self.vml_data_id,
                                                                                 vml_shape_id, comments)
            first = comments[0]
            # what XlsxWriter still writes (a CommentType), to be replaced
            self.comments_list = [first.made() if isinstance(first, Note) else first]
        elif self.buttons_list and any(isinstance(c, Note) for c in comments):  # XlsxWriter writes them all
            self.comments_list = [c.made() if isinstance(c, Note) else c for c in comments]
        return count

    _grid: _Grid | None = None  # while the comment boxes are placed

    def _comment_vertices(self, comment: CommentType | Note) -> list[Any]:
        """XlsxWriter's (``_position_object_pixels`` at anchor 0, then the box's width and height), the columns'
        and rows' sizes and running offsets taken from the sheet's ``_Grid`` instead of per box and edge."""
        grid = self._grid
        x1, y1 = comment.x_offset, comment.y_offset
        if grid is None or x1 < 0 or y1 < 0:
            return super()._comment_vertices(comment)
        col, x1, col_end, width, x_abs = grid.across(comment.start_col, x1, comment.width)
        row, height, rows, dr = comment.start_row, comment.height, grid.rows.get, grid.default_row
        y_abs = grid.y(row) + y1
        size = rows(row, dr)
        while y1 >= size:
            y1 -= size
            row += 1
            size = rows(row, dr)
        row_end = row
        if size > 0:
            height = height + y1
        while height >= size:
            height -= size
            row_end += 1
            size = rows(row_end, dr)
        return [col, row, x1, y1, col_end, row_end, width, height, x_abs, y_abs, comment.width, comment.height]


class CommentKind:
    """The comment boxes made alike by one set of ``write_comment`` options (of no ``_PLACED`` one): the options
    and the attributes XlsxWriter makes from them, once."""

    __slots__ = ("options", "attributes", "alike")

    def __init__(self, options: dict[str, Any]) -> None:
        if options.keys() & _PLACED:
            raise ValueError(f"a comment kind does not move its boxes: {sorted(options.keys() & _PLACED)}")
        self.options = options
        self.attributes = dict(vars(CommentType(1, 1, "", options)))
        self.alike = tuple(self.attributes[name] for name in _ALIKE)


_ALIKE = ("author", "is_visible", "width", "height", "font_size", "font_name", "font_family", "color")


class Note:
    """A comment of a ``CommentKind`` (``put_comments``): what XlsxWriter's ``CommentType`` holds, its cell's and
    text's own, the rest its kind's."""

    __slots__ = ("row", "col", "text", "kind", "vertices", "x_offset", "y_offset", "start_row", "start_col", *_ALIKE)

    def __init__(self, row: int, col: int, text: str, kind: CommentKind) -> None:
        self.row, self.col, self.text, self.kind, self.vertices = row, col, text, kind, []
        (self.author, self.is_visible, self.width, self.height, self.font_size, self.font_name, self.font_family,
         self.color) = kind.alike
        if 0 < row < 1048573 and col < 16381:  # ``CommentType.set_offsets`` away from the sheet's edges
            self.x_offset, self.y_offset, self.start_row, self.start_col = 15, 10, row - 1, col + 1
        else:
            CommentType.set_offsets(self, row, col)  # type: ignore[arg-type]

    def made(self) -> CommentType:
        """This comment as XlsxWriter's ``CommentType``."""
        comment = object.__new__(CommentType)
        vars(comment).update(self.kind.attributes)
        for name in Note.__slots__:
            if name != "kind":
                setattr(comment, name, getattr(self, name))
        return comment


class _Grid:
    """A sheet's column widths and row heights in pixels as XlsxWriter sizes them to place objects (``_size_col``,
    ``_size_row`` at anchor 0), and their running offsets (``_col_offset``, ``_row_offset``: the same sums in the
    same order), each offset summed once per sheet; a box's horizontal placement once per start column, offset
    and width (the boxes of a kind all alike)."""

    def __init__(self, ws: Worksheet):
        self.default_col, self.default_row = ws.default_col_width, ws.default_row_height
        self.cols = {c: ws._size_col(c) for c in ws.col_info}
        self.rows = {r: ws._size_row(r) for r in ws.row_sizes}
        self.by_col, self.by_row = bool(ws.col_size_changed), bool(ws.row_sizes)
        self._xs: list[Any] = [0]
        self._ys: list[Any] = [0]
        self._across: dict[tuple[int, Any, Any], tuple[int, Any, int, Any, Any]] = {}

    def x(self, col: int) -> Any:
        """The left edge of ``col``."""
        if not self.by_col:
            return self.default_col * col
        return _offset(self._xs, col, self.cols, self.default_col)

    def y(self, row: int) -> Any:
        """The top edge of ``row``."""
        if not self.by_row:
            return self.default_row * row
        return _offset(self._ys, row, self.rows, self.default_row)

    def across(self, col: int, x1: Any, width: Any) -> tuple[int, Any, int, Any, Any]:
        """Where a box from ``x1`` into ``col``, ``width`` wide, lies across the columns: its first column and the
        offset into it, its last column and the width into that, its left edge."""
        key = (col, x1, width)
        placed = self._across.get(key)
        if placed is None:
            cols, dc = self.cols.get, self.default_col
            x_abs = self.x(col) + x1
            while x1 >= cols(col, dc):
                x1 -= cols(col, dc)
                col += 1
            col_end = col
            if cols(col, dc) > 0:
                width = width + x1
            while width >= cols(col_end, dc):
                width -= cols(col_end, dc)
                col_end += 1
            placed = self._across[key] = (col, x1, col_end, width, x_abs)
        return placed


def _offset(offsets: list[Any], at: int, sizes: dict[int, Any], default: Any) -> Any:
    """``offsets[at]``, the running sums of ``sizes`` extended as far as needed."""
    while len(offsets) <= at:
        offsets.append(offsets[-1] + sizes.get(len(offsets) - 1, default))
    return offsets[at]


def _made(make: Callable[..., bytes], *args: Any) -> Iterator[bytes]:
    """``make(*args)``, made when it is read (when its part is compressed)."""
    yield make(*args)


class _Block:
    """Packed rows deflated together (``ends``: where each ends); inflated again, and kept so while its rows are
    written (``keep``)."""

    __slots__ = ("deflated", "ends", "plain")

    def __init__(self, rows: list[bytes]) -> None:
        self.deflated, self.plain = zlib.compress(b"".join(rows), 1), None
        self.ends = list(accumulate(map(len, rows), initial=0))

    def row(self, i: int, keep: bool) -> bytes:
        plain = self.plain
        if plain is None:
            plain = zlib.decompress(self.deflated)
            if keep:
                self.plain = plain
        return plain[self.ends[i]:self.ends[i + 1]]


def _row_xml(packed: tuple[Any, ...], keep: bool) -> bytes:
    """A packed row's cells' XML: its own, or its part of a ``_Block``."""
    data = packed[0]
    return data if data.__class__ is bytes else data.row(packed[3], keep)


def _unpack(packed: tuple[Any, ...]) -> tuple[dict[int, str], dict[int, Any]]:
    """A packed row's cells and values again (each cell's XML starts with ``<c r="``, which no content has)."""
    cols, values = packed[1], packed[2]
    xml = _row_xml(packed, False).decode("utf-8")
    return dict(zip(cols, ('<c r="' + c for c in xml.split('<c r="')[1:]), strict=True)), dict(zip(cols, values))


def xml_parts(book: Any, package: Any) -> dict[str, Iterable[bytes]]:
    """The parts of ``book``'s ``XmlSheet`` sheets to put in place of XlsxWriter's (``package``, what it wrote,
    read by ``package.read(name)``: its zip file or its kept ``package.Parts``):
    the sheets with their rows and validations filled in, the full comments and VML, each made (a piece at a time)
    when it is read, once."""
    parts: dict[str, Iterable[bytes]] = {}
    for ws in book.worksheets():
        if isinstance(ws, XmlSheet):
            parts.update(ws.replaced)
            if ws.later:
                name = f"xl/worksheets/sheet{ws.index + 1}.xml"
                parts[name] = ws.fill_in(package.read(name).decode("utf-8"))
    return parts


def write_row(ws: Worksheet, row: int, cells: list[tuple[int, Any, Format | None]]) -> None:
    """Write a row's cells ``(column, value, format)``: a text as ``styles.write_plain`` writes it, a number as
    ``write_number`` does; on an ``XmlSheet`` straight to XML (the rows of an annotated copy's 审核结果)."""
    if isinstance(ws, XmlSheet):
        ws.put_row(row, cells)
        return
    for col, value, fmt in cells:
        _write_cell(ws, row, col, value, fmt)


def _write_cell(ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None) -> None:
    if isinstance(value, str):
        write_plain(ws, row, col, value, fmt)
    else:
        ws.write_number(row, col, value, fmt)


def _rule_key(options: dict[str, Any]) -> Any:
    """A validation rule's options without its cells, hashable (None when they are not)."""
    key = tuple(item for item in options.items() if item[0] not in ("other_cells", "multi_range"))
    try:
        hash(key)
    except TypeError:  # a list of choices
        key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in key)
        try:
            hash(key)
        except TypeError:
            return None
    return key


def _data(text: Any) -> str:
    """Character data as XlsxWriter's ``_xml_data_element`` writes it."""
    if text.__class__ is str and not _SPECIAL.search(text) and "_x" not in text:
        return text
    return _XML._escape_control_characters(_XML._escape_data(text))


def comments_xml(comments: list[CommentType]) -> bytes:
    """``xl/commentsN.xml`` as XlsxWriter's ``Comments`` writes it."""
    authors: dict[str, int] = {}
    for c in comments:
        if c.author is not None and c.author not in authors:
            authors[c.author] = len(authors)
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="http://schemas.openxmlformats'
           '.org/spreadsheetml/2006/main"><authors>', *(f"<author>{_data(a)}</author>" for a in authors),
           "</authors><commentList>"]
    attr = _XML._escape_attributes
    fonts: dict[tuple[Any, Any, Any], str] = {}
    ids = {a: f' authorId="{n}"' for a, n in authors.items()}  # each author's attribute made once
    for c in comments:
        author = ids[c.author] if c.author is not None else ""
        font = (c.font_size, c.font_name, c.font_family)
        if font not in fonts:
            fonts[font] = (f'<rPr><sz val="{attr(c.font_size)}"/><color indexed="81"/><rFont val="'
                           f'{attr(c.font_name)}"/><family val="{attr(c.font_family)}"/></rPr>')
        keep = ' xml:space="preserve"' if _preserve_whitespace(c.text) else ""
        out.append(f'<comment ref="{column_name(c.col)}{c.row + 1}"{author}><text><r>{fonts[font]}<t{keep}>'
                   f'{_data(c.text)}</t></r></text></comment>')
    out.append("</commentList></comments>")
    return "".join(out).encode("utf-8")


def vml_xml(data_id: Any, shape_id: int, comments: list[CommentType]) -> bytes:
    """``xl/drawings/vmlDrawingN.vml`` of a sheet's comment boxes as XlsxWriter's ``Vml`` writes it (placed at
    the vertices XlsxWriter computed)."""
    out = ['<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" '
           f'data="{_XML._escape_attributes(data_id)}"/></o:shapelayout><v:shapetype id="_x0000_t202" '
           'coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
           '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>']
    fills: dict[int, str] = {}  # by colour (comments made alike share theirs)
    box = ('" o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path '
           'o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
           '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>')
    points: dict[Any, str] = {}  # pixels as points, each formatted once (boxes share edges and sizes)
    for z, c in enumerate(comments, start=1):
        v = c.vertices
        fill = fills.get(id(c.color))
        if fill is None:
            fill = fills[id(c.color)] = c.color._vml_rgb_hex_value()
        left, top, width, height = (points.get(p) or points.setdefault(p, f"{p * 0.75:.15g}") for p in v[8:12])
        shown = c.is_visible
        # the anchor is numbers only: nothing in it to escape
        out.append(
            f'<v:shape id="_x0000_s{shape_id + z}" type="#_x0000_t202" style="position:absolute;margin-left:'
            f'{left}pt;margin-top:{top}pt;width:{width}pt;height:{height}pt;z-index:{z};visibility:'
            f'{"visible" if shown else "hidden"}" fillcolor="{fill}'
            f'{box}{v[0]}, {v[2]}, {v[1]}, {v[3]}, {v[4]}, {v[6]}, {v[5]}, {v[7]}</x:Anchor><x:AutoFill>False'
            f'</x:AutoFill><x:Row>{c.row}</x:Row><x:Column>{c.col}</x:Column>{"<x:Visible/>" if shown else ""}'
            '</x:ClientData></v:shape>')
    out.append("</xml>")
    return "".join(out).encode("utf-8")
