"""A batch over the bundled examples plus broken files: one annotated workbook each, a 无法读取 row per broken one."""

from __future__ import annotations

import csv
import shutil

import openpyxl
from click.testing import CliRunner

from perftool.cli import main


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
