"""The shipped hypothesis strategies: every drawn log replays, under any rule set."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock.testing import FixedClock, check_invariants, event_logs, trade_logs

ROOT = Path(__file__).resolve().parents[1]

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


@given(trade_logs(rules=tc.TMALL, max_lines=3))
@settings(max_examples=40)
def test_trade_logs_replay_with_their_lines(log: dict) -> None:
    order = tc.load(log)
    assert order.rules.name == "tmall" and 2 <= len(order.line_ids) <= 3
    assert order.line_ids == tuple(x["id"] for x in log["events"][0]["lines"])


# ---------------------------------------------------------------------------- the kit's checks


@given(event_logs(), st.integers(0, 40 * 86400))
def test_check_invariants_holds_on_any_valid_log(log: dict, seconds: int) -> None:
    order = tc.load(log)
    clock = FixedClock(order.events[-1].at)
    check_invariants(order, clock.advance(seconds=seconds))


@given(trade_logs(), st.integers(0, 40 * 86400))
@settings(max_examples=60)
def test_check_invariants_holds_on_any_valid_trade(log: dict, seconds: int) -> None:
    order = tc.load(log)
    check_invariants(order, FixedClock(order.events[-1].at).advance(seconds=seconds))


def test_check_invariants_catches_a_broken_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from tradeclock import _order as order_module

    order = tc.load(
        {
            "id": "X",
            "rules": "taobao",
            "events": [
                {"type": "placed", "at": "2026-11-01T10:00:00+08:00"},
                {"type": "paid", "at": "2026-11-01T10:05:00+08:00"},
                {"type": "shipped", "at": "2026-11-02T10:00:00+08:00"},
                {"type": "signed", "at": "2026-11-03T10:00:00+08:00"},
            ],
        }
    )
    now = FixedClock("2026-11-04T00:00:00+08:00").now
    check_invariants(order, now)
    real = order_module.build_status

    def unsorted(st: Any, t: Any) -> Any:
        status = real(st, t)
        return msgspec.structs.replace(status, upcoming=tuple(reversed(status.upcoming)))

    monkeypatch.setattr(order_module, "build_status", unsorted)
    with pytest.raises(AssertionError, match="upcoming not sorted"):
        check_invariants(order, now)


def test_the_fixed_clock_only_moves_forward() -> None:
    clock = FixedClock("2026-11-11T10:00:00+08:00")
    assert clock.advance(days=1) - clock.advance(seconds=0) == timedelta(0)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(hours=-1)
    with pytest.raises(tc.InvalidInput, match="naive"):
        FixedClock("2026-11-11T10:00:00")


def test_the_integrator_example_runs() -> None:
    # examples/test_shop_rules.py: the documented way to property-test your own rule set
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "examples/test_shop_rules.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "2 passed" in proc.stdout
