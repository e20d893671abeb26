"""The test oracle: perftool's reader as it was before the expat handlers (perftool/read/xlsx.py of commit
1b0689b, verbatim but for its imports). tests/test_reader_oracle.py proves the new reader returns the same.

Read an .xlsx package safely and in one pass: cells, formulas and stored results, within set limits.

Nothing in a submission is evaluated or followed. The file is recognised by its first bytes (legacy and
encrypted formats are told apart), the zip is checked against size, ratio and entry limits before anything is
inflated, every part is inflated through a counting stream, and XML is parsed with DTDs and entities
forbidden (defusedxml). Only regular files are opened. Every element is dropped as soon as the reader leaves
it and only the cells inside a window around the template's tables are kept, so memory stays bounded however
large a sheet claims to be; the deadline is checked in the parse loop itself, and elements and every kind of
element that can be repeated (rows, hyperlinks, merges, names, strings, runs of a string) are counted against
their own limits.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import stat
import time
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from collections.abc import Callable, Iterator
from urllib.parse import unquote
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.formula.translate import Translator, TranslatorError
from openpyxl.utils.exceptions import CellCoordinatesException
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string, get_column_letter
from xml.etree.ElementTree import ParseError

from perftool.errors import os_reason
from perftool.read.failures import UnreadableWorkbook

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_MACRO_TYPES = ("macroEnabled", "vbaProject")


@dataclass(frozen=True)
class Limits:
    """Bounds on what one submission may cost to read; each can be changed with ``--limit NAME=VALUE``."""

    file_mb: float = 50  # size of the file itself
    part_mb: float = 64  # one inflated part (a sheet's XML, the shared strings)
    total_mb: float = 256  # all inflated parts together
    ratio: float = 200  # inflated/compressed size of a part over 1 MB
    entries: int = 2000  # parts in the zip
    cells: int = 2_000_000  # cells across all sheets
    seconds: float = 60  # wall-clock time to read the file
    text: int = 2000  # characters in a text cell before it is reported as too long (and cut when read)
    elements: int = 1_000_000  # XML elements across all parts
    rows: int = 100_000  # row elements across all sheets
    hyperlinks: int = 10_000  # hyperlinks across all sheets
    merges: int = 20_000  # merged ranges across all sheets
    names: int = 10_000  # defined names
    strings: int = 200_000  # shared strings
    runs: int = 1000  # rich-text runs in one string
    formula: int = 8192  # characters in one formula (Excel's own maximum)
    file_seconds: float = 300  # batch: wall-clock time for one file (read, score, annotate) in its worker
    memory_mb: float = 1024  # batch: memory one file's worker may take beyond what it started with

    @classmethod
    def parse(cls, items: list[str] | tuple[str, ...]) -> Limits:
        """``["part_mb=10", "seconds=5"]`` → Limits; unknown names or bad numbers raise ValueError in Chinese."""
        kinds = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for item in items:
            name, _, raw = item.partition("=")
            name = name.strip().replace("-", "_")
            if name not in kinds:
                raise ValueError(f"未知的读取上限 {name!r}（可用：{'、'.join(kinds)}）")
            try:
                values[name] = int(raw) if kinds[name] == "int" else float(raw)
            except ValueError:
                raise ValueError(f"读取上限 {name} 的值 {raw!r} 不是数字") from None
            if values[name] <= 0:
                raise ValueError(f"读取上限 {name} 须大于 0")
        return cls(**values)


class Clipped(str):
    """A text cut to the ``text`` limit when read; ``length`` is how long it was."""

    length: int

    def __new__(cls, text: str, limit: int) -> Clipped:
        out = super().__new__(cls, text[:limit])
        out.length = len(text)
        return out


def clip(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters as :class:`Clipped` (one huge string shared by many cells
    costs its size once, not once per cell)."""
    return text if len(text) <= limit else Clipped(text, limit)


def text_length(value: str) -> int:
    """How long a text read from a workbook was before it was clipped."""
    return getattr(value, "length", len(value))


_OUTSIDE = re.compile(r"\w\||\b(?:DDE|DDEAUTO|WEBSERVICE|FILTERXML|CALL|REGISTER|EXEC|HYPERLINK|RTD)\s*\(", re.I)


def reaches_outside(formula: str) -> bool:
    """Formula text that reaches outside the workbook: another file (``[1]Sheet!A1``), DDE (``cmd|'/c calc'!A0``)
    or a function that calls out (WEBSERVICE, CALL, …). Linear in the text's length (no backtracking)."""
    start = formula.find("[")
    return (start >= 0 and formula.find("]", start) > 0) or _OUTSIDE.search(formula) is not None


@dataclass
class Sheet:
    """One worksheet as read: cells inside the window as (row, col) → (formula text or None, value)."""

    name: str
    cells: dict[tuple[int, int], tuple[str | None, Any]] = field(default_factory=dict)
    merges: set[tuple[int, int, int, int]] = field(default_factory=set)
    protected: bool = False
    hyperlinks: list[str] = field(default_factory=list)  # cells carrying a hyperlink (never followed)
    external: list[tuple[str, str]] = field(default_factory=list)  # (cell, formula) reaching outside, any cell

    def value(self, row: int, col: int) -> Any:
        return self.cells.get((row, col), (None, None))[1]


#: Rows × columns of each sheet to keep, or a function giving them from the sheet read first.
Window = tuple[int, int] | Callable[[dict[str, Sheet]], tuple[int, int]]


@dataclass
class Book:
    """A workbook package as read: sheets in workbook order, and what it links to outside itself."""

    name: str
    sheets: dict[str, Sheet]
    external_links: list[str] = field(default_factory=list)
    date1904: bool = False

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)


class _Counted(io.RawIOBase):
    """A part being inflated, stopped as soon as it exceeds its share of the limits or the deadline passes."""

    def __init__(self, raw: IO[bytes], reader: _Reader, part: str):
        self.raw, self.reader, self.part, self.count = raw, reader, part, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        self.count += len(data)
        self.reader.spend(len(data), self.count, self.part)
        buffer[: len(data)] = data
        return len(data)


class _Reader:
    """One pass over one package, accounting for bytes, cells and time against ``limits``."""

    def __init__(self, path: Path, limits: Limits, first: str | None, window: Window):
        self.path, self.limits, self.first, self.window = path, limits, first, window
        self.name = path.name
        self.inflated = self.elements = 0
        self.counts: dict[str, int] = {}
        self.deadline = time.monotonic() + limits.seconds

    def fail(self, code: str, detail: str = "", **where: Any) -> UnreadableWorkbook:
        return UnreadableWorkbook(code, self.name, detail, **where)

    def spend(self, size: int, part_size: int, part: str) -> None:
        self.inflated += size
        if part_size > self.limits.part_mb * 2**20:
            raise self.fail("zip-bomb", f"部件 {part} 解压后超过 {self.limits.part_mb:g} MB")
        if self.inflated > self.limits.total_mb * 2**20:
            raise self.fail("zip-bomb", f"解压后总量超过 {self.limits.total_mb:g} MB")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise self.fail("timeout", f"超过 {self.limits.seconds:g} 秒")

    def check_progress(self, events: int) -> None:
        """Called every 1,024 parse events: the deadline, and the number of XML elements read so far."""
        self.check_time()
        self.elements += events // 2
        if self.elements > self.limits.elements:
            raise self.fail("too-complex", f"XML 元素超过 {self.limits.elements} 个")

    def count(self, kind: str, sheet: str | None = None) -> None:
        """One more element of ``kind`` (a field of :class:`Limits`); past its limit the file is refused."""
        n = self.counts[kind] = self.counts.get(kind, 0) + 1
        if n > getattr(self.limits, kind):
            raise self.fail("too-complex", f"{_KINDS[kind]}超过 {getattr(self.limits, kind)} 个", sheet=sheet)

    # -- the package --------------------------------------------------------------------------------------
    def open_file(self) -> IO[bytes]:
        """The file opened for reading, if it is a regular file within the size limit (never blocks on a FIFO)."""
        try:
            if not stat.S_ISREG(os.stat(self.path).st_mode):
                raise self.fail("not-regular-file", _file_kind(self.path))
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            raise self.fail("unreadable", os_reason(exc)) from None
        fh = os.fdopen(fd, "rb")
        info = os.fstat(fd)  # the file actually opened (it may have been swapped since the check above)
        if not stat.S_ISREG(info.st_mode):
            fh.close()
            raise self.fail("not-regular-file", _file_kind(self.path))
        if info.st_size > self.limits.file_mb * 2**20:
            fh.close()
            raise self.fail("too-large", f"{info.st_size / 2**20:.1f} MB，上限 {self.limits.file_mb:g} MB")
        return fh

    def open(self, fh: IO[bytes]) -> zipfile.ZipFile:
        try:
            head = fh.read(8)
            if head == _OLE_MAGIC:  # a compound document: legacy .xls/.et, or an encrypted .xlsx
                body = head + fh.read()
                if _ENCRYPTED_MARK in body:
                    raise self.fail("encrypted")
                raise self.fail("wps-et" if self.path.suffix.lower() == ".et" else "legacy-xls")
            fh.seek(0)
        except OSError as exc:
            raise self.fail("unreadable", os_reason(exc)) from None
        if head[:4] != b"PK\x03\x04":
            if head[:2] == b"PK" or zipfile.is_zipfile(fh):
                raise self.fail("zip-corrupt")
            raise self.fail("not-spreadsheet", _sniff(head))
        try:
            book = zipfile.ZipFile(fh)
            infos = book.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):  # (a damaged version field)
            raise self.fail("zip-corrupt", "压缩包的目录缺失或损坏") from None
        if len(infos) > self.limits.entries:
            raise self.fail("zip-bomb", f"{len(infos)} 个条目，上限 {self.limits.entries}")
        seen: set[str] = set()
        for i in infos:  # part names compare case-insensitively; readers disagree on which duplicate they take
            key = i.filename.casefold()
            if key in seen:
                raise self.fail("zip-corrupt", f"部件 {i.filename} 重复出现")
            seen.add(key)
        declared = sum(i.file_size for i in infos)
        if declared > self.limits.total_mb * 2**20:
            raise self.fail("zip-bomb", f"声明解压后 {declared / 2**20:.0f} MB，上限 {self.limits.total_mb:g} MB")
        for i in infos:
            if i.file_size > 2**20 and i.file_size > self.limits.ratio * max(i.compress_size, 1):
                raise self.fail("zip-bomb", f"部件 {i.filename} 压缩比 {i.file_size // max(i.compress_size, 1)}:1")
            if i.flag_bits & 0x1:
                raise self.fail("encrypted", f"部件 {i.filename} 已加密")
        return book

    def stream(self, book: zipfile.ZipFile, part: str) -> _Counted:
        try:
            return _Counted(book.open(part), self, part)
        except KeyError:
            raise self.fail("not-spreadsheet", f"缺少部件 {part}") from None
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise self.fail("zip-corrupt", f"{part}：{exc}") from None

    def events(self, book: zipfile.ZipFile, part: str) -> Iterator[tuple[str, Any]]:
        """Start and end events of ``part``'s XML, parsed with DTDs, entities and external references forbidden
        (iterate within :meth:`xml_errors`)."""
        return iterparse(io.BufferedReader(self.stream(book, part), 65536), events=("start", "end"), forbid_dtd=True)

    @contextmanager
    def xml_errors(self, part: str) -> Iterator[None]:
        """Whatever goes wrong while ``part`` is parsed, as a catalogued failure naming the part."""
        try:
            yield
        except DefusedXmlException as exc:
            raise self.fail("xml-unsafe", f"{part}：{type(exc).__name__}") from None
        except (ParseError, LookupError, UnicodeError) as exc:  # LookupError: an unknown declared encoding
            raise self.fail("xml-malformed", f"{part}：{exc}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:  # damage shows up while inflating
            raise self.fail("zip-corrupt", f"{part}：{exc}") from None

    def parse(self, book: zipfile.ZipFile, part: str, holders: frozenset[str] = frozenset()
              ) -> Iterator[tuple[str, Any]]:
        """End events of ``part``'s XML. Each element leaves the tree once its end event was handled, except
        within a ``holders`` element (a string item), which keeps its children until its own end."""
        stack: list[Any] = []
        held = events = 0
        with self.xml_errors(part):
            for event, el in self.events(book, part):
                events += 1
                if not events & 1023:
                    self.check_progress(1024)
                if event == "start":
                    stack.append(el)
                    if held or _local(el.tag) in holders:
                        held += 1
                    continue
                stack.pop()
                yield event, el
                if held:
                    held -= 1
                    if held:
                        continue
                if stack:
                    del stack[-1][-1]  # the element just left is its parent's last (and only remaining) child

    def read(self) -> Book:
        with self.open_file() as fh, self.open(fh) as book:
            names = set(book.namelist())
            types = _read_small(book, "[Content_Types].xml", self) if "[Content_Types].xml" in names else ""
            if "xl/vbaProject.bin" in names or any(t in types for t in _MACRO_TYPES):
                raise self.fail("macro-enabled")
            main = self.main_part(book, names)
            rels = self.relationships(book, main)
            sheets, external, date1904 = self.workbook(book, main, rels)
            strings = self.shared_strings(book, rels, names)
            out = Book(self.name, {}, external, date1904)
            first: dict[str, Sheet] = {}
            if self.first in sheets:  # the sheet that says how much of the others to keep
                first[self.first] = self.sheet(book, self.first, sheets[self.first], strings, (1000, 4))
            window = self.window(first) if callable(self.window) else self.window
            for name, part in sheets.items():
                out.sheets[name] = first.get(name) or self.sheet(book, name, part, strings, window)
            out.external_links += [n for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml")]
            return out

    def main_part(self, book: zipfile.ZipFile, names: set[str]) -> str:
        if "_rels/.rels" not in names:
            raise self.fail("not-spreadsheet", "缺少 _rels/.rels，不是 Office 文档")
        for _, el in self.parse(book, "_rels/.rels"):
            if _local(el.tag) == "Relationship" and el.get("Type", "").endswith("/officeDocument"):
                target = _part_name("", el.get("Target", ""), names)
                if target in names and "workbook" in target.lower():
                    return target
        kind = "Word 文档" if "word/document.xml" in names else "PowerPoint 文稿" if "ppt/presentation.xml" in names \
            else "其他压缩文件"
        raise self.fail("not-spreadsheet", f"是{kind}，不是工作簿")

    def relationships(self, book: zipfile.ZipFile, main: str) -> dict[str, tuple[str, str]]:
        """rId → (type, part path) of the workbook's relationships."""
        folder, base = posixpath.split(main)
        part = posixpath.join(folder, "_rels", base + ".rels")
        out: dict[str, tuple[str, str]] = {}
        names = set(book.namelist())
        if part not in names:
            return out
        for _, el in self.parse(book, part):
            if _local(el.tag) == "Relationship" and el.get("TargetMode") != "External":
                out[el.get("Id", "")] = (el.get("Type", "").rpartition("/")[2],
                                         _part_name(folder, el.get("Target", ""), names))
        return out

    def workbook(self, book: zipfile.ZipFile, main: str, rels: dict[str, tuple[str, str]]
                 ) -> tuple[dict[str, str], list[str], bool]:
        sheets: dict[str, str] = {}
        external: list[str] = []
        date1904 = False
        for _, el in self.parse(book, main):
            tag = _local(el.tag)
            if tag == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
                kind, part = rels.get(rid, ("", ""))
                if kind == "worksheet":
                    sheets[el.get("name", "")] = part
            elif tag == "workbookPr":
                date1904 = el.get("date1904", "0") in ("1", "true")
            elif tag == "definedName":
                self.count("names")
                if el.text and (len(el.text) > self.limits.formula or reaches_outside(el.text)):
                    external.append(f"名称 {el.get('name', '')[:80]}={el.text[:80]}")
        return sheets, external, date1904

    def shared_strings(self, book: zipfile.ZipFile, rels: dict[str, tuple[str, str]], names: set[str]) -> list[str]:
        part = next((p for kind, p in rels.values() if kind == "sharedStrings"), "xl/sharedStrings.xml")
        strings: list[str] = []
        if part not in names:
            return strings
        for _, el in self.parse(book, part, _STRING):
            if _local(el.tag) == "si":
                self.count("strings")
                strings.append(self.string(el))
        return strings

    def string(self, el: Any) -> str:
        """The text of a string item (``si`` or inline ``is``): its ``t``, or its runs' ``t``; phonetic runs
        (``rPh``, the reading of a Japanese name) are left out."""
        texts: list[str] = []
        runs = 0
        for child in el:
            tag = _local(child.tag)
            if tag == "t":
                texts.append(child.text or "")
            elif tag == "r":
                runs += 1
                if runs > self.limits.runs:
                    raise self.fail("too-complex", f"一个字符串含超过 {self.limits.runs} 个格式片段")
                texts.extend(t.text or "" for t in child if _local(t.tag) == "t")
        return clip("".join(texts), self.limits.text)

    def sheet(self, book: zipfile.ZipFile, name: str, part: str, strings: list[str],
              window: tuple[int, int]) -> Sheet:
        out = Sheet(name)
        max_row, max_col = window
        masters: dict[str, tuple[str, str]] = {}  # shared formula index → (text, origin cell)
        row, col = 0, -1
        cells = self.counts.get("cells", 0)
        stack: list[Any] = []  # the open elements; each leaves the tree as soon as it ends (a cell: with its children)
        push, pop, local = stack.append, stack.pop, _LOCAL.get
        in_cell = events = 0
        with self.xml_errors(part):
            for event, el in self.events(book, part):
                events += 1
                if not events & 1023:
                    self.check_progress(1024)
                if event == "start":
                    push(el)
                    if in_cell:
                        in_cell += 1
                        continue
                    tag = local(el.tag) or _local(el.tag)
                    if tag == "c":
                        in_cell = 1
                    elif tag == "row":
                        self.count("rows", name)
                        row, col = self.row_number(el.get("r"), row, name), -1
                    continue
                pop()
                if in_cell:
                    in_cell -= 1
                    if in_cell:
                        continue  # a cell's value or formula: read when the cell ends
                    cells += 1
                    if cells > self.limits.cells:
                        raise self.fail("too-many-cells", f"超过 {self.limits.cells} 个", sheet=name)
                    ref = el.get("r")
                    if ref:
                        row, col = self.position(ref, name)
                    else:
                        col += 1
                    if row < max_row and col < max_col:
                        out.cells[(row, col)] = self.cell(el, strings, masters, row, col, out)
                    else:
                        self.outside(el, row, col, out)
                else:
                    tag = local(el.tag) or _local(el.tag)
                    if tag == "mergeCell":
                        self.count("merges", name)
                        bounds = _bounds(el.get("ref", ""))
                        if bounds:
                            out.merges.add(bounds)
                    elif tag == "sheetProtection":
                        out.protected = el.get("sheet", "0") in ("1", "true")
                    elif tag == "hyperlink":
                        self.count("hyperlinks", name)
                        out.hyperlinks.append(el.get("ref", "")[:40])
                if stack:
                    del stack[-1][-1]  # the element just left is its parent's last (and only remaining) child
        self.counts["cells"] = cells
        return out

    def formula(self, text: str, here: str, sheet: Sheet) -> str:
        """A formula's text, refused if longer than Excel allows; one reaching outside is noted on the sheet."""
        if len(text) > self.limits.formula:
            raise self.fail("too-complex", f"公式长 {len(text)} 字，上限 {self.limits.formula} 字", sheet=sheet.name,
                            cell=here)
        if reaches_outside(text):
            sheet.external.append((here, text))
        return text

    def outside(self, el: Any, row: int, col: int, sheet: Sheet) -> None:
        """A cell outside the window is not kept, but a formula in it is still checked."""
        for child in el:
            if _local(child.tag) == "f" and child.text:
                self.formula(child.text, f"{get_column_letter(col + 1)}{row + 1}", sheet)

    def row_number(self, text: str | None, previous: int, sheet: str) -> int:
        if text is None:
            return previous + 1
        if not text.isdigit() or not 0 < int(text) <= 1048576:
            raise self.fail("xml-malformed", f"行号 {text[:20]!r} 无效", sheet=sheet)
        return int(text) - 1

    def position(self, ref: str, sheet: str) -> tuple[int, int]:
        m = _CELL.match(ref)
        if m is None or not 0 < int(m.group(2)) <= 1048576:
            raise self.fail("xml-malformed", f"单元格引用 {ref[:20]!r} 无效", sheet=sheet)
        letters = m.group(1)
        col = _COLUMNS.get(letters)
        if col is None:
            col = _COLUMNS[letters] = column_index_from_string(letters) - 1
        return int(m.group(2)) - 1, col

    def cell(self, el: Any, strings: list[str], masters: dict[str, tuple[str, str]], row: int, col: int,
             sheet: Sheet) -> tuple[str | None, Any]:
        kind = el.get("t", "n")
        formula = value = None
        for child in el:
            tag = _local(child.tag)
            if tag == "f":
                here = f"{get_column_letter(col + 1)}{row + 1}"
                formula = self.formula(child.text or "", here, sheet)
                if child.get("t") == "shared":
                    index = child.get("si", "")
                    if formula:
                        masters[index] = (formula, here)
                    elif index in masters:
                        text, origin = masters[index]
                        try:
                            formula = Translator("=" + text, origin).translate_formula(here)[1:]
                        except TranslatorError:
                            formula = text
            elif tag == "v":
                value = child.text
            elif tag == "is":
                value = self.string(child)
        if value is None:
            return formula, value
        if kind in ("str", "inlineStr"):
            return formula, clip(value, self.limits.text)
        return formula, self.typed(kind, value, sheet.name, row, col, strings)

    def typed(self, kind: str, text: str, sheet: str, row: int, col: int, strings: list[str]) -> Any:
        try:
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
            return int(stripped) if digits.isdigit() and len(digits) <= 15 else float(stripped)  # as a double
        except (ValueError, IndexError):
            raise self.fail("xml-malformed", f"单元格值 {text[:40]!r} 无法识别", sheet=sheet,
                            cell=f"{get_column_letter(col + 1)}{row + 1}") from None


def read_book(path: Path, limits: Limits | None = None, window: Window = (1000, 60), first: str | None = None
              ) -> Book:
    """Read ``path`` within ``limits``; keep the cells in the first ``window`` rows × columns of every sheet.

    ``window`` may be a function of the sheet named ``first``, which is then read before the others (the
    identity sheet tells how large the tables are). Raises :class:`UnreadableWorkbook` with a catalogued code
    for anything that is not a usable .xlsx.
    """
    path = Path(path)
    try:
        return _Reader(path, limits or Limits(), first, window).read()
    except OSError as exc:  # the file became unreadable while it was read (a disk error, a removed mount)
        raise UnreadableWorkbook("unreadable", path.name, os_reason(exc)) from None
    except MemoryError:
        raise UnreadableWorkbook("too-large", path.name, "读取时内存不足") from None
    except RecursionError:
        raise UnreadableWorkbook("xml-malformed", path.name, "嵌套过深") from None


def _read_small(book: zipfile.ZipFile, part: str, reader: _Reader) -> str:
    stream = reader.stream(book, part)
    try:
        return stream.read(2**20).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise reader.fail("zip-corrupt", f"{part}：{exc}") from None


def _file_kind(path: Path) -> str:
    """What a path that is not a regular file is, in a word."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "链接指向的文件不存在"
    kind = ("命名管道（FIFO）" if stat.S_ISFIFO(mode) else "设备文件" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "套接字" if stat.S_ISSOCK(mode) else "目录" if stat.S_ISDIR(mode) else "特殊文件")
    return ("是指向" if path.is_symlink() else "是") + kind


def _part_name(folder: str, target: str, names: set[str]) -> str:
    """A relationship target as a part name: relative to ``folder`` unless absolute, ``./`` and ``..`` resolved,
    percent-encoding decoded (``sheet%201.xml`` is the part ``sheet 1.xml``), as OPC says."""
    raw = target.split("#", 1)[0]
    joined = raw.lstrip("/") if raw.startswith("/") else posixpath.join(folder, raw)
    plain = posixpath.normpath(joined).lstrip("/")
    decoded = posixpath.normpath(unquote(joined)).lstrip("/")
    return decoded if decoded in names or plain not in names else plain


def _sniff(head: bytes) -> str:
    """A word on what a non-zip file looks like (HTML and CSV are often renamed to .xls by other systems)."""
    text = head.lstrip().lower()
    if not head:
        return "文件为空"
    if text.startswith((b"<html", b"<!doc", b"<?xml", b"<tab")):
        return "是网页或 XML 文件，只是扩展名像工作簿"
    if head.startswith(b"%PDF"):
        return "是 PDF 文件"
    return "文件内容不是 .xlsx 格式"


_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d{1,7})$")
_STRING = frozenset({"si"})
_KINDS = {"rows": "行", "hyperlinks": "超链接", "merges": "合并单元格", "names": "名称",
          "strings": "共享字符串"}
_COLUMNS: dict[str, int] = {}
_LOCAL: dict[str, str] = {}


def _local(tag: str) -> str:
    """``{namespace}c`` → ``c`` (memoised: a sheet has few distinct tags and many elements)."""
    local = _LOCAL.get(tag)
    if local is None:
        local = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(_LOCAL) < 1000:
            _LOCAL[tag] = local
    return local


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    """``B2:D3`` → (1, 1, 2, 3) as 0-based first row, first column, last row, last column."""
    try:
        first, _, last = ref.partition(":")
        c1, r1 = coordinate_from_string(first)
        c2, r2 = coordinate_from_string(last or first)
    except (ValueError, TypeError, CellCoordinatesException):
        return None
    return r1 - 1, column_index_from_string(c1) - 1, r2 - 1, column_index_from_string(c2) - 1
