"""The Taobao Open Platform's status codes for every order and refund state (RULES.md § Order
(trade) states), in status() and its JSON."""

from __future__ import annotations

import pytest
from conftest import e, log, t

import tradeclock as tc
from tradeclock._machine import OrderState, RefundState
from tradeclock.top import REFUND_CODES, TRADE_CODES, trade_status

PAID = [e("placed", "2026-11-01 10:00", amount="100.00"), e("paid", "2026-11-01 10:05")]


@pytest.mark.parametrize(
    ("events", "now", "top", "top_refund"),
    [
        ([PAID[0]], "2026-11-01 11:00", "WAIT_BUYER_PAY", None),
        (PAID, "2026-11-01 11:00", "WAIT_SELLER_SEND_GOODS", None),
        (
            [*PAID, e("shipped", "2026-11-02 10:00")],
            "2026-11-02 11:00",
            "WAIT_BUYER_CONFIRM_GOODS",
            None,
        ),
        (
            [*PAID, e("shipped", "2026-11-02 10:00"), e("signed", "2026-11-03 10:00")],
            "2026-11-03 11:00",
            "WAIT_BUYER_CONFIRM_GOODS",
            None,
        ),
        ([*PAID, e("shipped", "2026-11-02 10:00")], "2026-11-12 10:00", "TRADE_FINISHED", None),
        ([PAID[0]], "2026-11-04 10:00", "TRADE_CLOSED_BY_TAOBAO", None),  # unpaid: closed itself
        (
            [PAID[0], e("cancelled", "2026-11-01 10:30", by="buyer")],
            "2026-11-01 11:00",
            "TRADE_CLOSED_BY_TAOBAO",
            None,
        ),
        (
            [
                *PAID,
                e("refund_requested", "2026-11-01 11:00"),
                e("refund_agreed", "2026-11-01 12:00"),
            ],
            "2026-11-01 13:00",
            "TRADE_CLOSED",
            "SUCCESS",
        ),
        (
            [*PAID, e("refund_requested", "2026-11-01 11:00")],
            "2026-11-01 12:00",
            "WAIT_SELLER_SEND_GOODS",
            "WAIT_SELLER_AGREE",
        ),
    ],
)
def test_order_codes(events: list[dict], now: str, top: str, top_refund: str | None) -> None:
    status = tc.load(log(*events)).status(t(now))
    assert (status.top_status, status.top_refund_status) == (top, top_refund)
    data = status.to_dict()
    assert (data["top_status"], data["top_refund_status"]) == (top, top_refund)


def test_every_state_has_a_code() -> None:
    assert set(TRADE_CODES) == {s.value for s in OrderState}
    assert set(REFUND_CODES) == {s.value for s in RefundState}
    assert REFUND_CODES == {
        "wait_seller_agree": "WAIT_SELLER_AGREE",
        "wait_buyer_return": "WAIT_BUYER_RETURN_GOODS",
        "wait_seller_confirm": "WAIT_SELLER_CONFIRM_GOODS",
        "seller_refused": "SELLER_REFUSE_BUYER",
        "success": "SUCCESS",
        "closed": "CLOSED",
    }
    assert trade_status("closed", paid=True) == "TRADE_CLOSED"
