"""The shipped hypothesis strategies: every drawn log replays, under any rule set."""

from __future__ import annotations

from hypothesis import given, settings

import tradeclock as tc
from tradeclock.testing import event_logs

SHOP = tc.TMALL.with_overrides(
    {"confirm.auto_confirm": "P7D", "pay.unpaid_close": "PT20M"}, name="shop"
)


@given(event_logs(rules=SHOP, amount=True))
@settings(max_examples=60)
def test_logs_for_a_custom_rule_set_replay(log: dict) -> None:
    order = tc.load(log, rules=SHOP)
    assert order.rules is SHOP
    assert log["events"][0]["type"] == "placed" and "amount" in log["events"][0]


@given(event_logs(max_events=3, amount=False))
@settings(max_examples=30)
def test_max_events_and_no_amount(log: dict) -> None:
    assert len(log["events"]) <= 4
    assert "amount" not in log["events"][0]
    tc.load(log)
