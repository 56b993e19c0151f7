"""A third preset, the WeChat mini-shop: a platform is a table, not code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import e, log, t

import tradeclock as tc
from tradeclock._cli import main
from tradeclock._presets import WECHAT_SHOP

H, D = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("rule_id", "duration"),
    [
        ("refund.unshipped_seller_timeout", 48 * H),  # the seller handles a refund: 48 h
        ("refund.refund_only_seller_timeout", 48 * H),
        ("refund.return_seller_timeout", 48 * H),  # ... a return: 48 h
        ("refund.seller_receipt_timeout", 10 * D),  # confirms the returned goods: 10 d
        ("refund.buyer_return_timeout", 7 * D),  # the buyer uploads tracking: 7 d
        ("refund.refused_buyer_timeout", 7 * D),  # the buyer asks for intervention: 7 d
    ],
)
def test_the_published_timeouts(rule_id: str, duration: timedelta) -> None:
    rule = WECHAT_SHOP[rule_id]
    assert rule.duration == duration and rule.confirmed
    assert rule.source.startswith("wechat-shop (")


def test_everything_else_is_flagged_as_not_from_its_source() -> None:
    assert tc.PRESETS["wechat_shop"] is WECHAT_SHOP
    others = {r.id for r in WECHAT_SHOP if not r.confirmed}
    assert "confirm.auto_confirm" in others and "pay.unpaid_close" in others
    assert WECHAT_SHOP["law.no_reason_window"].confirmed  # the law is the law


def test_an_order_under_the_wechat_shop_rules() -> None:
    order = tc.load(
        log(
            e("placed", "2026-11-01 10:00"),
            e("paid", "2026-11-01 10:05"),
            e("shipped", "2026-11-02 10:00"),
            e("refund_requested", "2026-11-03 10:00", return_goods=True, reason="quality"),
            rules="wechat_shop",
        )
    )
    # the seller has 48 h to handle a return (Taobao: 5 days)
    assert order.when("auto_agree", t("2026-11-03 11:00")) == t("2026-11-05 10:00")
    assert order.status(t("2026-11-05 10:00")).refund.state == "wait_buyer_return"


def test_the_rules_command_lists_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "wechat_shop"]) == 0
    out = capsys.readouterr().out
    assert "Rule set wechat_shop" in out and "微信小店" in out  # each rule with its source
