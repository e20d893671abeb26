"""A batch over the bundled examples plus broken files: one annotated workbook each, a 无法读取 row per broken one."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import hostile
from perftool.batch import run as batch
from perftool.cli import main
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from perftool.synthetic import random_inputs


def test_batch_over_examples_and_broken_files(example, tmp_path):
    inbox = tmp_path / "收件"
    (inbox / "子目录").mkdir(parents=True)
    for name in ("000_yueyang_2022", "002_jingmen_2023"):
        shutil.copy(example(name)[0], inbox / f"{name}.xlsx")
    shutil.copy(example("000_yueyang_2022")[0], inbox / "子目录" / "再次报送.xlsx")   # the same unit twice
    (inbox / "损坏.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (inbox / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 legacy")
    before = {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}
    out = tmp_path / "输出"
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "--jobs", "2"])
    assert result.exit_code == 2, result.output  # some files could not be read
    assert "完成：5 份，已评分 3 份（其中有错误 2 份），无法读取 2 份" in result.output
    assert {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()} == before
    assert len(list((out / "批注").glob("*.xlsx"))) == 3
    with (out / "汇总.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["file"]: r for r in csv.DictReader(fh)}
    assert (rows["损坏.xlsx"]["status"], rows["损坏.xlsx"]["code"]) == ("无法读取", "zip-corrupt")
    assert "损坏.xlsx：文件已损坏或不完整" in rows["损坏.xlsx"]["reason"]
    assert (rows["旧格式.xls"]["status"], rows["旧格式.xls"]["code"]) == ("无法读取", "legacy-xls")
    assert rows["000_yueyang_2022.xlsx"]["total"] == "98.73"
    assert "重复报送（内容相同）" in rows["000_yueyang_2022.xlsx"]["flags"]
    book = openpyxl.load_workbook(out / "汇总表.xlsx")
    assert book.sheetnames == ["汇总表", "按公式统计", "按单位统计"]
    ranked = [book["汇总表"].cell(r, 2).value for r in range(4, 9)]
    assert ranked[:2] == ["岳阳市行政审批服务局"] * 2
    rules = {book["按公式统计"].cell(r, 1).value: book["按公式统计"].cell(r, 3).value for r in range(2, 20)}
    assert rules["产出指标分值等于其各行分值之和"] == 2 and rules["公式被替换为数值"] == 7 + 2 * 2


# -- the batch as a supervisor (issue 16) ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    plan = plan_workbook(2024, "测试单位", "900001", ["gk01", "fj1", "fj2", "pj"])
    path = tmp_path_factory.mktemp("good") / "good.xlsx"
    render(plan, {**plan.default_inputs(), **random_inputs(plan, 5)}, path)
    return path


def rows_of(out: Path) -> dict[str, dict]:
    return {r["file"]: r for r in json.loads((out / "汇总.json").read_text(encoding="utf-8"))["rows"]}


def test_a_hanging_or_memory_hungry_file_does_not_stall_the_batch(good, tmp_path, monkeypatch):
    """Workers are forked, so the stand-ins below run inside them: one file hangs, one allocates 4 GB, one kills
    its worker. Each gets its row; the good files and the hostile ones around them are summarised."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for name in ("甲.xlsx", "乙.xlsx", "挂起.xlsx", "内存.xlsx", "崩溃.xlsx"):
        shutil.copy(good, inbox / name)
    hostile.many_runs(good, inbox / "片段.xlsx", 2000)
    hostile.identity_rows(good, inbox / "百万行.xlsx", 1_000_000)
    os.mkfifo(inbox / "管道.xlsx")
    (inbox / "外链.xlsx").symlink_to(good)  # leaves the inbox
    real = batch.assess

    def stand_in(path, *args, **kwargs):
        if path.name == "挂起.xlsx":
            time.sleep(120)
        if path.name == "内存.xlsx":
            hog = bytearray(4 * 2**30)  # refused under the worker's memory ceiling (RLIMIT_AS)
            del hog
        if path.name == "崩溃.xlsx":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(batch, "assess", stand_in)
    out = tmp_path / "输出"
    started = time.monotonic()
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "--jobs", "2",
                                       "--limit", "file_seconds=4", "--limit", "memory_mb=600"])
    assert time.monotonic() - started < 40, result.output
    assert result.exit_code == 2, result.output
    rows = rows_of(out)
    codes = {name: (r["status"], r["code"]) for name, r in rows.items()}
    assert codes == {
        "甲.xlsx": ("已评分", ""), "乙.xlsx": ("已评分", ""),
        "挂起.xlsx": ("无法读取", "timeout"), "内存.xlsx": ("无法读取", "too-large"), "崩溃.xlsx": ("无法读取", "too-large"),
        "片段.xlsx": ("无法读取", "too-complex"), "百万行.xlsx": ("无法读取", "identity-damaged"),
        "管道.xlsx": ("无法读取", "not-regular-file"), "外链.xlsx": ("无法读取", "not-regular-file"),
    }
    assert "处理超过 4 秒，已中止" in rows["挂起.xlsx"]["reason"]
    assert "指向收件目录以外的链接" in rows["外链.xlsx"]["reason"]
    assert json.loads((out / "汇总.json").read_text(encoding="utf-8"))["complete"] is True
    assert not list(out.rglob("*.part")) and not (out / ".汇总.journal").exists()


def test_a_killed_batch_leaves_a_usable_summary_and_the_next_run_completes_it(good, tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for i in range(8):
        shutil.copy(good, inbox / f"{i}.xlsx")
    out = tmp_path / "输出"
    command = [str(Path(sys.executable).parent / "perftool"), "batch", str(inbox), "-o", str(out), "--jobs", "1"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    journal = out / ".汇总.journal"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not journal.exists() or journal.read_text(encoding="utf-8").count("\n") < 3):
        assert run.poll() is None, "the batch ended before it could be killed"
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # the batch and its worker, mid-run
    run.wait()
    doc = json.loads((out / "汇总.json").read_text(encoding="utf-8"))  # written before the first file
    assert doc["format"] == "perftool-batch/1" and doc["complete"] is False
    finished = journal.read_text(encoding="utf-8").count("\n") - 1
    assert 2 <= finished < 8
    (out / "批注" / ".残留.xlsx.part").write_bytes(b"half")  # what a kill leaves mid-write
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out)])
    assert result.exit_code == 1, result.output  # scored, with errors
    assert f"内容未变沿用上次结果 {finished} 份" in result.output or f"沿用上次结果 {finished + 1} 份" in result.output
    rows = rows_of(out)
    assert sorted(rows) == [f"{i}.xlsx" for i in range(8)] and {r["status"] for r in rows.values()} == {"已评分"}
    assert not list(out.rglob("*.part")) and not journal.exists()
    assert len(list((out / "批注").glob("*.xlsx"))) == 8


def test_a_second_batch_into_the_same_folder_is_refused(good, tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    shutil.copy(good, inbox / "a.xlsx")
    out = tmp_path / "输出"
    with batch.output_lock(out):
        result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out)])
    assert result.exit_code == 2
    assert f"输出目录 {out} 正由另一个批量审核任务使用；请等它结束后再运行，或用 -o 另选输出目录" in result.output
    assert not (out / "汇总.json").exists()


def test_duplicate_flags_stay_linear():
    """A blank template sent to everyone: 2,000 rows of one unit once made 160 M characters of flags."""
    rows = [batch.Row(f"{i}.xlsx", batch.SCORED, unit="空白", year=2024, sha256="same") for i in range(2000)]
    rows += [batch.Row("x.xlsx", batch.SCORED, unit="乙", year=2024, sha256="a"),
             batch.Row("y.xlsx", batch.SCORED, unit="乙", year=2024, sha256="b")]
    batch.flag_duplicates(rows)
    assert rows[0].flags == ["重复报送（内容相同）：第 1 组，共 2000 份"]
    assert rows[-1].flags == ["重复报送（内容不同）：第 2 组，共 2 份"]
    assert sum(len(f) for r in rows for f in r.flags) < 2002 * 40


def test_every_hostile_shape_with_the_examples_in_one_batch(example, good, tmp_path):
    """The corpus of tests/hostile.py together with the bundled examples: the batch finishes, the good files and
    the valid-but-unusual ones are scored, every bad one gets its row with its code."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    shutil.copy(example("000_yueyang_2022")[0], inbox / "000_yueyang_2022.xlsx")
    sizes = {"many_runs": 5000, "identity_rows": 1_000_000, "long_formula": 300_000, "repeated_rows": 1_000_000,
             "hyperlinks": 12_000, "empty_elements": 1_000_000, "merges": 21_000, "defined_names": 11_000,
             "shared_strings": 1000, "huge_string": 1_000_000, "negative_index": -1}
    for name, shape in hostile.SHAPES.items():
        shape(good, inbox / f"{name}.xlsx", sizes.get(name, 1))
    os.mkfifo(inbox / "fifo.xlsx")
    (inbox / "zero.xlsx").symlink_to("/dev/zero")
    out = tmp_path / "输出"
    started = time.monotonic()
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "--jobs", "2"])
    assert result.exit_code == 2 and time.monotonic() - started < 60, result.output
    codes = {name.removesuffix(".xlsx"): r["code"] or r["status"] for name, r in rows_of(out).items()}
    assert codes == {
        "000_yueyang_2022": "已评分", "shared_strings": "已评分", "huge_string": "已评分", "outside_calls": "已评分",
        "opc_names": "已评分", "many_runs": "too-complex", "identity_rows": "identity-damaged",
        "long_formula": "too-complex", "repeated_rows": "zip-bomb", "hyperlinks": "too-complex",
        "empty_elements": "zip-bomb", "merges": "too-complex", "defined_names": "too-complex",
        "negative_index": "xml-malformed", "duplicate_part": "zip-corrupt", "fifo": "not-regular-file",
        "zero": "not-regular-file"}
    assert rows_of(out)["000_yueyang_2022.xlsx"]["total"] == 98.73


def test_a_file_that_became_unreadable_gets_its_row_on_a_re_run(good, tmp_path, monkeypatch):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    shutil.copy(good, inbox / "a.xlsx")
    out = tmp_path / "输出"
    assert CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out)]).exit_code == 1
    import perftool.read.xlsx as xlsx

    real_open = os.open

    def refused(path, *args, **kwargs):  # as root chmod 000 would not stop the read
        if Path(path).name == "a.xlsx":
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(batch, "sha256_of", lambda path: (_ for _ in ()).throw(
        batch.UnreadableWorkbook("unreadable", path.name, "没有访问权限")))
    monkeypatch.setattr(xlsx.os, "open", refused)  # inherited by the forked worker
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    row = rows_of(out)["a.xlsx"]
    assert row["code"] == "unreadable" and "a.xlsx：文件无法打开（没有访问权限）" in row["reason"], (row, result.output)
