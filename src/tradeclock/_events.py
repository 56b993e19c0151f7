"""Events of an order's log: their types, fields, and parsing from the JSON contract.

Parsing validates at the edge (types, required and unknown fields, offsets, exact amounts),
so the engine can trust what it gets. The same checks run on :class:`Event` values built in
Python before :meth:`tradeclock.Order.apply` accepts them.

>>> ev = parse_event({"type": "shipped", "at": "2026-11-12T15:30:00+08:00"})
>>> ev.type, ev.method, ev.at.isoformat()
('shipped', 'express', '2026-11-12T07:30:00+00:00')
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, NamedTuple

from ._errors import InvalidInput
from ._limits import (
    MAX_AMOUNT,
    MAX_DAYS,
    MAX_INSTANT,
    MAX_LINES,
    MAX_TEXT,
    MAX_TEXT_LENGTH,
    MIN_INSTANT,
)
from ._strenum import ContractEnum
from ._time import DATETIME_RE, format_duration_iso, parse_duration, parse_instant

__all__ = [
    "TYPES_BY_NAME",
    "AutoEvent",
    "Category",
    "Channel",
    "Event",
    "EventType",
    "Method",
    "Outcome",
    "Party",
    "Reason",
    "Score",
    "aware_utc",
    "event_from_values",
    "field_parser",
    "parse_amount",
    "parse_event",
    "utc_instant",
]


class EventType(ContractEnum):
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
    RETURN_ARRIVED = "return_arrived"
    INTERVENTION_REQUESTED = "intervention_requested"
    INTERVENTION_RULED = "intervention_ruled"
    RATED = "rated"
    EVIDENCE_ADDED = "evidence_added"


class AutoEvent(ContractEnum):
    """What happens by itself when a timer expires; names in ``fired`` and ``upcoming``."""

    AUTO_CLOSE = "auto_close"
    PAY_REMINDER = "pay_reminder"
    DISPATCH_DUE = "dispatch_due"
    AUTO_CONFIRM = "auto_confirm"
    AUTO_REFUND = "auto_refund"
    AUTO_AGREE = "auto_agree"
    REFUND_CLOSE = "refund_close"
    RETURN_WINDOW_END = "return_window_end"
    EVIDENCE_DUE = "evidence_due"
    MONEY_ARRIVAL = "money_arrival"
    RATING_WINDOW_END = "rating_window_end"
    DEFAULT_RATING = "default_rating"
    AFTER_SALE_WINDOW_END = "after_sale_window_end"
    LEGAL_RETURN_WINDOW_END = "legal_return_window_end"
    SELLER_EVIDENCE_DUE = "seller_evidence_due"
    LEGAL_ADDRESS_DUE = "legal_address_due"
    LEGAL_REFUND_DUE = "legal_refund_due"
    LEGAL_REFUND_OVERDUE = "legal_refund_overdue"


def check_auto_event(name: str, rules: Any = None) -> str:
    """``name`` if it is an automatic event (of :class:`AutoEvent`, or of a timer of the rule
    set ``rules``); an unknown name is :class:`InvalidInput`."""
    if name in _AUTO:
        return name
    own = [] if rules is None else sorted({r.event for r in rules if r.event} - set(_AUTO))
    if name in own:
        return name
    allowed = ", ".join([*_AUTO, *own])
    raise InvalidInput(f"unknown automatic event {name!r} (allowed: {allowed})")


_AUTO = {e.value: e for e in AutoEvent}


class Method(ContractEnum):
    """How goods travel; surface mail (平邮) has longer timers."""

    EXPRESS = "express"
    EMS = "ems"
    SURFACE_MAIL = "surface_mail"
    NONE = "none"


class Channel(ContractEnum):
    """How the buyer paid, which decides where a refund goes and how fast it arrives."""

    ALIPAY_BALANCE = "alipay_balance"
    #: online banking: refunds go back to the Alipay balance, not the bank (cs-lifecycle)
    ONLINE_BANKING = "online_banking"
    CREDIT_CARD = "credit_card"


class Category(ContractEnum):
    """Goods the law treats specially for no-reason returns (暂行办法 arts. 6-7)."""

    #: art. 6: excluded by law
    CUSTOM_MADE = "custom_made"
    FRESH = "fresh"
    DIGITAL_UNSEALED = "digital_unsealed"
    PERIODICAL = "periodical"
    #: art. 7: excluded only if the buyer confirmed it when buying
    HEALTH_ON_OPENING = "health_on_opening"
    VALUE_LOST_ON_ACTIVATION = "value_lost_on_activation"
    NEAR_EXPIRY_OR_FLAWED = "near_expiry_or_flawed"
    #: anything else
    GENERAL = "general"


class Score(ContractEnum):
    """A rating after the trade (五星好评 is ``good``)."""

    GOOD = "good"
    NEUTRAL = "neutral"
    BAD = "bad"


class Reason(ContractEnum):
    """Why the buyer asks for a refund."""

    NO_REASON = "no_reason"
    QUALITY = "quality"
    NOT_AS_DESCRIBED = "not_as_described"
    NOT_SHIPPED_IN_TIME = "not_shipped_in_time"
    OUT_OF_STOCK = "out_of_stock"
    AGREED = "agreed"
    OTHER = "other"


class Party(ContractEnum):
    """Who acts."""

    BUYER = "buyer"
    SELLER = "seller"
    CARRIER = "carrier"
    PLATFORM = "platform"


class Outcome(ContractEnum):
    """The platform's ruling after intervention."""

    REFUND = "refund"
    NO_REFUND = "no_refund"


class Line(NamedTuple):
    """One line (sub-order, the Open Platform's ``oid``) of a trade: its id and, in ``placed``,
    the most that line can refund (``None`` in ``shipped``/``signed``/``confirmed``, which name
    the lines they concern)."""

    id: str
    amount: Decimal | None = None


class Event(NamedTuple):
    """One entry of an order's log. Times are aware instants (an order's :attr:`events
    <tradeclock.Order.events>` are in its rule set's zone); amounts are exact decimals.

    An immutable value like every other here, but a ``NamedTuple`` rather than an
    ``attrs.frozen`` class: one is built per event on the replay hot path, and it builds 3x
    faster (docs/adr/0004-event-as-namedtuple.md). Change a field with ``_replace``.
    """

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
    #: placed during a big sales event (payment reminder after 30 min)
    campaign: bool | None = None
    #: a flash-sale (秒杀) order: no credit-card instalments
    flash_sale: bool | None = None
    #: how the buyer paid (where refunds go and how fast they arrive)
    channel: Channel | None = None
    #: the card's bank for ``channel="credit_card"`` (``"boc"``: Bank of China)
    bank: str | None = None
    #: a rating's score
    score: Score | None = None
    #: a rating's text, by its length only (the text itself is not kept)
    text_length: int | None = None
    #: the sender's id of this event: a second delivery with the same id is a no-op
    event_id: str | None = None
    #: the goods' category for the law's no-reason exclusions (placed)
    category: Category | None = None
    #: the buyer confirmed at purchase that an art. 7 category is not returnable without reason
    buyer_confirmed_exclusion: bool | None = None
    #: the seller paid the outbound shipping (包邮), and from what order amount on, if any
    free_shipping: bool | None = None
    free_shipping_threshold: Decimal | None = None
    #: placed: the trade's lines with their amounts; shipped, signed, confirmed: the lines the
    #: event concerns (absent: every line it can apply to)
    lines: tuple[Line, ...] | None = None
    #: the line a refund event (or a rating) concerns: required when the trade has several
    line: str | None = None

    def to_dict(self, tz: tzinfo | None = None) -> dict[str, Any]:
        """The JSON form of this event, its time written in zone ``tz`` (default: the zone
        it is in; an order's :attr:`~tradeclock.Order.events` are in the rule set's zone)."""
        at = self.at if tz is None else self.at.astimezone(tz)
        out: dict[str, Any] = {"type": str(self.type), "at": at.isoformat()}
        for name in OPTIONAL_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, timedelta):
                value = format_duration_iso(value)
            elif isinstance(value, enum.Enum):
                value = value.value
            elif name == "lines":
                value = [
                    x.id if x.amount is None else {"id": x.id, "amount": str(x.amount)}
                    for x in value
                ]
            out[name] = value
        return out


#: The optional fields in :class:`Event`'s tuple order (its ``_fields`` after type and at).
OPTIONAL_FIELDS = Event._fields[2:]


class Parsed(Event):
    """An :class:`Event` that :func:`parse_event` built and checked; :func:`check_event` trusts
    it without a second look. ``_replace`` gives a plain :class:`Event` (to be checked again)."""

    __slots__ = ()

    def _replace(self, **changes: Any) -> Event:  # type: ignore[override]
        return Event(*self)._replace(**changes)

    def __repr__(self) -> str:
        return repr(Event(*self))


#: An amount in the JSON log: digits with at most 2 decimals (the schema uses the same pattern).
AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$"
AMOUNT_RE = re.compile(AMOUNT_PATTERN)


def parse_amount(value: object, what: str = "amount") -> Decimal:
    """An exact amount in yuan: a decimal string (or Decimal/int), >= 0, at most 2 decimals.

    >>> parse_amount("199.00"), parse_amount("259"), parse_amount(5)
    (Decimal('199.00'), Decimal('259.00'), Decimal('5.00'))
    >>> parse_amount(19.9)
    Traceback (most recent call last):
    ...
    tradeclock.InvalidInput: amount must be a decimal string ... (a float is not exact)
    """
    if type(value) is str:  # the JSON log's form, read at once (the rest below says why not)
        match = AMOUNT_RE.match(value)
        if match is not None:
            amount = Decimal(value)  # digits the pattern took: finite, >= 0, <= 2 decimals
            if amount <= MAX_AMOUNT:
                fraction = match[2]
                return amount if fraction and len(fraction) == 3 else amount.quantize(_CENT)
    if isinstance(value, bool | float):
        raise InvalidInput(
            f'{what} must be a decimal string such as "19.90", got {value!r}'
            + (" (a float is not exact)" if isinstance(value, float) else "")
        )
    if isinstance(value, int):
        if abs(value) > MAX_AMOUNT:
            raise InvalidInput(f"{what} is more than {MAX_AMOUNT} yuan")
        value = Decimal(value)
    if isinstance(value, str):
        if not AMOUNT_RE.match(value):
            raise InvalidInput(
                f'{what} {short_text(value)} is not an amount in yuan such as "19.90" '
                "(digits, at most 2 decimals)"
            )
        value = Decimal(value)
    if not isinstance(value, Decimal):
        raise InvalidInput(f'{what} must be a decimal string such as "19.90", got {value!r}')
    if not value.is_finite():
        raise InvalidInput(f"{what} {value} is not a finite number")
    if value < 0:
        raise InvalidInput(f"{what} {value} is negative")
    if value > MAX_AMOUNT:
        raise InvalidInput(f"{what} is more than {MAX_AMOUNT} yuan")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidInput(f"{what} {value} has more than 2 decimals (amounts are yuan with fen)")
    return value if exponent == -2 else value.quantize(_CENT)  # always yuan with fen: "259.00"


_CENT = Decimal("0.01")


def _enum(cls: type[enum.StrEnum]) -> Callable[[object, str], Any]:
    allowed = ", ".join(m.value for m in cls)
    members: dict[object, enum.StrEnum] = {m.value: m for m in cls}

    def parse(value: object, what: str) -> Any:
        member = members.get(value) if isinstance(value, str) else None
        if member is None:
            raise InvalidInput(f"{what} {value!r} is not one of: {allowed}")
        return member

    return parse


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{what} must be true or false, got {value!r}")
    return value


def _days(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_DAYS:
        raise InvalidInput(
            f"{what} must be a whole number of days from 1 to {MAX_DAYS}, got {short_text(value)}"
        )
    return value


def _length(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TEXT_LENGTH:
        raise InvalidInput(
            f"{what} must be a whole number from 0 to {MAX_TEXT_LENGTH}, got {short_text(value)}"
        )
    return value


def short_text(value: object) -> str:
    """``repr(value)``, cut to a readable length (hostile input can be huge)."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return f"<{type(value).__name__} too large>"
    return text if len(text) <= 60 else text[:57] + "..."


#: A bank code in the log: lowercase letters, digits and ``_`` (the schema uses the same pattern).
BANK_PATTERN = r"^[a-z][a-z0-9_]{1,31}$"
_BANK_RE = re.compile(BANK_PATTERN)


def _bank(value: object, what: str) -> str:
    if not isinstance(value, str) or not _BANK_RE.match(value):
        raise InvalidInput(
            f'{what} {short_text(value)} is not a bank code such as "boc" (Bank of China) or '
            '"icbc": 2-32 lowercase letters, digits or _'
        )
    return value


def _text(value: object, what: str) -> str:
    return check_text(value, what)


def _lines(value: object, what: str) -> tuple[Line, ...]:
    """A list of lines: ``{"id", "amount"}`` objects (placed) or line ids (the lines an event
    concerns); in a CSV or Parquet cell, the same list as JSON text."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        import json

        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidInput(f"{what} is not a JSON list: {short_text(value)}") from None
    if not isinstance(value, list | tuple) or not value:
        raise InvalidInput(f"{what} must be a non-empty list, got {short_text(value)}")
    if len(value) > MAX_LINES:
        raise InvalidInput(f"{what} holds more than {MAX_LINES} lines")
    out: list[Line] = []
    for i, item in enumerate(value):
        if isinstance(item, Line):  # an event built in Python (or one parsed, checked again)
            item = item.id if item.amount is None else {"id": item.id, "amount": item.amount}
        if isinstance(item, str):
            out.append(Line(check_text(item, f"{what}[{i}]")))
        elif isinstance(item, Mapping):
            unknown = sorted(set(item) - {"id", "amount"})
            if unknown:
                raise InvalidInput(
                    f"{what}[{i}] has unknown field {unknown[0]!r} (allowed: id, amount)"
                )
            if "id" not in item:
                raise InvalidInput(f"{what}[{i}] has no 'id'")
            ident = check_text(item["id"], f"{what}[{i}].id")
            if item.get("amount") is None:
                raise InvalidInput(f"{what}[{i}] (line {ident!r}) has no 'amount'")
            out.append(Line(ident, parse_amount(item["amount"], f"{what}[{i}].amount")))
        else:
            raise InvalidInput(
                f"{what}[{i}] must be a line id or an object, got {short_text(item)}"
            )
    ids = [x.id for x in out]
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            raise InvalidInput(f"{what}: line {ident!r} is listed twice (line ids are unique)")
        seen.add(ident)
    if len({x.amount is None for x in out}) > 1:
        raise InvalidInput(f"{what}: either every line has an amount (placed) or none (the rest)")
    return tuple(out)


def check_text(value: object, what: str) -> str:
    """A non-empty, printable string of at most :data:`MAX_TEXT` characters (ids, waybills)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be a non-empty string, got {short_text(value)}")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{what} is longer than {MAX_TEXT} characters")
    if not value.isprintable():  # (unpaired surrogates are not printable either)
        raise InvalidInput(
            f"{what} {short_text(value)} has control or unpaired surrogate characters"
        )
    return value


class FieldDef(NamedTuple):
    """One field of the event log: how it is read, what it may hold and what it means. The
    loader, the JSON Schema, the batch column types and the generator all derive from
    :data:`FIELD_DEFS`; nothing else lists the fields."""

    #: amount, duration, enum, bool, days, length, text, bank or lines
    kind: str
    #: the sentence that documents it (the JSON Schema's description, the docs)
    doc: str
    #: for ``enum``: the values it may take
    choices: type[enum.StrEnum] | None = None
    #: a value as the JSON log writes it (the field-catalogue test sends it through every door)
    example: object = None


_F = FieldDef
#: Every optional field of an event, in the order of :class:`Event`'s tuple.
FIELD_DEFS: Mapping[str, FieldDef] = {
    "amount": _F("amount", "yuan, exact: a decimal string with at most 2 decimals", None, "259.00"),
    "pay_within": _F("duration", "the order's own pay window: an ISO-8601 duration", None, "PT2H"),
    "method": _F("enum", "how the goods (or the return) travel", Method, "express"),
    "by": _F("enum", "who acted", Party, "buyer"),
    "days": _F("days", "how many days a receipt extension adds", None, 3),
    "return_goods": _F("bool", "the buyer sends the goods back", None, True),
    "reason": _F("enum", "why the buyer asks for a refund", Reason, "quality"),
    "tracking_no": _F("text", "the waybill number", None, "SF1234567890"),
    "outcome": _F("enum", "the platform's ruling after intervention", Outcome, "refund"),
    "campaign": _F("bool", "placed during a big sales event", None, True),
    "flash_sale": _F("bool", "a flash-sale order: no instalments", None, True),
    "channel": _F(
        "enum",
        "how the buyer paid: where a refund goes and how fast it arrives",
        Channel,
        "credit_card",
    ),
    "bank": _F("bank", "the credit card's bank, e.g. boc (Bank of China)", None, "boc"),
    "score": _F("enum", "a rating's score", Score, "good"),
    "text_length": _F("length", "a rating's text, by its length only", None, 20),
    "event_id": _F(
        "text", "the sender's id: a second delivery with the same id is a no-op", None, "wh-1"
    ),
    "category": _F(
        "enum", "the goods' category for the law's no-reason exclusions", Category, "general"
    ),
    "buyer_confirmed_exclusion": _F(
        "bool",
        "the buyer confirmed at purchase that the goods are not returnable without reason "
        "(honoured for the law's art. 7 categories only)",
        None,
        True,
    ),
    "free_shipping": _F("bool", "the seller paid the outbound shipping", None, True),
    "free_shipping_threshold": _F(
        "amount", "the order amount from which shipping is free (yuan, exact)", None, "99.00"
    ),
    "lines": _F(
        "lines",
        "placed: the trade's lines (sub-orders), each {id, amount} with the most it can refund "
        "(absent: one line, the order itself); shipped, signed, confirmed: the ids of the lines "
        "concerned (absent: every line the event can apply to)",
        None,
        [{"id": "L1", "amount": "259.00"}],
    ),
    "line": _F(
        "text",
        "the line a refund event or a rating concerns (required for refund events when the "
        "trade has several lines)",
        None,
        "L1",
    ),
}

if (
    tuple(FIELD_DEFS) != OPTIONAL_FIELDS
):  # Event declares the tuple's slots; the catalogue, the rest
    raise ImportError("events.FIELD_DEFS and the Event tuple list different fields")

#: How each kind of field is read from the JSON log.
_KIND_PARSERS: Mapping[str, Callable[[object, str], Any]] = {
    "amount": parse_amount,
    "duration": parse_duration,
    "bool": _bool,
    "days": _days,
    "length": _length,
    "text": _text,
    "bank": _bank,
    "lines": _lines,
}
#: The Python type a parsed value of each kind has, and whether a subclass would be wrong.
_KIND_TYPES: Mapping[str, tuple[type, bool]] = {
    "amount": (Decimal, False),
    "duration": (timedelta, False),
    "bool": (bool, True),
    "days": (int, True),
    "length": (int, True),
    "text": (str, False),
    "bank": (str, False),
    "lines": (tuple, False),
}
#: The column type of each kind in an event table (anything else is text as the log writes it).
ARROW_KINDS: Mapping[str, str] = {"bool": "bool", "days": "int64", "length": "int64"}


def arrow_kind(name: str) -> str:
    """The column type of field ``name`` in an event table: ``bool``, ``int64`` or ``string``."""
    fd = FIELD_DEFS.get(name)
    return "string" if fd is None else ARROW_KINDS.get(fd.kind, "string")


_PARTY = _enum(Party)
_PARSERS: Mapping[str, Callable[[object, str], Any]] = {
    name: _enum(fd.choices) if fd.choices is not None else _KIND_PARSERS[fd.kind]
    for name, fd in FIELD_DEFS.items()
}


class EventDef(NamedTuple):
    """One event type of the log: its fields (besides ``type`` and ``at``), their defaults
    and the sentence that documents it."""

    doc: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = {}


_T = EventType
#: Every event type of the log, defined once.
EVENT_DEFS: Mapping[EventType, EventDef] = {
    _T.PLACED: EventDef(
        "the buyer placed the order (the log's first event)",
        optional=(
            "amount",
            "pay_within",
            "campaign",
            "flash_sale",
            "category",
            "buyer_confirmed_exclusion",
            "free_shipping",
            "free_shipping_threshold",
            "lines",
        ),
    ),
    _T.PAID: EventDef("the buyer paid (the money goes into escrow)", optional=("channel", "bank")),
    _T.CANCELLED: EventDef("the buyer or the seller cancelled the unpaid order", optional=("by",)),
    _T.SHIPPED: EventDef(
        "the seller shipped the goods",
        optional=("method", "tracking_no", "lines"),
        defaults={"method": Method.EXPRESS},
    ),
    _T.SIGNED: EventDef(
        "the carrier delivered and the buyer signed for the goods", optional=("lines",)
    ),
    _T.CONFIRMED: EventDef(
        "the buyer confirmed receipt (the money goes to the seller)", optional=("lines",)
    ),
    _T.RECEIPT_EXTENDED: EventDef(
        "the buyer or the seller extended the time to confirm receipt",
        required=("by",),
        optional=("days",),
    ),
    _T.REFUND_REQUESTED: EventDef(
        "the buyer asked for a refund (with or without returning the goods)",
        optional=("return_goods", "reason", "amount", "line"),
        defaults={"return_goods": False, "reason": Reason.OTHER},
    ),
    _T.REFUND_AGREED: EventDef("the seller agreed to the refund", optional=("line",)),
    _T.REFUND_REFUSED: EventDef("the seller refused the refund", optional=("line",)),
    _T.REFUND_MODIFIED: EventDef(
        "the buyer changed the refund request",
        optional=("return_goods", "reason", "amount", "line"),
    ),
    _T.REFUND_CANCELLED: EventDef("the buyer withdrew the refund request", optional=("line",)),
    _T.RETURN_SHIPPED: EventDef(
        "the buyer shipped the return", required=("tracking_no",), optional=("method", "line")
    ),
    _T.RETURN_RECEIVED: EventDef("the seller confirmed receiving the return", optional=("line",)),
    _T.RETURN_ARRIVED: EventDef(
        "the carrier delivered the return to the seller", optional=("line",)
    ),
    _T.INTERVENTION_REQUESTED: EventDef(
        "the buyer or the seller asked the platform to step in", optional=("by", "line")
    ),
    _T.INTERVENTION_RULED: EventDef(
        "the platform ruled", required=("outcome",), optional=("line",)
    ),
    _T.RATED: EventDef(
        "the buyer or the seller rated the trade (or one of its lines)",
        required=("by", "score"),
        optional=("text_length", "line"),
    ),
    _T.EVIDENCE_ADDED: EventDef(
        "the buyer or the seller added evidence during intervention",
        required=("by",),
        optional=("line",),
    ),
}
#: For each event type: (required fields, optional fields) besides ``type`` and ``at``.
FIELDS: Mapping[EventType, tuple[frozenset[str], frozenset[str]]] = {
    t: (frozenset(d.required), frozenset((*d.optional, "event_id")))  # any event may carry its id
    for t, d in EVENT_DEFS.items()
}
#: Defaults filled in when a field is left out.
DEFAULTS: Mapping[EventType, Mapping[str, Any]] = {
    t: d.defaults for t, d in EVENT_DEFS.items() if d.defaults
}

_new_event = tuple.__new__  # builds a NamedTuple from a sequence without its Python __new__
#: Per event type: position in the tuple of each field it may carry.
_ALLOWED_INDEX: Mapping[EventType, dict[str, int]] = {
    t: {name: 2 + i for i, name in enumerate(OPTIONAL_FIELDS) if name in req or name in opt}
    for t, (req, opt) in FIELDS.items()
}
_REQUIRED_INDEX: Mapping[EventType, tuple[int, ...]] = {
    t: tuple(2 + i for i, name in enumerate(OPTIONAL_FIELDS) if name in req)
    for t, (req, _) in FIELDS.items()
}
#: Per event type: the optional fields with their defaults filled in.
_DEFAULTS_ROW: Mapping[EventType, tuple[Any, ...]] = {
    t: tuple(DEFAULTS.get(t, {}).get(name) for name in OPTIONAL_FIELDS) for t in FIELDS
}
#: For event types needing no field: the positional optional fields of a bare event.
_BARE: Mapping[EventType, tuple[Any, ...]] = {
    t: tuple(DEFAULTS.get(t, {}).get(name) for name in OPTIONAL_FIELDS)
    for t, (required, _) in FIELDS.items()
    if not required
}


_TYPES: Mapping[str, EventType] = {t.value: t for t in EventType}
#: The event types by their JSON name (a rule set's own are not among them).
TYPES_BY_NAME = _TYPES
_datetime_match = DATETIME_RE.match
_fromisoformat = datetime.fromisoformat


def parse_event(obj: object, custom: Mapping[str, Any] | None = None) -> Event:
    """Parse one event from its JSON form (a mapping); raise :class:`InvalidInput` if malformed.

    ``custom`` holds a rule set's own event types (:attr:`tradeclock.RuleSet.events`), which
    the log may then hold too: ``{"type", "at"}`` and optionally ``by`` and ``event_id``.
    """
    if type(obj) is not dict:
        if isinstance(obj, Event):
            return check_event(obj, custom)
        if not isinstance(obj, Mapping):
            raise InvalidInput(f"an event must be a JSON object, got {type(obj).__name__}")
    raw_type = obj.get("type")
    etype = _TYPES.get(raw_type) if isinstance(raw_type, str) else None
    if etype is None:
        if raw_type is None:
            raise InvalidInput("event has no 'type'")
        if custom and isinstance(raw_type, str) and raw_type in custom:
            return _parse_custom(obj, custom[raw_type])
        allowed = ", ".join([*_TYPES, *(custom or ())])
        raise InvalidInput(
            f"unknown event type {short_text(raw_type)} (allowed: {allowed})",
            event_type=raw_type if isinstance(raw_type, str) and len(raw_type) < 40 else None,
        )
    raw_at = obj.get("at")
    at = utc_instant(raw_at) if type(raw_at) is str and _datetime_match(raw_at) else None
    if at is None:  # the slow path, which explains what is wrong
        if raw_at is None:
            raise InvalidInput(f"{etype} event has no 'at' time", event_type=etype)
        at = parse_instant(raw_at, f"{etype}.at")
    if len(obj) == 2:
        bare = _BARE.get(etype)
        if bare is not None:
            return _new_event(Parsed, (etype, at, *bare))
    values = [etype, at, *_DEFAULTS_ROW[etype]]
    positions = _ALLOWED_INDEX[etype]
    for key, value in obj.items():
        index = positions.get(key)
        if index is None:
            if key == "type" or key == "at":
                continue
            required, optional = FIELDS[etype]
            allowed_fields = ", ".join(sorted(required | optional)) or "none"
            raise InvalidInput(
                f"{etype} event has unknown field {key!r} (allowed: {allowed_fields})",
                event_type=etype,
            )
        try:
            values[index] = _PARSERS[key](value, key)
        except InvalidInput as exc:  # name the event type only when something is wrong
            raise InvalidInput(f"{etype}.{exc.message}", event_type=etype) from None
    for index in _REQUIRED_INDEX[etype]:
        if values[index] is None:
            missing = sorted(FIELDS[etype][0] - {k for k, v in obj.items() if v is not None})
            raise InvalidInput(f"{etype} event is missing {', '.join(missing)}", event_type=etype)
    lines = values[_LINES_AT]
    if lines is not None and (lines[0].amount is None) == (etype is EventType.PLACED):
        raise InvalidInput(
            f"{etype}.lines: "
            + (
                "each line is an object {id, amount}"
                if etype is EventType.PLACED
                else "list the ids of the lines concerned (amounts belong to placed)"
            ),
            event_type=etype,
        )
    return _new_event(Parsed, values)


_LINES_AT = Event._fields.index("lines")


def utc_instant(raw: str) -> datetime | None:
    """``raw`` (a string the date-time pattern matched) as a UTC instant inside the supported
    years; ``None`` when it is not one (:func:`parse_instant` then says why)."""
    try:
        at = _fromisoformat(raw)
    except ValueError:
        return None
    # aware_utc written out (a call costs: this runs once per event read); the range checked
    # before converting, as there: converting year 1 or 9999 can overflow
    if at.tzinfo is None or not 1969 < at.year < 3000:
        return None
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    return at if MIN_INSTANT <= at < MAX_INSTANT else None


def aware_utc(at: datetime) -> datetime | None:
    """An aware ``at`` as a UTC instant inside the supported years; ``None`` when it is naive
    or outside them (the full parser then says why)."""
    # range-checked before converting: converting year 1 or 9999 can overflow
    if at.tzinfo is None or not 1969 < at.year < 3000:
        return None
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    return at if MIN_INSTANT <= at < MAX_INSTANT else None


#: Per event type: the tuple positions of the fields it may carry.
_ALLOWED_AT: Mapping[EventType, frozenset[int]] = {
    t: frozenset(positions.values()) for t, positions in _ALLOWED_INDEX.items()
}


def field_parser(name: str) -> tuple[int, Callable[[object, str], Any]]:
    """The tuple position of optional field ``name`` and the parser :func:`parse_event` reads
    it with (raising :class:`InvalidInput`)."""
    return 2 + OPTIONAL_FIELDS.index(name), _PARSERS[name]


def event_from_values(
    etype: EventType, at: datetime, fields: Sequence[tuple[int, Any]]
) -> Event | None:
    """The event of type ``etype`` at the UTC instant ``at`` with ``fields`` (tuple position,
    value already read by :func:`field_parser`'s parser): what :func:`parse_event` would build
    from the same values, for a reader of typed columns. ``None`` where ``parse_event`` would
    refuse (a field the type does not take, a required one missing, ``lines``): the caller
    then hands the event to ``parse_event``, which says what is wrong."""
    values = [etype, at, *_DEFAULTS_ROW[etype]]
    if fields:
        allowed = _ALLOWED_AT[etype]
        for position, value in fields:
            if position not in allowed or position == _LINES_AT:
                return None
            values[position] = value
    for index in _REQUIRED_INDEX[etype]:
        if values[index] is None:
            return None
    return _new_event(Parsed, values)


_CUSTOM_FIELDS = ("type", "at", "by", "event_id")


def _parse_custom(obj: Mapping[str, Any], spec: Any) -> Event:
    """A rule set's own event: its time, and who recorded it (one of ``spec.by`` if given)."""
    name = obj["type"]
    unknown = [k for k in obj if k not in _CUSTOM_FIELDS]
    if unknown:
        raise InvalidInput(
            f"{name} event has unknown field {unknown[0]!r} (allowed: by, event_id)",
            event_type=name,
        )
    if obj.get("at") is None:
        raise InvalidInput(f"{name} event has no 'at' time", event_type=name)
    at = parse_instant(obj["at"], f"{name}.at")
    by = None
    if obj.get("by") is not None:
        by = _PARTY(obj["by"], f"{name}.by")
        if spec.by and by.value not in spec.by:
            raise InvalidInput(
                f"{name}.by {by.value!r}: the rule set lets only {', '.join(spec.by)} record it",
                event_type=name,
            )
    event_id = None if obj.get("event_id") is None else _text(obj["event_id"], "event_id")
    fields = dict.fromkeys(OPTIONAL_FIELDS)
    fields.update(by=by, event_id=event_id)
    return _new_event(Parsed, (name, at, *fields.values()))


def check_event(ev: Event, custom: Mapping[str, Any] | None = None) -> Event:
    """Validate an :class:`Event` built in Python; return it with times in UTC and defaults set.

    An event this module parsed (UTC time, defaults set) passes unchanged and cheaply; any
    other goes through :func:`parse_event` again, which explains what is wrong.
    """
    if type(ev) is Parsed:
        return ev
    if custom and type(ev.type) is str and ev.type in custom:
        own = {"type": ev.type, "at": ev.at, "by": ev.by, "event_id": ev.event_id}
        return parse_event(own, custom)
    # an order's events are shown in its zone: given back, they are taken in UTC
    at = aware_utc(ev.at) if type(ev.at) is datetime else None
    if (
        at is not None
        and type(ev.type) is EventType
        and (ev[2:] == _BARE.get(ev.type) or _fields_ok(ev))
    ):
        return Parsed(ev.type, at, *ev[2:])
    data: dict[str, Any] = {"type": ev.type, "at": ev.at}
    for name in OPTIONAL_FIELDS:
        value = getattr(ev, name)
        if value is not None:
            data[name] = value
    return parse_event(data)


#: The parsed type of each optional field, in tuple order; an exact type where a subclass would
#: be wrong (``True`` is an ``int``).
_TYPES_OF: tuple[tuple[type, bool], ...] = tuple(
    (FIELD_DEFS[name].choices, True)  # type: ignore[misc]
    if FIELD_DEFS[name].choices is not None
    else _KIND_TYPES[FIELD_DEFS[name].kind]
    for name in OPTIONAL_FIELDS
)
#: Per event type: for each optional position, whether a value may / must be there.
_ALLOWED: Mapping[EventType, tuple[bool, ...]] = {
    t: tuple(name in req or name in opt for name in OPTIONAL_FIELDS)
    for t, (req, opt) in FIELDS.items()
}
_NEEDED: Mapping[EventType, tuple[bool, ...]] = {
    t: tuple(name in req or name in DEFAULTS.get(t, {}) for name in OPTIONAL_FIELDS)
    for t, (req, _) in FIELDS.items()
}


def _fields_ok(ev: Event) -> bool:
    """True when re-parsing ``ev`` would change nothing: every set field allowed for its type
    and of its parsed type, every required one and every default present, amounts exact."""
    allowed = _ALLOWED[ev.type]
    needed = _NEEDED[ev.type]
    for i, value in enumerate(ev[2:]):
        if value is None:
            if needed[i]:
                return False
        elif not allowed[i]:
            return False
        else:
            kind, exact = _TYPES_OF[i]
            if type(value) is not kind and (exact or not isinstance(value, kind)):
                return False
    if ev.tracking_no is not None or ev.bank is not None or ev.event_id is not None:
        return False  # text is checked by its parser (length, characters, pattern)
    if ev.lines is not None or ev.line is not None:
        return False  # checked by their parsers
    amount = ev.amount
    if amount is not None:
        exponent = amount.as_tuple().exponent
        return amount.is_finite() and amount >= 0 and isinstance(exponent, int) and exponent >= -2
    return True
