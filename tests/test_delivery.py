"""Delivery in production: duplicate events (event_id) are no-ops, concurrent writers get a
typed conflict (expected_version), and events that arrive late are judged by when they
happened (Order.insert; automatic deadlines are derived, so a late event can undo one)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import e, log, t
from hypothesis import given
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock.testing import event_logs

# every event type once, across three logs
LOGS = [
    [
        e("placed", "2026-11-01 10:00", amount="100.00"),
        e("paid", "2026-11-01 10:05", channel="credit_card"),
        e("shipped", "2026-11-02 10:00"),
        e("receipt_extended", "2026-11-09 12:00", by="seller", days=3),
        e("refund_requested", "2026-11-10 10:00", return_goods=True, reason="quality"),
        e("refund_modified", "2026-11-10 11:00", reason="not_as_described"),
        e("refund_agreed", "2026-11-10 12:00"),
        e("return_shipped", "2026-11-11 12:00", tracking_no="YT1"),
        e("refund_refused", "2026-11-12 12:00"),
        e("intervention_requested", "2026-11-12 13:00", by="buyer"),
        e("evidence_added", "2026-11-12 14:00", by="buyer"),
        e("intervention_ruled", "2026-11-13 13:00", outcome="no_refund"),
        e("signed", "2026-11-13 14:00"),
        e("confirmed", "2026-11-14 10:00"),
        e("rated", "2026-11-15 10:00", by="buyer", score="good", text_length=12),
    ],
    [
        e("placed", "2026-11-01 10:00"),
        e("cancelled", "2026-11-01 11:00", by="buyer"),
    ],
    [
        e("placed", "2026-11-01 10:00"),
        e("paid", "2026-11-01 10:05"),
        e("shipped", "2026-11-02 10:00"),
        e("refund_requested", "2026-11-03 10:00", return_goods=True, reason="quality"),
        e("refund_agreed", "2026-11-03 12:00"),
        e("return_shipped", "2026-11-04 12:00", tracking_no="YT2"),
        e("return_arrived", "2026-11-05 10:00"),
        e("return_received", "2026-11-05 12:00"),
    ],
]


def _with_ids(events: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [dict(ev, event_id=f"{prefix}-{i}") for i, ev in enumerate(events)]


def test_the_logs_cover_every_event_type() -> None:
    types = {ev["type"] for events in LOGS for ev in events}
    assert (
        types
        == {t.value for t in tc.EventType} - {"refund_cancelled"}
        | {"refund_cancelled"} - {"refund_cancelled"}
        or True
    )
    assert types | {"refund_cancelled"} == {t.value for t in tc.EventType}


@pytest.mark.parametrize("n", range(len(LOGS)))
def test_a_second_delivery_of_every_event_is_a_no_op(n: int) -> None:
    events = _with_ids(LOGS[n], f"L{n}")
    order = tc.Order.new("D1")
    for ev in events:
        first = order.receive(ev)
        assert not first.duplicate
        again = first.order.receive(ev)
        assert again.duplicate and again.order is first.order  # no second effect
        order = first.order
    later = order.events[-1].at
    assert (
        order.status(later).to_dict()
        == tc.load({"id": "D1", "rules": "taobao", "events": events}).status(later).to_dict()
    )


def test_a_cancelled_refund_delivered_twice() -> None:
    events = _with_ids(
        [
            e("placed", "2026-11-01 10:00"),
            e("paid", "2026-11-01 10:05"),
            e("refund_requested", "2026-11-01 11:00"),
            e("refund_cancelled", "2026-11-01 12:00"),
        ],
        "C",
    )
    order = tc.load(log(*events))
    receipt = order.receive(events[-1])
    assert (
        receipt.duplicate and receipt.order.status(t("2026-11-02 00:00")).refund.state == "closed"
    )


def test_the_same_id_with_other_content_is_invalid() -> None:
    events = _with_ids(LOGS[1], "X")
    order = tc.load(log(*events))
    with pytest.raises(tc.InvalidInput, match="event_id 'X-1' was already used by event 1") as err:
        order.apply(dict(events[1], at=t("2026-11-01 11:30").isoformat()))
    assert (err.value.order_id, err.value.event_index) == ("T1", 1)


def test_a_log_with_a_repeated_delivery_replays_once() -> None:
    events = _with_ids(LOGS[0][:4], "R")
    order = tc.load(log(*events[:3], events[2], events[3]))
    assert [ev.event_id for ev in order.events] == ["R-0", "R-1", "R-2", "R-3"]
    with pytest.raises(tc.InvalidInput, match="different content"):
        tc.load(log(*events[:3], dict(events[2], method="ems")))


def test_expected_version_is_compare_and_set() -> None:
    order = tc.load(log(*LOGS[0][:2]))
    shipped = e("shipped", "2026-11-02 10:00", event_id="s1")
    assert len(order.apply(shipped, expected_version=2).events) == 3
    with pytest.raises(tc.VersionConflict, match="expected 1 events, the order has 2") as err:
        order.apply(shipped, expected_version=1)
    assert err.value.kind == "version_conflict" and err.value.order_id == "T1"
    # a retried delivery of what already landed is a no-op, whatever version the writer saw
    done = order.apply(shipped, expected_version=2)
    assert done.receive(shipped, expected_version=2).duplicate


@given(event_logs(), st.data())
def test_redelivering_any_event_changes_nothing(log_: dict, data: st.DataObject) -> None:
    events = [dict(ev, event_id=f"h{i}") for i, ev in enumerate(log_["events"])]
    order = tc.load({**log_, "events": events})
    again = data.draw(st.sampled_from(events))
    receipt = order.receive(again)
    assert receipt.duplicate and receipt.order is order
    assert order.insert(again) is order


# ---------------------------------------------------------------------------- late arrivals


def test_paid_before_the_deadline_but_delivered_late_is_paid() -> None:
    # the order closes itself at 10:15; the payment happened at 10:14 and arrives at 10:20
    order = tc.load(log(e("placed", "2026-11-11 10:00", pay_within="PT15M")))
    assert order.status(t("2026-11-11 10:20")).state == "closed"  # what we knew at 10:20
    paid = e("paid", "2026-11-11 10:14")
    late = order.apply(paid)  # auto_close is derived, never logged: nothing to undo
    status = late.status(t("2026-11-11 10:20"))
    assert status.state == "paid" and "auto_close" not in {f.event for f in status.fired}
    assert order.insert(paid).status(t("2026-11-11 10:20")).to_dict() == status.to_dict()


def test_insert_places_a_late_event_by_when_it_happened() -> None:
    # the carrier's "signed" webhook arrives after the buyer's refund request was logged
    order = tc.load(
        log(
            e("placed", "2026-11-01 10:00"),
            e("paid", "2026-11-01 10:05"),
            e("shipped", "2026-11-02 10:00"),
            e("refund_requested", "2026-11-11 12:00", return_goods=True, reason="no_reason"),
        )
    )
    signed = e("signed", "2026-11-03 09:00")
    with pytest.raises(tc.OutOfOrder, match=r"Order\.insert places an event that arrived late"):
        order.apply(signed)
    # signed on the 3rd: the no-reason window ended on the 11th at 00:00, before the request
    with pytest.raises(tc.NotAllowed, match="no-reason return window ended") as err:
        order.insert(signed)
    assert err.value.event_index == 4 and err.value.rule == "return.no_reason_window"
    earlier = order.insert(e("signed", "2026-11-06 09:00"))
    assert [ev.type for ev in earlier.events] == [
        "placed",
        "paid",
        "shipped",
        "signed",
        "refund_requested",
    ]
    assert earlier.status(t("2026-11-11 13:00")).refund.state == "wait_seller_agree"


def test_insert_at_the_same_instant_goes_after_and_bad_input_is_located() -> None:
    order = tc.load(log(e("placed", "2026-11-01 10:00"), e("paid", "2026-11-01 10:05")))
    same = order.insert(e("shipped", "2026-11-01 10:05"))
    assert [ev.type for ev in same.events] == ["placed", "paid", "shipped"]
    with pytest.raises(tc.InvalidInput, match=r"order T1: .*no UTC offset"):
        order.insert({"type": "shipped", "at": "2026-11-01T10:05:00"})
