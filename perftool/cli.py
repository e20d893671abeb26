"""Command line (messages in Chinese): templates, generate, fill, export, audit, score, batch.

Exit codes of ``audit`` and ``score``: 0 no errors, 1 errors found, 2 the file could not be used.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import unicodedata
from pathlib import Path

import click

from . import __version__
from .data import given_values, load_data, nest, nest_projects, project_specs, row_counts
from .definitions.catalog import catalog, editions, load_table, table_sets, templates_dir
from .definitions.projects import issued
from .definitions.scoresheet import check_ruleset, load_ruleset
from .definitions.workbook import available_tables, plan_workbook
from .engine import engine_for
from .errors import PerftoolError, UsageError
from .rounding import Balanced
from .batch.summary import write_summary_workbook
from .annotate.workbook import annotate
from .assess import Assessment, assess
from .audit.findings import ERROR, SEVERITY_ZH
from .audit.budget import Budget, load_budgets
from .audit.previous import Reported, last_year, load_reported, prefill
from .audit.targets import load_declared, prefill as prefill_targets
from .codes import codes_markdown
from .batch.row import SCORED
from .batch.run import Settings, output_lock, run_batch, skipped_files, submissions, write_summary_data
from .cli_zh import ChineseGroup, chinese_metavars, install
from .output import atomic_path, json_text
from .read.workbook import read_cells, recognise
from .read.xlsx import Limits
from .generate.render import render
from .generate.projects import read_projects
from .generate.units import Order, read_units, render_orders, safe_filename


install()

#: The earliest fiscal year a workbook can be generated for (older years have no edition of any table).
FIRST_YEAR = 2000


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


def _check_year(year: int) -> int:
    """A fiscal year perftool can generate: not before the oldest edition, not after next year."""
    last = dt.date.today().year + 1
    if not FIRST_YEAR <= year <= last:
        raise UsageError(f"年度 {year} 不合理：应为 {FIRST_YEAR} 到 {last} 之间的会计年度，请检查 --year")
    return year


def _workbook_output(output: Path) -> None:
    """``-o`` for one workbook: a file name ending in .xlsx, not an existing folder."""
    if output.is_dir():
        raise UsageError(f"-o {output} 是已存在的目录；请给出工作簿文件名，如 {output / '单位.xlsx'}"
                         "（每个单位一个文件请用 --units 单位清单.csv）")
    if output.suffix.lower() != ".xlsx":
        raise UsageError(f"-o {output} 的扩展名应为 .xlsx（输出的是 Excel 工作簿），请改为 {output.with_suffix('.xlsx')}")


def _folder_output(output: Path) -> None:
    """``-o`` for a folder of outputs: not an existing file."""
    if output.exists() and not output.is_dir():
        raise UsageError(f"-o {output} 是已存在的文件；这里需要一个输出目录，请另选目录名")


def _json_output(output: Path | None) -> None:
    if output is not None and output.suffix.lower() != ".json":
        click.secho(f"注意：{output} 写入的是 JSON，扩展名通常为 .json", fg="yellow", err=True)


@click.group(cls=ChineseGroup, help="perftool：部门决算公开表、绩效评价表的生成、审核与评分。",
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="perftool", help="显示版本并退出。")
def main() -> None:
    pass


@main.command(help="列出可用的表样及其版本。")
@click.option("--year", type=int, help="只列出适用于该年度的表。")
def templates(year: int | None) -> None:
    try:
        click.echo("表套（generate --set 的取值）：")
        for s in table_sets().values():
            tables = s.tables_for(year) if year else list(s.tables)
            if tables:
                click.echo(f"  {s.id:<16} {s.name}{'（默认）' if s.default else ''}：{'、'.join(tables)}")
        click.echo("表：")
        shown = 0
        for tid in catalog()["order"]:
            found = editions(tid)
            if not found or (year and tid not in available_tables(year)):
                continue
            table = load_table(tid, found[-1])
            title = table.title.replace("{year}", str(year) if year else "××××")
            click.echo(f"  {tid:<5} {table.number:<8} {table.sheet:<6} {title}"
                       f"  （版本：{'、'.join(f'{e}年起' for e in found)}）")
            shown += 1
        if not shown:
            first = min(e for tid in catalog()["order"] for e in editions(tid))
            raise UsageError(f"没有适用于 {year} 年度的表样（最早的表样适用于 {first} 年度起），"
                             "请换一个年度，或不带 --year 列出全部表样")
        click.echo("评分规则集（generate/score --rules 的取值，也可给出 .yaml 文件路径）：")
        for path in sorted((templates_dir() / "rules").glob("*.yaml")):
            ruleset, _ = load_ruleset(path.stem)
            if ruleset.get("kind") == "project":  # scores project 自评表 (score/projects.py)
                click.echo(f"  {path.stem:<16} {ruleset.get('name', '')}（项目支出绩效自评）")
                continue
            click.echo(f"  {path.stem:<16} {ruleset.get('title', '')}")
            for warning in check_ruleset(path.stem):
                click.secho(f"    警告：{warning}", fg="yellow")
    except PerftoolError as exc:
        _fail(exc)


@main.command(help="按年度生成空白（或预填）的报表工作簿；--data 时按数据文件填好。")
@click.option("--year", type=int, help="会计年度，决定表样版本（--data 的 workbook.year 可代替）。")
@click.option("--unit", default=None, help="单位名称。")
@click.option("--unit-code", default=None, help="单位编码。")
@click.option("--set", "set_name", default=None,
              help="表套（id 或名称，见 perftool templates；默认为决算公开与部门整体绩效）。")
@click.option("--tables", default="", help="只生成这些表，逗号分隔，如 gk01,gk02,fj1。")
@click.option("--rows", default=None, help="可变行数：30 或 gk02.rows=40,fj1.special=50。")
@click.option("--rules", default=None,
              help="评分表所依据的评分规则集（templates/rules 下的名称或 .yaml 文件路径；默认 zhengti-2021）。")
@click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="数据文件（YAML/JSON），生成后填入；其 workbook: 段可给出年度、单位和表；"
                   "amount_unit: 元 的金额按舍位平衡转换为万元。")
@click.option("--units", "units_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="单位清单 CSV（单位名称, 单位编码, 编制数），每个单位生成一个工作簿，-o 为输出目录。")
@click.option("--previous", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="上年度的批量输出目录（或上年报送的工作簿目录）：按单位预填上年数。")
@click.option("--projects", "projects_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="项目清单 CSV（单位名称, 单位编码, 项目名称, 项目编码, 主管部门, 预算数）：每个单位一个工作簿，"
                   "每个项目一张工作表；须用 --set 选择项目表套，-o 为输出目录。")
@click.option("--targets", "targets_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="项目申报表目录（申报表工作簿或其 JSON）：按项目预填自评表的绩效指标和年度指标值（与 --projects 同用）。")
@click.option("--jobs", type=int, default=None, help="与 --units 同用：并行进程数（默认为 CPU 核数）。")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="输出文件（或目录）。")
def generate(year: int | None, unit: str | None, unit_code: str | None, set_name: str | None, tables: str,
             rows: str | None, rules: str | None, data_file: Path | None, units_csv: Path | None,
             previous: Path | None, projects_csv: Path | None, targets_dir: Path | None, jobs: int | None,
             output: Path) -> None:
    try:
        data = load_data(data_file) if data_file else None
        meta = (data or {}).get("workbook") or {}
        year = year or meta.get("year")
        if not year:
            raise UsageError("请用 --year 指定会计年度（或在数据文件的 workbook: 段写明 year）")
        _check_year(int(year))
        if units_csv is None and projects_csv is None:
            _workbook_output(output)
        else:  # one workbook per unit
            _folder_output(output)
        chosen = [t.strip() for t in tables.split(",") if t.strip()] or meta.get("tables") or None
        set_name = set_name or meta.get("set")
        counts = {**(row_counts(data) if data else {}), **_parse_rows(rows)}
        rules = rules or meta.get("rules")
        for warning in check_ruleset(rules) if rules else []:
            click.secho(f"警告：评分规则集 {rules}：{warning}", fg="yellow", err=True)
        if targets_dir is not None and projects_csv is None:
            raise UsageError("--targets 须与 --projects 同用（按项目清单生成自评表时预填申报的绩效指标）")
        if projects_csv is not None:
            _generate_projects(int(year), projects_csv, chosen, counts, set_name, output,
                               load_declared(targets_dir, assess) if targets_dir else None)
            return
        if units_csv is None:
            plan = plan_workbook(int(year), unit if unit is not None else str(meta.get("unit", "")),
                                 unit_code if unit_code is not None else str(meta.get("unit_code", "")),
                                 chosen, counts, rules, set_name, projects=project_specs(data) if data else None)
            inputs = {**plan.default_inputs(), **(_given(data, plan) if data else {})}
            render(plan, inputs, output)
            click.echo(f"已生成 {output}（{year} 年度，{len(plan.layouts)} 张表：{'、'.join(plan.layouts)}）")
            return
        written: set[str] = set()
        units = read_units(units_csv)
        reported = _previous(previous) if previous else {}
        carried = 0
        orders = []
        for u in units:
            plan = plan_workbook(int(year), u.name, u.code, chosen, counts, rules, set_name)
            inputs = plan.default_inputs()
            if u.quota is not None and "fj1" in plan.layouts:
                inputs["fj1.staff_quota"] = u.quota
            before = last_year(reported, plan)
            if before:
                inputs.update(prefill(plan, before))
                carried += 1
            path = output / f"{_unique(safe_filename(u.code, u.name, str(year)), written)}.xlsx"
            orders.append(Order(int(year), u.name, u.code, path, inputs, chosen, counts, rules, set_name))
        failed = 0
        for order, failure in render_orders(orders, jobs):
            if failure:
                failed += 1
                click.secho(f"错误：{order.unit}（{order.unit_code}）：{failure}", fg="red", err=True)
        click.echo(f"已为 {len(units) - failed} 个单位生成工作簿，位于 {output}/"
                   + (f"；其中 {carried} 个单位已预填上年数" if previous else "")
                   + (f"；{failed} 个单位的工作簿未能写入（见上），请处理后重新生成" if failed else ""))
        if failed:
            sys.exit(2)
    except PerftoolError as exc:
        _fail(exc)


def _unique(name: str, written: set[str]) -> str:
    """``name``, or with 重名 appended until no other unit of this run has it; remembered in ``written``."""
    while name in written:
        name += "_重名"
    written.add(name)
    return name


def _generate_projects(year: int, projects_csv: Path, chosen: list[str] | None, counts: dict[str, int],
                       set_name: str | None, output: Path, declared: dict | None) -> None:
    """One workbook per unit of the project list, one sheet per project; ``declared`` pre-fills indicator rows."""
    if set_name is None and not chosen:
        sets = "、".join(f"{s.id}（{s.name}）" for s in table_sets().values()
                        if any(load_table(t, editions(t)[-1]).per_project for t in s.tables))
        raise UsageError(f"--projects 须用 --set 选择项目表套：{sets}")
    written: set[str] = set()
    prefilled = 0
    units = read_projects(projects_csv)
    for u in units:
        plan = plan_workbook(year, u.unit, u.unit_code, chosen, counts, set_name=set_name, projects=u.projects)
        inputs = plan.default_inputs()
        if declared:
            rows, targets = prefill_targets(plan, declared)
            if any(n > plan.counts.get(k, 0) for k, n in rows.items()):
                plan = plan_workbook(year, u.unit, u.unit_code, chosen, {**counts, **rows}, set_name=set_name,
                                     projects=u.projects)
            inputs.update(targets)
            prefilled += len({k.split(".", 1)[0] for k in targets})
        render(plan, inputs, output / f"{_unique(safe_filename(u.unit_code, u.unit, str(year)), written)}.xlsx")
    click.echo(f"已为 {len(units)} 个单位生成项目工作簿（共 {sum(len(u.projects) for u in units)} 个项目），"
               f"位于 {output}/" + (f"；{prefilled} 个项目已按申报表预填绩效指标" if declared is not None else ""))


def _given(data: dict, plan) -> dict:
    """The data's values by field key (amounts in 元 converted with 舍位平衡, reported); a value for a formula
    cell is written over it, with a notice."""
    given, balanced = given_values(data, plan)
    if balanced is not None:
        _report_balance(balanced)
    for key, value in given.items():
        field = plan.field(key)
        if field.kind == "formula":
            click.secho(f"注意：{key}（{field.sheet}!{field.cell}）是公式单元格，"
                        f"已按数据写入数值 {value}，覆盖了公式", fg="yellow", err=True)
    return given


def _report_balance(balanced: Balanced) -> None:
    """舍位平衡's report: every adjusted cell, and any identity the 元 figures themselves break."""
    moved = balanced.adjustments
    click.echo(f"金额已由元转换为万元（保留两位小数，舍位平衡）：调整 {len(moved)} 个单元格"
               + ("，各平衡关系均成立" if not balanced.unbalanced else ""))
    for a in moved:
        click.echo(f"  调整：{a.text()}")
    for line in balanced.unbalanced:
        click.secho(f"警告：{line}", fg="yellow", err=True)


@main.command(help="把数据文件（YAML/JSON）填入 perftool 生成的表样，输出新的工作簿（不修改原表样）；"
                   "amount_unit: 元 的金额按舍位平衡转换为万元。")
@click.argument("template", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="输出的工作簿。")
def fill(template: Path, data_file: Path, output: Path) -> None:
    try:
        if output.resolve() == template.resolve():
            raise UsageError("输出文件不能与表样是同一个文件（不覆盖原文件），请用 -o 指定新文件名")
        _workbook_output(output)
        book, plan = recognise(template)
        present = read_cells(book, plan).values
        data = load_data(data_file)
        needed = {k: n for k, n in row_counts(data).items() if n > plan.counts.get(k, 0)}
        if needed:
            plan = plan_workbook(plan.year, plan.unit, plan.unit_code, plan.table_ids, {**plan.counts, **needed},
                                 plan.rules, plan.table_set or None,
                                 issued([p.to_dict() for p in plan.projects.values()]))
            click.echo("可变行已按数据扩展：" + "、".join(f"{k} {n} 行" for k, n in needed.items()))
        given = _given(data, plan)
        render(plan, {**plan.default_inputs(), **present, **given}, output)
        click.echo(f"已填写 {len(given)} 个单元格，输出 {output}")
    except PerftoolError as exc:
        _fail(exc)


@main.command(help="导出工作簿中每个字段的值（填报项和计算项），按表和字段 id 组织为 JSON。")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="输出 JSON 文件；省略时打印到屏幕。")
def export(workbook: Path, output: Path | None) -> None:
    try:
        _json_output(output)
        book, plan = recognise(workbook)
        values = engine_for(plan).compute(read_cells(book, plan).values)
        doc = {"year": plan.year, "unit": plan.unit, "unit_code": plan.unit_code, "editions": plan.editions,
               "tables": nest(values, plan), **({"projects": nest_projects(values, plan)} if plan.projects else {})}
        _emit_json(doc, output, pretty=True)  # a data file people read and edit
        if output is not None:
            click.echo(f"已导出 {output}")
    except PerftoolError as exc:
        _fail(exc)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _score(x: float | None, complete: bool) -> str:
    return "—" if x is None else f"{x:.2f}" + ("" if complete else "*")


@main.command(help="列出错误代码：无法读取的文件（失败代码）和审核发现（审核代码），Markdown 表格。")
def codes() -> None:
    click.echo(codes_markdown())


LIMIT_OPTION = click.option(
    "--limit", multiple=True, metavar="NAME=VALUE",
    help="读取上限，可多次使用：file_mb part_mb total_mb ratio entries cells seconds text elements rows hyperlinks "
         "merges names strings runs formula；批量时每个文件另有 file_seconds memory_mb（默认值见 README）。")


def _limits(items: tuple[str, ...]) -> Limits:
    try:
        return Limits.parse(items)
    except ValueError as exc:
        _fail(UsageError(str(exc)))
        raise  # unreachable: _fail exits


def _previous(folder: Path) -> dict[tuple[str, int], Reported]:
    """Last year's reported figures under ``folder`` (batch output JSON, else workbooks)."""
    found = load_reported(folder, assess)
    click.echo(f"上年数据：{folder} 中找到 {len(found)} 个单位的上年报送数据", err=True)
    return found


def _budgets(folder: Path) -> list[Budget]:
    """The units' budgets under ``folder`` (budget batch output JSON, else budget workbooks)."""
    found = load_budgets(folder, assess)
    click.echo(f"预算数据：{folder} 中找到 {len(found)} 个单位的部门预算", err=True)
    return found


def _assess(workbook: Path, rules: str | None, limit: tuple[str, ...] = ()) -> Assessment:
    try:
        return assess(workbook, rules, _limits(limit))
    except PerftoolError as exc:
        _fail(exc)
        raise  # unreachable: _fail exits


def _print_findings(a: Assessment) -> None:
    click.echo(f"{a.path.name}：{a.plan.year} 年度 {a.plan.unit}（{'、'.join(a.plan.layouts)}）")
    for f in a.findings:
        where = f"{f.sheet}!{f.cell}" if f.sheet and f.cell else "整个工作簿"
        color = "red" if f.severity == ERROR else "yellow"
        click.secho(f"  [{SEVERITY_ZH[f.severity]}] {_pad(where, 14)} {f.message}", fg=color)
        if f.explanation:
            click.echo(f"      说明{'（数据已变）' if f.explanation_changed else ''}：{f.explanation}")
    verdict = "审核通过" if a.errors == 0 else "审核未通过"
    click.echo(f"{verdict}：错误 {a.errors} 条，提示 {a.warnings} 条（已说明 {a.explained} 条，未说明 {a.unexplained} 条）")


def _emit_json(doc: dict, output: Path | None, pretty: bool | None = None) -> None:
    """``doc`` printed, or written to ``output``: indented when ``pretty``, by default only on a terminal."""
    text = json_text(doc, sys.stdout.isatty() and output is None if pretty is None else pretty)
    if output is None:
        click.echo(text)
        return
    with atomic_path(output) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")


@main.command(help="审核工作簿：识别表样版本，重算公式，执行表内、表间审核公式和合理性检查。")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（格式见 README）。")
@LIMIT_OPTION
def audit(workbook: Path, as_json: bool, limit: tuple[str, ...]) -> None:
    a = _assess(workbook, None, limit)
    if as_json:
        doc = a.to_dict()
        _emit_json({k: doc[k] for k in ("format", "file", "sha256", "template", "unit", "unit_code", "year",
                                        "valid", "counts", "findings")}, None)
    else:
        _print_findings(a)
    sys.exit(1 if a.errors else 0)


@main.command(help="审核并评分：按评分规则计算各指标得分、总分和等次，可输出批注后的工作簿。")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rules", default=None, help="评分规则集（templates/rules 下的名称或 .yaml 文件路径，默认为工作簿评分表所用的规则集）。")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="输出批注后的工作簿（不修改原文件）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出评分结果（格式见 README）。")
@click.option("--json-file", type=click.Path(path_type=Path), help="把 JSON 评分结果写入该文件。")
@LIMIT_OPTION
def score(workbook: Path, rules: str | None, output: Path | None, as_json: bool, json_file: Path | None,
          limit: tuple[str, ...]) -> None:
    try:
        if output is not None:
            _workbook_output(output)
        _json_output(json_file)
    except PerftoolError as exc:
        _fail(exc)
    a = _assess(workbook, rules, limit)
    try:
        if output is not None:
            annotate(a, output)
        if json_file is not None:
            _emit_json(a.to_dict(), json_file)
    except PerftoolError as exc:
        _fail(exc)
    if as_json:
        _emit_json(a.to_dict(), None)
        sys.exit(1 if a.errors else 0)
    _print_findings(a)
    basis = a.basis
    if basis is not None:
        click.echo(f"\n{basis.source}（规则集 {basis.rules}）")
        click.echo(f"  {_pad('指标', 40)} {'分值':>6} {'计算':>7} {'自评':>7}  说明")
        for ind in basis.indicators:
            shown = lambda x: "—" if x is None else f"{x:.2f}"  # noqa: E731
            click.echo(f"  {_pad(ind.name[:20], 40)} {ind.max:>6.2f} {shown(ind.score):>7} {shown(ind.self_score):>7}"
                       f"  {ind.reason}")
        partial = "" if basis.complete else "（部分指标不可评价，未计入）"
        if basis.over_max:
            partial += f"（超过满分 {basis.full:.0f} 分，不评等次）"
        self_total = "—" if basis.self_total is None else f"{basis.self_total:.2f}"
        total = "—" if basis.total is None else f"{basis.total:.2f}"
        click.echo(f"  总分 {total}{partial}，自评总分 {self_total}，等次 {basis.grade or '—'}")
    if output is not None:
        click.echo(f"已输出批注工作簿 {output}")
    sys.exit(1 if a.errors else 0)


@main.command(help="批量审核评分：INBOX 下所有工作簿逐一审核、评分、批注，并输出汇总表。")
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="输出目录。")
@click.option("--jobs", type=int, default=None, help="并行进程数（默认为 CPU 核数）。")
@click.option("--rules", default=None, help="评分规则集（templates/rules 下的名称或 .yaml 文件路径）。")
@click.option("--previous", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="上年度的批量输出目录（或上年报送的工作簿目录）：核对各单位的上年数。")
@click.option("--budget", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="同一年度部门预算的批量输出目录（或预算公开工作簿目录）：核对各单位决算、自评表中的预算数。")
@click.option("--year", type=int, default=None, help="本次报送的年度：其他年度的工作簿不予评分（年度不符）。")
@click.option("--force", is_flag=True, help="全部重新评分（默认跳过内容未变、设置相同的已评分文件）。")
@click.option("--targets", "targets_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="项目申报表目录（申报表工作簿或其 JSON）：核对各项目自评表的指标、年度指标值和指标性质是否与申报一致。")
@click.option("--units", "units_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="单位清单 CSV（与 generate --units 相同）：给出每个单位的状态（未报送、无法读取、退回修改、已通过），"
                   "分批报送时以最新一份为准，早先的移入 历史/。")
@LIMIT_OPTION
def batch(inbox: Path, output: Path, jobs: int | None, rules: str | None, previous: Path | None,
          budget: Path | None, year: int | None, force: bool, targets_dir: Path | None, units_csv: Path | None,
          limit: tuple[str, ...]) -> None:
    from .season.roster import load_roster
    from .season.waves import is_season, run_wave

    started = time.monotonic()
    total = len(submissions(inbox))
    if output.resolve() == inbox.resolve() or inbox.resolve() in output.resolve().parents:
        _fail(UsageError("输出目录不能位于收件目录内（以免把输出当作报送文件），请另选 -o"))
    try:
        _folder_output(output)
        roster = load_roster(units_csv) if units_csv else None
        if roster is None and is_season(output):
            raise UsageError(f"输出目录 {output} 按单位清单分批收取报送（见其中的 报送记录.json）：请同样加上 "
                             "--units 单位清单.csv 运行，或用 -o 另选输出目录")
    except PerftoolError as exc:
        _fail(exc)
    others = skipped_files(inbox)
    if others:
        click.secho(f"注意：{inbox} 中有 {len(others)} 个文件不是工作簿，未处理（已列入汇总表“未识别文件”）："
                    + "、".join(others), fg="yellow", err=True)
    if not total:
        click.secho(f"注意：{inbox} 中没有找到工作簿（.xlsx）；请确认收件目录是否正确", fg="yellow", err=True)
    settings = Settings(rules, year, _limits(limit), _previous(previous) if previous else {},
                        _budgets(budget) if budget else [],
                        load_declared(targets_dir, assess) if targets_dir else {})
    try:
        with output_lock(output):
            if sys.stdout.isatty() and total > 1:
                with click.progressbar(length=total, label="审核评分中") as bar:
                    rows, reused = run_batch(inbox, output, settings, jobs, lambda _row: bar.update(1), force)
            else:
                rows, reused = run_batch(inbox, output, settings, jobs, None, force)
            season = run_wave(output, inbox, rows, roster) if roster else None
            write_summary_data(rows, output, settings, season.to_dict() if season else None)
            write_summary_workbook(rows, output / "汇总表.xlsx", skipped=others, season=season)
    except PerftoolError as exc:
        _fail(exc)
    widths = (32, 6, 8, 8, 8, 6, 6, 6)
    click.echo(" ".join(_pad(h, w) for h, w in zip(("单位", "年度", "评分依据", "计算总分", "自评总分", "等次", "错误",
                                                     "提示"), widths, strict=True)) + "状态")
    for r in rows:
        cells = ((r.unit or r.file)[:16], str(r.year or ""), r.basis or "—", _score(r.total, r.complete),
                 _score(r.self_total, True), r.grade or "—", str(r.errors), str(r.warnings))
        over = ["计算总分超过满分，不评等次、不排名"] if r.over_max else []
        click.echo(" ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)) + r.status
                   + (f"：{r.reason}" if r.reason else "") + "".join(f"；{f}" for f in [*over, *r.flags]))
    failed = sum(1 for r in rows if r.status != SCORED)
    with_errors = sum(1 for r in rows if r.errors)
    click.echo(f"完成：{len(rows)} 份，已评分 {len(rows) - failed} 份（其中有错误 {with_errors} 份），"
               f"无法读取 {failed} 份" + (f"，内容未变沿用上次结果 {reused} 份" if reused else "") +
               f"，用时 {time.monotonic() - started:.1f} 秒。汇总表：{output / '汇总表.xlsx'}"
               + ("（* 部分指标缺少数据不可评价，总分只含可评价指标）" if any(not r.complete for r in rows) else ""))
    if season:  # the exit code follows the current submissions, not the superseded ones
        click.echo("\n".join(season.lines()))
        failed = sum(1 for r in season.rows() if r.status != SCORED)
        with_errors = sum(1 for r in season.rows() if r.errors)
    sys.exit(2 if failed else 1 if with_errors else 0)


@main.command(help="汇总：把批量输出目录中已评分且无错误的报送逐项相加，生成同样表样的汇总工作簿（比率按公式重算）。")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="汇总工作簿（.xlsx）；旁边另写“…_单位明细.xlsx”。")
@click.option("--units", "units_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="单位清单 CSV（单位名称, 单位编码[, 上级单位编码]）：只汇总清单内的单位。")
@click.option("--by", type=click.Choice(["上级单位"]), default=None,
              help="按单位清单的上级单位编码逐级汇总（单位 → 部门 → 全部），各节点汇总另存。")
@click.option("--year", type=int, default=None, help="只汇总该年度（批量输出含多个年度时必填）。")
@click.option("--set", "set_name", default=None, help="只汇总该表套（含多个表套时必填）。")
@click.option("--name", default="汇总", show_default=True, help="汇总工作簿的单位名称。")
@click.option("--data", "data_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="另以数据文件（YAML/JSON）加入汇总的单位，可多次给出；amount_unit: 元 的先舍位平衡转换为万元。")
def consolidate(out: Path, output: Path, units_csv: Path | None, by: str | None, year: int | None,
                set_name: str | None, name: str, data_files: tuple[Path, ...]) -> None:
    from .season.accepted import accepted
    from .season.consolidate import consolidate as add_up, consolidate_tree, data_member
    from .season.contributions import write_contributions

    try:
        if output.suffix.lower() != ".xlsx":
            raise UsageError(f"汇总工作簿的文件名应以 .xlsx 结尾：{output}")
        if by and not units_csv:
            raise UsageError("--by 上级单位 需要 --units 单位清单（含“上级单位编码”列）")
        found, skipped = accepted(out)
        if set_name:
            from .definitions.catalog import table_set

            set_id = table_set(set_name).id
            found = [a for a in found if a.table_set == set_id]
        if year:
            found = [a for a in found if a.year == year]
        groups = sorted({(a.year, a.table_set or "、".join(a.tables)) for a in found})
        if len(groups) > 1:
            raise UsageError("批量输出中有多个年度或表套，请用 --year 和 --set 选定一组："
                             + "；".join(f"{y} 年度 {s}" for y, s in groups))
        roster = read_units(units_csv) if units_csv else None
        members = [a.member for a in found]
        if data_files and not found:
            raise UsageError(f"{out} 中没有可汇总的报送，无法确定 --data 数据文件的年度和表套")
        for path in data_files:
            member, balanced = data_member(load_data(path), found[0].year, list(found[0].tables), path.name)
            members.append(member)
            if balanced is not None:
                click.echo(f"{path.name}：", nl=False)
                _report_balance(balanced)
        if roster is not None:
            by_code = {u.code: u for u in roster if u.code}
            by_name = {u.name: u for u in roster}
            kept = []
            for m in members:
                u = by_code.get(m.unit_code) or by_name.get(m.unit)
                if u is None:
                    skipped.append(f"{m.label}：不在单位清单中，未汇总")
                    continue
                m.unit_code = m.unit_code or u.code
                kept.append(m)
            members = kept
            reported = {m.unit_code for m in members}
            named = {line.split("：", 1)[0] for line in skipped}  # with batch --units each unit's status is given
            skipped += [f"{u.name}（{u.code}）：未报送或未通过审核，未汇总" for u in roster
                        if u.code not in reported and u.name not in named
                        and not any(v.parent == u.code for v in roster)]
        if not members:
            raise UsageError("没有可汇总的报送：汇总只包括已评分且没有错误的工作簿"
                             + ("；" + "；".join(skipped[:5]) if skipped else ""))
        first = next((a for a in found if a.member in members), found[0])
        tables, the_set = list(first.tables), first.table_set
        nodes = []
        if by:
            parents = {u.code: u.parent for u in roster or [] if u.code}
            names = {u.code: u.name for u in roster or [] if u.code}
            top, nodes = consolidate_tree(first.year, tables, the_set, members, parents, names, name)
        else:
            top = add_up(first.year, tables, the_set, members, name)
        render(top.plan, top.inputs, output)
        detail = output.with_name(f"{output.stem}_单位明细.xlsx")
        write_contributions(top, detail)
        for node in nodes:
            stem = safe_filename(node.plan.unit_code, node.plan.unit)
            render(node.plan, node.inputs, output.with_name(f"{output.stem}_节点汇总") / f"{stem}.xlsx")
            write_contributions(node, output.with_name(f"{output.stem}_节点汇总") / f"{stem}_单位明细.xlsx")
        checked = assess(output)
        click.echo(f"已汇总 {len(top.plan.members)} 个单位（{first.year} 年度，{len(top.plan.layouts)} 张表："
                   f"{'、'.join(top.plan.layouts)}），输出 {output} 和 {detail.name}"
                   + (f"；逐级汇总 {len(nodes)} 个节点，见 {output.stem}_节点汇总/" if nodes else ""))
        click.echo(f"汇总表审核：错误 {checked.errors} 条，提示 {checked.warnings} 条")
        for line in skipped:
            click.echo(f"  未汇总：{line}", err=True)
    except PerftoolError as exc:
        _fail(exc)


chinese_metavars(main)
