"""Events of an order's log: their types, fields, and parsing from the JSON contract.

Parsing validates at the edge (types, required and unknown fields, offsets, exact amounts),
so the engine can trust what it gets. The same checks run on :class:`Event` values built in
Python before :meth:`tradeclock.Order.apply` accepts them.

>>> ev = parse_event({"type": "shipped", "at": "2026-11-12T15:30:00+08:00"})
>>> ev.type, ev.method, ev.at.isoformat()
(<EventType.SHIPPED: 'shipped'>, <Method.EXPRESS: 'express'>, '2026-11-12T07:30:00+00:00')
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from ._time import format_duration_iso, parse_duration, parse_instant
from .errors import InvalidInput

__all__ = [
    "AutoEvent",
    "Event",
    "EventType",
    "Method",
    "Outcome",
    "Party",
    "Reason",
    "parse_amount",
    "parse_event",
]


class EventType(enum.StrEnum):
    """What a person or a carrier did; the ``type`` field of the JSON log."""

    PLACED = "placed"
    PAID = "paid"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"
    SIGNED = "signed"
    CONFIRMED = "confirmed"
    RECEIPT_EXTENDED = "receipt_extended"
    REFUND_REQUESTED = "refund_requested"
    REFUND_AGREED = "refund_agreed"
    REFUND_REFUSED = "refund_refused"
    REFUND_MODIFIED = "refund_modified"
    REFUND_CANCELLED = "refund_cancelled"
    RETURN_SHIPPED = "return_shipped"
    RETURN_RECEIVED = "return_received"
    INTERVENTION_REQUESTED = "intervention_requested"
    INTERVENTION_RULED = "intervention_ruled"


class AutoEvent(enum.StrEnum):
    """What happens by itself when a timer expires; names in ``fired`` and ``upcoming``."""

    AUTO_CLOSE = "auto_close"
    DISPATCH_DUE = "dispatch_due"
    AUTO_CONFIRM = "auto_confirm"
    AUTO_REFUND = "auto_refund"
    AUTO_AGREE = "auto_agree"
    REFUND_CLOSE = "refund_close"
    RETURN_WINDOW_END = "return_window_end"
    EVIDENCE_DUE = "evidence_due"


class Method(enum.StrEnum):
    """How goods travel; surface mail (平邮) has longer timers."""

    EXPRESS = "express"
    EMS = "ems"
    SURFACE_MAIL = "surface_mail"
    NONE = "none"


class Reason(enum.StrEnum):
    """Why the buyer asks for a refund."""

    NO_REASON = "no_reason"
    QUALITY = "quality"
    NOT_AS_DESCRIBED = "not_as_described"
    NOT_SHIPPED_IN_TIME = "not_shipped_in_time"
    OUT_OF_STOCK = "out_of_stock"
    AGREED = "agreed"
    OTHER = "other"


class Party(enum.StrEnum):
    """Who acts."""

    BUYER = "buyer"
    SELLER = "seller"
    CARRIER = "carrier"
    PLATFORM = "platform"


class Outcome(enum.StrEnum):
    """The platform's ruling after intervention."""

    REFUND = "refund"
    NO_REFUND = "no_refund"


@attrs.frozen
class Event:
    """One entry of an order's log. Times are UTC instants; amounts are exact decimals."""

    type: EventType
    at: datetime
    amount: Decimal | None = None
    pay_within: timedelta | None = None
    method: Method | None = None
    by: Party | None = None
    days: int | None = None
    return_goods: bool | None = None
    reason: Reason | None = None
    tracking_no: str | None = None
    outcome: Outcome | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of this event (times in UTC; give a zone to :func:`format_local`)."""
        out: dict[str, Any] = {"type": self.type.value, "at": self.at.isoformat()}
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, timedelta):
                value = format_duration_iso(value)
            elif isinstance(value, enum.Enum):
                value = value.value
            out[name] = value
        return out


_OPTIONAL = (
    "amount",
    "pay_within",
    "method",
    "by",
    "days",
    "return_goods",
    "reason",
    "tracking_no",
    "outcome",
)


def parse_amount(value: object, what: str = "amount") -> Decimal:
    """An exact amount in yuan: a decimal string (or Decimal/int), >= 0, at most 2 decimals.

    >>> parse_amount("199.00")
    Decimal('199.00')
    >>> parse_amount(19.9)
    Traceback (most recent call last):
    ...
    tradeclock.errors.InvalidInput: amount must be a decimal string ... (a float is not exact)
    """
    if isinstance(value, bool | float):
        raise InvalidInput(
            f'{what} must be a decimal string such as "19.90", got {value!r}'
            + (" (a float is not exact)" if isinstance(value, float) else "")
        )
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidInput(f"{what} {value!r} is not a decimal number") from None
    if not isinstance(value, Decimal):
        raise InvalidInput(f'{what} must be a decimal string such as "19.90", got {value!r}')
    if not value.is_finite():
        raise InvalidInput(f"{what} {value} is not a finite number")
    if value < 0:
        raise InvalidInput(f"{what} {value} is negative")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidInput(f"{what} {value} has more than 2 decimals (amounts are yuan with fen)")
    return value


def _enum(cls: type[enum.StrEnum]) -> Callable[[object, str], Any]:
    allowed = ", ".join(m.value for m in cls)

    def parse(value: object, what: str) -> Any:
        if isinstance(value, str):
            try:
                return cls(value)
            except ValueError:
                pass
        raise InvalidInput(f"{what} {value!r} is not one of: {allowed}")

    return parse


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{what} must be true or false, got {value!r}")
    return value


def _days(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"{what} must be a positive whole number of days, got {value!r}")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be a non-empty string, got {value!r}")
    return value


_PARSERS: Mapping[str, Callable[[object, str], Any]] = {
    "amount": parse_amount,
    "pay_within": parse_duration,
    "method": _enum(Method),
    "by": _enum(Party),
    "days": _days,
    "return_goods": _bool,
    "reason": _enum(Reason),
    "tracking_no": _text,
    "outcome": _enum(Outcome),
}

_T = EventType
#: For each event type: (required fields, optional fields) besides ``type`` and ``at``.
FIELDS: Mapping[EventType, tuple[frozenset[str], frozenset[str]]] = {
    t: (frozenset(req), frozenset(opt))
    for t, req, opt in [
        (_T.PLACED, (), ("amount", "pay_within")),
        (_T.PAID, (), ()),
        (_T.CANCELLED, (), ("by",)),
        (_T.SHIPPED, (), ("method", "tracking_no")),
        (_T.SIGNED, (), ()),
        (_T.CONFIRMED, (), ()),
        (_T.RECEIPT_EXTENDED, ("by",), ("days",)),
        (_T.REFUND_REQUESTED, (), ("return_goods", "reason", "amount")),
        (_T.REFUND_AGREED, (), ()),
        (_T.REFUND_REFUSED, (), ()),
        (_T.REFUND_MODIFIED, (), ("return_goods", "reason", "amount")),
        (_T.REFUND_CANCELLED, (), ()),
        (_T.RETURN_SHIPPED, ("tracking_no",), ("method",)),
        (_T.RETURN_RECEIVED, (), ()),
        (_T.INTERVENTION_REQUESTED, (), ("by",)),
        (_T.INTERVENTION_RULED, ("outcome",), ()),
    ]
}

#: Defaults filled in when a field is left out.
DEFAULTS: Mapping[EventType, Mapping[str, Any]] = {
    _T.SHIPPED: {"method": Method.EXPRESS},
    _T.REFUND_REQUESTED: {"return_goods": False, "reason": Reason.OTHER},
}


def parse_event(obj: object) -> Event:
    """Parse one event from its JSON form (a mapping); raise :class:`InvalidInput` if malformed."""
    if isinstance(obj, Event):
        return check_event(obj)
    if not isinstance(obj, Mapping):
        raise InvalidInput(f"an event must be a JSON object, got {type(obj).__name__}")
    raw_type = obj.get("type")
    if raw_type is None:
        raise InvalidInput("event has no 'type'")
    try:
        etype = EventType(raw_type)
    except ValueError:
        allowed = ", ".join(t.value for t in EventType)
        raise InvalidInput(
            f"unknown event type {raw_type!r} (allowed: {allowed})", event_type=str(raw_type)
        ) from None
    if "at" not in obj:
        raise InvalidInput(f"{etype} event has no 'at' time", event_type=etype.value)
    required, optional = FIELDS[etype]
    kwargs: dict[str, Any] = {}
    for key, value in obj.items():
        if key in ("type", "at"):
            continue
        if key not in required and key not in optional:
            allowed_fields = ", ".join(sorted(required | optional)) or "none"
            raise InvalidInput(
                f"{etype} event has unknown field {key!r} (allowed: {allowed_fields})",
                event_type=etype.value,
            )
        kwargs[key] = _PARSERS[key](value, f"{etype}.{key}")
    missing = required - kwargs.keys()
    if missing:
        raise InvalidInput(
            f"{etype} event is missing {', '.join(sorted(missing))}", event_type=etype.value
        )
    for key, value in DEFAULTS.get(etype, {}).items():
        kwargs.setdefault(key, value)
    at = parse_instant(obj["at"], f"{etype}.at")
    return Event(etype, at, **kwargs)


def check_event(ev: Event) -> Event:
    """Validate an :class:`Event` built in Python; return it with times in UTC and defaults set."""
    data: dict[str, Any] = {"type": ev.type, "at": ev.at}
    for name in _OPTIONAL:
        value = getattr(ev, name)
        if value is not None:
            data[name] = value
    return parse_event(data)
