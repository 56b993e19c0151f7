"""Every word and sentence a person reads, in Chinese (``zh``) and English (``en``).

One vocabulary names each state, event, reason, party and rule in both languages; one catalogue
of sentences says each refusal, each "why not" and each line of an explanation or a timeline.
Code that speaks builds a :class:`Say` (a sentence's key and its facts) and renders it with
:func:`text` in the reader's language, so the same facts always read the same way: durations
in one style per language ("6 天 4 小时", "6 days 4 hours"), states and reasons as the
platform says them, sources by their register titles.

>>> from datetime import timedelta
>>> said = say("whynot.paused", event="auto_confirm", n=1, state="wait_buyer_return",
...           left=timedelta(days=6, hours=4))
>>> text(said, "zh")[:45]
'退款 1 进行中（卖家已同意，等待买家退货），自动确认收货暂停计时，剩余 6 天 4 小时'
>>> text(said, "en")[:62]
'auto_confirm is paused while refund 1 is open (waiting for the'

>>> term("reason", "no_reason", "en")
'no reason (7-day return)'
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import msgspec

from ._time import duration_words

__all__ = [
    "LANGS",
    "RULE_NAMES",
    "RULE_STOPS",
    "SENTENCES",
    "TERMS",
    "Say",
    "check_lang",
    "join",
    "missing",
    "rule_name",
    "rule_stop",
    "rules_name",
    "say",
    "term",
    "text",
    "zone_words",
]

#: The languages tradeclock speaks.
LANGS = ("zh", "en")

_ORDER_STATES = {
    "placed": ("已拍下，等待买家付款", "placed, waiting for the buyer to pay"),
    "paid": ("买家已付款，等待卖家发货", "paid, waiting for the seller to ship"),
    "shipped": (
        "卖家已发货，等待买家确认收货",
        "shipped, waiting for the buyer to confirm receipt",
    ),
    "signed": (
        "买家已签收，等待买家确认收货",
        "signed for by the buyer, waiting for the buyer to confirm receipt",
    ),
    "success": ("交易成功", "trade succeeded"),
    "closed": ("交易关闭", "trade closed"),
    "partly_shipped": ("卖家已部分发货", "partly shipped: some lines shipped, some not yet"),
}
_REFUND_STATES = {
    "wait_seller_agree": ("等待卖家同意退款", "waiting for the seller to agree"),
    "wait_buyer_return": (
        "卖家已同意，等待买家退货",
        "the seller agreed; waiting for the buyer to return the goods",
    ),
    "wait_seller_confirm": (
        "买家已退货，等待卖家确认收货",
        "goods returned; waiting for the seller to confirm receipt",
    ),
    "seller_refused": ("卖家拒绝退款", "the seller refused"),
    "success": ("退款成功", "refund succeeded"),
    "closed": ("退款关闭", "refund closed"),
}

#: kind -> value -> (zh, en). Kinds: ``order`` and ``refund`` (states, as a sentence part),
#: ``order_short`` and ``refund_short`` (as a heading), ``order_phrase`` and ``refund_phrase``
#: (after "the order"), ``event`` (what a person or carrier did), ``auto`` (what happens by
#: itself, short) and ``auto_long``, ``reason``, ``party``, ``method``, ``channel``,
#: ``category``, ``score``, ``outcome``, ``kind`` (of refund), ``rules`` (the presets' names),
#: ``variant`` (of an action).
TERMS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "verdict": {
        "agree": ("一致    ", "agree    "),
        "disagree": ("不一致  ", "disagree "),
        "unjudged": ("未判断  ", "unjudged "),
    },
    "order": _ORDER_STATES,
    "order_short": {
        "placed": ("待付款", "placed"),
        "paid": ("待发货", "paid"),
        "shipped": ("已发货", "shipped"),
        "signed": ("已签收", "signed for"),
        "success": ("交易成功", "successful"),
        "closed": ("交易关闭", "closed"),
        "partly_shipped": ("部分发货", "partly shipped"),
    },
    "order_phrase": {
        "placed": ("在等待买家付款", "is waiting for payment"),
        "paid": ("已付款、未发货", "is paid and not shipped"),
        "shipped": ("已发货", "is shipped"),
        "signed": ("已签收", "is signed for"),
        "success": ("已交易成功", "succeeded"),
        "closed": ("已关闭", "was closed"),
        "partly_shipped": ("已部分发货", "is partly shipped"),
    },
    "refund": _REFUND_STATES,
    "refund_short": {
        "wait_seller_agree": ("待卖家处理", "waiting for the seller"),
        "wait_buyer_return": ("待买家退货", "waiting for the buyer's return"),
        "wait_seller_confirm": ("待卖家确认收货", "waiting for the seller to confirm receipt"),
        "seller_refused": ("卖家已拒绝", "refused by the seller"),
        "success": ("成功", "succeeded"),
        "closed": ("已关闭", "closed"),
    },
    "refund_phrase": {
        "success": ("成功", "succeeded"),
        "closed": ("关闭", "was closed"),
    },
    "event": {
        "placed": ("拍下", "placed"),
        "paid": ("付款", "paid"),
        "cancelled": ("取消订单", "cancelled"),
        "shipped": ("发货", "shipped"),
        "signed": ("签收", "signed for"),
        "confirmed": ("确认收货", "receipt confirmed"),
        "receipt_extended": ("延长收货时间", "receipt time extended"),
        "refund_requested": ("申请退款", "refund requested"),
        "refund_agreed": ("卖家同意退款", "refund agreed"),
        "refund_refused": ("卖家拒绝退款", "refund refused"),
        "refund_modified": ("修改退款申请", "refund request modified"),
        "refund_cancelled": ("撤销退款", "refund cancelled"),
        "return_shipped": ("买家寄回商品", "return shipped"),
        "return_received": ("卖家确认收到退货", "return received by the seller"),
        "return_arrived": ("退货已送达", "return delivered"),
        "intervention_requested": ("申请平台介入", "platform intervention requested"),
        "intervention_ruled": ("平台判定", "platform ruled"),
        "rated": ("评价", "rated"),
        "evidence_added": ("补充举证", "evidence added"),
    },
    "auto": {
        "auto_close": ("交易自动关闭", "closes by itself (unpaid)"),
        "pay_reminder": ("催付提醒", "payment reminder due"),
        "dispatch_due": ("发货超时", "shipping overdue"),
        "auto_confirm": ("自动确认收货", "receipt confirmed automatically"),
        "auto_refund": ("自动退款", "refunded automatically"),
        "auto_agree": ("自动同意退款", "refund agreed automatically"),
        "refund_close": ("退款自动关闭", "refund closes by itself"),
        "return_window_end": ("七天无理由退货期结束", "7-day no-reason return window ends"),
        "evidence_due": ("举证期结束", "evidence period ends"),
        "money_arrival": ("退款到账", "refunded money arrives"),
        "rating_window_end": ("评价期结束", "rating window ends"),
        "default_rating": ("系统默认好评", "default good rating"),
        "after_sale_window_end": ("售后申请期结束", "after-sale window ends"),
        "legal_return_window_end": ("法定七日无理由退货期结束", "legal 7-day return period ends"),
        "seller_evidence_due": ("卖家举证期结束", "seller's evidence due"),
        "legal_address_due": ("法定提供退货地址时限", "legal time to give a return address ends"),
        "legal_refund_due": ("法定退款时限（七日）", "legal 7 days to refund end"),
        "legal_refund_overdue": ("超过15日未退款", "refund over 15 days late"),
    },
    "auto_long": {
        "auto_close": ("交易自动关闭（买家未付款）", "the unpaid order closes by itself"),
        "pay_reminder": ("应提醒买家付款（催付）", "a payment reminder to the buyer is due"),
        "dispatch_due": (
            "发货时限到期（卖家发货超时）",
            "the seller's time to ship runs out (late shipment)",
        ),
        "auto_confirm": (
            "自动确认收货，交易成功",
            "receipt is confirmed automatically and the trade succeeds",
        ),
        "auto_refund": ("自动退款，退款成功", "the refund is paid out automatically"),
        "auto_agree": (
            "系统自动视为卖家同意退款",
            "the seller is taken to have agreed to the refund",
        ),
        "refund_close": ("退款自动关闭", "the refund closes by itself"),
        "return_window_end": ("七天无理由退货期结束", "the 7-day no-reason return window ends"),
        "evidence_due": (
            "平台介入举证期结束",
            "the evidence period of the platform's intervention ends",
        ),
        "money_arrival": ("退款到账（最晚）", "the refunded money has arrived (at the latest)"),
        "rating_window_end": ("评价期结束", "the rating window ends"),
        "default_rating": ("系统默认给出好评", "a default good rating is given"),
        "after_sale_window_end": ("售后申请期结束", "the after-sale window ends"),
        "legal_return_window_end": (
            "法定七日无理由退货期结束（依法，不是平台规则）",
            "the legal 7-day no-reason return period ends (the law, not the platform's rule)",
        ),
        "seller_evidence_due": (
            "卖家回应买家举证的时限到期",
            "the seller's answer to the buyer's evidence is due",
        ),
        "legal_address_due": (
            "卖家提供退货地址的法定时限（超过15日可受处罚）",
            "the seller's legal time to give a return address ends (15 days; punishable after)",
        ),
        "legal_refund_due": (
            "卖家收到退货后七日内退款的法定时限到期",
            "the law's 7 days to refund after receiving the returned goods end",
        ),
        "legal_refund_overdue": (
            "收到退货超过15日仍未退款，可受处罚",
            "the refund is more than 15 days after receiving the goods: punishable",
        ),
    },
    "reason": {
        "no_reason": ("七天无理由", "no reason (7-day return)"),
        "quality": ("质量问题", "quality problem"),
        "not_as_described": ("描述不符", "not as described"),
        "not_shipped_in_time": ("未按约定时间发货", "not shipped in time"),
        "out_of_stock": ("缺货", "out of stock"),
        "agreed": ("协商一致", "agreed by both"),
        "other": ("其他", "other"),
    },
    "party": {
        "buyer": ("买家", "the buyer"),
        "seller": ("卖家", "the seller"),
        "carrier": ("物流", "the carrier"),
        "platform": ("平台", "the platform"),
    },
    "method": {
        "express": ("快递", "express"),
        "ems": ("EMS", "EMS"),
        "surface_mail": ("平邮", "surface mail"),
        "none": ("无需物流", "no shipping"),
    },
    "channel": {
        "alipay_balance": ("支付宝余额", "Alipay balance"),
        "online_banking": ("网银", "online banking"),
        "credit_card": ("信用卡", "credit card"),
    },
    "category": {
        "custom_made": (
            "消费者定作的商品（第六条第一项）",
            "goods made to the consumer's order (art. 6(1))",
        ),
        "fresh": ("鲜活易腐的商品（第六条第二项）", "fresh, live and perishable goods (art. 6(2))"),
        "digital_unsealed": (
            "在线下载或者消费者拆封的音像制品、计算机软件等数字化商品（第六条第三项）",
            "downloaded or unsealed audio-visual, software and other digital goods (art. 6(3))",
        ),
        "periodical": (
            "交付的报纸、期刊（第六条第四项）",
            "delivered newspapers and periodicals (art. 6(4))",
        ),
        "health_on_opening": (
            "拆封后易影响人身安全或者生命健康的商品，或者拆封后易导致商品品质发生改变的商品"
            "（第七条第一项）",
            "goods that endanger safety or health, or change in quality, once opened (art. 7(1))",
        ),
        "value_lost_on_activation": (
            "一经激活或者试用后价值贬损较大的商品（第七条第二项）",
            "goods that lose much value once activated or tried (art. 7(2))",
        ),
        "near_expiry_or_flawed": (
            "销售时已明示的临近保质期的商品、有瑕疵的商品（第七条第三项）",
            "goods sold as near expiry or flawed, so declared (art. 7(3))",
        ),
        "general": ("一般商品", "general goods"),
    },
    "score": {
        "good": ("好评", "good"),
        "neutral": ("中评", "neutral"),
        "bad": ("差评", "bad"),
    },
    "outcome": {
        "refund": ("退款", "refund"),
        "no_refund": ("不退款", "no refund"),
    },
    "kind": {
        "return": ("退货退款", "return and refund"),
        "only": ("仅退款", "refund only"),
    },
    "rules": {
        "taobao": ("淘宝规则", "Taobao rules"),
        "tmall": ("天猫规则", "Tmall rules"),
        "wechat_shop": ("微信小店规则", "WeChat Shop rules"),
    },
    "variant": {
        "refund only": ("仅退款", "refund only"),
        "return goods": ("退货退款", "return goods"),
        "no-reason return": ("七天无理由退货", "no-reason return"),
        "good": ("好评", "good"),
        "refund": ("退款", "refund"),
        "no refund": ("不退款", "no refund"),
    },
}

#: Each rule's name, by id: the preset timers, the rules between timers and the amount rules.
RULE_NAMES: Mapping[str, tuple[str, str]] = {
    "aftersale.window": ("售后申请期", "the after-sale window"),
    "confirm.auto_confirm": ("自动确认收货", "automatic confirmation of receipt"),
    "confirm.auto_confirm.surface_mail": (
        "平邮自动确认收货",
        "automatic confirmation of receipt by surface mail",
    ),
    "confirm.buyer_extension": ("买家延长收货时间", "the buyer's extension of the receipt time"),
    "confirm.seller_extension": ("卖家延长收货时间", "the seller's extension of the receipt time"),
    "law.no_reason_window": ("法定七日无理由退货期", "the legal 7-day no-reason return period"),
    "law.refund_after_return": ("法定收到退货后七日内退款", "the law's 7 days to refund"),
    "law.refund_after_return.punishable": (
        "收到退货超过15日未退款的法定处罚",
        "the law's penalty for a refund over 15 days late",
    ),
    "law.return_address": ("提供退货地址的法定时限", "the law's time to give a return address"),
    "money.alipay_balance": ("退款到支付宝余额", "refund to the Alipay balance"),
    "money.credit_card": ("退款到信用卡", "refund to a credit card"),
    "money.credit_card.boc": ("退款到中国银行信用卡", "refund to a Bank of China credit card"),
    "money.credit_card.other_bank": (
        "退款到其他银行信用卡",
        "refund to another bank's credit card",
    ),
    "money.processing_cutoff": ("退款处理截止时间", "the refund processing cut-off"),
    "money.withdrawal": ("提现到银行卡", "withdrawal to a bank card"),
    "pay.reminder": ("催付提醒", "the payment reminder"),
    "pay.reminder.campaign": ("大促催付提醒", "the payment reminder during a sales campaign"),
    "pay.unpaid_close": ("拍下未付款自动关闭", "an unpaid order closes"),
    "rate.window.buyer": ("买家评价期", "the buyer's rating window"),
    "rate.window.seller": ("卖家评价期", "the seller's rating window"),
    "refund.buyer_return_timeout": ("买家退货超时", "the buyer's time to return the goods"),
    "refund.intervention_evidence": ("平台介入举证期", "the evidence period of an intervention"),
    "refund.intervention_seller_reply": ("卖家回应举证期", "the seller's time to answer evidence"),
    "refund.refund_only_seller_timeout": (
        "卖家处理仅退款超时",
        "the seller's time to answer a refund-only request",
    ),
    "refund.refused_buyer_timeout": (
        "卖家拒绝后买家处理超时",
        "the buyer's time to act after the seller refused",
    ),
    "refund.return_seller_timeout": (
        "卖家处理退货退款超时",
        "the seller's time to answer a return request",
    ),
    "refund.seller_receipt_timeout": (
        "卖家确认收货超时",
        "the seller's time to confirm the returned goods",
    ),
    "refund.seller_receipt_timeout.surface_mail": (
        "平邮退货卖家确认收货超时",
        "the seller's time to confirm the returned goods by surface mail",
    ),
    "refund.unshipped_seller_timeout": (
        "未发货退款卖家处理超时",
        "the seller's time to answer a refund before shipping",
    ),
    "return.no_reason_window": ("七天无理由退货期", "the 7-day no-reason return window"),
    "service.complaint_reply": ("投诉回复时限", "the time to answer a complaint"),
    "service.greeting": ("客服首次响应时限", "the time to greet the buyer"),
    "service.reply": ("客服回复时限", "the time to answer the buyer"),
    "ship.dispatch_due": ("发货时限", "the time to ship"),
    # the rules between timers
    "order.graph": ("订单状态流转", "the order's states"),
    "order.first_event": ("订单从拍下开始", "an order starts with placed"),
    "refund.graph": ("退款状态流转", "the refund's states"),
    "refund.one_open": ("同一时间只有一个退款", "one refund at a time"),
    "trade.lines": ("多个子订单的交易", "a trade of several lines"),
    "trade.split_shipment": ("分开发货", "a trade shipped in parts"),
    "refund.none_after_success": ("交易成功后不能申请退款", "no refund after success"),
    "refund.no_refuse_before_shipping": (
        "发货前卖家不能拒绝退款",
        "no refusal before shipping",
    ),
    "refund.return_needs_shipment": ("发货后才能退货", "a return needs a shipment"),
    "refund.amount": ("退款金额", "the refund amount"),
    "refund.same_reason_after_return_timeout": (
        "退货超时后同一原因再次申请",
        "the same reason after a return timed out",
    ),
    "law.no_reason_exclusions": (
        "不适用七日无理由退货的商品",
        "goods excluded from no-reason returns",
    ),
    "refund.return_shipping": ("七天无理由退货的运费", "who pays a no-reason return's shipping"),
    "refund.intervention": ("平台介入", "platform intervention"),
    "pay.instalment_minimum": ("信用卡分期的最低金额", "the minimum for credit-card instalments"),
}

#: How each preset timer that someone can stop is stopped, by rule id (the rest: nobody can).
RULE_STOPS: Mapping[str, tuple[str, str]] = {
    "pay.unpaid_close": (
        "买家付款，或买家、卖家取消订单",
        "the buyer pays, or the buyer or the seller cancels",
    ),
    "pay.reminder": ("买家付款", "the buyer pays"),
    "pay.reminder.campaign": ("买家付款", "the buyer pays"),
    "ship.dispatch_due": ("卖家发货", "the seller ships"),
    "confirm.auto_confirm": (
        "买家确认收货；退款期间暂停计时",
        "the buyer confirms receipt; it pauses while a refund is open",
    ),
    "confirm.auto_confirm.surface_mail": (
        "买家确认收货；退款期间暂停计时",
        "the buyer confirms receipt; it pauses while a refund is open",
    ),
    "refund.unshipped_seller_timeout": (
        "卖家同意退款（立即退款成功）或发货（退款关闭）；买家撤销退款",
        "the seller agrees (the refund succeeds at once) or ships (the refund closes); or the "
        "buyer cancels the refund",
    ),
    "refund.refund_only_seller_timeout": (
        "卖家同意或拒绝退款；买家撤销退款",
        "the seller agrees or refuses; or the buyer cancels the refund",
    ),
    "refund.return_seller_timeout": (
        "卖家同意或拒绝退款；买家撤销退款",
        "the seller agrees or refuses; or the buyer cancels the refund",
    ),
    "refund.buyer_return_timeout": (
        "买家寄回商品（或撤销退款）",
        "the buyer ships the return (or cancels the refund)",
    ),
    "refund.seller_receipt_timeout": (
        "卖家确认收货或拒绝退款",
        "the seller confirms receipt of the return, or refuses",
    ),
    "refund.seller_receipt_timeout.surface_mail": (
        "卖家确认收货或拒绝退款",
        "the seller confirms receipt of the return, or refuses",
    ),
    "refund.refused_buyer_timeout": (
        "买家修改退款申请（卖家重新计时）或申请平台介入",
        "the buyer modifies the request (the seller's time starts again) or asks the platform "
        "to intervene",
    ),
    "refund.intervention_seller_reply": (
        "卖家补充举证（或平台判定）",
        "the seller adds evidence (or the platform rules)",
    ),
    "rate.window.buyer": ("买家评价", "the buyer rates"),
    "rate.window.seller": ("卖家评价", "the seller rates"),
    "law.return_address": (
        "卖家同意退货（提供退货地址）",
        "the seller agrees (giving the return address)",
    ),
    "law.refund_after_return": (
        "卖家确认收货（退款成功）",
        "the seller confirms receipt (the refund succeeds)",
    ),
    "law.refund_after_return.punishable": (
        "卖家确认收货（退款成功）",
        "the seller confirms receipt (the refund succeeds)",
    ),
    "service.complaint_reply": ("店铺客服回复投诉", "shop staff answer the complaint"),
    "service.greeting": ("店铺客服回复", "shop staff answer"),
    "service.reply": ("店铺客服回复", "shop staff answer"),
}

#: Every sentence, by key: (zh, en). Placeholders name facts; a format spec names the
#: vocabulary a value is said in (``{state:refund}``), ``dur`` a duration, ``*KIND`` a list
#: ("paid or shipped"), ``rule`` a rule's name.
SENTENCES: Mapping[str, tuple[str, str]] = {
    # -- refusals: the header, then why --
    "refused": (
        "{where}：{at} 的{event:ev}不被允许：{why}（规则 {rule}）",
        "{where}: {event} at {at} is not allowed: {why} ({rule})",
    ),
    "invalid": (
        "{where}：{at} 的{event:ev}无效：{why}（规则 {rule}）",
        "{where}: {event} at {at} is invalid: {why} ({rule})",
    ),
    "located": ("订单 {order}", "order {order}"),
    "located_index": ("订单 {order}，事件 #{index}", "order {order}, event {index}"),
    "located_line": ("，子订单 {line}", ", line {line}"),
    "out_of_order": (
        "{where}：{at} 的{event:ev}早于前一个事件（{last}）；事件须按发生的"
        "先后排列（迟到的事件用 Order.insert 按发生时间插入）",
        "{where}: {event} at {at} is earlier than the event before it ({last}); events "
        "must be in the order they happened (Order.insert places an event that arrived late by "
        "when it happened)",
    ),
    "ext.buyer_days": (
        "买家只能延长 {allowed:dur}，不能延长 {asked:dur}",
        "the buyer can extend by {allowed:dur} only, not {asked:dur}",
    ),
    "ext.buyer_used": (
        "买家已延长 {n} 次，已达上限",
        "the buyer already extended {n} time(s), the most allowed",
    ),
    "ext.buyer_early": (
        "剩余时间不超过 {within:dur}时买家才能延长，现在还剩 {left:dur}",
        "the buyer can extend only when at most {within:dur} remain, and {left:dur} remain",
    ),
    "ext.seller_days": (
        "卖家只能延长 {allowed:*dur}，不能延长 {asked:dur}",
        "the seller can extend by {allowed:*dur} only, not {asked:dur}",
    ),
    "ext.who": (
        "只有买家或卖家可以延长收货时间，{by:party}不可以",
        "only the buyer or the seller can extend the receipt time, not {by:party}",
    ),
    "refund.one_open": (
        "退款 {n} 仍在进行中（{state:refund_short}），同一时间只能有一个退款",
        "refund {n} is still open ({state:refund_short}); one refund at a time",
    ),
    "refund.nothing_shipped": (
        "卖家还没有发货，没有可退的货",
        "nothing was shipped yet, so there are no goods to return",
    ),
    "law.excluded": (
        "依据《网络购买商品七日无理由退货暂行办法》，{category:category}不适用七日无理由退货",
        "the law excludes {category:category} from no-reason returns (Interim Measures for "
        "7-day no-reason returns)",
    ),
    "law.excluded_confirmed": (
        "依据《网络购买商品七日无理由退货暂行办法》，{category:category}经买家购买时确认，"
        "不适用七日无理由退货",
        "the law excludes {category:category} from no-reason returns (the buyer confirmed it "
        "at purchase; Interim Measures for 7-day no-reason returns)",
    ),
    "return.window_ended": (
        "七天无理由退货期已于 {at} 结束",
        "the no-reason return window ended at {at}",
    ),
    "refund.reason_barred": (
        "此前以“{reason:reason}”为由的退款因买家未按时退货而关闭，同一原因再次申请需卖家同意",
        "an earlier refund for the reason \u201c{reason:reason}\u201d closed because the return "
        "was not shipped in time; a new request for the same reason needs the seller's consent",
    ),
    "amount.not_positive": (
        "退款金额必须大于 0，收到的是 {amount}",
        "a refund amount must be more than 0, got {amount}",
    ),
    "amount.none_placed": (
        "拍下时没有给出金额，只能申请全额退款（不填金额）",
        "the placed event gave no amount, so only a full refund (no amount) can be asked",
    ),
    "amount.too_much": (
        "退款金额 {amount} 超过可退金额 {refundable}（实付 {paid}，已退 {refunded}）",
        "refund amount {amount} is more than the {refundable} still refundable (paid {paid}, "
        "refunded {refunded})",
    ),
    "amount.all_refunded": ("实付金额已全部退款", "everything paid was already refunded"),
    "aftersale.none": (
        "交易已于 {at} 成功，交易成功后不能申请退款（规则集 {rules} 没有售后申请期）",
        "the order succeeded at {at} and no refund can be requested after success (rule set "
        "'{rules}' has no after-sale window)",
    ),
    "aftersale.ended": ("售后申请期已于 {at} 结束", "the after-sale window ended at {at}"),
    "evidence.no_intervention": (
        "平台介入期间才能补充举证，而该退款没有申请平台介入",
        "evidence is added during the platform's intervention, which was not requested",
    ),
    "evidence.who": ("只有买家和卖家可以补充举证", "only the buyer and the seller add evidence"),
    "rate.who": (
        "只有买家和卖家可以评价，{by:party}不可以",
        "only the buyer and the seller rate, not {by:party}",
    ),
    "rate.who_nobody": (
        "只有买家和卖家可以评价，评价需注明评价方（by）",
        "only the buyer and the seller rate, not nobody",
    ),
    "rate.default_given": (
        "{side:party}已被系统默认评价（{score:score}），每方只能评价一次",
        "{side:party} was given the default rating ({score:score}); one rating per side",
    ),
    "rate.already": (
        "{side:party}已经评价过（{score:score}），每方只能评价一次",
        "{side:party} already rated ({score:score}); one rating per side",
    ),
    "rate.window_ended": (
        "{side:party}的评价期已于 {at} 结束",
        "the {side}'s rating window ended at {at}",
    ),
    "refund.no_return": ("该退款为仅退款，没有退货", "the refund is a refund only, with no return"),
    "refund.refuse_before_shipping": (
        "订单还没有发货，发货前卖家只能同意退款（或发货，退款随之关闭）",
        "the order has not shipped, and before shipping the seller can only agree to a refund "
        "(or ship, which closes it)",
    ),
    "intervention.none": (
        "该退款没有申请平台介入",
        "no platform intervention was requested for this refund",
    ),
    "intervention.already": (
        "该退款已经申请过平台介入",
        "platform intervention was already requested for this refund",
    ),
    "ruled.no_refund": ("平台判定不退款", "the platform ruled no refund"),
    "order.auto": (
        "订单{state:order_phrase}（{at} 自动发生）",
        "the order {state:order_phrase} automatically at {at}",
    ),
    "order.by_refund": (
        "订单{state:order_phrase}（{at} 退款自动成功：{what:auto}）",
        "the order {state:order_phrase} when the refund succeeded automatically ({what}) at {at}",
    ),
    "order.not_in_graph": (
        "订单{state:order_phrase}（{at} {what:event}之后）；"
        "{event:event}需要订单{need:*order_short}",
        "the order {state:order_phrase} (since {what} at {at}); {event} needs it to be "
        "{need:*order_short}",
    ),
    "order.first_event": (
        "订单的事件日志必须以拍下（placed）开始",
        "an order's log starts with placed",
    ),
    "order.placed_again": ("订单已于 {at} 拍下", "the order was already placed at {at}"),
    "order.no_event": (
        "{event} 不是规则集 {rules} 的事件",
        "{event} is no event of rule set '{rules}'",
    ),
    "refund.none": ("还没有申请退款", "no refund has been requested"),
    "refund.ended_auto": (
        "退款已于 {at} 自动{state:refund_phrase}",
        "the refund already {state:refund_phrase} automatically at {at}",
    ),
    "refund.ended": (
        "退款已于 {at} {state:refund_phrase}（{what:event}）",
        "the refund already {state:refund_phrase} at {at} ({what})",
    ),
    "refund.not_in_graph": (
        "退款 {n} 处于“{state:refund}”；{event:event}需要退款处于{need:*refund_short}",
        "refund {n} is {state:refund_short}; {event} needs it to be {need:*refund_short}",
    ),
    # -- why an automatic event is not coming (Status.why_not) --
    "whynot.line": (
        "子订单 {line} 的{event:auto}没有在计时：该子订单{state:order_short}",
        "{event} is not running on line {line}: the line is {state:order_short}",
    ),
    "whynot.line_refund": (
        "，退款 {n}：{state:refund_short}",
        ", refund {n} is {state:refund_short}",
    ),
    "whynot.line_paused": (
        "（退款期间{event:auto}暂停，剩余 {left:dur}）",
        " ({event} is paused with {left:dur} left while the refund is open)",
    ),
    "whynot.fired": (
        "{event:auto}已于 {at} 发生（{rule}）",
        "{event} already happened at {at} ({rule})",
    ),
    "whynot.paused": (
        "退款 {n} 进行中（{state:refund}），{event:auto}暂停计时，剩余 {left:dur}；"
        "退款结束且订单未关闭时恢复计时",
        "{event} is paused while refund {n} is open ({state:refund_short}), with {left:dur} left; "
        "it resumes when the refund ends without closing the order",
    ),
    "whynot.money": (
        "退款成功后才显示到账时间（付款事件需给出付款方式，信用卡还需给出银行）",
        "money_arrival is shown once a refund has succeeded, for an order whose paid event "
        "gives its channel (and a credit card's bank)",
    ),
    "whynot.idle": (
        "{event:auto}没有在计时：订单{state:order_short}，没有退款",
        "{event} is not running: the order is {state:order_short}, no refund",
    ),
    "whynot.idle_refund": (
        "{event:auto}没有在计时：订单{state:order_short}，退款 {n}：{refund:refund_short}",
        "{event} is not running: the order is {state:order_short}, refund {n} is "
        "{refund:refund_short}",
    ),
    # -- the explanation (explain) --
    "x.head": (
        "订单 {id}（{rules}，{zone}），截至 {now}：",
        "Order {id} ({rules}, {zone}), as of {now}:",
    ),
    "x.zone": ("{tz} 时间", "times in {tz}"),
    "x.state": ("状态：{state:order}。", "State: {state:order}."),
    "x.refund": (
        "退款 {n}：{state:refund}（{kind:kind}，原因：{reason:reason}）。",
        "Refund {n}: {state:refund} ({kind:kind}, reason: {reason:reason}).",
    ),
    "x.line": ("子订单 {id}：{state:order}", "Line {id}: {state:order}"),
    "x.line_refund": ("；退款 {n}：{state:refund}", "; refund {n}: {state:refund}"),
    "x.end": ("。", "."),
    "x.paused": (
        "自动确认收货已暂停：退款结束（未全额退款）后恢复计时，剩余 {left:dur}。",
        "Auto-confirm is paused: it resumes with {left:dur} left when the refund ends without "
        "refunding everything.",
    ),
    "x.next": ("接下来：", "Next:"),
    "x.none": ("接下来：没有正在计时的期限。", "Next: no timer is running."),
    "x.item": ("- {at}（{left:dur}后{on}）：{what}。", "- {at} (in {left:dur}{on}): {what}."),
    "x.on_line": ("，子订单 {line}", ", line {line}"),
    "x.stop": ("  可以阻止：{how}。", "  Can be stopped: {how}."),
    "x.nobody": ("  任何一方都不能阻止。", "  Nobody can stop it."),
    "x.info": (
        "  （提示性期限，不改变订单状态）",
        "  (informational: the order's state does not change)",
    ),
    "x.source": (
        "  依据：{name}（{rule}）；来源：{source}。",
        "  Rule: {name} ({rule}); source: {source}.",
    ),
    "x.fired": ("已自动发生：", "Happened automatically:"),
    "x.fired_item": ("- {at}：{what}（{rule}{on}）", "- {at}: {what} ({rule}{on})"),
    "x.window": (
        "  到账时间：最早 {earliest}，最晚 {at}。",
        "  Not before {earliest}, at the latest {at}.",
    ),
    "x.approximate": (
        "  （估算：该年没有官方工作日安排，按周末计算）",
        "  (approximate: no official working-day data for that year; counted by weekends alone)",
    ),
    "x.instalments": ("信用卡分期：{ok}，{why}。", "Credit-card instalments: {ok}: {why}."),
    "x.yes": ("可以", "possible"),
    "x.no": ("不可以", "not possible"),
    "inst.none": (
        "订单没有给出金额，无法与 {min} 元比较（{rule}）",
        "the order gives no amount to compare with {min} ({rule})",
    ),
    "inst.flash": (
        "秒杀订单不能分期（{rule}）",
        "instalments are never offered for a flash-sale order ({rule})",
    ),
    "inst.below": (
        "付款 {amount} 元，不满分期所需的 {min} 元（{rule}）",
        "the payment of {amount} yuan is below the {min} yuan instalments need ({rule})",
    ),
    "inst.ok": (
        "付款 {amount} 元，满 {min} 元（{rule}：单笔或同一账户合并付款，秒杀除外）",
        "a payment of {amount} yuan, at least {min} ({rule})",
    ),
    "x.ratings": (
        "评价：买家{buyer}，卖家{seller}；{shown}。",
        "Ratings: buyer {buyer}, seller {seller}; {shown}.",
    ),
    "x.shown": ("双方评价已显示", "both are shown"),
    "x.hidden": (
        "双方都评价或评价期结束后才显示",
        "shown once both sides rated or the rating windows ended",
    ),
    "x.unrated": ("未评价", "not rated"),
    "x.default": ("（系统默认）", " (default)"),
    # -- the timeline (tradeclock status) --
    "t.head": (
        "订单 {id} · {rules} · {zone} · 现在 {now}",
        "Order {id} · {rules} · {zone} · now {now}",
    ),
    "t.state": ("状态：{state:order_short}", "State: {state:order_short}"),
    "t.amount": ("   实付 {amount}", "   paid amount {amount}"),
    "t.refunded": ("   已退 {amount}", "   refunded {amount}"),
    "t.line": ("  子订单 {id}：{state:order_short}", "  line {id}: {state:order_short}"),
    "t.line_amount": ("   金额 {amount}", "   amount {amount}"),
    "t.line_refund": ("   退款 {n}：{state:refund_short}", "   refund {n}: {state:refund_short}"),
    "t.refund": (
        "退款 {n}：{state:refund_short}（{kind:kind}，原因：{reason:reason}，{amount}）",
        "Refund {n}: {state:refund_short} ({kind:kind}, reason: {reason:reason}, {amount})",
    ),
    "t.full": ("全额", "full amount"),
    "t.history": ("经过", "History"),
    "t.auto": ("{what:autoid}，自动，{rule}", "{what:autoid}, automatic, {rule}"),
    "t.on_line": ("，子订单 {line}", ", line {line}"),
    "t.on_lines": ("，子订单 {lines}", ", lines {lines}"),
    "t.later": (
        "  （日志中另有 {n} 个晚于现在的事件，未计入）",
        "  ({n} later event(s) in the log, after now, not counted)",
    ),
    "t.upcoming": ("接下来", "Upcoming"),
    "t.upcoming_none": ("接下来：没有正在计时的期限", "Upcoming: nothing (no timer is running)"),
    "t.item": (
        "  {at}  {what:autoid}，{left:dur}后  [{rule}]",
        "  {at}  {what:autoid}, in {left:dur}  [{rule}]",
    ),
    "t.then": ("      届时：{effect}", "      then: {effect}"),
    "t.stop": ("      可以阻止：{how}", "      can be stopped: {how}"),
    "t.nobody": ("      任何一方都不能阻止", "      nobody can stop it"),
    "t.window": (
        "      最早 {earliest}，最晚即上述时间",
        "      not before {earliest}, at the latest then",
    ),
    "t.approximate": (
        "      估算：该年没有官方工作日安排，按周末计算",
        "      approximate: a working day was counted without official data",
    ),
    "t.source": ("      来源：{source}", "      source: {source}"),
    "t.paused": (
        "退款期间自动确认收货暂停计时，剩余 {left:dur}。",
        "Auto-confirm is paused while the refund is open, with {left:dur} left.",
    ),
    # -- when --
    "w.at": ("{at}（{since}{rule}；{left:dur}后）", "{at}  ({since}{rule}; in {left:dur})"),
    "w.since": ("最早 {at}，", "not before {at}, "),
    # -- actions --
    "a.refused": ("{label}：不可以：{why}", "{label}: not allowed: {why}"),
    "a.on_line": ("{label}（子订单 {line}）", "{label} on line {line}"),
    "a.order": ("订单{state:order_short}", "order {state}"),
    "a.line": ("子订单{state:order_short}", "line {state}"),
    "a.refund": ("退款{state:refund_short}", "refund {state}"),
    "a.paused": ("自动确认收货暂停，剩余 {left:dur}", "auto-confirm paused with {left:dur} left"),
    "a.now": ("{label} -> 立即：{changes}", "{label} -> {changes} now"),
    "a.no_change": ("{label} -> 不立即改变状态", "{label} -> no change now"),
    "a.starts": ("；开始 {items}", "; starts {items}"),
    "a.stops": ("；停止 {items}", "; stops {items}"),
    "a.item": ("{what:auto}（{at}，{rule}）", "{what} ({at}, {rule})"),
    "a.item_line": (
        "{what:auto}（{at}，{rule}，子订单 {line}）",
        "{what} ({at}, {rule}, line {line})",
    ),
    "a.nobody": ("现在谁都不能做什么", "nobody can do anything now"),
    "a.none_for": ("{actor:party}现在不能做什么", "{actor:party} can do nothing now"),
    "a.actor": ("{actor:party}：", "{actor}:"),
    # -- the other commands' text --
    "c.generated": (
        "{orders} 个订单，{events} 条事件 -> {output}（其中 {spoiled} 个有意写坏）",
        "{orders} orders, {events} events -> {output} ({spoiled} spoiled)",
    ),
    "c.enqueued": ("{order}：{n} 条事件", "{order}: {n} events"),
    "c.appended": (
        "{order}：已在队列中；追加 {n} 条新事件",
        "{order}: already queued; {n} new events appended",
    ),
    "c.unchanged": (
        "{order}：已在队列中，这 {n} 条事件都已存入",
        "{order}: already queued with these {n} events",
    ),
    "c.fired": (
        "{order}：{event:auto}（{rule}）于 {at} 到期，{processed} 记录",
        "{order}: {event} ({rule}) due {at}, recorded {processed}",
    ),
    "c.fired_line": (
        "{order} 子订单 {line}：{event:auto}（{rule}）于 {at} 到期，{processed} 记录",
        "{order} line {line}: {event} ({rule}) due {at}, recorded {processed}",
    ),
    "c.failed": (
        "订单 {order} 无法判断（{kind}），已保留，每次扫描重试：{message}",
        "order {order} failed ({kind}), kept and retried: {message}",
    ),
    "c.unreachable": (
        "队列无法访问，稍后重试（间隔逐次加长，最长 5 秒）：{message}",
        "the queue cannot be reached; retrying (pausing longer each time, up to 5 s): {message}",
    ),
    "c.reconnected": ("已重新连上队列，继续扫描", "the queue is back; sweeping on"),
    "c.queue": (
        "{db}：{orders} 个订单，已记录 {fired} 个自动事件，下一个到期 {next}，{failed} 个失败",
        "{db}: {orders} orders, {fired} automatic events recorded, next due {next}, "
        "{failed} failed",
    ),
    "c.queue_due": (
        "截至 {now}：{due} 个订单有事件到期",
        "as of {now}: {due} orders have events due",
    ),
    "c.none": ("无", "none"),
    "c.queue_failure": (
        "  {order}：{kind}，自 {since} 起（{attempts} 次）：{message}",
        "  {order}: {kind} since {since} ({attempts} attempts): {message}",
    ),
    "c.batch": (
        "{orders} 个订单，用时 {seconds} 秒（每秒 {rate} 个）；错误 {errors}{kinds}{lines}；"
        "{rows} 行 -> {output}",
        "{orders} orders in {seconds} s ({rate} orders/s); errors {errors}{kinds}{lines}; "
        "{rows} rows -> {output}",
    ),
    "c.batch_lines": ("；{n} 个子订单", "; {n} lines"),
    "c.states": ("订单状态：{states}", "states: {states}"),
    "c.line_states": ("子订单状态：{states}", "line states: {states}"),
    "c.count": ("{what} {n}", "{what} {n}"),
    "c.verdicts": (
        "{agree} 项一致，{disagree} 项不一致，{unjudged} 项未判断，共 {n} 个报文",
        "{agree} agree, {disagree} disagree, {unjudged} unjudged, in {n} payloads",
    ),
    "c.rule_verdicts": (
        "  {rule}：{agree} 项一致，{disagree} 项不一致",
        "  {rule}: {agree} agree, {disagree} disagree",
    ),
    "c.finding": (
        "{verdict:verdict} {subject} {field}：平台 {platform}，tradeclock {ours}",
        "{verdict:verdict} {subject} {field}: platform {platform}, tradeclock {ours}",
    ),
    "c.unjudged": ("{verdict:verdict} {subject}", "{verdict:verdict} {subject}"),
    "c.unread_more": ("（另有 {n} 个无法读取）", " (and {n} more unreadable)"),
    "c.rule_set": (
        "规则集 {id}（{name}，{zone}），指纹 {fingerprint}",
        "Rule set {id} ({name}, times in {zone}), fingerprint {fingerprint}",
    ),
    "c.own_event": (
        "  本店自定义事件 {name}（由{by}记录）",
        "  its own event {name} (recorded by {by})",
    ),
    "c.anyone": ("任何一方", "anyone"),
    "c.unconfirmed": ("  [未确认]", "  [unconfirmed]"),
    "c.rule_source": ("      来源：{source}", "      source: {source}"),
    "c.not_checked": ("      未核对", "      not checked"),
    "c.checked": ("      核对于 {day}", "      checked {day}"),
    "c.checked_note": ("      核对于 {day}，{note}", "      checked {day}: {note}"),
    "c.not_checked_note": ("      未核对：{note}", "      not checked: {note}"),
    "c.source": ("{id}：{title}（{kind}）", "{id}: {title} ({kind})"),
    "c.source_also": ("    {title}", "    {title}"),
    "c.source_by": ("    出处：{publisher}；{version}{url}", "    {publisher}; {version}{url}"),
    "c.cited_by": ("    引用它的规则：{rules}", "    cited by: {rules}"),
}

_SEP = {"zh": "、", "en": ", "}
_OR = {"zh": "或", "en": " or "}
_INDEX = {"zh": 0, "en": 1}


class Say(msgspec.Struct, frozen=True):
    """A sentence to be said: its key in :data:`SENTENCES` and the facts it is made of."""

    key: str
    args: Mapping[str, Any]


def say(key: str, **args: Any) -> Say:
    """The sentence ``key`` about ``args`` (said later, in a language: :func:`text`)."""
    if key not in SENTENCES:
        raise KeyError(f"no sentence {key!r}")
    return Say(key, args)


def check_lang(lang: str) -> str:
    """``lang`` if tradeclock speaks it; else ``InvalidInput`` naming the languages."""
    if lang not in _INDEX:
        from ._errors import InvalidInput

        raise InvalidInput(f"unknown language {lang!r} (zh, en)")
    return lang


def term(kind: str, value: Any, lang: str) -> str:
    """``value`` (a state, event, reason, party...) in ``lang``; a value the vocabulary does
    not hold (a shop's own event, say) is shown as it is."""
    pair = TERMS[kind].get(str(value))
    return str(value) if pair is None else pair[_INDEX[lang]]


def rules_name(name: str, lang: str) -> str:
    """A rule set's name as a reader says it: 淘宝规则, Taobao rules; a shop's own by its name."""
    pair = TERMS["rules"].get(name)
    if pair is not None:
        return pair[_INDEX[lang]]
    return f"{name} 规则" if lang == "zh" else f"{name} rules"


def zone_words(name: str, lang: str) -> str:
    """How a reader names the time zone ``name``: Asia/Shanghai is 北京时间 (Beijing time)."""
    if name == "Asia/Shanghai":
        return "北京时间" if lang == "zh" else "Beijing time"
    return text(say("x.zone", tz=name), lang)


def rule_name(rule_id: str, lang: str) -> str:
    """A rule's name in ``lang``; a shop's own rule is named by its id."""
    pair = RULE_NAMES.get(rule_id)
    return rule_id if pair is None else pair[_INDEX[lang]]


def rule_stop(rule_id: str, lang: str, own: str = "") -> str:
    """How the timer ``rule_id`` is stopped, in ``lang``; a shop's own timer says it in its own
    words (``own``, its rule set file's ``stopped_how``)."""
    pair = RULE_STOPS.get(rule_id)
    return own if pair is None else pair[_INDEX[lang]]


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, spec: str) -> str:
        lang = self.lang
        if not spec:
            return str(value)
        if spec.startswith("*"):
            items = list(value)
            words = [self.format_field(v, spec[1:]) for v in items]
            joiner = _SEP[lang] if spec[1:] == "dur" else _OR[lang]
            if len(words) > 2 and lang == "en":
                return ", ".join(words[:-1]) + " or " + words[-1]
            return joiner.join(words)
        if spec == "dur":
            assert isinstance(value, timedelta)
            return duration_words(value, lang)
        if spec == "rule":
            return rule_name(str(value), lang)
        if spec == "ev":  # an event the caller sent: its words and, in Chinese, its name too
            pair = TERMS["event"].get(str(value))
            return str(value) if pair is None or lang == "en" else f"{pair[0]}（{value}）"
        if spec == "autoid":  # an automatic event with the name to ask about it (when EVENT)
            pair = TERMS["auto"].get(str(value))
            if pair is None:
                return str(value)
            return f"{pair[0]}（{value}）" if lang == "zh" else f"{value} ({pair[1]})"
        return term(spec, value, lang)


_FORMATTERS = {lang: _Formatter(lang) for lang in LANGS}


def text(said: Say, lang: str = "en") -> str:
    """``said`` in ``lang``."""
    template = SENTENCES[said.key][_INDEX[lang]]
    return _FORMATTERS[lang].vformat(template, (), dict(said.args))


def join(parts: Iterable[str], lang: str) -> str:
    """Items of a list in ``lang`` (``、`` or ``, ``)."""
    return _SEP[lang].join(parts)


def missing() -> list[str]:
    """Every value that has no wording in one of the languages: each event, state, reason,
    party, shipping method, channel, category, score and outcome, and each rule of the presets
    (its name; a timer someone can stop: how). Empty when every one reads in both."""
    from ._events import (
        AutoEvent,
        Category,
        Channel,
        EventType,
        Method,
        Outcome,
        Party,
        Reason,
        Score,
    )
    from ._machine import OrderState, RefundState
    from ._presets import AMOUNT_RULES, CONSTRAINTS, PRESETS

    order_states = [*(s.value for s in OrderState), "partly_shipped"]
    wanted: list[tuple[Mapping[str, tuple[str, str]], str, Iterable[str]]] = [
        (TERMS["event"], "event", [e.value for e in EventType]),
        (TERMS["auto"], "auto", [e.value for e in AutoEvent]),
        (TERMS["auto_long"], "auto_long", [e.value for e in AutoEvent]),
        (TERMS["order"], "order", order_states),
        (TERMS["order_short"], "order_short", order_states),
        (TERMS["order_phrase"], "order_phrase", order_states),
        (TERMS["refund"], "refund", [s.value for s in RefundState]),
        (TERMS["refund_short"], "refund_short", [s.value for s in RefundState]),
        (TERMS["refund_phrase"], "refund_phrase", ["success", "closed"]),
        (TERMS["reason"], "reason", [r.value for r in Reason]),
        (TERMS["party"], "party", [p.value for p in Party]),
        (TERMS["method"], "method", [m.value for m in Method]),
        (TERMS["channel"], "channel", [c.value for c in Channel]),
        (TERMS["category"], "category", [c.value for c in Category]),
        (TERMS["score"], "score", [s.value for s in Score]),
        (TERMS["outcome"], "outcome", [o.value for o in Outcome]),
        (TERMS["rules"], "rules", list(PRESETS)),
    ]
    rule_ids = {i for p in PRESETS.values() for i in p.rules} | set(CONSTRAINTS) | set(AMOUNT_RULES)
    wanted.append((RULE_NAMES, "rule", sorted(rule_ids)))
    stoppable = {i for p in PRESETS.values() for i, r in p.rules.items() if r.stoppable_by}
    wanted.append((RULE_STOPS, "stop", sorted(stoppable)))
    out = []
    for table, kind, values in wanted:
        for value in values:
            pair = table.get(value)
            for lang in LANGS:
                if pair is None or len(pair) != len(LANGS) or not pair[_INDEX[lang]].strip():
                    out.append(f"{kind} {value!r} ({lang})")
    return out
