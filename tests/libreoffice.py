"""Recalculate workbooks with a real LibreOffice (headless) and read back what it computed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(files: list[Path], outdir: Path, profile: Path) -> list[Path]:
    """Open ``files`` in LibreOffice with recalculation on load forced, save them as .xlsx into ``outdir``.

    The private ``profile`` holds the setting; LibreOffice 7.4 keeps cached values of .xlsx files otherwise.
    """
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=600,
    )
    out = [outdir / f.name for f in files]
    missing = [p for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice 未输出：{missing}")
    return out
