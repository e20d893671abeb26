"""Chinese for click's own texts (errors, Usage/Options help chrome), and a group that turns OS errors into them.

click marks its texts for gettext (``_("Usage:")``) but ships no catalogue; :func:`install` points those
modules' ``_``/``ngettext`` at the table below, so ``--help`` and parameter errors read in Chinese.
"""

from __future__ import annotations

import errno
import importlib
import re
import sys
from typing import Any

import click

MESSAGES = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "可运行 '{command} {option}' 查看用法。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter: {param_name}.": "缺少参数：{param_name}。",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Aborted!": "已中止。",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在，请检查路径和文件名。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录，这里需要一个文件。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，这里需要一个目录。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取（没有权限）。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入（没有权限）。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "integer": "整数",
    "float": "数字",
    "{value} is not in the range {range}.": "{value} 不在 {range} 范围内。",
    "default: {default}": "默认：{default}",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "required": "必填",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
}
PLURAL_MESSAGES = {
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "Did you mean {possibility}?": "是否想输入 {possibility}？",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
}
#: Metavars of typed options in help (``--year 整数``).
METAVARS = {"integer": "整数", "text": "文本", "path": "路径", "float": "数字"}
#: OS errors a user causes (a wrong path, a folder where a file goes, no permission), in Chinese.
OS_ERRORS = {errno.ENOENT: "不存在", errno.EISDIR: "是一个目录（这里需要文件名）",
             errno.ENOTDIR: "路径中有一段是文件而不是目录", errno.EEXIST: "已存在（且不是目录）",
             errno.EACCES: "没有访问权限", errno.EPERM: "没有访问权限", errno.ENOSPC: "磁盘空间不足",
             errno.EROFS: "位于只读的文件系统"}


def _gettext(text: str) -> str:
    return MESSAGES.get(text, text)


def _ngettext(singular: str, plural: str, n: int) -> str:
    text = PLURAL_MESSAGES.get(singular, singular if n == 1 else plural)
    return text


class ChineseFormatter(click.HelpFormatter):
    """Help text with full-width colons after its headings (``选项：``)."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


def install() -> None:
    """Point click's message lookups at the Chinese table, and help at the Chinese formatter (idempotent)."""
    click.Command.context_class = ChineseContext
    for name in ("core", "exceptions", "formatting", "types", "decorators", "parser", "termui"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext


def chinese_metavars(group: click.Group) -> None:
    """Give every typed option of ``group``'s commands a Chinese metavar, unless it has its own."""
    for command in group.commands.values():
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag and param.metavar is None:
                param.metavar = METAVARS.get(param.type.name)


def os_error_message(exc: OSError) -> str:
    """``无法使用 out/x.xlsx：是一个目录（这里需要文件名）``."""
    # the target, not the temporary ".name.random.xlsx.part" it is written through
    where = re.sub(r"(^|/)\.(.+)\.[^./]+(\.[^./]+)\.part$", r"\1\2\3", str(exc.filename or ""))
    return f"无法使用 {where}：{OS_ERRORS.get(exc.errno or 0, exc.strerror or '系统错误')}，请检查路径后重试"


class ChineseGroup(click.Group):
    """A command group with Chinese usage metavars whose commands end with rc 2 and a Chinese message on an
    OS error (a path that cannot be read or written) instead of a traceback."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("options_metavar", "[选项]")
        return super().command(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # output piped into a command that stopped reading (| head)
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:
            click.secho(f"错误：{os_error_message(exc)}", fg="red", err=True)
            sys.exit(2)
