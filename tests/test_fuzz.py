"""Random damage to generated workbooks (cells, XML parts, zip entries, raw bytes): perftool returns a result or a
catalogued failure, within the limits, never a traceback. ``make fuzz`` runs many more mutations."""

from __future__ import annotations

import os
import random
import time
import zipfile
from pathlib import Path

import pytest

from perftool.assess import assess
from perftool.definitions.workbook import plan_workbook
from perftool.generate.render import render
from perftool.read.failures import FAILURES, UnreadableWorkbook
from perftool.read.xlsx import Limits
from perftool.synthetic import inject_mistakes, random_inputs

RUNS = int(os.environ.get("PERFTOOL_FUZZ_RUNS", "300"))
SEED = int(os.environ.get("PERFTOOL_FUZZ_SEED", "20261121"))
LIMITS = Limits(seconds=20)
TOKENS = ["", "NaN", "INF", "-1", "1e308", "-1e400", "abc", "１２３", "=1+1", "#DIV/0!", "99999999999999999999",
          "0x1F", "1,234.56", "３７％", "—", "<", "&amp;", "&lt;f&gt;", "\u202e", "9" * 400, "2024年3月5日"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    plan = plan_workbook(2024, "模糊测试单位", "900009", ["gk01", "gk03", "fj1", "fj2", "pj"])
    path = tmp_path_factory.mktemp("fuzz") / "base.xlsx"
    inputs = inject_mistakes(plan, {**plan.default_inputs(), **random_inputs(plan, 3)}, 3)
    render(plan, inputs, path)
    return path


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(_io(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _io(data: bytes):
    import io
    return io.BytesIO(data)


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = _io(b"")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return buffer.getvalue()


def mutate(data: bytes, parts: dict[str, bytes], rnd: random.Random) -> tuple[str, bytes]:
    """One random kind of damage; returns what was done and the damaged file."""
    kind = rnd.choice(["cell", "cell", "cell", "xml", "entry", "raw", "truncate"])
    if kind == "raw":
        out = bytearray(data)
        for _ in range(rnd.randint(1, 8)):
            out[rnd.randrange(len(out))] = rnd.randrange(256)
        return kind, bytes(out)
    if kind == "truncate":
        return kind, data[: rnd.randrange(len(data))]
    parts = dict(parts)
    name = rnd.choice(sorted(parts))
    if kind == "entry":
        action = rnd.choice(["drop", "empty", "rename"])
        content = parts.pop(name)
        if action == "empty":
            parts[name] = b""
        elif action == "rename":
            parts[name + ".bak"] = content
        return f"{kind}:{action}:{name}", _zip(parts)
    if kind == "xml":
        content = bytearray(parts[name])
        for _ in range(rnd.randint(1, 4)):
            at = rnd.randrange(max(len(content), 1))
            content[at:at + rnd.randint(0, 3)] = bytes(rnd.randrange(32, 127) for _ in range(rnd.randint(0, 3)))
        parts[name] = bytes(content)
        return f"{kind}:{name}", _zip(parts)
    sheets = [n for n in parts if n.startswith("xl/worksheets/sheet")]
    name = rnd.choice(sheets)
    text = parts[name].decode("utf-8")
    for _ in range(rnd.randint(1, 6)):
        starts = [i for i in range(len(text)) if text.startswith("<v>", i)]
        if not starts:
            break
        i = rnd.choice(starts) + 3
        j = text.index("</v>", i)
        text = text[:i] + rnd.choice(TOKENS) + text[j:]
    parts[name] = text.encode("utf-8")
    return f"{kind}:{name}", _zip(parts)


def test_random_damage_gives_a_result_or_a_catalogued_failure(base, tmp_path):
    data = base.read_bytes()
    parts = _parts(data)
    rnd = random.Random(SEED)
    problems, outcomes = [], {"scored": 0}
    for run in range(RUNS):
        what, damaged = mutate(data, parts, rnd)
        path = tmp_path / f"m{run % 4}.xlsx"
        path.write_bytes(damaged)
        started = time.monotonic()
        try:
            assess(path, limits=LIMITS)
            outcomes["scored"] += 1
        except UnreadableWorkbook as exc:
            assert exc.code in FAILURES and exc.code != "internal-error"
            outcomes[exc.code] = outcomes.get(exc.code, 0) + 1
        except Exception as exc:  # noqa: BLE001 — exactly what this test is looking for
            problems.append(f"run {run} ({what}): {type(exc).__name__}: {exc}")
        assert time.monotonic() - started < LIMITS.seconds + 10, what
    assert not problems, "\n".join(problems[:20])
    assert outcomes["scored"] and len(outcomes) > 3, outcomes  # the mutations reach both outcomes
