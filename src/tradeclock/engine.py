"""The replay engine: apply events, fire timers, and answer "what happens next, and when".

The core is a small mutable accumulator (:class:`State`) that only this module touches; the
public :class:`tradeclock.Order` keeps one as a frozen snapshot and copies it before every
change, so orders stay immutable values. Every timer is derived from the state's anchors
(``deadline = anchor + duration`` lives in :meth:`tradeclock.rules.Rule.deadline`); nothing
is scheduled, so nothing can be lost.

Order of things at an event at time ``t``: every timer due at or before ``t`` fires first, in
time order (ties in rule-table order); then the event is judged against the state it finds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from ._time import format_short
from .errors import InvalidInput, NotAllowed, OutOfOrder, TradeclockError
from .events import Event, EventType, Method, Outcome, Party, Reason
from .machine import (
    ORDER_TABLE,
    ORDER_TRIGGERS,
    REFUND_TABLE,
    Candidate,
    OrderState,
    RefundState,
)
from .rules import RuleSet
from .status import Deadline, Fired, RefundView, Status

__all__ = ["State", "advance", "apply_event", "build_status", "pending"]

_O = OrderState
_R = RefundState
_ZERO = Decimal(0)
_OPEN = frozenset({_R.WAIT_SELLER_AGREE, _R.WAIT_BUYER_RETURN, _R.WAIT_SELLER_CONFIRM,
                   _R.SELLER_REFUSED})
_DELIVERING = frozenset({_O.SHIPPED, _O.SIGNED})

#: How a state was reached: (event name, instant, rule id or None for a person's event).
Cause = tuple[str, datetime, str | None]
#: A timer: (instant, rank in the rule table, automatic event, rule id).
Timer = tuple[datetime, int, str, str]


class Refund:
    """One refund's mutable record (engine-private; copied with its state)."""

    __slots__ = ("amount", "before_shipment", "cause", "clock", "evidence_done", "intervention",
                 "number", "reason", "requested_at", "return_goods", "return_method", "state")

    def __init__(self, number: int, ev: Event, before_shipment: bool) -> None:
        self.number = number
        self.state = _R.WAIT_SELLER_AGREE
        self.return_goods = bool(ev.return_goods)
        self.reason = ev.reason or Reason.OTHER
        self.amount = ev.amount
        self.requested_at = ev.at
        self.before_shipment = before_shipment
        self.clock = ev.at  # anchor of the current state's timer
        self.return_method: Method | None = None
        self.intervention = False
        self.evidence_done = False
        self.cause: Cause = (EventType.REFUND_REQUESTED, ev.at, None)

    def copy(self) -> Refund:
        new = Refund.__new__(Refund)
        for name in Refund.__slots__:
            setattr(new, name, getattr(self, name))
        return new

    @property
    def open(self) -> bool:
        return self.state in _OPEN


class State:
    """Everything the rules need to know about one order, as of its last event."""

    __slots__ = ("amount", "barred", "buyer_extensions", "cause", "confirm_at", "confirm_left",
                 "confirm_rule", "dispatch_done", "fired", "last_at", "method", "n", "order_id",
                 "paid_at", "pay_deadline", "placed_at", "refund", "refund_count", "refunded",
                 "rs", "shipped_at", "signed_at", "state", "window_done", "window_end")

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
        self.confirm_rule = "confirm.auto_confirm"
        self.buyer_extensions = 0
        self.dispatch_done = False
        self.window_end: datetime | None = None
        self.window_done = False
        self.refunded = _ZERO
        self.refund: Refund | None = None
        self.refund_count = 0
        self.barred: frozenset[Reason] = frozenset()
        self.fired: list[Fired] = []
        self.last_at: datetime | None = None
        self.n = 0  # events applied

    def copy(self) -> State:
        new = State.__new__(State)
        for name in State.__slots__:
            setattr(new, name, getattr(self, name))
        new.fired = list(self.fired)
        if self.refund is not None:
            new.refund = self.refund.copy()
        return new

    @property
    def refundable(self) -> Decimal | None:
        """What can still be refunded; ``None`` when the order carries no amount."""
        return None if self.amount is None else self.amount - self.refunded


# --------------------------------------------------------------------------- timers


def pending(st: State) -> list[Timer]:
    """Every timer running in ``st``, unsorted: derived from anchors, never stored."""
    rs = st.rs
    rank = rs.rank
    out: list[Timer] = []
    state = st.state
    if state is _O.PLACED:
        assert st.pay_deadline is not None
        out.append((st.pay_deadline, rank["pay.unpaid_close"], "auto_close", "pay.unpaid_close"))
    elif state is _O.PAID:
        if not st.dispatch_done:
            assert st.paid_at is not None
            rule = rs.rules["ship.dispatch_due"]
            out.append((rule.deadline(st.paid_at, rs.tz), rank[rule.id], "dispatch_due", rule.id))
    elif state in _DELIVERING:
        if st.confirm_at is not None:
            out.append((st.confirm_at, rank[st.confirm_rule], "auto_confirm", st.confirm_rule))
        if st.window_end is not None and not st.window_done:
            out.append((st.window_end, rank["return.no_reason_window"], "return_window_end",
                        "return.no_reason_window"))
    r = st.refund
    if r is not None and r.state in _OPEN:
        timer = _refund_timer(st, r)
        if timer is not None:
            rule = rs.rules[timer[1]]
            out.append((rule.deadline(r.clock, rs.tz), rank[rule.id], timer[0], rule.id))
    return out


def _refund_timer(st: State, r: Refund) -> tuple[str, str] | None:
    """(automatic event, rule id) of the refund's running timer, if any."""
    s = r.state
    if s is _R.WAIT_SELLER_AGREE:
        if r.before_shipment:
            return "auto_refund", "refund.unshipped_seller_timeout"
        if r.return_goods:
            return "auto_agree", "refund.return_seller_timeout"
        return "auto_refund", "refund.refund_only_seller_timeout"
    if s is _R.WAIT_BUYER_RETURN:
        return "refund_close", "refund.buyer_return_timeout"
    if s is _R.WAIT_SELLER_CONFIRM:
        if r.return_method is Method.SURFACE_MAIL:
            return "auto_refund", "refund.seller_receipt_timeout.surface_mail"
        return "auto_refund", "refund.seller_receipt_timeout"
    # seller_refused
    if not r.intervention:
        return "refund_close", "refund.refused_buyer_timeout"
    if not r.evidence_done:
        return "evidence_due", "refund.intervention_evidence"
    return None


def advance(st: State, t: datetime) -> None:
    """Fire, in time order, every timer of ``st`` due at or before ``t`` (mutates ``st``)."""
    while True:
        due: Timer | None = None
        for timer in pending(st):
            if timer[0] <= t and (due is None or timer[:2] < due[:2]):
                due = timer
        if due is None:
            return
        _fire(st, due)


def _fire(st: State, timer: Timer) -> None:
    at, _, event, rule = timer
    st.fired.append(Fired(event, at, rule))
    cause: Cause = (event, at, rule)
    if event in ORDER_TRIGGERS:
        assert st.state is not None
        dest = _order_dest(st, event)
        if event == "dispatch_due":
            st.dispatch_done = True
        elif event == "return_window_end":
            st.window_done = True
        elif event == "auto_confirm":
            st.confirm_at = None
        if dest is not None:
            _set_order(st, dest, cause)
        return
    r = st.refund
    assert r is not None
    dest = _single_dest(REFUND_TABLE, event, r.state)
    if event == "evidence_due":
        r.evidence_done = True
    if dest is None:
        return
    r.state = RefundState(dest)
    r.cause = cause
    r.clock = at
    if dest == _R.SUCCESS:
        _refund_succeeded(st, at, cause)
    elif dest == _R.CLOSED:
        if rule == "refund.buyer_return_timeout":
            st.barred = st.barred | {r.reason}
        _refund_ended(st, at)


def _order_dest(st: State, trigger: str) -> str | None:
    assert st.state is not None
    return _single_dest(ORDER_TABLE, trigger, st.state)


def _single_dest(table: dict[tuple[str, str], tuple[Candidate, ...]] | object, trigger: str,
                 state: str) -> str | None:
    """Destination of an unguarded trigger (automatic events) from ``state``."""
    candidates = table[(trigger, state)]  # type: ignore[index]
    return candidates[0].dest  # type: ignore[no-any-return]


def _set_order(st: State, dest: str, cause: Cause) -> None:
    st.state = OrderState(dest)
    st.cause = cause


def _refund_succeeded(st: State, at: datetime, cause: Cause) -> None:
    r = st.refund
    assert r is not None
    refundable = st.refundable
    paid_out = r.amount if r.amount is not None else refundable
    if paid_out is not None:
        st.refunded += paid_out
    if r.amount is None or st.refunded == st.amount:
        # the whole paid amount: the order closes (seed 002 § 四.4.B)
        st.confirm_at = None
        st.confirm_left = None
        _set_order(st, _order_dest_checked(st, "full_refund"), cause)
    else:
        _refund_ended(st, at)


def _order_dest_checked(st: State, trigger: str) -> str:
    dest = _order_dest(st, trigger)
    assert dest is not None
    return dest


def _refund_ended(st: State, at: datetime) -> None:
    """A refund ended without closing the order: the auto-confirm countdown resumes."""
    if st.confirm_left is not None and st.state in _DELIVERING:
        st.confirm_at = at + st.confirm_left
        st.confirm_left = None


def _pause_confirm(st: State, at: datetime) -> None:
    if st.confirm_at is not None:
        st.confirm_left = st.confirm_at - at
        st.confirm_at = None


# --------------------------------------------------------------------------- guards

#: A refusal: (why, rule id, error class).
Refusal = tuple[str, str, type[TradeclockError]]
Guard = Callable[[State, Event], Refusal | None]


def _t(st: State, at: datetime) -> str:
    return format_short(at, st.rs.tz)


def _g_extension(st: State, ev: Event) -> Refusal | None:
    rs = st.rs
    if ev.by is Party.BUYER:
        rule = rs.rules["confirm.buyer_extension"]
        asked = timedelta(days=ev.days) if ev.days is not None else rule.duration
        if asked != rule.duration:
            return (f"the buyer can extend by {_days(rule.duration)} only, not {_days(asked)}",
                    rule.id, NotAllowed)
        if rule.max_uses is not None and st.buyer_extensions >= rule.max_uses:
            return (f"the buyer already extended {st.buyer_extensions} time(s), the most allowed",
                    rule.id, NotAllowed)
        left = _confirm_left(st, ev.at)
        if rule.only_within is not None and left is not None and left > rule.only_within:
            return (f"the buyer can extend only when at most {_days(rule.only_within)} remain, "
                    f"and {_days(left)} remain", rule.id, NotAllowed)
        return None
    if ev.by is Party.SELLER:
        rule = rs.rules["confirm.seller_extension"]
        allowed = rule.choices or (rule.duration,)
        asked = timedelta(days=ev.days) if ev.days is not None else allowed[0]
        if asked not in allowed:
            return (f"the seller can extend by {', '.join(_days(c) for c in allowed)} only, "
                    f"not {_days(asked)}", rule.id, NotAllowed)
        return None
    return (f"only the buyer or the seller can extend the receipt time, not the {ev.by}",
            "confirm.seller_extension", NotAllowed)


def _days(d: timedelta) -> str:
    if d % timedelta(days=1) == timedelta(0):
        return f"{d.days} d"
    return f"{d.total_seconds() / 3600:g} h"


def _confirm_left(st: State, at: datetime) -> timedelta | None:
    if st.confirm_at is not None:
        return st.confirm_at - at
    return st.confirm_left


def _g_no_open_refund(st: State, ev: Event) -> Refusal | None:
    r = st.refund
    if r is not None and r.state in _OPEN:
        return (f"refund {r.number} is still open ({r.state}); one refund at a time",
                "refund.one_open", NotAllowed)
    return None


def _g_return_after_shipment(st: State, ev: Event) -> Refusal | None:
    wants_return = ev.return_goods
    if wants_return is None and st.refund is not None and ev.type is EventType.REFUND_MODIFIED:
        wants_return = st.refund.return_goods
    if wants_return and st.state is _O.PAID:
        return ("nothing was shipped yet, so there are no goods to return",
                "refund.return_needs_shipment", NotAllowed)
    return None


def _g_no_reason_in_window(st: State, ev: Event) -> Refusal | None:
    if ev.reason is Reason.NO_REASON and st.window_end is not None and ev.at >= st.window_end:
        return (f"the no-reason return window ended at {_t(st, st.window_end)}",
                "return.no_reason_window", NotAllowed)
    return None


def _g_reason_not_barred(st: State, ev: Event) -> Refusal | None:
    reason = ev.reason or Reason.OTHER
    if reason in st.barred:
        return (f"an earlier refund for reason {reason} closed because the return was not "
                "shipped in time; a new request for the same reason needs the seller's consent",
                "refund.same_reason_after_return_timeout", NotAllowed)
    return None


def _g_amount_refundable(st: State, ev: Event) -> Refusal | None:
    if ev.amount is None:
        return None
    if ev.amount <= 0:
        return (f"a refund amount must be more than 0, got {ev.amount}", "refund.amount",
                InvalidInput)
    refundable = st.refundable
    if refundable is None:
        return ("the placed event gave no amount, so only a full refund (no amount) can be asked",
                "refund.amount", InvalidInput)
    if ev.amount > refundable:
        return (f"refund amount {ev.amount} is more than the {refundable} still refundable "
                f"(paid {st.amount}, refunded {st.refunded})", "refund.amount", InvalidInput)
    return None


def _g_after_sale_open(st: State, ev: Event) -> Refusal | None:
    when = f" at {_t(st, st.cause[1])}" if st.cause is not None else ""
    return (f"the order succeeded{when} and no refund can be requested after success",
            "refund.none_after_success", NotAllowed)


def _g_return_goods(st: State, ev: Event) -> Refusal | None:
    r = st.refund
    return None if r is not None and r.return_goods else ("no return", "refund.graph", NotAllowed)


def _g_order_shipped(st: State, ev: Event) -> Refusal | None:
    if st.state is _O.PAID:
        return ("the order has not shipped, and before shipping the seller can only agree to a "
                "refund (or ship, which closes it)", "refund.no_refuse_before_shipping",
                NotAllowed)
    return None


def _g_modification_valid(st: State, ev: Event) -> Refusal | None:
    for guard in (_g_return_after_shipment, _g_no_reason_in_window, _g_reason_not_barred,
                  _g_amount_refundable):
        refusal = guard(st, ev)
        if refusal is not None:
            return refusal
    return None


def _g_intervention_open(st: State, ev: Event) -> Refusal | None:
    r = st.refund
    if r is not None and r.intervention:
        return None
    return ("no platform intervention was requested for this refund", "refund.intervention",
            NotAllowed)


def _g_ruled_refund(st: State, ev: Event) -> Refusal | None:
    return None if ev.outcome is Outcome.REFUND else ("no refund", "refund.graph", NotAllowed)


_GUARDS: dict[str, Guard] = {
    "extension_allowed": _g_extension,
    "no_open_refund": _g_no_open_refund,
    "return_after_shipment": _g_return_after_shipment,
    "no_reason_in_window": _g_no_reason_in_window,
    "reason_not_barred": _g_reason_not_barred,
    "amount_refundable": _g_amount_refundable,
    "after_sale_open": _g_after_sale_open,
    "return_goods": _g_return_goods,
    "order_shipped": _g_order_shipped,
    "modification_valid": _g_modification_valid,
    "intervention_open": _g_intervention_open,
    "ruled_refund": _g_ruled_refund,
}

#: Why an ``unless`` guard refuses (it holds when it should not).
_NEGATED: dict[str, Callable[[State], tuple[str, str]]] = {
    "intervention_open": lambda st: (
        "platform intervention was already requested for this refund", "refund.intervention"),
}


# --------------------------------------------------------------------------- applying events


def apply_event(st: State, ev: Event, index: int) -> None:
    """Apply one validated event to ``st`` (mutates it; on error ``st`` may be partly advanced,
    so callers pass a copy and drop it on failure)."""
    try:
        _apply(st, ev)
    except TradeclockError as exc:
        raise exc.located(order_id=st.order_id, event_index=index) from None
    st.n += 1
    st.last_at = ev.at


def _apply(st: State, ev: Event) -> None:
    if st.last_at is not None and ev.at < st.last_at:
        raise OutOfOrder(
            f"order {st.order_id}: {ev.type} at {_t(st, ev.at)} is earlier than the event before "
            f"it ({_t(st, st.last_at)}); events must be in the order they happened",
            event_type=ev.type.value, state=st.state, rule="order.graph",
        )
    etype = ev.type
    if st.state is None:
        if etype is not EventType.PLACED:
            raise _refuse(st, ev, "an order's log starts with placed", "order.first_event")
        _on_placed(st, ev)
        return
    if etype is EventType.PLACED:
        raise _refuse(st, ev, f"the order was already placed at {_t(st, st.placed_at)}",  # type: ignore[arg-type]
                      "order.first_event")
    advance(st, ev.at)
    if etype in ORDER_TRIGGERS:
        dest = _choose(st, ev, ORDER_TABLE, st.state, _order_not_in_graph)
        _ORDER_EFFECTS[etype](st, ev)
        if dest is not None:
            _set_order(st, dest, (etype, ev.at, None))
        return
    r = st.refund
    if r is None or r.state not in _OPEN:
        raise _refuse(st, ev, *_no_open_refund(st))
    dest = _choose(st, ev, REFUND_TABLE, r.state, _refund_not_in_graph)
    _REFUND_EFFECTS[etype](st, ev)
    if dest is not None:
        r.state = RefundState(dest)
        r.cause = (etype, ev.at, None)
        r.clock = ev.at
        if dest == _R.SUCCESS:
            _refund_succeeded(st, ev.at, (etype, ev.at, None))
        elif dest == _R.CLOSED:
            _refund_ended(st, ev.at)


def _choose(st: State, ev: Event, table: dict[tuple[str, str], tuple[Candidate, ...]],
            state: str, not_in_graph: Callable[[State, Event], tuple[str, str]]) -> str | None:
    candidates = table.get((ev.type.value, state))
    if candidates is None:
        raise _refuse(st, ev, *not_in_graph(st, ev))
    first_refusal: tuple[str, str, type[TradeclockError]] | None = None
    for cand in candidates:
        refusal = None
        for name, required in cand.conditions:
            result = _GUARDS[name](st, ev)
            if (result is None) != required:
                if required:
                    assert result is not None
                    refusal = result
                else:
                    why, rule = _NEGATED.get(name, lambda s: ("", "order.graph"))(st)
                    refusal = (why, rule, NotAllowed)
                break
        if refusal is None:
            return cand.dest
        if first_refusal is None:
            first_refusal = refusal
    assert first_refusal is not None
    why, rule, cls = first_refusal
    raise _refuse(st, ev, why, rule, cls)


def _refuse(st: State, ev: Event, why: str, rule: str,
            cls: type[TradeclockError] = NotAllowed) -> TradeclockError:
    verb = "is not allowed" if cls is NotAllowed else "is invalid"
    return cls(
        f"order {st.order_id}: {ev.type} at {_t(st, ev.at)} {verb}: {why} ({rule})",
        order_id=st.order_id, event_type=ev.type.value, rule=rule,
        state=None if st.state is None else st.state.value,
    )


_ORDER_PHRASE = {
    _O.PLACED: "is waiting for payment",
    _O.PAID: "is paid and not shipped",
    _O.SHIPPED: "is shipped",
    _O.SIGNED: "is signed for",
    _O.SUCCESS: "succeeded",
    _O.CLOSED: "was closed",
}


def _sources(table: dict[tuple[str, str], tuple[Candidate, ...]], trigger: str) -> str:
    return ", ".join(s for t, s in table if t == trigger)


def _order_not_in_graph(st: State, ev: Event) -> tuple[str, str]:
    assert st.state is not None and st.cause is not None
    what, at, rule = st.cause
    phrase = _ORDER_PHRASE[st.state]
    if rule is not None:
        how = ("automatically" if what in ORDER_TRIGGERS
               else f"when the refund succeeded automatically ({what})")
        return f"the order {phrase} {how} at {_t(st, at)}", rule
    return (f"the order {phrase} (since {what} at {_t(st, at)}); {ev.type} needs the order "
            f"{_sources(ORDER_TABLE, ev.type.value)}", "order.graph")


_REFUND_PHRASE = {
    _R.SUCCESS: "succeeded",
    _R.CLOSED: "was closed",
}


def _no_open_refund(st: State) -> tuple[str, str]:
    r = st.refund
    if r is None:
        return "no refund has been requested", "refund.graph"
    what, at, rule = r.cause
    phrase = _REFUND_PHRASE.get(r.state, str(r.state))
    if rule is not None:
        return f"the refund already {phrase} automatically at {_t(st, at)}", rule
    return f"the refund already {phrase} at {_t(st, at)} ({what})", "refund.graph"


def _refund_not_in_graph(st: State, ev: Event) -> tuple[str, str]:
    r = st.refund
    assert r is not None
    return (f"refund {r.number} is {r.state}; {ev.type} needs it "
            f"{_sources(REFUND_TABLE, ev.type.value)}", "refund.graph")


def _on_placed(st: State, ev: Event) -> None:
    rule = st.rs.rules["pay.unpaid_close"]
    st.placed_at = ev.at
    st.amount = ev.amount
    if ev.pay_within is not None:
        if ev.pay_within <= timedelta(0):
            raise InvalidInput("placed.pay_within must be positive", rule=rule.id)
        st.pay_deadline = ev.at + ev.pay_within
    else:
        st.pay_deadline = rule.deadline(ev.at, st.rs.tz)
    _set_order(st, _O.PLACED, (EventType.PLACED, ev.at, None))


def _on_paid(st: State, ev: Event) -> None:
    st.paid_at = ev.at


def _on_nothing(st: State, ev: Event) -> None:
    return None


def _on_shipped(st: State, ev: Event) -> None:
    rs = st.rs
    st.shipped_at = ev.at
    st.method = ev.method or Method.EXPRESS
    st.confirm_rule = ("confirm.auto_confirm.surface_mail" if st.method is Method.SURFACE_MAIL
                       else "confirm.auto_confirm")
    st.confirm_at = rs.rules[st.confirm_rule].deadline(ev.at, rs.tz)
    st.confirm_left = None
    r = st.refund
    if r is not None and r.state in _OPEN:
        # shipping closes a pending unshipped refund (seed 002 § 四.常見問題.1)
        r.state = RefundState(_single_dest(REFUND_TABLE, "closed_by_shipment", r.state) or r.state)
        r.cause = (EventType.SHIPPED, ev.at, None)
        r.clock = ev.at


def _on_signed(st: State, ev: Event) -> None:
    rule = st.rs.rules["return.no_reason_window"]
    st.signed_at = ev.at
    st.window_end = rule.deadline(ev.at, st.rs.tz)


def _on_confirmed(st: State, ev: Event) -> None:
    st.confirm_at = None
    st.confirm_left = None
    r = st.refund
    if r is not None and r.state in _OPEN:
        r.state = RefundState(_single_dest(REFUND_TABLE, "closed_by_confirmation", r.state)
                              or r.state)
        r.cause = (EventType.CONFIRMED, ev.at, None)
        r.clock = ev.at


def _on_extended(st: State, ev: Event) -> None:
    rules = st.rs.rules
    if ev.by is Party.BUYER:
        st.buyer_extensions += 1
        extra = (timedelta(days=ev.days) if ev.days is not None
                 else rules["confirm.buyer_extension"].duration)
    else:
        rule = rules["confirm.seller_extension"]
        extra = timedelta(days=ev.days) if ev.days is not None else (rule.choices or
                                                                     (rule.duration,))[0]
    if st.confirm_at is not None:
        st.confirm_at += extra
    elif st.confirm_left is not None:
        st.confirm_left += extra


def _on_refund_requested(st: State, ev: Event) -> None:
    st.refund_count += 1
    st.refund = Refund(st.refund_count, ev, before_shipment=st.state is _O.PAID)
    _pause_confirm(st, ev.at)


_ORDER_EFFECTS: dict[str, Callable[[State, Event], None]] = {
    EventType.PAID: _on_paid,
    EventType.CANCELLED: _on_nothing,
    EventType.SHIPPED: _on_shipped,
    EventType.SIGNED: _on_signed,
    EventType.CONFIRMED: _on_confirmed,
    EventType.RECEIPT_EXTENDED: _on_extended,
    EventType.REFUND_REQUESTED: _on_refund_requested,
}


def _on_modified(st: State, ev: Event) -> None:
    r = st.refund
    assert r is not None
    if ev.return_goods is not None:
        r.return_goods = ev.return_goods
    if ev.reason is not None:
        r.reason = ev.reason
    if ev.amount is not None:
        r.amount = ev.amount


def _on_return_shipped(st: State, ev: Event) -> None:
    r = st.refund
    assert r is not None
    r.return_method = ev.method


def _on_intervention(st: State, ev: Event) -> None:
    r = st.refund
    assert r is not None
    r.intervention = True
    r.clock = ev.at  # the evidence clock starts


_REFUND_EFFECTS: dict[str, Callable[[State, Event], None]] = {
    EventType.REFUND_AGREED: _on_nothing,
    EventType.REFUND_REFUSED: _on_nothing,
    EventType.REFUND_MODIFIED: _on_modified,
    EventType.REFUND_CANCELLED: _on_nothing,
    EventType.RETURN_SHIPPED: _on_return_shipped,
    EventType.RETURN_RECEIVED: _on_nothing,
    EventType.INTERVENTION_REQUESTED: _on_intervention,
    EventType.INTERVENTION_RULED: _on_nothing,
}


# --------------------------------------------------------------------------- status


def build_status(st: State, now: datetime) -> Status:
    """The status of ``st`` (already advanced to ``now``)."""
    rs = st.rs
    rules = rs.rules
    deadlines = []
    for at, _rank, event, rule_id in sorted(pending(st)):
        rule = rules[rule_id]
        deadlines.append(Deadline(event, at, rule_id, rule.stoppable_by, rule.source,
                                  rule.effect, rule.informational))
    r = st.refund
    view = None if r is None else RefundView(
        r.number, r.state.value, r.return_goods, r.reason.value, r.amount, r.requested_at,
        r.before_shipment, r.intervention)
    assert st.state is not None
    return Status(
        id=st.order_id, rules=rs.name, now=now, state=st.state.value, refund=view,
        fired=tuple(st.fired), upcoming=tuple(deadlines), amount=st.amount,
        refunded=st.refunded, auto_confirm_paused_left=st.confirm_left, tz=rs.tz,
    )
