"""Shared fixtures: the seed documents, a full 2024 workbook plan and its generated file, the reader's skips."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from perftool.definitions.workbook import WorkbookPlan, plan_workbook
from perftool.generate.render import render
from perftool.read import skipping, xlsx

ROOT = Path(__file__).resolve().parents[1]


def find_seeds() -> Path:
    """``shared/seeds`` beside the checkout (or ``$PERFTOOL_SEEDS``): the real documents are the fixtures."""
    env = os.environ.get("PERFTOOL_SEEDS")
    candidates = [Path(env)] if env else [p / "shared" / "seeds" for p in ROOT.parents]
    for c in candidates:
        if c.is_dir():
            return c
    raise FileNotFoundError("找不到种子文件目录 shared/seeds（可用 PERFTOOL_SEEDS 指定）")


@pytest.fixture(scope="session")
def seed_text():
    folder = find_seeds()

    def read(number: str) -> str:
        return next(folder.glob(f"{number}_*.txt")).read_text(encoding="utf-8")

    return read


@pytest.fixture(scope="session")
def plan_2024() -> WorkbookPlan:
    return plan_workbook(2024, "示例单位", "000000")


@pytest.fixture(scope="session")
def workbook_2024(plan_2024, tmp_path_factory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("gen") / "full.xlsx"
    values = render(plan_2024, plan_2024.default_inputs(), path)
    return path, values


EXAMPLES = ROOT / "examples"


#: Under ``make mutate``, the test files that judge the mutants of each module (tests of other files are deselected;
#: mutmut's own runs, its stats and clean runs, collect all of these files and no other).
MUTATION_TESTS = {
    "perftool.formula": ("test_mut_formula.py", "test_engine.py"),
    "perftool.audit.rules": ("test_mut_audit.py", "test_mut_grade.py", "test_mut_by_line.py", "test_audit_score.py"),
    "perftool.audit.cells": ("test_mut_cells.py", "test_mut_audit.py", "test_audit_score.py"),
    "perftool.audit.structure": ("test_mut_structure.py",),
    "perftool.audit.previous": ("test_mut_previous.py", "test_previous.py"),
    "perftool.score.evaluation": ("test_mut_evaluation.py", "test_mut_score.py", "test_audit_score.py",
                                  "test_seed_formulas.py"),
    "perftool.score.self_evaluation": ("test_mut_self_evaluation.py", "test_mut_score.py", "test_audit_score.py"),
    "perftool.score.projects": ("test_mut_projects.py",),
    "perftool.read.coerce": ("test_coerce_properties.py", "test_mut_cells.py"),
    "perftool.definitions.references": ("test_definitions.py", "test_mut_formula.py", "test_mut_audit.py"),
    "perftool.definitions.layout": ("test_mut_layout.py", "test_definitions.py", "test_layouts.py",
                                    "test_mut_audit.py"),
}
MUTATION_FILES = frozenset(f for files in MUTATION_TESTS.values() for f in files)


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    if "MUTANT_UNDER_TEST" not in os.environ or collection_path.suffix != ".py" \
            or not collection_path.name.startswith("test_"):
        return None
    return collection_path.name not in _mutation_files()


def pytest_collection_modifyitems(config, items: list) -> None:
    """mutmut names each mutant's tests by node id, which pytest collects even from ignored files: deselect them."""
    if "MUTANT_UNDER_TEST" not in os.environ:
        return
    files = _mutation_files()
    dropped = [item for item in items if item.path.name not in files]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item.path.name in files]


def _mutation_files() -> frozenset[str] | tuple[str, ...]:
    """The test files that judge the mutant under test (all of them for mutmut's stats and clean runs)."""
    return MUTATION_TESTS.get(os.environ["MUTANT_UNDER_TEST"].rpartition(".")[0], MUTATION_FILES)


@pytest.fixture(autouse=ROOT.name == "mutants")
def _uncached():
    """Under ``make mutate`` (tests run from the ``mutants/`` copy) every test compiles its own plans, rules and
    formulas and makes its own :func:`per_layout` tables, so that mutmut credits each test with the code it relies
    on, not only the first test to compile it (and a mutant's child process does not reuse what the clean run
    made)."""
    from perftool import assess, engine
    from perftool.audit import rules
    from perftool.definitions import workbook
    from perftool.read import workbook as read_workbook

    engine._ENGINES.clear()
    rules._COMPILED.clear()
    workbook._laid_out.cache_clear()
    assess._scoring_plan.cache_clear()
    read_workbook._PER_LAYOUT.clear()  # what per_layout made (how fields are read, a block's 一级指标, ...)


@pytest.fixture(scope="session")
def example(tmp_path_factory):
    """``example("000_yueyang_2022")`` → (workbook path, Assessment): built by ``perftool generate --data``."""
    from click.testing import CliRunner

    from perftool.assess import assess
    from perftool.cli import main

    folder = tmp_path_factory.mktemp("examples")
    cache: dict[str, tuple[Path, object]] = {}

    def build(name: str):
        if name not in cache:
            out = folder / f"{name}.xlsx"
            result = CliRunner().invoke(main, ["generate", "--data", str(EXAMPLES / f"{name}.yaml"), "-o", str(out)])
            assert result.exit_code == 0, result.output
            cache[name] = (out, assess(out))
        return cache[name]

    return build


@pytest.fixture()
def passing(monkeypatch) -> list[Any]:
    """The ``read.skipping.Skips`` of every attempt at a sheet from now on, in reading order (``passed``: the
    regions passed over in bytes; two for a sheet whose rows fell back to the expat handlers)."""
    made: list[Any] = []

    class Recorded(skipping.Skips):
        def __init__(self, names: frozenset[str]):
            super().__init__(names)
            made.append(self)

    monkeypatch.setattr(xlsx, "Skips", Recorded)
    return made
