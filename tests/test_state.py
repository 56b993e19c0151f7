"""The engine's private state: copies are complete and independent."""

from __future__ import annotations

from conftest import e, log

import tradeclock as tc
from tradeclock._state import Refund, State


def _fill(obj: object, slots: tuple[str, ...]) -> None:
    for i, name in enumerate(slots):
        value: object = f"value-{i}"
        if name == "fired":
            value = [i]
        elif name in ("running", "ended"):
            value = {f"rule-{i}": i}
        setattr(obj, name, value)


def test_state_copy_copies_every_slot() -> None:
    st = State("A", tc.TAOBAO)
    _fill(st, State.__slots__)
    st.refund = None
    new = st.copy()
    for name in State.__slots__:
        assert getattr(new, name) == getattr(st, name), name
    assert new.fired is not st.fired
    assert new.running is not st.running  # running timers change in place: copied
    assert new.ended is not st.ended


def test_state_holds_no_per_timer_field() -> None:
    # every timer lives in clocks / ended, keyed by rule id; none has a slot of its own
    timer_words = ("confirm", "window", "legal", "dispatch", "reminder", "deadline", "paused")
    for cls in (State, Refund):
        assert not [s for s in cls.__slots__ if any(w in s for w in timer_words)], cls


def test_refund_copy_copies_every_slot() -> None:
    order = tc.load(
        log(
            e("placed", "2026-11-01 10:00"),
            e("paid", "2026-11-01 10:01"),
            e("refund_requested", "2026-11-01 11:00"),
        )
    )
    r = order._state.refund
    assert isinstance(r, Refund)
    _fill(r, Refund.__slots__)
    new = r.copy()
    for name in Refund.__slots__:
        assert getattr(new, name) == getattr(r, name), name
    assert new is not r and new.running is not r.running and new.ended is not r.ended
