"""Feed a sheet's XML to expat, passing over the bytes of the regions its handlers do not read.

A sheet's data validations are most of its bytes after the cells and nothing a check reads, yet tokenising them
costs expat more than the cells do. The feeder cuts its input right after each ``<dataValidations …>`` (or
``<conditionalFormatting …>``) start tag. Only if the handlers were called for that very start tag within the cut
(so it is a start tag, not text in a comment or CDATA section) and ask for it (it is outside the cells) are the
bytes up to the first ``</dataValidations`` looked at: if they are well-formed XML content on their own (parsed
once by a separate expat parser with nothing but an element counter, or known by their SHA-256 to have been
before), the element opened by the start tag contains exactly them and ends there, so they are passed over and
their elements counted as parsing would count them. Anything else (content that is not well-formed, such as an
end tag hidden in a comment, or more than ``REGION_LIMIT`` bytes without an end tag) is parsed as before, and
only parts declared UTF-8 are passed over at all. A region the handlers read themselves (``Skips.readers``: a
sheet's ``<sheetData>``) is handed to them instead, up to its first end tag, and passed over if they read it.
Passing over moves expat's line and column numbers, so a part that fails after a region was passed over is read
again without passing over (``Skips.passed``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import IO, Any
from xml.parsers.expat import ExpatError

from .safe_xml import CHUNK, parser

#: Bytes of a region held in memory while looking for its end; a longer region is parsed.
REGION_LIMIT = 8 * 2**20
_TAIL = 32  # bytes kept back from parsing: more than the longest start tag name looked for
_UTF8 = re.compile(rb"<\?xml version=[\"']1\.0[\"'] encoding=[\"']utf-8[\"']", re.I)

#: SHA-256 of regions found well-formed → their number of elements (at most ``REMEMBERED``: 128 KB).
_WELL_FORMED: dict[bytes, int] = {}
REMEMBERED = 4096


class Skips:
    """Between the feeder and a sheet's handlers: the names of regions that may be passed over, where (in bytes
    fed to the parser) the start tag the feeder has just cut its input after begins (``expected``), the region
    the handlers asked to pass over (``open``, cleared at its end), what counts the elements passed over, what
    reads a region the handlers read themselves (``readers``: name → a function of its bytes, True if it read them),
    and the names of the regions passed over (``passed``)."""

    def __init__(self, names: frozenset[str]):
        self.names = names
        self.expected = -1
        self.open: str | None = None
        self.counted: Callable[[int], None] = _uncounted
        self.readers: dict[str, Callable[[bytes], bool]] = {}
        self.passed: set[str] = set()

    def request(self, name: str, index: int) -> None:
        """Called by a start handler at a region it does not read: ``name`` as written, ``index`` the parser's
        ``CurrentByteIndex`` (where the start tag begins)."""
        if index == self.expected and name in self.names:
            self.open = name


def _uncounted(elements: int) -> None:
    """No handler asked for the elements passed over to be counted."""


def feed(p: Any, stream: IO[bytes], skips: Skips) -> None:
    """Parse all of ``stream`` with ``p``, passing over the regions ``skips``' handlers ask for (see the module);
    handler exceptions and expat errors propagate."""
    parse, read = p.Parse, stream.read
    data = read(CHUNK)
    ended = not data
    starts = [b"<" + name.encode() for name in sorted(skips.names)] if _UTF8.match(data) else []
    fed = 0  # bytes handed to the parser
    while True:
        done = 0  # bytes of ``data`` parsed
        while True:
            found = [i for i in (data.find(s, done) for s in starts) if i >= 0]
            at = min(found) if found else -1
            close = data.find(b">", at) if at >= 0 else -1
            if close < 0:  # no whole start tag of a region left: parse all but what may begin one
                keep = (len(data) if ended or (at >= 0 and len(data) - at > CHUNK) else at if at >= 0
                        else max(done, len(data) - _TAIL))
                parse(data[done:keep], False)
                fed += keep - done
                data = data[keep:]
                break
            skips.expected = fed + at - done
            parse(data[done:close + 1], False)
            skips.expected = -1
            fed += close + 1 - done
            done = close + 1
            if skips.open is not None:
                data, last = _pass_over(data[done:], read, skips)
                ended = ended or last
                done = 0
                skips.open = None
        if ended and not data:
            break
        if not ended:
            more = read(CHUNK)
            ended = not more
            data += more
    parse(b"", True)


def _pass_over(data: bytes, read: Callable[[int], bytes], skips: Skips) -> tuple[bytes, bool]:
    """The bytes from the open region's end tag on, its elements counted, or all the bytes read while looking for
    it if it cannot be passed over; and whether the stream has ended."""
    end = b"</" + skips.open.encode()  # type: ignore[union-attr]
    buf = bytearray(data)
    looked = 0  # bytes of ``buf`` known to hold no end tag
    ended = False
    while (at := buf.find(end, looked)) < 0:
        if ended or len(buf) > REGION_LIMIT:
            return bytes(buf), ended
        looked = max(len(buf) - len(end), 0)
        more = read(CHUNK)
        ended = not more
        buf += more
    view = memoryview(buf)
    region = bytes(view[:at])
    reader = skips.readers.get(skips.open)  # type: ignore[arg-type]
    if reader is not None:
        skips.passed.add(skips.open)  # type: ignore[arg-type]  # (a failure while it is read: read again)
        if not reader(region):
            skips.passed.discard(skips.open)  # type: ignore[arg-type]
            return bytes(buf), ended
        return bytes(view[at:]), ended
    key = hashlib.sha256(region).digest()
    elements = _WELL_FORMED.get(key)
    if elements is None:
        elements = _elements(region)
        if elements is None:
            return bytes(buf), ended
        if len(_WELL_FORMED) >= REMEMBERED:
            _WELL_FORMED.clear()
        _WELL_FORMED[key] = elements
    skips.counted(elements)
    skips.passed.add(skips.open)  # type: ignore[arg-type]
    return bytes(view[at:]), ended


def _elements(region: bytes) -> int | None:
    """The number of elements in ``region`` if it is well-formed XML content (UTF-8), else None."""
    p = parser(False)
    ends = [0]

    def end(name: str) -> None:
        ends[0] += 1

    p.EndElementHandler = end
    try:
        p.Parse(b"<_>", False)
        p.Parse(region, False)
        p.Parse(b"</_>", True)
    except (ExpatError, ValueError):  # not well-formed (or an entity refused): the region is parsed where it is
        return None
    return ends[0] - 1
