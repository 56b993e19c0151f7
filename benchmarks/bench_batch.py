"""Batch throughput: orders per second serial, on N processes and on a Dask LocalCluster,
peak memory per million orders, and how the cost grows from 10k to 1M orders.

    python benchmarks/bench_batch.py [--sizes 10000 100000 1000000] [--workers 2] [--dask]
    python benchmarks/bench_batch.py --stages 100000

``--stages N`` splits one process's run over N orders into its stages, in this process, with
the cyclic collector off as ``batch.status`` has it: finding each order's rows, building the
events from the columns, the replay, the status rows (timers fired up to now, the deadlines)
and the output table. Each stage's time per order is the minimum of three runs.

``--dask`` runs the largest size on a LocalCluster twice: from memory, shuffled by order id on
the cluster, and read from files written partitioned by order id (``batch.write_partitioned``,
written once before the clock starts, as a user would write them once), with no shuffle. The
status rows stay on the workers and are counted there, as when they are written with
``to_parquet``: gathering 100k status rows into the client is a cost of its own.

Each measurement runs in its own child process (so its peak RSS is its own), on a generated
table cached in a temporary folder (``tradeclock generate``, seed 1). Reported: orders/s of the
batch call alone (reading the Parquet file excluded), and the child's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOW = "2026-11-01T00:00:00+08:00"
CACHE = Path(tempfile.gettempdir()) / "tradeclock-bench"


def _events(orders: int) -> Path:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"events-{orders}.parquet"
    if not path.exists():
        from tradeclock.batch import write_table
        from tradeclock.generate import events_table

        table, _ = events_table(orders, seed=1)
        write_table(table, str(path))
    return path


def child(path: str, mode: str, workers: int) -> None:
    """Run one measurement and print it as JSON (peak RSS from getrusage)."""
    import resource

    import pyarrow.parquet as pq

    from tradeclock import batch

    table = pq.read_table(path)
    start = time.perf_counter()
    if mode in ("dask", "dask-partitioned"):
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        folder = Path(path).with_suffix(f".parts{workers * 4}")
        if mode == "dask-partitioned" and not folder.exists():  # written once, as a user would
            batch.write_partitioned(table, str(folder), workers * 4)
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster),
        ):
            started = time.perf_counter()
            if mode == "dask":  # from memory, shuffled by order id on the cluster
                ddf = dd.from_pandas(table.to_pandas(), npartitions=workers * 4)
                result = batch.status_dask(ddf, NOW)
            else:  # read by the workers from files already partitioned by order id
                ddf = batch.read_partitioned(str(folder))
                result = batch.status_dask(ddf, NOW, partitioned=True)
            # the rows stay on the workers (as when written with to_parquet): counted there
            rows = int(result.map_partitions(len).compute().sum())
            took = time.perf_counter() - started
    else:
        out = batch.status(table, NOW, workers=1 if mode == "serial" else workers)
        rows, took = out.num_rows, time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux: KiB)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps({"orders": rows, "seconds": took, "peak_mib": peak, "child_peak_mib": children})
    )


class _Laps:
    """A stopwatch adding the time since its last call to the stage it is called with."""

    def __init__(self) -> None:
        self.spent = dict.fromkeys(("orders", "events", "replay", "rows", "table"), 0.0)
        self.clock = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.spent[stage] += now - self.clock
        self.clock = now


def stages(orders: int) -> None:
    """Time the stages of a one-process batch over ``orders`` generated orders."""
    import gc

    import pyarrow.parquet as pq

    from tradeclock import TradeclockError
    from tradeclock import batch as b
    from tradeclock._order import Order
    from tradeclock._time import parse_instant

    table = pq.read_table(_events(orders))
    now = parse_instant(NOW, "now")
    default, _ = b._rule_sets("taobao")
    best: dict[str, float] = {}
    for _ in range(3):
        gc.disable()
        lap = _Laps()
        grouped = b._Orders(table)
        lap("orders")
        for start in range(0, len(grouped), b._CHUNK):
            part, ids, starts = grouped.part(start, min(start + b._CHUNK, len(grouped)))
            lap("orders")
            prepared = b._prepared(part)
            lap("events")
            built = []
            for n, order_id in enumerate(ids):
                events = prepared[starts[n] : starts[n + 1]]
                if None in events:
                    events = [
                        ev if ev is not None else b._event(part, i)
                        for ev, i in zip(events, range(starts[n], starts[n + 1]), strict=True)
                    ]
                try:
                    built.append((order_id, Order.from_events(order_id, default, events), None))
                except TradeclockError as exc:
                    built.append((order_id, None, exc))
            lap("replay")
            out = []
            for order_id, order, error in built:
                try:
                    out.extend(b._rows(order_id, "taobao", order, now, error, False))
                except TradeclockError as exc:
                    out.extend(b._rows(order_id, "taobao", None, now, exc, False))
            lap("rows")
            b._table(out, default.timezone)
            lap("table")
        gc.enable()
        for stage, seconds in lap.spent.items():
            best[stage] = min(best.get(stage, seconds), seconds)
    total = sum(best.values())
    print(f"python {sys.version.split()[0]}, {orders:,} orders in one process, now {NOW}")
    for stage, seconds in best.items():
        print(f"{stage:7} {seconds / orders * 1e6:6.1f} us/order  {seconds / total:6.1%}")
    print(f"total   {total / orders * 1e6:6.1f} us/order  ({orders / total:,.0f} orders/s)")


def measure(orders: int, mode: str, workers: int) -> dict[str, float]:
    path = _events(orders)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(path), mode, str(workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask", action="store_true", help="also on a LocalCluster (largest size)")
    parser.add_argument("--only-dask", action="store_true", help="serial and Dask only")
    parser.add_argument("--stages", type=int, metavar="N", help="one process, stage by stage")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    if args.stages:
        stages(args.stages)
        return
    print(f"python {sys.version.split()[0]}, now {NOW}")
    serial_rate = {}
    for n in args.sizes:
        r = measure(n, "serial", 1)
        rate = r["orders"] / r["seconds"]
        serial_rate[n] = rate
        print(
            f"serial    {n:>9,} orders  {r['seconds']:7.2f} s  {rate:9,.0f} orders/s  "
            f"{r['seconds'] / n * 1e6:6.1f} us/order  peak {r['peak_mib']:7,.0f} MiB"
        )
    for n in args.sizes[-1:]:
        if not args.only_dask:
            r = measure(n, "parallel", args.workers)
            rate = r["orders"] / r["seconds"]
            print(
                f"{args.workers} procs   {n:>9,} orders  {r['seconds']:7.2f} s  "
                f"{rate:9,.0f} orders/s  x{rate / serial_rate[n]:.2f} of serial "
                f"(goal x{0.7 * args.workers:.1f})  peak {r['peak_mib']:,.0f} MiB + workers "
                f"{r['child_peak_mib']:,.0f} MiB"
            )
        if args.dask or args.only_dask:
            for mode, name in (("dask", "shuffled"), ("dask-partitioned", "partitioned")):
                r = measure(n, mode, args.workers)
                rate = r["orders"] / r["seconds"]
                print(
                    f"dask {args.workers}w   {n:>9,} orders  {r['seconds']:7.2f} s  "
                    f"{rate:9,.0f} orders/s  x{rate / serial_rate[n]:.2f} of serial "
                    f"({name}; cluster start excluded)"
                )


if __name__ == "__main__":
    main()
