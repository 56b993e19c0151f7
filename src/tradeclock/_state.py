"""The engine's private, mutable record of one order (copied before every change).

:class:`tradeclock.Order` keeps one :class:`State` as a frozen snapshot and copies it before
applying anything, so orders stay immutable values while replay stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from ._events import Channel, Event, EventType, Method, Outcome, Party, Reason
from ._machine import Candidate, OrderState, RefundState
from ._rules import RuleSet
from ._status import Fired

__all__ = ["Cause", "Clock", "Ended", "Refund", "State", "Table", "Timer"]

# Members as module constants: looking one up on its enum class costs ~0.2 us on the hot path.
ET_CANCELLED = EventType.CANCELLED
ET_CONFIRMED = EventType.CONFIRMED
ET_INTERVENTION_REQUESTED = EventType.INTERVENTION_REQUESTED
ET_INTERVENTION_RULED = EventType.INTERVENTION_RULED
ET_EVIDENCE_ADDED = EventType.EVIDENCE_ADDED
ET_RETURN_ARRIVED = EventType.RETURN_ARRIVED
ET_PAID = EventType.PAID
ET_PLACED = EventType.PLACED
ET_RATED = EventType.RATED
ET_RECEIPT_EXTENDED = EventType.RECEIPT_EXTENDED
ET_REFUND_AGREED = EventType.REFUND_AGREED
ET_REFUND_CANCELLED = EventType.REFUND_CANCELLED
ET_REFUND_MODIFIED = EventType.REFUND_MODIFIED
ET_REFUND_REFUSED = EventType.REFUND_REFUSED
ET_REFUND_REQUESTED = EventType.REFUND_REQUESTED
ET_RETURN_RECEIVED = EventType.RETURN_RECEIVED
ET_RETURN_SHIPPED = EventType.RETURN_SHIPPED
ET_SHIPPED = EventType.SHIPPED
ET_SIGNED = EventType.SIGNED
M_EXPRESS = Method.EXPRESS
M_SURFACE_MAIL = Method.SURFACE_MAIL
OC_REFUND = Outcome.REFUND
O_CLOSED = OrderState.CLOSED
O_PAID = OrderState.PAID
O_PLACED = OrderState.PLACED
O_SHIPPED = OrderState.SHIPPED
O_SIGNED = OrderState.SIGNED
O_SUCCESS = OrderState.SUCCESS
P_BUYER = Party.BUYER
P_SELLER = Party.SELLER
RS_NO_REASON = Reason.NO_REASON
RS_OTHER = Reason.OTHER
R_CLOSED = RefundState.CLOSED
R_SELLER_REFUSED = RefundState.SELLER_REFUSED
R_SUCCESS = RefundState.SUCCESS
R_WAIT_BUYER_RETURN = RefundState.WAIT_BUYER_RETURN
R_WAIT_SELLER_AGREE = RefundState.WAIT_SELLER_AGREE
R_WAIT_SELLER_CONFIRM = RefundState.WAIT_SELLER_CONFIRM
_O = OrderState
_R = RefundState
_ZERO = Decimal("0.00")  # money is yuan with fen, always two decimals
OPEN_REFUND = frozenset(
    {R_WAIT_SELLER_AGREE, R_WAIT_BUYER_RETURN, R_WAIT_SELLER_CONFIRM, R_SELLER_REFUSED}
)
_DELIVERING = frozenset({O_SHIPPED, O_SIGNED})
_NO_RATINGS: Mapping[str, tuple[str, bool]] = {}

#: A compiled transition table (see :mod:`tradeclock._machine`).
Table = Mapping[tuple[str, str], tuple[Candidate, ...]]
#: How a state was reached: (event name, instant, rule id or None for a person's event).
Cause = tuple[str, datetime, str | None]
#: A timer as the engine lists it: (instant, rank in the rule table, automatic event, rule id).
Timer = tuple[datetime, int, str, str]


#: One timer of an order or refund, keyed by its rule id in ``running``: a plain tuple
#: ``(at, left, paused_at, approximate)`` (plain tuples: the engine makes one for every timer
#: started, and a named tuple costs several times more to build). Running: ``at`` set; paused
#: by an open refund: ``left`` and ``paused_at`` set; ``approximate``: a day of it was judged
#: without calendar data (the law's rest-day roll-over).
Clock = tuple[datetime | None, timedelta | None, datetime | None, bool]
#: A timer that no longer runs: ``(at, fired)``, the deadline it had (``None``: stopped while
#: paused) and whether it fired (else something stopped it).
Ended = tuple[datetime | None, bool]
#: the positions in a :data:`Clock` and an :data:`Ended`
AT: Final = 0
LEFT: Final = 1
PAUSED_AT: Final = 2
APPROXIMATE: Final = 3
FIRED: Final = 1


class Refund:
    """One refund's mutable record (engine-private; copied with its state)."""

    __slots__ = (
        "amount",
        "before_shipment",
        "cause",
        "ended",
        "intervention",
        "number",
        "reason",
        "requested_at",
        "return_goods",
        "return_method",
        "running",
        "state",
    )

    def __init__(self, number: int, ev: Event, before_shipment: bool) -> None:
        self.number = number
        self.state = R_WAIT_SELLER_AGREE
        self.return_goods = bool(ev.return_goods)
        self.reason = ev.reason or RS_OTHER
        self.amount = ev.amount
        self.requested_at = ev.at
        self.before_shipment = before_shipment
        self.return_method: Method | None = None
        self.intervention = False
        self.cause: Cause = (ET_REFUND_REQUESTED, ev.at, None)
        #: the refund's timers: running (or paused) clocks and the ones that ended, by rule id
        self.running: dict[str, Clock] = {}
        self.ended: dict[str, Ended] = {}

    def copy(self) -> Refund:
        # written out: a getattr/setattr loop costs ten times as much (tests check every slot)
        new = Refund.__new__(Refund)
        new.amount = self.amount
        new.before_shipment = self.before_shipment
        new.cause = self.cause
        new.running = dict(self.running)
        new.ended = dict(self.ended)
        new.intervention = self.intervention
        new.number = self.number
        new.reason = self.reason
        new.requested_at = self.requested_at
        new.return_goods = self.return_goods
        new.return_method = self.return_method
        new.state = self.state
        return new


class State:
    """Everything the rules need to know about one order, as of its last event.

    The facts the events brought (times, amounts, method, ratings, ...) and one generic
    structure for the timers: ``running`` (running or paused clocks keyed by rule id) and
    ``ended`` (the ones that ended), shaped alike in :class:`Refund`.
    No field belongs to one timer: the rule table declares how each runs.
    """

    __slots__ = (
        "amount",
        "bank",
        "barred",
        "buyer_extensions",
        "campaign",
        "category",
        "cause",
        "channel",
        "ended",
        "fired",
        "flash_sale",
        "last_at",
        "line",
        "method",
        "next_due",
        "order_id",
        "paid_at",
        "payouts",
        "placed_at",
        "rated",
        "refund",
        "refund_count",
        "refunded",
        "rs",
        "running",
        "state",
        "success_at",
    )

    def __init__(self, order_id: str, rs: RuleSet) -> None:
        self.order_id = order_id
        self.rs = rs
        self.state: OrderState | None = None
        self.cause: Cause | None = None
        self.amount: Decimal | None = None
        self.placed_at: datetime | None = None
        self.paid_at: datetime | None = None
        self.method: Method | None = None
        self.campaign = False
        self.buyer_extensions = 0
        self.refunded = _ZERO
        self.refund: Refund | None = None
        self.refund_count = 0
        self.flash_sale = False
        self.category: str | None = None  # the goods' category (the law's exclusions)
        self.channel: Channel | None = None  # how the buyer paid
        self.bank: str | None = None
        self.payouts: tuple[tuple[int, datetime], ...] = ()  # (refund number, when it succeeded)
        self.success_at: datetime | None = None
        # per side ("buyer", "seller"): its rating and whether it came by default
        self.rated: Mapping[str, tuple[str, bool]] = _NO_RATINGS
        self.barred: frozenset[Reason] = frozenset()
        self.fired: list[Fired] = []
        self.last_at: datetime | None = None
        #: the order's timers: running (or paused) clocks and the ones that ended, by rule id
        #: (the order and the refund hold them alike, so the engine's timer code sees one shape)
        self.running: dict[str, Clock] = {}
        self.ended: dict[str, Ended] = {}
        #: no running deadline of the order or its refund is before this (a lower bound; None:
        #: none runs). Starting a timer lowers it; the tests check it never passes a deadline.
        self.next_due: datetime | None = None
        #: the id of the one line this state follows (``placed.lines``; else the order's id)
        self.line = order_id

    def copy(self) -> State:
        # written out: a getattr/setattr loop costs ten times as much (tests check every slot)
        new = State.__new__(State)
        new.amount = self.amount
        new.bank = self.bank
        new.barred = self.barred
        new.buyer_extensions = self.buyer_extensions
        new.campaign = self.campaign
        new.category = self.category
        new.cause = self.cause
        new.channel = self.channel
        new.running = dict(self.running)
        new.ended = dict(self.ended)
        new.line = self.line
        new.flash_sale = self.flash_sale
        new.last_at = self.last_at
        new.method = self.method
        new.next_due = self.next_due
        new.order_id = self.order_id
        new.paid_at = self.paid_at
        new.payouts = self.payouts
        new.placed_at = self.placed_at
        new.rated = self.rated
        new.refund_count = self.refund_count
        new.refunded = self.refunded
        new.rs = self.rs
        new.state = self.state
        new.success_at = self.success_at
        new.fired = list(self.fired)
        new.refund = None if self.refund is None else self.refund.copy()
        return new

    def auto_confirm(self) -> Clock | None:
        """The clock of the auto-confirm countdown (whichever rule's timer runs it), running or
        paused; ``None`` when none runs."""
        table = self.rs.rules
        for rid, c in self.running.items():
            if table[rid].event == "auto_confirm":
                return c
        return None

    @property
    def refundable(self) -> Decimal | None:
        """What can still be refunded; ``None`` when the order carries no amount."""
        return None if self.amount is None else self.amount - self.refunded
