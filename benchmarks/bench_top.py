"""Importing and checking Taobao Open Platform payloads, against loading their event logs.

    python benchmarks/bench_top.py [--batches 20]

The payloads are the consistent fixtures of examples/top/ (17 trades, every trade and refund
status). Three sides, per payload, batches alternating so all see the same machine load:

- log: ``tradeclock.load`` of the already-imported event log, then ``status()`` at the
  log's last event (the baseline: what a shop pays once it holds event logs);
- import: ``from_trade`` then the same ``load`` and ``status()``;
- check: ``tradeclock.top.check`` (import, replay, and the comparisons).

The import replays the order once per step it rebuilds (to ask whether a timer took that step),
so its cost is a multiple of one load; the figures say which multiple. Minimum over batches,
median beside it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tradeclock as tc
from tradeclock import top

FIXTURES = sorted((Path(__file__).parents[1] / "examples" / "top").glob("*.json"))
PAYLOADS = [top.read_payload(p) for p in FIXTURES]
LOGS = [top.from_trade(trade, refunds) for trade, refunds in PAYLOADS]
#: status() at the last event of each log (ISO strings compare in time order: one offset)
WHEN = [max(e["at"] for e in log["events"]) for log in LOGS]


def side_log() -> None:
    for log, now in zip(LOGS, WHEN, strict=True):
        tc.load(log).status(now)


def side_import() -> None:
    for (trade, refunds), now in zip(PAYLOADS, WHEN, strict=True):
        tc.load(top.from_trade(trade, refunds)).status(now)


def side_check() -> None:
    for trade, refunds in PAYLOADS:
        top.check({"trade": trade, "refunds": refunds})


def _batch(fn: Callable[[], Any], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - start) / (rounds * len(PAYLOADS))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    # the three sides describe the same orders before anything is timed
    for log, (trade, refunds) in zip(LOGS, PAYLOADS, strict=True):
        assert top.from_trade(trade, refunds) == log
    sides = {"log": side_log, "import": side_import, "check": side_check}
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.batches):
        for name, fn in sides.items():
            times[name].append(_batch(fn, args.rounds))
    base = min(times["log"])
    for name, samples in times.items():
        best, median = min(samples), statistics.median(samples)
        ratio = best / base
        print(
            f"{name:7} {best * 1e6:8.1f} us/payload (median {median * 1e6:8.1f})  "
            f"x{ratio:5.1f} of log"
        )
    print(f"{len(PAYLOADS)} payloads, {args.batches} batches of {args.rounds} rounds")


if __name__ == "__main__":
    sys.exit(main())
