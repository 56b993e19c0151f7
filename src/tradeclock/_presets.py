"""The presets as data: the Taobao, Tmall and WeChat Shop rule tables, the rules between timers
(:data:`CONSTRAINTS`), the amount rules and the late-shipment compensation, each row with its
source. No other module knows a number of days: the engine reads durations from here.

>>> TAOBAO["confirm.auto_confirm"].duration
datetime.timedelta(days=10)
>>> TMALL["ship.dispatch_due"].duration - TAOBAO["ship.dispatch_due"].duration
datetime.timedelta(days=1)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from ._errors import InvalidInput
from ._rules import (
    CHECKED_ON,
    AmountRule,
    Anchor,
    CompensationRule,
    Constraint,
    Rule,
    RuleSet,
)
from ._time import zone
from .sources import KINDS, SOURCES, citations

__all__ = [
    "AMOUNT_RULES",
    "CONSTRAINTS",
    "LATE_SHIPMENT",
    "PRESETS",
    "RATING_DEFAULTS",
    "TAOBAO",
    "TMALL",
    "WECHAT_SHOP",
    "get_rules",
]


def _c(id: str, text: str, source: str) -> tuple[str, Constraint]:
    return id, Constraint(id, text, source)


#: Rules between timers, shared by every rule set; errors name them by id.
CONSTRAINTS: Mapping[str, Constraint] = MappingProxyType(
    dict(
        [
            _c(
                "order.graph",
                "the order state graph: placed -> paid -> shipped -> signed -> success, or closed",
                "cs-lifecycle § 一; tb-open Trade.status",
            ),
            _c(
                "order.first_event",
                "an order's log starts with exactly one placed event",
                "cs-lifecycle § 一",
            ),
            _c(
                "refund.graph",
                "the refund state graph: wait_seller_agree -> wait_buyer_return -> "
                "wait_seller_confirm -> success, or seller_refused / closed",
                "cs-lifecycle § 四.2; tb-open Refund.status",
            ),
            _c(
                "refund.one_open",
                "one open refund at a time; a new one only after the last ended",
                "tb-open Order.refund_id (the latest refund of a sub-order)",
            ),
            _c(
                "trade.lines",
                "a trade of several lines (placed.lines): each line runs these rules on its own "
                "(its refund, its pause, its shipment, confirmation, rating and the law's "
                "windows); the pay timers are the trade's; the trade's state comes from its "
                "lines (partly_shipped while some open lines shipped and some did not)",
                "tb-open Trade.timeout_action_time, Order.refund_status, Order.consign_time, "
                "Order.end_time (per sub-order), SELLER_CONSIGNED_PART",
            ),
            _c(
                "trade.split_shipment",
                "a trade shipped in parts: each line's countdowns (auto-confirm, after-sale) "
                "run from that line's own shipment, not from the trade's last one",
                "tb-open Order.consign_time, Order.timeout_action_time (per sub-order), "
                "taobao.logistics.*.send (sub_tid, is_split: ships a subset); default (no "
                "source settles own shipment or last shipment)",
            ),
            _c(
                "refund.none_after_success",
                "no refund can be requested after success",
                "cs-lifecycle § 四.3",
            ),
            _c(
                "refund.no_refuse_before_shipping",
                "before shipping the seller can only agree to a refund, not refuse it",
                "cs-lifecycle § 四.1.B",
            ),
            _c(
                "refund.return_needs_shipment",
                "goods can be returned only after they were shipped",
                "cs-lifecycle § 四.1-2",
            ),
            _c(
                "refund.amount",
                "a refund is more than 0 and at most what is still refundable "
                "(paid amount less earlier refunds); the whole amount closes the order",
                "cs-lifecycle § 四.4.B",
            ),
            _c(
                "refund.same_reason_after_return_timeout",
                "after a refund closed because the buyer did not ship the return, a new request "
                "for the same reason needs the seller's consent",
                "tb-dispute art. 43",
            ),
            _c(
                "law.no_reason_exclusions",
                "no no-reason return for custom-made, fresh and perishable, unsealed or downloaded "
                "digital goods, or delivered newspapers and periodicals; for goods that are unsafe "
                "or spoil once opened, lose value once activated, or were sold as near expiry or "
                "flawed, only if the buyer confirmed it at purchase (a seller's exclusion without "
                "that confirmation is not honoured)",
                "law-7day arts. 6-7",
            ),
            _c(
                "refund.return_shipping",
                "a no-reason return: with free shipping the buyer pays only the return leg, "
                "otherwise both legs; a partial return that leaves the order below the "
                "free-shipping threshold makes the buyer pay both legs",
                "tb-dispute art. 53; cs-service § 10.1.1",
            ),
            _c(
                "refund.intervention",
                "the platform rules only after intervention was requested, "
                "and intervention is requested once per refund",
                "tb-help",
            ),
        ]
    )
)


_D = timedelta


def _r(**kw: Any) -> Rule:
    return Rule(**kw)


def _base_rules(
    dispatch: timedelta,
    dispatch_source: str,
    dispatch_confirmed: bool,
    aftersale_source: str,
    aftersale_confirmed: bool,
) -> list[Rule]:
    return [
        _r(
            id="pay.unpaid_close",
            start_on=("placed",),
            runs_in=("placed",),
            duration_from="pay_within",
            duration=_D(hours=72),
            starts="placed",
            event="auto_close",
            effect="order closed",
            stoppable_by=("buyer", "seller"),
            stopped_how="buyer pays; buyer or seller cancels",
            source="cs-service § 关闭交易问题 (closes itself, no number); default (72 h; an "
            "order may carry its own pay window)",
            confirmed=False,
        ),
        _r(
            id="pay.reminder",
            start_on=("placed",),
            when=(("campaign", "false"),),
            runs_in=("placed",),
            only_before="pay.unpaid_close",
            duration=_D(hours=12),
            starts="placed",
            event="pay_reminder",
            effect="a payment reminder is due (send it before 24 h have passed); no state change",
            stoppable_by=("buyer",),
            stopped_how="buyer pays",
            source="cs-service § 篇1.八.标准催款语 (12-24 h after the order)",
            informational=True,
        ),
        _r(
            id="pay.reminder.campaign",
            start_on=("placed",),
            when=(("campaign", "true"),),
            runs_in=("placed",),
            only_before="pay.unpaid_close",
            duration=_D(minutes=30),
            starts="placed during a big sales event",
            event="pay_reminder",
            effect="a payment reminder is due; no state change",
            stoppable_by=("buyer",),
            stopped_how="buyer pays",
            source="cs-service § 篇1.八.标准催款语 (30 min during big sales events)",
            informational=True,
        ),
        _r(
            id="service.greeting",
            duration=_D(seconds=15),
            starts="the buyer's first message in a conversation",
            event="greeting_due",
            effect="staff are late to greet the buyer (service clock, no order change)",
            stoppable_by=("seller",),
            stopped_how="shop staff answer",
            source="cs-service § 篇2.一.1",
            informational=True,
        ),
        _r(
            id="service.reply",
            duration=_D(seconds=20),
            starts="each buyer message",
            event="reply_due",
            effect="staff are late to answer the buyer (service clock, no order change)",
            stoppable_by=("seller",),
            stopped_how="shop staff answer",
            source="cs-service § 篇2.一.1",
            informational=True,
        ),
        _r(
            id="service.complaint_reply",
            duration=_D(hours=24),
            starts="staff promise to answer a complaint (the promised hours, 24 h by default)",
            event="complaint_reply_due",
            effect="the promised answer to a complaint is late (service clock, no order change)",
            stoppable_by=("seller",),
            stopped_how="shop staff answer the complaint",
            source="cs-etiquette § 结束语",
            informational=True,
        ),
        _r(
            id="ship.dispatch_due",
            start_on=("paid",),
            runs_in=("paid",),
            duration=dispatch,
            starts="paid",
            event="dispatch_due",
            effect="no state change: the seller is overdue; the buyer may refund with reason "
            "not_shipped_in_time",
            stoppable_by=("seller",),
            stopped_how="seller ships",
            source=dispatch_source,
            confirmed=dispatch_confirmed,
            informational=True,
        ),
        _r(
            id="confirm.auto_confirm",
            start_on=("shipped",),
            when=(("method", "!surface_mail"),),
            runs_in=("shipped", "signed"),
            duration=_D(days=10),
            starts="shipped (express, EMS, none)",
            event="auto_confirm",
            effect="order success",
            stoppable_by=("buyer",),
            stopped_how="buyer confirms receipt; paused while a refund is open",
            source="cs-lifecycle § 五.1",
            resume="remaining",
        ),
        _r(
            id="confirm.auto_confirm.surface_mail",
            start_on=("shipped",),
            when=(("method", "surface_mail"),),
            runs_in=("shipped", "signed"),
            duration=_D(days=30),
            starts="shipped (surface mail)",
            event="auto_confirm",
            effect="order success",
            stoppable_by=("buyer",),
            stopped_how="buyer confirms receipt; paused while a refund is open",
            source="cs-lifecycle § 五.1",
            resume="remaining",
        ),
        _r(
            id="confirm.buyer_extension",
            extends="auto_confirm",
            duration=_D(days=3),
            starts="buyer asks",
            event=None,
            effect="the auto-confirm deadline moves later",
            stoppable_by=(),
            stopped_how="",
            source="default",
            confirmed=False,
            only_within=_D(days=3),
            max_uses=1,
        ),
        _r(
            id="confirm.seller_extension",
            extends="auto_confirm",
            duration=_D(days=3),
            starts="seller asks",
            event=None,
            effect="the auto-confirm deadline moves later",
            stoppable_by=(),
            stopped_how="",
            source="tb-open taobao.trade.receivetime.delay",
            choices=(_D(days=3), _D(days=5), _D(days=7), _D(days=10)),
        ),
        _r(
            id="refund.unshipped_seller_timeout",
            scope="refund",
            start_on=("refund.wait_seller_agree",),
            when=(("before_shipment", "true"),),
            runs_in=("wait_seller_agree",),
            duration=_D(days=2),
            starts="refund requested while paid",
            event="auto_refund",
            effect="refund success",
            stoppable_by=("seller", "buyer"),
            stopped_how="seller agrees (refund succeeds at once) or ships (refund closed); buyer "
            "cancels",
            source="cs-lifecycle § 四.1",
        ),
        _r(
            id="refund.refund_only_seller_timeout",
            scope="refund",
            start_on=("refund.wait_seller_agree",),
            when=(("before_shipment", "false"), ("return_goods", "false")),
            runs_in=("wait_seller_agree",),
            duration=_D(days=5),
            starts="refund without return requested after shipping",
            event="auto_refund",
            effect="refund success",
            stoppable_by=("seller", "buyer"),
            stopped_how="seller agrees or refuses; buyer cancels",
            source="cs-lifecycle § 四.2.C",
        ),
        _r(
            id="refund.return_seller_timeout",
            scope="refund",
            start_on=("refund.wait_seller_agree",),
            when=(("before_shipment", "false"), ("return_goods", "true")),
            runs_in=("wait_seller_agree",),
            duration=_D(days=5),
            starts="refund with return requested after shipping",
            event="auto_agree",
            effect="refund wait_buyer_return",
            stoppable_by=("seller", "buyer"),
            stopped_how="seller agrees or refuses; buyer cancels",
            source="cs-lifecycle § 四.2.B",
        ),
        _r(
            id="refund.buyer_return_timeout",
            scope="refund",
            start_on=("refund.wait_buyer_return",),
            runs_in=("wait_buyer_return",),
            on_expiry="bar_reason",
            duration=_D(days=7),
            starts="seller agreed (or auto-agreed) to a return",
            event="refund_close",
            effect="refund closed; a new request for the same reason is refused",
            stoppable_by=("buyer",),
            stopped_how="buyer ships the return (or cancels)",
            source="cs-lifecycle § 四.2.B; tb-dispute art. 43",
        ),
        _r(
            id="refund.seller_receipt_timeout",
            scope="refund",
            start_on=("refund.wait_seller_confirm",),
            when=(("return_method", "!surface_mail"),),
            runs_in=("wait_seller_confirm",),
            duration=_D(days=10),
            starts="buyer shipped the return",
            event="auto_refund",
            effect="refund success",
            stoppable_by=("seller",),
            stopped_how="seller confirms receipt or refuses",
            source="cs-lifecycle § 四.2.B",
        ),
        _r(
            id="refund.seller_receipt_timeout.surface_mail",
            scope="refund",
            start_on=("refund.wait_seller_confirm",),
            when=(("return_method", "surface_mail"),),
            runs_in=("wait_seller_confirm",),
            duration=_D(days=30),
            starts="buyer shipped the return by surface mail",
            event="auto_refund",
            effect="refund success",
            stoppable_by=("seller",),
            stopped_how="seller confirms receipt or refuses",
            source="tb-help",
        ),
        _r(
            id="refund.refused_buyer_timeout",
            scope="refund",
            start_on=("refund.seller_refused",),
            when=(("intervention", "false"),),
            runs_in=("seller_refused",),
            stop_on=("intervention_requested",),
            duration=_D(days=7),
            starts="seller refused",
            event="refund_close",
            effect="refund closed",
            stoppable_by=("buyer",),
            stopped_how="buyer modifies the request (the seller's clock starts again) or asks "
            "for platform intervention",
            source="default (weak support; the WeChat mini-shop uses 7 d for the same step)",
            confirmed=False,
        ),
        _r(
            id="refund.intervention_evidence",
            scope="refund",
            start_on=("intervention_requested", "refund.seller_refused"),
            when=(("intervention", "true"),),
            runs_in=("seller_refused",),
            once=True,
            duration=_D(days=3),
            starts="intervention requested",
            event="evidence_due",
            effect="no automatic outcome: evidence is due; the platform rules",
            stoppable_by=(),
            stopped_how="the platform rules",
            source="tb-help",
            informational=True,
        ),
        _r(
            id="refund.intervention_seller_reply",
            scope="refund",
            start_on=("evidence_added:buyer",),
            runs_in=(
                "wait_seller_agree",
                "wait_buyer_return",
                "wait_seller_confirm",
                "seller_refused",
            ),
            stop_on=("evidence_added:seller", "intervention_ruled"),
            duration=_D(hours=24),
            starts="the buyer adds evidence during the platform's intervention",
            event="seller_evidence_due",
            effect="no automatic outcome: the seller's answer to the buyer's evidence is due; "
            "the platform rules",
            stoppable_by=("seller",),
            stopped_how="the seller adds evidence (or the platform rules)",
            source="tb-help (the intervention clocks)",
            informational=True,
        ),
        _r(
            id="return.no_reason_window",
            start_on=("signed",),
            runs_in=("signed",),
            duration=_D(hours=168),
            starts="signed",
            event="return_window_end",
            effect="the buyer can no longer ask for a no-reason return",
            stoppable_by=(),
            stopped_how="",
            source="cs-service § 关于7天无理由退换货问题; tb-7day art. 2",
            informational=True,
            anchor=Anchor.NEXT_LOCAL_MIDNIGHT,
        ),
        *_money_rules(),
        *_after_success_rules(aftersale_source, aftersale_confirmed),
        *_law_obligations(),
        _r(
            id="law.no_reason_window",
            start_on=("signed",),
            runs_in=("signed", "success"),
            duration=_D(days=7),
            starts="signed (the day after signing is day 1)",
            event="legal_return_window_end",
            effect="the buyer's legal right to a no-reason return ends (24:00 of the 7th day; a "
            "last day on a statutory rest day moves to the day after the rest); no state change",
            stoppable_by=(),
            stopped_how="",
            source="law-7day art. 10; law-civil arts. 201, 203",
            informational=True,
            extends_over_rest_days=True,
        ),
    ]


_LAW = "law-consumer art. 25; law-consumer-reg art. 19; law-7day arts. 13, 18"


def _law_obligations() -> list[Rule]:
    """The seller's legal deadlines in a no-reason return: informational, never a state change."""
    return [
        _r(
            id="law.return_address",
            scope="refund",
            start_on=("refund.wait_seller_agree",),
            when=(("reason", "no_reason"), ("return_goods", "true")),
            runs_in=("wait_seller_agree",),
            anchor=Anchor.REFUND_REQUESTED,
            once=True,
            duration=_D(days=15),
            starts="a no-reason return requested (the seller owes a return address)",
            event="legal_address_due",
            effect="more than 15 days without a return address is punishable by law; no state "
            "change",
            stoppable_by=("seller",),
            stopped_how="the seller agrees (giving the return address)",
            source=_LAW,
            informational=True,
        ),
        _r(
            id="law.refund_after_return",
            scope="refund",
            start_on=("return_arrived",),
            when=(("reason", "no_reason"), ("return_goods", "true")),
            runs_in=("wait_seller_confirm",),
            once=True,
            duration=_D(days=7),
            starts="the returned goods arrived at the seller (return_arrived)",
            event="legal_refund_due",
            effect="the law's 7 days to refund after receiving the returned goods end; no state "
            "change",
            stoppable_by=("seller",),
            stopped_how="the seller confirms receipt (the refund succeeds)",
            source=_LAW,
            informational=True,
        ),
        _r(
            id="law.refund_after_return.punishable",
            scope="refund",
            start_on=("return_arrived",),
            when=(("reason", "no_reason"), ("return_goods", "true")),
            runs_in=("wait_seller_confirm",),
            once=True,
            duration=_D(days=15),
            starts="the returned goods arrived at the seller (return_arrived)",
            event="legal_refund_overdue",
            effect="a refund more than 15 days after receiving the goods is punishable; no state "
            "change",
            stoppable_by=("seller",),
            stopped_how="the seller confirms receipt (the refund succeeds)",
            source=_LAW,
            informational=True,
        ),
    ]


_RATING_SOURCE = (
    "cs-lifecycle § 一, § 五.2 (the flow ends with the rating; ratings show once both sides "
    "rated); tb-help (15 d and the default good rating)"
)


def _after_success_rules(aftersale_source: str, aftersale_confirmed: bool) -> list[Rule]:
    return [
        _r(
            id="rate.window.buyer",
            start_on=("order.success",),
            runs_in=("success",),
            stop_on=("rated:buyer",),
            on_expiry="default_rating",
            duration=_D(days=15),
            starts="success",
            event="rating_window_end",
            effect="the buyer can no longer rate; a buyer who has not rated gives the default "
            "good rating (default_rating)",
            stoppable_by=("buyer",),
            stopped_how="the buyer rates",
            source=_RATING_SOURCE,
            informational=True,
        ),
        _r(
            id="rate.window.seller",
            start_on=("order.success",),
            runs_in=("success",),
            stop_on=("rated:seller",),
            on_expiry="default_rating",
            duration=_D(days=15),
            starts="success",
            event="rating_window_end",
            effect="the seller can no longer rate (no default rating for the seller's side)",
            stoppable_by=("seller",),
            stopped_how="the seller rates",
            source=_RATING_SOURCE,
            informational=True,
        ),
        _r(
            id="aftersale.window",
            start_on=("order.success",),
            runs_in=("success",),
            duration=_D(days=15),
            starts="success (only where a rule set enables it; off in the presets)",
            event="after_sale_window_end",
            effect="after-sale refund requests are no longer accepted",
            stoppable_by=(),
            stopped_how="",
            source=aftersale_source,
            confirmed=aftersale_confirmed,
            informational=True,
            enabled=False,
        ),
    ]


#: The rating each side gets when its window ends without one (``None``: no default).
RATING_DEFAULTS: Mapping[str, str | None] = MappingProxyType({"buyer": "good", "seller": None})


#: the money-arrival days come from the training texts only
_OLD = " (no current source confirms it)"


def _money_rules() -> list[Rule]:
    """When refunded money arrives, by payment channel (cs-lifecycle § 四.常見問題.3-5)."""
    after = "refund success (the money leaves escrow)"

    def arrival(**kw: Any) -> Rule:
        # an informational window, stopped by nobody; a training text is the only source
        kw["source"] = f"cs-lifecycle § {kw['source']}{_OLD}"
        return _r(stoppable_by=(), stopped_how="", confirmed=False, **kw)

    return [
        arrival(
            id="money.alipay_balance",
            duration=_D(0),
            earliest=_D(0),
            starts=after + ", paid from the Alipay balance or by online banking",
            event="money_arrival",
            effect="the money is back in the buyer's Alipay balance (not the bank)",
            source="四.常見問題.3",
            informational=True,
        ),
        arrival(
            id="money.credit_card",
            duration=_D(days=3),
            earliest=_D(0),
            starts=after + ", paid by credit card, bank not given",
            event="money_arrival",
            effect="the money is back on the credit card (within about 3 days)",
            source="四.常見問題.3",
            informational=True,
        ),
        arrival(
            id="money.credit_card.boc",
            duration=_D(days=10),
            earliest=_D(days=5),
            working_days=True,
            starts=after + ", paid by a Bank of China credit card",
            event="money_arrival",
            effect="the money is back on the card (5-10 working days)",
            source="四.常見問題.5.2",
            informational=True,
        ),
        arrival(
            id="money.credit_card.other_bank",
            duration=_D(days=3),
            earliest=_D(days=2),
            working_days=True,
            starts=after + ", paid by another bank's credit card",
            event="money_arrival",
            effect="the money is back on the card (2-3 working days)",
            source="四.常見問題.5.2",
            informational=True,
        ),
        arrival(
            id="money.withdrawal",
            duration=_D(days=3),
            earliest=_D(days=2),
            working_days=True,
            starts="the buyer withdraws from the Alipay balance to a bank card",
            event=None,
            effect="the money is on the bank card (2-3 working days)",
            source="四.常見問題.4",
        ),
        _r(
            id="money.processing_cutoff",
            duration=_D(hours=24),
            starts="local midnight of the day money is paid out",
            event=None,
            effect="money paid out on a working day this long after midnight or later is "
            "processed the next working day; 24 h: no cut-off",
            stoppable_by=(),
            stopped_how="",
            source="default (no source names a cut-off)",
            confirmed=False,
        ),
    ]


def _checked(rule: Rule, on: date = CHECKED_ON) -> Rule:
    """``rule`` with the date and note of its last check against its sources."""
    return attrs.evolve(rule, checked=on, checked_note=_note(rule, "en"))


def checked_words(rule: Rule, lang: str) -> str:
    """The note of a preset rule's check against its sources, in ``lang``; a note the rule
    set wrote itself (a shop's, or one extended as the WeChat preset's are) as written."""
    if lang == "zh" and rule.checked_note and rule.checked_note == _note(rule, "en"):
        return _note(rule, "zh")
    return rule.checked_note


def _note(rule: Rule, lang: str) -> str:
    kinds = dict.fromkeys(SOURCES[c.source].kind for c in citations(rule.source) or ())
    zh = lang == "zh"
    named = ("、" if zh else ", ").join(KINDS[k][1 if zh else 0] for k in kinds)
    note = ("对照的来源：" if zh else "value compared with its sources: ") + named
    if not rule.confirmed:
        note += (
            "；没有来源证实这个值（未确认）"
            if zh
            else "; no source confirms the value (unconfirmed)"
        )
    return note


TAOBAO = RuleSet(
    "taobao",
    "Asia/Shanghai",
    {
        r.id: _checked(r)
        for r in _base_rules(
            _D(hours=48),
            "default",
            False,
            "tb-help (15 d to ask for after-sale service, 申请售后); cs-lifecycle § 四.3 (no "
            "refund entry after success: off unless enabled)",
            True,
        )
    },
)


TMALL = RuleSet(
    "tmall",
    "Asia/Shanghai",
    {
        r.id: _checked(r)
        for r in _base_rules(
            _D(hours=72),
            "cs-service § 发货时间问题",
            True,
            "default (length not found for Tmall: Taobao's 15 d); cs-lifecycle § 四.3 (no "
            "refund entry after success: off unless enabled)",
            False,
        )
    },
)


#: Amount rules, shared by every rule set.
AMOUNT_RULES: Mapping[str, AmountRule] = MappingProxyType(
    {
        "pay.instalment_minimum": AmountRule(
            "pay.instalment_minimum",
            Decimal("600.00"),
            "credit-card instalments need a single payment (or the same account's combined "
            "payment) of at least this much, and are never offered for flash sales",
            "cs-service § 1.3",
        ),
    }
)


#: Late-shipment compensation by the preset a rule set is built on, oldest first (Taobao only:
#: no source gives amounts for Tmall or the WeChat mini-shop).
LATE_SHIPMENT: Mapping[str, tuple[CompensationRule, ...]] = MappingProxyType(
    {
        "taobao": (
            CompensationRule(
                "ship.late_compensation.2010",
                datetime(2010, 1, 1, tzinfo=zone("Asia/Shanghai")),
                Decimal("0.10"),
                Decimal("5.00"),
                Decimal("100.00"),
                Decimal("5.00"),
                "tb-help (orders paid before 2015-10-29)",
            ),
            CompensationRule(
                "ship.late_compensation",
                datetime(2015, 10, 29, tzinfo=zone("Asia/Shanghai")),
                Decimal("0.05"),
                Decimal("5.00"),
                Decimal("30.00"),
                Decimal("1.00"),
                "tb-help (since 2015-10-29, 5 % of the price, at least 5 yuan (1 yuan in listed "
                "categories), at most 30)",
            ),
        ),
    }
)


#: The built-in rule sets by name.
_WECHAT = "WeChat mini-shop (微信小店) published after-sale timeouts"


#: The WeChat mini-shop's after-sale timeouts: (rule id, duration, the step it names).
_WECHAT_TIMEOUTS = (
    ("refund.unshipped_seller_timeout", _D(hours=48), "seller handles a refund: 48 h"),
    ("refund.refund_only_seller_timeout", _D(hours=48), "seller handles a refund: 48 h"),
    ("refund.return_seller_timeout", _D(hours=48), "seller handles a return: 48 h"),
    ("refund.seller_receipt_timeout", _D(days=10), "seller confirms the returned goods: 10 d"),
    ("refund.buyer_return_timeout", _D(days=7), "buyer uploads the return's tracking: 7 d"),
    ("refund.refused_buyer_timeout", _D(days=7), "buyer asks for intervention: 7 d"),
)


def _wechat_shop() -> RuleSet:
    """A third platform as a table: the WeChat mini-shop's after-sale timeouts; every other
    value is Taobao's and flagged unconfirmed for this platform (its source does not give it).
    The law's window is the law's, whatever the platform."""
    rules = {}
    given = {rule_id: (duration, step) for rule_id, duration, step in _WECHAT_TIMEOUTS}
    for r in TAOBAO:
        if r.id in given:
            duration, step = given[r.id]
            rules[r.id] = attrs.evolve(
                r,
                duration=duration,
                source=f"wechat-shop ({step})",
                confirmed=True,
                checked_note=f"value compared with the {_WECHAT}",
            )
        elif r.id.startswith("law."):
            rules[r.id] = r
        else:
            rules[r.id] = attrs.evolve(
                r,
                source=f"wechat-shop (not among its published timeouts: Taobao's value); "
                f"{r.source}",
                confirmed=False,
                checked_note=f"{r.checked_note}, for Taobao; not in the {_WECHAT}",
            )
    return RuleSet("wechat_shop", "Asia/Shanghai", rules)


WECHAT_SHOP = _wechat_shop()


PRESETS: Mapping[str, RuleSet] = MappingProxyType(
    {"taobao": TAOBAO, "tmall": TMALL, "wechat_shop": WECHAT_SHOP}
)


def get_rules(name: str, extra: Mapping[str, RuleSet] | None = None) -> RuleSet:
    """The rule set called ``name`` among ``extra`` and the presets; unknown: InvalidInput."""
    if extra and name in extra:
        return extra[name]
    if name in PRESETS:
        return PRESETS[name]
    known = sorted({*PRESETS, *(extra or {})})
    raise InvalidInput(f"unknown rule set {name!r} (known: {', '.join(known)})")
