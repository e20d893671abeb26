"""A reporting season (issue 14): a roster of 6 units, templates issued with ``generate --units``, filled with
``perftool fill`` from the consistent national submission (tests/consistent.py), received in waves.

Wave 1: 甲局 with errors (公开04 by 类 against 公开05 broken by 50.00), 乙局 with warnings (the same broken by 0.01),
丙局 and 丁局 clean → 退回修改 ×2, 已通过 ×2, 未报送 ×2. Wave 2, files added to the same inbox: 甲局 fixed, 乙局
twice (a first copy still with its warnings, a later one fixed), a broken file named for 戊局, and 庚局 (not on the
roster) → 已通过 ×4, 无法读取 1, 未报送 1 (己局 never reports), 未列入名单 1; the superseded files' outputs in 历史/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from consistent import national_inputs
from perftool.batch.row import Row
from perftool.cli import main
from perftool.errors import UsageError
from perftool.season.roster import RETURNED, PASSED, Roster, load_roster, verdict
from perftool.season.waves import Submission, _picture

UNITS = (("甲局", "101"), ("乙局", "102"), ("丙局", "103"), ("丁局", "104"), ("戊局", "105"), ("己局", "106"))
WAVE1, WAVE2 = 1_736_470_800, 1_737_075_600  # 2025-01-10 and 2025-01-17, 09:00 (file modification times)
WARNING = {"gk04.exp_208_gp": 80.01, "gk04.exp_201_gp": 449.99}   # 公开04 by 类 ≠ 公开05 by 0.01: 2 × 尾数 (提示)
ERROR = {"gk04.exp_208_gp": 130.0, "gk04.exp_201_gp": 400.0}      # … by 50.00: 2 × identity-mismatch (错误)


def cli(*args: str, codes: tuple[int, ...] = (0, 1)) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in codes and isinstance(result.exception, (SystemExit, type(None))), \
        (result.output, result.exception)
    return result.output


def data_file(path: Path, changes: dict[str, Any]) -> Path:
    """The consistent submission with ``changes``, as a data file (inputs only; repeat rows as lists)."""
    tables: dict[str, Any] = {}
    for key, value in {**national_inputs(), **changes}.items():
        tid, rest = key.split(".", 1)
        row = re.fullmatch(r"(\w+)\[(\d+)\]\.(\w+)", rest)
        if row:
            rows = tables.setdefault(tid, {}).setdefault(row[1], [])
            rows.extend({} for _ in range(int(row[2]) + 1 - len(rows)))
            rows[int(row[2])][row[3]] = value
        else:
            tables.setdefault(tid, {})[rest] = value
    path.write_text(yaml.safe_dump({"tables": tables}, allow_unicode=True), encoding="utf-8")
    return path


def submit(root: Path, code: str, kind: str, inbox: Path, name: str, mtime: int) -> Path:
    """The unit's issued template filled with the clean, warning or error data, sent as ``name``."""
    template = next((root / "表样").glob(f"{code}_*.xlsx"))
    target = inbox / name
    cli("fill", str(template), str(root / f"{kind}.yaml"), "-o", str(target))
    os.utime(target, (mtime, mtime))
    return target


def season_of(out: Path) -> dict[str, Any]:
    return json.loads((out / "汇总.json").read_text(encoding="utf-8"))["season"]


def by_unit(season: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["unit"]: u for u in season["units"]}


def first_wave(root: Path) -> tuple[Path, Path, Path, str]:
    """The roster's templates issued, the clean/warning/error data files written, wave 1 received and run: the
    roster, inbox and output folder, and what the batch printed."""
    roster = root / "单位清单.csv"
    roster.write_text("单位名称,单位编码\n" + "".join(f"{n},{c}\n" for n, c in UNITS), encoding="utf-8")
    cli("generate", "--year", "2024", "--set", "juesuan", "--units", str(roster), "-o", str(root / "表样"))
    for kind, changes in (("clean", {}), ("warning", WARNING), ("error", ERROR)):
        data_file(root / f"{kind}.yaml", changes)
    inbox, out = root / "收件", root / "审核结果"
    inbox.mkdir()
    for code, kind in (("101", "error"), ("102", "warning"), ("103", "clean"), ("104", "clean")):
        submit(root, code, kind, inbox, next((root / "表样").glob(f"{code}_*.xlsx")).name, WAVE1)
    return roster, inbox, out, cli("batch", str(inbox), "-o", str(out), "--units", str(roster), "--jobs", "2")


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    root = tmp_path_factory.mktemp("season")
    roster, inbox, out, wave1 = first_wave(root)
    first = season_of(out)
    shutil.copy(out / "汇总表.xlsx", root / "第一批汇总表.xlsx")
    annotated1 = sorted(p.name for p in (out / "批注").iterdir())
    shutil.copytree(out, root / "第一批输出", symlinks=True)  # wave 2 is run into copies of it and interrupted
    submit(root, "101", "clean", inbox, "101_甲局_2024_修改.xlsx", WAVE2)
    submit(root, "102", "warning", inbox, "102_乙局_2024_第一次修改.xlsx", WAVE2 + 60)
    submit(root, "102", "clean", inbox, "102_乙局_2024_第二次修改.xlsx", WAVE2 + 120)
    (inbox / "105_戊局_2024.xlsx").write_bytes(b"PK\x03\x04 truncated")
    os.utime(inbox / "105_戊局_2024.xlsx", (WAVE2, WAVE2))
    (inbox / "扫描件.xlsx").write_bytes(b"%PDF-1.4 not a workbook")               # no unit can be told from it
    cli("generate", "--year", "2024", "--set", "juesuan", "--unit", "庚局", "--unit-code", "999",
        "-o", str(root / "庚局表样.xlsx"))
    cli("fill", str(root / "庚局表样.xlsx"), str(root / "clean.yaml"), "-o", str(inbox / "庚局.xlsx"))
    wave2 = cli("batch", str(inbox), "-o", str(out), "--units", str(roster), "--jobs", "2", codes=(2,))
    return {"root": root, "roster": roster, "inbox": inbox, "out": out, "wave1": wave1, "first": first,
            "annotated1": annotated1, "wave2": wave2, "second": season_of(out)}


def test_wave_one_statuses_on_the_console_and_in_the_json(season):
    assert "第 1 批后：名单 6 个单位，已通过 2，退回修改 2，无法读取 0，未报送 2；未列入名单 0 份" in season["wave1"]
    first = season["first"]
    assert (first["wave"], first["counts"], first["unlisted"]) == (
        1, {"已通过": 2, "退回修改": 2, "无法读取": 0, "未报送": 2}, 0)
    units = by_unit(first)
    assert [(u["unit"], u["status"], u["match"], u["errors"], u["warnings"], u["explained"])
            for u in first["units"]] == [
        ("甲局", "退回修改", "按单位编码", 2, 0, 0), ("乙局", "退回修改", "按单位编码", 0, 2, 0),
        ("丙局", "已通过", "按单位编码", 0, 0, 0), ("丁局", "已通过", "按单位编码", 0, 0, 0),
        ("戊局", "未报送", "", 0, 0, 0), ("己局", "未报送", "", 0, 0, 0)]
    assert units["甲局"]["reason"] == "有错误 2 条，须修改后重新报送"
    assert units["乙局"]["reason"] == "提示 2 条未说明，须修改或在“审核结果”表中说明"
    assert (units["甲局"]["file"], units["甲局"]["wave"], units["甲局"]["time"]) == ("101_甲局_2024.xlsx", 1,
                                                                                 _local(WAVE1))
    assert first["history"] == []


def _local(timestamp: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def test_wave_one_summary_workbook_has_a_status_column_and_a_row_per_missing_unit(season):
    sheet = openpyxl.load_workbook(season["root"] / "第一批汇总表.xlsx")["汇总表"]
    header = [c.value for c in sheet[3]]
    col = {h: i for i, h in enumerate(header)}
    lines = [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=9)]
    status = {line[col["单位名称"]]: line[col["状态"]] for line in lines}
    assert status == {"甲局": "退回修改", "乙局": "退回修改", "丙局": "已通过", "丁局": "已通过", "戊局": "未报送", "己局": "未报送"}
    missing = next(line for line in lines if line[col["单位名称"]] == "戊局")
    assert (missing[col["单位编码"]], missing[col["错误"]], missing[col["报送文件"]]) == ("105", None, "")
    caption = sheet.cell(2, 1).value
    assert caption.startswith("第 1 批后：名单 6 个单位，已通过 2，退回修改 2，无法读取 0，未报送 2；未列入名单 0 份。共 4 份")
    warned = next(line for line in lines if line[col["单位名称"]] == "乙局")
    assert (warned[col["提示"]], warned[col["已说明"]]) == (2, 0)
    assert warned[col["说明"]] == "按单位编码核对；提示 2 条未说明，须修改或在“审核结果”表中说明"


def test_wave_two_supersedes_and_keeps_the_earlier_submissions(season):
    second, out = season["second"], season["out"]
    assert ("第 2 批后：名单 6 个单位，已通过 4，退回修改 0，无法读取 1，未报送 1；未列入名单 1 份；"
            "无法读取且无法识别单位的文件 1 份；早先报送 3 份已移入 历史/") in season["wave2"]
    assert (second["wave"], second["counts"], second["unlisted"], second["unidentified"]) == (
        2, {"已通过": 4, "退回修改": 0, "无法读取": 1, "未报送": 1}, 1, 1)
    units = by_unit(second)
    assert (units["甲局"]["status"], units["甲局"]["file"], units["甲局"]["wave"]) == ("已通过", "101_甲局_2024_修改.xlsx", 2)
    assert (units["乙局"]["status"], units["乙局"]["file"]) == ("已通过", "102_乙局_2024_第二次修改.xlsx")
    assert (units["丙局"]["status"], units["丙局"]["wave"]) == ("已通过", 1)          # nothing new: wave 1 stands
    assert (units["戊局"]["status"], units["戊局"]["match"]) == ("无法读取", "按文件名")
    assert "文件已损坏或不完整" in units["戊局"]["reason"]
    assert units["己局"]["status"] == "未报送"
    other, unknown = second["others"]
    assert (unknown["unit"], unknown["file"], unknown["status"], unknown["note"]) == (
        "", "扫描件.xlsx", "无法读取", "无法识别报送单位")
    assert (other["unit"], other["unit_code"], other["status"], other["errors"], other["warnings"]) == (
        "庚局", "999", "未列入名单", 0, 0)
    assert other["note"] == "不在单位清单中（照常审核评分）" and (out / other["result"]).is_file()   # still scored
    history = {(h["unit"], h["file"]): h for h in second["history"]}
    assert set(history) == {("甲局", "101_甲局_2024.xlsx"), ("乙局", "102_乙局_2024.xlsx"),
                            ("乙局", "102_乙局_2024_第一次修改.xlsx")}
    assert history["甲局", "101_甲局_2024.xlsx"]["reason"] == \
        "已被第 2 批的 101_甲局_2024_修改.xlsx 取代（修改时间更晚）"
    assert history["乙局", "102_乙局_2024_第一次修改.xlsx"]["reason"] == \
        "同一批（第 2 批）中另有该单位的 102_乙局_2024_第二次修改.xlsx（修改时间更晚），以后者为准"
    assert (history["甲局", "101_甲局_2024.xlsx"]["errors"], history["甲局", "101_甲局_2024.xlsx"]["wave"]) == (2, 1)
    for h in history.values():
        assert h["annotated"].startswith("历史/批注/") and (out / h["annotated"]).is_file()
        assert h["result"].startswith("历史/结果/") and (out / h["result"]).is_file()
        assert not (out / h["annotated"].removeprefix("历史/")).exists()
    moved = {Path(h["annotated"]).name for h in history.values()}
    assert moved < set(season["annotated1"]) | {p.name for p in (out / "历史" / "批注").iterdir()}
    current = {p.name for p in (out / "批注").iterdir()}
    assert not moved & current and len(current) == 5                     # 甲 乙 丙 丁 庚 (戊 unreadable)


def test_wave_two_summary_workbook_lists_the_superseded_files(season):
    sheet = openpyxl.load_workbook(season["out"] / "汇总表.xlsx")["汇总表"]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "已被取代的报送（批注副本和结果已移入 历史/）" in texts
    assert "101_甲局_2024.xlsx（甲局，第 1 批）：已被第 2 批的 101_甲局_2024_修改.xlsx 取代（修改时间更晚）" in texts
    col = {c.value: c.column for c in sheet[3]}
    status = {sheet.cell(r, col["单位名称"]).value: sheet.cell(r, col["状态"]).value for r in range(4, 12)}
    assert status == {"甲局": "已通过", "乙局": "已通过", "丙局": "已通过", "丁局": "已通过", "庚局": "未列入名单",
                      "戊局": "无法读取", None: "无法读取", "己局": "未报送"}


def test_consolidate_takes_the_passed_units_current_submissions(season):
    out, root = season["out"], season["root"]
    output = cli("consolidate", str(out), "-o", str(root / "汇总.xlsx"), "--name", "全市汇总")
    assert "已汇总 4 个单位" in output and "汇总表审核：错误 0 条" in output
    assert "未汇总：戊局：无法读取，未汇总" in output and "未汇总：庚局：未列入名单，未汇总" in output
    assert "未汇总：扫描件.xlsx：无法读取，未汇总" in output
    from perftool.assess import assess

    total = assess(root / "汇总.xlsx")
    assert total.plan.members == ("甲局（101）", "乙局（102）", "丙局（103）", "丁局（104）")
    assert total.as_filed["gk04.exp_201_gp"] == pytest.approx(4 * 450.0)     # the fixed submissions, not the first
    assert total.as_filed["gk04.exp_208_gp"] == pytest.approx(4 * 80.0)


def picture(s: dict[str, Any]) -> Any:
    """A season's statuses, files and history, without the inboxes' paths and the waves' times."""
    return ([{k: v for k, v in u.items() if k != "inbox"} for u in s["units"] + s["others"]],
            sorted((h["file"], h["reason"], h["annotated"], h["result"]) for h in s["history"]), s["counts"])


def test_a_wave_two_interrupted_between_two_moves_reruns_to_the_same_picture(season, monkeypatch, tmp_path):
    copy, inbox, roster = tmp_path / "审核结果", season["inbox"], season["roster"]
    shutil.copytree(season["root"] / "第一批输出", copy, symlinks=True)
    real, calls = os.replace, []

    def dies_on_the_second_move(src, dst):
        calls.extend([dst] if "历史" in str(dst) else [])
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed between two moves: one output in 历史/, the ledger not yet written
        real(src, dst)

    monkeypatch.setattr(os, "replace", dies_on_the_second_move)
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(copy), "--units", str(roster), "--jobs", "1"])
    assert result.exit_code == 1 and "已中止" in result.output and len(calls) == 2  # Ctrl-C
    assert json.loads((copy / "报送记录.json").read_text(encoding="utf-8"))["waves"][-1]["wave"] == 1
    monkeypatch.setattr(os, "replace", real)
    output = cli("batch", str(inbox), "-o", str(copy), "--units", str(roster), "--jobs", "1", codes=(2,))
    assert "第 2 批后：名单 6 个单位，已通过 4，退回修改 0，无法读取 1，未报送 1；未列入名单 1 份" in output
    assert picture(season_of(copy)) == picture(season["second"])
    assert sorted(p.name for p in (copy / "历史" / "批注").iterdir()) == \
        sorted(p.name for p in (season["out"] / "历史" / "批注").iterdir())


def test_a_wave_two_killed_while_scoring_reruns_to_the_same_picture(season, tmp_path):
    copy, inbox, roster = tmp_path / "审核结果", season["inbox"], season["roster"]
    shutil.copytree(season["root"] / "第一批输出", copy, symlinks=True)
    command = [str(Path(sys.executable).parent / "perftool"), "batch", str(inbox), "-o", str(copy),
               "--units", str(roster), "--jobs", "1"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    journal, deadline = copy / ".汇总.journal", time.monotonic() + 60
    while time.monotonic() < deadline and (not journal.exists() or journal.read_text(encoding="utf-8").count("\n") < 3):
        assert run.poll() is None, "the batch ended before it could be killed"
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # the batch and its worker, two new files scored
    run.wait()
    checkpoint = json.loads((copy / "汇总.json").read_text(encoding="utf-8"))   # rows so far, marked incomplete
    assert checkpoint["complete"] is False and "season" not in checkpoint
    assert json.loads((copy / "报送记录.json").read_text(encoding="utf-8"))["waves"][-1]["wave"] == 1
    assert (copy / "汇总表.xlsx").is_file()                                       # wave 1's, until the re-run
    output = cli("batch", str(inbox), "-o", str(copy), "--units", str(roster), "--jobs", "1", codes=(2,))
    assert "第 2 批后：名单 6 个单位，已通过 4，退回修改 0，无法读取 1，未报送 1；未列入名单 1 份" in output
    assert picture(season_of(copy)) == picture(season["second"])


def test_a_third_wave_from_another_inbox_keeps_the_others_current(season, tmp_path):
    out = tmp_path / "审核结果"
    shutil.copytree(season["out"], out, symlinks=True)
    inbox = tmp_path / "第三批"
    inbox.mkdir()
    submit(season["root"], "106", "clean", inbox, "己局.xlsx", WAVE2 + 86400)
    output = cli("batch", str(inbox), "-o", str(out), "--units", str(season["roster"]), "--jobs", "1", codes=(2,))
    assert "第 3 批后：名单 6 个单位，已通过 5，退回修改 0，无法读取 1，未报送 0；未列入名单 1 份" in output
    units = by_unit(season_of(out))
    assert (units["己局"]["status"], units["己局"]["wave"], units["己局"]["inbox"]) == ("已通过", 3, str(inbox.resolve()))
    assert (units["甲局"]["file"], units["甲局"]["wave"]) == ("101_甲局_2024_修改.xlsx", 2)
    again = cli("batch", str(inbox), "-o", str(out), "--units", str(season["roster"]), "--jobs", "1", codes=(2,))
    assert "第 3 批后" in again                                    # nothing new: no new wave


def test_a_season_output_needs_its_roster(season, tmp_path):
    out = tmp_path / "审核结果"
    shutil.copytree(season["out"], out, symlinks=True)
    output = cli("batch", str(season["inbox"]), "-o", str(out), codes=(2,))
    assert "按单位清单分批收取报送" in output and "--units" in output


@pytest.mark.parametrize("text, message", [
    ("单位名称,单位编码\n甲局,101\n乙局,101\n", "第 3 行：单位编码 101 与第 2 行重复，请核对后只保留一行"),
    ("名称,编号\n甲局,101\n", "第 1 行须有列名“单位名称”和“单位编码”，实际为：名称、编号"),
    ("单位名称,单位编码\n甲局,101\n乙局,\n", "第 3 行：乙局 的单位编码为空"),
    ("单位名称,单位编码\n甲局,101\n甲局,102\n", "第 3 行：单位名称“甲局”与第 2 行重复"),
    ("单位名称,单位编码\n", "没有单位数据"),
])
def test_a_bad_roster_is_refused_in_chinese_before_anything_is_scored(season, tmp_path, text, message):
    roster = tmp_path / "单位清单.csv"
    roster.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(season["inbox"]), "-o", str(tmp_path / "out"),
                                       "--units", str(roster)])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "out" / "汇总.json").exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_a_roster_saved_by_excel_with_a_bom_or_in_gbk_reads_the_same(tmp_path, encoding):
    path = tmp_path / "单位清单.csv"
    path.write_bytes("单位名称,单位编码,统一社会信用代码\r\n甲局,101,11430600MB1234567X\r\n乙局,102,\r\n".encode(encoding))
    roster = load_roster(path)
    assert [(u.name, u.code) for u in roster.units] == [("甲局", "101"), ("乙局", "102")]
    found = roster.match(Row("x.xlsx", "已评分", unit="甲局（本级）", unit_code="11430600mb1234567x"))
    assert (found.unit.code, found.how, found.note) == ("101", "按单位编码", "表内单位名称“甲局（本级）”与清单“甲局”不同")
    found = roster.match(Row("x.xlsx", "已评分", unit="乙局", unit_code=""))
    assert (found.unit.code, found.how, found.note) == ("102", "按单位名称", "表内未填单位编码")
    assert roster.match(Row("x.xlsx", "已评分", unit="丙局", unit_code="103")).unit is None


def test_a_unit_name_twice_in_one_gbk_roster_names_its_line(tmp_path):
    path = tmp_path / "单位清单.csv"
    path.write_bytes("单位名称,单位编码\n甲局,101\n甲局,102\n".encode("gbk"))
    with pytest.raises(UsageError, match="第 3 行：单位名称“甲局”与第 2 行重复"):
        load_roster(path)


def _roster(tmp_path: Path) -> Roster:
    path = tmp_path / "单位清单.csv"
    path.write_text("单位名称,单位编码\n甲局,101\n", encoding="utf-8")
    return load_roster(path)


def test_two_files_of_one_time_the_later_name_wins_and_the_other_is_listed(tmp_path):
    rows = [Submission(f"/收件/{n}|1|1", "/收件", n, WAVE1, 1, Row(n, "已评分", unit="甲局", unit_code="101"))
            for n in ("甲局_b.xlsx", "甲局_a.xlsx")]
    season = _picture(_roster(tmp_path), rows, [{"wave": 1}], tmp_path)
    [unit] = season.units
    assert (unit.status, unit.current.file) == (PASSED, "甲局_b.xlsx")
    assert [(s.file, why) for s, why in unit.earlier] == [
        ("甲局_a.xlsx", "同一批（第 1 批）中另有该单位的 甲局_b.xlsx（修改时间相同、文件名在后），以后者为准")]


def _result(tmp_path: Path, findings: list[dict[str, Any]]) -> Row:
    (tmp_path / "r.json").write_text(json.dumps({"findings": findings}, ensure_ascii=False), encoding="utf-8")
    errors = sum(1 for f in findings if f["severity"] == "error")
    return Row("x.xlsx", "已评分", errors=errors, warnings=len(findings) - errors, result="r.json")


def test_explained_warnings_pass_a_changed_or_blank_explanation_does_not_and_an_error_never(tmp_path):
    """The contract with the explanations (x14): ``explanation`` and ``explanation_changed`` on each finding."""
    warn = {"code": "rounding-difference", "severity": "warning"}
    ok = verdict(_result(tmp_path, [{**warn, "explanation": "万元取整尾数", "explanation_changed": False}]), tmp_path)
    assert (ok.status, ok.warnings, ok.explained) == (PASSED, 1, 1)
    changed = verdict(_result(tmp_path, [{**warn, "explanation": "万元取整尾数", "explanation_changed": True}]), tmp_path)
    assert (changed.status, changed.explained, changed.reason) == (RETURNED, 0, "提示 1 条未说明，须修改或在“审核结果”表中说明")
    blank = verdict(_result(tmp_path, [{**warn, "explanation": "  ", "explanation_changed": False}]), tmp_path)
    assert (blank.status, blank.explained) == (RETURNED, 0)
    error = verdict(_result(tmp_path, [{"code": "identity-mismatch", "severity": "error", "explanation": "已核实"}]),
                    tmp_path)
    assert (error.status, error.errors, error.reason) == (RETURNED, 1, "有错误 1 条，须修改后重新报送")


def test_last_years_figures_are_read_from_the_current_submissions_not_the_history(season):
    """``batch --previous`` over a season's output: 历史/ holds superseded results, never last year's figures."""
    from perftool.audit.previous import load_reported, unit_key

    found = load_reported(season["out"])
    current = {u["unit_code"]: Path(u["result"]).name for u in season["second"]["units"] if u["result"]}
    assert {code: found[unit_key("", code), 2024].source for code in ("101", "102")} == \
        {code: current[code] for code in ("101", "102")}


def test_consolidate_with_the_roster_names_each_unit_left_out_once(season):
    out, root = season["out"], season["root"]
    output = cli("consolidate", str(out), "-o", str(root / "名单汇总.xlsx"), "--units", str(season["roster"]))
    assert "已汇总 4 个单位" in output
    left = [line for line in output.splitlines() if line.startswith("  未汇总：")]
    assert left == ["  未汇总：戊局：无法读取，未汇总", "  未汇总：己局：未报送，未汇总", "  未汇总：庚局：未列入名单，未汇总",
                    "  未汇总：扫描件.xlsx：无法读取，未汇总"]
