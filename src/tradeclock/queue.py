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
>>> [f.event for f in q.fire_due("2026-11-11T10:20:00+08:00")]
['auto_close']
>>> q.fire_due("2026-11-11T10:30:00+08:00")
[]
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from ._time import parse_instant
from .errors import InvalidInput
from .order import Order, load
from .rules import RuleSet

__all__ = ["FiredRecord", "Queue"]

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
"""
#: A queue written before trades had lines: its fired table keyed without the line.
_LINES_MIGRATION = f"""
CREATE TABLE fired_by_line {_FIRED};
INSERT INTO fired_by_line (order_id, event, rule, fired_at, processed_at)
    SELECT order_id, event, rule, fired_at, processed_at FROM fired;
DROP TABLE fired;
ALTER TABLE fired_by_line RENAME TO fired;
"""


class FiredRecord(NamedTuple):
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


def _key(at: datetime) -> str:
    """An instant as sortable text (UTC, microseconds): the index orders by it."""
    return parse_instant(at, "at").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _instant(text: str) -> datetime:
    return parse_instant(text.replace("Z", "+00:00"), "stored instant")


class Queue:
    """Orders and their deadlines in one SQLite file (``":memory:"`` for a test)."""

    def __init__(
        self, path: str | Path, rules: RuleSet | Mapping[str, RuleSet] | None = None
    ) -> None:
        self.path = str(path)
        self.rules = rules
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

    def due(self, now: datetime | str) -> list[tuple[str, datetime]]:
        """(order id, instant) of every order with something due at or before ``now``."""
        rows = self.db.execute(
            "SELECT order_id, next_due FROM orders WHERE next_due IS NOT NULL AND next_due <= ? "
            "ORDER BY next_due",
            (_key(parse_instant(now, "now")),),
        ).fetchall()
        return [(order_id, _instant(at)) for order_id, at in rows]

    def fire_due(self, now: datetime | str, limit: int | None = None) -> list[FiredRecord]:
        """Record every automatic event that has happened by ``now`` and was not recorded yet,
        and move each order's next deadline on. Returns what this call recorded."""
        t = parse_instant(now, "now")
        out: list[FiredRecord] = []
        for order_id, _ in self.due(t)[:limit]:
            out += self._fire_one(order_id, t)
        return out

    def fired(self, order_id: str | None = None) -> list[FiredRecord]:
        """What the queue recorded, in time order (one order's, or all)."""
        sql = "SELECT order_id, event, rule, fired_at, processed_at, line FROM fired"
        args: tuple[Any, ...] = ()
        if order_id is not None:
            sql, args = sql + " WHERE order_id = ?", (order_id,)
        rows = self.db.execute(sql + " ORDER BY fired_at, order_id, rowid", args).fetchall()
        return [
            FiredRecord(o, e, r, _instant(f), _instant(p), line or None)
            for o, e, r, f, p, line in rows
        ]

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
                    records.append(FiredRecord(order_id, f.event, f.rule, f.at, now, f.line))
            newest = max((_key(f.at) for f in status.fired), default=upto)
            nxt = status.upcoming[0].at if status.upcoming else None
            self.db.execute(
                "UPDATE orders SET next_due = ?, fired_upto = ? WHERE order_id = ?",
                (None if nxt is None else _key(nxt), newest, order_id),
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return records

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
        if order.events:
            status = order.status(order.events[-1].at)
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
                len(order.events),
                None if nxt is None else _key(nxt),
                order.rules.fingerprint,
            ),
        )
