"""Multi-line trades: each line runs the single-order rules on its own (tradeclock._trade)."""

from __future__ import annotations

import gc
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import e, log, t
from hypothesis import given, settings
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock._trade import PARTLY_SHIPPED, trade_state
from tradeclock.testing import trade_logs

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
    # tradeclock._trade's code.
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
        assert "卖家已部分发货" in text and "子订单 A：" in text and "后，子订单 A）" in text
    else:
        assert "partly shipped" in text and "Line A: paid" in text and ", line A)" in text


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


def _table_of(*logs: dict[str, Any]) -> Any:
    pytest.importorskip("pyarrow")
    from tradeclock import batch

    return batch.from_logs(logs)


def _logs_for_batch() -> list[dict[str, Any]]:
    golden = [
        json.loads(p.read_text())["order"]
        for p in sorted(Path("tests/golden-lines").glob("P*.json"))
    ]
    refused = trade(e("refund_requested", "2026-11-02 10:00", reason="quality"))  # no line
    return [
        json.loads(Path("examples/trade.json").read_text()),
        json.loads(Path("examples/order.json").read_text()),
        log(e("placed", "2026-11-12 11:00", amount="200.00", lines=TWO), id="UNPAID"),
        {**refused, "id": "NO-LINE"},
        *golden,
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_gives_a_row_per_line_on_request(workers: int) -> None:
    from tradeclock import batch

    logs = _logs_for_batch()
    now = t("2026-11-12 12:00")
    gc.collect()
    per_line = batch.status(_table_of(*logs), now, workers=workers, lines=True)
    assert tuple(per_line.column_names) == batch.LINE_COLUMNS
    if workers == 1:  # (a process pool's own threads and queues may leave cycles of their own)
        assert gc.collect() == 0  # trades leave no cycles (a chunk runs without the collector)
    per_trade = batch.status(_table_of(*logs), now)
    assert per_trade.num_rows == len(logs)
    rows = per_line.to_pylist()
    expected = []
    for lg in logs:
        try:
            st = tc.load(lg).status(now)
        except tc.TradeclockError as exc:
            expected.append((lg["id"], None, None, exc.kind, []))
            continue
        trade_wide = [d for d in st.upcoming if d.line is None]
        for line in st.lines:
            upcoming = sorted([*line.upcoming, *trade_wide], key=lambda d: d.at)
            expected.append(
                (lg["id"], line.id, line.state, None, [(d.event, d.at, d.rule) for d in upcoming])
            )
    seen = [
        (
            r["order_id"],
            r["line"],
            r["state"],
            r["error_kind"],
            [(u["event"], u["at"], u["rule"]) for u in r["upcoming"]],
        )
        for r in rows
    ]
    assert seen == expected
    # the lines of a trade: several rows; the line's own refund and amounts
    trade_rows = {r["line"]: r for r in rows if r["order_id"] == "TR-2026-1101-0007"}
    trade_status = tc.load(logs[0]).status(now)
    assert set(trade_rows) == {"A", "B"} and len(trade_status.lines) == 2
    for line in trade_status.lines:
        row = trade_rows[line.id]
        assert row["amount"] == str(line.amount) and row["refunded"] == str(line.refunded)
        assert row["refund_state"] == (None if line.refund is None else line.refund.state)
        assert row["next_event"] == (row["upcoming"][0]["event"] if row["upcoming"] else None)
    # an unpaid trade's close is on each of its lines' rows
    unpaid = [r for r in rows if r["order_id"] == "UNPAID"]
    assert [r["line"] for r in unpaid] == ["A", "B"]
    assert all(r["next_event"] == "pay_reminder" for r in unpaid)
    # a refused trade keeps one row, its line null
    [bad] = [r for r in rows if r["order_id"] == "NO-LINE"]
    assert bad["line"] is None and bad["error_kind"] is not None and bad["state"] is None
    report = batch.summary(per_line)
    assert report["orders"] == len(logs) and report["errors"] == 1
    assert report["lines"] == per_line.num_rows - 1
    assert batch.summary(per_trade)["orders"] == len(logs) and "lines" not in batch.summary(
        per_trade
    )


def test_cli_batch_writes_a_row_per_line(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from tradeclock._cli import main

    events = tmp_path / "events.parquet"
    pq.write_table(_table_of(*_logs_for_batch()[:2]), events)
    out = tmp_path / "out.parquet"
    argv = ["batch", str(events), "--now", "2026-11-12T12:00:00+08:00", "-o", str(out), "--lines"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "2 orders" in printed and "3 lines" in printed and "line states:" in printed
    table = pq.read_table(out)
    assert table.column("line").to_pylist() == ["A", "B", "TB-2026-1106-0042"]
    assert main([*argv[:-1], "--json"]) == 0
    assert "lines" not in json.loads(capsys.readouterr().out)


def test_dask_gives_the_serial_rows_per_line() -> None:
    dd = pytest.importorskip("dask.dataframe")
    import dask
    import pandas as pd

    from tradeclock import batch

    table = _table_of(*_logs_for_batch())
    now = t("2026-11-12 12:00")
    serial = batch.status(table, now, lines=True).to_pandas()
    with dask.config.set(scheduler="synchronous"):
        ddf = dd.from_pandas(table.to_pandas(), npartitions=3)
        result = batch.status_dask(ddf, now, lines=True).compute()
    key = ["order_id", "line"]
    pd.testing.assert_frame_equal(
        result.sort_values(key).reset_index(drop=True),
        serial.sort_values(key).reset_index(drop=True),
    )


def test_from_logs_keeps_every_event_and_refuses_what_does_not_fit() -> None:
    pytest.importorskip("pyarrow")
    from datetime import UTC

    from tradeclock import batch
    from tradeclock.generate import COLUMNS

    logs = _logs_for_batch()
    table = batch.from_logs(logs)
    assert tuple(table.column_names) == COLUMNS
    assert table.num_rows == sum(len(lg["events"]) for lg in logs)
    # a datetime is written as its ISO text and reads back as the same instant
    at = datetime(2026, 11, 1, 2, tzinfo=UTC)
    [row] = batch.from_logs([{"id": "D", "events": [{"type": "placed", "at": at}]}]).to_pylist()
    assert row["at"] == at.isoformat() and row["rules"] == "taobao"
    with pytest.raises(tc.InvalidInput, match="log 1: an event log is a mapping"):
        batch.from_logs([logs[0], {"events": []}])
    with pytest.raises(
        tc.InvalidInput, match=r"order X, event 0: no table column for colour"
    ) as ei:
        batch.from_logs([{"id": "X", "events": [{"type": "placed", "at": "x", "colour": 1}]}])
    assert ei.value.order_id == "X" and ei.value.event_index == 0
    bad = {
        "id": "Y",
        "events": [{"type": "placed", "at": "2026-11-01T10:00:00+08:00", "days": "x"}],
    }
    with pytest.raises(tc.InvalidInput, match="order Y: a value does not fit its table column"):
        batch.from_logs([logs[0], bad])
