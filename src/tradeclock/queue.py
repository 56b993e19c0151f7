"""A durable due-queue in SQLite: orders' event logs and their next deadline, and the automatic
events fired exactly once, each with its true time.

Nothing is scheduled in memory: each order's row holds its log and the instant a worker next has
something to do (derived from the log, like everything here), indexed, so "what is due up to
now" is one query, and a restart loses nothing and grants no fresh timeout.
:meth:`Queue.fire_due` records each automatic event that has happened by ``now`` once, with
``fired_at`` = its deadline and ``processed_at`` = the ``now`` it was found at, so catching up
after downtime reports the lateness and keeps the true time. Two worker processes may share one
file: each order is claimed in its own ``BEGIN IMMEDIATE`` transaction and re-read inside it,
and the fired table's key refuses a second record.

>>> q = Queue(":memory:")
>>> _ = q.put("A1", [{"type": "placed", "at": "2026-11-11T10:00:00+08:00", "pay_within": "PT15M"}])
>>> " ".join(f.event for f in q.fire_due("2026-11-11T10:20:00+08:00"))
'auto_close'
>>> q.fire_due("2026-11-11T10:30:00+08:00")
[]
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from ._errors import InvalidInput, StorageError, TradeclockError
from ._order import Order, load
from ._presets import get_rules
from ._rules import RuleSet
from ._time import parse_instant

__all__ = ["Due", "Failure", "FiredRecord", "Queue", "Sweep"]

#: The fired table, keyed by line (a trade's lines fire apart; ``''``: none named).
_FIRED = """(
    order_id     TEXT NOT NULL,
    event        TEXT NOT NULL,
    rule         TEXT NOT NULL,
    fired_at     TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    line         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, line, event, rule, fired_at)
)"""
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS orders (
    order_id    TEXT PRIMARY KEY,
    rules       TEXT NOT NULL,
    log         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    next_due    TEXT,
    fired_upto  TEXT,
    rules_fingerprint TEXT
);
CREATE INDEX IF NOT EXISTS orders_next_due ON orders (next_due) WHERE next_due IS NOT NULL;
CREATE TABLE IF NOT EXISTS fired {_FIRED};
CREATE TABLE IF NOT EXISTS failures (
    order_id     TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    message      TEXT NOT NULL,
    rule         TEXT,
    failed_at    TEXT NOT NULL,
    attempts     INTEGER NOT NULL
);
"""
#: A queue written before trades had lines: its fired table keyed without the line.
_LINES_MIGRATION = f"""
CREATE TABLE fired_by_line {_FIRED};
INSERT INTO fired_by_line (order_id, event, rule, fired_at, processed_at)
    SELECT order_id, event, rule, fired_at, processed_at FROM fired;
DROP TABLE fired;
ALTER TABLE fired_by_line RENAME TO fired;
"""


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


def _key(at: datetime) -> str:
    """An instant as sortable text (UTC, microseconds): the index orders by it."""
    return parse_instant(at, "at").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _instant(text: str) -> datetime:
    return parse_instant(text.replace("Z", "+00:00"), "stored instant")


class Queue:
    """Orders and their deadlines in one SQLite file (``":memory:"`` for a test)."""

    def __init__(
        self,
        path: str | Path,
        rules: RuleSet | Mapping[str, RuleSet] | None = None,
        *,
        create: bool = True,
    ) -> None:
        """Open the queue in ``path``; with ``create=False`` a missing file is
        :class:`StorageError` (a mistyped path must not become an empty queue)."""
        self.path = str(path)
        self.rules = rules
        if not create and self.path != ":memory:" and not Path(self.path).is_file():
            raise StorageError(f"queue {self.path!r}: no such file (create it with enqueue)")
        try:
            self._open()
        except sqlite3.Error as exc:
            raise StorageError(
                f"queue {self.path!r}: not a usable SQLite database ({exc})"
            ) from None

    def _open(self) -> None:
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        if self.path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(orders)")}
        if "rules_fingerprint" not in columns:  # a queue written before rule sets were pinned
            self.db.execute("ALTER TABLE orders ADD COLUMN rules_fingerprint TEXT")
        fired = {row[1] for row in self.db.execute("PRAGMA table_info(fired)")}
        if "line" not in fired:  # written before trades had lines: one transaction
            self.db.executescript(f"BEGIN IMMEDIATE; {_LINES_MIGRATION} COMMIT;")

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        and ``expected_version`` is checked against the stored number of events."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            order = self._append(order_id, events, rules, expected_version)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return order

    def put_many(
        self, logs: Mapping[str, Iterable[Mapping[str, Any]]], *, rules: str = "taobao"
    ) -> int:
        """Store many orders' events in one transaction (a bulk load); all or nothing."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for order_id, events in logs.items():
                self._append(order_id, events, rules, None)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return len(logs)

    def _append(
        self,
        order_id: str,
        events: Iterable[Mapping[str, Any]],
        rules: str,
        expected_version: int | None,
    ) -> Order:
        """Inside a write transaction: apply ``events`` to the stored order and store it."""
        row = self.db.execute(
            "SELECT rules, log, fired_upto, rules_fingerprint FROM orders WHERE order_id = ?",
            (order_id,),
        ).fetchone()
        if row is None:
            order = Order.new(order_id, self._rules(rules))
        else:
            order = self._order(order_id, row[0], row[1], row[3])
        for i, ev in enumerate(events):
            order = order.apply(ev, expected_version=expected_version if i == 0 else None)
        self._store(order, None if row is None else row[2])
        return order

    def get(self, order_id: str) -> Order:
        """The stored order."""
        row = self.db.execute(
            "SELECT rules, log, rules_fingerprint FROM orders WHERE order_id = ?", (order_id,)
        ).fetchone()
        if row is None:
            raise InvalidInput(f"order {order_id}: not in the queue", order_id=order_id)
        return self._order(order_id, row[0], row[1], row[2])

    def due(self, now: datetime | str) -> list[Due]:
        """Every order with something due at or before ``now``, the earliest first."""
        return [
            Due(order_id, _instant(at).astimezone(self._zone(rules)))
            for order_id, at, rules in self._due_rows(parse_instant(now, "now"))
        ]

    def _due_rows(self, t: datetime, limit: int | None = None) -> list[tuple[str, str, str]]:
        """(order id, next deadline key, rule set name) of the orders due by ``t``, earliest
        first, at most ``limit``."""
        return self.db.execute(
            "SELECT order_id, next_due, rules FROM orders WHERE next_due IS NOT NULL "
            "AND next_due <= ? ORDER BY next_due LIMIT ?",
            (_key(t), -1 if limit is None else limit),
        ).fetchall()

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
    ) -> Sweep:
        """:meth:`fire_due`, saying also which orders failed. One order's error never stops
        the sweep: the order is recorded as failed with its typed error (:meth:`failures`),
        retried by every later sweep, and forgotten once judged. ``stop`` is asked before each
        order: a worker told to stop ends after the order in hand, whose transaction is
        whole. ``each`` is given each order's records once they are committed (a worker
        prints them as they happen)."""
        t = parse_instant(now, "now")
        fired: list[FiredRecord] = []
        failed: list[Failure] = []
        for order_id, _, _ in self._due_rows(t, limit):
            if stop is not None and stop():
                break
            try:
                records = self._fire_one(order_id, t)
            except TradeclockError as exc:
                failed.append(self._failed(order_id, exc, t))
                continue
            fired += records
            if each is not None and records:
                each(records)
        return Sweep(fired, failed)

    def info(self) -> dict[str, Any]:
        """What the queue holds: ``{"orders", "fired", "next_due"}`` (the earliest instant a
        worker has something to do, ISO-8601 in its order's zone, or ``None``)."""
        orders = self.db.execute("SELECT count(*) FROM orders").fetchone()[0]
        fired = self.db.execute("SELECT count(*) FROM fired").fetchone()[0]
        row = self.db.execute(
            "SELECT next_due, rules FROM orders WHERE next_due IS NOT NULL "
            "ORDER BY next_due LIMIT 1"
        ).fetchone()
        nxt = None if row is None else _instant(row[0]).astimezone(self._zone(row[1]))
        return {
            "orders": orders,
            "fired": fired,
            "next_due": None if nxt is None else nxt.isoformat(),
        }

    def failures(self) -> list[Failure]:
        """The orders the last sweeps could not judge, with their errors."""
        rows = self.db.execute(
            "SELECT f.order_id, f.kind, f.message, f.rule, f.failed_at, f.attempts, o.rules "
            "FROM failures f LEFT JOIN orders o USING (order_id) ORDER BY f.failed_at, order_id"
        ).fetchall()
        return [
            Failure(o, k, m, r, _instant(at).astimezone(self._zone(rules)), n)
            for o, k, m, r, at, n, rules in rows
        ]

    def enqueue(self, order: Order) -> int:
        """Store ``order``'s log: a new order whole; a queued one only the events after those
        stored, checked against its stored version. Returns how many events were new (0: the
        queue holds them all already). A log that does not continue the stored one is
        :class:`InvalidInput` naming the first event that differs."""
        row = self.db.execute(
            "SELECT rules, log, rules_fingerprint FROM orders WHERE order_id = ?", (order.id,)
        ).fetchone()
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
        rows = self.db.execute(sql + " ORDER BY f.fired_at, f.order_id, f.rowid", args).fetchall()
        out = []
        for o, e, r, f, p, line, rules in rows:
            zone = self._zone(rules)
            at, found = _instant(f).astimezone(zone), _instant(p).astimezone(zone)
            out.append(FiredRecord(o, e, r, at, found, line or None))
        return out

    # ------------------------------------------------------------------ internals

    def _fire_one(self, order_id: str, now: datetime) -> list[FiredRecord]:
        self.db.execute("BEGIN IMMEDIATE")  # one writer at a time: re-read inside the lock
        try:
            row = self.db.execute(
                "SELECT rules, log, next_due, fired_upto, rules_fingerprint FROM orders "
                "WHERE order_id = ?",
                (order_id,),
            ).fetchone()
            if row is None or row[2] is None or row[2] > _key(now):
                self.db.execute("COMMIT")
                return []  # another worker got there first
            order = self._order(order_id, row[0], row[1], row[4])
            status = order.status(now)
            zone = order.rules.tz
            upto = row[3]
            records = []
            for f in status.fired:
                key = _key(f.at)
                if upto is not None and key <= upto:
                    continue
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO fired VALUES (?, ?, ?, ?, ?, ?)",
                    (order_id, f.event, f.rule, key, _key(now), f.line or ""),
                )
                if cursor.rowcount:
                    at, found = f.at.astimezone(zone), now.astimezone(zone)
                    records.append(FiredRecord(order_id, f.event, f.rule, at, found, f.line))
            newest = max((_key(f.at) for f in status.fired), default=upto)
            nxt = status.upcoming[0].at if status.upcoming else None
            self.db.execute(
                "UPDATE orders SET next_due = ?, fired_upto = ? WHERE order_id = ?",
                (None if nxt is None else _key(nxt), newest, order_id),
            )
            self.db.execute("DELETE FROM failures WHERE order_id = ?", (order_id,))  # judged
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return records

    def _failed(self, order_id: str, exc: TradeclockError, now: datetime) -> Failure:
        """Keep ``order_id``'s error (its own transaction; the order's rows are untouched)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "INSERT INTO failures VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (order_id) DO "
                "UPDATE SET kind = excluded.kind, message = excluded.message, "
                "rule = excluded.rule, attempts = attempts + 1",
                (order_id, exc.kind, exc.message, exc.rule, _key(now)),
            )
            row = self.db.execute(
                "SELECT f.failed_at, f.attempts, o.rules FROM failures f "
                "JOIN orders o USING (order_id) WHERE order_id = ?",
                (order_id,),
            ).fetchone()
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        at = _instant(row[0]).astimezone(self._zone(row[2]))
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
        data = {"id": order_id, "rules": rules, "events": json.loads(log)}
        if pinned is not None:  # NULL: stored before rule sets were pinned
            data["rules_fingerprint"] = pinned
        return load(data, rules=extra)

    def _store(self, order: Order, fired_upto: str | None) -> None:
        """Write the log, with the next instant a worker has something to do: the first
        automatic event not yet recorded (fired before the last event), else the next deadline."""
        data = order.to_dict()
        nxt = None
        if order.version:
            status = order.status(data["events"][-1]["at"])
            pending = [f.at for f in status.fired if fired_upto is None or _key(f.at) > fired_upto]
            ahead = [status.upcoming[0].at] if status.upcoming else []
            nxt = min([*pending, *ahead], default=None)
        self.db.execute(
            "INSERT INTO orders (order_id, rules, log, version, next_due, rules_fingerprint) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (order_id) DO UPDATE SET log = excluded.log, "
            "version = excluded.version, next_due = excluded.next_due, "
            "rules_fingerprint = excluded.rules_fingerprint",
            (
                order.id,
                order.rules.name,
                json.dumps(data["events"], ensure_ascii=False),
                order.version,
                None if nxt is None else _key(nxt),
                order.rules.fingerprint,
            ),
        )
