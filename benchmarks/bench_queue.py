"""The due-queue: fired events per second with 1, 2 and 4 workers, SQLite against PostgreSQL,
and how late a sleeping worker fires a deadline that a new event brought closer.

    python benchmarks/bench_queue.py [--orders 100000] [--workers 1 2 4] [--repeat 3] [--samples 5]

**Throughput.** ``--orders`` unpaid orders placed over a day, all due by ``NOW`` (each fires a
reminder and a close: two automatic events per order), are loaded once per store. Each run
starts from a copy of that load (SQLite: a copy of the file; PostgreSQL: ``CREATE DATABASE ...
TEMPLATE``), and W worker processes sweep it at once (after a barrier), each ``Queue.sweep(NOW)``
until nothing is due. Reported: events recorded per second of wall time, from the barrier to
the last worker's end, the median of ``--repeat`` rounds (each round runs every store and
worker count once, alternating), and the ratio of medians to one worker on the same store, in
the same run (the machine is noisy: ratios count). PostgreSQL is a throw-away cluster with
default, durable settings (scripts/pgcluster.py), on this machine, over TCP on 127.0.0.1.

**Lateness.** ``tradeclock worker --interval 10`` sleeps over a queue whose next deadline is far
ahead; another process writes an order due 1.5 s later; the lateness is the record's
``processed_at - fired_at``. Three ways: PostgreSQL with ``NOTIFY``, PostgreSQL with the
writer's ``NOTIFY`` switched off, and SQLite (which has none).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

NOW = "2026-11-20T00:00:00+08:00"


def _logs(n: int) -> dict[str, list[dict[str, Any]]]:
    start = datetime(2026, 11, 11, tzinfo=UTC)
    return {
        f"U{i}": [{"type": "placed", "at": (start + timedelta(seconds=i * 86400 / n)).isoformat()}]
        for i in range(n)
    }


def _sweep(db: str, barrier: Any) -> tuple[int, float, float]:
    from tradeclock.queue import Queue

    with Queue(db, create=False) as q:
        barrier.wait()
        start = time.monotonic()
        fired = len(q.fire_due(NOW))
        return fired, start, time.monotonic()


def _run(db: str, workers: int) -> tuple[int, float]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(workers)
        with ctx.Pool(workers) as pool:
            results = pool.starmap(_sweep, [(db, barrier)] * workers)
    fired = sum(r[0] for r in results)
    return fired, max(r[2] for r in results) - min(r[1] for r in results)


def throughput(
    orders: int, counts: list[int], repeat: int, cluster: Any, folder: Path
) -> list[dict[str, Any]]:
    from tradeclock.queue import Queue

    logs = _logs(orders)
    base_file = folder / "base.db"
    t0 = time.perf_counter()
    with Queue(base_file) as q:
        q.put_many(logs)
    load_sqlite = time.perf_counter() - t0
    base_url = cluster.createdb("base")
    t0 = time.perf_counter()
    with Queue(base_url) as q:
        q.put_many(logs)
    load_pg = time.perf_counter() - t0
    print(f"loaded {orders} orders: SQLite {load_sqlite:.1f} s, PostgreSQL {load_pg:.1f} s")
    import psycopg

    seconds: dict[tuple[str, int], list[float]] = {}
    run = 0
    for _ in range(repeat):
        for workers in counts:
            for store in ("sqlite", "postgresql"):
                run += 1
                if store == "sqlite":
                    db = str(folder / f"run{run}.db")
                    shutil.copy(base_file, db)
                else:
                    with psycopg.connect(cluster.url(), autocommit=True) as conn:
                        conn.execute(f"CREATE DATABASE run{run} TEMPLATE base")
                    db = cluster.url(f"run{run}")
                fired, took = _run(db, workers)
                assert fired == 2 * orders, (store, workers, fired)
                seconds.setdefault((store, workers), []).append(took)
                print(f"{store:10} {workers} workers: {fired / took:8.0f} events/s ({took:.1f} s)")
                if store == "sqlite":
                    Path(db).unlink()
    rows = []
    for (store, workers), took in seconds.items():
        one = median(seconds[(store, counts[0])])
        rows.append(
            {"store": store, "workers": workers, "events": 2 * orders, "s": median(took),
             "x_one": one / median(took)}
        )  # fmt: skip
    return sorted(rows, key=lambda r: (r["store"] != "sqlite", r["workers"]))


def _late(db: str, samples: int, notify: bool) -> list[float]:
    """Seconds between each deadline and the worker's record of it."""
    from tradeclock import _store
    from tradeclock.queue import Queue

    saved = _store.Postgres.notify
    if not notify:
        _store.Postgres.notify = lambda self, key: None  # type: ignore[method-assign]
    try:
        with Queue(db) as q:  # a deadline far ahead: the worker sleeps its whole interval
            q.put("FAR", [{"type": "placed", "at": "2099-01-01T00:00:00+08:00"}])
        argv = [sys.executable, "-m", "tradeclock", "worker", "--db", db, "--interval", "10"]
        proc = subprocess.Popen(
            [*argv, "--json"],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stdout is not None
        time.sleep(1.5)
        out = []
        for k in range(samples):
            time.sleep(random.uniform(0.0, 2.0))
            soon = datetime.now(UTC) - timedelta(minutes=15) + timedelta(seconds=1.5)
            with Queue(db) as q:
                q.put(f"S{k}", [{"type": "placed", "at": soon.isoformat(), "pay_within": "PT15M"}])
            line = json.loads(proc.stdout.readline())
            fired = datetime.fromisoformat(line["fired_at"])
            out.append((datetime.fromisoformat(line["processed_at"]) - fired).total_seconds())
        proc.terminate()
        proc.wait(timeout=30)
        return out
    finally:
        _store.Postgres.notify = saved  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of throughput runs")
    parser.add_argument("--samples", type=int, default=5, help="wake-ups timed per way")
    args = parser.parse_args()
    from pgcluster import Cluster

    random.seed(1)
    folder = Path(tempfile.mkdtemp(prefix="tradeclock-bench-queue-"))
    cluster = Cluster(durable=True).start()
    try:
        print(f"{os.cpu_count()} cores; {args.orders} due orders, {2 * args.orders} events")
        rows = throughput(args.orders, args.workers, args.repeat, cluster, folder)
        print(f"\nmedians of {args.repeat} rounds")
        print("| store | workers | events/s | x one worker |\n|---|---:|---:|---:|")
        for r in rows:
            rate = r["events"] / r["s"]
            print(f"| {r['store']} | {r['workers']} | {rate:,.0f} | {r['x_one']:.2f} |")
        ways = [
            ("PostgreSQL, NOTIFY", cluster.createdb("late_notify"), True),
            ("PostgreSQL, no NOTIFY", cluster.createdb("late_poll"), False),
            ("SQLite", str(folder / "late.db"), False),
        ]
        print("\n| wake-up | median lateness s | worst s |\n|---|---:|---:|")
        for name, db, notify in ways:
            late = _late(db, args.samples, notify)
            print(f"| {name} | {median(late):.3f} | {max(late):.3f} |")
    finally:
        cluster.remove()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
