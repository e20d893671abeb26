"""Input failures: a catalogue of stable codes for files that cannot be scored, with what the unit should do.

A failure stops the reading of one file (in a batch it becomes a 无法读取 row and the batch goes on). Problems
that still allow scoring are audit findings instead (see ``audit/findings.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import PerftoolError


@dataclass(frozen=True)
class Failure:
    """One catalogued reason a file cannot be read."""

    code: str
    title: str
    advice: str


FAILURES: dict[str, Failure] = {
    f.code: f
    for f in (
        Failure("not-spreadsheet", "不是电子表格文件",
                "请提交用下发表样填写、以 Excel 工作簿（.xlsx）保存的文件。"),
        Failure("zip-corrupt", "文件已损坏或不完整",
                "文件可能在传送中被截断，请重新保存并重新发送。"),
        Failure("legacy-xls", "Excel 97-2003 格式（.xls）",
                "请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）后重新提交。"),
        Failure("wps-et", "WPS 表格格式（.et）", "请在 WPS 中“另存为”Excel 工作簿（.xlsx）后重新提交。"),
        Failure("macro-enabled", "工作簿含宏（.xlsm）",
                "本系统不接收含宏的工作簿（宏不会被运行）；请“另存为”Excel 工作簿（.xlsx）后重新提交。"),
        Failure("encrypted", "工作簿设有打开密码",
                "请在 Excel/WPS 中取消“用密码进行加密”后重新提交（工作表保护无需取消）。"),
        Failure("too-large", "文件超过读取上限",
                "请确认提交的是下发的表样，没有粘贴大量无关内容；确需更大文件请联系财政部门调整上限。"),
        Failure("zip-bomb", "压缩内容异常（解压后体积或条目数超限）",
                "文件结构异常，可能不是正常保存的工作簿；请用 Excel/WPS 重新保存后提交。"),
        Failure("xml-unsafe", "工作簿含不安全的 XML（DTD 或实体声明）",
                "正常保存的工作簿不含此类内容；请用 Excel/WPS 重新保存后提交。"),
        Failure("xml-malformed", "工作簿内部 XML 损坏", "请用 Excel/WPS 打开后重新保存并提交。"),
        Failure("too-many-cells", "单元格数量超过读取上限",
                "请删除表格以外的多余内容（如整行整列的格式或数据）后重新提交。"),
        Failure("too-complex", "内容数量超过读取上限",
                "超链接、合并单元格、名称、字符串、行、格式片段或公式长度超过读取上限；请删除多余内容后重新提交，"
                "或联系财政部门调整上限。"),
        Failure("timeout", "读取超时", "文件过于复杂；请删除多余内容后重新提交，或联系财政部门。"),
        Failure("not-regular-file", "不是普通文件",
                "应提交工作簿文件本身，而不是管道、设备或指向别处的链接；请把文件复制到收件目录后重新处理。"),
        Failure("unreadable", "文件无法打开",
                "文件没有读取权限或磁盘读取出错（不是文件内容的问题）；请检查权限或重新复制该文件后再处理。"),
        Failure("not-perftool", "不是下发的表样", "请使用财政部门下发的本年度表样填报，不要另建工作簿或复制到其他文件。"),
        Failure("identity-damaged", "表样标识被改动", "请使用下发的表样重新填报，不要修改或删除隐藏的标识页。"),
        Failure("edition-mismatch", "表样版本不符", "请使用财政部门当前下发的表样重新填报。"),
        Failure("year-mismatch", "年度不符", "请使用本次报送年度的表样填报。"),
        Failure("sheet-missing", "缺少工作表", "请恢复被删除的工作表（可从下发表样中复制）后重新提交。"),
        Failure("sheet-renamed", "工作表被改名", "请把工作表名称改回表样中的名称后重新提交。"),
        Failure("internal-error", "程序未能处理该文件",
                "这是本程序的问题，不是报送单位的；请把该文件交给技术支持。本批其他文件不受影响。"),
        Failure("write-failed", "结果无法写入",
                "输出目录空间不足、只读或没有写入权限（不是文件内容的问题）；请腾出空间或更换输出目录后重新运行，"
                "已完成的结果会沿用。"),
        Failure("layout-shifted", "表格行列被插入或删除",
                "表样的行列位置不能改动；请删除插入的行列（或恢复删除的行列），可变行请在预留行内填写。"),
    )
}


class UnreadableWorkbook(PerftoolError):
    """A file perftool cannot score, with its catalogued ``code`` and where the problem is."""

    def __init__(self, code: str, file: str, detail: str = "", sheet: str | None = None, cell: str | None = None):
        failure = FAILURES[code]
        self.code, self.file, self.sheet, self.cell = code, file, sheet, cell
        where = f"工作表“{sheet}”" + (f" {cell} 单元格" if cell else "") if sheet else ""
        self.message = "：".join(x for x in (file, where, failure.title) if x) + (f"（{detail}）" if detail else "")
        super().__init__(f"{self.message}。{failure.advice}")

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "title": FAILURES[self.code].title, "file": self.file, "sheet": self.sheet,
                "cell": self.cell, "message": str(self)}
