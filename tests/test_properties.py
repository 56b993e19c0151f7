"""Property tests of the timer rules over random valid logs (tradeclock.testing.event_logs)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock.testing import event_logs, trade_logs

TICK = timedelta(microseconds=1)
OFFSETS = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=-5)),
        timezone(timedelta(hours=8)),
        timezone(timedelta(hours=13, minutes=45)),
    ]
)
logs = st.one_of(event_logs(rules=tc.TAOBAO), event_logs(rules=tc.TMALL))


def _times(log: dict) -> list[datetime]:
    return [datetime.fromisoformat(ev["at"]) for ev in log["events"]]


@st.composite
def log_and_now(draw: st.DrawFn) -> tuple[dict, datetime]:
    log = draw(logs)
    times = _times(log)
    base = draw(st.sampled_from(times))
    delta = draw(
        st.sampled_from(
            [timedelta(0), TICK, -TICK, timedelta(days=3), timedelta(days=11), timedelta(days=40)]
        )
    )
    now = max(times[0], base + delta)
    return log, now


@given(log_and_now())
def test_upcoming_is_sorted_and_strictly_after_now(case: tuple[dict, datetime]) -> None:
    log, now = case
    status = tc.load(log).status(now)
    ats = [d.at for d in status.upcoming]
    assert ats == sorted(ats)
    assert all(at > now for at in ats)
    rules = tc.get_rules(log["rules"])
    assert all(d.rule in rules for d in status.upcoming)


@given(log_and_now())
def test_fired_times_are_non_decreasing_and_each_was_a_deadline(
    case: tuple[dict, datetime],
) -> None:
    log, now = case
    order = tc.load(log)
    status = order.status(now)
    ats = [f.at for f in status.fired]
    assert ats == sorted(ats)
    assert all(at <= now for at in ats)
    for f in status.fired:
        if f.rule == "money.alipay_balance" or f.event == "default_rating":
            continue  # at the instant of a refund / of its rating window's end: never ahead
        # just before it fired, it was upcoming at exactly that instant, by the same rule
        before = order.status(f.at - TICK)
        assert (f.event, f.at, f.rule) in {(d.event, d.at, d.rule) for d in before.upcoming}


@given(log_and_now())
def test_status_at_t_equals_replay_of_the_events_up_to_t(case: tuple[dict, datetime]) -> None:
    log, now = case
    prefix = dict(
        log, events=[ev for ev in log["events"] if datetime.fromisoformat(ev["at"]) <= now]
    )
    assert tc.load(log).status(now).to_dict() == tc.load(prefix).status(now).to_dict()


@given(logs)
def test_incremental_apply_equals_replay(log: dict) -> None:
    order = tc.Order.new(log["id"], log["rules"])
    for ev in log["events"]:
        order = order.apply(ev)
    now = _times(log)[-1] + timedelta(days=50)
    assert order.status(now).to_dict() == tc.load(log).status(now).to_dict()


@given(
    log_and_now(),
    st.sampled_from([TICK, timedelta(minutes=1), timedelta(days=2), timedelta(days=35)]),
)
def test_moving_now_forward_never_unfires(case: tuple[dict, datetime], step: timedelta) -> None:
    log, now = case
    order = tc.load(log)
    early, late = order.status(now), order.status(now + step)
    assert late.fired[: len(early.fired)] == early.fired
    assert late.refunded >= early.refunded


@given(log_and_now())
def test_terminal_states_have_nothing_upcoming(case: tuple[dict, datetime]) -> None:
    log, now = case
    status = tc.load(log).status(now)
    if status.state in ("success", "closed"):
        # only informational clocks: refunded money on its way, rating and after-sale windows
        assert all(d.informational for d in status.upcoming)
        if status.state == "closed":
            assert all(d.event == "money_arrival" for d in status.upcoming)


@given(log_and_now())
def test_refunded_never_exceeds_paid_and_full_refunds_close(case: tuple[dict, datetime]) -> None:
    log, now = case
    status = tc.load(log).status(now)
    if status.amount is not None:
        assert Decimal(0) <= status.refunded <= status.amount
        if status.refunded == status.amount and status.amount > 0:
            assert status.state == "closed"
    if (
        status.refund is not None
        and status.refund.state == "success"
        and status.refund.amount is None
    ):
        assert status.state == "closed"


@given(log_and_now())
def test_same_log_same_answer(case: tuple[dict, datetime]) -> None:
    log, now = case
    again = copy.deepcopy(log)
    assert tc.load(log).status(now).to_dict() == tc.load(again).status(now).to_dict()


@given(log_and_now(), OFFSETS)
def test_answers_do_not_depend_on_the_input_offset(case: tuple[dict, datetime], tz) -> None:
    log, now = case
    shifted = dict(
        log,
        events=[
            dict(ev, at=datetime.fromisoformat(ev["at"]).astimezone(tz).isoformat())
            for ev in log["events"]
        ],
    )
    a = tc.load(log).status(now).to_dict()
    b = tc.load(shifted).status(now.astimezone(tz)).to_dict()
    assert a == b


@given(log_and_now())
def test_paused_auto_confirm_is_conserved(case: tuple[dict, datetime]) -> None:
    log, now = case
    status = tc.load(log).status(now)
    refund_open = status.refund is not None and status.refund.state in (
        "wait_seller_agree",
        "wait_buyer_return",
        "wait_seller_confirm",
        "seller_refused",
    )
    if status.state in ("shipped", "signed") and refund_open:
        assert "auto_confirm" not in {d.event for d in status.upcoming}
        assert status.auto_confirm_paused_left is not None
        then = now + timedelta(hours=5)
        later = tc.load(log).status(then)
        quiet = not any(now < at <= then for at in _times(log))
        if quiet and later.refund == status.refund:  # nothing happened or fired in between
            assert later.auto_confirm_paused_left == status.auto_confirm_paused_left


@given(log_and_now())
def test_no_reason_window_ends_at_local_midnight_168h_after_its_start(
    case: tuple[dict, datetime],
) -> None:
    log, now = case
    order = tc.load(log)
    for d in order.status(now).upcoming:
        if d.event == "return_window_end":
            local = d.at.astimezone(order.rules.tz)
            assert (local.hour, local.minute, local.second) == (0, 0, 0)


@given(logs)
def test_next_due_is_a_lower_bound_of_every_running_timer(log: dict) -> None:
    # the replay skips timer work until next_due: were it ever later than a real deadline,
    # a timer would be missed. Check it after every event, against timers derived afresh.
    from tradeclock._engine import apply_event, timers
    from tradeclock._events import parse_event
    from tradeclock._state import State

    st = State(log["id"], tc.get_rules(log["rules"]))
    for i, raw in enumerate(log["events"]):
        apply_event(st, parse_event(raw), i)
        running = timers(st)
        if running:
            assert st.next_due is not None and st.next_due <= running[0][0]


# -- the status JSON encoded straight from the values equals the dict contract --


UTC_RULES = tc.TAOBAO.with_overrides({}, name="utc-shop", timezone="UTC")


@given(log_and_now())
def test_to_json_is_to_dict_encoded(case: tuple[dict, datetime]) -> None:
    log, now = case
    try:
        status = tc.load(log).status(now)
    except tc.TradeclockError:
        return
    assert json.loads(status.to_json()) == status.to_dict()


@given(trade_logs(), st.integers(0, 30 * 24 * 60))
def test_to_json_of_a_trade_is_to_dict_encoded(log: dict, minutes: int) -> None:
    try:
        order = tc.load(log)
        now = order.events[0].at + timedelta(minutes=minutes)
        status = order.status(now)
    except tc.TradeclockError:
        return
    assert json.loads(status.to_json()) == status.to_dict()


@given(log_and_now())
def test_to_json_in_a_zone_at_utc_writes_offsets_as_to_dict_does(
    case: tuple[dict, datetime],
) -> None:
    log, now = case
    try:
        status = tc.load(dict(log, rules="utc-shop"), rules=UTC_RULES).status(now)
    except tc.TradeclockError:
        return
    encoded = status.to_json()
    assert json.loads(encoded) == status.to_dict()
    assert b"+00:00" in encoded and b'Z"' not in encoded  # isoformat's form, not msgspec's Z


@given(st.from_regex(r"\A(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?\Z"))
def test_an_amount_read_from_text_is_the_same_decimal_read(text: str) -> None:
    """The JSON log's amount text is read at once; the same amount given as a ``Decimal``
    goes the long way (finite, not negative, at most the limit, yuan with fen): both give
    the same amount with two decimals, or both refuse it as too large."""
    from tradeclock._events import parse_amount

    try:
        expected = parse_amount(Decimal(text))
    except tc.InvalidInput as exc:
        assert "is more than" in exc.message
        with pytest.raises(tc.InvalidInput, match="is more than"):
            parse_amount(text)
        return
    got = parse_amount(text)
    assert got == expected == Decimal(text)
    assert str(got) == str(expected) and got.as_tuple().exponent == -2
