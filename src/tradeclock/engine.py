"""The replay engine: apply events, fire timers, and answer "what happens next, and when".

Every timer is derived from the state's anchors (``deadline = anchor + duration`` lives in
:meth:`tradeclock.rules.Rule.deadline`); nothing is scheduled, so nothing can be lost.

Order of things at an event at time ``t``: every timer due at or before ``t`` fires first, in
time order (ties in rule-table order); then the event is judged against the state it finds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from . import rules
from ._topcodes import REFUND_CODES, trade_status
from .errors import InvalidInput, OutOfOrder, TradeclockError
from .events import Channel, Event
from .guards import choose, no_open_refund, order_not_in_graph, refund_not_in_graph, refuse, when
from .law import ART7, legal_window_end
from .machine import ORDER_TABLE, ORDER_TRIGGERS, REFUND_TABLE
from .money import arrival, arrival_rule
from .state import (
    _DELIVERING,
    _OPEN,
    ET_CANCELLED,
    ET_CONFIRMED,
    ET_EVIDENCE_ADDED,
    ET_INTERVENTION_REQUESTED,
    ET_INTERVENTION_RULED,
    ET_PAID,
    ET_PLACED,
    ET_RATED,
    ET_RECEIPT_EXTENDED,
    ET_REFUND_AGREED,
    ET_REFUND_CANCELLED,
    ET_REFUND_MODIFIED,
    ET_REFUND_REFUSED,
    ET_REFUND_REQUESTED,
    ET_RETURN_ARRIVED,
    ET_RETURN_RECEIVED,
    ET_RETURN_SHIPPED,
    ET_SHIPPED,
    ET_SIGNED,
    M_EXPRESS,
    M_SURFACE_MAIL,
    O_PAID,
    O_PLACED,
    O_SUCCESS,
    P_BUYER,
    R_CLOSED,
    R_SUCCESS,
    R_WAIT_BUYER_RETURN,
    R_WAIT_SELLER_AGREE,
    R_WAIT_SELLER_CONFIRM,
    RS_NO_REASON,
    Cause,
    Refund,
    State,
    Table,
    Timer,
)
from .status import Deadline, Fired, Instalments, Ratings, RefundView, Status


def _at(item: Fired | Deadline) -> datetime:
    return item.at


__all__ = [
    "advance",
    "apply",
    "apply_event",
    "bound",
    "build_status",
    "instalments",
    "money",
    "pending",
    "refund_timer",
    "timers",
]

# --------------------------------------------------------------------------- timers


def pending(st: State) -> list[Timer]:
    """Every timer running in ``st``, unsorted: derived from anchors, never stored."""
    rs = st.rs
    rank = rs.rank
    out: list[Timer] = []
    state = st.state
    if state is O_PLACED:
        assert st.pay_deadline is not None
        out.append((st.pay_deadline, rank["pay.unpaid_close"], "auto_close", "pay.unpaid_close"))
        if st.reminder_at is not None:
            at, rule_id = st.reminder_at
            out.append((at, rank[rule_id], "pay_reminder", rule_id))
    elif state is O_PAID:
        if not st.dispatch_done:
            assert st.dispatch_at is not None
            out.append(
                (st.dispatch_at, rank["ship.dispatch_due"], "dispatch_due", "ship.dispatch_due")
            )
    elif state in _DELIVERING:
        if st.confirm_at is not None:
            out.append((st.confirm_at, rank[st.confirm_rule], "auto_confirm", st.confirm_rule))
        if st.window_end is not None and not st.window_done:
            out.append(
                (
                    st.window_end,
                    rank["return.no_reason_window"],
                    "return_window_end",
                    "return.no_reason_window",
                )
            )
        if st.legal_end is not None and not st.legal_done:
            out.append(_legal_timer(st))
    elif state is O_SUCCESS and st.success_at is not None:
        _after_success_timers(st, out)
        if st.legal_end is not None and not st.legal_done:
            out.append(_legal_timer(st))
    r = st.refund
    if r is not None and r.state in _OPEN:
        timer = refund_timer(st, r)
        if timer is not None:
            out.append(timer)
        if r.reply_clock is not None:
            rule = st.rs.rules["refund.intervention_seller_reply"]
            at = rule.deadline(r.reply_clock, st.rs.tz)
            out.append((at, rank[rule.id], "seller_evidence_due", rule.id))
        if r.reason is RS_NO_REASON and r.return_goods:
            _law_timers(st, r, out)
    return out


_LAW_TIMERS = (
    ("law.refund_after_return", "legal_refund_due"),
    ("law.refund_after_return.punishable", "legal_refund_overdue"),
)


def _law_timers(st: State, r: Refund, out: list[Timer]) -> None:
    """The seller's legal deadlines in a no-reason return (informational)."""
    rules, rank, tz = st.rs.rules, st.rs.rank, st.rs.tz
    if r.state is R_WAIT_SELLER_AGREE:
        rule_id = "law.return_address"
        if rule_id in rules and rule_id not in r.legal_fired:
            at = rules[rule_id].deadline(r.requested_at, tz)
            out.append((at, rank[rule_id], "legal_address_due", rule_id))
    elif r.state is R_WAIT_SELLER_CONFIRM and r.arrived_at is not None:
        for rule_id, event in _LAW_TIMERS:
            if rule_id in rules and rule_id not in r.legal_fired:
                at = rules[rule_id].deadline(r.arrived_at, tz)
                out.append((at, rank[rule_id], event, rule_id))


_RATING_RULES = (("buyer", "rate.window.buyer"), ("seller", "rate.window.seller"))


def _legal_timer(st: State) -> Timer:
    assert st.legal_end is not None
    rank = st.rs.rank["law.no_reason_window"]
    return (st.legal_end, rank, "legal_return_window_end", "law.no_reason_window")


def _after_success_timers(st: State, out: list[Timer]) -> None:
    """The rating windows of the sides that have not rated, and an enabled after-sale window."""
    rs = st.rs
    at = st.success_at
    assert at is not None
    for side, rule_id in _RATING_RULES:
        if side not in st.rated and side not in st.rating_closed:
            rule = rs.rules[rule_id]
            out.append((rule.deadline(at, rs.tz), rs.rank[rule_id], "rating_window_end", rule_id))
    window = rs.rules["aftersale.window"]
    if window.enabled and not st.aftersale_done:
        out.append(
            (window.deadline(at, rs.tz), rs.rank[window.id], "after_sale_window_end", window.id)
        )


def _succeeded(st: State, at: datetime) -> None:
    """The order reached success: its rating (and any after-sale) windows start."""
    st.success_at = at
    for at_, *_ in timers(st):
        bound(st, at_)


def refund_timer(st: State, r: Refund) -> Timer | None:
    """The open refund's running timer, cached on the refund and keyed on what it reads."""
    key = (r.state, r.clock, r.return_goods, r.return_method, r.intervention, r.evidence_done)
    if r.timer_key != key:
        which = _refund_timer(st, r)
        if which is None:
            r.timer = None
        else:
            rs = st.rs
            rule = rs.rules[which[1]]
            r.timer = (rule.deadline(r.clock, rs.tz), rs.rank[rule.id], which[0], rule.id)
        r.timer_key = key
    return r.timer


def _refund_timer(st: State, r: Refund) -> tuple[str, str] | None:
    """(automatic event, rule id) of the refund's running timer, if any."""
    s = r.state
    if s is R_WAIT_SELLER_AGREE:
        if r.before_shipment:
            return "auto_refund", "refund.unshipped_seller_timeout"
        if r.return_goods:
            return "auto_agree", "refund.return_seller_timeout"
        return "auto_refund", "refund.refund_only_seller_timeout"
    if s is R_WAIT_BUYER_RETURN:
        return "refund_close", "refund.buyer_return_timeout"
    if s is R_WAIT_SELLER_CONFIRM:
        if r.return_method is M_SURFACE_MAIL:
            return "auto_refund", "refund.seller_receipt_timeout.surface_mail"
        return "auto_refund", "refund.seller_receipt_timeout"
    # seller_refused
    if not r.intervention:
        return "refund_close", "refund.refused_buyer_timeout"
    if not r.evidence_done:
        return "evidence_due", "refund.intervention_evidence"
    return None


def timers(st: State) -> list[Timer]:
    """The running timers of ``st``, sorted by time (ties in rule-table order)."""
    out = pending(st)
    if len(out) > 1:
        out.sort()
    return out


def bound(st: State, at: datetime) -> None:
    """A timer now runs until ``at``: keep ``st.next_due`` a lower bound of every deadline."""
    if st.next_due is None or at < st.next_due:
        st.next_due = at


def advance(st: State, t: datetime) -> None:
    """Fire, in time order, every timer of ``st`` due at or before ``t`` (mutates ``st``).

    Nothing is computed while ``t`` is before ``st.next_due``; past it, the timers are
    derived afresh, due ones fire, and ``next_due`` becomes the exact next deadline.
    """
    if st.next_due is None or st.next_due > t:
        return
    while True:
        running = timers(st)
        if not running or running[0][0] > t:
            st.next_due = running[0][0] if running else None
            return
        _fire(st, running[0])


def _fire(st: State, timer: Timer) -> None:
    at, _, event, rule = timer
    st.fired.append(Fired(event, at, rule))
    cause: Cause = (event, at, rule)
    if event in ORDER_TRIGGERS:
        assert st.state is not None
        dest = _dest(ORDER_TABLE, event, st.state)
        if event == "dispatch_due":
            st.dispatch_done = True
        elif event == "return_window_end":
            st.window_done = True
        elif event == "auto_confirm":
            st.confirm_at = None
        elif event == "pay_reminder":
            st.reminder_at = None
        elif event == "rating_window_end":
            _rating_closed(st, at, rule)
        elif event == "after_sale_window_end":
            st.aftersale_done = True
        elif event == "legal_return_window_end":
            st.legal_done = True
        if dest is not None:
            st.state = dest  # type: ignore[assignment]  # the compiled table holds members
            st.cause = cause
            if dest is O_SUCCESS:
                _succeeded(st, at)
        return
    r = st.refund
    assert r is not None
    dest = _dest(REFUND_TABLE, event, r.state)
    if event == "evidence_due":
        r.evidence_done = True
    elif event == "seller_evidence_due":
        r.reply_clock = None
    elif event.startswith("legal_"):
        r.legal_fired = r.legal_fired | {rule}
    if dest is None:
        return
    r.state = dest  # type: ignore[assignment]  # the compiled table holds members
    r.cause = cause
    r.clock = at
    if dest == R_SUCCESS:
        _refund_succeeded(st, at, cause)
    elif dest == R_CLOSED:
        if rule == "refund.buyer_return_timeout":
            st.barred = st.barred | {r.reason}
        _refund_ended(st, at)


def _rating_closed(st: State, at: datetime, rule: str) -> None:
    """A side's rating window ended: a side without a rating gets the preset's default."""
    side = "buyer" if rule == "rate.window.buyer" else "seller"
    st.rating_closed = st.rating_closed | {side}
    default = rules.RATING_DEFAULTS.get(side)
    if default is not None and side not in st.rated:
        st.rated = {**st.rated, side: (default, True)}
        st.fired.append(Fired("default_rating", at, rule))


def _dest(table: Table, trigger: str, state: str) -> str | None:
    """Destination of an unguarded trigger (an automatic or internal event) from ``state``."""
    return table[(trigger, state)][0].dest


def _refund_succeeded(st: State, at: datetime, cause: Cause) -> None:
    r = st.refund
    assert r is not None
    refundable = st.refundable
    paid_out = r.amount if r.amount is not None else refundable
    if paid_out is not None:
        st.refunded += paid_out
    st.payouts = (*st.payouts, (r.number, at))
    if st.state is O_SUCCESS:
        _refund_ended(st, at)  # an after-sale refund: the trade stays done, money goes back
    elif r.amount is None or st.refunded == st.amount:
        # the whole paid amount: the order closes (seed 002 § 四.4.B)
        st.confirm_at = None
        st.confirm_left = None
        assert st.state is not None
        st.state = _dest(ORDER_TABLE, "full_refund", st.state)  # type: ignore[assignment]
        st.cause = cause
    else:
        _refund_ended(st, at)


def _close_open_refund(st: State, trigger: str, ev: Event) -> None:
    """An order event ends the open refund (``closed_by_shipment``/``closed_by_confirmation``)."""
    r = st.refund
    if r is not None and r.state in _OPEN:
        r.state = _dest(REFUND_TABLE, trigger, r.state)  # type: ignore[assignment]
        r.cause = (ev.type, ev.at, None)
        r.clock = ev.at


def _refund_ended(st: State, at: datetime) -> None:
    """A refund ended without closing the order: the auto-confirm countdown resumes."""
    if st.confirm_left is not None and st.state in _DELIVERING:
        rule = st.rs.rules[st.confirm_rule]
        mode = rule.resume
        if mode == "absolute":  # as if never paused; at once if that has passed
            assert st.paused_at is not None
            st.confirm_at = max(at, st.paused_at + st.confirm_left)
        elif mode == "restart":  # the full duration again
            st.confirm_at = at + rule.duration
        else:  # "remaining": the time it had left (the platform's rule)
            st.confirm_at = at + st.confirm_left
        if rule.resume_floor is not None:
            st.confirm_at = max(st.confirm_at, at + rule.resume_floor)
        bound(st, st.confirm_at)
        st.confirm_left = None
        st.paused_at = None


def _pause_confirm(st: State, at: datetime) -> None:
    if st.confirm_at is not None:
        st.paused_at = at
        st.confirm_left = st.confirm_at - at
        st.confirm_at = None


# --------------------------------------------------------------------------- applying events


def apply_event(st: State, ev: Event, index: int) -> None:
    """Apply one validated event to ``st`` (mutates it; on error ``st`` may be partly advanced,
    so callers pass a copy and drop it on failure)."""
    try:
        apply(st, ev)
    except TradeclockError as exc:
        raise exc.located(order_id=st.order_id, event_index=index) from None


def apply(st: State, ev: Event) -> None:
    """Apply one validated event to ``st`` (mutates it); errors do not name the position."""
    at = ev.at
    etype = ev.type
    last = st.last_at
    if last is None:
        if etype is not ET_PLACED:
            raise refuse(st, ev, "an order's log starts with placed", "order.first_event")
        _on_placed(st, ev)
        st.last_at = at
        return
    if at < last:
        raise OutOfOrder(
            f"order {st.order_id}: {etype} at {when(st, at)} is earlier than the event before "
            f"it ({when(st, last)}); events must be in the order they happened (Order.insert "
            "places an event that arrived late by when it happened)",
            event_type=etype,
            state=st.state,
            rule="order.graph",
        )
    if etype is ET_PLACED:
        raise refuse(
            st,
            ev,
            f"the order was already placed at {when(st, st.placed_at)}",  # type: ignore[arg-type]
            "order.first_event",
        )
    if st.next_due is not None and st.next_due <= at:
        advance(st, at)
    if etype in ORDER_TRIGGERS:
        dest = _PLAIN_ORDER.get((etype, st.state), _GUARDED)
        if dest is _GUARDED:
            dest = choose(st, ev, ORDER_TABLE, st.state, order_not_in_graph)  # type: ignore[arg-type]
        _ORDER_EFFECTS[etype](st, ev)
        if dest is not None:
            st.state = dest  # type: ignore[assignment]  # the compiled table holds members
            st.cause = (etype, at, None)
            if dest is O_SUCCESS:
                _succeeded(st, at)
    else:
        r = st.refund
        if r is None or r.state not in _OPEN:
            raise refuse(st, ev, *no_open_refund(st))
        dest = _PLAIN_REFUND.get((etype, r.state), _GUARDED)
        if dest is _GUARDED:
            dest = choose(st, ev, REFUND_TABLE, r.state, refund_not_in_graph)
        _REFUND_EFFECTS[etype](st, ev)
        if dest is not None:
            r.state = dest  # type: ignore[assignment]  # as above
            r.cause = cause = (etype, at, None)
            r.clock = at
            if dest is R_SUCCESS:
                _refund_succeeded(st, at, cause)
            elif dest is R_CLOSED:
                _refund_ended(st, at)
        _bound_refund(st)  # a new refund state or clock starts a new timer
    st.last_at = at


_GUARDED = object()


def _plain(table: Table) -> dict[tuple[str, str | None], object]:
    """Transitions with one candidate and no guard: (trigger, state) -> destination."""
    return {
        key: cands[0].dest
        for key, cands in table.items()
        if len(cands) == 1 and not cands[0].conditions
    }


_PLAIN_ORDER = _plain(ORDER_TABLE)
_PLAIN_REFUND = _plain(REFUND_TABLE)


def _bound_refund(st: State) -> None:
    r = st.refund
    if r is not None and r.state in _OPEN:
        timer = refund_timer(st, r)
        if timer is not None:
            bound(st, timer[0])
        if r.reason is RS_NO_REASON and r.return_goods:  # the law's deadlines run beside it
            law: list[Timer] = []
            _law_timers(st, r, law)
            for at, *_ in law:
                bound(st, at)


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
    bound(st, st.pay_deadline)
    st.flash_sale = bool(ev.flash_sale)
    if ev.category is not None:
        # an art. 7 category counts only with the buyer's confirmation at purchase
        confirmed = ev.category.value not in ART7 or bool(ev.buyer_confirmed_exclusion)
        st.category = ev.category.value if confirmed else None
    reminder = st.rs.rules["pay.reminder.campaign" if ev.campaign else "pay.reminder"]
    remind_at = reminder.deadline(ev.at, st.rs.tz)
    if remind_at < st.pay_deadline:  # no reminder for an order that closes before it is due
        st.reminder_at = (remind_at, reminder.id)
        bound(st, remind_at)
    st.state = O_PLACED
    st.cause = (ET_PLACED, ev.at, None)


def _on_paid(st: State, ev: Event) -> None:
    if ev.bank is not None and ev.channel is not Channel.CREDIT_CARD:
        raise InvalidInput(
            f"paid.bank ({ev.bank!r}) is given only with channel credit_card, "
            f"not {ev.channel or 'no channel'}",
            event_type=ET_PAID,
            rule="money.credit_card",
        )
    st.channel = ev.channel
    st.bank = ev.bank
    st.paid_at = ev.at
    st.dispatch_at = st.rs.rules["ship.dispatch_due"].deadline(ev.at, st.rs.tz)
    st.next_due = st.dispatch_at  # exact: no refund can exist before payment


def _on_nothing(st: State, ev: Event) -> None:
    return None


def _on_shipped(st: State, ev: Event) -> None:
    rs = st.rs
    st.shipped_at = ev.at
    st.method = ev.method or M_EXPRESS
    st.confirm_rule = (
        "confirm.auto_confirm.surface_mail"
        if st.method is M_SURFACE_MAIL
        else "confirm.auto_confirm"
    )
    st.confirm_at = rs.rules[st.confirm_rule].deadline(ev.at, rs.tz)
    st.next_due = st.confirm_at  # exact: dispatch stops and a pending refund closes (below)
    st.confirm_left = None
    # shipping closes a pending unshipped refund (seed 002 § 四.常見問題.1)
    _close_open_refund(st, "closed_by_shipment", ev)


def _on_signed(st: State, ev: Event) -> None:
    rule = st.rs.rules["return.no_reason_window"]
    st.signed_at = ev.at
    st.window_end = rule.deadline(ev.at, st.rs.tz)
    bound(st, st.window_end)
    if "law.no_reason_window" in st.rs.rules:
        st.legal_end, st.legal_approx = legal_window_end(st.rs, ev.at)
        bound(st, st.legal_end)


def _on_confirmed(st: State, ev: Event) -> None:
    st.confirm_at = None
    st.confirm_left = None
    # confirming receipt releases the money to the seller: an open refund closes
    _close_open_refund(st, "closed_by_confirmation", ev)


def _on_extended(st: State, ev: Event) -> None:
    rules = st.rs.rules
    if ev.by is P_BUYER:
        st.buyer_extensions += 1
        extra = (
            timedelta(days=ev.days)
            if ev.days is not None
            else rules["confirm.buyer_extension"].duration
        )
    else:
        rule = rules["confirm.seller_extension"]
        extra = (
            timedelta(days=ev.days)
            if ev.days is not None
            else (rule.choices or (rule.duration,))[0]
        )
    if st.confirm_at is not None:
        st.confirm_at += extra
    elif st.confirm_left is not None:
        st.confirm_left += extra


def _on_rated(st: State, ev: Event) -> None:
    assert ev.by is not None and ev.score is not None
    st.rated = {**st.rated, ev.by.value: (ev.score.value, False)}


def _on_refund_requested(st: State, ev: Event) -> None:
    st.refund_count += 1
    st.refund = Refund(st.refund_count, ev, before_shipment=st.state is O_PAID)
    _bound_refund(st)
    _pause_confirm(st, ev.at)


_ORDER_EFFECTS: dict[str, Callable[[State, Event], None]] = {
    ET_PAID: _on_paid,
    ET_CANCELLED: _on_nothing,
    ET_SHIPPED: _on_shipped,
    ET_SIGNED: _on_signed,
    ET_CONFIRMED: _on_confirmed,
    ET_RECEIPT_EXTENDED: _on_extended,
    ET_REFUND_REQUESTED: _on_refund_requested,
    ET_RATED: _on_rated,
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


def _on_arrived(st: State, ev: Event) -> None:
    r = st.refund
    assert r is not None
    r.arrived_at = ev.at
    for timer in pending(st):
        bound(st, timer[0])


def _on_evidence(st: State, ev: Event) -> None:
    r = st.refund
    assert r is not None
    # the buyer's evidence starts (or restarts) the seller's 24 h; the seller's answers it
    r.reply_clock = ev.at if ev.by is P_BUYER else None
    if r.reply_clock is not None:
        bound(st, st.rs.rules["refund.intervention_seller_reply"].deadline(ev.at, st.rs.tz))


def _on_ruled(st: State, ev: Event) -> None:
    r = st.refund
    assert r is not None
    r.reply_clock = None  # the ruling ends the evidence clocks


def _on_intervention(st: State, ev: Event) -> None:
    r = st.refund
    assert r is not None
    r.intervention = True
    r.clock = ev.at  # the evidence clock starts


_REFUND_EFFECTS: dict[str, Callable[[State, Event], None]] = {
    ET_REFUND_AGREED: _on_nothing,
    ET_REFUND_REFUSED: _on_nothing,
    ET_REFUND_MODIFIED: _on_modified,
    ET_REFUND_CANCELLED: _on_nothing,
    ET_RETURN_SHIPPED: _on_return_shipped,
    ET_RETURN_RECEIVED: _on_nothing,
    ET_INTERVENTION_REQUESTED: _on_intervention,
    ET_INTERVENTION_RULED: _on_ruled,
    ET_EVIDENCE_ADDED: _on_evidence,
    ET_RETURN_ARRIVED: _on_arrived,
}


# --------------------------------------------------------------------------- status


_new = tuple.__new__  # builds a NamedTuple from a sequence without its Python-level __new__


def instalments(amount: Decimal | None, flash_sale: bool) -> Instalments:
    """Credit-card instalments for an order of ``amount`` (rule ``pay.instalment_minimum``):
    a payment of at least the minimum, never a flash sale; with the reason either way."""
    rule = rules.AMOUNT_RULES["pay.instalment_minimum"]
    if amount is None:
        return Instalments(
            False, f"the order gives no amount to compare with {rule.amount} ({rule.id})"
        )
    if flash_sale:
        return Instalments(
            False, f"instalments are never offered for a flash-sale order ({rule.id})"
        )
    if amount < rule.amount:
        return Instalments(
            False,
            f"the payment of {amount} yuan is below the {rule.amount} yuan instalments need "
            f"({rule.id})",
        )
    return Instalments(True, f"a payment of {amount} yuan, at least {rule.amount} ({rule.id})")


def money(st: State, now: datetime) -> tuple[list[Fired], list[Deadline]]:
    """Money arrival of each successful refund: fired once its window has ended, else upcoming.

    Never raises for a year the calendar lacks: such a window is counted by weekends alone
    and marked ``approximate``.
    """
    rule_id = arrival_rule(st.channel, st.bank)
    if rule_id is None:
        return [], []
    rs = st.rs
    info = rs.deadline_info[rule_id]
    fired: list[Fired] = []
    upcoming: list[Deadline] = []
    for _, at in st.payouts:
        a = arrival(rs, rule_id, at, approximate=True)
        if a.latest <= now:
            fired.append(Fired("money_arrival", a.latest, rule_id))
        else:
            upcoming.append(
                Deadline("money_arrival", a.latest, rule_id, *info[:4], a.earliest, a.approximate)
            )
    return fired, upcoming


_NO_RATINGS = Ratings(None, None, False)


def _ratings(st: State) -> Ratings:
    buyer = st.rated.get("buyer")
    seller = st.rated.get("seller")
    return Ratings(
        None if buyer is None else buyer[0],
        None if seller is None else seller[0],
        buyer is not None and buyer[1],
    )


def _visible(st: State) -> bool:
    """Ratings show once both sides rated, or the rating windows ended (seed 002 § 五.2)."""
    return len(st.rated) == 2 or len(st.rating_closed) == 2


def build_status(st: State, now: datetime) -> Status:
    """The status of ``st`` (already advanced to ``now``)."""
    rs = st.rs
    info = rs.deadline_info
    upcoming = tuple(
        [
            _new(Deadline, (event, at, rule_id, *info[rule_id]))
            for at, _, event, rule_id in timers(st)
        ]
    )
    if st.legal_approx:  # a day of the law's window was judged without calendar data
        upcoming = tuple(
            d._replace(approximate=True) if d.rule == "law.no_reason_window" else d
            for d in upcoming
        )
    fired = tuple(st.fired)
    if st.payouts:
        paid_fired, paid_upcoming = money(st, now)
        if paid_fired:
            fired = tuple(sorted((*fired, *paid_fired), key=_at))
        if paid_upcoming:
            upcoming = tuple(sorted((*upcoming, *paid_upcoming), key=_at))
    r = st.refund
    view = (
        None
        if r is None
        else _new(
            RefundView,
            (
                r.number,
                r.state,  # StrEnum members are the contract's strings
                r.return_goods,
                r.reason,
                r.amount,
                r.requested_at,
                r.before_shipment,
                r.intervention,
            ),
        )
    )
    assert st.state is not None
    return _new(
        Status,
        (
            st.order_id,
            rs.name,
            rs.version,
            now,
            st.state,
            trade_status(st.state, st.paid_at is not None),
            None if r is None else REFUND_CODES[r.state],
            view,
            fired,
            upcoming,
            st.amount,
            st.refunded,
            st.confirm_left,
            None if st.confirm_left is None else st.paused_at,
            st.flash_sale,
            _NO_RATINGS if not st.rated else _ratings(st),
            bool(st.rated) and _visible(st),
            rs.tz,
        ),
    )
