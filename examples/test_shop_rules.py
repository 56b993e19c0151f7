"""Property-test a shop's own rule set with tradeclock's test kit (run: pytest examples/).

The shop closes unpaid orders after 15 minutes and auto-confirms after 7 days. Hypothesis
draws valid event logs under those rules; the kit's invariants must hold at every instant.
"""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

import tradeclock
from tradeclock.testing import FixedClock, check_invariants, event_logs

SHOP = tradeclock.TAOBAO.with_overrides(
    {"pay.unpaid_close": "PT15M", "confirm.auto_confirm": "P7D"}, name="myshop"
)


@settings(max_examples=50, deadline=None)
@given(event_logs(rules=SHOP), st.integers(0, 30 * 24 * 3600))
def test_my_rules_keep_the_invariants(log, seconds_later):
    order = tradeclock.load(log, rules=SHOP)
    clock = FixedClock(order.events[-1].at)
    check_invariants(order, clock.advance(seconds=seconds_later))


def test_an_unpaid_order_closes_after_15_minutes():
    clock = FixedClock("2026-11-11T10:00:00+08:00")
    placed = {"type": "placed", "at": clock.now.isoformat()}
    order = tradeclock.load({"id": "S1", "rules": "myshop", "events": [placed]}, rules=SHOP)
    assert order.status(clock.advance(minutes=14)).state == "placed"
    assert order.status(clock.advance(minutes=1)).state == "closed"
    assert order.status(clock.now).fired[-1].at - order.events[0].at == timedelta(minutes=15)
