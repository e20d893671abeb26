"""Cell formats of generated workbooks: Chinese fonts, borders, number formats, input and formula shading."""

from __future__ import annotations

from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from ..definitions.types import TYPES

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
INPUT_FILL = "#FFF7D6"     # pale yellow: cells the unit fills in
FORMULA_FILL = "#EAF2FB"   # pale blue: computed, locked
HEADER_FILL = "#EDEDED"
MARK_FILLS = {"error": "#F8B4B4", "warning": "#FFD580"}  # red: must be fixed; amber: explain or fix


#: Leading characters that make a spreadsheet read typed text as a formula (or a DDE call).
FORMULA_LEADS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r")


def write_text(ws: Any, row: int, col: int, text: str, fmt: Format | None, styles: Styles) -> None:
    """Write ``text`` (possibly from a submission) as a string that can never become a formula or XML in the
    output."""
    write_plain(ws, row, col, text, text_format(text, fmt, styles))


def text_format(text: str, fmt: Format | None, styles: Styles) -> Format | None:
    """The format ``write_text`` writes ``text`` in: ``fmt``, quoted when the text starts like a formula."""
    return styles.quoted(fmt) if text.startswith(FORMULA_LEADS) else fmt


def write_plain(ws: Any, row: int, col: int, text: str, fmt: Format | None) -> None:
    """Write ``text`` as it reads: XlsxWriter copies a string spelled ``<r>…</r>`` into the workbook unescaped (as
    rich text), so such a text is written as plain runs (it takes at least three), which it escapes."""
    if text.startswith("<r>") and text.endswith("</r>"):
        ws.write_rich_string(row, col, text[:1], text[1:2], text[2:], fmt)
    else:
        ws.write_string(row, col, text, fmt)


class Styles:
    """Creates each distinct format once per workbook."""

    def __init__(self, book: Workbook):
        self.book = book
        self._cache: dict[tuple[tuple[str, Any], ...], Format] = {}
        self._props: dict[int, dict[str, Any]] = {}

    def get(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self.book.add_format({"font_name": BODY_FONT, "font_size": 10, **props})
            self._props[id(self._cache[key])] = props
        return self._cache[key]

    def props(self, fmt: Format) -> dict[str, Any]:
        """The properties ``fmt`` was made with (by ``get``)."""
        return dict(self._props[id(fmt)])

    def quoted(self, fmt: Format | None) -> Format:
        """``fmt`` with Excel's quote prefix: the text stays text even if someone re-enters or exports it."""
        return self.get(**{**self._props.get(id(fmt), {}), "quote_prefix": True})

    def title(self) -> Format:
        return self.get(font_name=TITLE_FONT, font_size=16, bold=True, align="center", valign="vcenter")

    def caption(self, align: str = "left") -> Format:
        return self.get(align=align, valign="vcenter")

    def note(self) -> Format:
        return self.get(align="left", valign="top", text_wrap=True)

    def header(self) -> Format:
        return self.get(bold=True, align="center", valign="vcenter", text_wrap=True, border=1, bg_color=HEADER_FILL)

    def label(self, numeric: bool) -> Format:
        if numeric:
            return self.get(align="center", valign="vcenter", border=1)
        return self.get(align="left", valign="vcenter", text_wrap=True, border=1)

    def blank(self) -> Format:
        return self.get(border=1)

    def input(self, type_name: str) -> Format:
        t = TYPES[type_name]
        return self.get(border=1, locked=False, bg_color=INPUT_FILL, num_format=t.number_format or "General",
                        valign="vcenter", text_wrap=not t.numeric, align="right" if t.numeric else "left")

    def formula(self, type_name: str, hide_zero: bool = False) -> Format:
        """A computed cell; ``hide_zero`` shows a zero result as empty (a repeat row not yet filled)."""
        t = TYPES[type_name]
        shown = t.number_format or "General"
        if hide_zero and t.numeric and t.number_format:
            shown = f"{shown};-{shown};;@"
        return self.get(border=1, bg_color=FORMULA_FILL, num_format=shown,
                        valign="vcenter", align="right" if t.numeric else "left")

    def mark(self, severity: str) -> Format:
        """Highlight of a cell with a finding (a conditional format, so the cell keeps its own format)."""
        key = (("mark", severity),)
        if key not in self._cache:
            self._cache[key] = self.book.add_format({"bg_color": MARK_FILLS[severity]})
        return self._cache[key]
