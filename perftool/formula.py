"""Compile the definitions' formulas (the allow-listed subset of Excel) into Python closures.

Only the functions of ``definitions.references.ALLOWED_FUNCTIONS`` and Excel's operators are known. Semantics
follow Excel: blanks are 0 in arithmetic and "" beside text, references inside SUM/COUNT/MIN/MAX/AND/OR skip
text, errors propagate, ROUND rounds half away from zero. The `formulas` library's whole-workbook model and
LibreOffice are the oracles this is tested against (tests/test_engine.py, tests/test_libreoffice.py); this
compiler exists because evaluating through them costs 20 times more per workbook.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from functools import partial
from operator import methodcaller
from typing import Any

from .excel import range_boundaries

Values = Mapping[str, Any]
Node = Callable[[Values], Any]
Position = tuple[str, int, int]  # sheet, 0-based row, 0-based column


class XlError(str):
    """An Excel error value such as ``#DIV/0!`` (a str, so results stay plain Python values)."""


DIV0, VALUE, NUM = XlError("#DIV/0!"), XlError("#VALUE!"), XlError("#NUM!")

_TOKEN = re.compile(r"""\s*(?:
    (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:'(?:[^']|'')+'!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![\w(])
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<func>[A-Z][A-Z0-9.]*)\s*\(
  | (?P<bool>TRUE|FALSE)\b
  | (?P<err>\#(?:DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|NULL!))
  | (?P<op><>|<=|>=|[-+*/^&=<>%(),])
)""", re.X)
_BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}
_PREFIX = 6


class FormulaSyntaxError(ValueError):
    """The text is not a formula of the supported subset."""


class _Ref:
    """A reference as parsed: the field keys it covers, row by row (None where a cell is not a field)."""

    def __init__(self, grid: list[list[str | None]]):
        self.keys = [k for row in grid for k in row]


def compile_formula(text: str, sheet: str, positions: Mapping[Position, str]) -> tuple[Node, set[str]]:
    """``text`` (A1 form, without ``=``) as a function of field values, and the field keys it reads."""
    tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in _tokens(text)]
    parser = _Parser(tokens, sheet, positions)
    node = parser.expression(0)
    if parser.i != len(tokens):
        raise FormulaSyntaxError(f"无法解析：{tokens[parser.i][1]!r}")
    return _scalar(node), parser.keys


def _tokens(text: str) -> list[re.Match[str]]:
    out, at = [], 0
    text = text.rstrip()
    while at < len(text):
        m = _TOKEN.match(text, at)
        if not m or m.end() == at:
            raise FormulaSyntaxError(f"无法解析：{text[at:at + 20]!r}")
        out.append(m)
        at = m.end()
    return out


class _Parser:
    """Pratt parser over the tokens; builds closures directly."""

    def __init__(self, tokens: list[tuple[str, str]], sheet: str, positions: Mapping[Position, str]):
        self.tokens, self.sheet, self.positions, self.i = tokens, sheet, positions, 0
        self.keys: set[str] = set()

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise FormulaSyntaxError(f"此处应为 {value!r}")
        self.i += 1
        return token

    def expression(self, power: int) -> Any:
        left = self.prefix()
        while True:
            token = self.peek()
            if token is None or token[0] != "op":
                return left
            op = token[1]
            if op == "%":
                self.take()
                operand = _scalar(left)
                left = lambda v, a=operand: _arith(a(v), 100.0, "/")  # noqa: E731
                continue
            level = _BINARY.get(op)
            if level is None or level <= power:
                return left
            self.take()
            right = _scalar(self.expression(level))
            left = _binary(op, _scalar(left), right)

    def prefix(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            value = float(text)
            return lambda v: value
        if kind == "str":
            value = text[1:-1].replace('""', '"')
            return lambda v: value
        if kind == "bool":
            flag = text == "TRUE"
            return lambda v: flag
        if kind == "err":
            error = XlError(text)
            return lambda v: error
        if kind == "ref":
            return self.reference(text)
        if kind == "func":
            return self.call(text)
        if text == "(":
            inner = self.expression(0)
            self.take(")")
            return inner
        if text in ("-", "+"):
            operand = _scalar(self.expression(_PREFIX))
            if text == "+":
                return operand
            return lambda v: _negate(operand(v))
        raise FormulaSyntaxError(f"此处不应出现 {text!r}")

    def reference(self, text: str) -> _Ref:
        sheet, _, address = text.rpartition("!")
        sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else (sheet or self.sheet)
        min_col, min_row, max_col, max_row = range_boundaries(address)  # takes $A$1 as it is
        grid = [[self.positions.get((sheet, r - 1, c - 1)) for c in range(min_col, max_col + 1)]
                for r in range(min_row, max_row + 1)]
        ref = _Ref(grid)
        self.keys.update(k for k in ref.keys if k)
        return ref

    def call(self, name: str) -> Node:
        args: list[Any] = []
        if self.peek() != ("op", ")"):
            while True:
                args.append(self.expression(0))
                if self.peek() == ("op", ","):
                    self.take()
                    continue
                break
        self.take(")")
        build = _FUNCTIONS.get(name.upper())
        if build is None:
            raise FormulaSyntaxError(f"不支持的函数 {name}")
        return build(args)


# -- values -------------------------------------------------------------------------------------------------

def _blank(values: Values) -> None:
    """A cell that is not a field: blank."""
    return None


def _scalar(node: Any) -> Node:
    """A node as a single value: a one-cell reference reads its cell; a larger range is #VALUE!."""
    if isinstance(node, _Ref):
        if len(node.keys) != 1:
            return lambda v: VALUE
        key = node.keys[0]
        return methodcaller("get", key) if key else _blank  # a C callable: ~half a closure's bytes (~11,000)
    return node


def _cells(node: Any) -> Callable[[Values], list[Any]] | None:
    """For a reference, a function listing its cells' values; None for any other argument."""
    if not isinstance(node, _Ref):
        return None
    keys = node.keys
    return lambda v: [v.get(k) if k else None for k in keys]


def _number(x: Any) -> float | XlError:
    """A value in arithmetic: blank 0, TRUE 1, numeric text read, other text #VALUE!."""
    if x is None:
        return 0.0
    if isinstance(x, XlError):
        return x
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, str):
        try:
            return float(x.strip()) if x.strip() else VALUE
        except ValueError:
            return VALUE
    return VALUE


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _text(x: Any) -> str | XlError:
    """A value beside ``&`` or in LEN: numbers in General format, TRUE/FALSE, blank as ""."""
    if x is None:
        return ""
    if isinstance(x, XlError):
        return x
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    if isinstance(x, (int, float)):
        return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:.15G}"
    return str(x)


def _truth(x: Any) -> bool | XlError:
    if isinstance(x, XlError):
        return x
    if x is None:
        return False
    if isinstance(x, str):
        upper = x.strip().upper()
        return {"TRUE": True, "FALSE": False}.get(upper, VALUE)
    return bool(x)


def _negate(x: Any) -> Any:
    n = _number(x)
    return n if isinstance(n, XlError) else -n + 0.0


def _arith(a: Any, b: Any, op: str) -> Any:
    x, y = _number(a), _number(b)
    if isinstance(x, XlError):
        return x
    if isinstance(y, XlError):
        return y
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return DIV0 if y == 0 else x / y
    try:
        result = x ** y
    except (OverflowError, ZeroDivisionError):
        return NUM if x else DIV0
    return result if isinstance(result, float) and math.isfinite(result) else NUM


def _rank(x: Any) -> int:
    return 2 if isinstance(x, bool) else 1 if isinstance(x, str) else 0


def _compare(a: Any, b: Any, op: str) -> Any:
    if isinstance(a, XlError):
        return a
    if isinstance(b, XlError):
        return b
    if a is None:
        a = "" if isinstance(b, str) else False if isinstance(b, bool) else 0.0
    if b is None:
        b = "" if isinstance(a, str) else False if isinstance(a, bool) else 0.0
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        a, b = ra, rb
    elif ra == 1:
        a, b = a.casefold(), b.casefold()
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _binary(op: str, left: Node, right: Node) -> Node:
    if op in ("+", "-", "*", "/", "^"):
        return lambda v: _arith(left(v), right(v), op)
    if op == "&":
        def concat(v: Values) -> Any:
            a, b = _text(left(v)), _text(right(v))
            return a if isinstance(a, XlError) else b if isinstance(b, XlError) else a + b
        return concat
    return lambda v: _compare(left(v), right(v), op)


# -- functions ----------------------------------------------------------------------------------------------

def _gather(args: list[Any], from_cell: Callable[[Any], Any], from_value: Callable[[Any], Any]
            ) -> Callable[[Values], list[Any] | XlError]:
    """The arguments' values: each referenced cell through ``from_cell`` (None skips it), every other argument
    through ``from_value``; the first error met is the result."""
    parts = [(_cells(a), _scalar(a)) for a in args]

    def collect(v: Values) -> list[Any] | XlError:
        out: list[Any] = []
        for cells, scalar in parts:
            if cells is not None:
                for x in cells(v):
                    if isinstance(x, XlError):
                        return x
                    y = from_cell(x)
                    if y is not None:
                        out.append(y)
            else:
                y = from_value(scalar(v))
                if isinstance(y, XlError):
                    return y
                out.append(y)
        return out
    return collect


def _numbers(args: list[Any]) -> Callable[[Values], list[float] | XlError]:
    """Numbers of the arguments as SUM sees them: references skip text, logicals and blanks; the first error met
    is the result. (The hottest loop of a recomputation: a float cell is taken without a call.)"""
    parts = [(a.keys if isinstance(a, _Ref) else None, _scalar(a)) for a in args]

    def collect(v: Values) -> list[float] | XlError:
        out: list[float] = []
        get = v.get
        for keys, scalar in parts:
            if keys is None:
                y = _number(scalar(v))
                if isinstance(y, XlError):
                    return y
                out.append(y)
                continue
            for key in keys:
                x = get(key) if key else None
                if x.__class__ is float:
                    out.append(x)
                elif isinstance(x, XlError):
                    return x
                elif _is_number(x):
                    out.append(float(x))
        return out
    return collect


def _aggregate(reduce: Callable[[list[float]], float], args: list[Any]) -> Node:
    collect = _numbers(args)

    def run(v: Values) -> Any:
        found = collect(v)
        return found if isinstance(found, XlError) else reduce(found)
    return run


def _count(args: list[Any]) -> Node:
    parts = [(_cells(a), _scalar(a)) for a in args]

    def run(v: Values) -> float:
        n = 0
        for cells, scalar in parts:
            values = cells(v) if cells is not None else [scalar(v)]
            n += sum(1 for x in values if _is_number(x))
        return float(n)
    return run


def _logical(combine: Callable[[list[bool]], bool], args: list[Any]) -> Node:
    collect = _gather(args, lambda x: bool(x) if isinstance(x, (int, float)) else None, _truth)

    def run(v: Values) -> Any:
        found = collect(v)
        return found if isinstance(found, XlError) else combine(found) if found else VALUE
    return run


def _if(args: list[Any]) -> Node:
    if not 2 <= len(args) <= 3:
        raise FormulaSyntaxError("IF 需要 2 或 3 个参数")
    test, yes = _scalar(args[0]), _scalar(args[1])
    no = _scalar(args[2]) if len(args) == 3 else (lambda v: False)

    def run(v: Values) -> Any:
        t = _truth(test(v))
        if isinstance(t, XlError):
            return t
        return yes(v) if t else no(v)
    return run


def _one(function: Callable[[float], Any], args: list[Any]) -> Node:
    if len(args) != 1:
        raise FormulaSyntaxError("函数需要 1 个参数")
    arg = _scalar(args[0])

    def run(v: Values) -> Any:
        n = _number(arg(v))
        return n if isinstance(n, XlError) else function(n)
    return run


def _round(mode: str, args: list[Any]) -> Node:
    if len(args) != 2:
        raise FormulaSyntaxError("ROUND 需要 2 个参数")
    value, digits = _scalar(args[0]), _scalar(args[1])

    def run(v: Values) -> Any:
        x, d = _number(value(v)), _number(digits(v))
        if isinstance(x, XlError):
            return x
        if isinstance(d, XlError):
            return d
        try:
            quantum = Decimal(1).scaleb(-int(d))
            return float(Decimal(repr(x)).quantize(quantum, rounding=mode))
        except InvalidOperation:
            return NUM
    return run


def _len(args: list[Any]) -> Node:
    arg = _scalar(args[0])

    def run(v: Values) -> Any:
        t = _text(arg(v))
        return t if isinstance(t, XlError) else float(len(t))
    return run


def _not(args: list[Any]) -> Node:
    arg = _scalar(args[0])

    def run(v: Values) -> Any:
        t = _truth(arg(v))
        return t if isinstance(t, XlError) else not t
    return run


def _sumif(args: list[Any]) -> Node:
    """SUMIF with a number or a field's value as its criterion: the cells equal to it select what is summed.

    A number matches equal numbers only; text (a code read from a field) matches equal text, case-blind, with
    no operators or wildcards read. Written text criteria (``">0"``, wildcards) are refused where definitions
    load: Excel and LibreOffice disagree on them.
    """
    if not 2 <= len(args) <= 3:
        raise FormulaSyntaxError("SUMIF 需要 2 或 3 个参数")
    where, criterion = _cells(args[0]), _scalar(args[1])
    what = _cells(args[2]) if len(args) == 3 else where
    if where is None or what is None:
        raise FormulaSyntaxError("SUMIF 的区域须为引用")
    if len(args) == 3 and len(args[0].keys) != len(args[2].keys):  # Excel would resize it; no definition needs that
        raise FormulaSyntaxError("SUMIF 的条件区域与求和区域须同样大小")

    def run(v: Values) -> Any:
        c = criterion(v)
        if isinstance(c, str) and c != "" and not isinstance(c, XlError):
            text = c.casefold()
            matches: Callable[[Any], bool] = lambda cell: isinstance(cell, str) and cell.casefold() == text
        else:
            target = _number(c)
            if isinstance(target, XlError):
                return target
            matches = lambda cell: _is_number(cell) and cell == target
        total = 0.0
        for cell, x in zip(where(v), what(v), strict=False):
            if matches(cell) and _is_number(x):
                total += x
        return total
    return run


_FUNCTIONS: dict[str, Callable[[list[Any]], Node]] = {
    "SUM": partial(_aggregate, math.fsum),
    "MIN": partial(_aggregate, lambda xs: min(xs) if xs else 0.0),
    "MAX": partial(_aggregate, lambda xs: max(xs) if xs else 0.0),
    "COUNT": _count,
    "AND": partial(_logical, all),
    "OR": partial(_logical, any),
    "NOT": _not,
    "IF": _if,
    "ABS": partial(_one, abs),
    "ROUND": partial(_round, ROUND_HALF_UP),
    "ROUNDUP": partial(_round, ROUND_UP),
    "ROUNDDOWN": partial(_round, ROUND_DOWN),
    "LEN": _len,
    "SUMIF": _sumif,
}
