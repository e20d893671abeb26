"""Expat handlers for the parts that hold cells: a worksheet's XML and the shared strings.

The handlers keep only what a :class:`Sheet` needs: per cell its reference, type, formula, value and inline
string, read when the cell ends, exactly as an element tree would give them (an element's text is its character
data before its first child). Nothing else is built. Positions come from a lookup table (filled by a character
loop), and a shared formula is translated only where one is met. Every repeated element is counted against its
limit as it is read, and the deadline and the number of elements are checked every 1,024 elements (rows and
cells read from their bytes by ``sheet_data`` are counted the same). Names are matched by their local name (the
parts are parsed without namespace processing), and the content of data validations and conditional formats is
counted but not read.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, Protocol

from ..excel import CellCoordinatesException, column_index_from_string, coordinate_from_string, get_column_letter
from .book import Limits, Sheet, clip, reaches_outside
from .failures import UnreadableWorkbook
from .safe_xml import LOCAL_NAMES, Install, handlers, local
from .sheet_data import CHILD, INLINE, SLICE, TOKENS, Uncovered, attributes, decoded, region_text
from .skipping import Skips


class Accounts(Protocol):
    """What the handlers charge their work to (the package reader)."""

    limits: Limits
    counts: dict[str, int]

    def fail(self, code: str, detail: str = "", **where: Any) -> UnreadableWorkbook: ...

    def count(self, kind: str, sheet: str | None = None) -> None: ...

    def check_progress(self, elements: int) -> None: ...


def string_handlers(reader: Accounts, strings: list[str]) -> Install:
    """Handlers appending each string item (``si``) of the shared strings to ``strings``: its ``t``, or its runs'
    ``t`` (phonetic runs, ``rPh``, left out), counted against the strings and runs limits."""
    buf: list[str] = []
    items: list[list[Any]] = []  # open string items: [depth, texts, runs, a run is open]
    depth = n = 0
    into: list[str] | None = None  # the texts a ``t`` being read goes to
    held, most = reader.counts.get("strings", 0), reader.limits.strings  # strings counted, as ``reader.count``

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, n, into
        n += 1
        if not n & 1023:
            reader.check_progress(1024)
        if into is not None:
            into.append("".join(buf))
            into = None
        if buf:
            buf.clear()
        depth += 1
        tag = LOCAL_NAMES.get(name) or local(name)
        if items:
            top = items[-1]
            below = depth - top[0]
            if below == 1:
                if tag == "t":
                    into = top[1]
                elif tag == "r":
                    top[2] += 1
                    top[3] = True
            elif below == 2 and top[3] and tag == "t":
                into = top[1]
        if tag == "si":
            items.append([depth, [], 0, False])

    def end(name: str) -> None:
        nonlocal depth, into, held
        if into is not None:
            into.append("".join(buf))
            into = None
        if buf:
            buf.clear()
        if items:
            top = items[-1]
            if depth == top[0]:
                items.pop()
                held += 1
                if held > most:
                    _refuse(reader, "strings", held)
                strings.append(_joined(reader, top))
            elif depth == top[0] + 1:
                top[3] = False
        depth -= 1

    def finish() -> None:
        reader.counts["strings"] = held

    def install(p: Any) -> Callable[[], None]:
        handlers(start, end, buf.append)(p)
        return finish

    return install


def _refuse(reader: Accounts, kind: str, n: int, sheet: str | None = None) -> None:
    """The ``n``-th element of ``kind`` is past its limit: refused as ``reader.count`` refuses it."""
    reader.counts[kind] = n - 1
    reader.count(kind, sheet)


def _joined(reader: Accounts, item: list[Any]) -> str:
    """A string item's text, refused if it has more runs than allowed, clipped to the text limit."""
    if item[2] > reader.limits.runs:
        raise reader.fail("too-complex", f"一个字符串含超过 {reader.limits.runs} 个格式片段")
    return clip("".join(item[1]), reader.limits.text)


def sheet_handlers(reader: Accounts, out: Sheet, strings: list[str], window: tuple[int, int],
                   skips: Skips | None = None) -> Install:
    """Handlers filling ``out`` from a worksheet's XML: the cells within ``window`` (rows × columns), merges,
    protection and hyperlinks; a formula outside the window is still checked. Cells are counted on
    ``reader.counts["cells"]`` across sheets. Rows and cells are read inside ``<sheetData>`` only, as a
    spreadsheet reads them: a cell hidden in an extension list or a hyperlink never overrides the one shown.

    A cell's children are kept in document order until the cell ends (a value as its text, None if empty; a
    formula as (text, attributes); an inline string as [depth, texts, runs, a run is open]) and read then.

    Data validations and conditional formats, the largest part of a template's sheet after its cells and nothing
    a check reads, are only counted: inside them the parser reports element ends alone (no attributes, no text)
    until their own end, or, fed by ``skipping.feed`` with ``skips``, their bytes are passed over and their
    elements counted from them. Fed so with ``skips`` naming ``sheetData``, the rows and cells are read from that
    region's bytes (``read_rows``, by the patterns of ``sheet_data``) and placed by the same ``open_row`` and
    ``close_cell`` as when parsed."""
    name, limits, cells_map = out.name, reader.limits, out.cells
    max_row, max_col = window
    text_limit, formula_limit, cell_limit = limits.text, limits.formula, limits.cells
    buf: list[str] = []
    join, clear, tag_of, position_of = "".join, buf.clear, LOCAL_NAMES.get, _POSITIONS.get
    masters: dict[str, list[Any]] = {}  # shared formula index → [text, origin cell, its Translator once needed]
    pending: list[tuple[int, str, dict[str, str]]] = []  # merges, protection, hyperlinks: handled at their end
    depth = n = cell_depth = 0  # cell_depth: depth of the cell being read, 0 outside cells
    capture = 0  # the text being read: 1 a value, 2 a formula, 3 a ``t`` of an inline string
    capture_attrs: dict[str, str] = {}
    cell: dict[str, str] = {}  # the open cell's attributes
    kids: list[Any] = []  # the open cell's values, formulas and inline strings
    inline: list[Any] | None = None  # the open inline string
    row, col = 0, -1
    cells = reader.counts.get("cells", 0)
    rows, rows_limit = reader.counts.get("rows", 0), limits.rows  # rows counted here, as ``reader.count`` does
    parser: Any = None
    skipped = ""  # the name of the element whose content is being skipped
    in_data = False  # inside <sheetData>: the only place a spreadsheet reads rows and cells from
    data_depth = 0

    def keep(text: str) -> None:
        """The text of the element being captured, which has just ended or met its first child."""
        nonlocal capture
        if capture == 1:
            kids.append(text or None)
        elif capture == 2:
            kids.append((text, capture_attrs))
        else:
            inline[1].append(text)  # type: ignore[index]
        capture = 0

    def start(tag_name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, n, capture, capture_attrs, cell_depth, cell, kids, inline, skipped, in_data, data_depth
        n += 1
        if not n & 1023:
            reader.check_progress(1024)
        if capture:
            keep(join(buf))
        if buf:
            clear()
        depth += 1
        tag = tag_of(tag_name) or local(tag_name)
        if cell_depth:
            below = depth - cell_depth
            if below == 1:
                if tag == "v":
                    capture = 1
                elif tag == "f":
                    capture, capture_attrs = 2, attrs
                elif tag == "is":
                    inline = [depth, [], 0, False]
                    kids.append(inline)
            elif inline is not None:
                below = depth - inline[0]
                if below == 1:
                    if tag == "t":
                        capture = 3
                    elif tag == "r":
                        inline[2] += 1
                        inline[3] = True
                elif below == 2 and inline[3] and tag == "t":
                    capture = 3
        elif in_data:
            if tag == "c":
                cell_depth, cell, kids = depth, attrs, []
            elif tag == "row":
                open_row(attrs.get("r"))
        elif tag == "sheetData":
            in_data, data_depth = True, depth
            if skips is not None:
                skips.request(tag_name, parser.CurrentByteIndex)
        elif tag in _PENDING:
            pending.append((depth, tag, attrs))
        elif tag in SKIPPED:
            skipped = tag_name
            parser.StartElementHandler = parser.CharacterDataHandler = None
            parser.EndElementHandler = skipped_end
            if skips is not None:
                skips.request(tag_name, parser.CurrentByteIndex)

    def skipped_end(tag_name: str) -> None:
        """The end of an element inside skipped content: counted; at the skipped element's own, reading resumes."""
        nonlocal n, depth
        if tag_name == skipped:
            parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, buf.append
            depth -= 1
            if skips is not None:
                skips.open = None
            return
        n += 1
        if not n & 1023:
            reader.check_progress(1024)

    def counted(elements: int) -> None:
        """Elements passed over inside skipped content, counted as their ends would be."""
        nonlocal n
        crossed = ((n + elements) >> 10) - (n >> 10)
        n += elements
        if crossed:
            reader.check_progress(1024 * crossed)

    def end(tag_name: str) -> None:
        nonlocal depth, capture, cell_depth, inline, in_data
        if capture == 1:
            kids.append(join(buf) or None)
            capture = 0
        elif capture:
            keep(join(buf))
        if buf:
            clear()
        if cell_depth:
            if depth == cell_depth:
                cell_depth = 0
                inline = None
                close_cell(cell.get("r"), cell.get("t"))
            elif inline is not None:
                if depth == inline[0]:
                    inline = None
                elif depth == inline[0] + 1:
                    inline[3] = False
        elif in_data and depth == data_depth:
            in_data = False
            if skips is not None:
                skips.open = None
        elif pending and pending[-1][0] == depth:
            _, tag, attrs = pending.pop()
            if tag == "mergeCell":
                reader.count("merges", name)
                bounds = _bounds(attrs.get("ref", ""))
                if bounds:
                    out.merges.add(bounds)
            elif tag == "sheetProtection":
                out.protected = attrs.get("sheet", "0") in ("1", "true")
            else:
                reader.count("hyperlinks", name)
                out.hyperlinks.append(attrs.get("ref", "")[:40])
        depth -= 1

    def open_row(number: str | None) -> None:
        """A row starts: counted, and its number (or the next one) is where its cells without a reference go."""
        nonlocal rows, row, col
        rows += 1
        if rows > rows_limit:
            _refuse(reader, "rows", rows, name)
        if number is not None and number.isdecimal() and number.isascii() and 0 < int(number) <= 1048576:
            row, col = int(number) - 1, -1
        else:
            row, col = _row_number(reader, number, row, name), -1

    def close_cell(ref: str | None, kind: str | None) -> None:
        """A cell (reference ``r``, type ``t``, its children in ``kids``) ends: count it, place it, keep or check
        what it holds."""
        nonlocal cells, row, col
        cells += 1
        if cells > cell_limit:
            raise reader.fail("too-many-cells", f"超过 {cell_limit} 个", sheet=name)
        if ref:
            at = position_of(ref) or _position(reader, ref, name)
            row, col = at
        else:
            col += 1
            at = (row, col)
        if row < max_row and col < max_col:
            if not kids:
                cells_map[at] = _EMPTY
            elif len(kids) == 1 and kids[0].__class__ is str:
                text = kids[0]
                if kind is None and text.isdecimal() and text.isascii() and len(text) <= 15:
                    cells_map[at] = (None, int(text))  # what typed() gives, sooner
                elif kind == "s" and text.isdecimal() and text.isascii() and (i := int(text)) < len(strings):
                    cells_map[at] = (None, strings[i])
                elif kind is None and "." in text:  # never an int: what typed() gives, sooner
                    try:
                        cells_map[at] = (None, float(text))
                    except ValueError:  # refused as typed() refuses it
                        cells_map[at] = (None, typed("n", text))
                else:
                    kind = kind or "n"
                    cells_map[at] = (None, clip(text, text_limit) if kind in _TEXT else typed(kind, text))
            else:
                cells_map[at] = content(kind or "n")
        else:
            for kid in kids:  # a cell outside the window is not kept, but a formula in it is still checked
                if kid.__class__ is tuple and kid[0]:
                    formula(kid[0])

    def read_rows(region: bytes) -> bool:
        """The rows and cells of a ``<sheetData>`` region read from its bytes (``sheet_data``), each element
        counted as parsing would count it; False (nothing read) if its text is not one the patterns may read.
        Raises :class:`sheet_data.Uncovered` where the patterns stop covering it, having read what was before."""
        nonlocal kids, n
        text = region_text(region)
        if text is None:
            return False
        at, size = 0, len(text)
        in_row = False
        while at < size:
            end = text.find("</row>", at + SLICE, size)
            end = size if end < 0 else end + 6
            found = TOKENS.findall(text, at, end)
            if sum(map(len, map(itemgetter(0), found))) != end - at:  # something between the tokens
                raise Uncovered(text[at:at + 40])
            at = end
            for token, ref, _, kind, cell_attrs, value, body, close, row_tag, number, rest, row_attrs, empty in found:
                if token[0] != "<":  # whitespace
                    continue
                if row_tag:
                    if in_row:  # a row within a row: read by the handlers
                        raise Uncovered(row_tag)
                    in_row = not empty
                    counted(1)
                    if not number:
                        open_row(attributes(row_attrs).get("r"))
                    elif rest and "r" in attributes(rest):
                        raise Uncovered(row_tag)
                    else:
                        open_row(number)
                    continue
                if close:
                    if not in_row:
                        raise Uncovered(close)
                    in_row = False
                    continue
                if ref:
                    ref, kind = ref[4:-1], kind[4:-1] if kind else None
                else:
                    written = attributes(cell_attrs)
                    ref, kind = written.get("r"), written.get("t")
                if value:
                    elements = 2
                    kids = [value[3:-4] or None]
                elif body:
                    elements = 1 + children(body)
                else:
                    elements = 1
                    kids = []
                if (n & 1023) + elements < 1024:
                    n += elements
                else:
                    counted(elements)
                close_cell(ref, kind)
        if in_row:
            raise Uncovered("<row>")
        return True

    def children(body: str) -> int:
        """A cell's children put in ``kids`` as the handlers keep them; the number of their elements."""
        nonlocal kids
        kids = []
        elements = 0
        for m in CHILD.finditer(body):
            if m["v"] is not None:
                kids.append(decoded(m["v"]) or None)
            elif m["fattrs"] is not None:
                kids.append((decoded(m["f"] or ""), attributes(m["fattrs"])))
            elif m["inline"] is not None:
                texts = [decoded(t["t"] or "") for t in INLINE.finditer(m["inline"]) if t[0][0] == "<"]
                kids.append([0, texts, 0, False])
                elements += len(texts)
            elif m["nov"] is not None:
                kids.append(None)
            elif m["noinline"] is not None:
                kids.append([0, [], 0, False])
            else:
                continue
            elements += 1
        return elements

    def content(kind: str) -> tuple[str | None, Any]:
        text = value = None
        for kid in kids:
            if kid is None or kid.__class__ is str:
                value = kid
            elif kid.__class__ is tuple:
                text = formula(kid[0])
                if kid[1].get("t") == "shared":
                    text = shared(text, kid[1].get("si", ""), here())
            else:
                value = _joined(reader, kid)
        if value is None:
            return text, value
        return text, clip(value, text_limit) if kind in _TEXT else typed(kind, value)

    def here() -> str:
        """The reference of the cell being read."""
        return f"{get_column_letter(col + 1)}{row + 1}"

    def formula(text: str) -> str:
        """A formula's text, refused if longer than Excel allows; one reaching outside is noted on the sheet."""
        if len(text) > formula_limit:
            raise reader.fail("too-complex", f"公式长 {len(text)} 字，上限 {formula_limit} 字", sheet=name,
                              cell=here())
        outside = _OUTSIDE.get(text)
        if outside is None:
            outside = reaches_outside(text)
            if len(text) <= 200 and len(_OUTSIDE) < 1 << 14:  # some 7 MB at most
                _OUTSIDE[text] = outside
        if outside:
            out.external.append((here(), text))
        return text

    def shared(text: str, index: str, here: str) -> str:
        """A shared formula: the master's text is remembered; a dependent's is translated from it."""
        if text:
            masters[index] = [text, here, None]
            return text
        master = masters.get(index)
        if master is None:
            return text
        from openpyxl.formula.tokenizer import TokenizerError  # openpyxl (27 MB) once a shared formula is met
        from openpyxl.formula.translate import Translator, TranslatorError
        try:
            if master[2] is None:
                master[2] = Translator("=" + master[0], master[1])
            return master[2].translate_formula(here)[1:]
        except (TranslatorError, TokenizerError):  # a master openpyxl cannot tokenise: its text as it is
            return master[0]

    def typed(kind: str, text: str) -> Any:
        try:
            if kind == "n":
                stripped = text.strip()
                digits = stripped.lstrip("-")
                return int(stripped) if digits.isdigit() and len(digits) <= 15 else float(stripped)  # as a double
            if kind == "s":
                index = int(text)
                if not 0 <= index < len(strings):  # -1 must not read the last string
                    raise IndexError(index)
                return strings[index]
            if kind == "b":
                return text.strip() in ("1", "true")
            if kind in ("e", "d"):  # an error value such as #DIV/0!, or an ISO date: kept as text
                return text
            stripped = text.strip()
            digits = stripped.lstrip("-")
            return int(stripped) if digits.isdigit() and len(digits) <= 15 else float(stripped)
        except (ValueError, IndexError):
            raise reader.fail("xml-malformed", f"单元格值 {text[:40]!r} 无法识别", sheet=name,
                              cell=f"{get_column_letter(col + 1)}{row + 1}") from None

    def finish() -> None:
        """The sheet has been parsed: its cells and rows count towards the limits of the sheets read after it."""
        reader.counts["cells"] = cells
        reader.counts["rows"] = rows

    def install(p: Any) -> Callable[[], None]:
        nonlocal parser
        parser = p
        handlers(start, end, buf.append)(p)
        if skips is not None:
            skips.counted = counted
            skips.readers["sheetData"] = read_rows
        return finish

    return install


_EMPTY = (None, None)
_TEXT = frozenset({"str", "inlineStr"})
_PENDING = frozenset({"mergeCell", "sheetProtection", "hyperlink"})
#: Elements whose content a sheet's handlers do not read.
SKIPPED = frozenset({"dataValidations", "conditionalFormatting"})

#: Formula text (up to 200 characters) → whether it reaches outside the workbook, for every sheet a process reads
#: (bounded: a layout's formulas are the same in all its workbooks).
_OUTSIDE: dict[str, bool] = {}

#: Cell reference → 0-based (row, column), shared by every sheet a process reads (bounded).
_POSITIONS: dict[str, tuple[int, int]] = {}


def _position(reader: Accounts, ref: str, sheet: str) -> tuple[int, int]:
    """``B12``, ``$B$12`` → (11, 1): up to three letters A–Z, up to seven decimal digits (a final newline
    allowed), row 1 to 1,048,576; remembered in the lookup table."""
    i = 1 if ref[:1] == "$" else 0
    j = i
    end = len(ref)
    while j < end and "A" <= ref[j] <= "Z":
        j += 1
    letters = ref[i:j]
    digits = ref[j + 1:] if ref[j:j + 1] == "$" else ref[j:]
    if digits[-1:] == "\n":
        digits = digits[:-1]
    if not (0 < len(letters) <= 3 and 0 < len(digits) <= 7 and digits.isdecimal() and 0 < int(digits) <= 1048576):
        raise reader.fail("xml-malformed", f"单元格引用 {ref[:20]!r} 无效", sheet=sheet)
    at = (int(digits) - 1, column_index_from_string(letters) - 1)
    if len(_POSITIONS) < 1 << 16:  # some 13 MB at most
        _POSITIONS[ref] = at
    return at


def _row_number(reader: Accounts, text: str | None, previous: int, sheet: str) -> int:
    if text is None:
        return previous + 1
    if not text.isdecimal() or not 0 < int(text) <= 1048576:
        raise reader.fail("xml-malformed", f"行号 {text[:20]!r} 无效", sheet=sheet)
    return int(text) - 1


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    """``B2:D3`` → (1, 1, 2, 3) as 0-based first row, first column, last row, last column (remembered: every
    workbook of a layout has the same merges)."""
    if ref in _BOUNDS:
        return _BOUNDS[ref]
    try:
        first, _, last = ref.partition(":")
        c1, r1 = coordinate_from_string(first)
        c2, r2 = coordinate_from_string(last or first)
        bounds = r1 - 1, column_index_from_string(c1) - 1, r2 - 1, column_index_from_string(c2) - 1
    except (ValueError, TypeError, CellCoordinatesException):
        bounds = None
    if len(_BOUNDS) < 1 << 14:
        _BOUNDS[ref] = bounds
    return bounds


#: Merged range reference → its bounds (or None), shared by every sheet a process reads (bounded).
_BOUNDS: dict[str, tuple[int, int, int, int] | None] = {}
