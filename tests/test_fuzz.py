"""Random damage to generated workbooks (cells, XML parts, zip entries, raw bytes) and the hostile shapes of
tests/hostile.py at random sizes: perftool returns a result or a catalogued failure, within the limits, never a
traceback. ``make fuzz`` runs many more mutations, and the shapes up to the sizes that once hurt."""

from __future__ import annotations

import math
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

import hostile

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


#: Sizes each hostile shape is built at: small ones in ``make test``, up to the size that once hurt in ``make fuzz``.
SIZES = {"many_runs": (1, 50_000), "identity_rows": (1, 10_000_000), "long_formula": (1, 300_000),
         "repeated_rows": (1, 1_000_000), "hyperlinks": (1, 20_000), "empty_elements": (1, 300_000),
         "merges": (1, 30_000), "defined_names": (1, 15_000), "shared_strings": (1, 600_000),
         "huge_string": (1, 5_000_000), "outside_calls": (1, 100), "negative_index": (-3, 10**9),
         "duplicate_part": (1, 1), "opc_names": (1, 1)}


@pytest.mark.parametrize("shape", sorted(hostile.SHAPES))
def test_hostile_shapes_at_random_sizes(base, tmp_path, shape):
    """Each shape of tests/hostile.py at random sizes (log-uniform): a result or a catalogued failure, in time."""
    rnd = random.Random(f"{SEED}-{shape}")
    low, high = SIZES[shape]
    rounds = max(1, RUNS // 500)  # make test: 1 round at a small size; make fuzz: 10 rounds up to full size
    ceiling = high if RUNS >= 1000 else min(high, max(low, 2000))
    for _ in range(rounds):
        n = low if low < 1 and rnd.random() < 0.5 else int(math.exp(rnd.uniform(0, math.log(max(ceiling, 1)))))
        path = hostile.SHAPES[shape](base, tmp_path / f"{shape}.xlsx", n)
        started = time.monotonic()
        try:
            assess(path)
        except UnreadableWorkbook as exc:
            assert exc.code in FAILURES and exc.code != "internal-error", (shape, n, exc)
        assert time.monotonic() - started < 10, (shape, n)
