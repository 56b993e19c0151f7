"""The engine's private, mutable record of one order (copied before every change).

:class:`tradeclock.Order` keeps one :class:`State` as a frozen snapshot and copies it before
applying anything, so orders stay immutable values while replay stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from .events import Channel, Event, EventType, Method, Outcome, Party, Reason
from .machine import Candidate, OrderState, RefundState
from .rules import RuleSet
from .status import Fired

__all__ = ["Cause", "Refund", "State", "Table", "Timer"]

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
_ZERO = Decimal(0)
_OPEN = frozenset(
    {R_WAIT_SELLER_AGREE, R_WAIT_BUYER_RETURN, R_WAIT_SELLER_CONFIRM, R_SELLER_REFUSED}
)
_DELIVERING = frozenset({O_SHIPPED, O_SIGNED})
_NO_RATINGS: Mapping[str, tuple[str, bool]] = {}

#: A compiled transition table (see :mod:`tradeclock.machine`).
Table = Mapping[tuple[str, str], tuple[Candidate, ...]]
#: How a state was reached: (event name, instant, rule id or None for a person's event).
Cause = tuple[str, datetime, str | None]
#: A timer: (instant, rank in the rule table, automatic event, rule id).
Timer = tuple[datetime, int, str, str]


class Refund:
    """One refund's mutable record (engine-private; copied with its state)."""

    __slots__ = (
        "amount",
        "arrived_at",
        "before_shipment",
        "cause",
        "clock",
        "evidence_done",
        "intervention",
        "legal_fired",
        "number",
        "reason",
        "reply_clock",
        "requested_at",
        "return_goods",
        "return_method",
        "state",
        "timer",
        "timer_key",
    )

    def __init__(self, number: int, ev: Event, before_shipment: bool) -> None:
        self.number = number
        self.state = R_WAIT_SELLER_AGREE
        self.return_goods = bool(ev.return_goods)
        self.reason = ev.reason or RS_OTHER
        self.amount = ev.amount
        self.requested_at = ev.at
        self.before_shipment = before_shipment
        self.clock = ev.at  # anchor of the current state's timer
        self.return_method: Method | None = None
        self.intervention = False
        self.evidence_done = False
        self.reply_clock: datetime | None = None  # the buyer's evidence awaits the seller
        self.arrived_at: datetime | None = None  # the return reached the seller
        self.legal_fired: frozenset[str] = frozenset()  # the law's deadlines that have passed
        self.cause: Cause = (ET_REFUND_REQUESTED, ev.at, None)
        self.timer: Timer | None = None  # cached by engine.pending, keyed on what it reads
        self.timer_key: tuple[object, ...] | None = None

    def copy(self) -> Refund:
        # written out: a getattr/setattr loop costs ten times as much (tests check every slot)
        new = Refund.__new__(Refund)
        new.amount = self.amount
        new.before_shipment = self.before_shipment
        new.cause = self.cause
        new.clock = self.clock
        new.evidence_done = self.evidence_done
        new.reply_clock = self.reply_clock
        new.arrived_at = self.arrived_at
        new.legal_fired = self.legal_fired
        new.intervention = self.intervention
        new.number = self.number
        new.reason = self.reason
        new.requested_at = self.requested_at
        new.return_goods = self.return_goods
        new.return_method = self.return_method
        new.state = self.state
        new.timer = self.timer
        new.timer_key = self.timer_key
        return new


class State:
    """Everything the rules need to know about one order, as of its last event."""

    __slots__ = (
        "aftersale_done",
        "amount",
        "bank",
        "barred",
        "buyer_extensions",
        "category",
        "cause",
        "channel",
        "confirm_at",
        "confirm_left",
        "confirm_rule",
        "dispatch_at",
        "dispatch_done",
        "fired",
        "flash_sale",
        "last_at",
        "legal_approx",
        "legal_done",
        "legal_end",
        "method",
        "next_due",
        "order_id",
        "paid_at",
        "paused_at",
        "pay_deadline",
        "payouts",
        "placed_at",
        "rated",
        "rating_closed",
        "refund",
        "refund_count",
        "refunded",
        "reminder_at",
        "rs",
        "shipped_at",
        "signed_at",
        "state",
        "success_at",
        "window_done",
        "window_end",
    )

    def __init__(self, order_id: str, rs: RuleSet) -> None:
        self.order_id = order_id
        self.rs = rs
        self.state: OrderState | None = None
        self.cause: Cause | None = None
        self.amount: Decimal | None = None
        self.placed_at: datetime | None = None
        self.pay_deadline: datetime | None = None
        self.paid_at: datetime | None = None
        self.shipped_at: datetime | None = None
        self.signed_at: datetime | None = None
        self.method: Method | None = None
        self.confirm_at: datetime | None = None  # running auto-confirm deadline
        self.confirm_left: timedelta | None = None  # paused: the time it had left
        self.paused_at: datetime | None = None  # paused: since when (the anchor, kept)
        self.confirm_rule = "confirm.auto_confirm"
        self.buyer_extensions = 0
        self.dispatch_at: datetime | None = None
        self.dispatch_done = False
        self.window_end: datetime | None = None
        self.window_done = False
        self.legal_end: datetime | None = None  # the law's no-reason window (informational)
        self.legal_approx = False
        self.legal_done = False
        self.refunded = _ZERO
        self.refund: Refund | None = None
        self.refund_count = 0
        self.reminder_at: tuple[datetime, str] | None = None  # (due, rule) until it fires
        self.flash_sale = False
        self.category: str | None = None  # the goods' category (the law's exclusions)
        self.channel: Channel | None = None  # how the buyer paid
        self.bank: str | None = None
        self.payouts: tuple[tuple[int, datetime], ...] = ()  # (refund number, when it succeeded)
        self.success_at: datetime | None = None  # the rating and after-sale windows start here
        # per side ("buyer", "seller"): its rating and whether it came by default
        self.rated: Mapping[str, tuple[str, bool]] = _NO_RATINGS
        self.rating_closed: frozenset[str] = frozenset()  # sides whose window has ended
        self.aftersale_done = False
        self.barred: frozenset[Reason] = frozenset()
        self.fired: list[Fired] = []
        self.last_at: datetime | None = None
        # no running timer is due before this (a lower bound; None: no timer runs). Effects that
        # start a timer lower it (engine.bound); the tests check it never passes a real deadline.
        self.next_due: datetime | None = None

    def copy(self) -> State:
        # written out: a getattr/setattr loop costs ten times as much (tests check every slot)
        new = State.__new__(State)
        new.amount = self.amount
        new.bank = self.bank
        new.barred = self.barred
        new.channel = self.channel
        new.flash_sale = self.flash_sale
        new.category = self.category
        new.payouts = self.payouts
        new.success_at = self.success_at
        new.rated = self.rated
        new.rating_closed = self.rating_closed
        new.aftersale_done = self.aftersale_done
        new.buyer_extensions = self.buyer_extensions
        new.cause = self.cause
        new.confirm_at = self.confirm_at
        new.confirm_left = self.confirm_left
        new.confirm_rule = self.confirm_rule
        new.dispatch_at = self.dispatch_at
        new.dispatch_done = self.dispatch_done
        new.last_at = self.last_at
        new.legal_approx = self.legal_approx
        new.legal_done = self.legal_done
        new.legal_end = self.legal_end
        new.method = self.method
        new.order_id = self.order_id
        new.paid_at = self.paid_at
        new.paused_at = self.paused_at
        new.pay_deadline = self.pay_deadline
        new.placed_at = self.placed_at
        new.refund_count = self.refund_count
        new.reminder_at = self.reminder_at
        new.refunded = self.refunded
        new.rs = self.rs
        new.shipped_at = self.shipped_at
        new.signed_at = self.signed_at
        new.state = self.state
        new.next_due = self.next_due
        new.window_done = self.window_done
        new.window_end = self.window_end
        new.fired = list(self.fired)
        new.refund = None if self.refund is None else self.refund.copy()
        return new

    @property
    def refundable(self) -> Decimal | None:
        """What can still be refunded; ``None`` when the order carries no amount."""
        return None if self.amount is None else self.amount - self.refunded
