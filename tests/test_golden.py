"""The golden scenarios, run through the public CLI contract (`tradeclock status ... --json`),
and our own scenarios in the same format (tests/scenarios/: after success, ratings)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime
from pathlib import Path

import pytest

from tradeclock._cli import main

GOLDEN = Path(__file__).parent / "golden"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "scenarios"
GOLDEN_LINES = Path(__file__).parent / "golden-lines"
SHARED_LINES = Path(__file__).resolve().parents[2] / "shared" / "scenarios-lines"
OWN = Path(__file__).parent / "scenarios"
SCENARIOS = (
    sorted(GOLDEN.glob("*.json")) + sorted(GOLDEN_LINES.glob("*.json")) + sorted(OWN.glob("*.json"))
)


def _cli(order: dict, now: str) -> subprocess.CompletedProcess[str]:
    """``tradeclock status - --json --now NOW`` with the log on stdin, run in this process
    (the console script calls the same ``main``; tests/test_cli.py runs it as a process)."""
    out, err = io.StringIO(), io.StringIO()
    stdin = sys.stdin
    sys.stdin = io.StringIO(json.dumps(order))
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["status", "-", "--json", "--now", now])
    finally:
        sys.stdin = stdin
    return subprocess.CompletedProcess([], code, out.getvalue(), err.getvalue())


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_there_are_scenarios() -> None:
    assert len(list(GOLDEN.glob("*.json"))) >= 12 and len(list(OWN.glob("*.json"))) >= 3
    assert len(list(GOLDEN_LINES.glob("*.json"))) >= 2


@pytest.mark.parametrize(
    ("shared_dir", "copy"), [(SHARED, GOLDEN), (SHARED_LINES, GOLDEN_LINES)], ids=["one", "lines"]
)
def test_golden_copy_is_verbatim(shared_dir: Path, copy: Path) -> None:
    if not shared_dir.is_dir():
        pytest.skip(f"{shared_dir.name} is not beside the repo")
    shared = {p.name: p.read_bytes() for p in shared_dir.iterdir() if p.is_file()}
    ours = {p.name: p.read_bytes() for p in copy.iterdir() if p.is_file()}
    assert ours == shared


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    if "expect_error" in scenario:
        want = scenario["expect_error"]
        proc = _cli(scenario["order"], "2026-12-31T00:00:00+08:00")
        assert proc.returncode == 2, proc.stderr
        err = json.loads(proc.stdout)["error"]
        assert (err["kind"], err["event_index"]) == (want["kind"], want["event_index"])
        assert err["message"]
        assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
        return
    for expect in scenario["expect"]:
        proc = _cli(scenario["order"], expect["now"])
        assert proc.returncode == 0, proc.stderr
        status = json.loads(proc.stdout)
        where = f"{path.stem} at {expect['now']}"
        if "state" in expect:
            assert status["state"] == expect["state"], where
        if "refund_state" in expect:
            got = None if status["refund"] is None else status["refund"]["state"]
            assert got == expect["refund_state"], where
        upcoming = {}
        for d in status["upcoming"]:
            upcoming.setdefault(d["event"], []).append(_instant(d["at"]))
        fired = {}
        for f in status["fired"]:
            fired.setdefault(f["event"], []).append(_instant(f["at"]))
        for event, at in expect.get("upcoming", {}).items():
            assert _instant(at) in upcoming.get(event, []), (where, event, upcoming)
        for event, at in expect.get("fired", {}).items():
            assert _instant(at) in fired.get(event, []), (where, event, fired)
        for event in expect.get("not_upcoming", []):
            assert event not in upcoming, (where, event)
        for line_id, want in expect.get("lines", {}).items():
            _check_line(status, line_id, want, f"{where}, line {line_id}")


def _check_line(status: dict, line_id: str, want: dict, where: str) -> None:
    """A line's expectations (tests/golden-lines/README.md): its state, its refund's state, and
    its deadlines, found in the top-level ``upcoming`` tagged with the line or in its own."""
    line = next((x for x in status["lines"] if x["id"] == line_id), None)
    assert line is not None, (where, [x["id"] for x in status["lines"]])
    if "state" in want:
        assert line["state"] == want["state"], where
    if "refund_state" in want:
        got = None if line["refund"] is None else line["refund"]["state"]
        assert got == want["refund_state"], where
    upcoming: dict[str, list[datetime]] = {}
    for d in [*(d for d in status["upcoming"] if d["line"] == line_id), *line["upcoming"]]:
        upcoming.setdefault(d["event"], []).append(_instant(d["at"]))
    for event, at in want.get("upcoming", {}).items():
        assert _instant(at) in upcoming.get(event, []), (where, event, upcoming)
    for event in want.get("not_upcoming", []):
        assert event not in upcoming, (where, event)
