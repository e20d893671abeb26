"""Command line: ``perftool templates`` and ``perftool generate`` (messages in Chinese)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .data import flatten, load_data, nest, row_counts
from .definitions.catalog import catalog, editions, load_table
from .definitions.workbook import available_tables, plan_workbook
from .engine import engine_for
from .errors import PerftoolError, UsageError
from .output import atomic_path
from .read.workbook import read_cells, recognise
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


@main.command(help="把数据文件（YAML/JSON）填入 perftool 生成的表样，输出新的工作簿（不修改原表样）。")
@click.argument("template", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="输出的工作簿。")
def fill(template: Path, data_file: Path, output: Path) -> None:
    try:
        if output.resolve() == template.resolve():
            raise UsageError("输出文件不能与表样是同一个文件（不覆盖原文件），请用 -o 指定新文件名")
        book, plan = recognise(template)
        present = read_cells(book, plan).values
        data = load_data(data_file)
        needed = {k: n for k, n in row_counts(data).items() if n > plan.counts.get(k, 0)}
        if needed:
            plan = plan_workbook(plan.year, plan.unit, plan.unit_code, list(plan.layouts), {**plan.counts, **needed})
            click.echo("可变行已按数据扩展：" + "、".join(f"{k} {n} 行" for k, n in needed.items()))
        given = flatten(data, plan)
        inputs = {**plan.default_inputs(), **present, **given}
        for key, value in given.items():
            field = plan.field(key)
            if field.kind == "formula":
                click.secho(f"注意：{key}（{field.sheet}!{field.cell}）是公式单元格，"
                            f"已按数据写入数值 {value}，覆盖了公式", fg="yellow", err=True)
        render(plan, inputs, output)
        click.echo(f"已填写 {len(given)} 个单元格，输出 {output}")
    except PerftoolError as exc:
        _fail(exc)


@main.command(help="导出工作簿中每个字段的值（填报项和计算项），按表和字段 id 组织为 JSON。")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="输出 JSON 文件；省略时打印到屏幕。")
def export(workbook: Path, output: Path | None) -> None:
    try:
        book, plan = recognise(workbook)
        values = engine_for(plan).compute(read_cells(book, plan).values)
        doc = {"year": plan.year, "unit": plan.unit, "unit_code": plan.unit_code, "editions": plan.editions,
               "tables": nest(values, plan)}
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        if output is None:
            click.echo(text)
            return
        with atomic_path(output) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")
        click.echo(f"已导出 {output}")
    except PerftoolError as exc:
        _fail(exc)
