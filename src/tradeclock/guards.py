"""Guards: the named conditions of the state graphs, and the refusals they explain.

Each guard returns ``None`` when its condition holds, or a :data:`Refusal` (why, rule id,
error class) a person can act on. :func:`choose` walks a compiled table's candidates the
way ``transitions`` would, and raises the first candidate's refusal when none applies.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from ._time import format_short
from .errors import InvalidInput, NotAllowed, TradeclockError
from .events import Event
from .law import ART6, ART7
from .machine import ORDER_TABLE, ORDER_TRIGGERS, REFUND_TABLE
from .state import (
    _OPEN,
    ET_REFUND_MODIFIED,
    O_CLOSED,
    O_PAID,
    O_PLACED,
    O_SHIPPED,
    O_SIGNED,
    O_SUCCESS,
    OC_REFUND,
    P_BUYER,
    P_SELLER,
    R_CLOSED,
    R_SUCCESS,
    RS_NO_REASON,
    RS_OTHER,
    State,
    Table,
)

__all__ = [
    "choose",
    "no_open_refund",
    "order_not_in_graph",
    "refund_not_in_graph",
    "refuse",
    "when",
]


#: A refusal: (why, rule id, error class).
Refusal = tuple[str, str, type[TradeclockError]]
Guard = Callable[[State, Event], Refusal | None]


def when(st: State, at: datetime) -> str:
    """``at`` as people read it in the order's zone: ``2026-11-13 09:00``."""
    return format_short(at, st.rs.tz)


def _g_extension(st: State, ev: Event) -> Refusal | None:
    rs = st.rs
    if ev.by is P_BUYER:
        rule = rs.rules["confirm.buyer_extension"]
        asked = timedelta(days=ev.days) if ev.days is not None else rule.duration
        if asked != rule.duration:
            return (
                f"the buyer can extend by {_days(rule.duration)} only, not {_days(asked)}",
                rule.id,
                NotAllowed,
            )
        if rule.max_uses is not None and st.buyer_extensions >= rule.max_uses:
            return (
                f"the buyer already extended {st.buyer_extensions} time(s), the most allowed",
                rule.id,
                NotAllowed,
            )
        left = _confirm_left(st, ev.at)
        if rule.only_within is not None and left is not None and left > rule.only_within:
            return (
                f"the buyer can extend only when at most {_days(rule.only_within)} remain, "
                f"and {_days(left)} remain",
                rule.id,
                NotAllowed,
            )
        return None
    if ev.by is P_SELLER:
        rule = rs.rules["confirm.seller_extension"]
        allowed = rule.choices or (rule.duration,)
        asked = timedelta(days=ev.days) if ev.days is not None else allowed[0]
        if asked not in allowed:
            return (
                f"the seller can extend by {', '.join(_days(c) for c in allowed)} only, "
                f"not {_days(asked)}",
                rule.id,
                NotAllowed,
            )
        return None
    return (
        f"only the buyer or the seller can extend the receipt time, not the {ev.by}",
        "confirm.seller_extension",
        NotAllowed,
    )


def _days(d: timedelta) -> str:
    if d % timedelta(days=1) == timedelta(0):
        return f"{d.days} d"
    return f"{d.total_seconds() / 3600:g} h"


def _confirm_left(st: State, at: datetime) -> timedelta | None:
    """What the auto-confirm countdown has left at ``at`` (running or paused)."""
    clock = st.auto_confirm()
    if clock is None:
        return None
    due, left = clock[0], clock[1]  # state.Clock: (at, left, paused_at, approximate)
    return due - at if due is not None else left


def _deadline_of(st: State, rule_id: str) -> datetime | None:
    """The deadline the order's timer of ``rule_id`` has, or had when it ended."""
    clock = st.running.get(rule_id)
    if clock is not None:
        return clock[0]  # state.Clock: at
    ended = st.ended.get(rule_id)
    return None if ended is None else ended[0]  # state.Ended: at


def _g_no_open_refund(st: State, ev: Event) -> Refusal | None:
    r = st.refund
    if r is not None and r.state in _OPEN:
        return (
            f"refund {r.number} is still open ({r.state}); one refund at a time",
            "refund.one_open",
            NotAllowed,
        )
    return None


def _g_return_after_shipment(st: State, ev: Event) -> Refusal | None:
    wants_return = ev.return_goods
    if wants_return is None and st.refund is not None and ev.type is ET_REFUND_MODIFIED:
        wants_return = st.refund.return_goods
    if wants_return and st.state is O_PAID:
        return (
            "nothing was shipped yet, so there are no goods to return",
            "refund.return_needs_shipment",
            NotAllowed,
        )
    return None


def _g_no_reason_in_window(st: State, ev: Event) -> Refusal | None:
    if ev.reason is RS_NO_REASON and st.category is not None:
        words = ART6.get(st.category) or ART7.get(st.category)
        if words is not None:
            confirmed = " (the buyer confirmed it at purchase)" if st.category in ART7 else ""
            return (
                f"the law excludes {words} from no-reason returns{confirmed}; "
                "网络购买商品七日无理由退货暂行办法",
                "law.no_reason_exclusions",
                NotAllowed,
            )
    if ev.reason is RS_NO_REASON:
        end = _deadline_of(st, "return.no_reason_window")
        if end is not None and ev.at >= end:
            return (
                f"the no-reason return window ended at {when(st, end)}",
                "return.no_reason_window",
                NotAllowed,
            )
    return None


def _g_reason_not_barred(st: State, ev: Event) -> Refusal | None:
    reason = ev.reason or RS_OTHER
    if reason in st.barred:
        return (
            f"an earlier refund for reason {reason} closed because the return was not "
            "shipped in time; a new request for the same reason needs the seller's consent",
            "refund.same_reason_after_return_timeout",
            NotAllowed,
        )
    return None


def _g_amount_refundable(st: State, ev: Event) -> Refusal | None:
    if ev.amount is None:
        return None
    if ev.amount <= 0:
        return (
            f"a refund amount must be more than 0, got {ev.amount}",
            "refund.amount",
            InvalidInput,
        )
    refundable = st.refundable
    if refundable is None:
        return (
            "the placed event gave no amount, so only a full refund (no amount) can be asked",
            "refund.amount",
            InvalidInput,
        )
    if ev.amount > refundable:
        return (
            f"refund amount {ev.amount} is more than the {refundable} still refundable "
            f"(paid {st.amount}, refunded {st.refunded})",
            "refund.amount",
            InvalidInput,
        )
    return None


def _g_after_sale_open(st: State, ev: Event) -> Refusal | None:
    window = st.rs.rules["aftersale.window"]
    since = f" at {when(st, st.success_at)}" if st.success_at is not None else ""
    if not window.enabled:
        return (
            f"the order succeeded{since} and no refund can be requested after success "
            f"(rule set {st.rs.name!r} has no after-sale window)",
            "refund.none_after_success",
            NotAllowed,
        )
    assert st.success_at is not None
    end = window.deadline(st.success_at, st.rs.tz)
    if ev.at >= end:
        return (f"the after-sale window ended at {when(st, end)}", window.id, NotAllowed)
    if st.refundable is not None and st.refundable <= 0:
        return ("everything paid was already refunded", "refund.amount", NotAllowed)
    return None


def _g_evidence_open(st: State, ev: Event) -> Refusal | None:
    r = st.refund
    if r is None or not r.intervention:
        return (
            "evidence is added during the platform's intervention, which was not requested",
            "refund.intervention",
            NotAllowed,
        )
    if ev.by is None or ev.by.value not in ("buyer", "seller"):
        return ("only the buyer and the seller add evidence", "refund.intervention", InvalidInput)
    return None


def _g_rating_open(st: State, ev: Event) -> Refusal | None:
    side = ev.by.value if ev.by is not None else ""
    if side not in ("buyer", "seller"):
        return (
            f"only the buyer and the seller rate, not {side or 'nobody'}",
            "rate.window.buyer",
            InvalidInput,
        )
    rule = st.rs.rules[f"rate.window.{side}"]
    done = st.rated.get(side)
    if done is not None:
        how = "was given the default rating" if done[1] else "already rated"
        return (f"the {side} {how} ({done[0]}); one rating per side", rule.id, NotAllowed)
    assert st.success_at is not None
    end = rule.deadline(st.success_at, st.rs.tz)
    closed = st.ended.get(rule.id)
    if (closed is not None and closed[1]) or ev.at >= end:  # state.Ended: fired
        return (f"the {side}'s rating window ended at {when(st, end)}", rule.id, NotAllowed)
    return None


def _g_return_goods(st: State, ev: Event) -> Refusal | None:
    r = st.refund
    return None if r is not None and r.return_goods else ("no return", "refund.graph", NotAllowed)


def _g_order_shipped(st: State, ev: Event) -> Refusal | None:
    if st.state is O_PAID:
        return (
            "the order has not shipped, and before shipping the seller can only agree to a "
            "refund (or ship, which closes it)",
            "refund.no_refuse_before_shipping",
            NotAllowed,
        )
    return None


def _g_modification_valid(st: State, ev: Event) -> Refusal | None:
    for guard in (
        _g_return_after_shipment,
        _g_no_reason_in_window,
        _g_reason_not_barred,
        _g_amount_refundable,
    ):
        refusal = guard(st, ev)
        if refusal is not None:
            return refusal
    return None


def _g_intervention_open(st: State, ev: Event) -> Refusal | None:
    r = st.refund
    if r is not None and r.intervention:
        return None
    return (
        "no platform intervention was requested for this refund",
        "refund.intervention",
        NotAllowed,
    )


def _g_ruled_refund(st: State, ev: Event) -> Refusal | None:
    return None if ev.outcome is OC_REFUND else ("no refund", "refund.graph", NotAllowed)


_GUARDS: dict[str, Guard] = {
    "extension_allowed": _g_extension,
    "no_open_refund": _g_no_open_refund,
    "return_after_shipment": _g_return_after_shipment,
    "no_reason_in_window": _g_no_reason_in_window,
    "reason_not_barred": _g_reason_not_barred,
    "amount_refundable": _g_amount_refundable,
    "after_sale_open": _g_after_sale_open,
    "rating_open": _g_rating_open,
    "evidence_open": _g_evidence_open,
    "return_goods": _g_return_goods,
    "order_shipped": _g_order_shipped,
    "modification_valid": _g_modification_valid,
    "intervention_open": _g_intervention_open,
    "ruled_refund": _g_ruled_refund,
}

#: Why an ``unless`` guard refuses (it holds when it should not).
_NEGATED: dict[str, Callable[[State], tuple[str, str]]] = {
    "intervention_open": lambda st: (
        "platform intervention was already requested for this refund",
        "refund.intervention",
    ),
}


def choose(
    st: State,
    ev: Event,
    table: Table,
    state: str,
    not_in_graph: Callable[[State, Event], tuple[str, str]],
) -> str | None:
    candidates = table.get((ev.type, state))
    if candidates is None:
        raise refuse(st, ev, *not_in_graph(st, ev))
    if len(candidates) == 1 and not candidates[0].conditions:
        return candidates[0].dest
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
                    why, rule = _NEGATED[name](st)
                    refusal = (why, rule, NotAllowed)
                break
        if refusal is None:
            return cand.dest
        if first_refusal is None:
            first_refusal = refusal
    assert first_refusal is not None
    why, rule, cls = first_refusal
    raise refuse(st, ev, why, rule, cls)


def refuse(
    st: State, ev: Event, why: str, rule: str, cls: type[TradeclockError] = NotAllowed
) -> TradeclockError:
    verb = "is not allowed" if cls is NotAllowed else "is invalid"
    return cls(
        f"order {st.order_id}: {ev.type} at {when(st, ev.at)} {verb}: {why} ({rule})",
        order_id=st.order_id,
        event_type=ev.type.value,
        rule=rule,
        state=None if st.state is None else st.state.value,
    )


_ORDER_PHRASE = {
    O_PLACED: "is waiting for payment",
    O_PAID: "is paid and not shipped",
    O_SHIPPED: "is shipped",
    O_SIGNED: "is signed for",
    O_SUCCESS: "succeeded",
    O_CLOSED: "was closed",
}


def _sources(table: Table, trigger: str) -> str:
    """The states ``trigger`` may start from, as words: 'shipped or signed'."""
    states = [s for t, s in table if t == trigger]
    return " or ".join([", ".join(states[:-1]), states[-1]] if len(states) > 1 else states)


def order_not_in_graph(st: State, ev: Event) -> tuple[str, str]:
    assert st.state is not None and st.cause is not None
    what, at, rule = st.cause
    phrase = _ORDER_PHRASE[st.state]
    if rule is not None:
        how = (
            "automatically"
            if what in ORDER_TRIGGERS
            else f"when the refund succeeded automatically ({what})"
        )
        return f"the order {phrase} {how} at {when(st, at)}", rule
    return (
        f"the order {phrase} (since {what} at {when(st, at)}); {ev.type} needs it to be "
        f"{_sources(ORDER_TABLE, ev.type)}",
        "order.graph",
    )


_REFUND_PHRASE = {
    R_SUCCESS: "succeeded",
    R_CLOSED: "was closed",
}


def no_open_refund(st: State) -> tuple[str, str]:
    r = st.refund
    if r is None:
        return "no refund has been requested", "refund.graph"
    what, at, rule = r.cause
    phrase = _REFUND_PHRASE.get(r.state, str(r.state))
    if rule is not None:
        return f"the refund already {phrase} automatically at {when(st, at)}", rule
    return f"the refund already {phrase} at {when(st, at)} ({what})", "refund.graph"


def refund_not_in_graph(st: State, ev: Event) -> tuple[str, str]:
    r = st.refund
    assert r is not None
    return (
        f"refund {r.number} is {r.state}; {ev.type} needs it to be "
        f"{_sources(REFUND_TABLE, ev.type)}",
        "refund.graph",
    )
