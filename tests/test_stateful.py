"""A stateful model: buyer, seller, carrier and platform act at random times (exact deadlines,
local midnights, the same instant twice); after every step each invariant is its own check.

Run longer with ``HYPOTHESIS_PROFILE=long`` (see docs/verification.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import tradeclock as tc
from tradeclock._time import next_local_midnight
from tradeclock.testing import _TEMPLATES, instants, offered

TICK = timedelta(microseconds=1)
OPEN = {"wait_seller_agree", "wait_buyer_return", "wait_seller_confirm", "seller_refused"}
ODD_OFFSETS = [
    timezone(timedelta(hours=h, minutes=m))
    for h, m in [(-12, 0), (-3, -30), (0, 0), (5, 45), (8, 0), (14, 0)]
]


class OrderLife(RuleBasedStateMachine):
    """One order, its log growing step by step, checked against the library's own answers."""

    def __init__(self) -> None:
        super().__init__()
        self.order: tc.Order | None = None
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        self.checkpoints: list[tuple[datetime, dict[str, Any]]] = []
        self.last_fired: tuple[tc.Fired, ...] = ()
        self.paused: tuple[int, timedelta] | None = None  # (refund number, time left)

    # ------------------------------------------------------------------ actions

    @initialize(
        rules=st.sampled_from([tc.TAOBAO, tc.TMALL]),
        start=instants(),
        amount=st.sampled_from([None, "100.00", "0.01", "99999.99"]),
        pay_within=st.sampled_from([None, "PT15M", "PT2H"]),
    )
    def place(
        self, rules: tc.RuleSet, start: datetime, amount: str | None, pay_within: str | None
    ) -> None:
        event: dict[str, Any] = {"type": "placed", "at": start.isoformat()}
        if amount is not None:
            event["amount"] = amount
        if pay_within is not None:
            event["pay_within"] = pay_within
        self.order = tc.Order.new("S1", rules).apply(event)
        self.now = start

    @rule(
        kind=st.sampled_from(
            ["same", "second", "hours", "days", "deadline", "before", "after", "midnight"]
        ),
        amount=st.integers(1, 20),
        pick=st.integers(0, 5),
    )
    def wait(self, kind: str, amount: int, pick: int) -> None:
        assert self.order is not None
        upcoming = self.order.status(self.now).upcoming
        if kind in ("deadline", "before", "after") and upcoming:
            at = upcoming[pick % len(upcoming)].at
            step = {"deadline": timedelta(0), "before": -TICK, "after": TICK}[kind]
            self.now = max(self.now, at + step)
        elif kind == "midnight":
            self.now = next_local_midnight(self.now, self.order.rules.tz)
        elif kind == "second":
            self.now += timedelta(seconds=amount)
        elif kind == "hours":
            self.now += timedelta(hours=amount)
        elif kind == "days":
            self.now += timedelta(days=amount)

    @precondition(lambda self: self.order is not None)
    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        """An event the current state's graph offers (its guards may still refuse it)."""
        assert self.order is not None
        possible = offered(self.order.status(self.now))
        if not possible:
            return
        etype, fields = data.draw(st.sampled_from(possible))
        self._try({"type": etype, "at": self.now.isoformat(), **data.draw(fields)})

    @precondition(lambda self: self.order is not None)
    @rule(data=st.data())
    def act_again(self, data: st.DataObject) -> None:
        """The same as act: people act more often than the model lets time pass."""
        self.act(data)

    @precondition(lambda self: self.order is not None)
    @rule(data=st.data())
    def try_anything(self, data: st.DataObject) -> None:
        """Any event at all, most of them not allowed now."""
        etype, fields = data.draw(st.sampled_from(_TEMPLATES))
        self._try({"type": etype, "at": self.now.isoformat(), **data.draw(fields)})

    def _try(self, event: dict[str, Any]) -> None:
        assert self.order is not None
        before = self.order
        snapshot = before.status(self.now).to_dict()
        try:
            after = before.apply(event)
        except tc.TradeclockError as err:
            # an event the engine refuses leaves the order exactly as it was
            assert err.message and err.event_index == len(before.events)
            assert before.status(self.now).to_dict() == snapshot
            assert self.order is before and len(before.events) == len(self.order.events)
            return
        if event["type"] == "refund_refused":
            # the seller never refuses before shipping
            assert snapshot["state"] != "paid"
        if event["type"] == "receipt_extended":
            self.paused = None  # an extension legitimately changes the time left
        if self.now - TICK >= before.events[0].at:
            self.checkpoints.append((self.now - TICK, before.status(self.now - TICK).to_dict()))
        self.order = after

    # ------------------------------------------------------------------ invariants

    def _status(self) -> tc.Status:
        assert self.order is not None
        return self.order.status(self.now)

    @invariant()
    def replay_equals_incremental(self) -> None:
        if self.order is None:
            return
        fresh = tc.load(json.loads(json.dumps(self.order.to_dict())))
        assert fresh.status(self.now).to_dict() == self._status().to_dict()

    @invariant()
    def upcoming_sorted_after_now_with_known_rules(self) -> None:
        if self.order is None:
            return
        upcoming = self._status().upcoming
        assert [d.at for d in upcoming] == sorted(d.at for d in upcoming)
        assert all(d.at > self.now for d in upcoming)
        assert all(d.rule in self.order.rules for d in upcoming)

    @invariant()
    def fired_exactly_at_deadlines_in_order(self) -> None:
        if self.order is None:
            return
        fired = self._status().fired
        for f in fired:
            event(f"fired {f.event}")  # shown by --hypothesis-show-statistics
        assert [f.at for f in fired] == sorted(f.at for f in fired)
        for f in fired[-3:]:  # the newest ones; older ones were checked when they were new
            if f.rule == "money.alipay_balance" or f.event == "default_rating":
                continue  # at the instant of its refund / of its rating window's end
            before = self.order.status(f.at - TICK).upcoming
            assert (f.event, f.at, f.rule) in {(d.event, d.at, d.rule) for d in before}

    @invariant()
    def moving_now_forward_changes_no_past(self) -> None:
        if self.order is None:
            return
        fired = self._status().fired
        assert fired[: len(self.last_fired)] == self.last_fired
        self.last_fired = fired
        for t, then in self.checkpoints[-3:]:
            assert self.order.status(t).to_dict() == then

    @invariant()
    def terminal_states_have_only_informational_deadlines(self) -> None:
        if self.order is None:
            return
        status = self._status()
        if status.state in ("success", "closed"):
            assert all(d.informational for d in status.upcoming)

    @invariant()
    def refunds_never_exceed_what_was_paid(self) -> None:
        if self.order is None:
            return
        status = self._status()
        if status.amount is not None:
            assert Decimal(0) <= status.refunded <= status.amount
            if status.refunded == status.amount and status.amount > 0:
                assert status.state == "closed"
        r = status.refund
        if r is not None and r.state == "success" and r.amount is None:
            assert status.state == "closed"

    @invariant()
    def paused_auto_confirm_keeps_its_time(self) -> None:
        if self.order is None:
            return
        status = self._status()
        r = status.refund
        if status.state in ("shipped", "signed") and r is not None and r.state in OPEN:
            assert "auto_confirm" not in {d.event for d in status.upcoming}
            left = status.auto_confirm_paused_left
            assert left is not None and left > timedelta(0)
            if self.paused is not None and self.paused[0] == r.number:
                assert left == self.paused[1]
            self.paused = (r.number, left)
        else:
            self.paused = None

    @invariant()
    def no_reason_window_ends_at_local_midnight_168h_after_it_starts(self) -> None:
        if self.order is None:
            return
        signed = [ev.at for ev in self.order.events if ev.type == "signed"]
        for d in self._status().upcoming:
            if d.event == "return_window_end":
                local = d.at.astimezone(self.order.rules.tz)
                assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
                start = next_local_midnight(signed[0], self.order.rules.tz)
                assert d.at - start == timedelta(hours=168)

    @invariant()
    def at_most_one_refund_open(self) -> None:
        if self.order is None:
            return
        status = self._status()
        opened = sum(1 for ev in self.order.events if ev.type == "refund_requested")
        if status.refund is not None:
            assert status.refund.number == opened

    @invariant()
    def answers_do_not_depend_on_the_input_offset(self) -> None:
        if self.order is None:
            return
        tz = ODD_OFFSETS[len(self.order.events) % len(ODD_OFFSETS)]
        data = self.order.to_dict()
        for ev in data["events"]:
            ev["at"] = datetime.fromisoformat(ev["at"]).astimezone(tz).isoformat()
        again = tc.load(data, rules=self.order.rules)
        assert again.status(self.now.astimezone(tz)).to_dict() == self._status().to_dict()


TestOrderLife = OrderLife.TestCase  # settings: the active profile (tests/conftest.py)
