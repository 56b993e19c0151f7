"""After success: each side's rating window with the buyer's default good rating, when ratings
show, and an after-sale window a rule set may enable (off in the presets).

Rules: rate.window.buyer / rate.window.seller (15 d from success; seed 002 § 一, § 五.2; the
default good rating: platform), aftersale.window (seed 002 § 四.3: no refund after success,
hence off; 15 d when enabled: platform)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import e, log, t

import tradeclock as tc

PRESETS = {"taobao": tc.TAOBAO, "tmall": tc.TMALL}
DONE = [
    e("placed", "2026-11-01 10:00", amount="100.00"),
    e("paid", "2026-11-01 10:05"),
    e("shipped", "2026-11-02 10:00"),
    e("confirmed", "2026-11-03 10:00"),  # success: both windows end 2026-11-18 10:00
]
END = t("2026-11-18 10:00")
US = timedelta(microseconds=1)


@pytest.fixture(params=["taobao", "tmall"])
def rs(request: pytest.FixtureRequest) -> tc.RuleSet:
    """Every test runs under each preset (a changed value in either one fails a test)."""
    return PRESETS[request.param]


def order(rs: tc.RuleSet, *events: dict) -> tc.Order:
    return tc.load(log(*DONE, *events, rules=rs.name), rules=rs)


def rated(by: str, when: str, score: str = "good") -> dict:
    return e("rated", when, by=by, score=score)


# ---------------------------------------------------------------------------- ratings


def test_both_windows_run_from_success(rs: tc.RuleSet) -> None:
    status = order(rs).status(t("2026-11-05 00:00"))
    assert [(d.event, d.rule, d.at, d.stoppable_by) for d in status.upcoming] == [
        ("rating_window_end", "rate.window.buyer", END, ("buyer",)),
        ("rating_window_end", "rate.window.seller", END, ("seller",)),
    ]
    assert status.ratings == tc.Ratings(None, None, False) and not status.ratings_visible


def test_the_buyers_default_good_rating_exactly_at_the_deadline(rs: tc.RuleSet) -> None:
    o = order(rs)
    before = o.status(END - US)
    assert before.ratings.buyer is None and not before.ratings_visible
    at = o.status(END)
    assert [(f.event, f.at, f.rule) for f in at.fired] == [
        ("rating_window_end", END, "rate.window.buyer"),
        ("default_rating", END, "rate.window.buyer"),
        ("rating_window_end", END, "rate.window.seller"),
    ]
    assert at.ratings == tc.Ratings("good", None, True)  # the seller's side has no default
    assert at.ratings_visible and at.upcoming == ()


def test_one_side_rated_shows_at_the_window_end(rs: tc.RuleSet) -> None:
    o = order(rs, rated("seller", "2026-11-04 10:00", "neutral"))
    mid = o.status(t("2026-11-10 00:00"))
    assert mid.ratings == tc.Ratings(None, "neutral", False) and not mid.ratings_visible
    assert [d.rule for d in mid.upcoming] == ["rate.window.buyer"]  # the seller's is done
    end = o.status(END)
    assert end.ratings == tc.Ratings("good", "neutral", True) and end.ratings_visible
    assert [f.event for f in end.fired] == ["rating_window_end", "default_rating"]


def test_both_rated_show_at_once(rs: tc.RuleSet) -> None:
    o = order(rs, rated("buyer", "2026-11-04 10:00", "bad"), rated("seller", "2026-11-05 10:00"))
    status = o.status(t("2026-11-05 10:00"))
    assert status.ratings == tc.Ratings("bad", "good", False) and status.ratings_visible
    assert status.upcoming == ()
    assert status.to_dict()["ratings"] == {
        "buyer": "bad",
        "seller": "good",
        "buyer_by_default": False,
    }
    assert status.to_dict()["ratings_visible"] is True


def test_a_rating_on_the_last_microsecond_counts(rs: tc.RuleSet) -> None:
    when = (END - US).isoformat()
    o = order(rs).apply({"type": "rated", "at": when, "by": "buyer", "score": "good"})
    assert o.status(END).ratings == tc.Ratings("good", None, False)


@pytest.mark.parametrize(
    ("extra", "match", "rule"),
    [
        ([rated("buyer", "2026-11-18 10:00")], "default rating", "rate.window.buyer"),
        (
            [rated("seller", "2026-11-18 10:00")],
            "seller's rating window ended",
            "rate.window.seller",
        ),
        (
            [rated("buyer", "2026-11-04 10:00"), rated("buyer", "2026-11-05 10:00")],
            "already rated",
            "rate.window.buyer",
        ),
    ],
)
def test_ratings_outside_the_window_or_twice_are_refused(
    rs: tc.RuleSet, extra: list[dict], match: str, rule: str
) -> None:
    with pytest.raises(tc.NotAllowed, match=match) as err:
        order(rs, *extra)
    assert err.value.rule == rule and err.value.order_id == "T1"
    assert err.value.event_index == len(DONE) + len(extra) - 1


def test_no_rating_before_success_and_only_by_buyer_or_seller(rs: tc.RuleSet) -> None:
    with pytest.raises(tc.NotAllowed, match="needs it to be success") as err:
        tc.load(log(*DONE[:3], rated("buyer", "2026-11-02 11:00"), rules=rs.name), rules=rs)
    assert err.value.rule == "order.graph"
    with pytest.raises(tc.InvalidInput, match="only the buyer and the seller rate"):
        order(rs, e("rated", "2026-11-04 10:00", by="carrier", score="good"))
    with pytest.raises(tc.InvalidInput, match=r"rated\.score 'great' is not one of"):
        order(rs, e("rated", "2026-11-04 10:00", by="buyer", score="great"))
    with pytest.raises(tc.InvalidInput, match="rated event is missing score"):
        order(rs, e("rated", "2026-11-04 10:00", by="buyer"))


def test_a_closed_order_has_no_rating_window(rs: tc.RuleSet) -> None:
    closed = tc.load(
        log(
            *DONE[:2],
            e("refund_requested", "2026-11-01 11:00"),
            e("refund_agreed", "2026-11-01 12:00"),
            rules=rs.name,
        ),
        rules=rs,
    )
    status = closed.status(t("2026-11-05 00:00"))
    assert status.state == "closed" and "rating_window_end" not in {
        d.event for d in status.upcoming
    }


# ---------------------------------------------------------------------------- after-sale


def enabled(rs: tc.RuleSet) -> tc.RuleSet:
    return rs.with_overrides({}, name=f"{rs.name}-aftersale", enable=["aftersale.window"])


def test_after_sale_is_off_in_the_presets(rs: tc.RuleSet) -> None:
    with pytest.raises(tc.NotAllowed, match="no after-sale window") as err:
        order(rs, e("refund_requested", "2026-11-04 10:00", reason="quality"))
    assert err.value.rule == "refund.none_after_success"
    assert "after_sale_window_end" not in {d.event for d in order(rs).status(END - US).upcoming}


def test_after_sale_window_in_upcoming_and_its_edge(rs: tc.RuleSet) -> None:
    shop = enabled(rs)
    done = tc.load(log(*DONE, rules=shop.name), rules=shop)
    ahead = done.status(t("2026-11-04 00:00")).deadline("after_sale_window_end")
    assert ahead is not None and (ahead.at, ahead.rule, ahead.informational) == (
        END,
        "aftersale.window",
        True,
    )
    last = {"type": "refund_requested", "at": (END - US).isoformat(), "reason": "quality"}
    assert done.apply(last).status(END).refund.state == "wait_seller_agree"
    with pytest.raises(tc.NotAllowed, match="after-sale window ended at 2026-11-18 10:00") as err:
        done.apply({**last, "at": END.isoformat()})
    assert err.value.rule == "aftersale.window"


def test_after_sale_refund_only_has_the_after_shipping_timer(rs: tc.RuleSet) -> None:
    shop = enabled(rs)
    o = tc.load(
        log(*DONE, e("refund_requested", "2026-11-04 10:00", reason="quality"), rules=shop.name),
        rules=shop,
    )
    d = o.status(t("2026-11-05 00:00")).deadline("auto_refund")
    assert d is not None and (d.at, d.rule) == (
        t("2026-11-09 10:00"),
        "refund.refund_only_seller_timeout",
    )
    after = o.status(t("2026-11-09 10:00"))
    # everything refunded, but the trade stays done: no escrow to reopen
    assert (after.state, after.refund.state, after.refunded) == ("success", "success", 100)
    with pytest.raises(tc.NotAllowed, match="everything paid was already refunded"):
        o.apply(e("refund_requested", "2026-11-10 10:00", reason="quality"))


def test_after_sale_return_has_the_return_timers(rs: tc.RuleSet) -> None:
    shop = enabled(rs)
    o = tc.load(
        log(
            *DONE,
            e("refund_requested", "2026-11-04 10:00", return_goods=True, reason="quality"),
            rules=shop.name,
        ),
        rules=shop,
    )
    assert o.when("auto_agree", t("2026-11-05 00:00")) == t("2026-11-09 10:00")
    assert o.when("refund_close", t("2026-11-10 00:00")) == t("2026-11-16 10:00")
    partial = tc.load(
        log(
            *DONE,
            e("refund_requested", "2026-11-04 10:00", amount="30.00", reason="quality"),
            e("refund_agreed", "2026-11-04 12:00"),
            rules=shop.name,
        ),
        rules=shop,
    )
    status = partial.status(t("2026-11-05 00:00"))
    assert (status.state, status.refunded) == ("success", 30)


def test_enable_round_trips_through_toml_and_is_checked() -> None:
    shop = enabled(tc.TMALL)
    again = tc.load_rules(shop.to_toml())
    assert again["aftersale.window"].enabled and 'enable = ["aftersale.window"]' in shop.to_toml()
    assert not tc.load_rules(tc.TMALL.to_toml())["aftersale.window"].enabled
    with pytest.raises(tc.InvalidInput, match=r"no rule 'aftersale\.windows' to enable"):
        tc.TAOBAO.with_overrides({}, enable=["aftersale.windows"])
    with pytest.raises(tc.InvalidInput, match="enable must be a list of rule ids"):
        tc.load_rules('base = "taobao"\nenable = "aftersale.window"\n')
