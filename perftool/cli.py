"""Command line: ``perftool templates`` and ``perftool generate`` (messages in Chinese)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .definitions.catalog import catalog, editions, load_table
from .definitions.workbook import available_tables, plan_workbook
from .errors import PerftoolError, UsageError
from .generate.render import render
from .generate.units import read_units, safe_filename


def _fail(exc: PerftoolError) -> None:
    click.secho(f"错误：{exc}", fg="red", err=True)
    sys.exit(2)


def _parse_rows(spec: str | None) -> dict[str, int]:
    """``--rows 30`` (every variable group) or ``--rows gk02.rows=40,fj1.special=50``."""
    if not spec:
        return {}
    if spec.isdigit():
        return {"*": int(spec)}
    counts = {}
    for part in spec.split(","):
        name, _, n = part.partition("=")
        if not n.strip().isdigit() or name.count(".") != 1:
            raise UsageError(f"--rows 的写法应为 30 或 表.行组=行数（如 gk02.rows=40），实际为 {part}")
        counts[name.strip()] = int(n)
    return counts


@click.group(help="perftool：部门决算公开表、绩效评价表的生成、审核与评分。")
@click.version_option(__version__, prog_name="perftool")
def main() -> None:
    pass


@main.command(help="列出可用的表样及其版本。")
@click.option("--year", type=int, help="只列出适用于该年度的表。")
def templates(year: int | None) -> None:
    try:
        for tid in catalog()["order"]:
            found = editions(tid)
            if not found or (year and tid not in available_tables(year)):
                continue
            table = load_table(tid, found[-1])
            click.echo(f"{tid:<5} {table.number:<8} {table.sheet:<6} {table.title.replace('{year}', '')}"
                       f"  （版本：{'、'.join(f'{e}年起' for e in found)}）")
    except PerftoolError as exc:
        _fail(exc)


@main.command(help="按年度生成空白（或预填）的报表工作簿。")
@click.option("--year", type=int, required=True, help="会计年度，决定表样版本。")
@click.option("--unit", default="", help="单位名称。")
@click.option("--unit-code", default="", help="单位编码。")
@click.option("--tables", default="", help="只生成这些表，逗号分隔，如 gk01,gk02,fj1。")
@click.option("--rows", default=None, help="可变行数：30 或 gk02.rows=40,fj1.special=50。")
@click.option("--units", "units_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="单位清单 CSV（单位名称, 单位编码, 编制数），每个单位生成一个工作簿，-o 为输出目录。")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="输出文件（或目录）。")
def generate(year: int, unit: str, unit_code: str, tables: str, rows: str | None, units_csv: Path | None,
             output: Path) -> None:
    try:
        chosen = [t.strip() for t in tables.split(",") if t.strip()] or None
        counts = _parse_rows(rows)
        if units_csv is None:
            plan = plan_workbook(year, unit, unit_code, chosen, counts)
            render(plan, plan.default_inputs(), output)
            click.echo(f"已生成 {output}（{year} 年度，{len(plan.layouts)} 张表：{'、'.join(plan.layouts)}）")
            return
        written: set[str] = set()
        units = read_units(units_csv)
        for u in units:
            plan = plan_workbook(year, u.name, u.code, chosen, counts)
            inputs = plan.default_inputs()
            if u.quota is not None and "fj1" in plan.layouts:
                inputs["fj1.staff_quota"] = u.quota
            name = safe_filename(u.code, u.name, str(year))
            while name in written:
                name += "_重名"
            written.add(name)
            render(plan, inputs, output / f"{name}.xlsx")
        click.echo(f"已为 {len(units)} 个单位生成工作簿，位于 {output}/")
    except PerftoolError as exc:
        _fail(exc)
