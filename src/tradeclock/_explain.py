"""Plain-language accounts of a status, in Chinese or English, rendered from ``Status`` alone.

The text never computes a fact of its own: every instant, state, rule and source comes from the
status it renders, so an explanation cannot disagree with ``status()``. Every word and sentence
comes from :mod:`tradeclock.words`; Chinese follows the platform's own terms (自动确认收货,
退款成功, 卖家同意退款, 七天无理由退货).

>>> import tradeclock
>>> order = tradeclock.load("examples/order.json")
>>> print(order.explain("2026-11-08T12:00:00+08:00", lang="en").splitlines()[1])
State: signed for by the buyer, waiting for the buyer to confirm receipt.
"""

from __future__ import annotations

from typing import Any

from ._rules import RuleSet
from ._status import Deadline, Status, instalments_said
from ._time import format_short
from .sources import cite
from .words import (
    LANGS,
    TERMS,
    check_lang,
    rule_name,
    rule_stop,
    rules_name,
    say,
    term,
    text,
    zone_words,
)

__all__ = ["LANGS", "explain", "explain_dict", "stop_words"]


def explain(status: Status, rules: RuleSet, lang: str = "en") -> str:
    """A plain-language account of ``status`` in ``lang`` (``zh`` or ``en``)."""
    check_lang(lang)
    tz = status.tz

    def t(key: str, **args: Any) -> str:
        return text(say(key, **args), lang)

    lines = [
        t(
            "x.head",
            id=status.id,
            rules=rules_name(status.rules, lang),
            zone=zone_words(rules.timezone, lang),
            now=format_short(status.now, tz),
        ),
        t("x.state", state=status.state),
    ]
    several = len(status.lines) > 1
    for x in status.lines if several else ():  # a trade: each line's state and refund
        line = t("x.line", id=x.id, state=x.state)
        if x.refund is not None:
            line += t("x.line_refund", n=x.refund.number, state=x.refund.state)
        lines.append(line + t("x.end"))
    r = status.refund
    if r is not None and not several:
        kind = "return" if r.return_goods else "only"
        lines.append(t("x.refund", n=r.number, state=r.state, kind=kind, reason=r.reason))
    if status.state == "placed":
        ok, why = instalments_said(status.amount, status.flash_sale)
        lines.append(t("x.instalments", ok=t("x.yes" if ok else "x.no"), why=text(why, lang)))
    if status.state == "success":
        lines.append(_ratings_line(status, lang))
    if status.auto_confirm_paused_left is not None:
        lines.append(t("x.paused", left=status.auto_confirm_paused_left))
    lines.append(t("x.next") if status.upcoming else t("x.none"))
    for d in status.upcoming:
        lines += _deadline(d, status, rules, lang)
    if status.fired:
        lines.append(t("x.fired"))
        for f in status.fired:
            on = t("x.on_line", line=f.line) if several and f.line is not None else ""
            what = _what(f.event, f.rule, rules, lang)
            lines.append(
                t("x.fired_item", at=format_short(f.at, tz), what=what, rule=f.rule, on=on)
            )
    return "\n".join(lines)


def _ratings_line(status: Status, lang: str) -> str:
    r = status.ratings

    def score(value: str | None, by_default: bool) -> str:
        if value is None:
            return text(say("x.unrated"), lang)
        return term("score", value, lang) + (text(say("x.default"), lang) if by_default else "")

    shown = "x.shown" if status.ratings_visible else "x.hidden"
    return text(
        say(
            "x.ratings",
            buyer=score(r.buyer, r.buyer_by_default),
            seller=score(r.seller, False),
            shown=text(say(shown), lang),
        ),
        lang,
    )


def _deadline(d: Deadline, status: Status, rules: RuleSet, lang: str) -> list[str]:
    def t(key: str, **args: Any) -> str:
        return text(say(key, **args), lang)

    tz = status.tz
    on = t("x.on_line", line=d.line) if len(status.lines) > 1 and d.line is not None else ""
    out = [
        t(
            "x.item",
            at=format_short(d.at, tz),
            left=d.at - status.now,
            on=on,
            what=_what(d.event, d.rule, rules, lang),
        )
    ]
    if d.earliest is not None and d.earliest != d.at:
        out.append(t("x.window", earliest=format_short(d.earliest, tz), at=format_short(d.at, tz)))
    if d.approximate:
        out.append(t("x.approximate"))
    how = stop_words(d.rule, rules, lang) if d.stoppable_by else ""
    out.append(t("x.stop", how=how) if how else t("x.nobody"))
    if d.informational:
        out.append(t("x.info"))
    out.append(
        t("x.source", name=rule_name(d.rule, lang), rule=d.rule, source=cite(d.source, lang))
    )
    return out


def stop_words(rule_id: str, rules: RuleSet, lang: str) -> str:
    """How the timer ``rule_id`` of ``rules`` is stopped, in ``lang`` (a shop's own timer: in
    its rule set file's words)."""
    rule = rules.rules.get(rule_id)
    return rule_stop(rule_id, lang, "" if rule is None else rule.stopped_how)


def _what(event: str, rule_id: str, rules: RuleSet, lang: str) -> str:
    """What an automatic event is, in ``lang``; a shop's own timer speaks its own words (its
    effect, as the rule set file gives it)."""
    if event in TERMS["auto_long"]:
        return term("auto_long", event, lang)
    rule = rules.rules.get(rule_id)
    return f"{event}: {rule.effect}" if rule is not None else event


def explain_dict(status: Status, rules: RuleSet, lang: str) -> dict[str, Any]:
    """The explanation with the facts it was rendered from, as JSON."""
    return {"lang": lang, "text": explain(status, rules, lang), "status": status.to_dict()}
