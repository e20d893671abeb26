"""What a written .xlsx holds, read from its XML parts and independent of how it was assembled: every sheet's
cells (value or formula and cached result, and the full style each refers to, not its number), rows, columns,
merges, validations, highlights, comments, print setup, protection, charts; the workbook's sheet order, states
and defined names. Two workbooks with equal ``content`` show, compute and print the same."""

from __future__ import annotations

import posixpath
import re
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
#: Parts whose content is not compared: when the copy was written, and XlsxWriter's shared-string numbering.
VOLATILE = ("docProps/core.xml", "xl/sharedStrings.xml")


def content(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    book = ET.fromstring(parts["xl/workbook.xml"])
    rels = _rels(parts, "xl/workbook.xml")
    styles = _styles(parts["xl/styles.xml"])
    strings = [_text(si) for si in ET.fromstring(parts["xl/sharedStrings.xml"])] \
        if "xl/sharedStrings.xml" in parts else []
    out: dict[str, Any] = {
        "sheets": [(s.get("name"), s.get("state")) for s in book.find(f"{M}sheets")],
        "names": sorted((d.get("name"), d.get("localSheetId"), d.text) for d in book.iter(f"{M}definedName")),
        "workbook": [_canon(e) for e in book if e.tag not in (f"{M}sheets", f"{M}definedNames")],
    }
    for s in book.find(f"{M}sheets"):
        part = rels[s.get(f"{R}id")]
        out[f"sheet {s.get('name')}"] = _sheet(parts, part, styles, strings)
    used = {p for p in parts if p.startswith(("xl/worksheets/", "xl/comments", "xl/drawings/", "xl/charts/"))}
    out["other parts"] = {p: parts[p] for p in parts if p not in used and p not in VOLATILE
                          and p not in ("xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml")
                          and not p.startswith("xl/_rels/")}
    out["content types"] = sorted(re.findall(rb'<(?:Default|Override) [^>]*>', parts["[Content_Types].xml"]))
    return out


def _rels(parts: dict[str, bytes], part: str) -> dict[str, str]:
    folder, name = posixpath.split(part)
    path = posixpath.join(folder, "_rels", name + ".rels")
    if path not in parts:
        return {}
    return {r.get("Id"): posixpath.normpath(posixpath.join(folder, r.get("Target")))
            for r in ET.fromstring(parts[path]) if r.get("TargetMode") != "External"}


def _text(si: ET.Element) -> str:
    return "".join(t.text or "" for t in si.iter(f"{M}t"))


def _canon(e: ET.Element) -> str:
    return ET.tostring(e, encoding="unicode")


def _styles(xml: bytes) -> dict[str, list[Any]]:
    root = ET.fromstring(xml)
    formats = {n.get("numFmtId"): n.get("formatCode") for n in root.iter(f"{M}numFmt")}
    fonts = [_canon(f) for f in root.find(f"{M}fonts")]
    fills = [_canon(f) for f in root.find(f"{M}fills")]
    borders = [_canon(b) for b in root.find(f"{M}borders")]
    xfs = []
    for xf in root.find(f"{M}cellXfs"):
        n = xf.get("numFmtId", "0")
        xfs.append((formats.get(n, f"builtin {n}"), fonts[int(xf.get("fontId", 0))], fills[int(xf.get("fillId", 0))],
                    borders[int(xf.get("borderId", 0))], xf.get("quotePrefix"),
                    tuple(sorted(_canon(child) for child in xf))))
    dxfs = [_canon(d) for d in root.find(f"{M}dxfs")] if root.find(f"{M}dxfs") is not None else []
    return {"xfs": xfs, "dxfs": dxfs}


def _sheet(parts: dict[str, bytes], part: str, styles: dict[str, list[Any]], strings: list[str]) -> dict[str, Any]:
    root = ET.fromstring(parts[part])
    rels = _rels(parts, part)
    cells: dict[str, Any] = {}
    rows: dict[str, Any] = {}
    other = []
    for e in root:
        if e.tag == f"{M}sheetData":
            for row in e:
                rows[row.get("r")] = (row.get("ht"), row.get("customHeight"), row.get("hidden"), row.get("spans"))
                for c in row:
                    cells[c.get("r")] = _cell(c, styles, strings)
        elif e.tag == f"{M}conditionalFormatting":
            rules = [(r.get("type"), r.get("priority"), [f.text for f in r], styles["dxfs"][int(r.get("dxfId"))])
                     for r in e]
            other.append(("conditionalFormatting", e.get("sqref"), rules))
        elif e.tag in (f"{M}legacyDrawing", f"{M}drawing"):
            target = rels[e.get(f"{R}id")]
            other.append((e.tag, _drawing(parts, target)))
        else:
            other.append(_canon(e))
    comments = [parts[t] for t in rels.values() if posixpath.basename(t).startswith("comments")]
    return {"cells": cells, "rows": rows, "elements": other, "comments": comments}


def _drawing(parts: dict[str, bytes], target: str) -> list[Any]:
    """A drawing (VML comment boxes, or a chart's anchor) with the charts it refers to."""
    return [parts[target], *(parts[t] for t in _rels(parts, target).values() if t in parts)]


def _cell(c: ET.Element, styles: dict[str, list[Any]], strings: list[str]) -> tuple[Any, ...]:
    kind = c.get("t")
    f, v = c.find(f"{M}f"), c.find(f"{M}v")
    value = v.text if v is not None else None
    if kind == "s":
        kind, value = "text", strings[int(value)]
    elif kind == "inlineStr":
        kind, value = "text", _text(c.find(f"{M}is"))
    style = styles["xfs"][int(c.get("s", 0))]
    return (kind, value, f.text if f is not None else None, style)


def differences(a: dict[str, Any], b: dict[str, Any], limit: int = 5) -> list[str]:
    """The first ``limit`` places where two contents differ (empty when equal)."""
    found: list[str] = []

    def walk(x: Any, y: Any, where: str) -> None:
        if len(found) >= limit or x == y:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y), key=str):
                walk(x.get(k), y.get(k), f"{where}/{k}")
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (p, q) in enumerate(zip(x, y)):
                walk(p, q, f"{where}[{i}]")
        else:
            found.append(f"{where}: {str(x)[:300]} ≠ {str(y)[:300]}")

    walk(a, b, "")
    return found
