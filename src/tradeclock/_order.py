"""The public order value: replay a log, apply events, ask for the status at any ``now``.

>>> order = load({"id": "A1", "rules": "taobao", "events": [
...     {"type": "placed", "at": "2026-11-11T20:00:00+08:00"},
...     {"type": "paid", "at": "2026-11-11T20:01:00+08:00"},
...     {"type": "shipped", "at": "2026-11-12T15:30:00+08:00"}]})
>>> order.when("auto_confirm", "2026-11-13T00:00:00+08:00").isoformat()
'2026-11-22T15:30:00+08:00'
>>> order.status("2026-11-22T15:30:00+08:00").state == "success"
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, ClassVar

import attrs
import msgspec

from ._actions import Action, actions
from ._engine import IsTrade, advance, apply, apply_event, build_status, status_row
from ._errors import InvalidInput, RulesMismatch, TradeclockError, VersionConflict
from ._events import Event, Parsed, check_auto_event, check_text, parse_event
from ._explain import explain
from ._input import read_json
from ._limits import MAX_EVENTS
from ._presets import LATE_SHIPMENT, get_rules
from ._rules import RuleRegistry, RuleSet
from ._state import State
from ._status import Instalments, Status, instalments
from ._time import parse_instant
from ._trade import is_trade, replay_trade, trade_status
from ._typed import read_log

__all__ = ["Compensation", "Order", "Receipt", "ShippingSplit", "load"]

_LOG_KEYS = {"id", "rules", "rules_fingerprint", "events"}


@attrs.frozen(eq=False, repr=False)
class Order:
    """One order: its id, rule set and event log, replayed. Immutable: ``apply`` returns a new one.

    Build one with :func:`load` (from the JSON log) or :meth:`Order.new` and :meth:`apply`.
    Every query takes ``now`` (an aware datetime or an ISO-8601 string with an offset).
    """

    id: str
    rules: RuleSet
    #: the log, times in UTC (the engine reckons in UTC; :attr:`events` shows it in the zone)
    _events: tuple[Event, ...] = attrs.field(alias="events", repr=False)
    _state: State = attrs.field(repr=False, alias="state")
    #: a trade of several lines (``placed.lines``, :class:`_Trade`): each line's own order, in
    #: the log's order; ``None``: one line, judged by ``_state`` (a class attribute here, so
    #: that building a one-line order sets no further field: a frozen field costs a call)
    _lines: ClassVar[tuple[tuple[str, Order], ...] | None] = None

    @classmethod
    def new(cls, id: str, rules: RuleSet | str = "taobao") -> Order:
        """An order with an empty log; its first event must be ``placed``."""
        check_text(id, "the order id")
        rs = rules if isinstance(rules, RuleSet) else get_rules(rules)
        return cls(id, rs, (), State(id, rs))

    @classmethod
    def from_events(
        cls, id: str, rules: RuleSet | str, events: Iterable[Event | Mapping[str, Any]]
    ) -> Order:
        """Replay ``events`` (:class:`Event` values or their JSON dicts) in one pass."""
        rs = rules if isinstance(rules, RuleSet) else get_rules(rules)
        return replay(id, rs, events)

    def __repr__(self) -> str:
        return f"Order(id={self.id!r}, rules={self.rules.name!r}, events={self.events!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Order):
            return NotImplemented
        return (self.id, self.rules, self._events) == (other.id, other.rules, other._events)

    def __hash__(self) -> int:
        return hash((self.id, self.rules.name, self._events))

    def apply(
        self, event: Event | Mapping[str, Any], *, expected_version: int | None = None
    ) -> Order:
        """A new order with ``event`` applied; this one is unchanged, whatever happens.

        Timers due at or before the event's time fire first, so the event is judged against
        the state they left. An event whose ``event_id`` the order already holds, with the same
        content, changes nothing (this order is returned; :meth:`receive` says so). Raises
        :class:`InvalidInput`, :class:`OutOfOrder`, :class:`NotAllowed`, or
        :class:`VersionConflict` when ``expected_version`` (the number of events the caller
        saw) is not the order's.
        """
        return self.receive(event, expected_version=expected_version).order

    def receive(
        self, event: Event | Mapping[str, Any], *, expected_version: int | None = None
    ) -> Receipt:
        """Like :meth:`apply`, and say whether the event was a duplicate delivery (a no-op).

        >>> order = load({"id": "R1", "rules": "taobao", "events": [
        ...     {"type": "placed", "at": "2026-11-11T10:00:00+08:00", "event_id": "e1"}]})
        >>> paid = {"type": "paid", "at": "2026-11-11T10:05:00+08:00", "event_id": "e2"}
        >>> first = order.receive(paid)
        >>> again = first.order.receive(paid)
        >>> first.duplicate, again.duplicate, len(again.order.events)
        (False, True, 2)
        """
        index = len(self._events)
        if index >= MAX_EVENTS:
            raise InvalidInput(
                f"order {self.id}: already {index} events, the most one order may have",
                order_id=self.id,
                event_index=index,
            )
        try:
            ev = parse_event(event, self.rules.events)
        except TradeclockError as exc:
            raise exc.located(order_id=self.id, event_index=index) from None
        if ev.event_id is not None and _held(self.id, self._events, ev) is not None:
            return Receipt(self, True)
        if expected_version is not None and expected_version != index:
            raise VersionConflict(
                f"order {self.id}: expected {expected_version} events, the order has {index} "
                "(another writer got there first: load it again and retry)",
                order_id=self.id,
                event_index=index,
                event_type=ev.type,
            )
        if self._lines is not None or (not self._events and is_trade(ev)):
            return Receipt(replay(self.id, self.rules, [*self._events, ev]), False)
        st = self._state.copy()
        apply_event(st, ev, index)
        return Receipt(Order(self.id, self.rules, (*self._events, ev), st), False)

    def insert(self, event: Event | Mapping[str, Any]) -> Order:
        """A new order with ``event`` placed among the others by when it happened (after any
        event at the same instant), the log replayed: for an event that arrived late.

        Automatic deadlines are derived, not logged, so a late event that happened before a
        deadline undoes it: a ``paid`` at 10:14 inserted into an order that would have closed
        itself at 10:15 leaves it paid. A duplicate ``event_id`` is a no-op, as in
        :meth:`apply`; an event the replayed log refuses raises, naming its new position.
        """
        try:
            ev = parse_event(event, self.rules.events)
        except TradeclockError as exc:
            raise exc.located(order_id=self.id, event_index=None) from None
        if ev.event_id is not None and _held(self.id, self._events, ev) is not None:
            return self
        position = len(self._events)
        while position and self._events[position - 1].at > ev.at:
            position -= 1
        return replay(self.id, self.rules, [*self._events[:position], ev, *self._events[position:]])

    def to_dict(self) -> dict[str, Any]:
        """The event log in the JSON format :func:`load` reads, times in the rule set's zone.

        ``load(order.to_dict(), rules=...)`` gives back an equal order.
        """
        tz = self.rules.tz
        return {
            "id": self.id,
            "rules": self.rules.name,
            "rules_fingerprint": self.rules.fingerprint,
            "events": [ev.to_dict(tz) for ev in self._events],
        }

    def status(self, now: datetime | str) -> Status:
        """Where the order stands at ``now``: state, refund, fired and upcoming deadlines.

        A pure function of (log, now): events after ``now`` are not taken into account.
        """
        t = parse_instant(now, "now")
        if self._lines is not None:
            return self._trade_status(t)
        st = self._state
        if st.last_at is not None and st.last_at <= t and (st.next_due is None or st.next_due > t):
            return build_status(st, t)  # nothing due: no copy needed
        st = self._state_at(t)
        if st.state is None:
            if not self._events:
                raise InvalidInput(f"order {self.id}: the event log is empty", order_id=self.id)
            first = self._events[0].at.astimezone(self.rules.tz).isoformat()
            asked = t.astimezone(self.rules.tz).isoformat()
            raise InvalidInput(
                f"order {self.id}: nothing had happened by {asked} (the log starts at {first})",
                order_id=self.id,
            )
        advance(st, t)
        return build_status(st, t)

    def _trade_status(self, t: datetime) -> Status:
        if self._events[0].at > t:
            return self._at(t).status(t)  # raises: nothing had happened by t
        return trade_status(self, self._events, t)

    def when(self, event: str, now: datetime | str, line: str | None = None) -> datetime | None:
        """When the automatic ``event`` (e.g. ``"auto_confirm"``) is next due, or ``None``;
        with ``line``, for that line of a trade (its own deadline, or the trade's as a whole).

        The instant is returned in the rule set's zone.
        """
        check_auto_event(event, self.rules)
        if line is not None and line not in self.line_ids:
            raise InvalidInput(
                f"order {self.id} has no line {line!r} (its lines: {', '.join(self.line_ids)})",
                order_id=self.id,
                line=line,
            )
        deadline = self.status(now).deadline(event, line)
        return None if deadline is None else deadline.at.astimezone(self.rules.tz)

    @property
    def events(self) -> tuple[Event, ...]:
        """The event log as replayed (duplicate deliveries left out), each time in the rule
        set's zone like every instant the library returns; comparisons with any aware time are
        exact.

        >>> order = load({"id": "Z1", "rules": "taobao", "events": [
        ...     {"type": "placed", "at": "2026-11-10T16:00:00Z"}]})
        >>> order.events[0].at.isoformat()
        '2026-11-11T00:00:00+08:00'
        """
        fromutc = self.rules.tz.fromutc
        tz = self.rules.tz
        return tuple(
            Event(ev.type, fromutc(ev.at.replace(tzinfo=tz)), *ev[2:]) for ev in self._events
        )

    @property
    def version(self) -> int:
        """The number of events in the log: the ``expected_version`` a writer passes to
        :meth:`apply` when it appends the next one."""
        return len(self._events)

    @property
    def line_ids(self) -> tuple[str, ...]:
        """The ids of the order's lines: those of ``placed.lines``, else the order's own id."""
        if self._lines is not None:
            return tuple(line for line, _ in self._lines)
        first = self._events[0] if self._events else None
        if first is not None and first.lines:
            return (first.lines[0].id,)
        return (self.id,)

    def instalments_allowed(self) -> Instalments:
        """Whether the buyer may pay by credit-card instalments, and why (rule
        ``pay.instalment_minimum``): a payment of at least 600 yuan, never a flash sale.
        ``status(now).instalments`` carries the same answer.

        >>> order = load({"id": "I", "rules": "tmall", "events": [
        ...     {"type": "placed", "at": "2026-11-11T00:00:00+08:00", "amount": "599.99"}]})
        >>> answer = order.instalments_allowed()
        >>> answer.allowed, answer.reason
        (False, 'the payment of 599.99 yuan is below the 600.00 yuan instalments need ...')
        """
        placed = self._events[0] if self._events else None
        if placed is None:
            return instalments(None, False)
        return instalments(placed.amount, bool(placed.flash_sale))

    def explain(self, now: datetime | str, lang: str = "en") -> str:
        """Where the order stands at ``now`` and each deadline ahead, in words (``zh``/``en``).

        Rendered from :meth:`status`, never computed separately.
        """
        return explain(self.status(now), self.rules, lang)

    def allowed_actions(
        self, now: datetime | str, actor: str | None = None, include_refused: bool = False
    ) -> list[Action]:
        """What ``actor`` (buyer, seller, carrier, platform; default: all) may do at ``now``.

        Each action carries the state changes it makes at once and the deadlines it starts and
        stops, found by applying it to a copy; ``include_refused`` adds the refused ones with
        the engine's reason and rule.
        """
        if actor is not None and actor not in ("buyer", "seller", "carrier", "platform"):
            raise InvalidInput(f"unknown actor {actor!r} (buyer, seller, carrier, platform)")
        return actions(self, now, actor, include_refused)

    def late_shipment_compensation(
        self, now: datetime | str, *, listed_category: bool = False
    ) -> Compensation | None:
        """What the seller owes for shipping after ``dispatch_due`` (Taobao-based rule sets):
        a share of the order's amount within the bounds of the version in force when it was
        paid, exact to the fen; ``None`` when it shipped in time, has no amount, or the rule
        set has no such rule.

        >>> order = load({"id": "L1", "rules": "taobao", "events": [
        ...     {"type": "placed", "at": "2026-11-01T10:00:00+08:00", "amount": "399.00"},
        ...     {"type": "paid", "at": "2026-11-01T10:05:00+08:00"},
        ...     {"type": "shipped", "at": "2026-11-04T09:00:00+08:00"}]})
        >>> order.late_shipment_compensation("2026-11-05T00:00:00+08:00").amount
        Decimal('19.95')
        """
        t = parse_instant(now, "now")
        versions = LATE_SHIPMENT.get(self.rules.base)
        st = self._state_at(t)
        advance(st, t)
        late = next((f for f in st.fired if f.event == "dispatch_due"), None)
        if not versions or late is None or st.amount is None or st.paid_at is None:
            return None
        rule = [v for v in versions if v.effective_from <= st.paid_at][-1]
        share = (st.amount * rule.rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        low = rule.minimum_listed if listed_category else rule.minimum
        amount = min(max(share, low), rule.maximum)
        return Compensation(amount, rule.id, late.at, rule.source)

    def return_shipping(self, now: datetime | str) -> ShippingSplit | None:
        """Who pays which shipping leg of the refund at ``now`` if it is a no-reason return
        (constraint ``refund.return_shipping``: dispute rules art. 53); ``None`` otherwise.

        >>> order = load({"id": "F1", "rules": "taobao", "events": [
        ...     {"type": "placed", "at": "2026-11-01T10:00:00+08:00", "amount": "120.00",
        ...      "free_shipping": True, "free_shipping_threshold": "99.00"},
        ...     {"type": "paid", "at": "2026-11-01T10:05:00+08:00"},
        ...     {"type": "shipped", "at": "2026-11-02T10:00:00+08:00"},
        ...     {"type": "refund_requested", "at": "2026-11-03T10:00:00+08:00",
        ...      "return_goods": True, "reason": "no_reason", "amount": "30.00"}]})
        >>> order.return_shipping("2026-11-03T11:00:00+08:00").outbound
        'buyer'
        """
        status = self.status(now)
        r = status.refund
        if r is None or not r.return_goods or r.reason != "no_reason":
            return None
        placed = self._events[0]
        rule = "refund.return_shipping"
        if not placed.free_shipping:
            return ShippingSplit(
                "buyer", "buyer", "no free shipping: the buyer pays both legs", rule
            )
        threshold, amount = placed.free_shipping_threshold, status.amount
        if threshold is not None and amount is not None and r.amount is not None:
            left = amount - r.amount
            if left < threshold:
                return ShippingSplit(
                    "buyer",
                    "buyer",
                    f"the partial return leaves {left} yuan, below the free-shipping threshold "
                    f"of {threshold}: the buyer pays both legs",
                    rule,
                )
        return ShippingSplit(
            "seller", "buyer", "free shipping: the buyer pays only the return leg", rule
        )

    def migrate(self, rules: RuleSet) -> Order:
        """The same log judged by another rule set (or version): an explicit choice, never
        made by adding a version to a registry."""
        return replay(self.id, rules, self._events)

    def _at(self, t: datetime) -> Order:
        """This order as of ``t``: the events after ``t`` left out."""
        if not self._events or self._events[-1].at <= t:
            return self
        return replay(self.id, self.rules, [ev for ev in self._events if ev.at <= t])

    def _state_at(self, t: datetime) -> State:
        """A copy of the state as of ``t`` (the log replayed up to ``t`` if it runs past it)."""
        return self._at(t)._state.copy()


def load(
    obj: Mapping[str, Any] | str | bytes | Path,
    *,
    rules: RuleSet | Mapping[str, RuleSet] | RuleRegistry | None = None,
) -> Order:
    """Replay an event log into an :class:`Order`.

    ``obj`` is the event log ``{"id", "rules", "events": [...]}``: a mapping, JSON text
    (``str`` or ``bytes``; a leading byte-order mark and whitespace allowed) or a
    ``pathlib.Path`` of a JSON file. A ``str`` that is not JSON is read as a path only when it
    names an existing file; else it is :class:`InvalidInput` saying it is neither.

    ``rules`` supplies custom rule sets, known by their names beside the presets ``taobao``
    and ``tmall``: one :class:`RuleSet`, a mapping of
    them by name, or a :class:`RuleRegistry` of versions, from which the version in force when
    the order was placed is taken (and pinned: later versions never move it). The log's
    ``rules`` field picks one of them.
    """
    data = read_log(obj)  # JSON straight into checked events, when it settles the log
    if data is None:
        data = _read(obj)
    if not isinstance(data, Mapping):
        raise InvalidInput(f"an event log must be a JSON object, got {type(data).__name__}")
    order_id = data.get("id")
    if not isinstance(order_id, str) or not order_id:
        raise InvalidInput("the event log needs an 'id' (a non-empty string)")
    check_text(order_id, "the order id")
    unknown = set(data) - _LOG_KEYS
    if unknown:
        raise InvalidInput(
            f"order {order_id}: unknown keys {sorted(unknown)} (allowed: id, rules, "
            "rules_fingerprint, events)",
            order_id=order_id,
        )
    name = data.get("rules")
    if not isinstance(name, str):
        raise InvalidInput(f"order {order_id}: 'rules' must name a rule set", order_id=order_id)
    events = data.get("events")
    if not isinstance(events, list) or not events:
        raise InvalidInput(
            f"order {order_id}: the event log is empty (it starts with placed)", order_id=order_id
        )
    try:
        if isinstance(rules, RuleRegistry):
            try:
                placed_at = parse_event(events[0]).at
            except TradeclockError as exc:
                raise exc.located(order_id=order_id, event_index=0) from None
            rs = rules.resolve(name, placed_at)
        else:
            extra = {rules.name: rules} if isinstance(rules, RuleSet) else rules
            rs = get_rules(name, extra)
    except InvalidInput as exc:
        raise exc.located(order_id=order_id, event_index=None) from None
    if len(events) > MAX_EVENTS:
        raise InvalidInput(
            f"order {order_id}: {len(events)} events, more than the {MAX_EVENTS} one order may "
            "have",
            order_id=order_id,
        )
    check_pinned(order_id, rs, data.get("rules_fingerprint"))
    return replay(order_id, rs, events)


def spent_status_row(order: Order, now: datetime) -> tuple[Any, ...] | None:
    """The fields of ``order``'s status at ``now`` that a batch row holds (see
    :func:`tradeclock._engine.status_row`), its state advanced to ``now`` in place: for an
    order no one else holds, dropped once read (its own status afterwards would be wrong).
    ``None`` where :meth:`Order.status` has more to do (a trade of several lines, a log that
    runs past ``now``, none at all): take that instead."""
    st = order._state
    if order._lines is not None or st.last_at is None or st.last_at > now:
        return None
    advance(st, now)
    return status_row(st, now)


def check_pinned(order_id: str, rs: RuleSet, pinned: object) -> None:
    """Refuse to judge an order pinned to a rule set's fingerprint by a rule set with another
    (:class:`tradeclock.RulesMismatch`); ``pinned`` ``None``: not pinned."""
    if pinned is None:
        return
    if not isinstance(pinned, str):
        raise InvalidInput(
            f"order {order_id}: rules_fingerprint must be a string, got {type(pinned).__name__}",
            order_id=order_id,
        )
    if pinned != rs.fingerprint:
        raise RulesMismatch(
            f"order {order_id} is pinned to rule set {rs.name!r} with fingerprint {pinned}, "
            f"but the rule set {rs.name!r} given has fingerprint {rs.fingerprint}: its content "
            "differs, so its answers would be by rules the order was never under (give the rule "
            "set it was pinned to, or move the order with Order.migrate)",
            order_id=order_id,
        )


class ShippingSplit(msgspec.Struct, frozen=True):
    """Who pays each leg of a no-reason return's shipping, and why."""

    #: who bears the outbound leg in the end ("seller" keeps it with free shipping)
    outbound: str
    #: who pays the return leg (the buyer, for a no-reason return)
    return_leg: str
    reason: str
    rule: str


class Compensation(msgspec.Struct, frozen=True):
    """Money owed for shipping late: how much, by which rule, since when the seller was late."""

    amount: Decimal
    rule: str
    late_since: datetime
    source: str


class Receipt(msgspec.Struct, frozen=True):
    """What :meth:`Order.receive` did: the order after it, and whether the event was a
    duplicate delivery (an ``event_id`` the order already held, with the same content)."""

    order: Order
    duplicate: bool


def _held(order_id: str, events: Sequence[Event], ev: Event) -> int | None:
    """The index of the event with ``ev``'s id; ``InvalidInput`` if its content differs."""
    for i, old in enumerate(events):
        if old.event_id == ev.event_id:
            if tuple(old) != tuple(ev):
                raise InvalidInput(
                    f"order {order_id}: event_id {ev.event_id!r} was already used by event {i} "
                    f"({old.type} at {old.at.isoformat()}) with different content",
                    order_id=order_id,
                    event_index=i,
                    event_type=ev.type,
                )
            return i
    return None


def _replay_trade(order_id: str, rs: RuleSet, events: list[Event]) -> Order:
    """A trade of several lines: each line's order, replayed from its share of the log."""
    states, logs = replay_trade(order_id, rs, events)
    lines = tuple((line, Order(order_id, rs, tuple(logs[line]), st)) for line, st in states.items())
    return _Trade(order_id, rs, tuple(events), lines[0][1]._state, lines)


@attrs.frozen(eq=False, repr=False)
class _Trade(Order):
    """An :class:`Order` of several lines (its ``_lines`` a field)."""

    _lines: tuple[tuple[str, Order], ...] = attrs.field(alias="lines")  # type: ignore[misc]


def _read_only(st: State, ev: Event) -> None:
    """A trade's events after its ``placed``: read and kept, replayed line by line after."""


def replay(order_id: str, rs: RuleSet, events: Iterable[Event | Mapping[str, Any]]) -> Order:
    """Build an order from a sequence of events (dicts or :class:`Event`) in one pass.

    A repeated ``event_id`` with the same content is dropped (a duplicate delivery written to
    the log); with different content it is :class:`InvalidInput`.
    """
    st = State(order_id, rs)
    custom = rs.events or None
    parsed: list[Event] = []
    ids: set[str] = set()
    i = 0
    step: Callable[[State, Event], None] = apply
    numbered = enumerate(events)
    while True:  # once, or twice for a trade (no try per event: a try costs)
        try:
            for i, raw in numbered:
                if i >= MAX_EVENTS:
                    raise InvalidInput(f"more than the {MAX_EVENTS} events one order may have")
                ev = raw if type(raw) is Parsed else parse_event(raw, custom)
                if ev.event_id is not None:
                    if ev.event_id in ids and _held(order_id, parsed, ev) is not None:
                        continue
                    ids.add(ev.event_id)
                step(st, ev)
                parsed.append(ev)
        except IsTrade:  # placed a trade of several lines: read the log on, then each line
            parsed.append(ev)
            step = _read_only
            continue
        except TradeclockError as exc:
            raise exc.located(order_id=order_id, event_index=i) from None
        break
    if step is _read_only:
        return _replay_trade(order_id, rs, parsed)
    return Order(order_id, rs, tuple(parsed), st)


def _read(obj: Mapping[str, Any] | str | bytes | Path, what: str = "event log") -> Any:
    """``obj`` itself (a mapping), or the JSON it is (text or bytes) or names (a ``Path``; a
    ``str`` that is not JSON and names an existing file): see :mod:`tradeclock._input`."""
    if isinstance(obj, Mapping):
        return obj
    return read_json(obj, what)
