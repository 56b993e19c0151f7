"""Instruction counts per order under callgrind: a repeatable companion to bench_replay.py.

    python benchmarks/count_instructions.py [--orders 300] [--parts]

Runs each side twice under ``valgrind --tool=callgrind`` (with N orders and with none) and
reports (instructions(N) - instructions(0)) / N. Instruction counts do not depend on what
else the machine is doing, so the ratio is stable from run to run; wall-clock time is still
what bench_replay.py measures.

``--parts`` counts tradeclock's json-to-json path part by part instead: the long way of reading
a log (the bytes to Python values, then the six events checked), the one pass ``load`` takes
for JSON bytes (straight into checked events), the replay of checked events, ``load`` as a
whole, ``status()`` of a fresh order, ``to_json()`` of a fresh status, and the whole path. Each
part runs twice on the same prepared inputs, once with its loop and once without, so only the
part is counted. Beside each: its share of the whole, and the speed-up over the baseline's json
to json if that part cost nothing (the 25x goal needs the whole path at 1/25 of the baseline's
count). Then the work in C the JSON contract asks for whatever the engine: the six times read
(pattern, ``fromisoformat``, to UTC), the status's six instants written in the rule set's zone,
and msgspec writing a status already built (reading the bytes is the ``read`` part).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def _run_side(side: str, orders: int) -> None:
    sys.path.insert(0, str(HERE))
    import bench_replay as b

    fn = {
        "ours_replay": b.ours_replay,
        "theirs_replay": b.theirs_replay,
        "ours_json": b.ours_json,
        "theirs_json": b.theirs_json,
        "ours_json_to_json": b.ours_json_to_json,
        "theirs_json_to_json": b.theirs_json_to_json,
    }[side]
    encoded = side.endswith("json_to_json")
    if encoded:  # bytes in, bytes out
        logs: list[Any] = [json.dumps(dict(b.LOG, id=f"B{i}")).encode() for i in range(orders)]
        fn(json.dumps(b.LOG).encode())
    else:
        logs = [dict(b.LOG, id=f"B{i}") for i in range(orders)]
        fn(b.LOG)  # warm caches and imports before counting starts to matter
    for log in logs:
        fn(log)


#: The parts of the json-to-json path --parts counts, in the order they run.
PARTS = ("read", "parse", "one_pass", "replay", "load", "status", "to_json", "whole")
#: The parts of the long way of reading a log, which the whole path no longer takes.
_LONG_WAY = ("read", "parse")
#: The work in C the JSON contract asks for, whatever the engine.
FLOORS = ("times_in", "times_out", "encode")


def _run_part(part: str, orders: int, go: bool) -> None:
    """Prepare ``orders`` inputs for ``part``, then (``go``) run the part on each."""
    sys.path.insert(0, str(HERE))
    import bench_replay as b

    from tradeclock._events import parse_event
    from tradeclock._input import read_json
    from tradeclock._order import replay
    from tradeclock._typed import read_log

    raws = [json.dumps(dict(b.LOG, id=f"B{i}")).encode() for i in range(orders)]
    b.ours_json_to_json(json.dumps(b.LOG).encode())  # warm caches and imports
    rs = b.tc.load(b.LOG).rules
    logs = [read_json(r, "event log") for r in raws] if part in ("parse", "replay") else []
    parsed = [[parse_event(ev) for ev in log["events"]] for log in logs]
    orders_ = [b.tc.load(r) for r in raws] if part in ("status", "to_json") else []
    statuses = [o.status(b.OURS_NOW) for o in orders_] if part == "to_json" else []
    texts = [[ev["at"] for ev in b.LOG["events"]] for _ in range(orders)]
    st = b.tc.load(b.LOG).status(b.OURS_NOW)
    assert st.refund is not None and st.auto_confirm_paused_since is not None
    paused = st.auto_confirm_paused_since
    mine = [st.now, st.refund.requested_at, paused, *(d.at for d in st.upcoming)]
    instants = [[x.astimezone(UTC) for x in mine] for _ in range(orders)]
    contracts = [st._contract(formatted=False) for _ in range(orders)]
    if not go:
        return
    if part in FLOORS:
        _floor(part, texts, instants, st.tz, contracts)
        return
    if part == "read":
        for r in raws:
            read_json(r, "event log")
    elif part == "parse":
        for log in logs:
            [parse_event(ev) for ev in log["events"]]
    elif part == "one_pass":
        for r in raws:
            read_log(r)
    elif part == "replay":
        for log, events in zip(logs, parsed, strict=True):
            replay(log["id"], rs, events)
    elif part == "load":
        for r in raws:
            b.tc.load(r)
    elif part == "status":
        for o in orders_:
            o.status(b.OURS_NOW)
    elif part == "to_json":
        for st in statuses:
            st.to_json()
    else:
        for r in raws:
            b.ours_json_to_json(r)


def _floor(part: str, texts: Any, instants: Any, tz: Any, contracts: Any) -> None:
    from tradeclock._status import _ENCODE
    from tradeclock._time import DATETIME_RE

    match, read = DATETIME_RE.match, datetime.fromisoformat
    if part == "times_in":
        for row in texts:
            for text in row:
                match(text)
                read(text).astimezone(UTC)
    elif part == "times_out":
        for row in instants:
            for x in row:
                x.astimezone(tz)
    else:
        for contract in contracts:
            _ENCODE(contract)


def _callgrind(args: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, *args],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        match = re.search(r"Collected : (\d+)", proc.stderr)
        assert match, proc.stderr[-2000:]
        return int(match.group(1))


def _parts(orders: int) -> None:
    def per(part: str) -> float:
        args = [__file__, "--part", part, "--orders", str(orders)]
        return (_callgrind([*args, "--go"]) - _callgrind(args)) / orders

    theirs = (_count("theirs_json_to_json", orders) - _count("theirs_json_to_json", 0)) / orders
    counts = {part: per(part) for part in PARTS}
    whole = counts["whole"]
    print(f"baseline json to json {theirs:12,.0f} instructions/order; 25x needs {theirs / 25:,.0f}")
    for part in PARTS:
        if part in _LONG_WAY:
            continue
        n = counts[part]
        without = theirs / (whole - n) if part != "whole" and whole > n else float("inf")
        print(
            f"{part:9} {n:10,.0f} instructions/order  {n / whole:6.1%} of the whole"
            + ("" if part == "whole" else f"   without it: {without:5.1f}x")
        )
    print("the long way (a mapping, or a log the one pass does not settle):")
    for part in _LONG_WAY:
        print(f"{part:9} {counts[part]:10,.0f} instructions/order")
    floors = {part: per(part) for part in FLOORS}
    floor = counts["read"] + sum(floors.values())
    print("the work in C the JSON contract asks for, whatever the engine:")
    for part, n in floors.items():
        print(f"{part:9} {n:10,.0f} instructions/order")
    share = floor / (theirs / 25)
    print(f"with read {floor:10,.0f} instructions/order: {share:.0%} of what 25x leaves")
    print(f"the rest  {theirs / 25 - floor:10,.0f} left by 25x, against {whole - floor:,.0f} now")


def _count(side: str, orders: int) -> int:
    return _callgrind([__file__, "--side", side, "--orders", str(orders)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--parts", action="store_true", help="json to json, part by part")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=PARTS + FLOORS, help=argparse.SUPPRESS)
    parser.add_argument("--go", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        _run_side(args.side, args.orders)
        return
    if args.part:
        _run_part(args.part, args.orders, args.go)
        return
    if args.parts:
        _parts(args.orders)
        return
    for mode in ("replay", "json", "json_to_json"):
        per = {}
        for who in ("ours", "theirs"):
            side = f"{who}_{mode}"
            per[who] = (_count(side, args.orders) - _count(side, 0)) / args.orders
        name = mode.replace("_", " ")
        print(
            f"{name:12} tradeclock {per['ours']:10,.0f} instructions/order   baseline "
            f"{per['theirs']:12,.0f}   ratio {per['theirs'] / per['ours']:5.1f}x"
        )


if __name__ == "__main__":
    main()
