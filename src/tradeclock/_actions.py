"""What each party may do now, and what each action would change: asked of the engine itself.

Every candidate action is applied to a copy of the order at ``now``; the engine's answer is the
answer (no second set of rules here). An allowed action reports the state changes it makes at
once and the deadlines it starts and stops; a refused one, the engine's reason and rule.

>>> import tradeclock
>>> order = tradeclock.load("examples/order.json")
>>> [a.label for a in order.allowed_actions("2026-11-08T12:00:00+08:00", actor="buyer")]
['confirmed', 'refund_cancelled', 'return_shipped']
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from ._errors import TradeclockError
from ._status import Deadline, Status
from ._time import format_duration_iso, format_short, parse_instant
from ._trade import LINE_EVENTS, SUBSET_EVENTS
from .words import join, say, term, text

if TYPE_CHECKING:
    from ._order import Order

__all__ = ["ACTORS", "Action", "actions"]

#: Who may do what: (actor, event type, label, representative fields).
ACTORS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("buyer", "paid", "paid", {}),
    ("buyer", "cancelled", "cancelled", {"by": "buyer"}),
    ("buyer", "confirmed", "confirmed", {}),
    ("buyer", "receipt_extended", "receipt_extended", {"by": "buyer"}),
    (
        "buyer",
        "refund_requested",
        "refund_requested (refund only)",
        {"return_goods": False, "reason": "quality"},
    ),
    (
        "buyer",
        "refund_requested",
        "refund_requested (return goods)",
        {"return_goods": True, "reason": "quality"},
    ),
    (
        "buyer",
        "refund_requested",
        "refund_requested (no-reason return)",
        {"return_goods": True, "reason": "no_reason"},
    ),
    ("buyer", "refund_modified", "refund_modified", {}),
    ("buyer", "refund_cancelled", "refund_cancelled", {}),
    ("buyer", "return_shipped", "return_shipped", {"tracking_no": "(tracking number)"}),
    ("buyer", "intervention_requested", "intervention_requested", {"by": "buyer"}),
    ("buyer", "rated", "rated (good)", {"by": "buyer", "score": "good"}),
    ("buyer", "evidence_added", "evidence_added", {"by": "buyer"}),
    ("seller", "cancelled", "cancelled", {"by": "seller"}),
    ("seller", "shipped", "shipped", {"method": "express"}),
    ("seller", "receipt_extended", "receipt_extended", {"by": "seller", "days": 3}),
    ("seller", "refund_agreed", "refund_agreed", {}),
    ("seller", "refund_refused", "refund_refused", {}),
    ("seller", "return_received", "return_received", {}),
    ("seller", "intervention_requested", "intervention_requested", {"by": "seller"}),
    ("seller", "rated", "rated (good)", {"by": "seller", "score": "good"}),
    ("seller", "evidence_added", "evidence_added", {"by": "seller"}),
    ("carrier", "signed", "signed", {}),
    ("carrier", "return_arrived", "return_arrived", {}),
    ("platform", "intervention_ruled", "intervention_ruled (refund)", {"outcome": "refund"}),
    ("platform", "intervention_ruled", "intervention_ruled (no refund)", {"outcome": "no_refund"}),
)


class Action(msgspec.Struct, frozen=True):
    """One thing a party could do at ``now``, and what it would change."""

    actor: str
    event: str
    #: the event type plus the variant tried, e.g. ``refund_requested (return goods)``
    label: str
    #: the event as JSON, ready for ``Order.apply`` (with the time of ``now``)
    fields: dict[str, Any]
    allowed: bool
    #: for a refused action: why, and the rule that decides
    reason: str | None
    rule: str | None
    #: ``(before, after)`` of the order state and of the refund state
    state: tuple[str, str]
    refund: tuple[str | None, str | None]
    #: deadlines the action starts, and deadlines it stops
    starts: tuple[Deadline, ...]
    stops: tuple[Deadline, ...]
    #: the paused auto-confirm time left, before and after (an extension during a refund)
    paused: tuple[timedelta | None, timedelta | None] = (None, None)
    #: the line of a trade the action concerns (``None``: the trade as a whole, or an order
    #: of one line)
    line: str | None = None
    #: for a refused action: why, as facts (a :class:`tradeclock.words.Say`), so that
    #: :meth:`summary` can say it in either language (``reason`` is the English)
    why: Any = None

    def to_dict(self, tz: Any, lang: str = "en") -> dict[str, Any]:
        """The JSON form, deadlines with their times in zone ``tz``, a refusal's ``reason`` in
        ``lang``."""
        return {
            "actor": self.actor,
            "event": self.event,
            "label": self.label,
            "fields": self.fields,
            "allowed": self.allowed,
            "reason": self.reason if self.why is None else text(self.why, lang),
            "rule": self.rule,
            "state": list(self.state),
            "refund": list(self.refund),
            "starts": [d.to_dict(tz) for d in self.starts],
            "stops": [d.to_dict(tz) for d in self.stops],
            "paused_left": [None if p is None else format_duration_iso(p) for p in self.paused],
            "line": self.line,
        }

    def summary(self, tz: Any, lines: bool = False, lang: str = "en") -> str:
        """One line in ``lang``: ``refund_agreed -> refund success now; starts ...; stops
        ...``; with ``lines`` (a trade of several), each deadline of another line names it."""

        def t(key: str, **args: Any) -> str:
            return text(say(key, **args), lang)

        label = self.label
        if lang != "en":  # the event's words, and the variant tried
            event, _, variant = label.partition(" (")
            label = term("event", event, lang)
            if variant:
                label += f"（{term('variant', variant.rstrip(')'), lang)}）"
        if self.line is not None:
            label = t("a.on_line", label=label, line=self.line)
        if not self.allowed:
            why = self.reason if self.why is None else text(self.why, lang)
            return t("a.refused", label=label, why=why)
        changes = []
        if self.state[0] != self.state[1]:
            changes.append(t("a.order" if self.line is None else "a.line", state=self.state[1]))
        if self.refund[0] != self.refund[1]:
            changes.append(t("a.refund", state=self.refund[1]))
        if self.paused[0] != self.paused[1] and self.paused[1] is not None:
            changes.append(t("a.paused", left=self.paused[1]))
        if changes:
            out = t("a.now", label=label, changes=join(changes, lang))
        else:
            out = t("a.no_change", label=label)
        for key, ds in (("a.starts", self.starts), ("a.stops", self.stops)):
            if ds:
                items = [
                    t(
                        "a.item_line",
                        what=d.event,
                        at=format_short(d.at, tz),
                        rule=d.rule,
                        line=d.line,
                    )
                    if lines and d.line not in (None, self.line)
                    else t("a.item", what=d.event, at=format_short(d.at, tz), rule=d.rule)
                    for d in ds
                ]
                out += t(key, items=join(items, lang))
        return out


def actions(
    order: Order, now: datetime | str, actor: str | None = None, include_refused: bool = False
) -> list[Action]:
    """Every action ``actor`` (or anyone) may take at ``now``; refused ones too if asked."""
    t = parse_instant(now, "now")
    base = order._at(t)
    before = base.status(t)
    out = []
    own = [
        (who, e.name, e.name, {"by": who})
        for e in order.rules.events.values()
        for who in (e.by or ("buyer", "seller"))
    ]
    several = order._lines is not None
    for who, etype, label, fields in (*ACTORS, *own):
        if actor is not None and who != actor:
            continue
        tries: list[tuple[str | None, dict[str, Any]]] = [(None, {})]
        if several and (etype in LINE_EVENTS or etype == "rated"):
            tries = [(x, {"line": x}) for x in order.line_ids]  # a trade: line by line
        elif several and etype in SUBSET_EVENTS:
            tries = [(x, {"lines": [x]}) for x in order.line_ids]
        for line, named in tries:
            event = {"type": etype, "at": t.isoformat(), **fields, **named}
            try:
                after = base.apply(event).status(t)
            except TradeclockError as err:
                if include_refused:
                    out.append(
                        Action(
                            who,
                            etype,
                            label,
                            event,
                            False,
                            _why(err),
                            err.rule,
                            (before.state, before.state),
                            _refund(before, before, line),
                            (),
                            (),
                            line=line,
                            why=None if err.said is None else err.said[0],
                        )
                    )
                continue
            out.append(_allowed(who, etype, label, event, before, after, line))
    return out


def _allowed(
    who: str,
    etype: str,
    label: str,
    event: dict[str, Any],
    before: Status,
    after: Status,
    line: str | None = None,
) -> Action:
    old = {(d.event, d.rule, d.at, d.line) for d in before.upcoming}
    new = {(d.event, d.rule, d.at, d.line) for d in after.upcoming}
    starts = tuple(d for d in after.upcoming if (d.event, d.rule, d.at, d.line) not in old)
    stops = tuple(d for d in before.upcoming if (d.event, d.rule, d.at, d.line) not in new)
    # the order's state and pause, or with ``line`` the line's own
    b, a = (before, after) if line is None else (_line(before, line), _line(after, line))
    return Action(
        who,
        etype,
        label,
        event,
        True,
        None,
        None,
        (b.state, a.state),
        _refund(before, after, line),
        starts,
        stops,
        (b.auto_confirm_paused_left, a.auto_confirm_paused_left),
        line,
    )


def _line(status: Status, line: str) -> Any:
    return next(x for x in status.lines if x.id == line)


def _refund(
    before: Status, after: Status, line: str | None = None
) -> tuple[str | None, str | None]:
    br, ar = before.refund, after.refund
    if line is not None:  # a line of a trade: its own refund
        br, ar = _line(before, line).refund, _line(after, line).refund
    b = br.state if br else None
    a = ar.state if ar else None
    if br and ar and br.number != ar.number:
        b = None  # a new refund
    return b, a


def _why(err: TradeclockError) -> str:
    if err.said is not None:  # a refusal: what it says, without the order and event
        return text(err.said[0])
    # "order X: ... is invalid: WHY (rule)" -> "WHY"
    message = err.message
    _, _, rest = message.partition(" is not allowed: ")
    if not rest:
        _, _, rest = message.partition(" is invalid: ")
    why = rest or message
    return why.rsplit(" (", 1)[0] if why.endswith(")") else why
