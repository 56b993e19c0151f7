"""The durable due-queue: deadlines kept in SQLite or PostgreSQL, every automatic event recorded
exactly once with its true time, across a restart, a downtime of days and two worker processes.
Every test taking ``queue_db`` runs on both stores (conftest.py starts a throw-away PostgreSQL)."""

from __future__ import annotations

import json
import multiprocessing
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import e, t
from hypothesis import given, settings
from hypothesis import strategies as st

import tradeclock as tc
from tradeclock._cli import main
from tradeclock.generate import generate_rows
from tradeclock.queue import Due, Queue

ROOT = Path(__file__).resolve().parents[1]
NOW_LATER = "2026-11-20T00:00:00+08:00"


def _logs(orders: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    rows, _ = generate_rows(orders, seed=seed, bad_share=0)
    logs: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        ev = {k: v for k, v in row.items() if v is not None and k not in ("order_id", "rules")}
        logs.setdefault(row["order_id"], []).append(ev)
    return logs


def test_fired_at_is_the_deadline_and_processed_at_when_it_was_found(queue_db: str) -> None:
    with Queue(queue_db) as q:
        q.put("A", [e("placed", "2026-11-11 10:00", pay_within="PT15M")])
        assert q.due(t("2026-11-11 10:14")) == []
        due = q.due(t("2026-11-11 10:15"))
        assert due == [Due("A", t("2026-11-11 10:15"))]
        assert due[0].at.tzinfo is tc.TAOBAO.tz
        # the worker was down until 13:00: it reports the lateness and keeps the true time
        (record,) = q.fire_due(t("2026-11-11 13:00"))
        assert (record.event, record.rule) == ("auto_close", "pay.unpaid_close")
        assert record.fired_at == t("2026-11-11 10:15")
        assert record.processed_at == t("2026-11-11 13:00")
        assert q.fire_due(t("2026-11-12 13:00")) == [] and q.due(t("2027-01-01 00:00")) == []


def test_a_restart_grants_no_fresh_timeout(queue_db: str) -> None:
    path = queue_db
    with Queue(path) as q:
        q.put(
            "A",
            [
                e("placed", "2026-11-01 10:00"),
                e("paid", "2026-11-01 10:05"),
                e("shipped", "2026-11-02 10:00"),
            ],
        )
    with Queue(path) as again:  # a new process, days later
        records = again.fire_due(t("2026-11-20 00:00"))
        assert [(r.event, r.fired_at) for r in records] == [("auto_confirm", t("2026-11-12 10:00"))]
        assert again.get("A").status(t("2026-11-20 00:00")).state == "success"


def test_put_is_all_or_nothing_and_idempotent(queue_db: str) -> None:
    with Queue(queue_db) as q:
        q.put("A", [e("placed", "2026-11-01 10:00", event_id="1")])
        with pytest.raises(tc.NotAllowed):
            q.put(
                "A", [e("paid", "2026-11-01 10:05", event_id="2"), e("signed", "2026-11-01 10:06")]
            )
        assert len(q.get("A").events) == 1  # the refused batch left nothing behind
        q.put("A", [e("paid", "2026-11-01 10:05", event_id="2")])
        q.put("A", [e("paid", "2026-11-01 10:05", event_id="2")])  # delivered twice
        assert [ev.type for ev in q.get("A").events] == ["placed", "paid"]
        with pytest.raises(tc.VersionConflict):
            q.put("A", [e("shipped", "2026-11-02 10:00")], expected_version=1)
        with pytest.raises(tc.InvalidInput, match="not in the queue"):
            q.get("B")


def _sweep(path: str, now: str, start: Any) -> list[tuple[str, str, str, str]]:
    with Queue(path) as q:
        start.wait()  # both workers sweep at the same moment
        return [(r.order_id, r.event, r.rule, r.fired_at.isoformat()) for r in q.fire_due(now)]


def test_two_worker_processes_fire_everything_once_across_days_of_downtime(queue_db: str) -> None:
    path = queue_db
    logs = _logs(1500, seed=21)
    with Queue(path) as q:
        q.put_many(logs)
        before = q.fire_due("2026-10-01T00:00:00+08:00")  # a sweep, then five days of downtime
    down = "2026-10-06T00:00:00+08:00"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        start = manager.Barrier(2)
        with ctx.Pool(2) as pool:
            results = pool.starmap(_sweep, [(path, down, start), (path, down, start)])
    got = [(r.order_id, r.event, r.rule, r.fired_at.isoformat()) for r in before]
    got += [item for result in results for item in result]
    expected = []
    for order_id, events in logs.items():
        order = tc.load({"id": order_id, "rules": "taobao", "events": events})
        if order.events[0].at > t("2026-10-06 00:00"):
            continue
        status = order.status(t("2026-10-06 00:00"))
        expected += [
            (order_id, f.event, f.rule, f.at.astimezone(order.rules.tz).isoformat())
            for f in status.fired
        ]
    assert sorted(got) == sorted(expected) and len(got) == len(set(got)) > 100
    # no event recorded by both: each order is claimed and re-read inside one transaction
    # (SQLite: the second worker, waiting on the lock, usually finds the first one has done it
    # all; PostgreSQL: the workers skip each other's claimed rows and share the work)
    assert not set(results[0]) & set(results[1])
    with Queue(path) as q:
        rows = q.fired()
        assert len(rows) == len(expected)
        assert all(r.fired_at <= r.processed_at for r in rows)


def test_enqueue_and_a_worker_sweep_from_the_command_line(
    queue_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = queue_db
    assert main(["enqueue", "--db", db, str(ROOT / "examples" / "order.json")]) == 0
    assert "TB-2026-1106-0042: 6 events" in capsys.readouterr().out
    assert (
        main(["worker", "--db", db, "--once", "--now", "2026-11-21T00:00:00+08:00", "--json"]) == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(x["event"], x["fired_at"]) for x in lines] == [
        ("return_window_end", "2026-11-12T00:00:00+08:00"),
        ("legal_return_window_end", "2026-11-12T00:00:00+08:00"),
        ("refund_close", "2026-11-14T16:20:00+08:00"),
        ("auto_confirm", "2026-11-20T16:20:00+08:00"),
    ]
    # in the rule set's zone, as every other command prints
    assert {x["processed_at"] for x in lines} == {"2026-11-21T00:00:00+08:00"}


def test_the_worker_stops_cleanly_on_sigterm(queue_db: str) -> None:
    db = queue_db
    with Queue(db) as q:
        q.put("A", [e("placed", "2026-11-01 10:00")])
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradeclock", "worker", "--db", db, "--interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    assert proc.poll() is None  # still sweeping
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "auto_close" in out  # the wall clock is long past 2026-11-04 10:00


def test_a_trade_fires_per_line(queue_db: str) -> None:
    # two lines shipped together: both auto-confirm at one instant, each recorded once
    lines = [{"id": "A", "amount": "1.00"}, {"id": "B", "amount": "2.00"}]
    raw = {
        "id": "TR",
        "rules": "taobao",
        "events": [
            e("placed", "2026-11-01 10:00", lines=lines),
            e("paid", "2026-11-01 10:05"),
            e("shipped", "2026-11-02 09:00"),
        ],
    }
    with Queue(queue_db) as q:
        q.put("TR", raw["events"])
        q.fire_due(t("2026-11-20 00:00"))
        q.fire_due(t("2026-11-21 00:00"))  # a second sweep records nothing again
        got = sorted((r.event, r.line) for r in q.fired("TR") if r.event == "auto_confirm")
    assert got == [("auto_confirm", "A"), ("auto_confirm", "B")]


def test_a_queue_written_before_lines_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE orders (order_id TEXT PRIMARY KEY, rules TEXT NOT NULL, log TEXT NOT NULL,
            version INTEGER NOT NULL, next_due TEXT, fired_upto TEXT);
        CREATE TABLE fired (order_id TEXT NOT NULL, event TEXT NOT NULL, rule TEXT NOT NULL,
            fired_at TEXT NOT NULL, processed_at TEXT NOT NULL,
            PRIMARY KEY (order_id, event, rule, fired_at));
        INSERT INTO fired VALUES ('O1', 'auto_close', 'pay.unpaid_close',
            '2026-11-01T02:00:00.000000+00:00', '2026-11-01T03:00:00.000000+00:00');
        """
    )
    db.commit()
    db.close()
    with Queue(str(path)) as q:
        [old] = q.fired()
        assert (old.order_id, old.event, old.line) == ("O1", "auto_close", None)
        columns = [row[1] for row in q.db.execute("PRAGMA table_info(fired)")]
        assert "line" in columns and "rules_fingerprint" in {
            row[1] for row in q.db.execute("PRAGMA table_info(orders)")
        }


def test_a_sweep_claims_in_batches_up_to_its_limit_and_stops_between_orders(
    queue_db: str,
) -> None:
    logs = {
        f"B{i:02}": [{"type": "placed", "at": f"2026-11-11T10:{i:02}:00+08:00"}] for i in range(30)
    }
    with Queue(queue_db) as q:
        q.put_many(logs)
        with pytest.raises(tc.InvalidInput, match="batch must be at least 1, not 0"):
            q.sweep(NOW_LATER, batch=0)
        with pytest.raises(tc.InvalidInput, match="chunk must be at least 1, not 0"):
            q.put_many({"X": [{"type": "placed", "at": "2026-11-11T10:00:00+08:00"}]}, chunk=0)
        assert q.info()["orders"] == 30
        assert q.fired() == []  # refused before anything was claimed
        done = q.sweep(NOW_LATER, limit=20, batch=7)  # 7 + 7 + 6 orders
        assert len({r.order_id for r in done.fired}) == 20 and len(q.due(NOW_LATER)) == 10
        # the earliest first: the orders placed at 10:00 to 10:19
        assert {r.order_id for r in done.fired} == {f"B{i:02}" for i in range(20)}
        asked = []

        def stop() -> bool:  # told to stop before the fourth order
            asked.append(1)
            return len(asked) > 3

        seen: list[str] = []
        done = q.sweep(NOW_LATER, stop=stop, each=lambda rs: seen.append(rs[0].order_id))
        assert seen == ["B20", "B21", "B22"]  # committed, then reported
        assert len(q.due(NOW_LATER)) == 7 and len(q.fired()) == 2 * 23
        b23 = tc.load({"id": "B23", "rules": "taobao", "events": logs["B23"]})
        first = b23.status(t("2026-11-11 10:23")).upcoming[0]
        assert q.next_due() == first.at and first.event == "pay_reminder"  # B23's, the earliest
        q.fire_due(NOW_LATER)
        assert q.next_due() is None and q.info()["next_due"] is None


def test_waiting_sleeps_until_told_to_stop(queue_db: str) -> None:
    with Queue(queue_db) as q:
        start = time.monotonic()
        assert q.wait(0.3) is False
        assert time.monotonic() - start >= 0.29
        start = time.monotonic()
        assert q.wait(30, stop=lambda: True) is False  # a stop is heard at once
        assert time.monotonic() - start < 1


def test_postgresql_schema_is_versioned_and_migrated_once(pg_url: str) -> None:
    import threading

    opened: list[str] = []

    def open_() -> None:
        with Queue(pg_url) as q:
            opened.append(q.name)

    threads = [threading.Thread(target=open_) for _ in range(4)]  # four workers starting at once
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(opened) == 4
    with Queue(pg_url) as q:
        rows = q._s.q("SELECT version, what FROM migrations")
        assert rows == [(1, "orders, fired, failures")] and q._s.schema_version() == 1
        indexes = {r[0] for r in q._s.q("SELECT indexname FROM pg_indexes WHERE schemaname = ?",
                                        ("tradeclock",))}  # fmt: skip
        assert "orders_next_due" in indexes


def test_a_postgresql_queue_without_psycopg_or_a_server_is_a_storage_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tradeclock._store import masked

    assert masked("postgresql://u:p%40ss@h:5/db") == "postgresql://u:***@h:5/db"
    assert masked("postgresql://u@h/db") == "postgresql://u@h/db"
    assert masked("postgresql://h/db?user=u&password=s3&sslmode=require") == (
        "postgresql://h/db?user=u&password=***&sslmode=require"
    )
    with pytest.raises(tc.StorageError, match=r"cannot|refused|failed") as err:
        Queue("postgresql://postgres:hunter2@127.0.0.1:1/none")
    assert "hunter2" not in str(err.value) and "***" in str(err.value)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # not installed
    with pytest.raises(
        tc.StorageError, match=r"needs psycopg \(pip install 'tradeclock\[postgres\]'\)"
    ):
        Queue("postgresql://postgres@127.0.0.1:1/none")


def test_a_notified_deadline_wakes_a_waiting_worker_only_when_sooner_than_planned(
    pg_url: str,
) -> None:
    from datetime import UTC, datetime, timedelta

    with Queue(pg_url) as waiting, Queue(pg_url) as writer:
        waiting.wait(0)  # listening
        planned = datetime.now(UTC) + timedelta(hours=1)
        writer.put("FAR", [{"type": "placed", "at": "2099-01-01T00:00:00+08:00"}])
        start = time.monotonic()
        assert waiting.wait(1.0, before=planned) is False  # later than planned: sleeps on
        assert time.monotonic() - start >= 0.95
        writer.put("SOON", [{"type": "placed", "at": "2026-11-11T10:00:00+08:00"}])
        start = time.monotonic()
        assert waiting.wait(30, before=planned) is True  # sooner: wakes at once
        assert time.monotonic() - start < 5
        # a write that moves no deadline sooner sends nothing
        writer.put("SOON", [{"type": "paid", "at": "2026-11-11T10:05:00+08:00"}])
        assert waiting.wait(1.0) is False


def test_a_database_refused_as_a_queue_keeps_no_connection_open(pg_url: str) -> None:
    import psycopg

    with pytest.raises(tc.StorageError, match="holds no tradeclock queue") as refused:
        Queue(pg_url, create=False)
    assert refused.tb is not None  # the traceback, and the half-opened queue in it, are alive
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres") as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchone()
    assert left == (0,)


def test_a_batch_records_hundreds_of_events_at_once_each_once(queue_db: str) -> None:
    """A batch's records are written a few hundred to a statement: 300 orders firing two
    events each make 600 records in one batch, over two statements; each is recorded once,
    and a second sweep records none again."""
    logs = {
        f"H{i:03}": [{"type": "placed", "at": f"2026-11-11T{10 + i // 60:02}:{i % 60:02}:00+08:00"}]
        for i in range(300)
    }
    with Queue(queue_db) as q:
        q.put_many(logs)
        done = q.sweep(NOW_LATER, batch=300)
        assert len(done.fired) == 600 and not done.failed
        assert {(r.order_id, r.event) for r in done.fired} == {
            (f"H{i:03}", event) for i in range(300) for event in ("pay_reminder", "auto_close")
        }
        assert len(q.fired()) == 600 and q.due(NOW_LATER) == []
        assert q.sweep(NOW_LATER, batch=300).fired == []


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30)))
def test_an_sqlite_key_is_written_as_queue_files_already_hold_it(at: datetime) -> None:
    """Instants are stored as sortable text; queue files written by earlier versions hold
    ``strftime("%Y-%m-%dT%H:%M:%S.%fZ")``, so the key must stay that text to the character
    (the index, the claims and the records compare them as text)."""
    from tradeclock._store import SQLite

    store = SQLite.__new__(SQLite)  # the key needs no database
    u = at.replace(tzinfo=UTC)
    assert store.key(u) == u.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert store.key(u.astimezone(tc.TAOBAO.tz)) == store.key(u)
    assert store.instant(store.key(u)) == u
