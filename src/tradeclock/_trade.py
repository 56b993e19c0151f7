"""Multi-line trades: one trade (``tid``), several lines (sub-orders, ``oid``), each line running
the single-order rules on its own.

A trade's log is one log. Its ``placed`` event lists the lines (``placed.lines``); every other
event goes to the lines it concerns, and each line is an order of its own, fed that line's
events and the trade's (:func:`project`). A line's refund pauses only that line's
auto-confirm; a full refund of a line closes that line; shipping line B leaves line A's
unshipped refund open. The trade's state is derived from its lines (:func:`trade_state`).

Which lines an event concerns:

- refund events name their ``line`` (required when the trade has several);
- ``shipped``, ``signed``, ``confirmed`` may list their ``lines``; ``rated`` may name its ``line``;
- otherwise (and for ``paid``, ``cancelled``, ``receipt_extended`` and a shop's own events) every
  line the event can apply to now: each line judges it, the lines that refuse it are left as
  they are, and when every line refuses it the first refusal is the answer.

An event is applied to every line it concerns or to none (nothing is half-applied).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import msgspec

from ._engine import apply
from ._errors import InvalidInput, OutOfOrder, TradeclockError
from ._events import Event, EventType, Parsed, check_event
from ._machine import OrderState
from ._rules import RuleSet
from ._state import State
from ._status import Deadline, Fired, LineStatus, Status
from ._topcodes import trade_status as top_trade_status

if TYPE_CHECKING:
    from ._order import Order

__all__ = ["LINE_EVENTS", "SUBSET_EVENTS", "is_trade", "replay_trade", "trade_state"]

_T = EventType
#: The events of one line's refund: they name their ``line`` when the trade has several.
LINE_EVENTS = frozenset(
    {
        _T.REFUND_REQUESTED,
        _T.REFUND_AGREED,
        _T.REFUND_REFUSED,
        _T.REFUND_MODIFIED,
        _T.REFUND_CANCELLED,
        _T.RETURN_SHIPPED,
        _T.RETURN_ARRIVED,
        _T.RETURN_RECEIVED,
        _T.INTERVENTION_REQUESTED,
        _T.EVIDENCE_ADDED,
        _T.INTERVENTION_RULED,
    }
)
#: The events that may list the lines they concern (absent: every line they can apply to).
SUBSET_EVENTS = frozenset({_T.SHIPPED, _T.SIGNED, _T.CONFIRMED})
#: The Open Platform's status of a trade some of whose lines shipped (``SELLER_CONSIGNED_PART``).
PARTLY_SHIPPED = "partly_shipped"
_TOP_PARTLY_SHIPPED = "SELLER_CONSIGNED_PART"
_ENDED = (OrderState.SUCCESS, OrderState.CLOSED)
_SHIPPED = (OrderState.SHIPPED, OrderState.SIGNED)


def is_trade(first: Event) -> bool:
    """Whether a log starting with ``first`` is a trade of several lines."""
    return first.type is _T.PLACED and first.lines is not None and len(first.lines) > 1


def _located(exc: TradeclockError, order_id: str, index: int, line: str | None) -> TradeclockError:
    """``exc`` (raised by one line, unlocated) naming the trade, the event's position in the
    trade's log and the line."""
    fields = exc._fields()
    fields.update(order_id=None, event_index=None, line=line)
    message = exc.message
    own = f"order {order_id}: "
    if message.startswith(own):  # the line's engine named the order: name the event and line
        message = message[len(own) :]
    return type(exc)(message, **fields).located(order_id=order_id, event_index=index)


def _route(ev: Event, ids: Sequence[str]) -> tuple[Sequence[str], bool]:
    """The lines ``ev`` concerns, and whether each must accept it (named) or only those that
    can (the rest are left as they are)."""
    if ev.type in LINE_EVENTS or ev.type is _T.RATED:
        if ev.line is None:
            if ev.type is _T.RATED:
                return ids, False
            raise InvalidInput(
                f"{ev.type} on a trade of {len(ids)} lines needs 'line' (one of: {', '.join(ids)})",
                event_type=ev.type,
            )
        if ev.line not in ids:
            raise InvalidInput(
                f"{ev.type}.line {ev.line!r} is no line of this trade (its lines: "
                f"{', '.join(ids)})",
                event_type=ev.type,
                line=ev.line,
            )
        return (ev.line,), True
    if ev.lines is not None:
        unknown = [x.id for x in ev.lines if x.id not in ids]
        if unknown:
            raise InvalidInput(
                f"{ev.type}.lines names {unknown[0]!r}, no line of this trade (its lines: "
                f"{', '.join(ids)})",
                event_type=ev.type,
                line=unknown[0],
            )
        return [x.id for x in ev.lines], True
    return ids, False


def replay_trade(
    order_id: str, rs: RuleSet, events: Sequence[Event]
) -> tuple[dict[str, State], dict[str, list[Event]]]:
    """Each line's state and log after the trade's (validated) ``events``; the first is its
    ``placed`` with two lines or more. Raises the first error, naming the event and the line."""
    first = events[0]
    assert first.lines is not None
    total = sum((x.amount or Decimal(0) for x in first.lines), Decimal(0))
    if first.amount is not None and total > first.amount:
        raise InvalidInput(
            f"the lines' amounts add up to {total}, more than placed.amount ({first.amount}): "
            "a line refunds at most its own amount, and the trade's amount holds them all",
            order_id=order_id,
            event_index=0,
            event_type=first.type,
        ).located(order_id=order_id, event_index=0)
    states: dict[str, State] = {}
    logs: dict[str, list[Event]] = {}
    for x in first.lines:
        own = check_event(first._replace(lines=(x,), amount=x.amount))
        st = State(order_id, rs)
        try:
            apply(st, own)
        except TradeclockError as exc:
            raise _located(exc, order_id, 0, x.id) from None
        states[x.id] = st
        logs[x.id] = [own]
    ids = list(states)
    last = first.at
    for i, ev in enumerate(events[1:], 1):
        if ev.at < last:
            raise OutOfOrder(
                f"{ev.type} at {ev.at.astimezone(rs.tz).isoformat()} is earlier than the event "
                f"before it ({last.astimezone(rs.tz).isoformat()}); events must be in the order "
                "they happened",
                event_type=ev.type,
                rule="order.graph",
            ).located(order_id=order_id, event_index=i)
        last = ev.at
        try:
            targets, named = _route(ev, ids)
        except TradeclockError as exc:
            raise exc.located(order_id=order_id, event_index=i) from None
        # the lines' own copy: the same checked event, without the line(s) it names (last)
        own = ev if ev.line is None and ev.lines is None else Parsed(*ev[:-2], None, None)
        done: dict[str, State] = {}
        refused: list[tuple[str, TradeclockError]] = []
        for line in targets:
            st = states[line].copy()
            try:
                apply(st, own)
            except TradeclockError as exc:
                if named:
                    raise _located(exc, order_id, i, line) from None
                refused.append((line, exc))
                continue
            done[line] = st
        if not done:
            line, first_refusal = refused[0]
            raise _located(first_refusal, order_id, i, line) from None
        states.update(done)  # every line it concerns, or (raised above) none
        for line in done:
            logs[line].append(own)
    return states, logs


def trade_state(states: Sequence[str], paid: bool) -> str:
    """The trade's state from its lines' states (``paid``: the trade was paid).

    >>> trade_state(["paid", "shipped"], True), trade_state(["signed", "success"], True)
    ('partly_shipped', 'signed')
    >>> trade_state(["closed", "success"], True), trade_state(["closed", "closed"], True)
    ('success', 'closed')
    """
    if not paid:
        return states[0]  # before payment the lines cannot differ: placed, or closed
    open_ = [s for s in states if s not in _ENDED]
    if not open_:
        return OrderState.SUCCESS if OrderState.SUCCESS in states else OrderState.CLOSED
    shipped = [s for s in open_ if s in _SHIPPED]
    if not shipped:
        return OrderState.PAID
    if len(shipped) < len(open_):
        return PARTLY_SHIPPED
    return OrderState.SHIPPED if OrderState.SHIPPED in shipped else OrderState.SIGNED


def _at(x: Deadline | Fired) -> datetime:
    return x.at


def trade_status(order: Order, events: Sequence[Event], now: datetime) -> Status:
    """The status of a trade of several lines at ``now``: each line's, and the trade's."""
    assert order._lines is not None
    rs = order.rules
    parts = [(line, lo.status(now)) for line, lo in order._lines]
    head = parts[0][1]
    upcoming = [d for d in head.upcoming if d.line is None]  # the trade's own, once
    fired = [f for f in head.fired if f.line is None]
    for _, s in parts:
        upcoming += [d for d in s.upcoming if d.line is not None]
        fired += [f for f in s.fired if f.line is not None]
    rank = rs.rank
    upcoming.sort(key=lambda d: (d.at, rank.get(d.rule, len(rank))))
    fired.sort(key=_at)
    lines = tuple(s.lines[0] for _, s in parts)
    paid = any(ev.type is _T.PAID and ev.at <= now for ev in events)
    state = trade_state([x.state for x in lines], paid)
    top = _TOP_PARTLY_SHIPPED if state == PARTLY_SHIPPED else top_trade_status(state, paid)
    latest = _latest_refund(lines)
    first = events[0]
    amount = first.amount
    if amount is None and all(x.amount is not None for x in lines):
        amount = sum((x.amount for x in lines if x.amount is not None), Decimal("0.00"))
    return msgspec.structs.replace(
        head,
        state=state,
        top_status=top,
        top_refund_status=None if latest is None else latest.top_refund_status,
        refund=None if latest is None else latest.refund,
        fired=tuple(fired),
        upcoming=tuple(upcoming),
        amount=amount,
        refunded=sum((x.refunded for x in lines), Decimal("0.00")),
        auto_confirm_paused_left=None,
        auto_confirm_paused_since=None,
        lines=lines,
    )


def _latest_refund(lines: Sequence[LineStatus]) -> LineStatus | None:
    """The line of the trade's open refund requested last, else of its last refund."""
    with_refund = [x for x in lines if x.refund is not None]
    if not with_refund:
        return None
    open_ = [x for x in with_refund if x.refund.state not in ("success", "closed")]  # type: ignore[union-attr]
    return max(open_ or with_refund, key=lambda x: x.refund.requested_at)  # type: ignore[union-attr]
