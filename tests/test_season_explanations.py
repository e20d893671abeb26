"""The season's explanation leg (issue 14): a unit keeps its 提示 and explains them in the annotated copy it was
sent, another explains its errors instead of fixing them. Both send the copy back as it is, after an office
program (LibreOffice here) has saved it.

Roster of 6. Wave 1: 甲局 with errors, 乙局 with warnings, 丙局 and 丁局 clean → 退回修改 ×2, 已通过 ×2, 未报送 ×2.
Wave 2: 乙局's copy with a 说明 against each 提示 → 已通过 (its figures unchanged: the 提示 stay, explained); 甲局's
copy with a 说明 against each error → still 退回修改 (an explanation never clears an error). Wave 3: 甲局 fixes its
figures → 已通过 ×4; 戊局 and 己局 never report. The 汇总 of the four accepted units adds them up.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from libreoffice import recalculate, soffice
from perftool.audit.findings import ERROR as MUST_FIX, SEVERITY_ZH, WARNING as HINT
from perftool.identity import FINDINGS_SHEET
from test_season import WAVE2, by_unit, cli, first_wave, season_of, submit

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice 未安装（make test 会自动安装）")
WAVE3 = WAVE2 + 7 * 86_400
REASON = "尾数差异系公开04、公开05分别按元取整所致，已与账面核对一致。"
EXCUSE = "公开04按类填列时含上年结转，属实。"


def explain(copy: Path, target: Path, text: str, severity: str) -> list[str]:
    """What the unit does in its office program: a 说明 against every finding of ``severity``; the ids explained
    (``severity`` as the 级别 column shows it)."""
    book = openpyxl.load_workbook(copy)
    ws = book[FINDINGS_SHEET]
    header = {c.value: c.column for c in ws[3]}
    explained = []
    for r in range(4, ws.max_row + 1):
        if ws.cell(r, header["级别"]).value == severity:
            ws.cell(r, header["说明"]).value = text
            explained.append(ws.cell(r, header["审核编号"]).value)
    book.save(target)
    return explained


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    root = tmp_path_factory.mktemp("season_explained")
    roster, inbox, out, _ = first_wave(root)
    first = season_of(out)
    copies = {unit: next((out / "批注").glob(f"*{unit}*_审核.xlsx")) for unit in ("甲局", "乙局")}
    edited = root / "单位修改"
    edited.mkdir()
    ids = {"乙局": explain(copies["乙局"], edited / "102_乙局_2024_说明.xlsx", REASON, SEVERITY_ZH[HINT]),
           "甲局": explain(copies["甲局"], edited / "101_甲局_2024_说明.xlsx", EXCUSE, SEVERITY_ZH[MUST_FIX])}
    for saved in recalculate(sorted(edited.iterdir()), root / "另存", root / "profile"):
        target = inbox / saved.name
        shutil.copy(saved, target)
        os.utime(target, (WAVE2, WAVE2))
    cli("batch", str(inbox), "-o", str(out), "--units", str(roster), "--jobs", "2")
    second = season_of(out)
    results = {u["unit"]: json.loads((out / u["result"]).read_text(encoding="utf-8"))
               for u in second["units"] if u["unit"] in ("甲局", "乙局")}
    submit(root, "101", "clean", inbox, "101_甲局_2024_修改.xlsx", WAVE3)
    cli("batch", str(inbox), "-o", str(out), "--units", str(roster), "--jobs", "2")
    return {"root": root, "out": out, "first": first, "second": second, "third": season_of(out), "ids": ids,
            "results": results}


def test_wave_one_returns_the_units_with_errors_and_with_warnings(season):
    assert season["first"]["counts"] == {"已通过": 2, "退回修改": 2, "无法读取": 0, "未报送": 2}
    assert len(season["ids"]["乙局"]) == 2 and len(season["ids"]["甲局"]) == 2


def test_explained_warnings_pass_and_their_text_is_in_the_json(season):
    units = by_unit(season["second"])
    assert (units["乙局"]["status"], units["乙局"]["warnings"], units["乙局"]["explained"]) == ("已通过", 2, 2)
    assert units["乙局"]["file"] == "102_乙局_2024_说明.xlsx"
    doc = season["results"]["乙局"]
    assert {f["id"]: (f["severity"], f["explanation"], f["explanation_changed"]) for f in doc["findings"]} == {
        fid: ("warning", REASON, False) for fid in season["ids"]["乙局"]}
    assert (doc["explained"], doc["unexplained"]) == (2, 0)


def test_an_explained_error_stays_an_error_and_the_unit_stays_returned(season):
    units = by_unit(season["second"])
    assert (units["甲局"]["status"], units["甲局"]["errors"]) == ("退回修改", 2)
    assert units["甲局"]["reason"] == "有错误 2 条，须修改后重新报送"
    doc = season["results"]["甲局"]
    errors = {f["id"]: f["explanation"] for f in doc["findings"] if f["severity"] == "error"}
    assert errors == {fid: EXCUSE for fid in season["ids"]["甲局"]}
    assert doc["valid"] is False
    assert season["second"]["counts"] == {"已通过": 3, "退回修改": 1, "无法读取": 0, "未报送": 2}


def test_wave_three_the_fixed_unit_passes_and_two_never_report(season):
    third = season["third"]
    assert third["counts"] == {"已通过": 4, "退回修改": 0, "无法读取": 0, "未报送": 2}
    units = by_unit(third)
    assert (units["甲局"]["file"], units["甲局"]["errors"]) == ("101_甲局_2024_修改.xlsx", 0)
    assert [u["unit"] for u in third["units"] if u["status"] == "未报送"] == ["戊局", "己局"]
    assert {h["file"] for h in third["history"]} >= {"101_甲局_2024.xlsx", "101_甲局_2024_说明.xlsx",
                                                       "102_乙局_2024.xlsx"}
    rows = json.loads((season["out"] / "汇总.json").read_text(encoding="utf-8"))["rows"]
    assert [f for r in rows for f in r["flags"] if f.startswith("重复报送")] == []  # superseded, not duplicates
    assert len(rows) == 7  # four current files and three superseded ones
