"""Return shipping for a no-reason return (dispute rules art. 53; seed 001 § 10.1.1): with free
shipping the buyer pays only the return leg; otherwise, or when a partial return leaves the order
below the free-shipping threshold, both legs."""

from __future__ import annotations

import pytest
from conftest import e, log, t

import tradeclock as tc


def order(placed: dict, **refund: object) -> tc.Order:
    fields = {"return_goods": True, "reason": "no_reason", **refund}
    return tc.load(
        log(
            e("placed", "2026-11-01 10:00", amount="120.00", **placed),
            e("paid", "2026-11-01 10:05"),
            e("shipped", "2026-11-02 10:00"),
            e("refund_requested", "2026-11-03 10:00", **fields),
        )
    )


NOW = t("2026-11-03 11:00")


@pytest.mark.parametrize(
    ("placed", "refund", "outbound", "why"),
    [
        ({"free_shipping": True}, {}, "seller", "free shipping"),
        ({}, {}, "buyer", "no free shipping"),
        (
            {"free_shipping": True, "free_shipping_threshold": "99.00"},
            {"amount": "21.00"},
            "seller",
            "free shipping",
        ),
        (
            {"free_shipping": True, "free_shipping_threshold": "99.00"},
            {"amount": "21.01"},
            "buyer",
            "leaves 98.99 yuan",
        ),
    ],
)
def test_who_pays_which_leg(placed: dict, refund: dict, outbound: str, why: str) -> None:
    split = order(placed, **refund).return_shipping(NOW)
    assert split is not None
    assert (split.outbound, split.return_leg, split.rule) == (
        outbound,
        "buyer",
        "refund.return_shipping",
    )
    assert why in split.reason


def test_only_for_a_no_reason_return() -> None:
    assert order({"free_shipping": True}, reason="quality").return_shipping(NOW) is None
    assert order({"free_shipping": True}, return_goods=False).return_shipping(NOW) is None
    with pytest.raises(tc.InvalidInput, match=r"placed\.free_shipping_threshold"):
        order({"free_shipping": True, "free_shipping_threshold": "9.999"})
