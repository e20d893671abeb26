"""Parse one XML part with plain expat handlers: DTDs, entity declarations and external entities refused.

The refusals are defusedxml's (the same exceptions, raised from the same expat hooks), without its pure-Python
ElementTree layer: the caller's handlers see every element directly and keep only what they need. The part is
fed from a stream that counts inflated bytes, so the zip limits and the deadline hold while it is parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any, NoReturn
from xml.parsers import expat

from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

#: Bytes handed to expat at a time (the counting stream is checked once per chunk).
CHUNK = 65536


def _doctype(name: str, sysid: str | None, pubid: str | None, internal: bool) -> NoReturn:
    raise DTDForbidden(name, sysid, pubid)


def _entity(name: str, is_parameter: bool, value: str | None, base: str | None, sysid: str | None,
            pubid: str | None, notation: str | None) -> NoReturn:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)


def _unparsed_entity(name: str, base: str | None, sysid: str | None, pubid: str | None,
                     notation: str | None) -> NoReturn:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> NoReturn:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


#: Puts a part's handlers on a parser (a handler may change them while the part is parsed) and returns what to
#: call once the whole part has been parsed.
Install = Callable[[Any], Callable[[], None]]


def parser(namespaces: bool = True) -> Any:
    """An expat parser reporting ``{namespace}local`` names as ``namespace}local`` (ElementTree's separator), or
    names as written (``x:c``) without ``namespaces``; character data joined, and every DTD or entity refused. The
    caller installs its own handlers.

    Without namespaces names are shorter to decode, hash and compare (sheets and shared strings are read by local
    name, whatever their namespace), but a prefix nothing declares is not an error."""
    p = expat.ParserCreate(None, "}") if namespaces else expat.ParserCreate()
    p.buffer_text = True
    p.buffer_size = CHUNK
    p.StartDoctypeDeclHandler = _doctype
    p.EntityDeclHandler = _entity
    p.UnparsedEntityDeclHandler = _unparsed_entity
    p.ExternalEntityRefHandler = _external
    return p


def handlers(start: Callable[[str, dict[str, str]], Any], end: Callable[[str], Any],
             text: Callable[[str], Any] | None) -> Install:
    """Installs fixed handlers (``text`` gets each run of character data), with nothing to do at the end."""
    def install(p: Any) -> Callable[[], None]:
        p.StartElementHandler = start
        p.EndElementHandler = end
        if text is not None:
            p.CharacterDataHandler = text
        return _done
    return install


def _done() -> None:
    """Nothing left to do once the part has been parsed."""


def feed(p: Any, stream: IO[bytes]) -> None:
    """Parse all of ``stream`` with ``p``; handler exceptions and expat errors propagate to the caller."""
    parse, read = p.Parse, stream.read
    while True:
        data = read(CHUNK)
        if not data:
            break
        parse(data, False)
    parse(b"", True)


class Stop(Exception):
    """Raised by a handler that has found what it was looking for: the rest of the part is not parsed."""


#: ``namespace}local`` or ``prefix:local`` → ``local`` for the names met so far (read directly by the handlers).
LOCAL_NAMES: dict[str, str] = {}


def local(name: str) -> str:
    """``namespace}c`` or ``x:c`` → ``c`` (memoised: a part has few distinct names and many elements)."""
    tag = LOCAL_NAMES.get(name)
    if tag is None:
        tag = name.rpartition("}")[2].rpartition(":")[2]
        if len(LOCAL_NAMES) < 1000:
            LOCAL_NAMES[name] = tag
    return tag
