"""Hostile package shapes built from a generated workbook (never downloaded): each ``shape(good, dst, n)`` writes a
copy of ``good`` with ``n`` of something that once cost perftool unbounded time or memory, or misled it."""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from pathlib import Path

from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from perftool.synthetic import random_inputs

TABLES = ["gk01", "fj1", "fj2", "pj"]  # 附件1 is the second sheet (FJ1)
FJ1 = "xl/worksheets/sheet2.xml"  # 附件1, the second sheet of the workbooks built with TABLES
SST, BOOK, RELS = "xl/sharedStrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"


def good_workbook(folder: Path) -> Path:
    """The well-formed workbook every shape starts from: TABLES with random figures (seed 5)."""
    plan = plan_workbook(2024, "测试单位", "900001", TABLES)
    path = folder / "good.xlsx"
    render(plan, {**plan.default_inputs(), **random_inputs(plan, 5)}, path)
    return path


def rezip(src: Path, dst: Path, change: dict[str, bytes | None] | None = None, add: dict[str, bytes] | None = None,
          compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Copy the package ``src`` to ``dst`` with parts replaced (None removes them) or added (even twice)."""
    change = change or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name, which is the point of one shape
        for info in zin.infolist():
            data = change.get(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def _edit(good: Path, dst: Path, name: str, old: str, new: str, count: int = 1) -> Path:
    text = part(good, name)
    assert old in text, (name, old)
    return rezip(good, dst, {name: text.replace(old, new, count).encode()})


def many_runs(good: Path, dst: Path, n: int) -> Path:
    """One shared string of ``n`` rich-text runs, with a phonetic run (once quadratic)."""
    runs = "".join(f"<r><t>{i % 10}</t></r>" for i in range(n))
    return _edit(good, dst, SST, "</sst>", f"<si>{runs}<rPh sb=\"0\" eb=\"1\"><t>yomi</t></rPh></si></sst>")


def identity_rows(good: Path, dst: Path, n: int) -> Path:
    """An identity edited to claim ``n`` rows of 专项资金 (once laid out before any check)."""
    return _edit(good, dst, SST, '"fj1.special": 30', f'"fj1.special": {n}')


def long_formula(good: Path, dst: Path, n: int) -> Path:
    """A formula of ``n`` opening brackets (once made the external-reference regex backtrack)."""
    text = part(good, FJ1)
    return rezip(good, dst, {FJ1: re.sub(r"<f>[^<]*</f>", "<f>" + "[" * n + "</f>", text, count=1).encode()})


def repeated_rows(good: Path, dst: Path, n: int) -> Path:
    """``n`` repeated ``<row r="5"/>``."""
    return _edit(good, dst, FJ1, "</sheetData>", '<row r="5"/>' * n + "</sheetData>")


def hyperlinks(good: Path, dst: Path, n: int) -> Path:
    links = "".join(f'<hyperlink ref="B{i % 50000 + 1}" display="{i}"/>' for i in range(n))
    return _edit(good, dst, FJ1, "</sheetData>", f"</sheetData><hyperlinks>{links}</hyperlinks>")


def empty_elements(good: Path, dst: Path, n: int) -> Path:
    """``n`` empty elements inside extLst (once all kept in memory)."""
    return _edit(good, dst, FJ1, "</worksheet>", "<extLst>" + "<x/>" * n + "</extLst></worksheet>")


def merges(good: Path, dst: Path, n: int) -> Path:
    cells = "".join(f'<mergeCell ref="H{i + 1}:I{i + 1}"/>' for i in range(n))
    return _edit(good, dst, FJ1, "</sheetData>", f'</sheetData><mergeCells count="{n}">{cells}</mergeCells>')


def defined_names(good: Path, dst: Path, n: int) -> Path:
    names = "".join(f'<definedName name="n{i}">附件1!$A${i % 1000 + 1}</definedName>' for i in range(n))
    return _edit(good, dst, BOOK, "<definedNames>", "<definedNames>" + names)


def shared_strings(good: Path, dst: Path, n: int) -> Path:
    return _edit(good, dst, SST, "</sst>", "".join(f"<si><t>{i}</t></si>" for i in range(n)) + "</sst>")


def huge_string(good: Path, dst: Path, n: int) -> Path:
    """One shared string of ``n`` characters used by every numeric input cell of 附件1."""
    sst = part(good, SST)
    index = sst.count("<si>")
    sst = sst.replace("</sst>", f"<si><t>{os.urandom(n // 2 + 1).hex()[:n]}</t></si></sst>")
    sheet = re.sub(r'<c r="([A-Z]+\d+)"( s="\d+")?><v>[^<]*</v></c>', rf'<c r="\1"\2 t="s"><v>{index}</v></c>',
                   part(good, FJ1))
    return rezip(good, dst, {SST: sst.encode(), FJ1: sheet.encode()})


def outside_calls(good: Path, dst: Path, n: int = 1) -> Path:
    """DDE and WEBSERVICE in defined names, and a DDE formula in a cell far outside the tables."""
    names = ('<definedName name="网页">WEBSERVICE("http://example.com/x")</definedName>'
             "<definedName name=\"命令\">cmd|'/c calc'!A0</definedName>")
    far = "".join(f"<row r=\"{900000 + i}\"><c r=\"A{900000 + i}\"><f>cmd|'/c calc'!A0</f></c></row>" for i in range(n))
    return rezip(good, dst, {BOOK: part(good, BOOK).replace("<definedNames>", "<definedNames>" + names).encode(),
                             FJ1: part(good, FJ1).replace("</sheetData>", far + "</sheetData>").encode()})


def negative_index(good: Path, dst: Path, n: int = -1) -> Path:
    """A shared-string cell whose index is ``n`` (−1 once read the last string)."""
    text = part(good, FJ1)
    return rezip(good, dst, {FJ1: re.sub(r'(t="s"><v>)\d+(</v>)', rf"\g<1>{n}\2", text, count=1).encode()})


def duplicate_part(good: Path, dst: Path, n: int = 1) -> Path:
    """附件1 twice in the zip: other readers take the first, perftool once took the second."""
    return rezip(good, dst, add={FJ1: part(good, FJ1).replace("<v>", "<v>9").encode()})


def opc_names(good: Path, dst: Path, n: int = 1) -> Path:
    """Legal OPC spellings: ``./xl/workbook.xml`` and a percent-encoded part name (``sheet%202.xml``)."""
    with zipfile.ZipFile(good) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b'Target="xl/workbook.xml"', b'Target="./xl/workbook.xml"')
    parts[RELS] = parts[RELS].replace(b'Target="worksheets/sheet2.xml"', b'Target="worksheets/sheet%202.xml"')
    parts["xl/worksheets/sheet 2.xml"] = parts.pop(FJ1)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return dst


#: Every shape by name (the fuzz run builds them at random sizes).
SHAPES = {
    "many_runs": many_runs, "identity_rows": identity_rows, "long_formula": long_formula,
    "repeated_rows": repeated_rows, "hyperlinks": hyperlinks, "empty_elements": empty_elements, "merges": merges,
    "defined_names": defined_names, "shared_strings": shared_strings, "huge_string": huge_string,
    "outside_calls": outside_calls, "negative_index": negative_index, "duplicate_part": duplicate_part,
    "opc_names": opc_names,
}
