"""The law's 7-day no-reason window beside the platform's 168 hours (暂行办法 art. 10: 7 calendar
days from the day after signing, to 24:00 of the 7th; Civil Code arts. 201, 203: a last day on a
statutory rest day moves to the day after the rest ends), across the 2025 and 2026 holidays."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import e, log, t

import tradeclock as tc
from tradeclock._law import legal_window_end

PRESETS = {"taobao": tc.TAOBAO, "tmall": tc.TMALL}


@pytest.fixture(params=["taobao", "tmall"])
def rs(request: pytest.FixtureRequest) -> tc.RuleSet:
    return PRESETS[request.param]


def signed(rs: tc.RuleSet, when: str) -> tc.Order:
    """An order shipped the day before ``when`` and signed for at ``when`` (local time)."""
    at = t(when)
    events = [
        {"type": "placed", "at": (at - timedelta(days=2)).isoformat()},
        {"type": "paid", "at": (at - timedelta(days=2)).isoformat()},
        {"type": "shipped", "at": (at - timedelta(days=1)).isoformat()},
        {"type": "signed", "at": at.isoformat()},
    ]
    return tc.load(log(*events, rules=rs.name), rules=rs)


@pytest.mark.parametrize(
    ("signed_at", "platform_end", "legal_end"),
    [
        # a plain week: both end at the same instant (art. 10 and the platform's 168 h agree)
        ("2026-11-16 15:00", "2026-11-24 00:00", "2026-11-24 00:00"),
        # the 7th day a Saturday: the law moves it to Monday (Civil Code art. 203)
        ("2026-11-14 15:00", "2026-11-22 00:00", "2026-11-24 00:00"),
        # National Day 2025 (1-8 Oct off): the 7th day is 3 Oct, the rest ends on the 8th
        ("2025-09-26 15:00", "2025-10-04 00:00", "2025-10-10 00:00"),
        # National Day 2026 (1-7 Oct off)
        ("2026-09-26 15:00", "2026-10-04 00:00", "2026-10-09 00:00"),
        # Spring Festival 2025 (28 Jan - 4 Feb off)
        ("2025-01-24 15:00", "2025-02-01 00:00", "2025-02-06 00:00"),
        # Spring Festival 2026 (15-23 Feb off)
        ("2026-02-10 15:00", "2026-02-18 00:00", "2026-02-25 00:00"),
        # the 7th day a make-up working Saturday (14 Feb 2026): not a rest day, no move
        ("2026-02-07 15:00", "2026-02-15 00:00", "2026-02-15 00:00"),
    ],
)
def test_both_windows(rs: tc.RuleSet, signed_at: str, platform_end: str, legal_end: str) -> None:
    order = signed(rs, signed_at)
    status = order.status(t(signed_at) + timedelta(minutes=1))
    platform = status.deadline("return_window_end")
    legal = status.deadline("legal_return_window_end")
    assert platform is not None and legal is not None
    assert (platform.at, legal.at) == (t(platform_end), t(legal_end))
    assert (legal.rule, legal.informational, legal.approximate) == (
        "law.no_reason_window",
        True,
        False,
    )
    assert "law-7day art. 10" in legal.source and "law-civil arts. 201, 203" in legal.source


def test_the_legal_window_outlives_success_and_fires_without_a_state_change(rs: tc.RuleSet) -> None:
    order = signed(rs, "2025-09-26 15:00").apply(e("confirmed", "2025-09-27 10:00"))
    status = order.status(t("2025-10-05 00:00"))
    assert status.state == "success"
    assert status.deadline("legal_return_window_end").at == t("2025-10-10 00:00")
    after = order.status(t("2025-10-10 00:00"))
    assert after.state == "success" and ("legal_return_window_end", t("2025-10-10 00:00")) in {
        (f.event, f.at) for f in after.fired
    }


def test_explanations_state_both_windows(rs: tc.RuleSet) -> None:
    order = signed(rs, "2025-09-26 15:00")
    zh = order.explain(t("2025-09-27 00:00"), "zh")
    en = order.explain(t("2025-09-27 00:00"), "en")
    assert "七天无理由退货期结束" in zh and "法定七日无理由退货期结束" in zh
    assert "the 7-day no-reason return window ends" in en and "legal 7-day" in en


def test_a_year_without_calendar_data_is_flagged() -> None:
    # signed 2026-12-28: the 7th day is 2027-01-04, a year the calendar has no data for
    end, approximate = legal_window_end(tc.TAOBAO, t("2026-12-28 10:00"))
    assert approximate and end == t("2027-01-05 00:00")
    status = signed(tc.TAOBAO, "2026-12-28 10:00").status(t("2026-12-29 00:00"))
    assert status.deadline("legal_return_window_end").approximate
    assert not status.deadline("return_window_end").approximate


def test_a_custom_rule_set_must_count_whole_days() -> None:
    with pytest.raises(tc.InvalidInput, match="counts calendar days: give whole days"):
        tc.TAOBAO.with_overrides({"law.no_reason_window": "PT170H"})


# ---------------------------------------------------------------------------- exclusions


def bought(category: str | None = None, confirmed: bool | None = None) -> list[dict]:
    placed = e("placed", "2026-11-01 10:00")
    if category is not None:
        placed["category"] = category
    if confirmed is not None:
        placed["buyer_confirmed_exclusion"] = confirmed
    return [
        placed,
        e("paid", "2026-11-01 10:05"),
        e("shipped", "2026-11-02 10:00"),
        e("signed", "2026-11-03 10:00"),
    ]


NO_REASON = e("refund_requested", "2026-11-04 10:00", return_goods=True, reason="no_reason")


@pytest.mark.parametrize(
    ("category", "article"),
    [
        ("custom_made", "art. 6(1)"),
        ("fresh", "art. 6(2)"),
        ("digital_unsealed", "art. 6(3)"),
        ("periodical", "art. 6(4)"),
    ],
)
def test_goods_the_law_excludes(rs: tc.RuleSet, category: str, article: str) -> None:
    # 暂行办法 art. 6: excluded whatever anyone confirmed
    with pytest.raises(tc.NotAllowed, match=re.escape(article)) as err:
        tc.load(log(*bought(category), NO_REASON, rules=rs.name), rules=rs)
    assert err.value.rule == "law.no_reason_exclusions" and err.value.event_index == 4
    # a refund for another reason is not affected
    quality = dict(NO_REASON, reason="quality")
    assert (
        tc.load(log(*bought(category), quality, rules=rs.name), rules=rs).events[-1].reason
        == "quality"
    )


@pytest.mark.parametrize(
    ("category", "article"),
    [
        ("health_on_opening", "art. 7(1)"),
        ("value_lost_on_activation", "art. 7(2)"),
        ("near_expiry_or_flawed", "art. 7(3)"),
    ],
)
def test_goods_excluded_only_with_the_buyers_confirmation(
    rs: tc.RuleSet, category: str, article: str
) -> None:
    # 暂行办法 art. 7: only if the buyer confirmed at purchase
    with pytest.raises(tc.NotAllowed, match=re.escape(article)):
        tc.load(log(*bought(category, True), NO_REASON, rules=rs.name), rules=rs)
    unconfirmed = tc.load(log(*bought(category), NO_REASON, rules=rs.name), rules=rs)
    assert unconfirmed.status(t("2026-11-04 11:00")).refund.state == "wait_seller_agree"


def test_a_sellers_own_exclusion_is_not_honoured(rs: tc.RuleSet) -> None:
    # the law forbids excluding other goods, even with the buyer's click
    order = tc.load(log(*bought("general", True), NO_REASON, rules=rs.name), rules=rs)
    assert order.status(t("2026-11-04 11:00")).refund.state == "wait_seller_agree"
    with pytest.raises(tc.InvalidInput, match=r"placed\.category 'jewellery' is not one of"):
        tc.load(log(*bought("jewellery"), rules=rs.name), rules=rs)


# ---------------------------------------------------------------------------- sellers' duties

RETURN = [
    e("placed", "2026-11-01 10:00"),
    e("paid", "2026-11-01 10:05"),
    e("shipped", "2026-11-02 10:00"),
    e("signed", "2026-11-03 10:00"),
    e("refund_requested", "2026-11-04 10:00", return_goods=True, reason="no_reason"),
]


def test_the_return_address_is_due_within_15_days(rs: tc.RuleSet) -> None:
    # 消费者权益保护法 art. 25, 实施条例 art. 19: over 15 days without an address is punishable
    o = tc.load(log(*RETURN, rules=rs.name), rules=rs)
    d = o.status(t("2026-11-04 11:00")).deadline("legal_address_due")
    assert d is not None and (d.at, d.rule, d.informational) == (
        t("2026-11-19 10:00"),
        "law.return_address",
        True,
    )
    # the seller agreeing gives the address: the law's deadline is gone
    agreed = o.apply(e("refund_agreed", "2026-11-04 12:00"))
    assert agreed.status(t("2026-11-04 13:00")).deadline("legal_address_due") is None


def test_the_address_deadline_fires_on_time_when_the_platform_waits_longer(rs: tc.RuleSet) -> None:
    slow = rs.with_overrides({"refund.return_seller_timeout": "P20D"}, name="slow")
    o = tc.load(log(*RETURN, rules="slow"), rules=slow)
    status = o.status(t("2026-11-19 10:00"))
    assert ("legal_address_due", t("2026-11-19 10:00")) in {(f.event, f.at) for f in status.fired}
    assert status.refund.state == "wait_seller_agree"  # the law's clock changes nothing


def test_the_refund_is_due_7_days_after_the_goods_arrive(rs: tc.RuleSet) -> None:
    # 暂行办法 art. 18: refund within 7 days of receiving the returned goods; after 15: punishable
    o = tc.load(
        log(
            *RETURN,
            e("refund_agreed", "2026-11-04 12:00"),
            e("return_shipped", "2026-11-05 10:00", tracking_no="YT9"),
            e("return_arrived", "2026-11-06 10:00"),
            rules=rs.name,
        ),
        rules=rs,
    )
    ahead = {d.event: (d.at, d.rule) for d in o.status(t("2026-11-06 11:00")).upcoming}
    assert ahead["legal_refund_due"] == (t("2026-11-13 10:00"), "law.refund_after_return")
    assert ahead["legal_refund_overdue"] == (
        t("2026-11-21 10:00"),
        "law.refund_after_return.punishable",
    )
    # the law's 7 days end before the platform's automatic refund (10 days from the shipment)
    assert ahead["auto_refund"][0] == t("2026-11-15 10:00")
    later = o.status(t("2026-11-13 10:00"))
    assert later.refund.state == "wait_seller_confirm"
    assert ("legal_refund_due", t("2026-11-13 10:00")) in {(f.event, f.at) for f in later.fired}
    done = o.apply(e("return_received", "2026-11-14 09:00")).status(t("2026-11-14 10:00"))
    assert done.refund.state == "success"
    assert not {"legal_refund_due", "legal_refund_overdue"} & {d.event for d in done.upcoming}


def test_only_for_no_reason_returns(rs: tc.RuleSet) -> None:
    quality = [
        *RETURN[:4],
        e("refund_requested", "2026-11-04 10:00", return_goods=True, reason="quality"),
    ]
    o = tc.load(log(*quality, rules=rs.name), rules=rs)
    assert o.status(t("2026-11-04 11:00")).deadline("legal_address_due") is None


def test_a_refund_more_than_15_days_late_is_marked_punishable(rs: tc.RuleSet) -> None:
    # a return by surface mail: the platform waits 30 days, the law marks day 15
    o = tc.load(
        log(
            *RETURN,
            e("refund_agreed", "2026-11-04 12:00"),
            e("return_shipped", "2026-11-05 10:00", tracking_no="PY1", method="surface_mail"),
            e("return_arrived", "2026-11-06 10:00"),
            rules=rs.name,
        ),
        rules=rs,
    )
    status = o.status(t("2026-11-21 10:00"))
    assert ("legal_refund_overdue", t("2026-11-21 10:00")) in {
        (f.event, f.at) for f in status.fired
    }
    assert status.refund.state == "wait_seller_confirm"  # shown, nothing changes
    assert status.deadline("auto_refund").at == t("2026-12-05 10:00")


ARRIVED = [
    *RETURN,
    e("refund_agreed", "2026-11-04 12:00"),
    e("return_shipped", "2026-11-05 10:00", tracking_no="YT9"),
    e("return_arrived", "2026-11-06 10:00"),
]
LAW_REFUND = {"legal_refund_due", "legal_refund_overdue"}


def test_the_law_s_refund_clocks_end_when_the_seller_refuses_the_return(rs: tc.RuleSet) -> None:
    # they run while the seller holds the goods unanswered (runs_in wait_seller_confirm)
    o = tc.load(log(*ARRIVED, e("refund_refused", "2026-11-07 10:00"), rules=rs.name), rules=rs)
    status = o.status(t("2026-11-13 11:00"))  # past the law's 7 days; closes itself 11-14
    assert status.refund.state == "seller_refused"
    assert not LAW_REFUND & {d.event for d in status.upcoming}
    assert not LAW_REFUND & {f.event for f in status.fired}


def test_the_law_s_refund_clocks_run_for_no_reason_returns_only(rs: tc.RuleSet) -> None:
    quality = [
        ev if ev["type"] != "refund_requested" else {**ev, "reason": "quality"} for ev in ARRIVED
    ]
    status = tc.load(log(*quality, rules=rs.name), rules=rs).status(t("2026-11-06 11:00"))
    assert status.refund.state == "wait_seller_confirm"
    assert not LAW_REFUND & {d.event for d in status.upcoming}


def test_a_return_shipped_again_starts_the_law_s_refund_clocks_at_its_new_arrival(
    rs: tc.RuleSet,
) -> None:
    # refused, then agreed again: the goods travel and arrive a second time (ADR 0005)
    o = tc.load(
        log(
            *ARRIVED,
            e("refund_refused", "2026-11-07 10:00"),
            e("refund_agreed", "2026-11-08 10:00"),
            e("return_shipped", "2026-11-09 10:00", tracking_no="YT10"),
            rules=rs.name,
        ),
        rules=rs,
    )
    shipped = o.status(t("2026-11-09 11:00"))
    assert not LAW_REFUND & {d.event for d in shipped.upcoming}  # not before it arrives again
    again = o.apply(e("return_arrived", "2026-11-10 10:00")).status(t("2026-11-10 11:00"))
    assert again.deadline("legal_refund_due").at == t("2026-11-17 10:00")
