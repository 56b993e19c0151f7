"""The rules between timers (RULES.md § Rules between timers) and the replay discipline."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from conftest import e, fired, log, t, upcoming
from hypothesis import given, settings

import tradeclock as tc
from tradeclock._rules import FACTS
from tradeclock.testing import instants

D = timedelta(days=1)
PLACED = e("placed", "2026-11-01 10:00", amount="100.00")
PAID = e("paid", "2026-11-01 10:05")
SHIPPED = e("shipped", "2026-11-02 09:00")  # auto-confirm due 2026-11-12 09:00
SIGNED = e("signed", "2026-11-04 14:00")  # no-reason window ends 2026-11-12 00:00
DELIVERED = [PLACED, PAID, SHIPPED, SIGNED]


def test_shipping_closes_a_pending_unshipped_refund() -> None:
    # seed 002 § 四.常見問題.1
    order = tc.load(
        log(
            PLACED,
            PAID,
            e("refund_requested", "2026-11-01 12:00"),
            e("shipped", "2026-11-02 09:00"),
        )
    )
    st = order.status(t("2026-11-02 10:00"))
    assert (st.state, st.refund.state) == ("shipped", "closed")
    assert upcoming(st) == {"auto_confirm": t("2026-11-12 09:00")}
    assert st.auto_confirm_paused_left is None


def test_auto_confirm_pauses_during_a_refund_and_resumes_with_the_time_left() -> None:
    # requested with 6 days left; cancelled 4 days later: due 6 days after the cancel
    order = tc.load(
        log(
            PLACED,
            PAID,
            SHIPPED,
            e("refund_requested", "2026-11-06 09:00", reason="quality"),
            e("refund_cancelled", "2026-11-10 09:00"),
        )
    )
    paused = tc.load(log(*[ev for ev in order.events[:4]], rules="taobao"))
    mid = paused.status(t("2026-11-08 09:00"))
    assert "auto_confirm" not in upcoming(mid)
    assert mid.auto_confirm_paused_left == 6 * D
    assert order.when("auto_confirm", t("2026-11-10 09:00")) == t("2026-11-16 09:00")


@pytest.mark.parametrize(
    "end",
    [
        [e("refund_refused", "2026-11-07 09:00")],  # then refund_close 7 d later
        [
            e("refund_refused", "2026-11-07 09:00"),
            e("intervention_requested", "2026-11-08 09:00", by="buyer"),
            e("intervention_ruled", "2026-11-14 09:00", outcome="no_refund"),
        ],
    ],
)
def test_refund_closing_without_success_resumes_the_countdown(end: list) -> None:
    order = tc.load(
        log(
            PLACED, PAID, SHIPPED, e("refund_requested", "2026-11-06 09:00", reason="quality"), *end
        )
    )
    st = order.status(t("2026-11-20 00:00"))
    assert st.refund.state == "closed"
    closed_at = fired(st).get("refund_close", t("2026-11-14 09:00"))
    assert upcoming(st) == {"auto_confirm": closed_at + 6 * D}


def test_full_refund_closes_the_order() -> None:
    # seed 002 § 四.4.B
    order = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-05 09:00", reason="quality"),
            e("refund_agreed", "2026-11-05 10:00"),
        )
    )
    st = order.status(t("2026-11-05 10:00"))
    assert (st.state, st.refund.state, st.refunded) == ("closed", "success", Decimal("100.00"))
    assert st.upcoming == ()


def test_partial_refund_lets_the_order_go_on() -> None:
    order = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-05 09:00", reason="quality", amount="30"),
            e("refund_agreed", "2026-11-06 09:00"),
        )
    )
    st = order.status(t("2026-11-06 09:00"))
    assert (st.state, st.refund.state, st.refunded) == ("signed", "success", Decimal("30"))
    # paused at 11-05 09:00 with 7 days left; resumes at 11-06 09:00
    assert upcoming(st)["auto_confirm"] == t("2026-11-13 09:00")
    # a second refund of the rest closes the order
    rest = order.apply(
        e("refund_requested", "2026-11-07 09:00", reason="quality", amount="70.00")
    ).apply(e("refund_agreed", "2026-11-07 10:00"))
    assert rest.status(t("2026-11-07 10:00")).state == "closed"


def test_refund_amount_cannot_exceed_what_is_refundable() -> None:
    order = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-05 09:00", reason="quality", amount="30"),
            e("refund_agreed", "2026-11-06 09:00"),
        )
    )
    with pytest.raises(tc.InvalidInput, match=r"more than the 70\.00 still refundable") as exc:
        order.apply(e("refund_requested", "2026-11-07 09:00", reason="quality", amount="70.01"))
    assert (exc.value.rule, exc.value.event_index) == ("refund.amount", 6)


def test_no_refund_after_success() -> None:
    # seed 002 § 四.3
    order = tc.load(log(*DELIVERED, e("confirmed", "2026-11-05 09:00")))
    with pytest.raises(tc.NotAllowed, match="no refund can be requested after success") as exc:
        order.apply(e("refund_requested", "2026-11-06 09:00", reason="quality"))
    assert exc.value.rule == "refund.none_after_success"


def test_one_open_refund_at_a_time_and_a_new_one_after() -> None:
    first = tc.load(log(*DELIVERED, e("refund_requested", "2026-11-05 09:00", reason="quality")))
    with pytest.raises(tc.NotAllowed, match="still open") as exc:
        first.apply(e("refund_requested", "2026-11-05 10:00", reason="other"))
    assert exc.value.rule == "refund.one_open"
    second = first.apply(e("refund_cancelled", "2026-11-05 11:00")).apply(
        e("refund_requested", "2026-11-05 12:00", reason="other")
    )
    assert second.status(t("2026-11-05 12:00")).refund.number == 2


def test_seller_refuses_only_after_shipping() -> None:
    with pytest.raises(tc.NotAllowed) as exc:
        tc.load(
            log(
                PLACED,
                PAID,
                e("refund_requested", "2026-11-01 12:00"),
                e("refund_refused", "2026-11-01 13:00"),
            )
        )
    assert exc.value.rule == "refund.no_refuse_before_shipping"
    ok = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-05 09:00", reason="quality"),
            e("refund_refused", "2026-11-05 10:00"),
        )
    )
    assert ok.status(t("2026-11-05 10:00")).refund.state == "seller_refused"


def test_no_reason_return_only_inside_its_window() -> None:
    inside = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-11 23:59", return_goods=True, reason="no_reason"),
        )
    )
    assert inside.status(t("2026-11-12 00:00")).refund.state == "wait_seller_agree"
    with pytest.raises(tc.NotAllowed, match="window ended at 2026-11-12 00:00") as exc:
        tc.load(
            log(
                *DELIVERED,
                e("refund_requested", "2026-11-12 00:00", return_goods=True, reason="no_reason"),
            )
        )
    assert exc.value.rule == "return.no_reason_window"
    # a reasoned return is still possible after the window
    later = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-12 00:00", return_goods=True, reason="quality"),
        )
    )
    assert later.status(t("2026-11-12 00:00")).refund.state == "wait_seller_agree"


def test_an_event_after_an_automatic_one_is_judged_against_the_new_state() -> None:
    order = tc.load(log(PLACED, PAID, e("refund_requested", "2026-11-11 09:00")))
    with pytest.raises(tc.NotAllowed) as exc:
        order.apply(e("refund_agreed", "2026-11-13 09:01"))
    assert exc.value.message == (
        "order T1: refund_agreed at 2026-11-13 09:01 is not allowed: the refund already "
        "succeeded automatically at 2026-11-13 09:00 (refund.unshipped_seller_timeout)"
    )
    assert exc.value.rule == "refund.unshipped_seller_timeout"


def test_a_timer_due_at_the_event_instant_fires_first() -> None:
    # auto_close at 10:30 and a payment at 10:30: the order is already closed
    order = tc.load(log(e("placed", "2026-11-20 10:00", pay_within="PT30M")))
    with pytest.raises(tc.NotAllowed, match="closed automatically at 2026-11-20 10:30"):
        order.apply(e("paid", "2026-11-20 10:30"))
    assert order.apply(e("paid", "2026-11-20 10:29")).status(t("2026-11-20 10:30")).state == "paid"


def test_cancel_before_payment_closes() -> None:
    order = tc.load(log(PLACED, e("cancelled", "2026-11-01 11:00", by="buyer")))
    st = order.status(t("2026-11-10 00:00"))
    assert st.state == "closed" and st.fired == () and st.upcoming == ()
    with pytest.raises(tc.NotAllowed, match=r"order\.graph"):
        tc.load(log(PLACED, PAID, e("cancelled", "2026-11-01 11:00")))


def test_same_reason_refused_after_return_timeout() -> None:
    # rule: dispute rules art. 43
    order = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-05 09:00", return_goods=True, reason="quality"),
            e("refund_agreed", "2026-11-05 10:00"),
        )
    )
    assert order.status(t("2026-11-12 10:00")).refund.state == "closed"
    with pytest.raises(tc.NotAllowed) as exc:
        order.apply(e("refund_requested", "2026-11-12 11:00", reason="quality"))
    assert exc.value.rule == "refund.same_reason_after_return_timeout"
    other = order.apply(e("refund_requested", "2026-11-12 11:00", reason="not_as_described"))
    assert other.status(t("2026-11-12 11:00")).refund.number == 2


def test_return_needs_shipment() -> None:
    with pytest.raises(tc.NotAllowed) as exc:
        tc.load(log(PLACED, PAID, e("refund_requested", "2026-11-01 12:00", return_goods=True)))
    assert exc.value.rule == "refund.return_needs_shipment"


def test_confirming_receipt_closes_an_open_refund() -> None:
    order = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-05 09:00", reason="quality"),
            e("confirmed", "2026-11-06 09:00"),
        )
    )
    st = order.status(t("2026-11-06 09:00"))
    assert (st.state, st.refund.state) == ("success", "closed")
    # only the ratings and the law's no-reason window (it outlives success) remain
    assert {d.event for d in st.upcoming} == {"rating_window_end", "legal_return_window_end"}


def test_modifying_a_refused_request_restarts_the_sellers_clock() -> None:
    order = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-05 09:00", reason="quality"),
            e("refund_refused", "2026-11-06 09:00"),
            e("refund_modified", "2026-11-07 09:00", return_goods=True),
        )
    )
    st = order.status(t("2026-11-07 09:00"))
    assert st.refund.state == "wait_seller_agree" and st.refund.return_goods
    assert upcoming(st)["auto_agree"] == t("2026-11-12 09:00")


def test_return_flow_to_success() -> None:
    order = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-05 09:00", return_goods=True, reason="no_reason"),
            e("refund_agreed", "2026-11-05 10:00"),
            e("return_shipped", "2026-11-06 10:00", tracking_no="YT123"),
            e("return_received", "2026-11-08 10:00"),
        )
    )
    st = order.status(t("2026-11-08 10:00"))
    assert (st.state, st.refund.state) == ("closed", "success")


def test_intervention_guards() -> None:
    refused = tc.load(
        log(
            *DELIVERED,
            e("refund_requested", "2026-11-05 09:00", reason="quality"),
            e("refund_refused", "2026-11-06 09:00"),
        )
    )
    with pytest.raises(tc.NotAllowed, match="no platform intervention") as exc:
        refused.apply(e("intervention_ruled", "2026-11-07 09:00", outcome="refund"))
    assert exc.value.rule == "refund.intervention"
    asked = refused.apply(e("intervention_requested", "2026-11-07 09:00"))
    with pytest.raises(tc.NotAllowed, match="already requested"):
        asked.apply(e("intervention_requested", "2026-11-07 10:00"))
    # the buyer's 7-day clock stops once the platform is asked
    assert "refund_close" not in upcoming(asked.status(t("2026-11-07 09:00")))


def test_refund_events_without_a_refund() -> None:
    with pytest.raises(tc.NotAllowed, match="no refund has been requested") as exc:
        tc.load(log(*DELIVERED, e("refund_agreed", "2026-11-05 09:00")))
    assert exc.value.rule == "refund.graph"


def test_status_before_the_last_event_replays_only_the_past() -> None:
    order = tc.load(log(*DELIVERED, e("confirmed", "2026-11-05 09:00")))
    early = order.status(t("2026-11-03 00:00"))
    assert early.state == "shipped"
    assert upcoming(early) == {"auto_confirm": t("2026-11-12 09:00")}


def test_orders_are_immutable_values() -> None:
    order = tc.load(log(PLACED, PAID))
    after = order.apply(SHIPPED)
    assert len(order.events) == 2 and len(after.events) == 3
    assert order.status(t("2026-11-02 10:00")).state == "paid"
    with pytest.raises(tc.NotAllowed):
        order.apply(e("signed", "2026-11-02 10:00"))
    # a refused event leaves the order as it was
    assert order.status(t("2026-11-02 10:00")).state == "paid"
    assert order == tc.load(log(PLACED, PAID))


def test_order_new_then_apply() -> None:
    order = tc.Order.new("N1", "tmall").apply(PLACED).apply(PAID)
    assert order.when("dispatch_due", t("2026-11-01 11:00")) == t("2026-11-04 10:05")
    with pytest.raises(tc.InvalidInput, match="empty"):
        tc.Order.new("N2").status(t("2026-11-01 11:00"))


def test_python_event_objects_are_validated() -> None:
    from datetime import datetime

    naive = tc.Event(tc.EventType.PAID, datetime(2026, 11, 1, 10, 5))
    with pytest.raises(tc.InvalidInput, match="no UTC offset") as exc:
        tc.load(log(PLACED)).apply(naive)
    assert exc.value.event_index == 1
    ok = tc.Event(tc.EventType.PAID, t("2026-11-01 10:05"))
    assert tc.load(log(PLACED)).apply(ok).status(t("2026-11-01 10:05")).state == "paid"


def test_ties_fire_in_rule_table_order() -> None:
    # An 8-day auto-confirm from 2026-11-02 00:00 and the no-reason window of a 11-02 signing
    # (11-03 00:00 + 168 h) both end at 2026-11-10 00:00. auto_confirm comes first in the rule
    # table, so it fires; the order is then a success and the window timer is gone.
    shop = tc.TAOBAO.with_overrides({"confirm.auto_confirm": "P8D"}, name="s8")
    order = tc.load(
        log(
            PLACED,
            PAID,
            e("shipped", "2026-11-02 00:00"),
            e("signed", "2026-11-02 12:00"),
            rules="s8",
        ),
        rules=shop,
    )
    before = order.status(t("2026-11-09 23:59"))
    assert upcoming(before) == {
        "auto_confirm": t("2026-11-10 00:00"),
        "return_window_end": t("2026-11-10 00:00"),
        "legal_return_window_end": t("2026-11-10 00:00"),  # 11-03 + 7 days, a Monday: the same
    }
    assert [d.event for d in before.upcoming] == [
        "auto_confirm",
        "return_window_end",
        "legal_return_window_end",
    ]
    st = order.status(t("2026-11-10 00:00"))
    # the platform's window died with success; the law's outlives it and ends at that instant
    assert [f.event for f in st.fired] == ["auto_confirm", "legal_return_window_end"]
    assert st.state == "success"


@pytest.mark.parametrize(
    ("fields", "allowed", "why"),
    [
        ({"amount": "599.99"}, False, "below the 600.00 yuan"),
        ({"amount": "600.00"}, True, "at least 600.00"),
        ({"amount": "600"}, True, "at least 600.00"),
        ({"amount": "9999.00", "flash_sale": True}, False, "never offered for a flash-sale order"),
        ({}, False, "gives no amount"),
    ],
)
def test_instalment_eligibility(fields: dict, allowed: bool, why: str) -> None:
    # pay.instalment_minimum: seed 001 § 1.3
    order = tc.load(log(e("placed", "2026-11-01 10:00", **fields)))
    answer = order.instalments_allowed()
    assert isinstance(answer, tc.Instalments)
    ok, reason = answer.allowed, answer.reason
    assert ok is allowed and why in reason and "pay.instalment_minimum" in reason
    status = order.status(t("2026-11-01 10:00"))  # status carries the same answer
    assert (status.instalments.allowed, status.instalments.reason) == (ok, reason)
    assert status.to_dict()["instalments"] == {"allowed": ok, "reason": reason}


def test_surface_mail_auto_confirm_resumes_with_the_time_it_had_left() -> None:
    # confirm.auto_confirm.surface_mail pauses too, and resumes "remaining" (ADR 0003)
    o = tc.load(
        log(
            e("placed", "2026-11-01 10:00"),
            e("paid", "2026-11-01 10:05"),
            e("shipped", "2026-11-02 10:00", method="surface_mail"),
            e("refund_requested", "2026-11-05 10:00", reason="quality"),
            e("refund_cancelled", "2026-11-07 10:00"),
        )
    )
    # 30 days from 11-02, 27 days left at the request, resumed at 11-07: 12-04
    assert o.when("auto_confirm", t("2026-11-07 11:00")) == t("2026-12-04 10:00")


IN_TRANSIT = [
    e("placed", "2026-11-01 10:00"),
    e("paid", "2026-11-01 10:05"),
    e("shipped", "2026-11-02 10:00"),
]


def test_a_refund_only_request_runs_only_the_refund_only_timer() -> None:
    o = tc.load(log(*IN_TRANSIT, e("refund_requested", "2026-11-03 10:00", reason="quality")))
    refund = [
        (d.event, d.rule)
        for d in o.status(t("2026-11-03 11:00")).upcoming
        if d.rule.startswith("refund.")
    ]
    assert refund == [("auto_refund", "refund.refund_only_seller_timeout")]


RETURNING = [
    *IN_TRANSIT,
    e("refund_requested", "2026-11-03 10:00", return_goods=True, reason="quality"),
    e("refund_agreed", "2026-11-03 12:00"),
]


def test_shipping_the_return_in_time_ends_the_buyer_s_clock() -> None:
    o = tc.load(log(*RETURNING, e("return_shipped", "2026-11-05 10:00", tracking_no="YT1")))
    later = o.status(t("2026-11-11 12:00"))  # past the 7 days from the agreement
    assert later.refund.state == "wait_seller_confirm"
    assert "refund_close" not in {f.event for f in later.fired} | {d.event for d in later.upcoming}


@pytest.mark.parametrize(("method", "days"), [("express", 10), ("surface_mail", 30)])
def test_refusing_the_returned_goods_ends_the_seller_s_receipt_clock(
    method: str, days: int
) -> None:
    o = tc.load(
        log(
            *RETURNING,
            e("return_shipped", "2026-11-05 10:00", tracking_no="YT1", method=method),
            e("refund_refused", "2026-11-06 10:00"),
        )
    )
    status = o.status(t("2026-11-06 11:00"))
    assert status.refund.state == "seller_refused"
    assert "auto_refund" not in {d.event for d in status.upcoming}
    after = o.status(t("2026-11-05 10:00") + timedelta(days=days, hours=1))
    assert "auto_refund" not in {f.event for f in after.fired}


def _compiled_due(rs: tc.RuleSet, spec: Any, start: Any) -> Any:
    """The deadline the engine's compiled code gives ``spec``'s timer started at ``start``."""
    from types import SimpleNamespace

    from tradeclock._engine import _compile, _Signal

    handler = _compile([_Signal("probe", ((), (spec,)), (), "ev")], "probe", rs.tz)
    refund = SimpleNamespace(
        requested_at=start, running={}, ended={}, state=None, **dict.fromkeys(_FACT_ATTRS)
    )
    holder = SimpleNamespace(running={}, ended={}, next_due=None, refund=refund, state=None)
    for name in _FACT_ATTRS:
        setattr(holder, name, None)
    target = holder if spec[1] else refund
    target.state = spec[3][0] if spec[3] else None  # a state the timer runs in
    for attr, want, negated, _ in spec[4]:  # make its `when` hold
        setattr(target, attr, want if not negated else object())
    handler(holder, start, None)
    clock = target.running.get(spec[0])
    return None if clock is None else clock[0]


_FACT_ATTRS = sorted({fact[1] for fact in FACTS.values()})


@pytest.mark.parametrize("preset", ["taobao", "tmall", "wechat_shop"])
@given(start=instants())
@settings(max_examples=40, deadline=None)
def test_compiled_deadlines_are_the_rule_tables(preset: str, start: Any) -> None:
    # the compiled handlers write Rule.deadline's two forms out: for every timer of every
    # preset (but the law's rest-day kind, which calls the code), both give the same instant
    rs = tc.get_rules(preset)
    specs = {spec[0]: spec for _, found in rs.plan.items() for spec in found[1]}
    checked = 0
    for rid, spec in specs.items():
        rule = rs.rules[rid]
        if rule.extends_over_rest_days or spec[5] is not None:  # rest days; only_before
            continue
        assert _compiled_due(rs, spec, start) == rule.deadline(start, rs.tz), rid
        checked += 1
    assert checked >= 10
