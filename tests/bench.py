"""``make bench``: perftool against the floor (python-calamine) and against LibreOffice and formulas, on a
synthetic corpus of full-set workbooks made by perftool itself. Prints figures; asserts nothing.

    python tests/bench.py [--count 40] [--lo-files 20] [--formulas-files 3] [--batch-copies 3]

The batch runs in a process of its own, so that the peak memory of its workers is not mixed up with
LibreOffice's (both are children of this process otherwise).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perftool.annotate.workbook import annotate
from perftool.assess import assess
from perftool.batch import Settings, run_batch
from perftool.engine import engine_for
from perftool.synthetic import full_plan, write_corpus

sys.path.insert(0, str(Path(__file__).parent))
from libreoffice import recalculate, soffice  # noqa: E402


def per_file(function, files: list[Path]) -> float:
    """Median milliseconds of ``function(path)`` over ``files``."""
    times = []
    for path in files:
        started = time.perf_counter()
        function(path)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def calamine_read(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def formulas_model(path: Path) -> None:
    import formulas

    formulas.ExcelModel().loads(str(path)).finish().calculate()


def batch_only(inbox: Path, out: Path) -> None:
    """Child mode: one forced batch on 2 workers; print files, seconds and the workers' peak memory as JSON."""
    started = time.perf_counter()
    rows, _ = run_batch(inbox, out, Settings(), jobs=2, force=True)
    seconds = time.perf_counter() - started
    print(json.dumps({"files": len(rows), "seconds": seconds,
                      "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def main() -> None:
    if sys.argv[1:2] == ["--batch-only"]:
        batch_only(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--lo-files", type=int, default=20)
    parser.add_argument("--formulas-files", type=int, default=3)
    parser.add_argument("--batch-copies", type=int, default=3, help="批量测试用语料的份数倍数")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="perftool-bench-"))
    plan = full_plan()
    started = time.perf_counter()
    engine_for(plan)
    compile_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    files = write_corpus(work / "inbox", args.count)
    generate_ms = (time.perf_counter() - started) * 1000 / len(files)
    print(f"语料：{len(files)} 份全套工作簿（公开01–09、附件1、附件2、评分表；{len(plan.fields())} 个字段、"
          f"{len(plan.formulas)} 个公式，每隔一份注入 5 处错误），目录 {work}")
    assess(files[0])  # warm-up: compile the definitions once, as a batch worker does

    rows: list[tuple[str, float]] = []
    calamine_ms = per_file(calamine_read, files)
    rows.append(("python-calamine 读取（下限）", calamine_ms))
    assessed = {}

    def score(path: Path) -> None:
        assessed[path] = assess(path)

    score_ms = per_file(score, files)
    rows.append(("perftool score（读取、重算、审核、评分）", score_ms))
    out = work / "annotated"
    annotate_ms = per_file(lambda p: annotate(assessed[p], out / p.name), files)
    rows.append(("perftool annotate（批注工作簿）", annotate_ms))
    lo_ms = None
    if soffice():
        lo_files = files[: args.lo_files]
        started = time.perf_counter()
        recalculate(lo_files, work / "lo", work / "lo-profile")
        lo_ms = (time.perf_counter() - started) * 1000 / len(lo_files)
        rows.append((f"LibreOffice 无界面重算（每次调用 {len(lo_files)} 份）", lo_ms))
    fm_ms = per_file(formulas_model, files[: args.formulas_files])
    rows.append(("formulas ExcelModel 整簿计算", fm_ms))

    inbox = work / "batch-inbox"
    for k in range(args.batch_copies):
        for path in files:
            (inbox / str(k)).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, inbox / str(k) / path.name)
    child = subprocess.run([sys.executable, __file__, "--batch-only", str(inbox), str(work / "batch")],
                           check=True, capture_output=True, text=True)
    batch = json.loads(child.stdout.strip().splitlines()[-1])
    batch_s, throughput, worker_mb = batch["seconds"], batch["files"] / batch["seconds"], batch["worker_mb"]
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print()
    print(f"{'每份工作簿':<40}{'毫秒':>10}")
    for name, ms in rows:
        print(f"{name:<40}{ms:>10.1f}")
    print(f"{'（定义编译，每进程一次）':<40}{compile_ms:>10.1f}")
    print(f"{'（生成一份填好的工作簿）':<40}{generate_ms:>10.1f}")
    print()
    print(f"批量（2 个工作进程，含进程启动、批注工作簿和 JSON）：{batch['files']} 份 {batch_s:.1f} 秒，"
          f"{throughput:.1f} 份/秒")
    print(f"峰值内存：每个工作进程 {worker_mb:.0f} MB；本进程（含上面全部测量）{self_mb:.0f} MB")
    print()
    print("目标（本机 2 核）：")
    verdict = lambda ok: "达到" if ok else "未达到"  # noqa: E731
    print(f"  score ≤ 3 × calamine：{score_ms / calamine_ms:.1f} 倍 —— {verdict(score_ms <= 3 * calamine_ms)}")
    if lo_ms:
        print(f"  比 LibreOffice 快 ≥ 5 倍：{lo_ms / score_ms:.1f} 倍 —— {verdict(lo_ms >= 5 * score_ms)}")
    print(f"  批注批量 ≥ 10 份/秒：{throughput:.1f} —— {verdict(throughput >= 10)}")
    print(f"  每个工作进程 ≤ 300 MB：{worker_mb:.0f} MB —— {verdict(worker_mb <= 300)}")
    subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
