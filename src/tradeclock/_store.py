"""The due-queue's two stores: one SQLite file (the embedded default) and a PostgreSQL database
(many workers on many hosts). :class:`tradeclock.queue.Queue` speaks to either through the few
operations here; the SQL it writes is shared, with ``?`` placeholders and a handful of dialect
words (``{log}``, ``{json}``, ``{seq}``).

Instants are kept as each database orders them best: sortable UTC text in SQLite, ``timestamptz``
in PostgreSQL. :meth:`Store.key` turns an instant into the stored form and :meth:`Store.instant`
back; within one store the stored forms compare as the instants do.
"""

from __future__ import annotations

import re
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._errors import StorageError
from ._time import parse_instant

__all__ = ["CHANNEL", "Postgres", "SQLite", "Store", "is_url", "open_store"]

#: The channel a PostgreSQL store notifies when a write brings an order's next deadline closer;
#: the payload is that deadline (ISO-8601, UTC).
CHANNEL = "tradeclock_due"

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
_SQLITE_SCHEMA = f"""
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

#: PostgreSQL's schema, by version: each step runs once, in one transaction, recorded in
#: ``tradeclock.migrations`` (a new step is appended, never edited).
PG_MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "orders, fired, failures",
        """
        CREATE TABLE orders (
            order_id          text PRIMARY KEY,
            rules             text NOT NULL,
            log               jsonb NOT NULL,
            version           integer NOT NULL,
            next_due          timestamptz,
            fired_upto        timestamptz,
            rules_fingerprint text
        );
        CREATE INDEX orders_next_due ON orders (next_due) WHERE next_due IS NOT NULL;
        CREATE TABLE fired (
            seq          bigint GENERATED ALWAYS AS IDENTITY,
            order_id     text NOT NULL,
            event        text NOT NULL,
            rule         text NOT NULL,
            fired_at     timestamptz NOT NULL,
            processed_at timestamptz NOT NULL,
            line         text NOT NULL DEFAULT '',
            PRIMARY KEY (order_id, line, event, rule, fired_at)
        );
        CREATE TABLE failures (
            order_id  text PRIMARY KEY,
            kind      text NOT NULL,
            message   text NOT NULL,
            rule      text,
            failed_at timestamptz NOT NULL,
            attempts  integer NOT NULL
        );
        """,
    ),
)
#: The advisory lock that lets one process at a time create or migrate the schema.
_MIGRATION_LOCK = 0x7472_6164_6563  # "tradec"


#: One fired record, refused if it is there already; the key of what was inserted.
_INSERT_FIRED = (
    "INSERT INTO fired (order_id, event, rule, fired_at, processed_at, line) "
    "VALUES {values} ON CONFLICT DO NOTHING "
    "RETURNING order_id, line, event, rule, fired_at"
)


_CREATE = (
    "INSERT INTO orders (order_id, rules, log, version, next_due, rules_fingerprint) "
    "VALUES (?, ?, {json}, ?, ?, ?) ON CONFLICT (order_id) DO NOTHING RETURNING order_id"
)
_UPDATE = (
    "UPDATE orders SET log = {json}, version = ?, next_due = ?, rules_fingerprint = ? "
    "WHERE order_id = ?"
)
_MOVE_ON = "UPDATE orders SET next_due = ?, fired_upto = ? WHERE order_id = ?"


def is_url(target: str | Path) -> bool:
    """Whether a queue target names a PostgreSQL database rather than an SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def masked(url: str) -> str:
    """A database URL fit to print: its password (``user:password@``, or ``password=`` in
    the query) replaced by ``***``."""
    url = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url)


class Store(ABC):
    """What the queue needs of a database (each store implements the abstract methods; the
    others have defaults a store may override)."""

    #: how the target is named in messages
    name: str
    #: the SQL words that differ: ``log`` (the log as JSON text), ``json`` (a JSON text
    #: parameter), ``seq`` (the fired table's insertion order)
    words: dict[str, str]
    #: ``FOR UPDATE SKIP LOCKED`` where the database claims rows, ``FOR UPDATE`` where it
    #: holds one (empty: SQLite, where a write transaction holds the whole file)
    claim: str = ""
    lock_row: str = ""

    @abstractmethod
    def q(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; its rows (``[]`` for a statement without)."""

    def one(self, sql: str, args: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self.q(sql, args)
        return rows[0] if rows else None

    @abstractmethod
    def tx(self) -> AbstractContextManager[None]:
        """A write transaction: committed whole, or rolled back on any exception."""

    @abstractmethod
    def key(self, at: datetime | str) -> Any:
        """An instant in the stored form."""

    @abstractmethod
    def instant(self, stored: Any) -> datetime:
        """A stored instant, aware, in UTC."""

    @abstractmethod
    def write_sweep(
        self,
        fired: Sequence[Sequence[Any]],
        moved: Sequence[Sequence[Any]],
        judged: Sequence[str],
    ) -> list[tuple[Any, ...]]:
        """Inside a sweep's transaction, its writes: insert the ``fired`` records
        ``(order_id, event, rule, fired_at, processed_at, line)``, none twice; set each ``moved``
        order's ``(order_id, next_due, fired_upto)``; forget the failures of the ``judged``
        orders. Returns the keys ``(order_id, line, event, rule, fired_at)`` of the records
        inserted."""

    def write_orders(
        self, created: Sequence[Sequence[Any]], updated: Sequence[Sequence[Any]]
    ) -> list[str]:
        """Inside a transaction: insert the ``created`` orders ``(order_id, rules, log,
        version, next_due, rules_fingerprint)`` unless one is there already, and set the
        ``updated`` ones' ``(log, version, next_due, rules_fingerprint, order_id)``. Returns
        the ids inserted."""
        made: list[str] = []
        for row in created:
            made += [r[0] for r in self.q(_CREATE.format(json=self.words["json"]), row)]
        for row in updated:
            self.q(_UPDATE.format(json=self.words["json"]), row)
        return made

    def notify(self, key: Any) -> None:
        """Inside a transaction: tell sleeping workers, once it commits, that an order is due
        at ``key`` (nothing in SQLite: one file has no one to tell)."""
        return None

    def wait(
        self, seconds: float, stop: Callable[[], bool], before: datetime | None = None
    ) -> bool:
        """Sleep up to ``seconds``; ``stop`` is asked every tenth of a second. Returns ``True``
        when woken early by a write that made an order due before ``before``."""
        end = time.monotonic() + seconds
        while not stop() and (left := end - time.monotonic()) > 0:
            time.sleep(min(0.1, left))
        return False

    @abstractmethod
    def close(self) -> None:
        """Close the connections."""


class SQLite(Store):
    """One file: ``BEGIN IMMEDIATE`` transactions, one writer at a time."""

    words = {"log": "log", "json": "?", "seq": "rowid"}  # noqa: RUF012 (read only)

    def __init__(self, path: str, *, create: bool) -> None:
        self.name = path
        if not create and path != ":memory:" and not Path(path).is_file():
            raise StorageError(f"queue {path!r}: no such file (create it with enqueue)")
        try:
            self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
            if path != ":memory:":
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SQLITE_SCHEMA)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(orders)")}
            if "rules_fingerprint" not in columns:  # written before rule sets were pinned
                self.db.execute("ALTER TABLE orders ADD COLUMN rules_fingerprint TEXT")
            fired = {row[1] for row in self.db.execute("PRAGMA table_info(fired)")}
            if "line" not in fired:  # written before trades had lines: one transaction
                self.db.executescript(f"BEGIN IMMEDIATE; {_LINES_MIGRATION} COMMIT;")
        except sqlite3.Error as exc:
            raise StorageError(f"queue {path!r}: not a usable SQLite database ({exc})") from None

    def q(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, tuple(args)).fetchall()

    def write_sweep(
        self,
        fired: Sequence[Sequence[Any]],
        moved: Sequence[Sequence[Any]],
        judged: Sequence[str],
    ) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(fired), 500):  # a statement for 500 records, not one each
            rows = fired[start : start + 500]
            values = ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(rows))
            out += self.q(_INSERT_FIRED.format(values=values), [x for r in rows for x in r])
        self.db.executemany(_MOVE_ON, [(due, upto, order_id) for order_id, due, upto in moved])
        self.db.executemany("DELETE FROM failures WHERE order_id = ?", [(x,) for x in judged])
        return out

    @contextmanager
    def tx(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")  # one writer at a time: re-read inside the lock
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def key(self, at: datetime | str) -> str:
        """Sortable text (UTC, microseconds): the index orders by it."""
        u = parse_instant(at, "at")
        # as strftime("%Y-%m-%dT%H:%M:%S.%fZ") writes it, in a third of the time
        return _KEY % (u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond)

    def instant(self, stored: Any) -> datetime:
        return parse_instant(str(stored).replace("Z", "+00:00"), "stored instant")

    def close(self) -> None:
        self.db.close()


_KEY = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ"


class Postgres(Store):
    """A PostgreSQL database (schema ``tradeclock``): workers claim due orders in batches with
    ``FOR UPDATE SKIP LOCKED`` inside short transactions, and ``LISTEN``/``NOTIFY`` wakes them
    when a write brings a deadline closer. A lost connection is :class:`StorageError`; the next
    call connects again."""

    words = {"log": "log::text", "json": "CAST(? AS jsonb)", "seq": "seq"}  # noqa: RUF012
    claim = " FOR UPDATE SKIP LOCKED"
    lock_row = " FOR UPDATE"

    def __init__(self, url: str, *, create: bool, stalled_after: float = 30.0) -> None:
        try:
            import psycopg
        except ImportError:
            raise StorageError(
                f"queue {masked(url)!r}: PostgreSQL needs psycopg "
                "(pip install 'tradeclock[postgres]')"
            ) from None
        self._psycopg = psycopg
        self.url = url
        self.name = masked(url)
        self.stalled_after = stalled_after
        self._conn: Any = None
        self._listener: Any = None
        try:
            with self._errors():
                self._migrate(create)
        except BaseException:
            self.close()  # a queue that cannot be opened keeps no connection
            raise

    # the connection: made on first use and again after it was lost

    def _connect(self) -> Any:
        conn = self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        # instants come back in UTC; a worker stalled inside a transaction loses its claim
        # (its row locks) after ``stalled_after`` seconds, so the others fire those orders
        ms = max(1, round(self.stalled_after * 1000))
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET search_path TO tradeclock")
        conn.execute(f"SET idle_in_transaction_session_timeout = {ms}")
        return conn

    @property
    def conn(self) -> Any:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = None
            self._conn = self._connect()
        return self._conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """A database that cannot be reached, or went away, as :class:`StorageError`."""
        try:
            yield
        except self._psycopg.OperationalError as exc:
            if self._conn is not None and (self._conn.closed or self._conn.broken):
                self._conn.close()
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StorageError(f"queue {self.name!r}: {first}") from None

    def _migrate(self, create: bool) -> None:
        conn = self.conn
        if not create:
            found = conn.execute("SELECT to_regclass('tradeclock.migrations')").fetchone()
            if found is None or found[0] is None:
                raise StorageError(
                    f"queue {self.name!r}: this database holds no tradeclock queue "
                    "(create it with enqueue)"
                )
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute("CREATE SCHEMA IF NOT EXISTS tradeclock")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS migrations (version integer PRIMARY KEY, "
                "what text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM migrations")}
            for version, what, sql in PG_MIGRATIONS:
                if version not in done:
                    conn.execute(sql)
                    conn.execute(
                        "INSERT INTO migrations (version, what) VALUES (%s, %s)", (version, what)
                    )

    def schema_version(self) -> int:
        """The newest migration applied."""
        row = self.one("SELECT max(version) FROM migrations")
        return 0 if row is None or row[0] is None else int(row[0])

    def q(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._errors():
            cur = self.conn.execute(sql.replace("?", "%s"), tuple(args))
            return cur.fetchall() if cur.description is not None else []

    @contextmanager
    def tx(self) -> Iterator[None]:
        with self._errors(), self.conn.transaction():
            yield

    def key(self, at: datetime | str) -> datetime:
        return parse_instant(at, "at")

    def instant(self, stored: Any) -> datetime:
        return stored.astimezone(UTC)  # type: ignore[no-any-return]

    def write_sweep(
        self,
        fired: Sequence[Sequence[Any]],
        moved: Sequence[Sequence[Any]],
        judged: Sequence[str],
    ) -> list[tuple[Any, ...]]:
        # one statement each, whatever the batch's size: the rows go as arrays
        out: list[tuple[Any, ...]] = []
        with self._errors():
            if fired:
                columns = [list(c) for c in zip(*fired, strict=True)]
                out = self.conn.execute(
                    "INSERT INTO fired (order_id, event, rule, fired_at, processed_at, line) "
                    "SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], "
                    "%b::timestamptz[], %b::timestamptz[], %b::text[]) "
                    "ON CONFLICT DO NOTHING RETURNING order_id, line, event, rule, fired_at",
                    columns,
                ).fetchall()
            if moved:
                ids, due, upto = (list(c) for c in zip(*moved, strict=True))
                self.conn.execute(
                    "UPDATE orders o SET next_due = u.next_due, fired_upto = u.fired_upto "
                    "FROM unnest(%b::text[], %b::timestamptz[], %b::timestamptz[]) "
                    "AS u(order_id, next_due, fired_upto) WHERE o.order_id = u.order_id",
                    (ids, due, upto),
                )
            if judged:
                self.conn.execute(
                    "DELETE FROM failures WHERE order_id = ANY(%b::text[])", (list(judged),)
                )
        return [(o, line, e, r, at.astimezone(UTC)) for o, line, e, r, at in out]

    def write_orders(
        self, created: Sequence[Sequence[Any]], updated: Sequence[Sequence[Any]]
    ) -> list[str]:
        if len(created) + len(updated) <= 1:  # one order: the plain statement
            return super().write_orders(created, updated)
        made: list[str] = []
        with self._errors():
            if created:
                columns = [list(c) for c in zip(*created, strict=True)]
                made = [
                    r[0]
                    for r in self.conn.execute(
                        "INSERT INTO orders (order_id, rules, log, version, next_due, "
                        "rules_fingerprint) SELECT o, r, CAST(l AS jsonb), v, d, f FROM "
                        "unnest(%b::text[], %b::text[], %b::text[], %b::int[], "
                        "%b::timestamptz[], %b::text[]) AS u(o, r, l, v, d, f) "
                        "ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
                        columns,
                    ).fetchall()
                ]
            if updated:
                columns = [list(c) for c in zip(*updated, strict=True)]
                self.conn.execute(
                    "UPDATE orders o SET log = CAST(u.l AS jsonb), version = u.v, "
                    "next_due = u.d, rules_fingerprint = u.f FROM unnest(%b::text[], "
                    "%b::int[], %b::timestamptz[], %b::text[], %b::text[]) AS u(l, v, d, f, o) "
                    "WHERE o.order_id = u.o",
                    columns,
                )
        return made

    def notify(self, key: Any) -> None:
        self.q("SELECT pg_notify(?, ?)", (CHANNEL, key.isoformat()))

    def listen(self) -> None:
        """Listen on :data:`CHANNEL` (a connection of its own, made now so that no write after
        this call goes unheard)."""
        if self._listener is None or self._listener.closed or self._listener.broken:
            with self._errors():
                self._listener = self._psycopg.connect(
                    self.url, autocommit=True, connect_timeout=10
                )
                self._listener.execute(f"LISTEN {CHANNEL}")

    def wait(
        self, seconds: float, stop: Callable[[], bool], before: datetime | None = None
    ) -> bool:
        self.listen()
        end = time.monotonic() + seconds
        try:
            while not stop() and (left := end - time.monotonic()) > 0:
                for note in self._listener.notifies(timeout=min(0.1, left)):
                    due = parse_instant(note.payload, "notified deadline")
                    if before is None or due < before:
                        return True
        except self._psycopg.OperationalError as exc:
            self._listener.close()
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StorageError(f"queue {self.name!r}: {first}") from None
        return False

    def close(self) -> None:
        for conn in (self._conn, self._listener):
            if conn is not None:
                conn.close()


def open_store(target: str | Path, *, create: bool, stalled_after: float = 30.0) -> Store:
    """The store ``target`` names: a ``postgresql://`` URL, else an SQLite file."""
    if is_url(target):
        return Postgres(str(target), create=create, stalled_after=stalled_after)
    return SQLite(str(target), create=create)
