"""Replay + status() per order: tradeclock against the obvious build, in the same run.

    python benchmarks/bench_replay.py [--orders 200] [--batches 20]

Two measures, both on the same 6-event order (examples/order.json), both sides checked to
give the same deadlines before anything is timed:

- replay: events already parsed (tradeclock ``Event`` values; the baseline gets pendulum
  ``DateTime`` values), then ``status(now)``. This is the engine against the engine.
- json: from the JSON-ready dicts, parsing times included (``tradeclock.load`` against
  ``pendulum.parse``).
- json to json: the log as bytes in, the status as JSON bytes out, as the CLI, the MCP server
  and the due-queue see it: ``tradeclock.load(raw).status(now).to_json()`` against
  ``json.loads``, the baseline's Machine and ``json.dumps`` of its answer (state, refund and
  the upcoming deadlines: far less than tradeclock's status, which also carries each
  deadline's rule, source and who can stop it, the fired events, amounts and the lines).

Batches of the two sides alternate, so both see the same machine load; the figure is the
minimum over batches (these machines stall), with the median beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum

sys.path.insert(0, str(Path(__file__).parent))
from baseline import BaselineOrder

import tradeclock as tc

LOG = json.loads((Path(__file__).parents[1] / "examples" / "order.json").read_text())
NOW = "2026-11-08T12:00:00+08:00"
OURS_NOW = tc.load(LOG).status(NOW).now
THEIR_NOW = pendulum.parse(NOW)
PARSED = [tc.parse_event(ev) for ev in LOG["events"]]
PENDULUM_LOG = dict(LOG, events=[dict(ev, at=pendulum.parse(ev["at"])) for ev in LOG["events"]])


def ours_replay(_: Any) -> list[tuple[str, Any]]:
    order = tc.Order.from_events(LOG["id"], "taobao", PARSED)
    return [(d.event, d.at) for d in order.status(OURS_NOW).upcoming]


def ours_json(log: Any) -> list[tuple[str, Any]]:
    return [(d.event, d.at) for d in tc.load(log).status(OURS_NOW).upcoming]


def theirs_replay(_: Any) -> list[tuple[str, Any]]:
    return BaselineOrder(PENDULUM_LOG).status(THEIR_NOW)["upcoming"]


def theirs_json(log: Any) -> list[tuple[str, Any]]:
    return BaselineOrder(log).status(THEIR_NOW)["upcoming"]


def ours_json_to_json(raw: bytes) -> bytes:
    status = tc.load(raw).status(OURS_NOW)
    if not hasattr(status, "to_json"):  # a checkout from before Status.to_json, for comparison
        return json.dumps(status.to_dict(), ensure_ascii=False).encode()
    return status.to_json()


def theirs_json_to_json(raw: bytes) -> bytes:
    answer = BaselineOrder(json.loads(raw)).status(THEIR_NOW)
    upcoming = [{"event": e, "at": t.isoformat()} for e, t in answer["upcoming"]]
    return json.dumps({**answer, "upcoming": upcoming}).encode()


def _upcoming_of(encoded: bytes) -> list[tuple[str, Any]]:
    return [(d["event"], pendulum.parse(d["at"])) for d in json.loads(encoded)["upcoming"]]


def _batch(fn: Callable[[Any], Any], logs: list[Any]) -> float:
    start = time.perf_counter()
    for log in logs:
        fn(log)
    return (time.perf_counter() - start) / len(logs) * 1e6


def _same(a: list[tuple[str, Any]], b: list[tuple[str, Any]]) -> bool:
    return [(e, t.timestamp()) for e, t in a] == [(e, t.timestamp()) for e, t in b]


def compare(
    name: str,
    ours: Callable[[Any], Any],
    theirs: Callable[[Any], Any],
    orders: int,
    batches: int,
    encoded: bool = False,
) -> float:
    if encoded:  # bytes in, bytes out
        raw = json.dumps(LOG).encode()
        agree = _same(_upcoming_of(ours(raw)), _upcoming_of(theirs(raw)))
        logs: list[Any] = [json.dumps(dict(LOG, id=f"B{i}")).encode() for i in range(orders)]
    else:
        agree = _same(ours(LOG), theirs(LOG))
        logs = [dict(LOG, id=f"B{i}") for i in range(orders)]
    assert agree, f"{name}: the baseline disagrees"
    a, b = [], []
    for _ in range(batches):
        a.append(_batch(ours, logs))
        b.append(_batch(theirs, logs))
    ratio = min(b) / min(a)
    print(
        f"{name:12} tradeclock {min(a):7.1f} us/order (median {statistics.median(a):6.1f})   "
        f"baseline {min(b):7.1f} us/order (median {statistics.median(b):6.1f})   "
        f"speed-up {ratio:5.1f}x (medians {statistics.median(b) / statistics.median(a):.1f}x)"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="orders per batch")
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    print(
        f"{len(LOG['events'])}-event order, {args.orders} orders a batch, "
        f"{args.batches} batches a side, python {sys.version.split()[0]}"
    )
    compare("replay", ours_replay, theirs_replay, args.orders, args.batches)
    compare("json", ours_json, theirs_json, args.orders, args.batches)
    compare("json to json", ours_json_to_json, theirs_json_to_json, args.orders, args.batches, True)


if __name__ == "__main__":
    main()
