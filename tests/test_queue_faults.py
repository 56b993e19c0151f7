"""The due-queue under faults: workers racing, a worker killed with SIGKILL mid-sweep, the
database restarted mid-sweep, two writers on one order, a worker woken for a deadline a new event
brought closer. Each fault is run against a real server (conftest.py) and, where SQLite has the
same guarantee, against a file too (``queue_db``)."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import postgres_cluster

import tradeclock as tc
from tradeclock.queue import Queue

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-20T00:00:00+08:00"
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def _placed(n: int, prefix: str = "U") -> dict[str, list[dict[str, Any]]]:
    """``n`` unpaid orders placed over a day: each fires a reminder and a close by ``NOW``."""
    return {
        f"{prefix}{i}": [
            {
                "type": "placed",
                "at": (datetime(2026, 11, 11, 0, 0, tzinfo=UTC) + timedelta(seconds=7 * i))
                .isoformat()
                .replace("+00:00", "Z"),
            }
        ]
        for i in range(n)
    }


def _worker(db: str, *flags: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tradeclock", "worker", "--db", db, "--json", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )


def _once(db: str) -> subprocess.CompletedProcess[bytes]:
    argv = [sys.executable, "-m", "tradeclock", "worker", "--db", db, "--once", "--now", NOW]
    return subprocess.run([*argv, "--json"], capture_output=True, env=ENV, check=False)


def _each_once(db: str, orders: int) -> list[tc.queue.FiredRecord]:
    """Every order fired its reminder and its close, each recorded once, none left due."""
    with Queue(db) as q:
        recorded = q.fired()
        assert q.due(NOW) == []
    keys = Counter((r.order_id, r.event) for r in recorded)
    assert len(keys) == 2 * orders and set(keys.values()) == {1}
    assert {r.event for r in recorded} == {"pay_reminder", "auto_close"}
    return recorded


def _sweep(db: str, start: Any) -> list[tuple[str, str]]:
    with Queue(db) as q:
        start.wait()
        return [(r.order_id, r.event) for r in q.fire_due(NOW)]


def test_four_workers_racing_over_ten_thousand_due_orders_fire_each_event_once(
    queue_db: str,
) -> None:
    n = 10_000
    with Queue(queue_db) as q:
        q.put_many(_placed(n))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        start = manager.Barrier(4)
        with ctx.Pool(4) as pool:
            results = pool.starmap(_sweep, [(queue_db, start)] * 4)
    got = [item for result in results for item in result]
    assert len(got) == len(set(got)) == 2 * n  # each reported by one worker, none lost
    recorded = _each_once(queue_db, n)
    assert sorted((r.order_id, r.event) for r in recorded) == sorted(got)
    if queue_db.startswith("postgresql://"):  # SKIP LOCKED: the work is shared
        assert sum(1 for result in results if result) >= 2, [len(r) for r in results]


def test_a_worker_killed_mid_sweep_holds_nothing_and_the_others_finish(queue_db: str) -> None:
    n = 3000
    with Queue(queue_db) as q:
        q.put_many(_placed(n))
    proc = _worker(queue_db, "--now", NOW, "--interval", "60")
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())  # a batch is committed: it is mid-sweep
    proc.kill()  # SIGKILL: no handler runs, the transaction in hand is cut off
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with Queue(queue_db) as q:
        left = len(q.due(NOW))
    assert 0 < left < n  # it did part of the work, and left the rest due
    # two other workers finish; what the killed one committed stays, nothing twice
    runs = [_once(queue_db), _once(queue_db)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    recorded = _each_once(queue_db, n)
    assert (first["order_id"], first["event"]) in {(r.order_id, r.event) for r in recorded}


def _race(db: str, order_id: str, version: int, events: list[dict[str, Any]]) -> list[str]:
    """Two writers, each its own connection, append at one instant, both having seen
    ``version``: what each got."""
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def write(ev: dict[str, Any]) -> None:
        with Queue(db) as q:
            start.wait()
            try:
                q.put(order_id, [ev], expected_version=version)
                outcomes.append("stored")
            except tc.VersionConflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(ev,)) for ev in events]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    return sorted(outcomes)


def test_two_writers_appending_to_one_order_at_once_one_gets_a_version_conflict(
    queue_db: str,
) -> None:
    def ev(kind: str, hhmm: str) -> dict[str, Any]:
        return {"type": kind, "at": f"2026-11-01T{hhmm}:00+08:00"}

    with Queue(queue_db) as q:
        q.put("A", [ev("placed", "10:00")])
    # a stored order: both saw version 1, 2, 3 in turn
    rounds = [
        ("paid", "10:05", "10:06"),
        ("shipped", "11:00", "11:01"),
        ("signed", "12:00", "12:01"),
    ]
    for version, (kind, one, other) in enumerate(rounds, start=1):
        got = _race(queue_db, "A", version, [ev(kind, one), ev(kind, other)])
        assert got == ["conflict", "stored"], (kind, got)
    # an order not stored yet: both create it
    for i in range(5):
        got = _race(queue_db, f"N{i}", 0, [ev("placed", "10:00"), ev("placed", "10:01")])
        assert got == ["conflict", "stored"], (i, got)
    with Queue(queue_db) as q:
        assert [e.type for e in q.get("A").events] == ["placed", "paid", "shipped", "signed"]
        assert {q.get(f"N{i}").version for i in range(5)} == {1}


def test_postgresql_restarted_mid_sweep_the_worker_reconnects_and_goes_on() -> None:
    cluster = postgres_cluster()
    try:
        db = cluster.createdb("restart")
        n = 6000
        with Queue(db) as q:
            q.put_many(_placed(n))
        proc = _worker(db, "--now", NOW, "--interval", "0.2")
        assert proc.stdout is not None and proc.stderr is not None
        printed = [json.loads(proc.stdout.readline())]
        lines: list[bytes] = []  # read on, or the worker blocks on a full pipe
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []))
        reader.start()
        cluster.restart(pause=1.0)  # every connection cut, the batch in hand rolled back
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with Queue(db) as q:
                    if not q.due(NOW):
                        break
            except tc.StorageError:
                pass
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 0, err
        reader.join(timeout=60)
        printed += [json.loads(line) for line in lines]
        text = err.decode()
        assert "the queue cannot be reached; retrying" in text and "the queue is back" in text
        recorded = _each_once(db, n)
        # what was printed was recorded, once; the records of the cut batch were not printed
        keys = [(p["order_id"], p["event"]) for p in printed]
        assert len(keys) == len(set(keys)) and set(keys) <= {
            (r.order_id, r.event) for r in recorded
        }
    finally:
        cluster.remove()


def _first_record(proc: subprocess.Popen[bytes]) -> tuple[dict[str, Any], timedelta]:
    """The worker's first record, and how late it was found (``processed_at - fired_at``)."""
    assert proc.stdout is not None
    line = json.loads(proc.stdout.readline())
    found, due = (datetime.fromisoformat(line[k]) for k in ("processed_at", "fired_at"))
    return line, found - due


def test_a_worker_asleep_wakes_for_the_next_deadline_on_either_store(queue_db: str) -> None:
    # the order closes itself 3 s from now; the worker's interval is a minute
    soon = datetime.now(UTC) - timedelta(minutes=15) + timedelta(seconds=3)
    placed = {"type": "placed", "at": soon.isoformat(), "pay_within": "PT15M"}
    with Queue(queue_db) as q:
        q.put("SOON", [placed])
    proc = _worker(queue_db, "--interval", "60")
    try:
        line, late = _first_record(proc)
        assert line["event"] == "auto_close" and timedelta(0) <= late < timedelta(seconds=2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_notify_wakes_a_sleeping_worker_when_a_new_event_brings_a_deadline_closer(
    pg_url: str,
) -> None:
    with Queue(pg_url) as q:  # an order far ahead: the worker would sleep its full minute
        q.put("LATER", [{"type": "placed", "at": "2099-01-01T00:00:00+08:00"}])
    proc = _worker(pg_url, "--interval", "60")
    try:
        time.sleep(2.0)  # asleep
        soon = datetime.now(UTC) - timedelta(minutes=15) + timedelta(seconds=2)
        with Queue(pg_url) as q:  # another process writes an order due in 2 s
            q.put("SOON", [{"type": "placed", "at": soon.isoformat(), "pay_within": "PT15M"}])
        line, late = _first_record(proc)
        assert line["order_id"] == "SOON" and timedelta(0) <= late < timedelta(seconds=2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_a_stalled_worker_loses_its_claim_and_the_others_fire_its_orders(pg_url: str) -> None:
    n = 3000
    with Queue(pg_url) as q:
        q.put_many(_placed(n))
    proc = _worker(pg_url, "--now", NOW, "--interval", "60", "--stalled-after", "1")
    assert proc.stdout is not None
    proc.stdout.readline()  # sweeping
    drain = threading.Thread(target=proc.stdout.read)  # or it blocks on a full pipe
    drain.start()
    proc.send_signal(signal.SIGSTOP)  # stalled inside a transaction, holding its rows
    try:
        time.sleep(2.0)  # past --stalled-after: the server ends its transaction
        run = _once(pg_url)
        assert run.returncode == 0, run.stderr
        with Queue(pg_url) as q:
            assert q.due(NOW) == []  # none of its claimed rows was held any longer
    finally:
        proc.send_signal(signal.SIGCONT)  # it wakes to a cut connection, and goes on
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        drain.join(timeout=60)
    _each_once(pg_url, n)


@pytest.mark.parametrize("flag", ["--once", "--interval"])
def test_a_queue_that_cannot_be_reached_is_a_typed_error_or_retried(
    flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tradeclock._cli import main

    db = "postgresql://postgres:secret@127.0.0.1:1/none"
    if flag == "--once":  # one sweep: the error, with the password masked
        assert main(["worker", "--db", db, "--once"]) == 2
        err = capsys.readouterr().err
        assert "storage_error" in err and "secret" not in err and "***" in err
        return
    # a worker that cannot connect at start fails at once (nothing to go on with)
    assert main(["worker", "--db", db, "--interval", "0.1"]) == 2
    assert "secret" not in capsys.readouterr().err


def test_the_documented_postgresql_commands_work_from_a_clone() -> None:
    # docs/production.md's commands, run as written by bash (the set-up line aside: .ci/run
    # installs the package with its test extras, which include tradeclock[postgres])
    page = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
    block = page.split("```bash\n", 1)[1].split("```", 1)[0]
    lines = block.strip().splitlines()
    assert lines[0] == "python3 -m venv .venv && .venv/bin/pip install -q -e '.[postgres]'"
    postgres_cluster().remove()  # skips, or fails in CI, where no PostgreSQL binaries exist
    here = Path(sys.executable).parent  # this run's environment stands for .venv/bin
    script = "\n".join(lines[1:]).replace(".venv/bin/", f"{here}/")
    folder = Path(tempfile.gettempdir()) / f"tradeclock-pg-docs-{os.getpid()}"
    script = script.replace("/tmp/tradeclock-pg", str(folder))
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout.splitlines()
    assert out[0] == "TB-2026-1106-0042: 6 events"
    assert [line.split(" (")[0] for line in out[1:5]] == [
        "TB-2026-1106-0042: return_window_end",
        "TB-2026-1106-0042: legal_return_window_end",
        "TB-2026-1106-0042: refund_close",
        "TB-2026-1106-0042: auto_confirm",
    ]
    assert out[5].startswith("postgresql://postgres@127.0.0.1:") and "4 automatic events" in out[5]
    assert not folder.exists()  # stopped and removed


def test_a_cluster_folder_the_postgres_user_cannot_reach_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root hands the cluster to the postgres user")
    postgres_cluster().remove()
    from pgcluster import Cluster

    with pytest.raises(PermissionError, match=r"cannot reach .* choose one under /tmp"):
        Cluster(tmp_path / "pg").init()  # pytest's folders are private to root


def test_an_order_the_worker_cannot_judge_is_retried_each_interval_not_at_once(
    queue_db: str,
) -> None:
    shop = ROOT / "examples" / "invoice-shop.toml"
    order = ROOT / "examples" / "invoice-order.json"
    from tradeclock._cli import main

    assert main(["enqueue", "--db", queue_db, str(order), "--rules", str(shop)]) == 0
    proc = _worker(queue_db, "--interval", "0.5")  # without the shop's rule set: it fails
    time.sleep(3.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and b"failed (invalid_input), kept and retried" in err
    with Queue(queue_db) as q:
        (failure,) = q.failures()
        assert 2 <= failure.attempts <= 8, failure.attempts  # not a sweep per millisecond
        assert (
            q.next_due(after=failure.failed_at) is None
            or q.next_due(after=failure.failed_at) > failure.failed_at
        )
