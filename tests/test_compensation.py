"""Late-shipment compensation on Taobao (RULES.md § Rules between timers): 5 % of the price, at
least 5 yuan (1 in listed categories), at most 30, since 2015-10-29; before that 10 %, at least
5, at most 100. Exact to the fen."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from conftest import e, log, t

import tradeclock as tc


def late(amount: str, paid: str = "2026-11-01 10:05", rules: str = "taobao") -> tc.Order:
    """Paid at ``paid``; Taobao's dispatch is due 48 h later; shipped 72 h after payment."""
    at = t(paid)
    events = [
        {"type": "placed", "at": at.isoformat(), "amount": amount},
        {"type": "paid", "at": at.isoformat()},
        {"type": "shipped", "at": (at + timedelta(days=3)).isoformat()},
    ]
    return tc.load(log(*events, rules=rules))


@pytest.mark.parametrize(
    ("amount", "listed", "owed"),
    [
        ("399.00", False, "19.95"),  # 5 %
        ("399.99", False, "20.00"),  # 19.9995 rounds half up to the fen
        ("50.00", False, "5.00"),  # at least 5
        ("50.00", True, "2.50"),  # listed categories: at least 1
        ("10.00", True, "1.00"),
        ("1000.00", False, "30.00"),  # at most 30
    ],
)
def test_since_2015_10_29(amount: str, listed: bool, owed: str) -> None:
    c = late(amount).late_shipment_compensation(t("2026-11-10 00:00"), listed_category=listed)
    assert c is not None and c.amount == Decimal(owed) and c.rule == "ship.late_compensation"
    assert c.late_since == t("2026-11-03 10:05")


@pytest.mark.parametrize(
    ("paid", "amount", "owed", "rule"),
    [
        ("2015-10-20 10:05", "399.00", "39.90", "ship.late_compensation.2010"),  # 10 %
        ("2015-10-20 10:05", "2000.00", "100.00", "ship.late_compensation.2010"),  # at most 100
        ("2015-10-20 10:05", "20.00", "5.00", "ship.late_compensation.2010"),  # at least 5
        ("2015-10-28 23:59", "399.00", "39.90", "ship.late_compensation.2010"),
        ("2015-10-29 00:00", "399.00", "19.95", "ship.late_compensation"),  # the day it changed
    ],
)
def test_orders_paid_before_the_change(paid: str, amount: str, owed: str, rule: str) -> None:
    c = late(amount, paid).late_shipment_compensation(t(paid).replace(year=t(paid).year + 1))
    assert c is not None and (c.amount, c.rule) == (Decimal(owed), rule)


def test_nothing_is_owed_when_shipped_in_time_or_without_a_rule() -> None:
    on_time = tc.load(
        log(
            e("placed", "2026-11-01 10:00", amount="399.00"),
            e("paid", "2026-11-01 10:05"),
            e("shipped", "2026-11-03 10:04"),
        )
    )
    assert on_time.late_shipment_compensation(t("2026-11-10 00:00")) is None
    assert late("399.00", rules="tmall").late_shipment_compensation(t("2026-11-10 00:00")) is None
    no_amount = tc.load(log(e("placed", "2026-11-01 10:00"), e("paid", "2026-11-01 10:05")))
    assert no_amount.late_shipment_compensation(t("2026-11-10 00:00")) is None


def test_still_not_shipped_is_late_too() -> None:
    order = tc.load(
        log(e("placed", "2026-11-01 10:00", amount="88.00"), e("paid", "2026-11-01 10:05"))
    )
    assert order.late_shipment_compensation(t("2026-11-03 10:04")) is None  # not late yet
    c = order.late_shipment_compensation(t("2026-11-03 10:05"))
    assert c is not None and c.amount == Decimal("5.00")  # 4.40, at least 5
