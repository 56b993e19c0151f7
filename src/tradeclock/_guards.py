"""Guards: the named conditions of the state graphs, and the refusals they explain.

Each guard returns ``None`` when its condition holds, or a :data:`Refusal` (why, rule id,
error class) a person can act on. :func:`choose` walks a compiled table's candidates the
way ``transitions`` would, and raises the first candidate's refusal when none applies.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from ._errors import InvalidInput, NotAllowed, TradeclockError
from ._events import Event
from ._law import ART6, ART7
from ._machine import ORDER_TABLE, ORDER_TRIGGERS, REFUND_TABLE
from ._state import (
    ET_REFUND_MODIFIED,
    O_PAID,
    OC_REFUND,
    OPEN_REFUND,
    P_BUYER,
    P_SELLER,
    RS_NO_REASON,
    RS_OTHER,
    State,
    Table,
)
from ._time import format_short
from .words import Say, say, text

__all__ = [
    "choose",
    "no_open_refund",
    "order_not_in_graph",
    "refund_not_in_graph",
    "refuse",
    "when",
]


#: A refusal: (why, as facts to be said; rule id; error class).
Refusal = tuple[Say, str, type[TradeclockError]]
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
                say("ext.buyer_days", allowed=rule.duration, asked=asked),
                rule.id,
                NotAllowed,
            )
        if rule.max_uses is not None and st.buyer_extensions >= rule.max_uses:
            return (
                say("ext.buyer_used", n=st.buyer_extensions),
                rule.id,
                NotAllowed,
            )
        left = _confirm_left(st, ev.at)
        if rule.only_within is not None and left is not None and left > rule.only_within:
            return (
                say("ext.buyer_early", within=rule.only_within, left=left),
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
                say("ext.seller_days", allowed=allowed, asked=asked),
                rule.id,
                NotAllowed,
            )
        return None
    return (
        say("ext.who", by=ev.by),
        "confirm.seller_extension",
        NotAllowed,
    )


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
    if r is not None and r.state in OPEN_REFUND:
        return (
            say("refund.one_open", n=r.number, state=r.state),
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
            say("refund.nothing_shipped"),
            "refund.return_needs_shipment",
            NotAllowed,
        )
    return None


def _g_no_reason_in_window(st: State, ev: Event) -> Refusal | None:
    if ev.reason is RS_NO_REASON and (st.category in ART6 or st.category in ART7):
        key = "law.excluded_confirmed" if st.category in ART7 else "law.excluded"
        return (say(key, category=st.category), "law.no_reason_exclusions", NotAllowed)
    if ev.reason is RS_NO_REASON:
        end = _deadline_of(st, "return.no_reason_window")
        if end is not None and ev.at >= end:
            return (
                say("return.window_ended", at=when(st, end)),
                "return.no_reason_window",
                NotAllowed,
            )
    return None


def _g_reason_not_barred(st: State, ev: Event) -> Refusal | None:
    reason = ev.reason or RS_OTHER
    if reason in st.barred:
        return (
            say("refund.reason_barred", reason=reason),
            "refund.same_reason_after_return_timeout",
            NotAllowed,
        )
    return None


def _g_amount_refundable(st: State, ev: Event) -> Refusal | None:
    if ev.amount is None:
        return None
    if ev.amount <= 0:
        return (
            say("amount.not_positive", amount=ev.amount),
            "refund.amount",
            InvalidInput,
        )
    refundable = st.refundable
    if refundable is None:
        return (
            say("amount.none_placed"),
            "refund.amount",
            InvalidInput,
        )
    if ev.amount > refundable:
        return (
            say(
                "amount.too_much",
                amount=ev.amount,
                refundable=refundable,
                paid=st.amount,
                refunded=st.refunded,
            ),
            "refund.amount",
            InvalidInput,
        )
    return None


def _g_after_sale_open(st: State, ev: Event) -> Refusal | None:
    window = st.rs.rules["aftersale.window"]
    assert st.success_at is not None  # the guard of an order in success
    if not window.enabled:
        return (
            say("aftersale.none", at=when(st, st.success_at), rules=st.rs.name),
            "refund.none_after_success",
            NotAllowed,
        )
    end = window.deadline(st.success_at, st.rs.tz)
    if ev.at >= end:
        return (say("aftersale.ended", at=when(st, end)), window.id, NotAllowed)
    if st.refundable is not None and st.refundable <= 0:
        return (say("amount.all_refunded"), "refund.amount", NotAllowed)
    return None


def _g_evidence_open(st: State, ev: Event) -> Refusal | None:
    r = st.refund
    if r is None or not r.intervention:
        return (
            say("evidence.no_intervention"),
            "refund.intervention",
            NotAllowed,
        )
    if ev.by is None or ev.by.value not in ("buyer", "seller"):
        return (say("evidence.who"), "refund.intervention", InvalidInput)
    return None


def _g_rating_open(st: State, ev: Event) -> Refusal | None:
    side = ev.by.value if ev.by is not None else ""
    if side not in ("buyer", "seller"):
        return (
            say("rate.who", by=side) if side else say("rate.who_nobody"),
            "rate.window.buyer",
            InvalidInput,
        )
    rule = st.rs.rules[f"rate.window.{side}"]
    done = st.rated.get(side)
    if done is not None:
        key = "rate.default_given" if done[1] else "rate.already"
        return (say(key, side=side, score=done[0]), rule.id, NotAllowed)
    assert st.success_at is not None
    end = rule.deadline(st.success_at, st.rs.tz)
    closed = st.ended.get(rule.id)
    if (closed is not None and closed[1]) or ev.at >= end:  # state.Ended: fired
        return (say("rate.window_ended", side=side, at=when(st, end)), rule.id, NotAllowed)
    return None


def _g_return_goods(st: State, ev: Event) -> Refusal | None:
    r = st.refund
    if r is not None and r.return_goods:
        return None
    return (say("refund.no_return"), "refund.graph", NotAllowed)


def _g_order_shipped(st: State, ev: Event) -> Refusal | None:
    if st.state is O_PAID:
        return (
            say("refund.refuse_before_shipping"),
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
        say("intervention.none"),
        "refund.intervention",
        NotAllowed,
    )


def _g_ruled_refund(st: State, ev: Event) -> Refusal | None:
    if ev.outcome is OC_REFUND:
        return None
    return (say("ruled.no_refund"), "refund.graph", NotAllowed)


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
_NEGATED: dict[str, Callable[[State], tuple[Say, str]]] = {
    "intervention_open": lambda st: (say("intervention.already"), "refund.intervention"),
}


def choose(
    st: State,
    ev: Event,
    table: Table,
    state: str,
    not_in_graph: Callable[[State, Event], tuple[Say, str]],
) -> str | None:
    candidates = table.get((ev.type, state))
    if candidates is None:
        raise refuse(st, ev, *not_in_graph(st, ev))
    if len(candidates) == 1 and not candidates[0].conditions:
        return candidates[0].dest
    first_refusal: Refusal | None = None
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
    st: State, ev: Event, why: Say, rule: str, cls: type[TradeclockError] = NotAllowed
) -> TradeclockError:
    """The error refusing ``ev``: its message in English, and what it says as facts, so that
    ``err.text("zh")`` says it in Chinese."""
    at = when(st, ev.at)
    where = f"order {st.order_id}"
    key = "refused" if cls is NotAllowed else "invalid"
    message = text(say(key, where=where, event=ev.type, at=at, why=text(why), rule=rule))
    return cls(
        message,
        order_id=st.order_id,
        event_type=ev.type.value,
        rule=rule,
        state=None if st.state is None else st.state.value,
        said=(why, at, rule),
    )


def _sources(table: Table, trigger: str) -> list[str]:
    """The states ``trigger`` may start from."""
    return [s for t, s in table if t == trigger]


def order_not_in_graph(st: State, ev: Event) -> tuple[Say, str]:
    assert st.state is not None and st.cause is not None
    what, at, rule = st.cause
    if rule is not None:
        if what in ORDER_TRIGGERS:
            return say("order.auto", state=st.state, at=when(st, at)), rule
        return say("order.by_refund", state=st.state, what=what, at=when(st, at)), rule
    return (
        say(
            "order.not_in_graph",
            state=st.state,
            what=what,
            at=when(st, at),
            event=ev.type,
            need=_sources(ORDER_TABLE, ev.type),
        ),
        "order.graph",
    )


def no_open_refund(st: State) -> tuple[Say, str]:
    r = st.refund
    if r is None:
        return say("refund.none"), "refund.graph"
    what, at, rule = r.cause
    if rule is not None:
        return say("refund.ended_auto", state=r.state, at=when(st, at)), rule
    return say("refund.ended", state=r.state, at=when(st, at), what=what), "refund.graph"


def refund_not_in_graph(st: State, ev: Event) -> tuple[Say, str]:
    r = st.refund
    assert r is not None
    return (
        say(
            "refund.not_in_graph",
            n=r.number,
            state=r.state,
            event=ev.type,
            need=_sources(REFUND_TABLE, ev.type),
        ),
        "refund.graph",
    )
