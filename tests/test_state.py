"""The engine's private state: copies are complete and independent."""

from __future__ import annotations

from conftest import e, log

import tradeclock as tc
from tradeclock.state import Refund, State


def _fill(obj: object, slots: tuple[str, ...]) -> None:
    for i, name in enumerate(slots):
        setattr(obj, name, [i] if name == "fired" else f"value-{i}")


def test_state_copy_copies_every_slot() -> None:
    st = State("A", tc.TAOBAO)
    _fill(st, State.__slots__)
    st.refund = None
    new = st.copy()
    for name in State.__slots__:
        assert getattr(new, name) == getattr(st, name), name
    assert new.fired is not st.fired


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
    assert new is not r
