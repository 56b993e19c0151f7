"""Import of Taobao Open Platform (TOP) payloads: its times, its trade and refund objects, read
into an event log (:func:`from_trade`). Public through :mod:`tradeclock.top`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from ._errors import InvalidInput, TradeclockError
from ._events import check_text, parse_amount, short_text
from ._input import read_json
from ._order import Order, replay
from ._presets import PRESETS, get_rules
from ._rules import RuleSet
from ._status import Fired
from ._time import format_local, zone
from ._topcodes import REFUND_CODES, TRADE_CODES

#: How TOP writes a time: local time in China, no offset.
TOP_TIME_FORMAT = "yyyy-MM-dd HH:mm:ss"
TOP_ZONE = "Asia/Shanghai"
_TOP_TIME_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
SHANGHAI = zone(TOP_ZONE)

#: TOP trade statuses tradeclock models (the others are refused by name).
_TRADE_STATUSES = frozenset({*TRADE_CODES.values(), "TRADE_CLOSED_BY_TAOBAO"})
#: TOP trade statuses that exist but that tradeclock does not model, and why.
_UNMODELLED = MappingProxyType(
    {
        "TRADE_NO_CREATE_PAY": "no Alipay trade was created",
        "SELLER_CONSIGNED_PART": "part of the trade shipped (one shipment per order here)",
        "TRADE_BUYER_SIGNED": "cash on delivery",
        "PAY_PENDING": "an international card payment is being confirmed",
        "WAIT_PRE_AUTH_CONFIRM": "a pre-authorised zero-yuan contract",
    }
)
_PARTLY_SHIPPED = "SELLER_CONSIGNED_PART"


def _on_line(add: _Add, line: str | None) -> _Add:
    """``add`` whose built events name ``line`` (a refund of one line of a trade)."""
    if line is None:
        return add

    def on_line(at: datetime, rank: int, origin: str, build: _Build) -> None:
        add(at, rank, origin, lambda so_far: [{**ev, "line": line} for ev in build(so_far)])

    return on_line


def _shipped(at: datetime, method: str, line: str) -> _Build:
    """The step of one line's shipment (a trade shipped in parts)."""
    return lambda so_far: [{"type": "shipped", "at": at, "method": method, "lines": [line]}]


#: TOP ``shipping_type`` -> the method of the ``shipped`` event (``free``: the seller pays the
#: postage; the carrier is not said, so the express timers apply).
SHIPPING_METHODS: Mapping[str, str] = MappingProxyType(
    {
        "express": "express",
        "ems": "ems",
        "post": "surface_mail",
        "free": "express",
        "virtual": "none",
    }
)
NO_REFUND = ("NO_REFUND", "", None)


def parse_top_time(value: object, what: str) -> datetime:
    """A TOP time (``yyyy-MM-dd HH:mm:ss``, Asia/Shanghai) as a UTC instant.

    >>> parse_top_time("2026-11-11 00:06:30", "pay_time").isoformat()
    '2026-11-10T16:06:30+00:00'
    >>> parse_top_time("2026-11-11T00:06:30+08:00", "pay_time")
    Traceback (most recent call last):
    ...
    tradeclock.InvalidInput: pay_time '2026-11-11T00:06:30+08:00' is not a TOP time: ...
    """
    if not isinstance(value, str) or not _TOP_TIME_RE.match(value):
        raise InvalidInput(
            f"{what} {short_text(value)} is not a TOP time: {TOP_TIME_FORMAT}, local time in "
            f"{TOP_ZONE}, with no offset (the Open Platform's format; other forms are refused)"
        )
    try:  # the pattern above leaves fromisoformat nothing but this one form to read
        local = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not a date and time that exists") from None
    if not 1970 <= local.year < 2100:
        raise InvalidInput(f"{what} {value!r} is outside 1970-2099")
    return local.replace(tzinfo=SHANGHAI).astimezone(UTC)


def read_payload(obj: object) -> tuple[Mapping[str, Any], list[Mapping[str, Any]]]:
    """The trade and refund objects in ``obj``: ``{"trade": ..., "refunds": [...]}``, where the
    trade may be wrapped as ``taobao.trade.fullinfo.get`` answers it
    (``{"trade_fullinfo_get_response": {"trade": ...}}``) and each refund as
    ``taobao.refund.get`` does (``{"refund_get_response": {"refund": ...}}``); a bare trade
    object (with its ``tid``) is a trade without refunds. ``obj`` may also be a path to a JSON
    file or JSON text."""
    if isinstance(obj, str | bytes | Path):
        obj = read_json(obj, "TOP payload")
    if not isinstance(obj, Mapping):
        raise InvalidInput(f"a TOP payload must be a JSON object, got {type(obj).__name__}")
    if "tid" in obj and "trade" not in obj:
        return obj, []  # a bare trade object, without refunds
    wrapped = obj.get("trade_fullinfo_get_response")
    holder = wrapped if isinstance(wrapped, Mapping) else obj
    trade = holder.get("trade")
    if not isinstance(trade, Mapping):
        raise InvalidInput(
            "a TOP payload needs a 'trade' object (or trade_fullinfo_get_response.trade)"
        )
    raw = obj.get("refunds", [])
    if not isinstance(raw, list):
        raise InvalidInput("'refunds' must be a list of TOP refund objects")
    refunds = []
    for i, item in enumerate(raw):
        inner = item.get("refund_get_response") if isinstance(item, Mapping) else None
        refund = inner.get("refund") if isinstance(inner, Mapping) else item
        if not isinstance(refund, Mapping):
            raise InvalidInput(f"refunds[{i}] must be a TOP refund object")
        refunds.append(refund)
    return trade, refunds


class Fields:
    """Reads one TOP object's fields, every error naming the object and the field."""

    def __init__(self, obj: Mapping[str, Any], where: str, order_id: str | None) -> None:
        self.obj = obj
        self.where = where
        self.order_id = order_id
        self.times: dict[str, datetime] = {}  # each field read once
        self.texts: dict[str, str] = {}

    def error(self, message: str) -> InvalidInput:
        return InvalidInput(f"{self.where}: {message}", order_id=self.order_id)

    def has(self, name: str) -> bool:
        return self.obj.get(name) not in (None, "")

    def time(self, name: str, why: str = "") -> datetime:
        known = self.times.get(name)
        if known is not None:
            return known
        if not self.has(name):
            raise self.error(f"'{name}' is missing" + (f": {why}" if why else ""))
        try:
            parsed = self.times[name] = parse_top_time(self.obj[name], f"'{name}'")
        except InvalidInput as exc:
            raise self.error(exc.message) from None
        return parsed

    def maybe_time(self, name: str) -> datetime | None:
        return self.time(name) if self.has(name) else None

    def text(self, name: str, why: str = "") -> str:
        known = self.texts.get(name)
        if known is not None:
            return known
        value = self.obj.get(name)
        if value in (None, ""):
            raise self.error(f"'{name}' is missing" + (f": {why}" if why else ""))
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.error(f"'{name}' must be a string, got {type(value).__name__}")
        try:
            text = self.texts[name] = check_text(str(value), f"'{name}'")
        except InvalidInput as exc:
            raise self.error(exc.message) from None
        return text

    def ident(self, name: str) -> str:
        """An id: TOP sends them as JSON numbers or digit strings."""
        value = self.text(name)
        if not value.isdigit():
            raise self.error(f"'{name}' {value!r} is not a TOP id (digits)")
        return value

    def amount(self, name: str) -> Decimal:
        if not self.has(name):
            raise self.error(f"'{name}' is missing")
        try:
            return parse_amount(self.obj[name], f"'{name}'")
        except InvalidInput as exc:
            raise self.error(exc.message) from None

    def flag(self, name: str) -> bool:
        value = self.obj.get(name)
        if not isinstance(value, bool):
            raise self.error(f"'{name}' must be true or false, got {value!r}")
        return value

    def choice(self, name: str, allowed: Iterable[str], why: str = "") -> str:
        value = self.text(name, why)
        if value not in allowed:
            raise self.error(f"'{name}' {value!r} is not one of: {', '.join(sorted(allowed))}")
        return value


# --- import -----------------------------------------------------------------------------------


#: The times a payload vouches for (not the platform's predictions, which the report judges).
_SNAPSHOT_FIELDS = (
    "created",
    "modified",
    "pay_time",
    "consign_time",
    "end_time",
    "good_return_time",
)


_GOOD_STATUSES = ("BUYER_NOT_RECEIVED", "BUYER_RECEIVED", "BUYER_RETURNED_GOODS")


def _version(r: Fields) -> tuple[int, datetime]:
    """A refund payload's version: ``refund_version`` (a timestamp TOP bumps at each change),
    then ``modified``."""
    raw = r.obj.get("refund_version")
    if raw in (None, ""):
        number = 0
    elif isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        number = raw
    elif isinstance(raw, str) and raw.isdigit() and len(raw) < 20:
        number = int(raw)
    else:
        raise r.error(f"'refund_version' {raw!r} is not a version number (digits)")
    return number, r.time("modified", "when the refund last changed")


#: The automatic events that bring a refund to each state the payload can show.
_TIMERS_TO: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "wait_buyer_return": ("auto_agree",),
        "seller_refused": (),
        "success": ("auto_refund",),
        "closed": ("refund_close",),
    }
)

#: How a trade ended, by TOP status: the state it ended in, the timer that can have ended it,
#: the person's event otherwise (``None``: only refunds explain it), what ``end_time`` says.
_TRADE_ENDS: Mapping[str, tuple[str, str | None, str | None, str]] = MappingProxyType(
    {
        "TRADE_CLOSED_BY_TAOBAO": ("closed", "auto_close", "cancelled", "when it closed unpaid"),
        "TRADE_FINISHED": ("success", "auto_confirm", "confirmed", "when the trade succeeded"),
        "TRADE_CLOSED": ("closed", None, None, "when the refunds closed the trade"),
    }
)

#: Looks at the order rebuilt so far and returns the events to log for one step.
_Build = Callable[[Order | None], list[dict[str, Any]]]
#: Adds a step: its time, its rank among steps at the same time, its origin, its builder.
_Add = Callable[[datetime, int, str, _Build], None]


class _Step(NamedTuple):
    """One thing the payload says happened, applied in time order; ``build`` looks at the
    order as replayed so far and returns the events to log (none when a timer did it)."""

    at: datetime
    rank: int
    seq: int
    origin: str
    build: _Build


class Importer:
    """Reads one trade and its refunds, and rebuilds the event log (:func:`from_trade`)."""

    #: the latest time the payload vouches for (set by :meth:`run`)
    snapshot: datetime

    def __init__(
        self,
        trade: Mapping[str, Any],
        refunds: Sequence[Mapping[str, Any]],
        rules: RuleSet | str | None,
    ) -> None:
        first = Fields(trade, "TOP trade", None)
        self.tid = first.ident("tid")
        self.trade = Fields(trade, f"TOP trade {self.tid}", self.tid)
        self.lines = self._lines()
        #: a trade of several lines: imported as one (placed.lines; each refund on its line)
        self.multi = len(self.lines) > 1
        self.rs = self._rules(rules)
        self.tz = self.rs.tz
        self.refunds = self._latest([self._refund(i, r) for i, r in enumerate(refunds)])
        #: steps the payload shows that a timer took: (subject, field, the payload's time, it)
        self.timed: list[tuple[str, str, str, Fired]] = []

    # payload reading

    def _lines(self) -> list[Fields]:
        orders = self.trade.obj.get("orders")
        if orders is None:
            return []
        items = orders.get("order") if isinstance(orders, Mapping) else None
        if not isinstance(items, list):
            raise self.trade.error("'orders' must be {\"order\": [...]} (TOP's sub-order list)")
        lines = []
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise self.trade.error(f"orders.order[{i}] must be a TOP order object")
            lines.append(Fields(item, f"TOP trade {self.tid}, orders.order[{i}]", self.tid))
        return lines

    def _rules(self, rules: RuleSet | str | None) -> RuleSet:
        if isinstance(rules, RuleSet):
            return rules
        if isinstance(rules, str):
            return get_rules(rules)
        # seller_type B is a mall (Tmall) seller; C an ordinary Taobao seller
        mall = any(line.obj.get("seller_type") == "B" for line in self.lines)
        return PRESETS["tmall" if mall else "taobao"]

    def _refund(self, i: int, obj: Mapping[str, Any]) -> Fields:
        name = Fields(obj, f"TOP trade {self.tid}, refunds[{i}]", self.tid).ident("refund_id")
        f = Fields(obj, f"TOP trade {self.tid}, refund {name}", self.tid)
        if f.has("tid") and f.ident("tid") != self.tid:
            raise f.error(f"'tid' {f.ident('tid')} is not this trade's ({self.tid})")
        f.choice("status", REFUND_CODES.values(), "the refund's status")
        return f

    @staticmethod
    def _latest(refunds: list[Fields]) -> list[Fields]:
        """One payload per refund: of several versions of the same refund (an ERP keeps each
        one it fetched), the newest by ``refund_version``, else by ``modified``."""
        newest: dict[str, tuple[tuple[int, datetime], Fields]] = {}
        for r in refunds:
            rid, version = r.ident("refund_id"), _version(r)
            old = newest.get(rid)
            if old is None or version > old[0]:
                newest[rid] = (version, r)
        return [r for _, r in newest.values()]

    # building the log

    def run(self) -> dict[str, Any]:
        t = self.trade
        status = self._trade_status()
        created = t.time("created", "when the buyer ordered")
        # every time the payload vouches for is checked, used or not; the latest is the
        # instant the payload describes
        self.snapshot = max(
            f.time(name)
            for f in (t, *self.lines, *self.refunds)
            for name in _SNAPSHOT_FIELDS
            if f.has(name)
        )
        steps: list[_Step] = []

        def add(at: datetime, rank: int, origin: str, build: _Build) -> None:
            steps.append(_Step(at, rank, len(steps), origin, build))

        amount = t.amount("payment")
        shipping = t.choice("shipping_type", SHIPPING_METHODS, "how the goods travel")
        placed: dict[str, Any] = {"type": "placed", "at": created, "amount": str(amount)}
        if shipping == "free":
            placed["free_shipping"] = True
        if self.multi:  # each line refunds at most what was paid for it
            placed["lines"] = [
                {
                    "id": line.ident("oid"),
                    "amount": str(line.amount("payment" if line.has("payment") else "total_fee")),
                }
                for line in self.lines
            ]
        add(created, 0, "created", lambda so_far: [placed])

        paid_at = t.maybe_time("pay_time")
        if status != "WAIT_BUYER_PAY" and status != "TRADE_CLOSED_BY_TAOBAO" and paid_at is None:
            raise t.error(
                f"'pay_time' is missing: a trade in {status} was paid; tradeclock needs when"
            )
        if status in ("WAIT_BUYER_PAY", "TRADE_CLOSED_BY_TAOBAO") and paid_at is not None:
            raise t.error(f"'pay_time' is set, but a trade in {status} was never paid")
        if paid_at is not None:
            add(paid_at, 1, "pay_time", lambda so_far: [{"type": "paid", "at": paid_at}])

        shipped_at = t.maybe_time("consign_time")
        own = [
            (x.ident("oid"), x.time("consign_time")) for x in self.lines if x.has("consign_time")
        ]
        split = len(own) < len(self.lines) or len({at for _, at in own}) > 1
        if self.multi and own and split:  # lines shipped at their own times (split shipment)
            if paid_at is None:
                raise t.error("a line's 'consign_time' is set on a trade that was never paid")
            method = SHIPPING_METHODS[shipping]
            for oid, at in own:
                add(at, 2, f"line {oid} consign_time", _shipped(at, method, oid))
            shipped_at = None  # the lines' own times say it all
        elif status in ("WAIT_BUYER_CONFIRM_GOODS", "TRADE_FINISHED") and shipped_at is None:
            raise t.error(
                f"'consign_time' is missing: a trade in {status} was shipped; tradeclock needs when"
            )
        if shipped_at is not None and paid_at is None:
            raise t.error("'consign_time' is set on a trade that was never paid")
        if shipped_at is not None:
            method = SHIPPING_METHODS[shipping]
            add(
                shipped_at,
                2,
                "consign_time",
                lambda so_far: [{"type": "shipped", "at": shipped_at, "method": method}],
            )

        self._check_lines()
        self._refund_steps(add)
        self._end_step(add, status)

        steps.sort(key=lambda s: (s.at, s.rank, s.seq))
        events: list[dict[str, Any]] = []
        order: Order | None = None  # the order so far, one event applied at a time
        for step in steps:
            try:
                new = step.build(order)
                for ev in new:
                    order = replay(self.tid, self.rs, [ev]) if order is None else order.apply(ev)
            except TradeclockError as exc:
                raise InvalidInput(
                    f"TOP trade {self.tid}: {step.origin} does not fit the order so far: "
                    f"{exc.message}",
                    order_id=self.tid,
                    rule=exc.rule,
                    event_type=exc.event_type,
                    state=exc.state,
                ) from None
            events += new
        return {
            "id": self.tid,
            "rules": self.rs.name,
            "events": [self._json_event(ev) for ev in events],
        }

    def _trade_status(self) -> str:
        if self.trade.obj.get("type") == "cod":
            raise self.trade.error("type cod (cash on delivery) is not modelled by tradeclock")
        status = self.trade.text("status")
        if status == _PARTLY_SHIPPED and self.multi:
            return status  # a trade of several lines, some shipped: modelled line by line
        if status in _UNMODELLED:
            raise self.trade.error(
                f"status {status} ({_UNMODELLED[status]}) is not modelled by tradeclock"
            )
        if status not in _TRADE_STATUSES:
            raise self.trade.error(
                f"status {status!r} is not a TOP trade status tradeclock knows "
                f"(known: {', '.join(sorted(_TRADE_STATUSES))})"
            )
        return status

    def _check_lines(self) -> None:
        """Every line's refund is among the refund payloads, with the same status."""
        given = {r.ident("refund_id"): r for r in self.refunds}
        oids = set()
        for line in self.lines:
            oid = line.ident("oid")
            oids.add(oid)
            state = line.obj.get("refund_status")
            if state in NO_REFUND:
                continue
            if state not in REFUND_CODES.values():
                raise line.error(
                    f"'refund_status' {state!r} is not a TOP refund status "
                    f"(known: NO_REFUND, {', '.join(sorted(REFUND_CODES.values()))})"
                )
            ours = [r for r in self.refunds if r.has("oid") and r.ident("oid") == oid]
            if line.has("refund_id"):
                rid = line.ident("refund_id")
                ours = [given[rid]] if rid in given else []
            if not ours:
                raise line.error(
                    f"'refund_status' is {state}, but no refund payload for line {oid} was given: "
                    "pass the refund (taobao.refund.get) to import it"
                )
            latest = max(ours, key=lambda r: r.time("created"))
            if latest.text("status") != state:
                raise line.error(
                    f"'refund_status' {state} differs from refund {latest.ident('refund_id')}'s "
                    f"status {latest.text('status')} (payloads fetched at different times?)"
                )
        for r in self.refunds:
            if oids and r.has("oid") and r.ident("oid") not in oids:
                raise r.error(f"'oid' {r.ident('oid')} is not a line of trade {self.tid}")

    def _refund_steps(self, add: _Add) -> None:
        order = sorted(self.refunds, key=lambda r: r.time("created", "when it was asked for"))
        previous: dict[str | None, tuple[Fields, datetime | None]] = {}  # by line
        for r in order:
            status = r.choice("status", REFUND_CODES.values(), "the refund's status")
            created = r.time("created", "when it was asked for")
            line = None
            if self.multi:
                if not r.has("oid"):
                    raise r.error("'oid' is missing: a trade of several lines refunds one line")
                line = r.ident("oid")
            if line in previous:
                other, ended = previous[line]
                if ended is None or created < ended:
                    where = "its line" if line is not None else "the order"
                    raise r.error(
                        f"it was asked for at {format_local(created, self.tz)}, while refund "
                        f"{other.ident('refund_id')} was still open: one refund at a time on "
                        f"{where} (refund.one_open)"
                    )
            final = status in ("SUCCESS", "CLOSED")
            modified = r.time("modified", "when the refund last changed")
            if modified < created:
                raise r.error("'modified' is earlier than 'created'")
            previous[line] = (r, modified if final else None)
            self._one_refund(_on_line(add, line), r, status, created, modified, line)

    def _one_refund(
        self,
        add: _Add,
        r: Fields,
        status: str,
        created: datetime,
        modified: datetime,
        line: str | None = None,
    ) -> None:
        rid = r.ident("refund_id")
        goods = r.flag("has_good_return")
        if r.has("good_status"):
            good = r.choice("good_status", _GOOD_STATUSES)
            if good == "BUYER_RETURNED_GOODS" and not r.has("good_return_time"):
                raise r.error(
                    "'good_return_time' is missing: good_status says the buyer returned the goods"
                )
        fee = r.amount("refund_fee")
        phase = r.choice("refund_phase", ("onsale", "aftersale")) if r.has("refund_phase") else None
        if phase == "aftersale" and not self.rs["aftersale.window"].enabled:
            raise r.error(
                f"'refund_phase' is aftersale, but rule set {self.rs.name!r} has no after-sale "
                "window: use one with aftersale.window enabled (TOML: enable = "
                '["aftersale.window"])'
            )
        request = {"type": "refund_requested", "at": created, "return_goods": goods}
        request["amount"] = str(fee)
        add(created, 3, f"refund {rid} (created)", lambda so_far: [request])

        returned = r.maybe_time("good_return_time")
        if status in ("WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS") and not goods:
            raise r.error(f"status {status} needs 'has_good_return' true (a return)")
        if status == "WAIT_SELLER_CONFIRM_GOODS" and returned is None:
            raise r.error(
                "'good_return_time' is missing: the buyer shipped the return "
                "(WAIT_SELLER_CONFIRM_GOODS), and the seller's clock starts then"
            )
        if returned is not None:
            if not goods:
                raise r.error("'good_return_time' is set on a refund without a return")
            if returned < created or returned > modified:
                raise r.error("'good_return_time' is outside 'created'..'modified'")
            sid = r.text("sid", "the return's waybill number")

            def ship_back(so_far: Order | None) -> list[dict[str, Any]]:
                out = []
                if self._refund_state(so_far, returned, line) != "wait_buyer_return":
                    # the seller's agreement: not in the payload; it came before the return
                    out.append({"type": "refund_agreed", "at": returned})
                out.append({"type": "return_shipped", "at": returned, "tracking_no": sid})
                return out

            add(returned, 4, f"refund {rid} (good_return_time)", ship_back)

        end = {
            "WAIT_BUYER_RETURN_GOODS": ("wait_buyer_return", "refund_agreed"),
            "SELLER_REFUSE_BUYER": ("seller_refused", "refund_refused"),
            "SUCCESS": ("success", "return_received" if returned else "refund_agreed"),
            "CLOSED": ("closed", "refund_cancelled"),
        }.get(status)
        if end is None:
            return
        target, action = end
        if status == "SUCCESS" and goods and returned is None:
            raise r.error(
                "'good_return_time' is missing: a return refund that succeeded had its goods "
                "shipped back, and tradeclock needs when"
            )

        def finish(so_far: Order | None) -> list[dict[str, Any]]:
            if self._refund_state(so_far, modified, line) == target:
                # a timer (or shipping the order) got there first: nothing to log
                self._timer(so_far, modified, _TIMERS_TO[target], f"refund {rid}", r, "modified")
                return []
            return [{"type": action, "at": modified}]

        add(modified, 5, f"refund {rid} (status {status} at modified)", finish)

    def _end_step(self, add: _Add, status: str) -> None:
        ending = _TRADE_ENDS.get(status)
        if ending is None:
            return
        target, timer, person, why = ending
        t = self.trade
        end = t.time("end_time", why)

        def finish(so_far: Order | None) -> list[dict[str, Any]]:
            if self._state(so_far, end) == target:
                if timer is not None:  # the timer got there first: nothing to log
                    self._timer(so_far, end, (timer,), f"trade {self.tid}", t, "end_time")
                return []
            if person is None:
                raise InvalidInput(
                    f"the trade is {status}, but its refunds do not refund the whole payment "
                    "by 'end_time': pass every refund of the trade"
                )
            return [{"type": person, "at": end}]

        add(end, 6, f"end_time ({status})", finish)

    # replay helpers

    def _timer(
        self,
        order: Order | None,
        t: datetime,
        events: tuple[str, ...],
        subject: str,
        f: Fields,
        field: str,
    ) -> None:
        """Note the timer that took a step the payload dates at ``t`` (the report compares)."""
        if order is None:
            return
        done = [x for x in order.status(t).fired if x.event in events]
        if done:
            self.timed.append((subject, field, str(f.obj[field]), done[-1]))

    @staticmethod
    def _state(order: Order | None, t: datetime) -> str | None:
        return None if order is None else order.status(t).state

    @staticmethod
    def _refund_state(order: Order | None, t: datetime, line: str | None = None) -> str | None:
        if order is None:
            return None
        status = order.status(t)
        refund = status.refund
        if line is not None:  # a trade of several lines: that line's refund
            refund = next(x.refund for x in status.lines if x.id == line)
        return None if refund is None else refund.state

    def _json_event(self, ev: dict[str, Any]) -> dict[str, Any]:
        return {**ev, "at": format_local(ev["at"], self.tz)}


def from_trade(
    trade: Mapping[str, Any],
    refunds: Iterable[Mapping[str, Any]] = (),
    *,
    rules: RuleSet | str | None = None,
) -> dict[str, Any]:
    """The event log (``{"id", "rules", "events"}``) of a TOP trade and its refunds.

    ``rules`` is the rule set the order is judged by (default: ``tmall`` when a line's
    ``seller_type`` is ``B``, a mall seller, else ``taobao``); it is also the rule set used to
    tell whether a step the payload shows was a timer's (nothing logged) or a person's.

    >>> log = from_trade({"tid": 1001, "status": "WAIT_SELLER_SEND_GOODS", "payment": "59.00",
    ...     "shipping_type": "express", "created": "2026-11-11 00:05:00",
    ...     "pay_time": "2026-11-11 00:06:30"})
    >>> for e in log["events"]:
    ...     print(e["type"], e["at"])
    placed 2026-11-11T00:05:00+08:00
    paid 2026-11-11T00:06:30+08:00
    """
    if not isinstance(trade, Mapping):
        raise InvalidInput(f"a TOP trade must be a JSON object, got {type(trade).__name__}")
    if "tid" not in trade and ("trade" in trade or "trade_fullinfo_get_response" in trade):
        raise InvalidInput(
            "this is a payload holding a trade, not a trade: read it with read_payload(), "
            "which returns (trade, refunds)"
        )
    refund_list = list(refunds)
    for i, r in enumerate(refund_list):
        if not isinstance(r, Mapping):
            raise InvalidInput(f"refunds[{i}] must be a TOP refund object")
    return Importer(trade, refund_list, rules).run()
