"""Instruction counts per order under callgrind: a repeatable companion to bench_replay.py.

    python benchmarks/count_instructions.py [--orders 300]

Runs each side twice under ``valgrind --tool=callgrind`` (with N orders and with none) and
reports (instructions(N) - instructions(0)) / N. Instruction counts do not depend on what
else the machine is doing, so the ratio is stable from run to run; wall-clock time is still
what bench_replay.py measures.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
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


def _count(side: str, orders: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        proc = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--side",
                side,
                "--orders",
                str(orders),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        match = re.search(r"Collected : (\d+)", proc.stderr)
        assert match, proc.stderr[-2000:]
        return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--side", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        _run_side(args.side, args.orders)
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
