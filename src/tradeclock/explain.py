"""Plain-language accounts of a status, in Chinese or English, rendered from ``Status`` alone.

The text never computes a fact of its own: every instant, state, rule and source comes from the
status it renders, so an explanation cannot disagree with ``status()``. Chinese wording follows
the platform's own terms (自动确认收货, 退款成功, 卖家同意退款, 七天无理由退货).

>>> import tradeclock
>>> order = tradeclock.load("examples/order.json")
>>> print(order.explain("2026-11-08T12:00:00+08:00", lang="en").splitlines()[1])
State: signed for by the buyer, waiting for the buyer to confirm receipt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._time import duration_words, format_short
from .errors import InvalidInput
from .rules import AMOUNT_RULES, RuleSet
from .sources import cite
from .status import Deadline, Status

__all__ = ["LANGS", "explain"]

LANGS = ("zh", "en")

_ORDER: Mapping[str, Mapping[str, str]] = {
    "zh": {
        "placed": "已拍下，等待买家付款",
        "paid": "买家已付款，等待卖家发货",
        "shipped": "卖家已发货，等待买家确认收货",
        "signed": "买家已签收，等待买家确认收货",
        "success": "交易成功",
        "closed": "交易关闭",
        "partly_shipped": "卖家已部分发货",
    },
    "en": {
        "placed": "placed, waiting for the buyer to pay",
        "paid": "paid, waiting for the seller to ship",
        "shipped": "shipped, waiting for the buyer to confirm receipt",
        "signed": "signed for by the buyer, waiting for the buyer to confirm receipt",
        "success": "trade succeeded",
        "closed": "trade closed",
        "partly_shipped": "partly shipped: some lines shipped, some not yet",
    },
}
_REFUND: Mapping[str, Mapping[str, str]] = {
    "zh": {
        "wait_seller_agree": "等待卖家同意退款",
        "wait_buyer_return": "卖家已同意，等待买家退货",
        "wait_seller_confirm": "买家已退货，等待卖家确认收货",
        "seller_refused": "卖家拒绝退款",
        "success": "退款成功",
        "closed": "退款关闭",
    },
    "en": {
        "wait_seller_agree": "waiting for the seller to agree",
        "wait_buyer_return": "the seller agreed; waiting for the buyer to return the goods",
        "wait_seller_confirm": "goods returned; waiting for the seller to confirm receipt",
        "seller_refused": "the seller refused",
        "success": "refund succeeded",
        "closed": "refund closed",
    },
}
_EVENT: Mapping[str, Mapping[str, str]] = {
    "zh": {
        "auto_close": "交易自动关闭（买家未付款）",
        "pay_reminder": "应提醒买家付款（催付）",
        "dispatch_due": "发货时限到期（卖家发货超时）",
        "auto_confirm": "自动确认收货，交易成功",
        "auto_refund": "自动退款，退款成功",
        "auto_agree": "系统自动视为卖家同意退款",
        "refund_close": "退款自动关闭",
        "return_window_end": "七天无理由退货期结束",
        "evidence_due": "平台介入举证期结束",
        "money_arrival": "退款到账（最晚）",
        "rating_window_end": "评价期结束",
        "default_rating": "系统默认给出好评",
        "after_sale_window_end": "售后申请期结束",
        "legal_return_window_end": "法定七日无理由退货期结束（依法，不是平台规则）",
        "seller_evidence_due": "卖家回应买家举证的时限到期",
        "legal_address_due": "卖家提供退货地址的法定时限（超过15日可受处罚）",
        "legal_refund_due": "卖家收到退货后七日内退款的法定时限到期",
        "legal_refund_overdue": "收到退货超过15日仍未退款，可受处罚",
    },
    "en": {
        "auto_close": "the unpaid order closes by itself",
        "pay_reminder": "a payment reminder to the buyer is due",
        "dispatch_due": "the seller's time to ship runs out (late shipment)",
        "auto_confirm": "receipt is confirmed automatically and the trade succeeds",
        "auto_refund": "the refund is paid out automatically",
        "auto_agree": "the seller is taken to have agreed to the refund",
        "refund_close": "the refund closes by itself",
        "return_window_end": "the 7-day no-reason return window ends",
        "evidence_due": "the evidence period of the platform's intervention ends",
        "money_arrival": "the refunded money has arrived (at the latest)",
        "rating_window_end": "the rating window ends",
        "default_rating": "a default good rating is given",
        "after_sale_window_end": "the after-sale window ends",
        "legal_return_window_end": "the legal 7-day no-reason return period ends (the law, "
        "not the platform's rule)",
        "seller_evidence_due": "the seller's answer to the buyer's evidence is due",
        "legal_address_due": "the seller's legal time to give a return address ends (15 days; "
        "punishable after)",
        "legal_refund_due": "the law's 7 days to refund after receiving the returned goods end",
        "legal_refund_overdue": "the refund is more than 15 days after receiving the goods: "
        "punishable",
    },
}
_PARTY: Mapping[str, Mapping[str, str]] = {
    "zh": {"buyer": "买家", "seller": "卖家", "carrier": "物流", "platform": "平台"},
    "en": {
        "buyer": "the buyer",
        "seller": "the seller",
        "carrier": "the carrier",
        "platform": "the platform",
    },
}
#: How each timer can be stopped, in Chinese (English: the rule table's own text).
_HOW_ZH: Mapping[str, str] = {
    "pay.unpaid_close": "买家付款，或买卖双方取消订单",
    "pay.reminder": "买家付款",
    "pay.reminder.campaign": "买家付款",
    "ship.dispatch_due": "卖家发货",
    "confirm.auto_confirm": "买家确认收货；退款期间暂停计时",
    "confirm.auto_confirm.surface_mail": "买家确认收货；退款期间暂停计时",
    "refund.unshipped_seller_timeout": (
        "卖家同意退款（立即退款成功）或发货（退款关闭）；买家撤销退款"
    ),
    "refund.refund_only_seller_timeout": "卖家同意或拒绝退款；买家撤销退款",
    "refund.return_seller_timeout": "卖家同意或拒绝退款；买家撤销退款",
    "refund.buyer_return_timeout": "买家寄回商品（或撤销退款）",
    "refund.seller_receipt_timeout": "卖家确认收货或拒绝退款",
    "refund.seller_receipt_timeout.surface_mail": "卖家确认收货或拒绝退款",
    "refund.refused_buyer_timeout": "买家修改退款申请（卖家重新计时）或申请平台介入",
    "refund.intervention_evidence": "由平台判定",
    "return.no_reason_window": "",
    "rate.window.buyer": "买家评价",
    "refund.intervention_seller_reply": "卖家补充举证（或平台判定）",
    "law.return_address": "卖家同意退货（提供退货地址）",
    "law.refund_after_return": "卖家确认收货（退款成功）",
    "law.refund_after_return.punishable": "卖家确认收货（退款成功）",
    "rate.window.seller": "卖家评价",
}
_YES_NO_ZH = {True: "可以", False: "不可以"}
_WORDS: Mapping[str, Mapping[str, str]] = {
    "zh": {
        "head": "订单 {id}（{rules} 规则，{tz} 时间），截至 {now}：",
        "state": "状态：{state}。",
        "refund": "退款 {n}：{state}（{kind}，原因：{reason}）。",
        "return": "退货退款",
        "only": "仅退款",
        "paused": "自动确认收货已暂停：退款结束（未全额退款）后恢复计时，剩余 {left}。",
        "next": "接下来：",
        "none": "接下来：没有正在计时的期限。",
        "item": "- {at}（{left}后）：{what}。",
        "line": "子订单 {id}：{state}",
        "line_refund": "；退款 {n}：{state}",
        "on_line": "（子订单 {id}）",
        "stop": "  谁可以阻止：{who}——{how}。",
        "nobody": "  任何一方都不能阻止。",
        "info": "  （提示性期限，不改变订单状态）",
        "source": "  依据：{rule}；来源：{source}。",
        "fired": "已自动发生：",
        "fired_item": "- {at}：{what}（{rule}）",
        "window": "  到账时间：最早 {earliest}，最晚 {at}。",
        "approximate": "  （估算：该年没有官方工作日安排，按周末计算）",
        "instalments": "信用卡分期：{ok}（{rule}：单笔或同一账户合并付款满 {min} 元，秒杀除外）。",
        "ratings": "评价：买家{buyer}，卖家{seller}；{shown}。",
        "shown": "双方评价已显示",
        "hidden": "双方都评价或评价期结束后才显示",
        "unrated": "未评价",
        "default": "（系统默认）",
        "sep": "、",
    },
    "en": {
        "head": "Order {id} ({rules} rules, times in {tz}), as of {now}:",
        "state": "State: {state}.",
        "refund": "Refund {n}: {state} ({kind}, reason: {reason}).",
        "return": "return and refund",
        "only": "refund only",
        "paused": "Auto-confirm is paused: it resumes with {left} left when the refund ends "
        "without refunding everything.",
        "next": "Next:",
        "none": "Next: no timer is running.",
        "item": "- {at} (in {left}): {what}.",
        "line": "Line {id}: {state}",
        "line_refund": "; refund {n}: {state}",
        "on_line": " (line {id})",
        "stop": "  Who can stop it: {who}: {how}.",
        "nobody": "  Nobody can stop it.",
        "info": "  (informational: the order's state does not change)",
        "source": "  Rule {rule}; source: {source}.",
        "fired": "Happened automatically:",
        "fired_item": "- {at}: {what} ({rule})",
        "window": "  Not before {earliest}, at the latest {at}.",
        "approximate": "  (approximate: no official working-day data for that year; "
        "counted by weekends alone)",
        "instalments": "Credit-card instalments: {reason}.",
        "ratings": "Ratings: buyer {buyer}, seller {seller}; {shown}.",
        "shown": "both are shown",
        "hidden": "shown once both sides rated or the rating windows ended",
        "unrated": "not rated",
        "default": " (default)",
        "sep": ", ",
    },
}
_REASON_ZH = {
    "no_reason": "七天无理由",
    "quality": "质量问题",
    "not_as_described": "描述不符",
    "not_shipped_in_time": "未按约定时间发货",
    "out_of_stock": "缺货",
    "agreed": "协商一致",
    "other": "其他",
}


def explain(status: Status, rules: RuleSet, lang: str = "zh") -> str:
    """A plain-language account of ``status`` in ``lang`` (``zh`` or ``en``)."""
    if lang not in LANGS:
        raise InvalidInput(f"unknown language {lang!r} (zh, en)")
    w = _WORDS[lang]
    tz = status.tz
    lines = [
        w["head"].format(
            id=status.id, rules=status.rules, tz=rules.timezone, now=format_short(status.now, tz)
        ),
        w["state"].format(state=_ORDER[lang][status.state]),
    ]
    several = len(status.lines) > 1
    for x in status.lines if several else ():  # a trade: each line's state and refund
        text = w["line"].format(id=x.id, state=_ORDER[lang][x.state])
        if x.refund is not None:
            text += w["line_refund"].format(n=x.refund.number, state=_REFUND[lang][x.refund.state])
        lines.append(text + ("。" if lang == "zh" else "."))
    r = status.refund
    if r is not None and not several:
        reason = _REASON_ZH.get(r.reason, r.reason) if lang == "zh" else r.reason
        lines.append(
            w["refund"].format(
                n=r.number,
                state=_REFUND[lang][r.state],
                kind=w["return"] if r.return_goods else w["only"],
                reason=reason,
            )
        )
    if status.state == "placed":
        ok, reason = status.instalments()
        lines.append(
            w["instalments"].format(
                ok=_YES_NO_ZH[ok],
                reason=reason,
                rule="pay.instalment_minimum",
                min=AMOUNT_RULES["pay.instalment_minimum"].amount,
            )
        )
    if status.state == "success":
        lines.append(_ratings_line(status, lang))
    if status.auto_confirm_paused_left is not None:
        lines.append(w["paused"].format(left=duration_words(status.auto_confirm_paused_left, lang)))
    lines.append(w["next"] if status.upcoming else w["none"])
    for d in status.upcoming:
        lines += _deadline(d, status, rules, lang)
    if status.fired:
        lines.append(w["fired"])
        for f in status.fired:
            on = w["on_line"].format(id=f.line) if several and f.line is not None else ""
            lines.append(
                w["fired_item"].format(
                    at=format_short(f.at, tz) + on,
                    what=_what(f.event, f.rule, rules, lang),
                    rule=f.rule,
                )
            )
    return "\n".join(lines)


_SCORE_ZH = {"good": "好评", "neutral": "中评", "bad": "差评"}


def _ratings_line(status: Status, lang: str) -> str:
    w = _WORDS[lang]
    r = status.ratings

    def score(value: str | None, by_default: bool) -> str:
        if value is None:
            return w["unrated"]
        text = _SCORE_ZH[value] if lang == "zh" else value
        return text + (w["default"] if by_default else "")

    return w["ratings"].format(
        buyer=score(r.buyer, r.buyer_by_default),
        seller=score(r.seller, False),
        shown=w["shown"] if status.ratings_visible else w["hidden"],
    )


def _deadline(d: Deadline, status: Status, rules: RuleSet, lang: str) -> list[str]:
    w = _WORDS[lang]
    on = w["on_line"].format(id=d.line) if len(status.lines) > 1 and d.line is not None else ""
    out = [
        w["item"].format(
            at=format_short(d.at, status.tz) + on,
            left=duration_words(d.at - status.now, lang),
            what=_what(d.event, d.rule, rules, lang),
        )
    ]
    if d.earliest is not None and d.earliest != d.at:
        out.append(
            w["window"].format(
                earliest=format_short(d.earliest, status.tz), at=format_short(d.at, status.tz)
            )
        )
    if d.approximate:
        out.append(w["approximate"])
    if d.stoppable_by:
        who = w["sep"].join(_PARTY[lang][p] for p in d.stoppable_by)
        how = (_HOW_ZH.get(d.rule, "") if lang == "zh" else "") or _stopped_how(d.rule, rules)
        out.append(w["stop"].format(who=who, how=how or "-"))
    else:
        out.append(w["nobody"])
    if d.informational:
        out.append(w["info"])
    out.append(w["source"].format(rule=d.rule, source=cite(d.source, lang)))
    return out


def _what(event: str, rule_id: str, rules: RuleSet, lang: str) -> str:
    """What an automatic event is, in ``lang``; a shop's own timer speaks its own words (its
    effect, as the rule set file gives it)."""
    text = _EVENT[lang].get(event)
    if text is not None:
        return text
    rule = rules.rules.get(rule_id)
    return f"{event}: {rule.effect}" if rule is not None else event


def _stopped_how(rule_id: str, rules: RuleSet) -> str:
    rule = rules.rules.get(rule_id)
    return "" if rule is None else rule.stopped_how


def explain_dict(status: Status, rules: RuleSet, lang: str) -> dict[str, Any]:
    """The explanation with the facts it was rendered from, as JSON."""
    return {"lang": lang, "text": explain(status, rules, lang), "status": status.to_dict()}
