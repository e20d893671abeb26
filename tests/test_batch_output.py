"""What the batch writes, written fast: compact strict JSON, a journal of one line per row, the same content as
``perftool score --json``; per-process label maps."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from perftool.batch import run as batch
from perftool.cli import main
from perftool.output import json_text
from perftool.read.workbook import changed_labels, compared_labels


def test_json_is_compact_unless_pretty_and_strict_either_way():
    doc = {"总分": 98.73, "ratio": float("nan"), "findings": [{"code": "value-invalid", "填报值": float("-inf")}]}
    assert json_text(doc) == '{"总分":98.73,"ratio":null,"findings":[{"code":"value-invalid","填报值":"-Infinity"}]}'
    assert json_text(doc, pretty=True).splitlines()[:2] == ["{", '  "总分": 98.73,']
    assert json_text({"a": [1, 2]}) == '{"a":[1,2]}'  # no non-finite number: encoded once, as it is


def test_batch_result_and_summary_are_compact_and_carry_the_score_json(example, tmp_path):
    path, assessment = example("000_yueyang_2022")
    inbox = tmp_path / "收件"
    inbox.mkdir()
    shutil.copy(path, inbox / "岳阳.xlsx")
    out = tmp_path / "输出"
    result = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 1, result.output  # the example has errors
    summary = (out / "汇总.json").read_text(encoding="utf-8")
    assert summary.count("\n") == 1 and summary.endswith("}\n")
    row = json.loads(summary)["rows"][0]
    assert (row["file"], row["status"], row["total"]) == ("岳阳.xlsx", "已评分", 98.73)
    text = (out / row["result"]).read_text(encoding="utf-8")
    assert text.count("\n") == 1 and "岳阳市行政审批服务局" in text  # one line, Chinese as it is
    expected = assessment.to_dict()
    assert json.loads(text) == {**expected, "file": "岳阳.xlsx"}
    assert json.loads(text)["total"] == 98.73


def test_journal_is_one_compact_line_per_row_and_summary_rows_are_not_shared(tmp_path):
    first = batch.Row("a.xlsx", batch.SCORED, total=90.5, flags=["x"])
    journal = batch.Journal(tmp_path, "sig", [first])
    journal.add(batch.Row("b.xlsx", batch.UNREADABLE, "损坏", "zip-corrupt"))
    journal.close()
    lines = (tmp_path / batch.JOURNAL).read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"format":"perftool-batch/1","settings":"sig"}'
    assert json.loads(lines[1])["code"] == "zip-corrupt" and lines[1].startswith('{"file":"b.xlsx","status":"无法读取"')
    summary = json.loads((tmp_path / batch.SUMMARY).read_text(encoding="utf-8"))
    assert (summary["complete"], [r["file"] for r in summary["rows"]]) == (False, ["a.xlsx", "b.xlsx"])
    assert batch.record(first) == {**vars(first)} and batch.record(first) is not vars(first)


def test_checkpoint_is_the_summary_of_the_rows_so_far_joined_from_their_journal_lines(tmp_path):
    rows = [batch.Row("a.xlsx", batch.SCORED, unit="岳阳", total=90.5, groups={"决策": 18.0}, rules={"r1": 2},
                      flags=["x"]),
            batch.Row("b.xlsx", batch.UNREADABLE, "损坏", "zip-corrupt", total=float("nan"))]
    journal = batch.Journal(tmp_path / "j", "sig", rows[:1])
    journal.add(rows[1])
    journal.close()
    batch.write_summary_json(rows, tmp_path, "sig", complete=False)
    expected = (tmp_path / batch.SUMMARY).read_text(encoding="utf-8")
    assert (tmp_path / "j" / batch.SUMMARY).read_text(encoding="utf-8") == expected
    assert '"total":"NaN"' in expected  # a row is strict JSON like the rest (its non-finite number kept as text)


def test_label_map_made_once_per_layout_and_an_edited_label_found(example):
    _, assessment = example("000_yueyang_2022")
    layout = next(iter(assessment.plan.layouts.values()))
    assert compared_labels(layout) is compared_labels(layout)
    r, c, text = next((r, c, t) for r, c, t in compared_labels(layout) if t)

    class Edited:
        name = layout.sheet
        cells = {**{at: (None, text) for at, text in layout.labels.items()}, (r, c): (None, "改过的栏目")}

    assert changed_labels(Edited(), layout) == [(r, c)]


def test_score_json_piped_is_one_line_with_the_assessment(example):
    path, assessment = example("000_yueyang_2022")
    result = CliRunner().invoke(main, ["score", str(path), "--json"])  # not a terminal: compact
    assert result.exit_code == 1  # the example has errors
    assert result.output.count("\n") == 1
    assert json.loads(result.output) == assessment.to_dict()
