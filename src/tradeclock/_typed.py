"""The event log read in one pass: JSON bytes or text decoded by msgspec straight into one
struct per event type, each then made the checked :class:`~tradeclock.Event` that
:func:`~tradeclock.parse_event` builds from the same object.

The structs derive from the event catalogue (``FIELDS``, ``FIELD_DEFS``, the defaults): a
field the type does not take, a missing required one, a value of the wrong JSON type or an
enum's unknown value stops msgspec. Amounts, durations, texts and bank codes are read by the
parsers :func:`parse_event` uses. This reader only settles logs: anything it does not take
(any refusal, a trade's ``lines``, an event type of a shop's own, a byte-order mark, a huge
document) is ``None``, and the caller reads the log the long way, which accepts the same logs
and says what is wrong. A property test holds the two ways equal on generated and broken logs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Union

import msgspec

from ._errors import InvalidInput
from ._events import (
    DEFAULTS,
    FIELD_DEFS,
    FIELDS,
    OPTIONAL_FIELDS,
    Event,
    Parsed,
    field_parser,
    utc_instant,
)
from ._input import MSGSPEC_REFUSES, at_once
from ._limits import MAX_DAYS, MAX_EVENTS, MAX_TEXT_LENGTH
from ._limits import MAX_LOG_BYTES as MAX_BYTES
from ._time import DATETIME_RE

__all__ = ["read_events", "read_log"]

_UNSET = msgspec.UNSET
#: Field kinds whose JSON values msgspec checks as the log's parsers do (the JSON type, the
#: enum's values, the range); the others are read by the parsers themselves.
_CHECKED: dict[str, Any] = {
    "bool": bool,
    "days": Annotated[int, msgspec.Meta(ge=1, le=MAX_DAYS)],
    "length": Annotated[int, msgspec.Meta(ge=0, le=MAX_TEXT_LENGTH)],
}


class _Decline(Exception):
    """This reader does not settle the log: the caller reads it the long way."""


def _annotation(name: str) -> Any:
    fd = FIELD_DEFS[name]
    if fd.choices is not None:
        return fd.choices
    return _CHECKED.get(fd.kind, Any)


def _struct_and_builder(etype: Any) -> tuple[type, Any]:
    """The struct msgspec decodes an event of type ``etype`` into, and the function that
    makes it the checked event (one generated function per type: no loop over fields)."""
    required, optional = FIELDS[etype]
    defaults = [DEFAULTS.get(etype, {}).get(name) for name in OPTIONAL_FIELDS]
    annotations: dict[str, Any] = {"at": str}
    namespace: dict[str, Any] = {"__annotations__": annotations}
    body = [
        "def build(s):",
        "    raw = s.at",
        "    at = utc_instant(raw) if match(raw) else None",
        "    if at is None:",
        "        raise Decline",
    ]
    values = []
    scope: dict[str, Any] = {
        "utc_instant": utc_instant,
        "match": DATETIME_RE.match,
        "Decline": _Decline,
        "new": tuple.__new__,
        "Parsed": Parsed,
        "ETYPE": etype,
        "UNSET": _UNSET,
    }
    for i, name in enumerate(OPTIONAL_FIELDS):
        default = defaults[i]
        scope[f"D{i}"] = default
        if name not in required and name not in optional:
            values.append(f"D{i}")
            continue
        annotation = _annotation(name)
        annotations[name] = annotation
        if name not in required:
            namespace[name] = default if annotation is not Any else _UNSET
        if annotation is not Any:  # msgspec checked it as the parser would
            values.append(f"s.{name}")
        elif name == "lines":  # a trade: read the long way
            body.append(f"    if s.{name} is not UNSET:")
            body.append("        raise Decline")
            values.append(f"D{i}")
        else:
            scope[f"P{i}"] = field_parser(name)[1]
            read = f"P{i}(s.{name}, {name!r})"
            if name not in required:
                read = f"D{i} if s.{name} is UNSET else {read}"
            body.append(f"    v{i} = {read}")
            values.append(f"v{i}")
    body.append(f"    return new(Parsed, (ETYPE, at, {', '.join(values)}))")
    struct = type(
        f"_{etype.value}",
        (msgspec.Struct,),
        namespace,
        tag=etype.value,
        tag_field="type",
        forbid_unknown_fields=True,
        kw_only=True,
    )
    code = compile("\n".join(body), f"<tradeclock typed {etype.value}>", "exec")
    exec(code, scope)  # only names chosen here: the catalogue's field names and positions
    return struct, scope["build"]


_BUILDERS: dict[type, Any] = dict(_struct_and_builder(t) for t in FIELDS)
_AnyEvent = Union[tuple(_BUILDERS)]  # type: ignore[valid-type]  # noqa: UP007


class _Log(msgspec.Struct, forbid_unknown_fields=True):
    """An event log as msgspec reads it; the log's own checks run after, in ``load``."""

    id: Any = _UNSET
    rules: Any = _UNSET
    rules_fingerprint: Any = _UNSET
    events: list[_AnyEvent] | msgspec.UnsetType = _UNSET  # type: ignore[valid-type]


_decode_log = msgspec.json.Decoder(_Log).decode
_decode_events = msgspec.json.Decoder(list[_AnyEvent]).decode  # type: ignore[valid-type]


def _built(events: list[Any]) -> list[Event]:
    if len(events) > MAX_EVENTS:
        raise _Decline
    builders = _BUILDERS
    return [builders[type(ev)](ev) for ev in events]


def read_log(obj: object) -> dict[str, Any] | None:
    """The event log ``obj`` (JSON bytes or text, or a ``pathlib.Path`` of a JSON file) as a
    mapping whose ``events`` are checked events, holding the keys the document holds; ``None``
    when this reader does not settle it (read it the long way: a mapping always is)."""
    if isinstance(obj, Path):
        try:
            with obj.open("rb") as f:
                obj = f.read(MAX_BYTES + 1)
        except OSError:  # the long way says what is wrong with the file
            return None
    if not at_once(obj):
        return None
    try:
        log = _decode_log(obj)  # type: ignore[arg-type]
        data = {
            key: value
            for key, value in (
                ("id", log.id),
                ("rules", log.rules),
                ("rules_fingerprint", log.rules_fingerprint),
            )
            if value is not _UNSET
        }
        if log.events is not _UNSET:
            data["events"] = _built(log.events)
    except (*MSGSPEC_REFUSES, InvalidInput, _Decline):
        return None
    return data


def read_events(obj: object) -> list[Event] | None:
    """The JSON list of events ``obj`` (bytes or text) as checked events; ``None`` when this
    reader does not settle it (read it the long way)."""
    if not at_once(obj):
        return None
    try:
        return _built(_decode_events(obj))  # type: ignore[arg-type]
    except (*MSGSPEC_REFUSES, InvalidInput, _Decline):
        return None
