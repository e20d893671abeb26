"""Read an .xlsx package safely and in one pass: cells, formulas and stored results, within set limits.

Nothing in a submission is evaluated or followed. The file is recognised by its first bytes (legacy and
encrypted formats are told apart), the zip is checked against size, ratio and entry limits before anything is
inflated, every part is inflated through a counting stream, and XML is parsed by plain expat handlers with DTDs
and entities forbidden (``safe_xml``). Only regular files are opened. No element tree is built: the handlers
(``sheet_xml`` for the sheets and shared strings; a sheet's rows and cells read from their bytes by
``sheet_data`` where its patterns cover them) keep only the cells inside a window around the template's tables,
so memory stays bounded however large a sheet claims to be; the deadline is checked in the handlers
themselves, and elements and every kind of element that can be repeated (rows, hyperlinks, merges, names,
strings, runs of a string) are counted against their own limits.
"""

from __future__ import annotations

import os
import posixpath
import stat
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException

from ..errors import os_reason
from . import safe_xml
from .book import Book, Clipped, Limits, Sheet, Window, clip, reaches_outside, text_length
from .failures import UnreadableWorkbook
from .plain_strings import PLAIN_LIMIT, plain_strings
from .sheet_data import Uncovered
from .sheet_xml import SKIPPED, sheet_handlers, string_handlers
from .skipping import Skips, feed

__all__ = ["Book", "Clipped", "Limits", "Sheet", "Window", "clip", "reaches_outside", "read_book", "text_length"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_MACRO_TYPES = ("macroEnabled", "vbaProject")


class _Counted:
    """A part being inflated, stopped as soon as it exceeds its share of the limits or the deadline passes."""

    def __init__(self, raw: IO[bytes], reader: _Reader, part: str):
        self.raw, self.reader, self.part, self.count = raw, reader, part, 0

    def read(self, size: int) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        self.reader.spend(len(data), self.count, self.part)
        return data


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

    def check_progress(self, elements: int) -> None:
        """Called every 1,024 elements by the handlers: the deadline, and the number of XML elements read so far."""
        self.check_time()
        self.elements += elements
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

    @contextmanager
    def xml_errors(self, part: str) -> Iterator[None]:
        """Whatever goes wrong while ``part`` is parsed, as a catalogued failure naming the part."""
        try:
            yield
        except DefusedXmlException as exc:
            raise self.fail("xml-unsafe", f"{part}：{type(exc).__name__}") from None
        except (ExpatError, LookupError, ValueError) as exc:  # an unknown or a multi-byte declared encoding
            raise self.fail("xml-malformed", f"{part}：{exc}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:  # damage shows up while inflating
            raise self.fail("zip-corrupt", f"{part}：{exc}") from None

    def run(self, book: zipfile.ZipFile, part: str, install: safe_xml.Install, namespaces: bool = True,
            skips: Skips | None = None) -> None:
        """Parse ``part`` with the handlers ``install`` puts on the parser (they may end it early with
        :class:`safe_xml.Stop`, and then what is left to do at the end is not done), passing over the regions
        they ask ``skips`` for."""
        with self.xml_errors(part):
            p = safe_xml.parser(namespaces)
            finish = install(p)
            try:
                if skips is None:
                    safe_xml.feed(p, self.stream(book, part))
                else:
                    feed(p, self.stream(book, part), skips)
            except safe_xml.Stop:
                return
            finish()

    def ends(self, book: zipfile.ZipFile, part: str, wanted: frozenset[str],
             found: Callable[[str, dict[str, str], str | None], bool]) -> None:
        """``found(tag, attributes, text)`` at the end of each element of a small part whose local name is in
        ``wanted`` (``text``: its character data before its first child, None if there is none); parsing stops
        when ``found`` returns True."""
        open_: list[list[Any]] = []  # [tag, attributes, text, text complete]
        buf: list[str] = []
        n = 0

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal n
            n += 1
            if not n & 1023:
                self.check_progress(1024)
            if open_ and not open_[-1][3]:
                open_[-1][2:] = ["".join(buf) or None, True]
            buf.clear()
            open_.append([safe_xml.local(name), attrs, None, False])

        def end(name: str) -> None:
            tag, attrs, text, complete = open_.pop()
            if not complete:
                text = "".join(buf) or None
            buf.clear()
            if tag in wanted and found(tag, attrs, text):
                raise safe_xml.Stop

        self.run(book, part, safe_xml.handlers(start, end, buf.append))

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
        main: list[str] = []

        def found(tag: str, attrs: dict[str, str], text: str | None) -> bool:
            if attrs.get("Type", "").endswith("/officeDocument"):
                target = _part_name("", attrs.get("Target", ""), names)
                if target in names and "workbook" in target.lower():
                    main.append(target)
                    return True
            return False

        self.ends(book, "_rels/.rels", _RELATIONSHIP, found)
        if main:
            return main[0]
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

        def found(tag: str, attrs: dict[str, str], text: str | None) -> bool:
            if attrs.get("TargetMode") != "External":
                out[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2],
                                            _part_name(folder, attrs.get("Target", ""), names))
            return False

        self.ends(book, part, _RELATIONSHIP, found)
        return out

    def workbook(self, book: zipfile.ZipFile, main: str, rels: dict[str, tuple[str, str]]
                 ) -> tuple[dict[str, str], list[str], bool]:
        sheets: dict[str, str] = {}
        external: list[str] = []
        date1904 = [False]

        def found(tag: str, attrs: dict[str, str], text: str | None) -> bool:
            if tag == "sheet":
                rid = next((v for k, v in attrs.items() if safe_xml.local(k) == "id"), "")
                kind, part = rels.get(rid, ("", ""))
                if kind == "worksheet":
                    sheets[attrs.get("name", "")] = part
            elif tag == "workbookPr":
                date1904[0] = attrs.get("date1904", "0") in ("1", "true")
            else:
                self.count("names")
                if text and (len(text) > self.limits.formula or reaches_outside(text)):
                    external.append(f"名称 {attrs.get('name', '')[:80]}={text[:80]}")
            return False

        self.ends(book, main, _WORKBOOK, found)
        return sheets, external, date1904[0]

    def shared_strings(self, book: zipfile.ZipFile, rels: dict[str, tuple[str, str]], names: set[str]) -> list[str]:
        part = next((p for kind, p in rels.values() if kind == "sharedStrings"), "xl/sharedStrings.xml")
        strings: list[str] = []
        if part in names:
            plain = self.plain_strings(book, part)
            if plain is not None:
                return plain
            self.run(book, part, string_handlers(self, strings), namespaces=False)
        return strings

    def plain_strings(self, book: zipfile.ZipFile, part: str) -> list[str] | None:
        """The shared strings read by ``plain_strings`` (counted as the handlers count them), or None (nothing
        counted) for the handlers to read them: another spelling, or a limit the handlers would refuse at."""
        if book.getinfo(part).file_size > PLAIN_LIMIT:
            return None
        before = self.inflated
        with self.xml_errors(part):
            data = self.stream(book, part).read(PLAIN_LIMIT + 1)
        found = plain_strings(data) if len(data) <= PLAIN_LIMIT else None
        held = self.counts.get("strings", 0)
        crossed = (1 + 2 * len(found)) // 1024 * 1024 if found is not None else 0  # sst, and each si and its t
        if found is None or held + len(found) > self.limits.strings or self.elements + crossed > self.limits.elements:
            self.inflated = before
            return None
        self.check_progress(crossed)
        self.counts["strings"] = held + len(found)
        return [clip(text, self.limits.text) for text in found]

    def sheet(self, book: zipfile.ZipFile, name: str, part: str, strings: list[str],
              window: tuple[int, int]) -> Sheet:
        """A sheet as read, its rows and cells from their bytes (``sheet_data``) and its data validations passed
        over where that is the same as parsing them. If the rows' bytes are not all covered, the sheet is read
        again with its cells parsed; if it fails after a region was passed over, it is read again without (the
        failure then names the place as parsing the whole part does)."""
        before = self.inflated, self.elements, dict(self.counts)
        for names in (SKIPPED | {"sheetData"}, SKIPPED):
            skips = Skips(names)
            out = Sheet(name)
            try:
                self.run(book, part, sheet_handlers(self, out, strings, window, skips), namespaces=False,
                         skips=skips)
                return out
            except Uncovered:
                pass
            except UnreadableWorkbook:
                if not skips.passed:
                    raise
            self.inflated, self.elements, self.counts = before[0], before[1], dict(before[2])
        out = Sheet(name)
        self.run(book, part, sheet_handlers(self, out, strings, window), namespaces=False)
        return out


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


_RELATIONSHIP = frozenset({"Relationship"})
_WORKBOOK = frozenset({"sheet", "workbookPr", "definedName"})
_KINDS = {"rows": "行", "hyperlinks": "超链接", "merges": "合并单元格", "names": "名称",
          "strings": "共享字符串"}
