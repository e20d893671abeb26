"""``make bench``: perftool against the floor (python-calamine) and against LibreOffice and formulas, on a
synthetic corpus of full-set workbooks made by perftool itself. Prints figures; asserts nothing.

    python tests/bench.py [--count 40] [--lo-files 20] [--formulas-files 3] [--batches 100,2000] [--rows 20,100,500]
                          [--units 200]

CPU time (``time.process_time`` in this process; ``RUSAGE_CHILDREN`` for LibreOffice and for the CLI batch and
its workers) is the figure compared, since it is far less noisy than wall time on a shared machine; wall time is
given beside it. The batch is the real command line (``perftool batch --force --jobs 2``) in a process of its own,
so that its workers' memory is not mixed up with LibreOffice's; so is ``perftool generate --units`` (blank
full-set workbooks for a list of units) on one and on two processes.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from perftool.annotate.workbook import annotate
from perftool.assess import assess
from perftool.engine import engine_for
from perftool.synthetic import full_plan, write_corpus

sys.path.insert(0, str(Path(__file__).parent))
from libreoffice import recalculate, soffice  # noqa: E402

PERFTOOL = Path(sys.executable).with_name("perftool")

#: Prints the peak RSS in MB of the process running it. Not ``ru_maxrss``: Linux carries that over ``execve`` from
#: the forking process, so a probe started from this (large) process would report this process's size.
PEAK_PRINT = ("import re; s = open('/proc/self/status').read() if sys.platform == 'linux' else '';"
              "m = re.search(r'VmHWM:\\s+(\\d+) kB', s);"
              "print(int(m.group(1)) / 1024 if m else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")


def children_cpu() -> float:
    """CPU seconds (user + system) of every waited-for child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def per_file(function: Callable[[Path], object], files: list[Path]) -> tuple[float, float]:
    """Median CPU and wall milliseconds of ``function(path)`` over ``files``."""
    cpu, wall = [], []
    for path in files:
        c, w = time.process_time(), time.perf_counter()
        function(path)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def calamine_read(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def formulas_model(path: Path) -> None:
    import formulas

    formulas.ExcelModel().loads(str(path)).finish().calculate()


def measured(command: list[str]) -> tuple[float, float, float]:
    """CPU seconds (``command`` and its children), wall seconds and the largest process's peak RSS in MB."""
    started = time.perf_counter()
    # a process of its own runs the command, so that its children's figures are the command's alone
    probe = subprocess.run([sys.executable, "-c", (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL); u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(u.ru_utime + u.ru_stime, u.ru_maxrss / 1024)"), *command], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    cpu, peak = map(float, probe.stdout.split())
    return cpu, wall, peak


def generate_units(count: int, jobs: int, work: Path) -> dict[str, float]:
    """``perftool generate --units`` for ``count`` units on ``jobs`` processes: CPU ms per unit, units/s."""
    roster = work / f"units-{count}.csv"
    roster.write_text("单位名称,单位编码,编制数\n" + "".join(f"合成单位{i:05d},9{i:05d},{10 + i % 50}\n"
                                                           for i in range(count)), encoding="utf-8")
    cpu, wall, peak = measured([str(PERFTOOL), "generate", "--year", "2024", "--units", str(roster), "-o",
                                str(work / f"units-{count}-{jobs}"), "--jobs", str(jobs)])
    return {"count": count, "jobs": jobs, "cpu_ms": cpu * 1000 / count, "wall_s": wall, "per_s": count / wall,
            "peak_mb": peak}


#: Runs ``perftool batch`` (the CLI's own ``main``, as the console script does) in the process running it and
#: prints its CPU seconds (this process, its workers), both peaks in MB and, from the workers, one line per call of
#: ``assess`` (score) and ``annotate`` (copy) with the worker's pid and its CPU seconds, so that one run splits
#: the batch's CPU into score, copy and the rest. The workers are forked, so they inherit the timed functions.
BATCH_PROBE = """
import os, re, resource, sys, time
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
import perftool.cli, perftool.batch.run as run
def timed(function, part):
    def call(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            os.write(log, f"{os.getpid()} {part} {time.process_time() - started}\\n".encode())
    return call
run.assess, run.annotate = timed(run.assess, "score"), timed(run.annotate, "copy")
sys.argv, sys.stdout = ["perftool", *sys.argv[2:]], open(os.devnull, "w")
try:
    perftool.cli.main()
except SystemExit:
    pass
own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
hwm = re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read())
print(own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime, int(hwm.group(1)) / 1024, kids.ru_maxrss / 1024,
      file=sys.__stdout__)
"""


def cli_batch(files: list[Path], size: int, work: Path) -> dict[str, float]:
    """``perftool batch --jobs 2 --force`` over ``size`` copies of ``files``: CPU ms per workbook, split into score
    (``assess``), copy (``annotate``) and the batch's own (the rest: start-up, the parent, JSON, writing, the
    汇总 outputs, and each worker's warm-up, i.e. what its first file cost above the worker's median), wall
    throughput, peak RSS."""
    inbox = work / f"batch-{size}"
    for i in range(size):
        folder = inbox / f"{i // 500:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(files[i % len(files)], folder / f"{i:05d}.xlsx")
    out, log = work / f"batch-{size}-out", work / f"batch-{size}.log"
    started = time.perf_counter()
    probe = subprocess.run([sys.executable, "-c", BATCH_PROBE, str(log), "batch", str(inbox), "-o", str(out),
                            "--jobs", "2", "--force"], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    parent, workers, parent_mb, worker_mb = map(float, probe.stdout.split())
    calls: dict[tuple[str, str], list[float]] = {}
    for line in log.read_text().splitlines():
        pid, part, seconds = line.split()
        calls.setdefault((pid, part), []).append(float(seconds) * 1000)
    steady = {"score": 0.0, "copy": 0.0}
    warm_up = 0.0
    for (_pid, part), times in calls.items():
        typical = statistics.median(times[1:]) if len(times) > 1 else times[0]
        steady[part] += sum(times[1:]) + typical
        warm_up += times[0] - typical
    total = (parent + workers) * 1000
    return {"size": size, "cpu_ms": total / size, "wall_s": wall, "per_s": size / wall,
            "peak_mb": max(parent_mb, worker_mb), "score_ms": steady["score"] / size, "copy_ms": steady["copy"] / size,
            "own_ms": (total - steady["score"] - steady["copy"]) / size, "warm_up_ms": warm_up / size,
            "parent_ms": parent * 1000 / size}


def rows_scaling(rows: int, work: Path, count: int = 4) -> dict[str, float]:
    """Score and annotate CPU per workbook with ``rows`` rows in every repeat group; peak RSS of fresh processes
    that import what a worker does, then lay out the plan, compile its engine, score one workbook, or score and
    annotate it."""
    files = write_corpus(work / f"rows-{rows}", count, rows=rows)
    fields = len(full_plan(rows=rows).fields())
    assess(files[0])  # lay the plan out once, as a worker does for the first file of a row count
    done: dict[Path, object] = {}
    score_ms, _ = per_file(lambda p: done.setdefault(p, assess(p)), files)
    annotate_ms, _ = per_file(lambda p: annotate(done[p], work / f"rows-{rows}-out" / p.name), files)
    peaks: dict[str, float] = {}
    imports = ("import resource, sys; from perftool.assess import assess; "
               "from perftool.annotate.workbook import annotate;")
    plan = f"from perftool.synthetic import full_plan; p = full_plan(rows={rows});"
    for stage, code in (("imports_mb", ""), ("plan_mb", plan),
                        ("engine_mb", plan + "from perftool.engine import engine_for; engine_for(p);"),
                        ("score_peak_mb", "a = assess(sys.argv[1]);"),
                        ("peak_mb", "a = assess(sys.argv[1]); annotate(a, sys.argv[2]);")):  # fresh processes
        probe = subprocess.run([sys.executable, "-c", imports + code + PEAK_PRINT, str(files[0]),
                                str(work / f"rows-{rows}-probe.xlsx")], capture_output=True, text=True, check=False)
        peaks[stage] = float(probe.stdout.strip() or "nan")
    return {"rows": rows, "fields": fields, "score_ms": score_ms, "annotate_ms": annotate_ms,
            "us_per_field": (score_ms + annotate_ms) * 1000 / fields, **peaks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=40, help="语料份数（全套工作簿）")
    parser.add_argument("--lo-files", type=int, default=20)
    parser.add_argument("--formulas-files", type=int, default=3)
    parser.add_argument("--batches", default="100,2000", help="批量测试的份数，逗号分隔")
    parser.add_argument("--rows", default="20,100,500", help="可变行数的规模测试，逗号分隔")
    parser.add_argument("--units", type=int, default=200, help="generate --units 的单位数（0 为不测）")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="perftool-bench-"))
    plan = full_plan()
    c = time.process_time()
    engine_for(plan)
    compile_ms = (time.process_time() - c) * 1000
    c = time.process_time()
    files = write_corpus(work / "inbox", args.count)
    generate_ms = (time.process_time() - c) * 1000 / len(files)
    print(f"语料：{len(files)} 份全套工作簿（公开01–09、附件1、附件2、评分表；{len(plan.fields())} 个字段、"
          f"{len(plan.formulas)} 个公式，每隔一份注入 5 处错误），目录 {work}")
    assess(files[0])  # warm-up: compile the definitions once, as a batch worker does

    rows: list[tuple[str, float, float]] = []
    calamine_ms, calamine_wall = per_file(calamine_read, files)
    rows.append(("python-calamine 读取全部工作表（下限）", calamine_ms, calamine_wall))
    assessed: dict[Path, object] = {}
    score_ms, score_wall = per_file(lambda p: assessed.setdefault(p, assess(p)), files)
    rows.append(("perftool score（读取、重算、审核、评分）", score_ms, score_wall))
    out = work / "annotated"
    annotate_ms, annotate_wall = per_file(lambda p: annotate(assessed[p], out / p.name), files)
    rows.append(("perftool annotate（批注工作簿）", annotate_ms, annotate_wall))
    lo_ms = None
    if soffice():
        lo_files = files[: args.lo_files]
        before, started = children_cpu(), time.perf_counter()
        recalculate(lo_files, work / "lo", work / "lo-profile")
        lo_ms = (children_cpu() - before) * 1000 / len(lo_files)
        rows.append((f"LibreOffice 无界面重算并保存（每次调用 {len(lo_files)} 份）", lo_ms,
                     (time.perf_counter() - started) * 1000 / len(lo_files)))
    fm_ms, fm_wall = per_file(formulas_model, files[: args.formulas_files])
    rows.append(("formulas ExcelModel 整簿计算", fm_ms, fm_wall))

    batches = [cli_batch(files, int(n), work) for n in args.batches.split(",") if n.strip()]
    scaling = [rows_scaling(int(n), work) for n in args.rows.split(",") if n.strip()]
    generated = [generate_units(args.units, jobs, work) for jobs in (1, 2)] if args.units else []

    print()
    print(f"{'每份工作簿（中位数）':<44}{'CPU 毫秒':>10}{'墙钟毫秒':>10}")
    for name, cpu, wall in rows:
        print(f"{name:<44}{cpu:>10.1f}{wall:>10.1f}")
    print(f"{'（定义编译，每进程一次）':<44}{compile_ms:>10.1f}")
    print(f"{'（生成一份填好的工作簿）':<44}{generate_ms:>10.1f}")
    print()
    print("命令行批量（perftool batch --jobs 2 --force：评分、批注工作簿、JSON、汇总表，含进程启动）：")
    for b in batches:
        print(f"  {b['size']:>5} 份：每份 CPU {b['cpu_ms']:.1f} 毫秒；墙钟 {b['wall_s']:.1f} 秒，{b['per_s']:.1f} 份/秒；"
              f"峰值内存（最大的进程）{b['peak_mb']:.0f} MB")
        print(f"         其中 评分 {b['score_ms']:.1f} + 批注 {b['copy_ms']:.1f} + 批量自身 {b['own_ms']:.1f}（含父进程 "
              f"{b['parent_ms']:.1f}、各进程首份的预热 {b['warm_up_ms']:.1f}；其余为进程启动、JSON、写文件、收发）")
    if generated:
        print()
        print(f"按单位清单生成空白全套工作簿（perftool generate --units，{args.units} 个单位）：")
        for g in generated:
            print(f"  {g['jobs']} 个进程：每个单位 CPU {g['cpu_ms']:.1f} 毫秒；墙钟 {g['wall_s']:.1f} 秒，"
                  f"{g['per_s']:.1f} 个/秒；峰值内存（最大的进程）{g['peak_mb']:.0f} MB")
    print()
    print("可变行数规模（每张科目表的行数 → 字段数，每份 CPU 毫秒）：")
    for s in scaling:
        print(f"  {s['rows']:>4} 行：{s['fields']:>6} 个字段；score {s['score_ms']:.1f}，annotate {s['annotate_ms']:.1f}，"
              f"每字段 {s['us_per_field']:.1f} 微秒；单份峰值内存：评分 {s['score_peak_mb']:.0f} MB，"
              f"评分+批注 {s['peak_mb']:.0f} MB（其中导入 {s['imports_mb']:.0f}，表样布局 {s['plan_mb']:.0f}，"
              f"加公式引擎 {s['engine_mb']:.0f}）")
    print()
    print("目标（本机 2 核）：")
    verdict = lambda ok: "达到" if ok else "未达到"  # noqa: E731
    if batches:
        worst = max(b["cpu_ms"] for b in batches)
        print(f"  命令行批量每份 CPU ≤ 60 毫秒：{worst:.1f} —— {verdict(worst <= 60)}")
        for b in batches:
            limit = 8 if b["size"] >= 2000 else 20
            print(f"  批量自身每份 CPU ≤ {limit} 毫秒（{b['size']} 份）：{b['own_ms']:.1f} —— {verdict(b['own_ms'] <= limit)}")
    print(f"  score ≤ 10 × calamine：{score_ms / calamine_ms:.1f} 倍 —— {verdict(score_ms <= 10 * calamine_ms)}")
    if lo_ms:
        print(f"  比 LibreOffice 快 ≥ 20 倍：{lo_ms / score_ms:.1f} 倍 —— {verdict(lo_ms >= 20 * score_ms)}")
    print(f"  批注 ≤ score：{annotate_ms / score_ms:.1f} 倍 —— {verdict(annotate_ms <= score_ms)}")
    if scaling:
        top = scaling[-1]
        print(f"  {top['rows']} 行时每进程峰值内存 ≤ 150 MB：评分+批注 {top['peak_mb']:.0f} MB —— "
              f"{verdict(top['peak_mb'] <= 150)}（仅评分 {top['score_peak_mb']:.0f} MB）")
        ratio = scaling[-1]["us_per_field"] / scaling[0]["us_per_field"]
        print(f"  与字段数成线性（每字段耗时之比 {scaling[-1]['rows']} 行 / {scaling[0]['rows']} 行）：{ratio:.2f}")
    subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
