"""Writing outputs safely: to a temporary file beside the target, renamed into place when complete.

A write the operating system refuses (disk full, read-only, no permission) becomes an :class:`OutputError`
naming the path; the target keeps what it held before. JSON is written strictly (no NaN or Infinity).
"""

from __future__ import annotations

import gc
import json
import math
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xlsxwriter.exceptions import FileCreateError

from .errors import OutputError

PARTIAL = ".part"


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder; on success rename it to ``target``, else remove it."""
    target = Path(target)
    tmp: Path | None = None
    previous = sys.unraisablehook
    sys.unraisablehook = _quiet(previous)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + PARTIAL, dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; an output gets the permissions of any new file
        yield tmp
        os.replace(tmp, target)
    except (OSError, FileCreateError) as exc:
        error = OutputError(target, exc)
        for e in (exc, exc.__context__, *exc.args):  # free the failed writer's frames now, under the quiet hook
            if isinstance(e, BaseException):
                e.__traceback__ = None
        del exc, e
        gc.collect()
        raise error from None
    finally:
        sys.unraisablehook = previous
        if tmp is not None and tmp.exists():
            tmp.unlink()


def _quiet(previous: Any) -> Any:
    """An unraisable-exception hook silent about one case: XlsxWriter leaves its half-written zip to the garbage
    collector when a write fails, and closing it on a full disk fails again (the write failure itself is
    reported)."""

    def hook(unraisable: Any) -> None:
        if not (isinstance(unraisable.exc_value, OSError)
                and getattr(unraisable.object, "__qualname__", "") == "ZipFile.__del__"):
            previous(unraisable)

    return hook


def remove_partials(folder: Path) -> int:
    """Remove temporary files a killed run left under ``folder``; return how many."""
    removed = 0
    for p in Path(folder).rglob(f".*{PARTIAL}"):
        try:
            p.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def strict(value: Any, keep: bool = False) -> Any:
    """``value`` made strict JSON: NaN and ±Infinity become null (their text, ``"NaN"``, where ``keep``).

    Within a finding (a mapping with a ``code``) non-finite numbers are kept as text, so the original is not lost.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return ("NaN" if value != value else "Infinity" if value > 0 else "-Infinity") if keep else None
    if isinstance(value, dict):
        keep = keep or "code" in value
        return {k: strict(v, keep) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v, keep) for v in value]
    return value


#: The two encoders, made once. Neither checks for reference cycles: a document is a tree of plain values built
#: afresh (``to_dict``, the summary's records), and the check (a dict of ids kept for every list and mapping) cost
#: about a third of the encoding of a result JSON.
_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False, separators=(",", ":"))
_PRETTY = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False, indent=2)


def json_text(doc: Any, pretty: bool = False) -> str:
    """``doc`` as strict JSON, Chinese kept readable: compact (the C encoder), or indented for a person.

    Non-finite numbers are rare, so the document is first encoded as it is; only when that meets one is it made
    strict (see ``strict``) and encoded again.
    """
    encoder = _PRETTY if pretty else _COMPACT
    try:
        return encoder.encode(doc)
    except ValueError:
        return encoder.encode(strict(doc))


def write_json(target: Path, doc: Any, pretty: bool = False) -> None:
    """``doc`` written atomically to ``target`` as strict JSON and a final newline."""
    write_text(target, json_text(doc, pretty))


def write_text(target: Path, text: str) -> None:
    """``text`` and a final newline written atomically to ``target`` in UTF-8 (no copy of the text made)."""
    with atomic_path(target) as tmp:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.write("\n")


def _umask() -> int:
    """The process's umask (read by setting it, then restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
