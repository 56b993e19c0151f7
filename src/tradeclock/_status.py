"""What ``Order.status(now)`` answers: the state, the refund, what fired, and what comes next.

These are immutable values with named fields (frozen ``msgspec.Struct``s: not tuples, so a
field added later breaks no caller; built faster than a ``NamedTuple``, docs/adr/0006);
:meth:`Status.to_dict` is the CLI's JSON contract, with every time in the rule set's zone.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

import msgspec

from . import _presets as presets
from ._errors import InvalidInput
from ._events import AutoEvent, check_auto_event
from ._rules import OWN_AUTO_EVENTS
from ._time import format_duration_iso, format_local, format_short
from .words import check_lang, say, text

__all__ = [
    "Deadline",
    "Fired",
    "Instalments",
    "LineStatus",
    "Ratings",
    "RefundView",
    "Status",
    "instalments",
    "instalments_said",
]


_AUTO_NAMES = frozenset(e.value for e in AutoEvent)


class Fired(msgspec.Struct, frozen=True):
    """An automatic event that happened at its deadline."""

    event: str
    at: datetime
    rule: str
    #: the line (sub-order) it concerns; ``None`` for the trade as a whole (the pay timers)
    line: str | None = None

    def to_dict(self, tz: tzinfo) -> dict[str, Any]:
        """``{"event", "at", "rule", "line"}`` with ``at`` in zone ``tz``."""
        return {
            "event": self.event,
            "at": format_local(self.at, tz),
            "rule": self.rule,
            "line": self.line,
        }


class Deadline(msgspec.Struct, frozen=True):
    """A pending automatic event: when it happens, by which rule, and who can still stop it."""

    event: str
    at: datetime
    rule: str
    stoppable_by: tuple[str, ...]
    source: str
    effect: str
    informational: bool
    #: for a window (money arrival): its start; ``at`` is then its end, "at the latest"
    earliest: datetime | None
    #: a working day counted came from an approximation (a year without calendar data)
    approximate: bool
    #: the line (sub-order) it concerns; ``None`` for the trade as a whole (the pay timers)
    line: str | None = None

    def to_dict(self, tz: tzinfo) -> dict[str, Any]:
        """The JSON form, with ``at`` (and ``earliest``) in zone ``tz``."""
        earliest = self.earliest
        return {
            "event": self.event,
            "at": format_local(self.at, tz),
            "rule": self.rule,
            "stoppable_by": list(self.stoppable_by),
            "source": self.source,
            "effect": self.effect,
            "informational": self.informational,
            "earliest": None if earliest is None else format_local(earliest, tz),
            "approximate": self.approximate,
            "line": self.line,
        }


class Ratings(msgspec.Struct, frozen=True):
    """Each side's rating after success (``None``: not rated)."""

    buyer: str | None
    seller: str | None
    #: the buyer's rating is the default one, given when the window ended without a rating
    buyer_by_default: bool


class Instalments(msgspec.Struct, frozen=True):
    """Whether the buyer may pay by credit-card instalments (rule ``pay.instalment_minimum``)."""

    allowed: bool
    reason: str


class RefundView(msgspec.Struct, frozen=True):
    """The open refund, or the most recent one."""

    number: int
    state: str
    return_goods: bool
    reason: str
    #: the amount asked for; ``None`` means everything still refundable
    amount: Decimal | None
    requested_at: datetime
    #: requested before the order shipped (the 2-day rule, no refuse action)
    before_shipment: bool
    intervention: bool

    def to_dict(self, tz: tzinfo) -> dict[str, Any]:
        """The JSON form, amounts as decimal strings."""
        return {
            "number": self.number,
            "state": self.state,
            "return_goods": self.return_goods,
            "reason": self.reason,
            "amount": None if self.amount is None else str(self.amount),
            "requested_at": format_local(self.requested_at, tz),
            "before_shipment": self.before_shipment,
            "intervention": self.intervention,
        }


class LineStatus(msgspec.Struct, frozen=True):
    """One line (sub-order) of a trade: its own state, refund and deadlines."""

    id: str
    state: str
    top_status: str
    top_refund_status: str | None
    refund: RefundView | None
    upcoming: tuple[Deadline, ...]
    #: the most the line can refund (``None``: the log gave no amount) and what it refunded
    amount: Decimal | None
    refunded: Decimal
    #: time left on the line's auto-confirm countdown while its refund pauses it
    auto_confirm_paused_left: timedelta | None

    def to_dict(self, tz: tzinfo) -> dict[str, Any]:
        """The JSON form: ``{"id", "state", "refund", "upcoming", ...}``."""
        return self._contract(tz, False)

    def _contract(self, tz: tzinfo, encoded: bool) -> dict[str, Any]:
        """The JSON form; ``encoded``: with the values msgspec encodes itself left as they are
        (:meth:`Status.to_json`)."""
        paused = self.auto_confirm_paused_left
        refund = self.refund
        return {
            "id": self.id,
            "state": self.state,
            "top_status": self.top_status,
            "top_refund_status": self.top_refund_status,
            "refund": refund if encoded or refund is None else refund.to_dict(tz),
            "upcoming": self.upcoming if encoded else [d.to_dict(tz) for d in self.upcoming],
            "amount": None if self.amount is None else str(self.amount),
            "refunded": str(self.refunded),
            "auto_confirm_paused_left": None if paused is None else _iso(paused),
        }


class Status(msgspec.Struct, frozen=True):
    """Where an order stands at ``now``; ``upcoming`` is sorted by time."""

    id: str
    rules: str
    #: the version of the rule set the order is judged by (its effective-from instant), if any
    rules_version: str | None
    #: the rule set's content fingerprint (:attr:`tradeclock.RuleSet.fingerprint`): orders
    #: and the due-queue pin it, and are never judged by a rule set whose fingerprint differs
    rules_fingerprint: str
    now: datetime
    state: str
    #: the Taobao Open Platform's status codes for the order and its refund (tradeclock.top)
    top_status: str
    top_refund_status: str | None
    refund: RefundView | None
    fired: tuple[Fired, ...]
    upcoming: tuple[Deadline, ...]
    #: the paid amount (``None`` when the log gave none) and the total refunded so far
    amount: Decimal | None
    refunded: Decimal
    #: time left on the auto-confirm countdown while a refund pauses it
    auto_confirm_paused_left: timedelta | None
    #: since when the countdown is paused (the anchor it resumes from is kept, not recomputed)
    auto_confirm_paused_since: datetime | None
    #: the order was placed as a flash sale (no credit-card instalments)
    flash_sale: bool
    ratings: Ratings
    #: ratings show once both sides rated or the rating windows ended
    ratings_visible: bool
    #: the rule set's zone, in which :meth:`to_dict` writes times
    tz: tzinfo
    #: the trade's lines (sub-orders), one entry each; one line for a log without
    #: ``placed.lines``
    lines: tuple[LineStatus, ...] = ()

    @property
    def instalments(self) -> Instalments:
        """Whether the buyer may pay by credit-card instalments, and why (rule
        ``pay.instalment_minimum``: at least 600 yuan, never a flash sale): data, as in the
        JSON, worked out when read."""
        return instalments(self.amount, self.flash_sale)

    def next(self) -> Deadline | None:
        """The first upcoming deadline, or ``None``."""
        return self.upcoming[0] if self.upcoming else None

    def deadline(self, event: str, line: str | None = None) -> Deadline | None:
        """The first upcoming deadline of automatic ``event``, or ``None``; with ``line``, the
        first that concerns that line (its own, or the trade's as a whole). A name that is no
        automatic event of the order's rule set is :class:`InvalidInput`, as in ``when``."""
        if event not in _AUTO_NAMES:
            own = OWN_AUTO_EVENTS.get(self.rules_fingerprint)
            if own is not None and event not in own:  # (a rule set unseen here: cannot tell)
                check_auto_event(event, None)  # raises, naming the allowed ones
        for d in self.upcoming:
            if d.event == event and (line is None or d.line is None or d.line == line):
                return d
        return None

    def when_dict(
        self, event: str, rules: Any = None, line: str | None = None, lang: str = "en"
    ) -> dict[str, Any]:
        """``{"event", "at", "earliest", "rule", "line", "reason"}``: the CLI's and the MCP
        tool's answer to "when" (with ``line``: for that line of a trade).

        ``at`` and ``rule`` are ``None`` when the event is not upcoming; ``reason`` then says why
        (in ``lang``).
        ``earliest`` is the start of a window (money arrival), else ``None``. ``rules`` (the
        order's rule set) admits the automatic events of its own timers.
        """
        check_auto_event(event, rules)
        if line is not None and line not in [x.id for x in self.lines]:
            raise InvalidInput(
                f"order {self.id} has no line {line!r} (its lines: "
                f"{', '.join(x.id for x in self.lines)})",
                order_id=self.id,
                line=line,
            )
        d = self.deadline(event, line)
        earliest = None if d is None else d.earliest
        return {
            "event": event,
            "at": None if d is None else format_local(d.at, self.tz),
            "earliest": None if earliest is None else format_local(earliest, self.tz),
            "rule": None if d is None else d.rule,
            "line": None if d is None else d.line,
            "reason": self.why_not(event, line, lang),
        }

    def why_not(self, event: str, line: str | None = None, lang: str = "en") -> str:
        """Why automatic ``event`` is not upcoming, in a sentence in ``lang`` (``""`` when it
        is).

        >>> import tradeclock
        >>> status = tradeclock.load("examples/order.json").status("2026-11-08T12:00:00+08:00")
        >>> status.why_not("auto_confirm")
        "auto_confirm is paused while refund 1 is open (waiting for the buyer's return), ..."
        >>> status.why_not("auto_confirm", lang="zh")
        '退款 1 进行中（卖家已同意，等待买家退货），自动确认收货暂停计时，剩余 6 天；...'
        """
        check_lang(lang)
        if line is not None and len(self.lines) > 1:
            if self.deadline(event, line) is not None:
                return ""
            x = next(x for x in self.lines if x.id == line)
            out = text(say("whynot.line", event=event, line=line, state=x.state), lang)
            if x.refund is not None:
                out += text(
                    say("whynot.line_refund", n=x.refund.number, state=x.refund.state), lang
                )
            left = x.auto_confirm_paused_left
            if event == "auto_confirm" and left is not None:
                out += text(say("whynot.line_paused", event=event, left=left), lang)
            return out
        if self.deadline(event) is not None:
            return ""
        done = [f for f in self.fired if f.event == event]
        if done:
            at = format_short(done[-1].at, self.tz)
            return text(say("whynot.fired", event=event, at=at, rule=done[-1].rule), lang)
        r = self.refund
        paused = self.auto_confirm_paused_left
        if event == "auto_confirm" and paused is not None and r is not None:
            said = say("whynot.paused", event=event, n=r.number, state=r.state, left=paused)
            return text(said, lang)
        if event == "money_arrival":
            return text(say("whynot.money"), lang)
        if r is None:
            return text(say("whynot.idle", event=event, state=self.state), lang)
        said = say("whynot.idle_refund", event=event, state=self.state, n=r.number, refund=r.state)
        return text(said, lang)

    def to_json(self) -> bytes:
        """:meth:`to_dict` encoded as compact UTF-8 JSON, straight from the values: the
        deadlines, fired events, refund and times are written by msgspec's encoder without an
        intermediate dict each (several times faster than ``json.dumps(status.to_dict())``,
        and ``json.loads`` of it equals :meth:`to_dict`)."""
        # msgspec writes "Z" where isoformat writes +00:00: at offset 0, the formatted form
        return _ENCODE(self._contract(formatted=self.now.utcoffset() == _ZERO))

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON: ``{"id", "now", "state", "refund", "fired", "upcoming", ...}``."""
        return self._contract(formatted=True)

    def _contract(self, formatted: bool) -> dict[str, Any]:
        """The JSON contract; unless ``formatted``, the values msgspec encodes to the same
        text (instants already in the zone, the deadlines, fired events, refund, ratings) are
        left as they are, for :meth:`to_json`."""
        tz = self.tz
        paused = self.auto_confirm_paused_left
        since = self.auto_confirm_paused_since
        refund = self.refund
        raw = not formatted
        lines = [x._contract(tz, raw) for x in self.lines]
        upcoming: Any = self.upcoming
        if raw and len(lines) == 1 and upcoming and self.lines[0].upcoming is upcoming:
            # an order of one line: its line holds the same deadlines, written once
            upcoming = lines[0]["upcoming"] = msgspec.Raw(_ENCODE(upcoming))
        return {
            "id": self.id,
            "rules": self.rules,
            "rules_version": self.rules_version,
            "rules_fingerprint": self.rules_fingerprint,
            "now": self.now if raw else format_local(self.now, tz),
            "state": self.state,
            "top_status": self.top_status,
            "top_refund_status": self.top_refund_status,
            "refund": refund if raw or refund is None else refund.to_dict(tz),
            "fired": self.fired if raw else [f.to_dict(tz) for f in self.fired],
            "upcoming": upcoming if raw else [d.to_dict(tz) for d in upcoming],
            "amount": None if self.amount is None else str(self.amount),
            "refunded": str(self.refunded),
            "auto_confirm_paused_left": None if paused is None else _iso(paused),
            "auto_confirm_paused_since": since if raw or since is None else format_local(since, tz),
            "flash_sale": self.flash_sale,
            "ratings": self.ratings if raw else msgspec.structs.asdict(self.ratings),
            "ratings_visible": self.ratings_visible,
            "instalments": self.instalments if raw else msgspec.structs.asdict(self.instalments),
            "lines": lines,
        }


_ZERO = timedelta(0)
_ENCODE = msgspec.json.Encoder().encode
_iso = functools.lru_cache(maxsize=1024)(format_duration_iso)


@functools.lru_cache(maxsize=4096)
def instalments(amount: Decimal | None, flash_sale: bool) -> Instalments:
    """Credit-card instalments for an order of ``amount`` (rule ``pay.instalment_minimum``):
    a payment of at least the minimum, never a flash sale; with the reason either way (the
    same few amounts recur: the answer is kept)."""
    allowed, why = instalments_said(amount, flash_sale)
    return Instalments(allowed, text(why))


def instalments_said(amount: Decimal | None, flash_sale: bool) -> tuple[bool, Any]:
    """Whether instalments are possible, and why, as a sentence to be said in any language."""
    rule = presets.AMOUNT_RULES["pay.instalment_minimum"]
    if amount is None:
        return False, say("inst.none", min=rule.amount, rule=rule.id)
    if flash_sale:
        return False, say("inst.flash", rule=rule.id)
    if amount < rule.amount:
        return False, say("inst.below", amount=amount, min=rule.amount, rule=rule.id)
    return True, say("inst.ok", amount=amount, min=rule.amount, rule=rule.id)
