"""Multi-line trades: each line runs the single-order rules on its own (tradeclock.trade)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from conftest import e, log, t
from hypothesis import given, settings
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock.testing import trade_logs
from tradeclock.trade import PARTLY_SHIPPED, trade_state

TWO = [{"id": "A", "amount": "80.00"}, {"id": "B", "amount": "120.00"}]


def trade(*events: dict[str, Any], rules: str = "taobao") -> dict[str, Any]:
    head = e("placed", "2026-11-01 10:00", amount="200.00", lines=TWO)
    return log(head, e("paid", "2026-11-01 10:05"), *events, rules=rules, id="TR")


def _line(status: tc.Status, line: str) -> Any:
    return next(x for x in status.lines if x.id == line)


def _upcoming(status: tc.Status, line: str) -> dict[str, datetime]:
    return {d.event: d.at for d in status.upcoming if d.line == line}


def test_a_single_line_log_gains_only_the_line_keys() -> None:
    order = tc.load("examples/order.json")
    status = order.status("2026-11-08T12:00:00+08:00")
    [line] = status.lines
    assert line.id == order.id and line.state == status.state and line.refund == status.refund
    assert line.upcoming == status.upcoming and {d.line for d in status.upcoming} == {order.id}
    assert order.line_ids == (order.id,)


def test_pay_timers_belong_to_the_trade_and_the_rest_to_each_line() -> None:
    order = tc.load(log(e("placed", "2026-11-01 10:00", amount="200.00", lines=TWO), id="TR"))
    status = order.status(t("2026-11-01 10:01"))
    assert {d.line for d in status.upcoming} == {None}  # once for the trade, not per line
    assert [d.event for d in status.upcoming] == ["pay_reminder", "auto_close"]
    assert status.state == "placed" and [x.state for x in status.lines] == ["placed", "placed"]
    paid = order.apply(e("paid", "2026-11-01 10:05")).status(t("2026-11-01 10:06"))
    assert sorted((d.event, d.line) for d in paid.upcoming) == [
        ("dispatch_due", "A"),
        ("dispatch_due", "B"),
    ]


def test_a_refund_pauses_only_its_lines_auto_confirm() -> None:
    order = tc.load(
        trade(
            e("shipped", "2026-11-02 09:00"),
            e("refund_requested", "2026-11-04 10:00", line="B", reason="quality"),
        )
    )
    status = order.status(t("2026-11-05 00:00"))
    assert "auto_confirm" not in _upcoming(status, "B")
    assert _line(status, "B").auto_confirm_paused_left is not None
    assert _upcoming(status, "A")["auto_confirm"] == t("2026-11-12 09:00")
    assert _line(status, "A").auto_confirm_paused_left is None
    assert order.when("auto_confirm", t("2026-11-05 00:00"), line="A") == t("2026-11-12 09:00")
    assert order.when("auto_confirm", t("2026-11-05 00:00"), line="B") is None


def test_refunds_on_two_lines_at_once() -> None:
    order = tc.load(
        trade(
            e("refund_requested", "2026-11-01 12:00", line="A", reason="out_of_stock"),
            e("refund_requested", "2026-11-01 13:00", line="B", reason="out_of_stock"),
            e("refund_agreed", "2026-11-01 14:00", line="A"),
        )
    )
    status = order.status(t("2026-11-01 15:00"))
    assert _line(status, "A").refund.state == "success"  # type: ignore[union-attr]
    assert _line(status, "A").state == "closed" and _line(status, "A").refunded == Decimal("80.00")
    assert _line(status, "B").refund.state == "wait_seller_agree"  # type: ignore[union-attr]
    assert status.state == "paid" and status.refunded == Decimal("80.00")
    assert status.refund is not None and status.refund.number == 1  # B's, the open one
    assert status.top_refund_status == "WAIT_SELLER_AGREE"


def test_a_partial_refund_lets_its_line_go_on() -> None:
    order = tc.load(
        trade(
            e("refund_requested", "2026-11-01 12:00", line="B", amount="20.00"),
            e("refund_agreed", "2026-11-01 14:00", line="B"),
        )
    )
    status = order.status(t("2026-11-01 15:00"))
    assert _line(status, "B").state == "paid" and _line(status, "B").refunded == Decimal("20.00")


def test_shipping_one_line_leaves_the_others_refund_open() -> None:
    order = tc.load(
        trade(
            e("refund_requested", "2026-11-01 12:00", line="A", reason="out_of_stock"),
            e("shipped", "2026-11-02 09:00", lines=["B"]),
        )
    )
    status = order.status(t("2026-11-02 10:00"))
    assert status.state == PARTLY_SHIPPED and status.top_status == "SELLER_CONSIGNED_PART"
    assert _line(status, "A").refund.state == "wait_seller_agree"  # type: ignore[union-attr]
    assert "dispatch_due" in _upcoming(status, "A") and "dispatch_due" not in _upcoming(status, "B")


def test_an_event_without_lines_goes_to_every_line_that_can_take_it() -> None:
    order = tc.load(
        trade(
            e("refund_requested", "2026-11-01 12:00", line="A", reason="out_of_stock"),
            e("refund_agreed", "2026-11-01 13:00", line="A"),  # A closes: fully refunded
            e("shipped", "2026-11-02 09:00"),
        )
    )
    status = order.status(t("2026-11-02 10:00"))
    assert [x.state for x in status.lines] == ["closed", "shipped"] and status.state == "shipped"
    # when no line can take it, the first line's refusal is the answer, naming that line
    with pytest.raises(tc.NotAllowed) as err:
        order.apply(e("shipped", "2026-11-02 11:00"))
    assert err.value.line == "A" and err.value.event_index == 5
    assert "line A" in err.value.message


@pytest.mark.parametrize(
    ("states", "paid", "want"),
    [
        (["placed", "placed"], False, "placed"),
        (["closed", "closed"], False, "closed"),
        (["paid", "paid"], True, "paid"),
        (["paid", "closed"], True, "paid"),
        (["paid", "shipped"], True, PARTLY_SHIPPED),
        (["signed", "paid", "closed"], True, PARTLY_SHIPPED),
        (["shipped", "signed"], True, "shipped"),
        (["signed", "success"], True, "signed"),
        (["success", "closed"], True, "success"),
        (["closed", "closed"], True, "closed"),
    ],
)
def test_the_trades_state_comes_from_its_lines(states: list[str], paid: bool, want: str) -> None:
    assert trade_state(states, paid) == want


# --------------------------------------------------------------------------- bad input


def _refused(raw: dict[str, Any], kind: type[tc.TradeclockError]) -> tc.TradeclockError:
    with pytest.raises(kind) as err:
        tc.load(raw)
    return err.value


def test_a_refund_event_on_a_trade_needs_its_line() -> None:
    err = _refused(trade(e("refund_requested", "2026-11-01 12:00")), tc.InvalidInput)
    assert err.event_index == 2 and err.event_type == "refund_requested"
    assert "needs 'line'" in err.message and "A, B" in err.message


def test_an_unknown_line_is_refused() -> None:
    err = _refused(trade(e("refund_requested", "2026-11-01 12:00", line="C")), tc.InvalidInput)
    assert (err.event_index, err.line) == (2, "C") and "no line of this trade" in err.message
    err = _refused(trade(e("shipped", "2026-11-02 09:00", lines=["A", "Z"])), tc.InvalidInput)
    assert (err.event_index, err.line) == (2, "Z")


def test_line_ids_are_unique() -> None:
    lines = [{"id": "A", "amount": "1.00"}, {"id": "A", "amount": "2.00"}]
    err = _refused(log(e("placed", "2026-11-01 10:00", lines=lines)), tc.InvalidInput)
    assert err.event_index == 0 and "listed twice" in err.message


def test_a_second_open_refund_on_one_line_is_refused_naming_the_line() -> None:
    raw = trade(
        e("refund_requested", "2026-11-01 12:00", line="A"),
        e("refund_requested", "2026-11-01 13:00", line="A"),
    )
    err = _refused(raw, tc.NotAllowed)
    assert (err.event_index, err.line, err.order_id) == (3, "A", "TR")
    assert err.message.startswith("order TR, event 3 (refund_requested), line A: ")


@pytest.mark.parametrize("amount", ["1.234", "-1.00", "abc", 1.5, None])
def test_line_amounts_are_exact_decimals(amount: Any) -> None:
    lines = [{"id": "A", "amount": amount}, {"id": "B", "amount": "1.00"}]
    err = _refused(log(e("placed", "2026-11-01 10:00", lines=lines)), tc.InvalidInput)
    assert err.event_index == 0 and "placed.lines[0]" in err.message


def test_the_lines_amounts_fit_in_the_trades() -> None:
    err = _refused(
        log(e("placed", "2026-11-01 10:00", amount="100.00", lines=TWO), id="TR"), tc.InvalidInput
    )
    assert err.event_index == 0 and "more than placed.amount" in err.message


@pytest.mark.parametrize(
    ("event", "words"),
    [
        (e("placed", "2026-11-01 10:00", lines=["A", "B"]), "each line is an object"),
        (e("placed", "2026-11-01 10:00", lines=[]), "non-empty list"),
        (e("placed", "2026-11-01 10:00", lines=[{"id": "A"}]), "has no 'amount'"),
        (e("placed", "2026-11-01 10:00", lines=[{"amount": "1.00"}]), "has no 'id'"),
        (e("placed", "2026-11-01 10:00", lines=[{"id": "A", "amount": "1", "x": 1}]), "'x'"),
        (e("placed", "2026-11-01 10:00", lines=[7]), "a line id or an object"),
        (e("placed", "2026-11-01 10:00", lines="[oops"), "not a JSON list"),
    ],
)
def test_bad_lines_are_refused(event: dict[str, Any], words: str) -> None:
    err = _refused(log(event), tc.InvalidInput)
    assert err.event_index == 0 and words in err.message


def test_shipped_lines_are_ids() -> None:
    err = _refused(
        trade(e("shipped", "2026-11-02 09:00", lines=[{"id": "A", "amount": "1.00"}])),
        tc.InvalidInput,
    )
    assert err.event_index == 2 and "list the ids" in err.message


def test_a_single_line_order_refuses_another_line() -> None:
    raw = log(
        e("placed", "2026-11-01 10:00"),
        e("paid", "2026-11-01 10:05"),
        e("refund_requested", "2026-11-01 12:00", line="X"),
    )
    err = _refused(raw, tc.InvalidInput)
    assert (err.event_index, err.line) == (2, "X") and "one line is 'T1'" in err.message


def test_events_out_of_order_in_a_trade() -> None:
    raw = trade(
        e("shipped", "2026-11-03 09:00", lines=["A"]),
        e("shipped", "2026-11-02 09:00", lines=["B"]),
    )
    err = _refused(raw, tc.OutOfOrder)
    assert err.event_index == 3


def test_nothing_is_half_applied() -> None:
    order = tc.load(trade(e("shipped", "2026-11-02 09:00", lines=["A"])))
    before = order.status(t("2026-11-02 10:00"))
    with pytest.raises(tc.NotAllowed):
        # B can take it, A cannot (already shipped): named lines must all accept it
        order.apply(e("shipped", "2026-11-02 09:30", lines=["B", "A"]))
    assert order.status(t("2026-11-02 10:00")) == before and len(order.events) == 3


def test_a_trade_grows_event_by_event_as_its_log_replays() -> None:
    raw = trade(
        e("shipped", "2026-11-02 09:00", lines=["B"]),
        e("refund_requested", "2026-11-02 12:00", line="A", reason="out_of_stock"),
    )
    built = tc.Order.new("TR")
    for ev in raw["events"]:
        built = built.apply(ev)
    now = t("2026-11-03 00:00")
    assert built.status(now) == tc.load(raw).status(now)
    assert tc.load(built.to_dict()).status(now) == built.status(now)


def test_when_names_an_unknown_line() -> None:
    with pytest.raises(tc.InvalidInput, match="no line 'C'"):
        tc.load(trade()).when("auto_confirm", t("2026-11-02 00:00"), line="C")


# --------------------------------------------------------------------------- the key property


def _single(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k not in ("line", "lines")}


def _accepts(order: tc.Order, raw: dict[str, Any]) -> tc.Order | None:
    try:
        return order.apply(raw)
    except tc.TradeclockError:
        return None


@settings(max_examples=max(settings.default.max_examples, 1000), deadline=None)
@given(trade_logs(), st.integers(0, 30 * 24 * 60))
def test_each_line_answers_as_an_order_of_its_own(log_: dict[str, Any], minutes: int) -> None:
    # the key property: a trade's line answers exactly what a single-line order fed that
    # line's events (and the trade's) answers. The single-line orders here are built from the
    # log's own routing (named lines; else every line that accepts the event), not by
    # tradeclock.trade's code.
    events = log_["events"]
    ids = [x["id"] for x in events[0]["lines"]]
    amounts = {x["id"]: x["amount"] for x in events[0]["lines"]}
    order = tc.Order.new("TR")
    singles: dict[str, tc.Order] = {
        x: tc.Order.new("TR").apply(
            {"type": "placed", "at": events[0]["at"], "lines": [{"id": x, "amount": amounts[x]}]}
        )
        for x in ids
    }
    order = order.apply(events[0])
    for raw in events[1:]:
        order = order.apply(raw)  # the strategy keeps only events the trade accepts
        named = [raw["line"]] if "line" in raw else raw.get("lines")
        for x in named or ids:
            moved = _accepts(singles[x], _single(raw))
            if moved is None:
                assert named is None, (x, raw)  # a named line accepted it in the trade
                continue
            singles[x] = moved
    now = datetime.fromisoformat(events[0]["at"]) + timedelta(minutes=minutes)
    status = order.status(now)
    for x in ids:
        own = singles[x].status(now)
        line = _line(status, x)
        assert (line.state, line.refund, line.refunded) == (own.state, own.refund, own.refunded)
        assert line.upcoming == tuple(d for d in own.upcoming if d.line is not None)
        assert [d for d in status.upcoming if d.line == x] == list(line.upcoming)
        assert [f for f in status.fired if f.line == x] == [
            f for f in own.fired if f.line is not None
        ]
    paid = datetime.fromisoformat(events[1]["at"]) <= now
    assert status.state == trade_state([x.state for x in status.lines], paid)


def test_actions_are_offered_line_by_line() -> None:
    order = tc.load(
        trade(
            e("shipped", "2026-11-02 09:00"),
            e("refund_requested", "2026-11-04 10:00", line="A", reason="quality"),
        )
    )
    found = order.allowed_actions(t("2026-11-05 00:00"), actor="seller")
    agreed = [a for a in found if a.event == "refund_agreed"]
    assert [a.line for a in agreed] == ["A"] and agreed[0].refund == (
        "wait_seller_agree",
        "success",
    )
    assert "refund_agreed on line A" in agreed[0].summary(order.rules.tz, True)
    confirm = [
        a for a in order.allowed_actions(t("2026-11-05 00:00"), "buyer") if a.event == "confirmed"
    ]
    assert [a.line for a in confirm] == ["A", "B"] and confirm[1].state == ("shipped", "success")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_explanation_names_each_line(lang: str) -> None:
    order = tc.load(
        trade(
            e("refund_requested", "2026-11-01 12:00", line="A", reason="out_of_stock"),
            e("shipped", "2026-11-02 09:00", lines=["B"]),
        )
    )
    text = order.explain(t("2026-11-02 10:00"), lang)
    if lang == "zh":
        assert "卖家已部分发货" in text and "子订单 A：" in text and "（子订单 A）" in text
    else:
        assert "partly shipped" in text and "Line A: paid" in text and "(line A)" in text


def test_the_timeline_picture_has_a_row_per_line() -> None:
    pytest.importorskip("matplotlib")
    from tradeclock.timeline import figure, paused_spans

    order = tc.load(
        trade(
            e("shipped", "2026-11-02 09:00"),
            e("refund_requested", "2026-11-04 10:00", line="A", reason="quality"),
        )
    )
    now = t("2026-11-06 00:00")
    fig = figure(order, now)
    [ax] = fig.axes
    assert [x.get_text() for x in ax.get_yticklabels()] == ["events", "trade", "line A", "line B"]
    assert paused_spans(order, now, "A") == [(t("2026-11-04 10:00"), now)]
    assert paused_spans(order, now, "B") == []
