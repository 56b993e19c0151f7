"""Intervention clocks: 3 days for both sides' evidence (refund.intervention_evidence) and 24
hours for the seller after the buyer adds evidence (refund.intervention_seller_reply), shown as
informational deadlines until the platform rules."""

from __future__ import annotations

import pytest
from conftest import e, log, t

import tradeclock as tc

PRESETS = {"taobao": tc.TAOBAO, "tmall": tc.TMALL}
REFUSED = [
    e("placed", "2026-11-01 10:00"),
    e("paid", "2026-11-01 10:05"),
    e("shipped", "2026-11-02 10:00"),
    e("refund_requested", "2026-11-03 10:00", reason="quality"),
    e("refund_refused", "2026-11-03 12:00"),
    e("intervention_requested", "2026-11-04 10:00", by="buyer"),
]


@pytest.fixture(params=["taobao", "tmall"])
def rs(request: pytest.FixtureRequest) -> tc.RuleSet:
    return PRESETS[request.param]


def order(rs: tc.RuleSet, *extra: dict) -> tc.Order:
    return tc.load(log(*REFUSED, *extra, rules=rs.name), rules=rs)


def test_the_sellers_24_hours_after_the_buyers_evidence(rs: tc.RuleSet) -> None:
    o = order(rs, e("evidence_added", "2026-11-05 09:00", by="buyer"))
    status = o.status(t("2026-11-05 10:00"))
    assert [(d.event, d.at, d.rule) for d in status.upcoming] == [
        ("seller_evidence_due", t("2026-11-06 09:00"), "refund.intervention_seller_reply"),
        ("evidence_due", t("2026-11-07 10:00"), "refund.intervention_evidence"),
    ]
    d = status.deadline("seller_evidence_due")
    assert d.informational and d.stoppable_by == ("seller",)
    at = o.status(t("2026-11-06 09:00"))  # it passes: shown as happened, nothing changes
    assert ("seller_evidence_due", t("2026-11-06 09:00")) in {(f.event, f.at) for f in at.fired}
    assert at.refund.state == "seller_refused"


def test_the_sellers_answer_or_the_ruling_stops_it(rs: tc.RuleSet) -> None:
    answered = order(
        rs,
        e("evidence_added", "2026-11-05 09:00", by="buyer"),
        e("evidence_added", "2026-11-05 20:00", by="seller"),
    )
    assert answered.status(t("2026-11-05 21:00")).deadline("seller_evidence_due") is None
    ruled = order(
        rs,
        e("evidence_added", "2026-11-05 09:00", by="buyer"),
        e("intervention_ruled", "2026-11-05 12:00", outcome="no_refund"),
    )
    status = ruled.status(t("2026-11-06 12:00"))
    assert status.refund.state == "closed" and status.deadline("seller_evidence_due") is None
    assert "seller_evidence_due" not in {f.event for f in status.fired}


def test_new_buyer_evidence_restarts_the_sellers_clock(rs: tc.RuleSet) -> None:
    o = order(
        rs,
        e("evidence_added", "2026-11-05 09:00", by="buyer"),
        e("evidence_added", "2026-11-05 18:00", by="buyer"),
    )
    assert o.when("seller_evidence_due", t("2026-11-05 19:00")) == t("2026-11-06 18:00")


def test_evidence_needs_an_intervention_and_a_party(rs: tc.RuleSet) -> None:
    with pytest.raises(tc.NotAllowed, match="intervention, which was not requested"):
        tc.load(
            log(*REFUSED[:5], e("evidence_added", "2026-11-04 09:00", by="buyer"), rules=rs.name),
            rules=rs,
        )
    with pytest.raises(tc.InvalidInput, match="only the buyer and the seller add evidence"):
        order(rs, e("evidence_added", "2026-11-05 09:00", by="carrier"))


def test_no_evidence_clock_without_intervention(rs: tc.RuleSet) -> None:
    # refund.intervention_evidence runs only once intervention was asked for (when)
    o = tc.load(log(*REFUSED[:5], rules=rs.name), rules=rs)
    assert [
        d.event
        for d in o.status(t("2026-11-03 13:00")).upcoming
        if d.event.endswith("evidence_due")
    ] == []


RETURN_REFUSED = [
    ev if ev["type"] != "refund_requested" else {**ev, "return_goods": True} for ev in REFUSED
]


def returned(rs: tc.RuleSet, *extra: dict) -> tc.Order:
    return tc.load(log(*RETURN_REFUSED, *extra, rules=rs.name), rules=rs)


def test_the_evidence_clock_ends_when_the_seller_agrees_after_all(rs: tc.RuleSet) -> None:
    # runs_in seller_refused: agreeing (a return) leaves it, so evidence is no longer due
    o = returned(rs, e("refund_agreed", "2026-11-04 12:00"))
    later = o.status(t("2026-11-08 10:00"))
    assert later.refund.state == "wait_buyer_return"
    assert "evidence_due" not in {f.event for f in later.fired} | {d.event for d in later.upcoming}


def test_a_refusal_after_intervention_starts_no_buyer_timeout(rs: tc.RuleSet) -> None:
    # the seller agreed during intervention, the buyer returned the goods, the seller refused
    # them: the platform is already involved, so no 7-day close for the buyer (when
    # intervention = false), and the evidence clock starts again from the refusal (once)
    o = returned(
        rs,
        e("refund_agreed", "2026-11-04 11:00"),
        e("return_shipped", "2026-11-04 15:00", tracking_no="YT1"),
        e("refund_refused", "2026-11-05 10:00"),
    )
    status = o.status(t("2026-11-05 11:00"))
    assert status.refund.state == "seller_refused" and status.refund.intervention
    assert [(d.event, d.at) for d in status.upcoming] == [("evidence_due", t("2026-11-08 10:00"))]
