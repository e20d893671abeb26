"""Print workbooks to PDF with LibreOffice and read each page's sheet and text (``pdftotext -bbox-layout``).

Text is compared word by word (a word is a run of text without spaces, a CJK run within one cell): pdftotext
joins words of neighbouring cells on one baseline into one "line", so lines of adjacent cells would seem to
overlap where their words do not.

Every sheet perftool writes carries its sheet name at the left of the print header (``&A``), which is how a
page is attributed to its sheet.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from libreoffice import soffice

XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Line:
    """One word on a page, with its box in points."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Page:
    number: int
    sheet: str
    lines: list[Line]


def available() -> bool:
    return soffice() is not None and shutil.which("pdftotext") is not None


def to_pdf(files: list[Path], outdir: Path, profile: Path) -> list[Path]:
    """Each workbook printed (all sheets) to ``outdir/<stem>.pdf``."""
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice(), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)],
                   check=True, capture_output=True, timeout=900)
    return [outdir / f"{f.stem}.pdf" for f in files]


def pages(pdf: Path, sheets: list[str]) -> list[Page]:
    """The pages of ``pdf``, each attributed to the sheet whose name heads it."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True).stdout
    root = ET.fromstring(xml.decode("utf-8"))
    out = []
    for n, page in enumerate(root.iter(f"{XHTML}page"), start=1):
        lines = []
        for word in page.iter(f"{XHTML}word"):
            lines.append(Line(word.text or "", *(float(word.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))))
        top = sorted(lines, key=lambda ln: (round(ln.y0), ln.x0))
        sheet = next((ln.text for ln in top if ln.text in sheets), "")
        out.append(Page(n, sheet, lines))
    return out


def overlaps(page: Page, tolerance: float = 1.5) -> list[tuple[Line, Line]]:
    """Pairs of words whose boxes overlap by more than ``tolerance`` points both ways."""
    found = []
    lines = sorted(page.lines, key=lambda ln: ln.y0)
    for i, a in enumerate(lines):
        for b in lines[i + 1:]:
            if b.y0 > a.y1 - tolerance:
                break
            if min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance:
                found.append((a, b))
    return found


def missing_text(workbook: Path, printed: list[Page]) -> dict[str, str]:
    """Per sheet, the characters of its printed text cells that appear on none of its pages (text a row too
    low for it cuts off: LibreOffice prints only the lines that fit)."""
    import openpyxl
    from openpyxl.utils.cell import range_boundaries

    book = openpyxl.load_workbook(workbook)
    out = {}
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        area = ws.print_area
        area = area[0] if isinstance(area, list) else area
        bounds = range_boundaries(area.split(",")[0].split("!")[-1].replace("$", "")) if area else None
        wanted: Counter[str] = Counter()
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or cell.data_type == "f" \
                        or ws.column_dimensions[cell.column_letter].hidden:
                    continue
                if bounds and not (bounds[0] <= cell.column <= bounds[2] and bounds[1] <= cell.row <= bounds[3]):
                    continue
                wanted.update(ch for ch in unicodedata.normalize("NFKC", cell.value) if not ch.isspace())
        got = Counter(ch for p in printed if p.sheet == ws.title for w in p.lines
                      for ch in unicodedata.normalize("NFKC", w.text))
        lost = wanted - got
        if lost:
            out[ws.title] = "".join(sorted(lost.elements()))[:80]
    return out
