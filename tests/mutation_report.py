"""``make mutate``'s summary: the mutation score of each module mutmut ran over, and every surviving mutant.

    python tests/mutation_report.py

Reads mutmut's results under ``mutants/``. A survivor listed in ``tests/mutation_equivalents.yaml`` (with the
mutated line and why no test can tell it from the original) counts as equivalent; an entry whose line no longer
matches the mutant of that name, that names no mutant, or one a test now kills, is stale and reported.
Score = killed ÷ (mutants − equivalent); a timeout counts as killed. Exits 1 when a module is below its target
or has unchecked mutants.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

import yaml
from mutmut.mutation.diff_apply import get_diff_for_mutant

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.yaml"
#: Score targets (per cent); modules not named here need the default.
TARGETS = {"perftool/formula.py": 90.0, "perftool/audit/rules.py": 90.0}
DEFAULT_TARGET = 85.0
KILLED = {1, 3, 36, -24, 24, 152, 255}  # mutmut's exit codes for a failing test run (or a timeout)


def mutated_line(name: str, path: Path) -> str:
    """The first added line of ``mutmut show name``, stripped: what the mutant changed (``path`` relative)."""
    diff = get_diff_for_mutant(name, path=path)
    return next((x[1:].strip() for x in diff.splitlines() if x.startswith("+") and not x.startswith("+++")), "")


def main() -> int:
    os.chdir(ROOT)  # mutmut reads its copy under mutants/ relative to the project
    equivalents = yaml.safe_load(EQUIVALENTS.read_text(encoding="utf-8")) or {}
    rows, survivors, stale, failed = [], [], [], False
    known: dict[str, int | None] = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        module = meta.relative_to(ROOT / "mutants").as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        known.update(codes)
        count: Counter[str] = Counter()
        for name, code in codes.items():
            if code in KILLED:
                count["killed"] += 1
            elif code is None:
                count["unchecked"] += 1
            elif name in equivalents:
                line = mutated_line(name, Path(module))
                if line == equivalents[name]["line"].strip():
                    count["equivalent"] += 1
                    continue
                stale.append(f"{name}: 登记的变异行为 {equivalents[name]['line']!r}，现为 {line!r}")
                count["survived"] += 1
                survivors.append((module, name, line))
            else:
                count["survived"] += 1
                survivors.append((module, name, mutated_line(name, Path(module))))
        judged = len(codes) - count["equivalent"]
        score = 100.0 * count["killed"] / judged if judged else 100.0
        target = TARGETS.get(module, DEFAULT_TARGET)
        ok = score >= target and not count["unchecked"]
        failed |= not ok
        rows.append((module, len(codes), count["killed"], count["equivalent"], count["survived"], count["unchecked"],
                     score, target, ok))
    for name in equivalents:
        if name not in known:
            stale.append(f"{name}: 没有这个变异体（代码已改），请删除")
        elif known[name] in KILLED:
            stale.append(f"{name}: 已被测试杀死，不再需要，请删除")
    if not rows:
        print("mutants/ 下没有变异结果：请先运行 make mutate")
        return 1
    print(f"{'模块':<40}{'变异体':>7}{'杀死':>7}{'等价':>7}{'存活':>7}{'未运行':>7}{'得分':>9}{'目标':>7}")
    for module, total, killed, equivalent, survived, unchecked, score, target, ok in rows:
        print(f"{module:<40}{total:>7}{killed:>7}{equivalent:>7}{survived:>7}{unchecked:>7}{score:>8.1f}%"
              f"{target:>6.0f}%  {'达标' if ok else '未达标'}")
    if survivors:
        print(f"\n存活的变异体（{len(survivors)} 个；用 .venv/bin/mutmut show 名称 查看改动）：")
        for module, name, line in survivors:
            print(f"  {name}: {line}")
    if stale:
        print("\n等价清单中已过时的条目（变异体编号对应的改动已变，请重新判断）：")
        print("\n".join(f"  {s}" for s in stale))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
