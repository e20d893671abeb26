"""Row heights and print scale from text length: neither Excel nor LibreOffice auto-fits merged or pre-sized rows.

Widths are in Excel column units (about one digit of the default font, 7 px); a CJK glyph of a ``size`` pt font
is ``size`` pt wide, a Latin glyph or digit about half that. A text wraps by character (Chinese has no word
spaces), each line as high as the font's line spacing (CJK fonts such as Noto CJK use about 1.4 em).
"""

from __future__ import annotations

import math
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

LINE_SPACING = 1.42    # line height / font size of the CJK fonts a renderer substitutes for 宋体/黑体
CELL_PADDING = 4.0     # points above and below the text of a row
SIDE_PADDING = 5.0     # points of a cell's width not used for text (borders and indent)
A4 = (595.0, 842.0)    # points
MARGIN_SIDE, MARGIN_TOP = 36.0, 43.2  # set_margins(left=right=0.5in, top=bottom=0.6in)
HEADER_FOOTER = 24.0   # points of the printable height taken by the print header and footer


def column_points(width: float) -> float:
    """An Excel column width (characters) in points: ``trunc(7·w + 5)`` pixels at 96 dpi (0 when hidden)."""
    if width <= 0:
        return 0.0
    return math.trunc(7 * width + 5) * 0.75


def print_points(width: float) -> float:
    """An Excel column width as wide as the widest renderer prints it: LibreOffice, measuring with its substitute
    for 宋体, gives a width unit about 8.5 px (Excel: 7 px); a scale fitting that fits both."""
    return 0.0 if width <= 0 else (width + 0.71) * 8.5 * 0.75


def text_points(text: str, size: float) -> float:
    """The width of ``text`` set in a ``size`` pt font."""
    return sum(size if unicodedata.east_asian_width(ch) in "WFA" else size * 0.55 for ch in text)


#: Each character's width (text_points) in a font of the given size, filled as characters are met.
_WIDTHS: dict[float, dict[str, float]] = {}


def lines_of(text: str, width_points: float, size: float) -> int:
    """How many lines ``text`` takes wrapped in a cell ``width_points`` wide (explicit newlines kept): a line
    breaks before the character that would overflow it."""
    room = max(size, width_points - SIDE_PADDING)
    table = _WIDTHS.get(size)
    if table is None:
        table = _WIDTHS[size] = {}
    exact = _EXACT.get((size, room))
    if exact is None:  # in quarter points every sum of widths is exact: running totals stand in for each line's sum
        if len(_EXACT) >= 1024:
            _EXACT.clear()
        exact = _EXACT[size, room] = all((x * 4).is_integer() for x in (size, size * 0.55, room))
    text = str(text)
    lines = 0
    for part in text.split("\n") if "\n" in text else (text,):
        try:
            widths = list(map(table.__getitem__, part))
        except KeyError:  # characters not met before
            for ch in set(part).difference(table):
                table[ch] = text_points(ch, size)
            widths = list(map(table.__getitem__, part))
        if exact:
            lines += _wrapped(list(accumulate(widths)), room)
            continue
        line = 0.0
        count = 1
        for w in widths:
            if line + w > room:
                count += 1
                line = 0.0
            line += w
        lines += count
    return max(1, lines)


#: Whether widths of a font size sum exactly in a line of a given room (quarter points), by (size, room).
_EXACT: dict[tuple[float, float], bool] = {}


def _wrapped(totals: list[float], room: float) -> int:
    """Lines of a text whose running widths are ``totals``: each line ends before the running total exceeds the
    total at its start plus ``room`` (a line always holds its first character: no character is wider than room)."""
    count, start, at = 1, 0.0, 0
    while True:
        at = bisect_right(totals, start + room, at)
        if at >= len(totals):
            return count
        count += 1
        start = totals[at - 1]


def text_height(text: str, width_points: float, size: float = 10.0) -> float:
    """The row height (points) that shows ``text`` wrapped in full: one line, unmeasured, when even at a CJK
    glyph's width (the widest) it fits; otherwise measured and kept (``MEASURED`` texts, least recent dropped:
    labels, rule texts and messages recur across copies)."""
    if text.__class__ is str and len(text) * size <= width_points - SIDE_PADDING and "\n" not in text:
        return size * LINE_SPACING + CELL_PADDING
    return _measured_height(text, width_points, size)


MEASURED = 65536  # (text, width, size) whose height is kept


@lru_cache(maxsize=MEASURED)
def _measured_height(text: str, width_points: float, size: float) -> float:
    return lines_of(text, width_points, size) * size * LINE_SPACING + CELL_PADDING


def fit_row(texts: Iterable[tuple[str, float]], height: float = 15.0) -> float:
    """What ``fit_rows`` makes of a row ``height`` high holding single-cell blocks ((text, the cell's width in
    points), in order): the same arithmetic, without the blocks. A text of one line break-free that cannot need
    more than the row has so far is not measured: no character is wider than the font size, so a line holds at
    least ``room // 10`` of them (``most_lines``)."""
    h = stored_height(height)
    for text, points in texts:  # text_height at 10 pt, its one-line case inline (a copy fits ~2,000 texts)
        if text.__class__ is str and "\n" not in text:
            if len(text) * 10.0 <= points - SIDE_PADDING:
                need = _ONE_LINE
            elif most_lines(len(text), points) * 10.0 * LINE_SPACING + CELL_PADDING <= h + 0.1:
                continue  # its height (as _measured_height computes it) cannot raise the row's
            else:
                need = _measured_height(text, points, 10.0)
        else:
            need = _measured_height(text, points, 10.0)
        if need > h + 0.1:
            h = _pixels_up(h + need - h)
    return h


_ONE_LINE = 10.0 * LINE_SPACING + CELL_PADDING  # text_height of a text on one line at 10 pt


def most_lines(length: int, width_points: float, size: float = 10.0) -> int:
    """The most lines ``lines_of`` can give a text of ``length`` characters without line breaks: each line holds
    at least as many characters as fit at the widest glyph (``size``)."""
    per_line = int(max(size, width_points - SIDE_PADDING) // size)
    return max(1, -(-length // per_line))


class Block(NamedTuple):
    """A wrapped text occupying rows ``first``–``last`` and columns ``left``–``right`` (0-based, inclusive). A
    tuple: an annotated copy makes thousands."""

    first: int
    left: int
    last: int
    right: int
    text: str
    size: float = 10.0


def stored_height(points: float) -> float:
    """A row height as a workbook keeps it: whole pixels (0.75 pt at 96 dpi), a fraction dropped (XlsxWriter's
    own rounding, made explicit so that what is measured is what prints)."""
    return math.floor(points / 0.75 + 1e-6) * 0.75


def _pixels_up(points: float) -> float:
    return math.ceil(points / 0.75 - 1e-6) * 0.75


def fit_rows(blocks: Iterable[Block], widths: Sequence[float], heights: dict[int, float]) -> dict[int, float]:
    """Raise ``heights`` (row → points) so that every block's text fits its merged area; return them.

    A block spanning several rows adds what it still lacks to its last row.
    """
    for r, h in heights.items():
        heights[r] = stored_height(h)
    pending = sorted(blocks, key=lambda b: b.last - b.first)  # single rows first, then spans over them
    points = [column_points(w) for w in widths]
    for first, left, last, right, text, size in pending:
        need = text_height(text, points[left] if left == right else sum(points[left:right + 1]), size)
        have = heights.get(last, 15.0) if first == last else sum(heights.get(r, 15.0) for r in range(first, last + 1))
        if need > have + 0.1:
            heights[last] = _pixels_up(heights.get(last, 15.0) + need - have)  # a whole pixel more, not less
    return heights


class RowFit:
    """``fit_rows`` of a fixed list of blocks at fixed widths, kept: the same list with a few blocks added at given
    places in it (a unit's entered texts among a layout's labels) is fitted again only where those are, the rows
    of the single-row ones and the blocks spanning rows, with the same arithmetic in the same order."""

    def __init__(self, blocks: Iterable[tuple[int, Block]], widths: Sequence[float], heights: dict[int, float]):
        """``blocks``: (position, block), the order ``fit_rows`` sees them in; ``heights`` the base heights."""
        self.points = [column_points(w) for w in widths]
        self.start = {r: stored_height(h) for r, h in heights.items()}
        self.single: dict[int, list[tuple[int, float]]] = {}  # row → [(position, height needed)]
        self.spans: list[tuple[int, int, Block, float]] = []  # (rows spanned − 1, position, block, height needed)
        self._add(blocks, self.single, self.spans)
        self.rows = {r: h for r, needs in self.single.items() if (h := self._row(r, needs)) is not None}

    def fit(self, extra: Iterable[tuple[int, Block]]) -> dict[int, float]:
        """What ``fit_rows`` returns for the fixed blocks and ``extra`` ((position, block)) in position order."""
        single: dict[int, list[tuple[int, float]]] = {}
        spans = list(self.spans)
        self._add(extra, single, spans)
        heights = {**self.start, **self.rows}
        for r, needs in single.items():
            h = self._row(r, sorted(self.single.get(r, []) + needs))
            if h is not None:
                heights[r] = h
        for _, _, b, need in sorted(spans, key=lambda x: x[:2]):
            have = sum(heights.get(r, 15.0) for r in range(b.first, b.last + 1))
            if need > have + 0.1:
                heights[b.last] = _pixels_up(heights.get(b.last, 15.0) + need - have)
        return heights

    def _add(self, blocks: Iterable[tuple[int, Block]], single: dict[int, list[tuple[int, float]]],
             spans: list[tuple[int, int, Block, float]]) -> None:
        for position, b in blocks:
            need = text_height(b.text, sum(self.points[b.left:b.right + 1]), b.size)
            if b.first == b.last:
                single.setdefault(b.last, []).append((position, need))
            else:
                spans.append((b.last - b.first, position, b, need))

    def _row(self, r: int, needs: list[tuple[int, float]]) -> float | None:
        """A row's height after its single-row blocks (None: never set)."""
        h = self.start.get(r)
        for _, need in needs:
            have = 15.0 if h is None else h
            if need > have + 0.1:
                h = _pixels_up(have + need - have)
        return h


@dataclass(frozen=True)
class PageFit:
    """A print scale (percent) and the rows before which a page starts."""

    scale: int
    breaks: list[int]


def page_fit(widths: Sequence[float], heights: Sequence[float], landscape: bool, repeat: float = 0.0,
             one_page: bool = False, cuts: set[int] | None = None) -> PageFit:
    """The print scale that fits the columns across one A4 page, and page breaks only where ``cuts`` allow.

    ``heights`` are all printed rows' heights from the first; ``repeat`` the height of the header rows printed
    again at the top of every page; ``one_page`` shrinks further so everything fits on one page; ``cuts`` are
    rows a page may start at (None: any row).
    """
    paper_w, paper_h = (A4[1], A4[0]) if landscape else A4
    room_w = paper_w - 2 * MARGIN_SIDE
    room_h = paper_h - 2 * MARGIN_TOP - HEADER_FOOTER
    content_w = sum(print_points(w) for w in widths)
    scale = min(1.0, room_w / content_w) if content_w else 1.0
    if one_page:
        scale = min(scale, room_h / max(1.0, sum(heights)))
    percent = max(10, math.floor(scale * 100 * 0.97))
    if one_page:
        return PageFit(percent, [])
    breaks = _breaks(heights, room_h / (percent / 100) * 0.97, repeat, cuts)
    # a last page holding only a line or two: shrink a little (to 90 % at most) if that saves the page
    for smaller in range(percent - 1, max(10, math.floor(percent * 0.9)) - 1, -1):
        if not breaks or sum(heights[breaks[-1]:]) + repeat > 0.2 * room_h / (percent / 100):
            break
        fewer = _breaks(heights, room_h / (smaller / 100) * 0.97, repeat, cuts)
        if len(fewer) < len(breaks):
            return PageFit(smaller, fewer)
    return PageFit(percent, breaks)


def _breaks(heights: Sequence[float], capacity: float, repeat: float, cuts: set[int] | None) -> list[int]:
    """Rows before which a page starts, each page holding at most ``capacity`` points (``repeat`` repeated)."""
    breaks: list[int] = []
    used, start = 0.0, 0
    last_cut = None
    for r, h in enumerate(heights):
        if cuts is None or r in cuts:
            last_cut = r
        if used + h > capacity and r > start:
            at = last_cut if last_cut is not None and last_cut > start else r
            breaks.append(at)
            start = at
            used = repeat + sum(heights[at:r])
            last_cut = None
        used += h
    return breaks
