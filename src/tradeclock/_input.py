"""Reading a document (an event log, a TOP payload, a rule set file) without guessing.

One rule for every reader: a ``pathlib.Path`` is a file; ``bytes`` are the document itself
(UTF-8, a byte-order mark allowed), never a path; a ``str`` is the document when it parses, and
a path only when it does not parse and names an existing file; anything else is
:class:`~tradeclock.InvalidInput` saying it is neither.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from ._errors import InvalidInput
from ._limits import MAX_LOG_BYTES as MAX_BYTES

__all__ = [
    "MSGSPEC_REFUSES",
    "at_once",
    "json_looks_like",
    "read_document",
    "read_json",
    "toml_looks_like",
]

T = TypeVar("T")
_BOM = "\ufeff"


def read_document(
    obj: str | bytes | bytearray | Path,
    what: str,
    kind: str,
    parse: Callable[[str], T],
    looks_like: Callable[[str], bool],
) -> T:
    """The parsed document ``obj``; ``what`` names it in errors ("event log"), ``kind`` its
    format ("JSON"); ``parse`` raises ``InvalidInput`` on malformed text; ``looks_like`` tells
    text meant as a document (whose parse error is the one to report) from a mistyped path."""
    if isinstance(obj, Path):
        return _parse_file(obj, what, parse)
    if isinstance(obj, bytes | bytearray):
        return parse(_not_empty(_decode(bytes(obj), what), what, kind))
    if not isinstance(obj, str):
        raise InvalidInput(
            f"the {what} is given as a mapping, {kind} text (str or bytes) or a pathlib.Path, "
            f"not {type(obj).__name__}"
        )
    text = obj.removeprefix(_BOM)
    _check_size(len(text.encode("utf-8", "surrogatepass")), what)
    try:
        return parse(text)
    except InvalidInput:
        if _names_file(text):
            return _parse_file(Path(text), what, parse)
        if not text.strip():
            raise InvalidInput(f"the {what} is empty (no {kind})") from None
        if looks_like(text):
            raise
    shown = text if len(text) <= 60 else text[:57] + "..."
    raise InvalidInput(
        f"{shown!r} is neither {kind} nor the path of an existing file (the {what} is given "
        f"as {kind} text or a path)"
    )


def _not_empty(text: str, what: str, kind: str) -> str:
    if not text.strip():
        raise InvalidInput(f"the {what} is empty (no {kind})")
    return text


def _parse_file(path: Path, what: str, parse: Callable[[str], T]) -> T:
    text = _file(path, what)
    try:
        return parse(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{what} {str(path)!r}: {exc.message}") from None


def _names_file(text: str) -> bool:
    if not text or len(text) > 4096 or "\n" in text or "\0" in text:
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def _file(path: Path, what: str) -> str:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {str(path)!r}: {exc.strerror}") from None
    return _decode(raw, what, str(path))


def _decode(raw: bytes, what: str, name: str = "") -> str:
    _check_size(len(raw), what)
    try:
        return raw.decode("utf-8").removeprefix(_BOM)
    except UnicodeDecodeError:
        where = f"{what} {name!r}" if name else f"the {what}"
        raise InvalidInput(f"{where} is not UTF-8 text") from None


def _check_size(size: int, what: str) -> None:
    if size > MAX_BYTES:
        raise InvalidInput(f"the {what} is larger than {MAX_BYTES} bytes")


def json_looks_like(text: str) -> bool:
    """Text meant as JSON (not a path): it starts like a JSON value."""
    head = text.lstrip()[:1]
    return head in ("{", "[", '"', "-") or head.isdigit() or text.strip() in _JSON_WORDS


_JSON_WORDS = ("null", "true", "false")


def toml_looks_like(text: str) -> bool:
    """Text meant as TOML (not a path): it holds a line or a key and value."""
    return "\n" in text or "=" in text or text.lstrip().startswith("[")


def read_json(obj: str | bytes | bytearray | Path, what: str) -> Any:
    """The JSON value ``obj`` is (text or bytes) or names (a ``Path``, or a ``str`` that is not
    JSON and names an existing file); ``what`` names it in errors ("event log")."""
    # the common case read at once (msgspec checks the UTF-8 of bytes itself); what it refuses
    # is read again the long way, which says what is wrong or reads it as the standard library
    # does (NaN, a huge integer, a lone surrogate)
    if at_once(obj):
        try:
            return _decode_json(obj)  # type: ignore[arg-type]  # (bytes or str, checked above)
        except MSGSPEC_REFUSES:
            pass
    return read_document(obj, what, "JSON", parse_json, json_looks_like)


#: A text of at most this many characters is within MAX_BYTES in UTF-8, whatever it holds.
_SHORT = MAX_BYTES // 4
_BOM_BYTES = _BOM.encode()
#: What msgspec raises on JSON it does not read (malformed, too deep, or a ``str`` holding a
#: lone surrogate, which has no UTF-8): read it the long way.
MSGSPEC_REFUSES = (msgspec.DecodeError, RecursionError, UnicodeEncodeError)


def at_once(obj: object) -> bool:
    """Whether ``obj`` is JSON bytes or text msgspec may read at once: within the size limit
    and without a byte-order mark (anything else is read the long way, which says why)."""
    if type(obj) is bytes:
        return len(obj) <= MAX_BYTES and not obj.startswith(_BOM_BYTES)
    return type(obj) is str and len(obj) <= _SHORT and not obj.startswith(_BOM)


_decode_json = msgspec.json.Decoder().decode


def parse_json(text: str) -> Any:
    """The value of JSON ``text``; malformed JSON is :class:`InvalidInput` with its place.

    msgspec's decoder reads it (in C, several times faster); what it refuses is read again by
    the standard library, whose answer (a value, ``NaN`` or a huge integer say, or the error
    with its line and column) is the one given, so both readers accept the same documents."""
    try:
        return _decode_json(text)
    except MSGSPEC_REFUSES:
        pass
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise InvalidInput("malformed JSON: nested too deeply") from None
