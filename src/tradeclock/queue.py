"""A durable due-queue in SQLite or PostgreSQL: orders' event logs and their next deadline, and
the automatic events fired exactly once, each with its true time.

Nothing is scheduled in memory: each order's row holds its log and the instant a worker next has
something to do (derived from the log, like everything here), indexed, so "what is due up to
now" is one query, and a restart loses nothing and grants no fresh timeout.
:meth:`Queue.fire_due` records each automatic event that has happened by ``now`` once, with
``fired_at`` = its deadline and ``processed_at`` = the ``now`` it was found at, so catching up
after downtime reports the lateness and keeps the true time. Workers claim due orders in
batches, each batch one short transaction that re-reads the orders it claims, and the fired
table's key refuses a second record. In an SQLite file (the default) the claim is
``BEGIN IMMEDIATE``: two workers are safe, one at a time. In PostgreSQL
(``Queue("postgresql://...")``) it is ``FOR UPDATE SKIP LOCKED``: workers on many hosts share
the work, a killed worker's claim ends with its connection, and ``LISTEN``/``NOTIFY`` wakes
sleeping workers when a new event brings a deadline closer (docs/production.md).

>>> q = Queue(":memory:")
>>> _ = q.put("A1", [{"type": "placed", "at": "2026-11-11T10:00:00+08:00", "pay_within": "PT15M"}])
>>> " ".join(f.event for f in q.fire_due("2026-11-11T10:20:00+08:00"))
'auto_close'
>>> q.fire_due("2026-11-11T10:30:00+08:00")
[]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from ._errors import InvalidInput, StorageError, TradeclockError
from ._input import parse_json
from ._order import Order, load
from ._presets import get_rules
from ._rules import RuleSet
from ._store import Store, open_store
from ._time import parse_instant
from ._typed import read_events

__all__ = ["Due", "Failure", "FiredRecord", "Queue", "Sweep"]


class Due(msgspec.Struct, frozen=True):
    """An order with an automatic event due: its id and its next deadline, in its zone."""

    order_id: str
    at: datetime


class FiredRecord(msgspec.Struct, frozen=True):
    """An automatic event as the queue recorded it: when it happened (its deadline) and when a
    worker found it."""

    order_id: str
    event: str
    rule: str
    fired_at: datetime
    processed_at: datetime
    #: the line of a trade it concerns (``None``: the trade as a whole, or recorded before
    #: the queue kept lines)
    line: str | None = None


class Failure(msgspec.Struct, frozen=True):
    """An order a worker could not judge: its typed error, kept until a sweep judges it (a
    sweep retries it each time, and the other orders fire meanwhile)."""

    order_id: str
    kind: str
    message: str
    rule: str | None
    #: when it first failed (the sweep's ``now``, in the order's zone when known)
    failed_at: datetime
    attempts: int


class Sweep(msgspec.Struct, frozen=True):
    """What one sweep did: the automatic events it recorded and the orders it could not judge."""

    fired: list[FiredRecord]
    failed: list[Failure]


#: Orders claimed per transaction by a sweep.
BATCH = 100


def _sooner(a: Any, b: Any) -> Any:
    """The earlier of two stored instants, either of which may be ``None`` (none)."""
    return b if a is None or (b is not None and b < a) else a


class _Plan(NamedTuple):
    """One claimed order's writes, worked out before any is made."""

    order_id: str
    #: (stored fired_at, record) of each automatic event not recorded yet
    candidates: list[tuple[Any, FiredRecord]]
    next_due: Any
    fired_upto: Any
    had_failed: bool


class Queue:
    """Orders and their deadlines in one SQLite file (``":memory:"`` for a test) or a PostgreSQL
    database (``"postgresql://user@host/db"``, tables in schema ``tradeclock``; needs
    ``tradeclock[postgres]``). The two behave alike; only PostgreSQL lets workers on several
    hosts share the work."""

    def __init__(
        self,
        path: str | Path,
        rules: RuleSet | Mapping[str, RuleSet] | None = None,
        *,
        create: bool = True,
        stalled_after: float = 30.0,
    ) -> None:
        """Open the queue in ``path``; with ``create=False`` a missing file (or a database
        without the queue's tables) is :class:`StorageError`: a mistyped path must not become
        an empty queue. ``stalled_after`` (PostgreSQL): seconds after which a worker that
        stalls inside a transaction loses its claim, so the others fire its orders."""
        self.path = str(path)
        self.rules = rules
        self._s: Store = open_store(path, create=create, stalled_after=stalled_after)
        self.name = self._s.name
        #: the SQLite connection (``None`` on PostgreSQL, whose connection is remade after a
        #: loss); the queue's methods are the way in
        self.db: Any = getattr(self._s, "db", None)

    def close(self) -> None:
        """Close the file or the connections."""
        self._s.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sql(self, sql: str) -> str:
        return sql.format(**self._s.words)

    # ------------------------------------------------------------------ orders

    def put(
        self,
        order_id: str,
        events: Iterable[Mapping[str, Any]],
        *,
        rules: str = "taobao",
        expected_version: int | None = None,
    ) -> Order:
        """Append ``events`` to the order's log (creating it), as :meth:`Order.apply` does:
        a duplicate ``event_id`` is a no-op, a refused event leaves the stored log as it was,
        and ``expected_version`` is checked against the stored number of events (two writers
        racing on one order: one of them gets :class:`tradeclock.VersionConflict`)."""
        with self._s.tx():
            order, soonest = self._append(order_id, events, rules, expected_version)
            if soonest is not None:
                self._s.notify(soonest)
        return order

    def put_many(
        self,
        logs: Mapping[str, Iterable[Mapping[str, Any]]],
        *,
        rules: str = "taobao",
        chunk: int = 1000,
    ) -> int:
        """Store many orders' events in one transaction (a bulk load); all or nothing. The
        orders are read and written ``chunk`` at a time (one statement per chunk on
        PostgreSQL), each held as :meth:`put` holds one."""
        if chunk < 1:
            raise InvalidInput(f"put_many: chunk must be at least 1, not {chunk}")
        items = list(logs.items())
        with self._s.tx():
            soonest = None  # one wake-up for the whole load: the earliest deadline it moved
            for start in range(0, len(items), chunk):
                soonest = _sooner(soonest, self._append_chunk(items[start : start + chunk], rules))
            if soonest is not None:
                self._s.notify(soonest)
        return len(items)

    def _append_chunk(
        self, items: list[tuple[str, Iterable[Mapping[str, Any]]]], rules: str
    ) -> Any:
        """Inside a write transaction: :meth:`_append` for many orders, read in one query and
        written in one statement per kind (new, stored). Returns the soonest deadline moved."""
        marks = ", ".join("?" * len(items))
        rows = self._s.q(
            self._sql(
                "SELECT order_id, rules, {log}, fired_upto, rules_fingerprint, next_due "
                f"FROM orders WHERE order_id IN ({marks})"
            )
            + self._s.lock_row,
            [order_id for order_id, _ in items],
        )
        stored = {row[0]: row[1:] for row in rows}
        created: list[tuple[Any, ...]] = []
        updated: list[tuple[Any, ...]] = []
        soonest = None
        for order_id, events in items:
            row = stored.get(order_id)
            order = self._stored(order_id, row, rules)
            for ev in events:
                order = order.apply(ev)
            values, moved = self._row(order, row)
            if row is None:
                created.append((order.id, order.rules.name, *values))
            else:
                updated.append((*values, order.id))
            soonest = _sooner(soonest, moved)
        made = set(self._s.write_orders(created, updated))
        for order_id, events in items:  # created by another writer since we looked
            if order_id not in stored and order_id not in made:
                soonest = _sooner(soonest, self._append(order_id, events, rules, None)[1])
        return soonest

    def _append(
        self,
        order_id: str,
        events: Iterable[Mapping[str, Any]],
        rules: str,
        expected_version: int | None,
    ) -> tuple[Order, Any]:
        """Inside a write transaction: apply ``events`` to the stored order and store it. The
        stored row is held until the transaction ends (PostgreSQL: ``FOR UPDATE``; a writer
        that creates an order another writer has just created reads it again and goes on from
        there, so ``expected_version`` decides). Returns the order, and its new next deadline
        when that is sooner than it was (for the wake-up), else ``None``."""
        events = list(events)
        while True:
            row = self._s.one(
                self._sql(
                    "SELECT rules, {log}, fired_upto, rules_fingerprint, next_due FROM orders "
                    "WHERE order_id = ?"
                )
                + self._s.lock_row,
                (order_id,),
            )
            order = self._stored(order_id, row, rules)
            for i, ev in enumerate(events):
                order = order.apply(ev, expected_version=expected_version if i == 0 else None)
            stored = self._store(order, row)
            if stored is not False:
                return order, stored

    def _stored(self, order_id: str, row: tuple[Any, ...] | None, rules: str) -> Order:
        """The order as ``row`` (``(rules, log, fired_upto, fingerprint, next_due)``) holds it,
        or a new one under ``rules`` when it is not stored."""
        if row is None:
            return Order.new(order_id, self._rules(rules))
        return self._order(order_id, row[0], row[1], row[3])

    def _row(self, order: Order, row: tuple[Any, ...] | None) -> tuple[tuple[Any, ...], Any]:
        """What to store of ``order`` (``row``: what is stored, ``(rules, log, fired_upto,
        fingerprint, next_due)``, or ``None``): the next instant a worker has something to do
        (the first automatic event not yet recorded, fired before the last event, else the next
        deadline) is among the column values ``(log, version, next_due, fingerprint)``, and is
        returned again when it is sooner than it was (for the wake-up), else ``None``."""
        fired_upto, was_due = (None, None) if row is None else (row[2], row[4])
        data = order.to_dict()
        nxt = None
        if order.version:
            status = order.status(data["events"][-1]["at"])
            pending = [
                f.at for f in status.fired if fired_upto is None or self._s.key(f.at) > fired_upto
            ]
            ahead = [status.upcoming[0].at] if status.upcoming else []
            nxt = min([*pending, *ahead], default=None)
        key = None if nxt is None else self._s.key(nxt)
        values = (
            json.dumps(data["events"], ensure_ascii=False),
            order.version,
            key,
            order.rules.fingerprint,
        )
        moved = key if key is not None and (was_due is None or key < was_due) else None
        return values, moved

    def _store(self, order: Order, row: tuple[Any, ...] | None) -> Any:
        """Write the order (:meth:`_row`). Returns the instant a worker is due sooner than
        before, else ``None``, or ``False`` when the order was new to this transaction and
        another writer created it meanwhile."""
        values, moved = self._row(order, row)
        if row is None:
            made = self._s.write_orders([(order.id, order.rules.name, *values)], [])
            if not made:
                return False  # created by another writer since we looked: read it again
        else:
            self._s.write_orders([], [(*values, order.id)])
        return moved

    def get(self, order_id: str) -> Order:
        """The stored order."""
        row = self._s.one(
            self._sql("SELECT rules, {log}, rules_fingerprint FROM orders WHERE order_id = ?"),
            (order_id,),
        )
        if row is None:
            raise InvalidInput(f"order {order_id}: not in the queue", order_id=order_id)
        return self._order(order_id, row[0], row[1], row[2])

    def due(self, now: datetime | str) -> list[Due]:
        """Every order with something due at or before ``now``, the earliest first."""
        rows = self._s.q(
            "SELECT order_id, next_due, rules FROM orders WHERE next_due IS NOT NULL "
            "AND next_due <= ? ORDER BY next_due, order_id",
            (self._s.key(parse_instant(now, "now")),),
        )
        return [Due(o, self._s.instant(at).astimezone(self._zone(r))) for o, at, r in rows]

    def next_due(self, after: datetime | str | None = None) -> datetime | None:
        """The earliest instant a worker has something to do (in its order's zone), or
        ``None`` when no order has a deadline ahead; with ``after``, the earliest later than
        it (a worker that swept at ``after`` passes it, so that an order it could not judge,
        still due, does not wake it at once)."""
        sql = "SELECT next_due, rules FROM orders WHERE next_due IS NOT NULL"
        args: tuple[Any, ...] = ()
        if after is not None:
            sql, args = sql + " AND next_due > ?", (self._s.key(parse_instant(after, "after")),)
        row = self._s.one(sql + " ORDER BY next_due LIMIT 1", args)
        return None if row is None else self._s.instant(row[0]).astimezone(self._zone(row[1]))

    def fire_due(self, now: datetime | str, limit: int | None = None) -> list[FiredRecord]:
        """Record every automatic event that has happened by ``now`` and was not recorded yet,
        and move each order's next deadline on. Returns what this call recorded (an order
        that cannot be judged is kept as a :class:`Failure`: :meth:`sweep`)."""
        return self.sweep(now, limit).fired

    def sweep(
        self,
        now: datetime | str,
        limit: int | None = None,
        stop: Callable[[], bool] | None = None,
        each: Callable[[list[FiredRecord]], None] | None = None,
        *,
        batch: int = BATCH,
    ) -> Sweep:
        """:meth:`fire_due`, saying also which orders failed. Due orders are claimed
        ``batch`` at a time, each batch in one transaction (at most ``limit`` orders in all).
        One order's error never stops the sweep: the order is recorded as failed with its
        typed error (:meth:`failures`), retried by every later sweep, and forgotten once
        judged. ``stop`` is asked before each order: a worker told to stop commits the orders
        done in the batch in hand and ends (the rest stay due, untouched). ``each`` is given
        each order's records once their transaction committed (a worker prints them as they
        happen). A database that cannot be reached, or goes away, is :class:`StorageError`;
        what the batch in hand did is then rolled back whole, for a later sweep to redo."""
        t = parse_instant(now, "now")
        if batch < 1:
            raise InvalidInput(f"sweep: batch must be at least 1, not {batch}")
        fired: list[FiredRecord] = []
        failed: list[Failure] = []
        skip: list[str] = []  # failed in this sweep: not claimed again until the next one
        claimed = 0
        stopped = False
        key_now = self._s.key(t)
        while not stopped and (limit is None or claimed < limit):
            n = batch if limit is None else min(batch, limit - claimed)
            plans: list[_Plan | None] = []
            with self._s.tx():
                rows = self._claim(t, n, skip)
                for row in rows:
                    if stop is not None and stop():
                        stopped = True
                        break
                    try:
                        plans.append(self._plan(row, t, key_now))
                    except StorageError:
                        raise
                    except TradeclockError as exc:
                        failed.append(self._failed(row[0], row[1], exc, t))
                        skip.append(row[0])
                done = self._write(plans, t)
            claimed += len(rows)
            for records in done:
                fired += records
                if each is not None and records:
                    each(records)
            if len(rows) < n:
                break
        return Sweep(fired, failed)

    def _claim(self, t: datetime, n: int, skip: list[str]) -> list[tuple[Any, ...]]:
        """Inside a transaction: the due orders' rows, at most ``n``, the earliest first, held
        until it ends (PostgreSQL: rows another worker holds are skipped, not waited for)."""
        unless = f" AND order_id NOT IN ({', '.join('?' * len(skip))})" if skip else ""
        return self._s.q(
            self._sql(
                "SELECT order_id, rules, {log}, next_due, fired_upto, rules_fingerprint, "
                "EXISTS (SELECT 1 FROM failures f WHERE f.order_id = orders.order_id) "
                "FROM orders WHERE next_due IS NOT NULL AND next_due <= ?"
            )
            + unless
            + " ORDER BY next_due LIMIT ?"
            + self._s.claim,
            (self._s.key(t), *skip, n),
        )

    def info(self) -> dict[str, Any]:
        """What the queue holds: ``{"orders", "fired", "next_due"}`` (the earliest instant a
        worker has something to do, ISO-8601 in its order's zone, or ``None``)."""
        orders = self._s.one("SELECT count(*) FROM orders")
        fired = self._s.one("SELECT count(*) FROM fired")
        nxt = self.next_due()
        return {
            "orders": 0 if orders is None else orders[0],
            "fired": 0 if fired is None else fired[0],
            "next_due": None if nxt is None else nxt.isoformat(),
        }

    def failures(self) -> list[Failure]:
        """The orders the last sweeps could not judge, with their errors."""
        rows = self._s.q(
            "SELECT f.order_id, f.kind, f.message, f.rule, f.failed_at, f.attempts, o.rules "
            "FROM failures f LEFT JOIN orders o USING (order_id) ORDER BY f.failed_at, order_id"
        )
        return [
            Failure(o, k, m, r, self._s.instant(at).astimezone(self._zone(rules)), n)
            for o, k, m, r, at, n, rules in rows
        ]

    def enqueue(self, order: Order) -> int:
        """Store ``order``'s log: a new order whole; a queued one only the events after those
        stored, checked against its stored version. Returns how many events were new (0: the
        queue holds them all already). A log that does not continue the stored one is
        :class:`InvalidInput` naming the first event that differs."""
        row = self._s.one(
            self._sql("SELECT rules, {log}, rules_fingerprint FROM orders WHERE order_id = ?"),
            (order.id,),
        )
        events = order.events
        if row is None:
            self.put(order.id, [ev.to_dict() for ev in events], rules=order.rules.name)
            return order.version
        stored = self._order(order.id, row[0], row[1], row[2])
        if stored.rules.name != order.rules.name:
            raise InvalidInput(
                f"order {order.id} is queued under rule set {stored.rules.name!r}, and this log "
                f"names {order.rules.name!r}",
                order_id=order.id,
            )
        for i, (old, new) in enumerate(zip(stored.events, events, strict=False)):
            if old != new:
                raise InvalidInput(
                    f"order {order.id} is queued with another log: event {i} is {old.type} at "
                    f"{old.at.isoformat()} there and {new.type} at {new.at.isoformat()} here "
                    "(enqueue appends only the events after the stored ones)",
                    order_id=order.id,
                    event_index=i,
                )
        if order.version < stored.version:
            raise InvalidInput(
                f"order {order.id} is queued with {stored.version} events, more than the "
                f"{order.version} of this log (enqueue never removes events)",
                order_id=order.id,
            )
        added = [ev.to_dict() for ev in events[stored.version :]]
        if added:
            n = stored.version
            self.put(order.id, added, rules=order.rules.name, expected_version=n)
        return len(added)

    def fired(self, order_id: str | None = None) -> list[FiredRecord]:
        """What the queue recorded, in time order (one order's, or all)."""
        sql = (
            "SELECT f.order_id, f.event, f.rule, f.fired_at, f.processed_at, f.line, o.rules "
            "FROM fired f LEFT JOIN orders o USING (order_id)"
        )
        args: tuple[Any, ...] = ()
        if order_id is not None:
            sql, args = sql + " WHERE f.order_id = ?", (order_id,)
        rows = self._s.q(self._sql(sql + " ORDER BY f.fired_at, f.order_id, f.{seq}"), args)
        out = []
        for o, e, r, f, p, line, rules in rows:
            zone = self._zone(rules)
            at, found = self._s.instant(f).astimezone(zone), self._s.instant(p).astimezone(zone)
            out.append(FiredRecord(o, e, r, at, found, line or None))
        return out

    def wait(
        self, seconds: float, stop: Callable[[], bool] | None = None, before: datetime | None = None
    ) -> bool:
        """Sleep up to ``seconds`` (``stop`` is asked every tenth of a second). On PostgreSQL,
        wake early, returning ``True``, when a write anywhere makes an order due before
        ``before`` (any order, when ``None``): a worker sleeps until its next deadline and is
        still on time for one that a new event brought closer. Call it once before the first
        sweep, with 0 seconds, so that no write after that sweep goes unheard."""
        return self._s.wait(seconds, stop or (lambda: False), before)

    # ------------------------------------------------------------------ internals

    def _plan(self, row: tuple[Any, ...], now: datetime, key_now: Any) -> _Plan | None:
        """What ``row``'s order fired by ``now`` (``key_now`` in the stored form) and its next
        deadline (no write: an order the engine cannot judge raises before anything of it is
        written)."""
        order_id, rules, log, next_due, upto, pinned, had_failed = row
        if next_due is None or next_due > key_now:
            return None  # another worker got there first (SQLite: claimed before our lock)
        order = self._order(order_id, rules, log, pinned)
        status = order.status(now)
        local_now = status.now  # in the rule set's zone, as the fired events are
        candidates = []
        newest = upto
        for f in status.fired:
            key = self._s.key(f.at)
            newest = key if newest is None or key > newest else newest
            if upto is None or key > upto:
                record = FiredRecord(order_id, f.event, f.rule, f.at, local_now, f.line)
                candidates.append((key, record))
        nxt = status.upcoming[0].at if status.upcoming else None
        return _Plan(order_id, candidates, None if nxt is None else self._s.key(nxt), newest,
                     bool(had_failed))  # fmt: skip

    def _write(self, plans: list[_Plan | None], now: datetime) -> list[list[FiredRecord]]:
        """Inside the claiming transaction: record what the planned orders fired (a record
        already there is not recorded, nor returned, again), move their next deadlines on and
        forget the failures of the orders now judged. Each order's new records."""
        todo = [p for p in plans if p is not None]
        key_now = self._s.key(now)
        rows = [
            (p.order_id, r.event, r.rule, key, key_now, r.line or "")
            for p in todo
            for key, r in p.candidates
        ]
        moved = [(p.order_id, p.next_due, p.fired_upto) for p in todo]
        judged = [p.order_id for p in todo if p.had_failed]
        new = set(self._s.write_sweep(rows, moved, judged))
        return [
            [
                r
                for key, r in p.candidates
                if (p.order_id, r.line or "", r.event, r.rule, key) in new
            ]
            for p in todo
        ]

    def _failed(self, order_id: str, rules: str, exc: TradeclockError, now: datetime) -> Failure:
        """Inside the claiming transaction: keep ``order_id``'s error (its rows untouched)."""
        row = self._s.one(
            "INSERT INTO failures VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (order_id) DO "
            "UPDATE SET kind = excluded.kind, message = excluded.message, "
            "rule = excluded.rule, attempts = failures.attempts + 1 "
            "RETURNING failed_at, attempts",
            (order_id, exc.kind, exc.message, exc.rule, self._s.key(now)),
        )
        assert row is not None  # an upsert returns its row
        at = self._s.instant(row[0]).astimezone(self._zone(rules))
        return Failure(order_id, exc.kind, exc.message, exc.rule, at, row[1])

    def _zone(self, name: str | None) -> Any:
        """The zone of rule set ``name`` (UTC for one this queue cannot resolve)."""
        rs = self._rules(name or "")
        if isinstance(rs, RuleSet):
            return rs.tz
        try:
            return get_rules(rs).tz
        except InvalidInput:
            return UTC

    def _rules(self, name: str) -> RuleSet | str:
        if isinstance(self.rules, RuleSet) and self.rules.name == name:
            return self.rules
        if isinstance(self.rules, Mapping) and name in self.rules:
            return self.rules[name]
        return name

    def _order(self, order_id: str, rules: str, log: str, pinned: str | None) -> Order:
        """The stored order, judged only by the rule set it was stored under: a rule set of the
        same name with other content is :class:`tradeclock.RulesMismatch` (the fingerprint)."""
        extra = {self.rules.name: self.rules} if isinstance(self.rules, RuleSet) else self.rules
        try:  # the library's JSON readers: a stored log that is not JSON is a typed error
            events = read_events(log)  # straight into checked events, when it settles them
            if events is None:
                events = parse_json(log)
        except InvalidInput as exc:
            raise InvalidInput(
                f"order {order_id}: its stored log cannot be read ({exc.message})",
                order_id=order_id,
            ) from None
        data = {"id": order_id, "rules": rules, "events": events}
        if pinned is not None:  # NULL: stored before rule sets were pinned
            data["rules_fingerprint"] = pinned
        return load(data, rules=extra)
