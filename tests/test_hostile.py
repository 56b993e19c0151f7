"""Hostile input: arbitrary JSON, near-valid logs, huge and odd values, through the API and the
CLI. The only outcomes allowed are a result or a TradeclockError with a message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import e, log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock._cli import main
from tradeclock._events import OPTIONAL_FIELDS
from tradeclock._limits import MAX_EVENTS
from tradeclock.testing import event_logs

NOW = "2026-12-01T00:00:00+08:00"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)

HOSTILE = [
    None,
    True,
    0,
    -1,
    10**30,
    10**400,
    1.5,
    float("inf"),
    "",
    " ",
    "x" * 10_000,
    [],
    {},
    [[[[[]]]]],
    {"a": {"b": {}}},
    "NaN",
    "-0",
    "1e999",
    "0.001",
    "１２３",
    "\u0000",
    "\ud800",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+00:00",
    "2026-11-11T00:00:00+05:45",
    "2026-11-11T00:00:00+14:00",
    "2026-11-11T00:00:00-12:00",
    "2016-12-31T23:59:60Z",
    "2026-02-30T00:00:00+08:00",
    "2026-11-11T00:00:00+08:00:01",
    "P99999999D",
    "PT-1H",
    "P1Y",
    "express",
    "buyer",
    "refund",
    "订单",
    "🦀" * 300,
]
hostile = st.sampled_from(HOSTILE) | json_values
KEYS = ["type", "at", *OPTIONAL_FIELDS, "extra"]  # every field an event may carry, and one more


def _check(obj: Any) -> None:
    try:
        order = tc.load(obj)
    except tc.TradeclockError as err:
        assert err.message and err.kind in ("invalid_input", "out_of_order", "not_allowed")
        json.dumps(err.to_dict())
        return
    for now in (NOW, "2031-01-01T00:00:00+00:00"):
        try:
            status = order.status(now)
        except tc.InvalidInput as err:  # asked before anything happened
            assert "nothing had happened" in err.message
            continue
        json.dumps(status.to_dict(), ensure_ascii=False)


@given(json_values)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_json_values(value: Any) -> None:
    _check(value if isinstance(value, dict) else {"id": "H", "rules": "taobao", "events": value})
    _check(json.dumps(value))


@st.composite
def near_valid(draw: st.DrawFn) -> dict[str, Any]:
    good = draw(event_logs(max_events=8))
    events = [dict(ev) for ev in good["events"]]
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.integers(0, len(events) - 1))
        action = draw(st.sampled_from(["set", "drop", "swap", "dup"]))
        if action == "set":
            events[target][draw(st.sampled_from(KEYS))] = draw(hostile)
        elif action == "drop" and len(events[target]) > 1:
            events[target].pop(draw(st.sampled_from(sorted(events[target]))))
        elif action == "swap" and len(events) > 1:
            other = draw(st.integers(0, len(events) - 1))
            events[target], events[other] = events[other], events[target]
        else:
            events.insert(target, dict(events[target]))
    top = {"id": good["id"], "rules": good["rules"], "events": events}
    if draw(st.integers(0, 4)) == 0:
        top[draw(st.sampled_from(["id", "rules", "events", "extra"]))] = draw(hostile)
    return top


@given(near_valid())
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_near_valid_logs(data: dict[str, Any]) -> None:
    _check(data)


@given(data=near_valid())
@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_cli_exits_0_or_2_with_json(
    data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code = main(["status", str(path), "--now", NOW, "--json"])
    out, err = capsys.readouterr()
    assert code in (0, 2)
    parsed = json.loads(out)
    assert ("error" in parsed) == (code == 2)
    assert (err.count("\n") == 1) == (code == 2)


def test_too_many_events_is_refused_quickly() -> None:
    events = [e("placed", "2026-11-01 10:00")] + [e("signed", "2026-11-01 10:00")] * 100_000
    with pytest.raises(tc.InvalidInput, match=f"more than the {MAX_EVENTS}"):
        tc.load(log(*events))


def test_deeply_nested_json_is_invalid_input() -> None:
    with pytest.raises(tc.InvalidInput, match="nested too deeply"):
        tc.load("[" * 200_000 + "]" * 200_000)


def test_huge_text_is_invalid_input(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text('{"id": "' + "x" * (17 * 1024 * 1024) + '"}')
    with pytest.raises(tc.InvalidInput, match="larger than"):
        tc.load(big)


@pytest.mark.parametrize(
    ("at", "ok"),
    [
        ("2026-11-11T00:00:00+05:45", True),
        ("2026-11-11T00:00:00+14:00", True),
        ("2026-11-11T00:00:00-12:00", True),
        ("1970-01-01T08:00:00+08:00", True),
        ("2999-12-31T23:00:00+00:00", True),
        ("1969-12-31T23:59:59Z", False),
        ("1970-01-01T07:59:59+08:00", False),  # written in 1970, before it in UTC
        ("2999-12-31T23:00:00-05:00", False),  # written in 2999, 3000 in UTC
        ("9999-12-31T23:59:59+00:00", False),
        ("0001-01-01T05:00:00+08:00", False),
        ("2016-12-31T23:59:60Z", False),
    ],
)
def test_odd_offsets_and_far_years(at: str, ok: bool) -> None:
    data = {"id": "Y", "rules": "taobao", "events": [{"type": "placed", "at": at}]}
    if ok:
        order = tc.load(data)
        assert order.when("auto_close", at) is not None
    else:
        with pytest.raises(tc.InvalidInput):
            tc.load(data)


@given(st.one_of(event_logs(rules=tc.TAOBAO), event_logs(rules=tc.TMALL)))
def test_round_trip_through_json(data: dict[str, Any]) -> None:
    order = tc.load(data)
    again = tc.load(json.loads(json.dumps(order.to_dict(), ensure_ascii=False)))
    assert again == order
    assert again.to_dict() == order.to_dict()
