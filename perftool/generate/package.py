"""An annotated copy's package: XlsxWriter's parts kept in memory (never zipped by it) and written to the .xlsx
with each part deflated once: what is the same copy after copy (the theme, styles, relationships, content types)
deflated once per process, a table sheet's static runs (its validations) deflated once per skeleton; ``xl/styles.xml``
written by XlsxWriter once per process for each set of formats (``PackageWorkbook``).

A part is bytes, or an iterable of pieces: bytes (deflated with the copy) or ``Deflated`` (deflated before). A
raw-deflate stream may be cut into pieces each ended by ``Z_FULL_FLUSH`` (byte-aligned, no back-references across
it), so the copy's own bytes and pre-deflated pieces are concatenated into one valid stream; the CRC-32 of a
pre-deflated piece is combined with the stream's by the CRC's linearity (``_crc_after``), without its text.
"""

from __future__ import annotations

import struct
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsxwriter.packager import Packager
from xlsxwriter.workbook import Workbook

#: Deflate level of what a copy deflates itself: level 1 takes ~60 % of level 3's time for ~10 % more bytes.
LEVEL = 1
#: Deflate level of what is deflated once (per process or per skeleton).
ONCE_LEVEL = 6
CACHED_PARTS = 64  # parts deflated once, by content: a copy's fixed parts stay among the most recent
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_ZEROS = bytes(1 << 16)
_WHEN = (0 << 9 | 1 << 5 | 1, 0)  # 1 January 1980, 00:00 (XlsxWriter's date for parts written in memory)


@dataclass(frozen=True, slots=True)
class Deflated:
    """A piece of a part deflated before: raw deflate ended by ``Z_FULL_FLUSH``, the CRC-32 and length of its
    text, and the CRC-32 of as many zero bytes (what combining its CRC with another's takes)."""

    data: bytes
    crc: int
    size: int
    zeros_crc: int

    @classmethod
    def of(cls, pieces: Iterable[bytes]) -> Deflated:
        deflate = zlib.compressobj(ONCE_LEVEL, zlib.DEFLATED, -15)
        out, crc, size = [], 0, 0
        for piece in pieces:
            out.append(deflate.compress(piece))
            crc, size = zlib.crc32(piece, crc), size + len(piece)
        out.append(deflate.flush(zlib.Z_FULL_FLUSH))
        return cls(b"".join(out), crc, size, _crc_after(0, size))


def _crc_after(crc: int, size: int) -> int:
    """The CRC-32 of what ``crc`` is of, followed by ``size`` zero bytes."""
    while size > len(_ZEROS):
        crc = zlib.crc32(_ZEROS, crc)
        size -= len(_ZEROS)
    return zlib.crc32(memoryview(_ZEROS)[:size], crc)


class Parts(dict[str, bytes]):
    """A package's parts by name, read as a ``zipfile.ZipFile``'s entries are (``read``)."""

    def read(self, name: str) -> bytes:
        return self[name]


class _KeptPackager(Packager):
    """XlsxWriter's packager handing its parts to the workbook (``parts``) instead of to the zip file, and writing
    ``xl/styles.xml`` from the workbook's ``styles`` when it is known."""

    def _create_package(self) -> list:
        self.workbook.parts = Parts((name, data.getvalue() if binary else data.getvalue().encode("utf-8"))
                                    for data, name, binary in super()._create_package())
        return []

    def _write_styles_file(self) -> None:
        book = self.workbook
        if book.styles is not None:
            self._filename("xl/styles.xml").write(book.styles)
            return
        super()._write_styles_file()
        book.styles = self.filenames[-1][0].getvalue()
        if len(_STYLES) >= CACHED_STYLES:
            _STYLES.clear()
        _STYLES[book.styles_key] = book.styles


class PackageWorkbook(Workbook):
    """An in-memory XlsxWriter workbook whose ``close`` leaves its package in ``parts`` (name → bytes, in
    XlsxWriter's order) and zips nothing; its ``xl/styles.xml`` written once per process for each set of formats.

    ``xl/styles.xml`` is a function of the formats in use, in the order of their numbers (cell formats, then
    highlight formats), each as XlsxWriter identifies it (``Format._get_format_key``: font, border, fill,
    alignment, number format, protection, quote prefix), and of whether the workbook has comments (their font):
    XlsxWriter's own, written the first time such a set is met, is kept under that key (``_STYLES``) and reused,
    without XlsxWriter numbering the fonts, borders, fills and number formats again (which only styles.xml uses).
    """

    parts: Parts
    styles: str | None = None
    styles_key: tuple[Any, ...] = ()

    def _get_packager(self) -> Packager:
        return _KeptPackager()

    def _prepare_format_properties(self) -> None:
        self._prepare_formats()
        self.styles_key = (tuple(f._get_format_key() for f in self.xf_formats),
                           tuple(f._get_format_key() for f in self.dxf_formats), bool(self.has_comments))
        self.styles = _STYLES.get(self.styles_key)
        if self.styles is None:
            super()._prepare_format_properties()


_STYLES: dict[tuple[Any, ...], str] = {}  # xl/styles.xml by its formats (``PackageWorkbook``)
CACHED_STYLES = 64  # a copy's formats are the skeleton's and its result sheets' few: one or two sets per layout


_DEFLATED: OrderedDict[bytes, tuple[bytes, int]] = OrderedDict()  # a part's content → deflated, CRC-32


def write_package(target: Path, parts: Mapping[str, bytes | Iterable[bytes | Deflated]]) -> None:
    """Write ``parts`` (in their order) to ``target`` as a zip archive, each deflated."""
    central = []
    with open(target, "wb") as out:
        for name, content in parts.items():
            stored, crc, size = _deflated(content) if isinstance(content, bytes) else _stream(content)
            encoded = name.encode("utf-8")
            flags = 0 if encoded.isascii() else 0x800
            offset = out.tell()
            out.write(_LOCAL.pack(b"PK\x03\x04", 20, flags, 8, _WHEN[1], _WHEN[0], crc, len(stored), size,
                                  len(encoded), 0) + encoded)
            out.write(stored)
            central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, 8, _WHEN[1], _WHEN[0], crc, len(stored),
                                         size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        directory = b"".join(central)
        at = out.tell()
        out.write(directory)
        out.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), at, 0))


def _deflated(content: bytes) -> tuple[bytes, int, int]:
    """A whole part deflated, its CRC-32 and size: once per process for each content among the recent."""
    known = _DEFLATED.get(content)
    if known is None:
        deflate = zlib.compressobj(ONCE_LEVEL, zlib.DEFLATED, -15)
        known = _DEFLATED[content] = deflate.compress(content) + deflate.flush(), zlib.crc32(content)
        if len(_DEFLATED) > CACHED_PARTS:
            _DEFLATED.popitem(last=False)
    else:
        _DEFLATED.move_to_end(content)
    return known[0], known[1], len(content)


def _stream(pieces: Iterable[bytes | Deflated]) -> tuple[bytes, int, int]:
    """A part made of pieces deflated into one stream, its CRC-32 and size."""
    deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    stored, crc, size = [], 0, 0
    for piece in pieces:
        if piece.__class__ is Deflated:
            stored.append(deflate.flush(zlib.Z_FULL_FLUSH))  # byte-aligned, and nothing after refers back
            stored.append(piece.data)
            crc = _crc_after(crc, piece.size) ^ piece.zeros_crc ^ piece.crc
            size += piece.size
        else:
            stored.append(deflate.compress(piece))
            crc, size = zlib.crc32(piece, crc), size + len(piece)
    stored.append(deflate.flush())
    return b"".join(stored), crc, size
