"""Hypothesis strategies for testing tradeclock and your own rule sets (needs ``hypothesis``).

:func:`event_logs` draws valid event logs (and :func:`trade_logs` those of trades of several
lines): a random walk over the actions of buyer, seller,
carrier and platform, at random times that often land exactly on, just before or just after
the next deadline, at local midnight, or at the same instant as the event before. Only
events the engine accepts are kept, so every drawn log replays without error.

    from hypothesis import given
    from tradeclock.testing import event_logs

    @given(event_logs(rules=my_rules))
    def test_my_rules(log): ...
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from ._errors import TradeclockError
from ._events import EventType
from ._machine import ORDER_TABLE, REFUND_TABLE
from ._order import Order
from ._presets import TAOBAO
from ._rules import RuleSet
from ._status import Status

__all__ = ["FixedClock", "check_invariants", "event_logs", "instants", "offered", "trade_logs"]

_START = datetime(2025, 1, 1, tzinfo=UTC)
_SPAN_DAYS = 900
_TICK = timedelta(seconds=1)

#: Event templates: (type, strategy of extra fields); every person's event type has one.
_TEMPLATES: list[tuple[str, st.SearchStrategy[dict[str, Any]]]] = [
    (
        "paid",
        st.sampled_from(
            [
                {},
                {"channel": "alipay_balance"},
                {"channel": "online_banking"},
                {"channel": "credit_card"},
                {"channel": "credit_card", "bank": "boc"},
                {"channel": "credit_card", "bank": "icbc"},
            ]
        ),
    ),
    ("cancelled", st.sampled_from([{}, {"by": "buyer"}, {"by": "seller"}])),
    (
        "shipped",
        st.sampled_from(
            [
                {},
                {"method": "express"},
                {"method": "ems"},
                {"method": "surface_mail"},
                {"method": "none"},
            ]
        ),
    ),
    ("signed", st.just({})),
    ("return_arrived", st.just({})),
    ("evidence_added", st.sampled_from([{"by": "buyer"}, {"by": "seller"}])),
    (
        "rated",
        st.fixed_dictionaries(
            {
                "by": st.sampled_from(["buyer", "seller"]),
                "score": st.sampled_from(["good", "neutral", "bad"]),
            },
            optional={"text_length": st.integers(0, 500)},
        ),
    ),
    ("confirmed", st.just({})),
    (
        "receipt_extended",
        st.sampled_from(
            [
                {"by": "buyer"},
                {"by": "seller", "days": 3},
                {"by": "seller", "days": 5},
                {"by": "seller", "days": 7},
                {"by": "seller", "days": 10},
            ]
        ),
    ),
    (
        "refund_requested",
        st.fixed_dictionaries(
            {
                "return_goods": st.booleans(),
                "reason": st.sampled_from(["no_reason", "quality", "not_as_described", "other"]),
            },
            optional={"amount": st.sampled_from(["0.01", "10.00", "50", "99.99", "100.00"])},
        ),
    ),
    ("refund_agreed", st.just({})),
    ("refund_refused", st.just({})),
    (
        "refund_modified",
        st.sampled_from([{}, {"return_goods": True}, {"return_goods": False}, {"amount": "20.00"}]),
    ),
    ("refund_cancelled", st.just({})),
    (
        "return_shipped",
        st.sampled_from([{"tracking_no": "SF1"}, {"tracking_no": "P1", "method": "surface_mail"}]),
    ),
    ("return_received", st.just({})),
    ("intervention_requested", st.sampled_from([{}, {"by": "buyer"}])),
    ("intervention_ruled", st.sampled_from([{"outcome": "refund"}, {"outcome": "no_refund"}])),
]


def instants(min_value: datetime = _START, days: int = _SPAN_DAYS) -> st.SearchStrategy[datetime]:
    """Aware UTC instants, whole seconds, within ``days`` after ``min_value``."""
    return st.integers(0, days * 86400).map(lambda s: min_value + timedelta(seconds=s))


@st.composite
def _step(draw: st.DrawFn, order: Order, last: datetime) -> datetime:
    """The next event's instant: the same instant, a random delay, or at a deadline."""
    kind = draw(
        st.sampled_from(["same", "small", "small", "small", "large", "deadline", "midnight"])
    )
    if kind == "same":
        return last
    if kind == "small":
        return last + timedelta(seconds=draw(st.integers(1, 6 * 3600)))
    if kind == "large":
        return last + timedelta(seconds=draw(st.integers(1, 4 * 86400)))
    if kind == "midnight":
        local = (last + timedelta(days=1)).astimezone(order.rules.tz)
        return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    upcoming = order.status(last).upcoming
    if not upcoming:
        return last + timedelta(seconds=draw(st.integers(1, 86400)))
    deadline = draw(st.sampled_from(upcoming)).at
    return deadline + draw(st.sampled_from([-_TICK, timedelta(0), _TICK]))


_WEIGHT = {"paid": 4, "shipped": 3, "signed": 2, "refund_requested": 2}

assert {etype for etype, _ in _TEMPLATES} == {t.value for t in EventType} - {"placed"}


def offered(status: Status) -> list[tuple[str, st.SearchStrategy[dict[str, Any]]]]:
    """The event templates the state graphs offer in ``status`` (their guards may still
    refuse them), each repeated by its weight: the main path is likelier than a cancellation,
    so random walks reach the later timers."""
    refund = status.refund.state if status.refund is not None else None
    return [
        (etype, fields)
        for etype, fields in _TEMPLATES
        if (etype, status.state) in ORDER_TABLE or (etype, refund) in REFUND_TABLE
        for _ in range(_WEIGHT.get(etype, 1))
    ]


@st.composite
def event_logs(
    draw: st.DrawFn,
    rules: RuleSet = TAOBAO,
    max_events: int = 12,
    amount: bool | None = None,
) -> dict[str, Any]:
    """A valid event log (the JSON form, times in UTC) for an order under ``rules``.

    ``amount``: ``True`` always gives the placed event an amount, ``False`` never, ``None``
    either. The log's ``rules`` is ``rules.name``: pass ``rules=`` to :func:`tradeclock.load`
    when it is not a preset.
    """
    start = draw(instants())
    placed: dict[str, Any] = {"type": "placed", "at": start.isoformat()}
    with_amount = draw(st.booleans()) if amount is None else amount
    if with_amount:
        placed["amount"] = "100.00"
    if draw(st.integers(0, 9)) == 0:
        placed["pay_within"] = draw(st.sampled_from(["PT15M", "PT30M", "PT2H"]))
    order = Order.new(draw(st.sampled_from(["G1", "G2", "订单3"])), rules).apply(placed)
    events = [placed]
    last = start
    n = draw(st.one_of(st.integers(0, max_events), st.integers(max_events // 2, max_events)))
    for _ in range(n):
        at = max(last, draw(_step(order, last)))
        possible = offered(order.status(at))
        if not possible:
            break
        etype, fields_strategy = draw(st.sampled_from(possible))
        event = {"type": etype, "at": at.isoformat(), **draw(fields_strategy)}
        try:
            order = order.apply(event)
        except TradeclockError:
            continue
        events.append(event)
        last = at
    return {"id": order.id, "rules": rules.name, "events": events}


#: The events a line of a drawn trade may get (``trade_logs``), with or without naming lines.
_TRADE_STEPS = (
    "shipped",
    "signed",
    "confirmed",
    "refund_requested",
    "refund_agreed",
    "refund_refused",
    "refund_cancelled",
    "return_shipped",
    "return_received",
    "rated",
    "receipt_extended",
)


@st.composite
def trade_logs(
    draw: st.DrawFn, rules: RuleSet = TAOBAO, max_lines: int = 4, max_events: int = 12
) -> dict[str, Any]:
    """A valid event log of a trade of 2 to ``max_lines`` lines (docs/lines.md): placed with
    its lines, paid, then line events at random instants, some naming their lines and some
    not (then every line that can take them does). Only events the trade accepts are kept."""
    start = draw(instants())
    ids = [f"L{i}" for i in range(draw(st.integers(2, max(2, max_lines))))]
    lines = [{"id": x, "amount": f"{draw(st.integers(1, 500))}.00"} for x in ids]
    events: list[dict[str, Any]] = [
        {"type": "placed", "at": start.isoformat(), "lines": lines},
    ]
    at = start + timedelta(minutes=draw(st.integers(1, 60)))
    events.append({"type": "paid", "at": at.isoformat()})
    order = Order.new("TR", rules).apply(events[0]).apply(events[1])
    for _ in range(draw(st.integers(0, max_events))):
        at += timedelta(minutes=draw(st.integers(0, 6 * 24 * 60)))
        kind = draw(st.sampled_from(_TRADE_STEPS))
        ev: dict[str, Any] = {"type": kind, "at": at.isoformat()}
        line = draw(st.sampled_from(ids))
        if kind in ("shipped", "signed", "confirmed"):
            if draw(st.booleans()):
                ev["lines"] = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
        elif kind == "rated":
            ev.update(by=draw(st.sampled_from(["buyer", "seller"])), score="good")
            if draw(st.booleans()):
                ev["line"] = line
        elif kind == "receipt_extended":
            ev["by"] = "buyer"
        else:
            ev["line"] = line
            if kind == "refund_requested":
                ev.update(return_goods=draw(st.booleans()), reason="quality")
            elif kind == "return_shipped":
                ev["tracking_no"] = "SF1"
        try:
            order = order.apply(ev)
        except TradeclockError:
            continue
        events.append(ev)
    return {"id": order.id, "rules": rules.name, "events": events}


class FixedClock:
    """A clock for tests that moves only when told: pass ``clock.now`` wherever tradeclock
    asks for ``now`` (the library never reads the wall clock, so nothing else is needed).

    >>> clock = FixedClock("2026-11-11T10:00:00+08:00")
    >>> clock.advance(hours=2).isoformat()
    '2026-11-11T04:00:00+00:00'
    """

    def __init__(self, start: datetime | str) -> None:
        from ._time import parse_instant

        self.now = parse_instant(start, "start")

    def advance(self, **delta: float) -> datetime:
        """Move on by ``timedelta(**delta)`` (e.g. ``days=2``) and return the new ``now``."""
        step = timedelta(**delta)
        if step < timedelta(0):
            raise ValueError("a clock only moves forward")
        self.now += step
        return self.now


def check_invariants(order: Order, now: datetime) -> None:
    """Assert the invariants every order keeps under any rule set (``AssertionError`` naming
    the one that broke): the checks tradeclock's own state-machine test runs after every step.

    - ``upcoming`` is sorted and holds nothing at or before ``now``; every rule is the set's;
    - fired times never decrease, none is after ``now``, each was upcoming just before it fired
      (money back in the Alipay balance and the default rating come at the instant of their
      cause and are never ahead);
    - the status at ``now`` equals the replay of the events up to ``now`` (a pure function);
    - refunds stay between 0 and the paid amount; everything refunded means ``closed`` unless
      the order had already succeeded (an after-sale refund);
    - ``success`` and ``closed`` have only informational deadlines ahead.
    """
    status = order.status(now)
    ats = [d.at for d in status.upcoming]
    assert ats == sorted(ats), f"upcoming not sorted: {ats}"
    assert all(at > now for at in ats), "an upcoming deadline is not after now"
    assert all(d.rule in order.rules for d in status.upcoming), "a deadline names no rule"
    fired = [f.at for f in status.fired]
    assert fired == sorted(fired) and all(at <= now for at in fired), "fired out of order"
    tick = timedelta(microseconds=1)
    for f in status.fired[-3:]:
        if f.rule == "money.alipay_balance" or f.event == "default_rating":
            continue
        before = order.status(f.at - tick).upcoming
        assert (f.event, f.at, f.rule) in {(d.event, d.at, d.rule) for d in before}, (
            f"{f.event} at {f.at} was not upcoming just before it fired"
        )
    past = Order.from_events(order.id, order.rules, [e for e in order.events if e.at <= now])
    assert past.status(now).to_dict() == status.to_dict(), "status differs from the replay"
    if status.amount is not None:
        assert 0 <= status.refunded <= status.amount, "refunded outside 0..amount"
        if status.refunded == status.amount and status.amount > 0:
            assert status.state in ("closed", "success"), "everything refunded but not closed"
    if status.state in ("success", "closed"):
        assert all(d.informational for d in status.upcoming), "a terminal state has a timer"
