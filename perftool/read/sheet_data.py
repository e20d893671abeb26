"""The shapes of a ``<sheetData>`` region that are read from its text with compiled patterns, not by expat.

A region is read this way only if it is UTF-8 without characters XML refuses, a carriage return or ``]]>``, and
the patterns tile it character for character: rows (``<row …>``, ``</row>``, ``<row …/>``) and cells (``<c …/>``,
``<c …>`` with ``<v>``, ``<f …>`` and ``<is>`` holding ``<t …>`` children) between XML whitespace, attribute
values in double quotes without ``&``, ``<`` or whitespace other than spaces, character data with the five named
entities and character references. Everything the patterns match is well-formed XML that expat reads to the
same names, attributes and text; anything else (a comment, CDATA, a prefix, a rich-text run, an attribute written
twice or in single quotes) raises :class:`Uncovered`, and the sheet is read by the expat handlers instead.
"""

from __future__ import annotations

import re

#: Bytes of characters XML does not allow (expat refuses them) and of a carriage return (expat normalises it).
_REFUSED = bytes([*range(0x9), 0xB, 0xC, *range(0xD, 0x20)])
_REFUSED_TEXT = (b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"]]>")  # U+FFFE, U+FFFF; ``]]>`` outside CDATA

_WS = "[ \t\n]"
_NAME = "[A-Za-z_][-A-Za-z0-9_.:]*"
_PLAIN = "[^\"<&\t\n\r]*"  # an attribute value as expat reads it (no entity, no whitespace to normalise)
_VALUE = f'"{_PLAIN}"'
_ATTRS = f"(?:{_WS}+{_NAME}{_WS}*={_WS}*{_VALUE})*"
_TEXT = "[^<&]*(?:&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});[^<&]*)*"
_INLINE = f"(?:{_WS}+|<t{_ATTRS}{_WS}*(?:/>|>{_TEXT}</t>))*"
_CHILD = f"(?:{_WS}+|<v>{_TEXT}</v>|<v/>|<f{_ATTRS}{_WS}*(?:/>|>{_TEXT}</f>)|<is>{_INLINE}</is>|<is/>)"

#: The tokens of a region, as ``findall`` gives them (an unmatched group is ""): (the token, `` r="…"``, `` s="…"``,
#: `` t="…"``, a cell's other attributes, ``<v>…</v>``, a cell's children, ``</row>``, ``<row``, its number, its
#: other attributes, a row's attributes, ``/`` if it is empty): a cell (``r``, ``s``, ``t`` in this order, or any
#: attributes; a lone value, or any children), a row's end, a row's start (``r`` first, or any attributes), or
#: whitespace.
TOKENS = re.compile(
    f'(<c(?:( r="{_PLAIN}")( s="{_PLAIN}"|)( t="{_PLAIN}"|)|({_ATTRS})){_WS}*(?:/>|>(?:(<v>[^<&]*</v>)|({_CHILD}*))</c>)'
    f"|(</row>)"
    f'|(<row)(?: r="([0-9]{{1,7}})"({_ATTRS})|({_ATTRS})){_WS}*(/?)>'
    f"|{_WS}+)")
#: Characters of a region read at a time (then up to the end of a row): what ``findall`` holds at once.
SLICE = 32768

#: One child of a cell's body: whitespace, a value (empty if ``<v/>``), a formula, an inline string.
CHILD = re.compile(f"{_WS}+|<v>(?P<v>{_TEXT})</v>|(?P<nov><v/>)|<f(?P<fattrs>{_ATTRS}){_WS}*(?:/>|>(?P<f>{_TEXT})</f>)"
                   f"|<is>(?P<inline>{_INLINE})</is>|(?P<noinline><is/>)")
#: One ``<t>`` of an inline string (its text, None for ``<t/>``), or whitespace.
INLINE = re.compile(f"{_WS}+|<t{_ATTRS}{_WS}*(?:/>|>(?P<t>{_TEXT})</t>)")
_ATTRIBUTE = re.compile(f"{_WS}+({_NAME}){_WS}*={_WS}*\"([^\"]*)\"")
_ENTITY = re.compile("&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}

#: Attributes as written → as a dict (bounded: a layout's rows and formulas repeat theirs).
_ATTRIBUTES: dict[str, dict[str, str]] = {}


class Uncovered(Exception):
    """The region holds something the patterns do not cover: it is read by the expat handlers."""


def region_text(region: bytes) -> str | None:
    """The region as text, or None if it is not UTF-8 or holds what expat would refuse or normalise."""
    if len(region.translate(None, _REFUSED)) != len(region) or any(b in region for b in _REFUSED_TEXT):
        return None
    try:
        return region.decode("utf-8")
    except UnicodeDecodeError:
        return None


def attributes(written: str) -> dict[str, str]:
    """`` a="1" b="2"`` (matched by the patterns) → {"a": "1", "b": "2"}; an attribute written twice is
    :class:`Uncovered` (expat refuses it)."""
    found = _ATTRIBUTES.get(written)
    if found is None:
        pairs = _ATTRIBUTE.findall(written)
        found = dict(pairs)
        if len(found) != len(pairs):
            raise Uncovered(written)
        if len(_ATTRIBUTES) < 4096:
            _ATTRIBUTES[written] = found
    return found


def decoded(text: str) -> str:
    """Character data with its entities and character references replaced, as expat replaces them."""
    return _ENTITY.sub(_char, text) if "&" in text else text


def _char(m: re.Match[str]) -> str:
    if m[1]:
        return _NAMED[m[1]]
    code = int(m[2]) if m[2] else int(m[3], 16)
    if not (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF):
        raise Uncovered(m[0])  # expat refuses a reference to a character XML does not allow
    return chr(code)
