"""Every bad input gets a typed error naming the order, the event and the rule; nothing is
half-applied."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from conftest import e, log, t

import tradeclock as tc

PLACED = e("placed", "2026-11-01 10:00", amount="100.00")
PAID = e("paid", "2026-11-01 10:05")
SHIPPED = e("shipped", "2026-11-02 09:00")


def _err(obj: object, **kw: object) -> tc.TradeclockError:
    with pytest.raises(tc.TradeclockError) as exc:
        tc.load(obj, **kw)  # type: ignore[arg-type]
    return exc.value


def test_malformed_json() -> None:
    err = _err('{"id": "A", "rules": "taobao", "events": [}')
    assert (err.kind, err.event_index) == ("invalid_input", None)
    assert "malformed JSON" in err.message and "line 1" in err.message


def test_missing_file() -> None:
    err = _err(Path("/nonexistent/order.json"))
    assert err.kind == "invalid_input" and "cannot read" in err.message
    err = _err("/nonexistent/order.json")  # a str: neither JSON nor an existing file
    assert err.kind == "invalid_input" and "neither JSON nor the path" in err.message


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ("[]", "must be a JSON object"),
        (42, "given as a mapping, JSON text"),
        ({"rules": "taobao", "events": [PLACED]}, "needs an 'id'"),
        ({"id": "A", "events": [PLACED]}, "'rules' must name a rule set"),
        ({"id": "A", "rules": "taobao", "events": [PLACED], "extra": 1}, "unknown keys"),
        ({"id": "A", "rules": "jd", "events": [PLACED]}, "unknown rule set 'jd'"),
        ({"id": "A", "rules": "taobao", "events": []}, "empty"),
        ({"id": "A", "rules": "taobao"}, "empty"),
    ],
)
def test_bad_log_shape(data: object, match: str) -> None:
    err = _err(data)
    assert err.kind == "invalid_input" and err.event_index is None
    assert match in err.message


@pytest.mark.parametrize(
    ("event", "match"),
    [
        ({"at": "2026-11-01T10:05:00+08:00"}, "no 'type'"),
        ({"type": "teleported", "at": "2026-11-01T10:05:00+08:00"}, "unknown event type"),
        ({"type": "paid"}, "no 'at'"),
        ({"type": "paid", "at": "2026-11-01T10:05:00"}, "no UTC offset"),
        ({"type": "paid", "at": "yesterday"}, "not an ISO-8601 date-time"),
        ({"type": "paid", "at": 1762000000}, "must be an ISO-8601 string"),
        ({"type": "paid", "at": "2026-11-01T10:05:00+08:00", "amount": "1"}, "unknown field"),
        (
            {"type": "shipped", "at": "2026-11-02T09:00:00+08:00", "method": "pigeon"},
            "not one of: express",
        ),
        ({"type": "receipt_extended", "at": "2026-11-02T09:00:00+08:00"}, "missing by"),
        ({"type": "return_shipped", "at": "2026-11-02T09:00:00+08:00"}, "missing tracking_no"),
        (
            {"type": "refund_requested", "at": "2026-11-02T09:00:00+08:00", "return_goods": "yes"},
            "true or false",
        ),
        (
            {"type": "refund_requested", "at": "2026-11-02T09:00:00+08:00", "reason": "bored"},
            "not one of",
        ),
        (
            {"type": "refund_requested", "at": "2026-11-02T09:00:00+08:00", "amount": "-1.00"},
            "not an amount in yuan",
        ),
        (
            {"type": "refund_requested", "at": "2026-11-02T09:00:00+08:00", "amount": "ten"},
            "not an amount in yuan",
        ),
        (
            {"type": "refund_requested", "at": "2026-11-02T09:00:00+08:00", "amount": 10.5},
            "float is not exact",
        ),
        (
            {"type": "refund_requested", "at": "2026-11-02T09:00:00+08:00", "amount": "1.005"},
            "at most 2 decimals",
        ),
        (
            {"type": "refund_requested", "at": "2026-11-02T09:00:00+08:00", "amount": "NaN"},
            "not an amount in yuan",
        ),
        (
            {"type": "refund_requested", "at": "2026-11-02T09:00:00+08:00", "amount": "0"},
            "more than 0",
        ),
        (
            {"type": "refund_requested", "at": "2026-11-02T09:00:00+08:00", "amount": "100.01"},
            "more than the 100.00 still refundable",
        ),
        ("paid", "must be a JSON object"),
    ],
)
def test_bad_event_names_order_and_index(event: object, match: str) -> None:
    err = _err(log(PLACED, PAID, SHIPPED, event, id="E1"))
    assert err.kind == "invalid_input", err.message
    assert err.event_index == 3 and err.order_id == "E1"
    assert match in err.message
    assert err.message.startswith("order E1")


@pytest.mark.parametrize(
    ("placed", "match"),
    [
        (
            {"type": "placed", "at": "2026-11-01T10:00:00+08:00", "pay_within": "soon"},
            "not an ISO-8601 duration",
        ),
        ({"type": "placed", "at": "2026-11-01T10:00:00+08:00", "pay_within": "PT0S"}, "positive"),
        ({"type": "placed", "at": "2026-11-01T10:00:00+08:00", "amount": -5}, "negative"),
    ],
)
def test_bad_placed(placed: dict, match: str) -> None:
    err = _err(log(placed))
    assert (err.kind, err.event_index) == ("invalid_input", 0)
    assert match in err.message


def test_partial_refund_needs_an_order_amount() -> None:
    err = _err(
        log(
            e("placed", "2026-11-01 10:00"),
            PAID,
            e("refund_requested", "2026-11-01 11:00", amount="5"),
        )
    )
    assert (err.kind, err.rule, err.event_index) == ("invalid_input", "refund.amount", 2)


def test_out_of_order() -> None:
    err = _err(log(PLACED, PAID, e("shipped", "2026-11-01 10:04")))
    assert (err.kind, err.event_index) == ("out_of_order", 2)
    assert "earlier than the event before it" in err.message


def test_same_instant_twice_is_in_order() -> None:
    order = tc.load(log(PLACED, e("paid", "2026-11-01 10:00")))
    assert order.status(t("2026-11-01 10:00")).state == "paid"


@pytest.mark.parametrize(
    ("events", "index", "rule"),
    [
        ([PAID], 0, "order.first_event"),
        ([PLACED, PLACED], 1, "order.first_event"),
        ([PLACED, SHIPPED], 1, "order.graph"),
        ([PLACED, PAID, e("signed", "2026-11-02 09:00")], 2, "order.graph"),
        ([PLACED, PAID, e("confirmed", "2026-11-02 09:00")], 2, "order.graph"),
    ],
)
def test_not_allowed_in_state(events: list, index: int, rule: str) -> None:
    err = _err(log(*events))
    assert (err.kind, err.event_index, err.rule) == ("not_allowed", index, rule)
    assert "is not allowed" in err.message and err.message.startswith("order T1:")


def test_not_allowed_after_auto_close_names_the_rule() -> None:
    err = _err(log(PLACED, e("paid", "2026-11-04 10:00")))
    assert err.rule == "pay.unpaid_close" and err.state == "closed"
    assert "closed automatically at 2026-11-04 10:00" in err.message


def test_failed_apply_leaves_the_order_untouched() -> None:
    order = tc.load(log(PLACED, PAID))
    before = order.status(t("2026-11-05 00:00")).to_dict()
    for bad in [
        e("paid", "2026-11-01 11:00"),
        {"type": "shipped"},
        e("shipped", "2026-11-01 09:00"),
    ]:
        with pytest.raises(tc.TradeclockError):
            order.apply(bad)
    assert order.status(t("2026-11-05 00:00")).to_dict() == before
    assert len(order.events) == 2


def test_now_must_be_aware() -> None:
    order = tc.load(log(PLACED))
    with pytest.raises(tc.InvalidInput, match=r"now .* no UTC offset"):
        order.status("2026-11-01T12:00:00")
    from datetime import datetime

    with pytest.raises(tc.InvalidInput, match="no UTC offset"):
        order.status(datetime(2026, 11, 1, 12))


def test_when_unknown_event() -> None:
    with pytest.raises(tc.InvalidInput, match="unknown automatic event"):
        tc.load(log(PLACED)).when("explode", t("2026-11-01 12:00"))


def test_custom_rule_set_name_must_match() -> None:
    shop = tc.TAOBAO.with_overrides({}, name="shop")
    err = _err(log(PLACED, rules="other"), rules=shop)
    assert "unknown rule set 'other'" in err.message and "shop" in err.message


@pytest.mark.parametrize("cls", [tc.InvalidInput, tc.OutOfOrder, tc.NotAllowed])
def test_errors_pickle_with_their_fields(cls: type[tc.TradeclockError]) -> None:
    err = cls("msg", order_id="A", event_index=2, event_type="paid", rule="r", state="placed")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls and back.to_dict() == err.to_dict()
    assert json.dumps(back.to_dict())
