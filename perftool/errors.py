"""Errors perftool reports to its users, with Chinese messages that say what is wrong and where."""

from __future__ import annotations

import errno


class PerftoolError(Exception):
    """A problem the user can act on; ``str()`` is the Chinese message shown on the command line."""


class DefinitionError(PerftoolError):
    """A table definition or rule set in ``templates/`` is malformed."""


class UsageError(PerftoolError):
    """The command was asked for something that does not exist (year, table, option value)."""


class OutputError(PerftoolError):
    """An output could not be written (disk full, read-only, no permission); names the path."""

    def __init__(self, path: object, exc: BaseException):
        self.path, self.errno = path, getattr(exc, "errno", None)
        super().__init__(f"无法写入 {path}：{os_reason(exc)}。已有的输出未被改动；请腾出空间或更换输出目录后重新运行")


_ERRNO_ZH = {
    errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "磁盘配额已满", errno.EROFS: "文件系统只读",
    errno.EACCES: "没有访问权限", errno.EPERM: "没有访问权限", errno.ENOENT: "文件或目录不存在",
    errno.EIO: "磁盘读写错误", errno.ENOTDIR: "路径中有一项不是目录", errno.EISDIR: "是目录而不是文件",
}


def os_reason(exc: BaseException) -> str:
    """A Chinese word on why the operating system refused (ENOSPC → 磁盘空间不足 …)."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc  # XlsxWriter wraps OSError
    code = getattr(inner, "errno", None)
    return _ERRNO_ZH.get(code, getattr(inner, "strerror", None) or type(inner).__name__) if code else str(inner)
