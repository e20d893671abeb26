"""The shared strings of the spelling Excel, WPS and XlsxWriter write, read in one regular-expression pass.

A part that expat parses without error (no handlers: DTDs and entities refused as everywhere) and that is spelled
exactly ``<sst …><si><t>text</t></si>…</sst>`` (each item one ``t``, its text without ``<``, carriage returns or
character references, only the five predefined entities) has as its strings exactly those texts: nothing in it
is an element the string handlers would treat otherwise, and expat would change no character of them. Any other
part (rich-text runs, phonetic readings, another encoding) is read by the handlers.
"""

from __future__ import annotations

import re
from xml.parsers.expat import ExpatError

from .safe_xml import parser

#: Bytes of a shared-strings part read this way; a larger one is read by the handlers.
PLAIN_LIMIT = 4 * 2**20

_TEXT = r"[^<&\r]*(?:&(?:amp|lt|gt|quot|apos);[^<&\r]*)*"
_PART = re.compile(r'<\?xml version="1\.0" encoding="UTF-8"(?: standalone="yes")?\?>[ \t\r\n]*<sst(?: [^<>]*)?>'
                   rf'((?:<si><t(?: xml:space="preserve")?>{_TEXT}</t></si>)*)</sst>[ \t\r\n]*')
_ITEM = re.compile(r'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>')


def plain_strings(data: bytes) -> list[str] | None:
    """The texts of the string items of the part ``data``, or None if it is not well-formed or not spelled so."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = _PART.fullmatch(text)
    if found is None:
        return None
    p = parser(False)
    try:
        p.Parse(data, True)
    except (ExpatError, ValueError):  # not well-formed, or a DTD or entity refused
        return None
    return [_unescaped(t) if "&" in t else t for t in _ITEM.findall(found[1])]


def _unescaped(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))
