"""JSON Schemas of the event log and of the outputs, generated from the code's own definitions.

The event-log schema is built from the tables the loader itself reads (``events.FIELDS``, the
enums, the amount/date-time/duration patterns and ``tradeclock._limits``), so the two cannot
drift apart; the output schemas from the type hints of ``Status``, ``Deadline``, ``Fired``,
``RefundView`` and ``Action``. ``tradeclock schema [NAME]`` prints them.

>>> sorted(SCHEMAS)
['actions', 'event-log', 'explain', 'status']
>>> schema("event-log")["properties"]["events"]["maxItems"]
10000
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import types
import typing
from collections.abc import Callable
from typing import Any

from ._actions import Action
from ._errors import InvalidInput
from ._events import (
    AMOUNT_PATTERN,
    BANK_PATTERN,
    DEFAULTS,
    EVENT_DEFS,
    FIELD_DEFS,
    FIELDS,
    FieldDef,
    Party,
)
from ._explain import LANGS
from ._limits import MAX_AMOUNT, MAX_DAYS, MAX_EVENTS, MAX_LINES, MAX_TEXT, MAX_TEXT_LENGTH
from ._rules import CustomEvent, RuleSet
from ._status import Instalments, Status
from ._time import DATETIME_PATTERN, DURATION_PATTERN

__all__ = ["SCHEMAS", "schema"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_DATETIME = {"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}
_TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}

#: The JSON form of each optional event field: the loader's parser for it reads the same.
FIELD_AMOUNT: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "pattern": AMOUNT_PATTERN},
        {"type": "integer", "minimum": 0, "maximum": int(MAX_AMOUNT)},
    ],
}

#: The JSON Schema of each kind of field (events.FIELD_DEFS gives each field its kind).
_KIND_SCHEMAS: dict[str, dict[str, Any]] = {
    "amount": FIELD_AMOUNT,
    "duration": {"type": "string", "pattern": DURATION_PATTERN},
    "bool": {"type": "boolean"},
    "days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
    "length": {"type": "integer", "minimum": 0, "maximum": MAX_TEXT_LENGTH},
    "text": _TEXT,
    "bank": {"type": "string", "pattern": BANK_PATTERN},
    "lines": {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_LINES,
        "items": {
            "oneOf": [
                _TEXT,
                {
                    "type": "object",
                    "required": ["id", "amount"],
                    "properties": {"id": _TEXT, "amount": FIELD_AMOUNT},
                    "additionalProperties": False,
                },
            ]
        },
    },
}


def _field_schema(fd: FieldDef) -> dict[str, Any]:
    kind = {"enum": [c.value for c in fd.choices]} if fd.choices else _KIND_SCHEMAS[fd.kind]
    return {**kind, "description": fd.doc}


#: Each event field's JSON Schema, from the one definition the loader reads.
FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    name: _field_schema(fd) for name, fd in FIELD_DEFS.items()
}


def _event_schemas() -> list[dict[str, Any]]:
    out = []
    for etype, (required, optional) in FIELDS.items():
        props: dict[str, Any] = {"type": {"const": etype.value}, "at": _DATETIME}
        for name in sorted(required | optional):
            props[name] = dict(FIELD_SCHEMAS[name])
            default = DEFAULTS.get(etype, {}).get(name)
            if default is not None:
                props[name]["default"] = (
                    default.value if isinstance(default, enum.Enum) else default
                )
        out.append(
            {
                "title": etype.value,
                "description": EVENT_DEFS[etype].doc,
                "type": "object",
                "properties": props,
                "required": ["type", "at", *sorted(required)],
                "additionalProperties": False,
            }
        )
    return out


def _event_log() -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "$id": "https://tradeclock.invalid/schema/event-log.json",
        "title": "tradeclock event log",
        "type": "object",
        "properties": {
            "id": _TEXT,
            "rules": {
                "type": "string",
                "minLength": 1,
                "description": "taobao, tmall, or the name of a custom rule set",
            },
            "rules_fingerprint": {
                "type": "string",
                "description": "the content fingerprint of the rule set the order is pinned "
                "to; a rule set with another is refused (rules_mismatch)",
            },
            "events": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_EVENTS,
                "items": {"oneOf": _event_schemas()},
            },
        },
        "required": ["id", "rules", "events"],
        "additionalProperties": False,
    }


# ---------------------------------------------------------------------------- outputs


def _of_type(tp: Any) -> dict[str, Any]:
    """The JSON form of one annotated Python type, as ``to_dict`` writes it."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        options = [_of_type(a) for a in args if a is not type(None)]
        if type(None) in args:
            options.append({"type": "null"})
        return options[0] if len(options) == 1 else {"anyOf": options}
    if origin is tuple or origin is list:
        item = args[0] if args else Any
        return {"type": "array", "items": _of_type(item)}
    if tp is dict or origin is dict:
        return {"type": "object"}
    if tp in _SIMPLE:
        return dict(_SIMPLE[tp])
    if isinstance(tp, type) and (
        hasattr(tp, "__struct_fields__") or (issubclass(tp, tuple) and hasattr(tp, "_fields"))
    ):
        return _record(tp)
    return {}


_SIMPLE: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    _dt.datetime: {"type": "string", "format": "date-time"},
    _dt.timedelta: {"type": "string", "pattern": DURATION_PATTERN},
    decimal.Decimal: {"type": "string", "pattern": AMOUNT_PATTERN},
}


def _record(
    cls: type, extra: dict[str, Any] | None = None, skip: tuple[str, ...] = ()
) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props = {
        name: _of_type(hints[name])
        for name in getattr(cls, "__struct_fields__", None) or cls._fields  # type: ignore[attr-defined]
        if name not in skip
    }
    props.update(extra or {})
    return {
        "title": cls.__name__,
        "type": "object",
        "properties": props,
        "required": sorted(props),
        "additionalProperties": False,
    }


def _status() -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        **_record(Status, skip=("tz",), extra={"instalments": _record(Instalments)}),
    }


def _actions() -> dict[str, Any]:
    item = _record(
        Action,
        skip=("paused", "why"),
        extra={
            "paused_left": {
                "type": "array",
                "items": {
                    "anyOf": [{"type": "string", "pattern": DURATION_PATTERN}, {"type": "null"}]
                },
            },
        },
    )
    # state/refund pairs are written as two-element lists
    for name in ("state", "refund"):
        item["properties"][name] = {
            "type": "array",
            "minItems": 2,
            "maxItems": 2,
            "items": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        }
    return {"$schema": DRAFT, "title": "actions", "type": "array", "items": item}


def _explain() -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "title": "explanation",
        "type": "object",
        "properties": {
            "lang": {"enum": list(LANGS)},
            "text": {"type": "string"},
            "status": _status(),
        },
        "required": ["lang", "text", "status"],
        "additionalProperties": False,
    }


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "event-log": _event_log,
    "status": _status,
    "explain": _explain,
    "actions": _actions,
}


def schema(name: str, rules: RuleSet | None = None) -> dict[str, Any]:
    """The JSON Schema called ``name``: event-log, status, explain or actions. With ``rules``,
    the event log's schema admits that rule set's own events too."""
    if name not in SCHEMAS:
        raise InvalidInput(f"unknown schema {name!r} (known: {', '.join(SCHEMAS)})")
    out = SCHEMAS[name]()
    if name == "event-log" and rules is not None and rules.events:
        items = out["properties"]["events"]["items"]["oneOf"]
        items += [_custom_event_schema(e) for e in rules.events.values()]
    return out


def _custom_event_schema(event: CustomEvent) -> dict[str, Any]:
    by = {"enum": list(event.by or [p.value for p in Party])}
    return {
        "title": event.name,
        "description": event.text or f"an event of the rule set's own: {event.name}",
        "type": "object",
        "properties": {
            "type": {"const": event.name},
            "at": _DATETIME,
            "by": by,
            "event_id": dict(FIELD_SCHEMAS["event_id"]),
        },
        "required": ["type", "at"],
        "additionalProperties": False,
    }
