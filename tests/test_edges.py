"""Predictable edges: every subcommand answers a missing input, an unwritable output and a
corrupt file with a typed error (exit 2, JSON with --json), never a traceback; --rules means
"the rule set to judge by" everywhere; the worker keeps firing the good orders of a queue
holding a bad one, and a SIGTERM mid-sweep loses nothing."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import msgspec
import pytest

import tradeclock as tc
from tradeclock._cli import main
from tradeclock.queue import Queue

ROOT = Path(__file__).resolve().parents[1]
ORDER = str(ROOT / "examples" / "order.json")
SHOP = str(ROOT / "examples" / "invoice-shop.toml")
SHOP_ORDER = str(ROOT / "examples" / "invoice-order.json")
NOW = "2026-11-08T12:00:00+08:00"
MISSING = "/nonexistent/dir/file"
UNWRITABLE = "/nonexistent/dir/out"


@pytest.fixture
def corrupt(tmp_path: Path) -> Path:
    """A directory holding corrupt files of every kind the commands read."""
    for name in ("x.json", "x.toml", "x.parquet", "x.csv", "x.db"):
        (tmp_path / name).write_bytes(b"garbage\x00\xff\xfe not what the name says")
    return tmp_path


def _cases(c: Path) -> dict[str, list[str]]:
    json_ = str(c / "x.json")
    return {
        # subcommand: missing input, corrupt input, unwritable output (where it writes files)
        "status-missing": ["status", MISSING + ".json", "--now", NOW, "--json"],
        "status-corrupt": ["status", json_, "--now", NOW, "--json"],
        "status-rules-corrupt": ["status", ORDER, "--rules", str(c / "x.toml"), "--json"],
        "when-missing": ["when", MISSING + ".json", "auto_close", "--json"],
        "when-corrupt": ["when", json_, "auto_close", "--json"],
        "explain-missing": ["explain", MISSING + ".json", "--json"],
        "explain-corrupt": ["explain", json_, "--json"],
        "actions-missing": ["actions", MISSING + ".json", "--json"],
        "actions-corrupt": ["actions", json_, "--json"],
        "timeline-missing": ["timeline", MISSING + ".json", "--json"],
        "timeline-corrupt": ["timeline", json_, "--json"],
        "timeline-unwritable": ["timeline", ORDER, "--now", NOW, "--plot", UNWRITABLE + ".png"],
        "schema-missing": ["schema", "event-log", "--rules", MISSING + ".toml"],
        "schema-corrupt": ["schema", "event-log", "--rules", str(c / "x.toml")],
        "sources-missing": ["sources", "no-such-source", "--json"],
        "diagram-missing": ["diagram", "--rules", MISSING + ".toml"],
        "diagram-corrupt": ["diagram", "--rules", str(c / "x.toml")],
        "diagram-unwritable": ["diagram", "-o", UNWRITABLE + ".txt"],
        "batch-missing": ["batch", MISSING + ".parquet", "-o", str(c / "o.parquet"), "--json"],
        "batch-corrupt-parquet": ["batch", str(c / "x.parquet"), "-o", str(c / "o.csv")],
        "batch-corrupt-csv": ["batch", str(c / "x.csv"), "-o", str(c / "o.csv"), "--json"],
        "batch-unwritable": ["batch", "__TABLE__", "-o", UNWRITABLE + ".parquet", "--json"],
        "generate-unwritable": ["generate", "--orders", "5", "-o", UNWRITABLE + ".csv"],
        "enqueue-missing": ["enqueue", "--db", str(c / "q.db"), MISSING + ".json"],
        "enqueue-corrupt": ["enqueue", "--db", str(c / "q.db"), json_],
        "enqueue-corrupt-db": ["enqueue", "--db", str(c / "x.db"), ORDER],
        "enqueue-unwritable": ["enqueue", "--db", UNWRITABLE + ".db", ORDER],
        "worker-missing": ["worker", "--db", MISSING + ".db", "--once"],
        "worker-corrupt": ["worker", "--db", str(c / "x.db"), "--once"],
        "worker-unwritable": ["worker", "--db", UNWRITABLE + ".db", "--once", "--create"],
        "queue-missing": ["queue", "--db", MISSING + ".db", "--json"],
        "queue-corrupt": ["queue", "--db", str(c / "x.db"), "--json"],
        "rules-missing": ["rules", MISSING + ".toml", "--json"],
        "rules-corrupt": ["rules", str(c / "x.toml"), "--json"],
        "import-top-missing": ["import-top", MISSING + ".json"],
        "import-top-corrupt": ["import-top", json_],
        "check-top-missing": ["check-top", MISSING + ".json", "--json"],
        "check-top-corrupt": ["check-top", json_, "--json"],
    }


CASES = sorted(_cases(Path("/c")))
#: the subcommands that read or write nothing a user names (mcp talks over stdio)
NO_FILES = {"mcp"}


def test_every_subcommand_has_its_error_cases() -> None:
    from tradeclock._cli import _parser

    sub = next(a for a in _parser()._actions if a.dest == "==SUPPRESS==" or a.choices)
    commands = set(sub.choices)  # type: ignore[arg-type]
    covered = {case.rsplit("-", 1)[0] for case in CASES} | {case.split("-")[0] for case in CASES}
    assert commands - NO_FILES <= covered | {"import-top", "check-top"}
    assert {"import-top", "check-top"} <= {c.rsplit("-", 1)[0] for c in CASES}


@pytest.mark.parametrize("case", CASES)
def test_no_traceback_ever(
    case: str, corrupt: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _cases(corrupt)[case]
    if "__TABLE__" in args:  # a good table, to reach the writing
        table = tmp_path / "events.csv"
        assert main(["generate", "--orders", "3", "-o", str(table)]) == 0
        capsys.readouterr()
        args = [str(table) if a == "__TABLE__" else a for a in args]
    assert main(args) == 2  # raises nothing
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tradeclock: ") and "Traceback" not in err
    kind = lines[0].split(":")[1].strip()
    assert kind in {"invalid_input", "storage_error"}
    if "--json" not in args:  # every command but mcp takes --json: the error as JSON too
        assert main([*args, "--json"]) == 2
        out = capsys.readouterr().out
    error = json.loads(out)["error"]
    assert error["kind"] == kind and error["message"]


# -- one meaning per flag: --json, --lang and --now alike on every command --

JUDGING = {
    "status",
    "when",
    "explain",
    "actions",
    "timeline",
    "batch",
    "worker",
    "queue",
    "check-top",
}


def test_every_command_takes_json_and_lang_and_the_judging_ones_now() -> None:
    from tradeclock._cli import _parser

    sub = next(a for a in _parser()._actions if a.choices)
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        flags = {o: a for a in command._actions for o in a.option_strings}
        if name == "mcp":
            assert "--json" not in flags and "--lang" not in flags
            continue
        assert flags["--json"].help == 'print JSON (an error too: {"error": {...}})', name
        assert flags["--lang"].choices == ("zh", "en") and flags["--lang"].default == "en", name
        assert ("--now" in flags) == (name in JUDGING), name
        if name in JUDGING:
            assert "ISO-8601 with offset" in flags["--now"].help, name


@pytest.mark.parametrize("command", sorted(JUDGING))
def test_a_bad_now_is_the_same_error_everywhere(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "e.csv"
    db = tmp_path / "q.db"
    with Queue(str(db)):
        pass
    top_payload = str(sorted((ROOT / "examples" / "top").glob("*.json"))[0])
    args = {
        "when": ["when", ORDER, "auto_confirm"],
        "batch": ["batch", str(table), "-o", str(tmp_path / "o.csv")],
        "queue": ["queue", "--db", str(db)],
        "worker": ["worker", "--db", str(db), "--once"],
        "check-top": ["check-top", top_payload],
    }.get(command, [command, ORDER])
    if command == "batch":
        assert main(["generate", "--orders", "2", "-o", str(table)]) == 0
        capsys.readouterr()
    assert main([*args, "--now", "2026-11-08T12:00:00", "--json"]) == 2
    out, err = capsys.readouterr()
    error = json.loads(out)["error"]
    assert error["kind"] == "invalid_input" and "--now" in error["message"], command
    assert "has no UTC offset" in error["message"] and "--now" in err


def _cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


def test_every_text_speaks_the_language_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table, db = str(tmp_path / "e.csv"), str(tmp_path / "q.db")
    top_payload = str(sorted((ROOT / "examples" / "top").glob("*.json"))[0])
    runs = [
        ["generate", "--orders", "20", "-o", table],
        ["batch", table, "-o", str(tmp_path / "o.csv"), "--now", NOW],
        ["enqueue", "--db", db, ORDER],
        ["worker", "--db", db, "--once", "--now", "2026-11-21T00:00:00+08:00"],
        ["queue", "--db", str(tmp_path / "en.db"), "--now", "2026-12-21T00:00:00+08:00"],
        ["rules", "taobao"],
        ["sources", "tb-dispute"],
        ["check-top", top_payload],
        ["status", ORDER, "--now", NOW],
        ["explain", ORDER, "--now", NOW],
    ]
    for args in runs:
        codes = []
        said = {}
        for lang in ("en", "zh"):
            if args[0] in ("enqueue", "worker"):  # the second run finds the work done
                fresh = str(tmp_path / f"{lang}.db")
                args = [fresh if a == db or a.endswith(("en.db", "zh.db")) else a for a in args]
                if args[0] == "worker":
                    assert main(["enqueue", "--db", fresh, ORDER]) == 0
                    capsys.readouterr()
            codes.append(main([*args, "--lang", lang]))
            said[lang] = capsys.readouterr().out
        assert codes[0] == codes[1] and codes[0] in (0, 1), args
        # English, but for the section names a citation gives as written (§ 四.2.B), a term
        # a source note quotes (申请售后), and a source's own title (sources lists both)
        english = re.sub(r"§ [^;\n(]*|\([^)]*\)", "", said["en"])
        assert said["en"] and (args[0] == "sources" or not _cjk(english)), args
        assert _cjk(said["zh"]) and said["zh"] != said["en"], args
        for word in ("orders", "events", "automatic events", "agree", "source", "checked"):
            found = re.compile(rf"(?<!\w){word}(?!\w)")
            if found.search(said["en"]):
                assert not found.search(said["zh"]), (args, word)


def test_json_on_the_commands_that_print_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table, db = str(tmp_path / "e.csv"), str(tmp_path / "q.db")
    assert main(["generate", "--orders", "20", "--seed", "3", "-o", table, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["orders"] == 20 and summary["output"] == table
    assert summary["events"] > 20 and isinstance(summary["spoiled"], list)
    assert (
        main(
            [
                "enqueue",
                "--db",
                db,
                ORDER,
                SHOP_ORDER,
                "--rules",
                "taobao",
                "--rules",
                SHOP,
                "--json",
            ]
        )
        == 0
    )
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(x["order_id"], x["done"], x["added"]) for x in lines] == [
        ("TB-2026-1106-0042", "queued", 6),
        ("S-1", "queued", lines[1]["version"]),
    ]
    assert main(["enqueue", "--db", db, ORDER, "--json"]) == 0
    (again,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert (again["done"], again["added"], again["version"]) == ("unchanged", 0, 6)
    assert main(["queue", "--db", db, "--now", "2026-11-21T00:00:00+08:00", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["now"] == "2026-11-21T00:00:00+08:00"
    with Queue(db) as q:
        assert info["due"] == len(q.due(info["now"])) == 2  # both orders have something due
        assert main(["queue", "--db", db, "--now", "2026-11-01T00:00:00+08:00", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["due"] == 0
    assert main(["worker", "--db", db, "--once", "--now", "2026-11-21T00:00:00+08:00"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0] == (
        "TB-2026-1106-0042: return_window_end (return.no_reason_window) due "
        "2026-11-12T00:00:00+08:00, recorded 2026-11-21T00:00:00+08:00"
    )
    with Queue(db) as q:
        assert len(q.fired()) == len(text)


def test_file_errors_name_the_file(corrupt: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for case in ("batch-corrupt-parquet", "enqueue-corrupt-db", "generate-unwritable"):
        args = _cases(corrupt)[case]
        assert main(args) == 2
        named = next(a for a in args if a.endswith((".parquet", ".db", ".csv")))
        assert named in capsys.readouterr().err


# -- --rules: the rule set to judge by --


@pytest.mark.parametrize("command", ["status", "when", "explain", "actions", "timeline"])
def test_rules_names_a_preset_or_a_file_everywhere(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["auto_close"] if command == "when" else []
    assert main([command, ORDER, *extra, "--now", NOW, "--rules", "taobao", "--json"]) == 0
    capsys.readouterr()
    assert main([command, SHOP_ORDER, *extra, "--now", NOW, "--rules", SHOP, "--json"]) == 0
    capsys.readouterr()
    # a log naming another rule set is an error, not silently judged by the one it names
    assert main([command, ORDER, *extra, "--now", NOW, "--rules", "tmall", "--json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert "names rule set 'taobao', and --rules gives 'tmall'" in error["message"]


def test_rules_is_never_guessed(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["status", ORDER, "--now", NOW, "--rules"], ["rules"], ["schema", "--rules"]):
        assert main([*command, "taobaoo"]) == 2
        err = capsys.readouterr().err
        assert "unknown rule set 'taobaoo': neither a preset (taobao, tmall" in err, command


# -- the queue and its worker --


def test_the_worker_keeps_firing_the_good_orders_of_a_queue_holding_a_bad_one(
    queue_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = queue_db
    assert main(["enqueue", "--db", db, ORDER]) == 0
    assert main(["enqueue", "--db", db, SHOP_ORDER, "--rules", SHOP]) == 0
    capsys.readouterr()
    later = "2027-01-31T00:00:00+08:00"
    # without the shop's rule set the worker cannot judge the shop's order: it goes on
    assert main(["worker", "--db", db, "--once", "--now", later, "--json"]) == 0
    out, err = capsys.readouterr()
    fired = [json.loads(line) for line in out.splitlines()]
    assert {r["order_id"] for r in fired} == {"TB-2026-1106-0042"}
    assert all(r["fired_at"].endswith("+08:00") for r in fired)  # the rule set's zone
    assert "order S-1 failed (invalid_input), kept and retried" in err
    assert main(["queue", "--db", db, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    (failure,) = info["failures"]
    assert failure["order_id"] == "S-1" and "myshop" in failure["message"]
    assert info["orders"] == 2 and info["fired"] == len(fired)
    # a second sweep tries it again and says nothing new on stderr
    assert main(["worker", "--db", db, "--once", "--now", later]) == 0
    assert capsys.readouterr().err == ""
    with Queue(db) as q:
        assert q.failures()[0].attempts == 2
    # given its rule set, the worker judges it, and the failure is gone
    assert main(["worker", "--db", db, "--once", "--now", later, "--rules", SHOP, "--json"]) == 0
    out, err = capsys.readouterr()
    assert {json.loads(line)["order_id"] for line in out.splitlines()} == {"S-1"}
    with Queue(db) as q:
        assert q.failures() == []


def test_a_stored_log_that_is_not_json_is_a_failed_order_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An SQLite queue file edited by hand (PostgreSQL's jsonb cannot hold such a log): the
    order whose log is not JSON is kept as failed, with a typed error naming it, and the
    worker fires the other orders; enqueueing onto it is a typed error too."""
    import sqlite3

    db = str(tmp_path / "q.db")
    assert main(["enqueue", "--db", db, ORDER]) == 0
    with Queue(db) as q:
        q.put_many({"BAD": [{"type": "placed", "at": "2026-11-11T10:00:00+08:00"}]})
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE orders SET log = '[{\"type\": ' WHERE order_id = 'BAD'")
    conn.close()
    capsys.readouterr()
    later = "2027-01-31T00:00:00+08:00"
    assert main(["worker", "--db", db, "--once", "--now", later, "--json"]) == 0
    out, err = capsys.readouterr()
    assert {json.loads(line)["order_id"] for line in out.splitlines()} == {"TB-2026-1106-0042"}
    assert "order BAD failed (invalid_input), kept and retried" in err
    assert "Traceback" not in err
    with Queue(db) as q:
        (failure,) = q.failures()
        assert failure.order_id == "BAD"
        assert failure.message.startswith("order BAD: its stored log cannot be read (malformed")
        with pytest.raises(tc.InvalidInput, match="its stored log cannot be read"):
            q.put_many({"BAD": [{"type": "paid", "at": "2026-11-11T10:05:00+08:00"}]})


def test_the_worker_refuses_a_missing_queue_unless_asked_to_create_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "typo.db"
    assert main(["worker", "--db", str(db), "--once"]) == 2
    assert "no such file" in capsys.readouterr().err and not db.exists()
    assert main(["worker", "--db", str(db), "--once", "--create"]) == 0
    assert db.exists()


def test_the_worker_refuses_a_database_without_a_queue_unless_asked_to_create_it(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["worker", "--db", pg_url, "--once"]) == 2
    assert "holds no tradeclock queue (create it with enqueue)" in capsys.readouterr().err
    assert main(["queue", "--db", pg_url]) == 2
    capsys.readouterr()
    assert main(["worker", "--db", pg_url, "--once", "--create"]) == 0
    assert main(["queue", "--db", pg_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["orders"] == 0


def test_enqueue_of_a_queued_order_says_so_or_appends(
    queue_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = queue_db
    data = json.loads(Path(ORDER).read_text(encoding="utf-8"))
    short = tmp_path / "short.json"
    short.write_text(json.dumps({**data, "events": data["events"][:3]}), encoding="utf-8")
    assert main(["enqueue", "--db", db, str(short)]) == 0
    assert main(["enqueue", "--db", db, ORDER]) == 0  # the rest of the log
    assert main(["enqueue", "--db", db, ORDER]) == 0  # nothing new
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "TB-2026-1106-0042: 3 events",
        "TB-2026-1106-0042: already queued; 3 new events appended",
        "TB-2026-1106-0042: already queued with these 6 events",
    ]
    other = tmp_path / "other.json"
    changed = [dict(ev) for ev in data["events"]]
    changed[1]["at"] = "2026-11-01T10:06:00+08:00"
    other.write_text(json.dumps({**data, "events": changed}), encoding="utf-8")
    assert main(["enqueue", "--db", db, str(other)]) == 2
    assert "queued with another log: event 1 is paid" in capsys.readouterr().err
    with Queue(db) as q:
        assert len(q.get("TB-2026-1106-0042").events) == 6


def test_sigterm_mid_sweep_loses_nothing(queue_db: str) -> None:
    db = queue_db
    n = 3000
    with Queue(db) as q:
        q.put_many(
            {f"U{i}": [{"type": "placed", "at": "2026-11-11T10:00:00+08:00"}] for i in range(n)}
        )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "tradeclock",
        "worker",
        "--db",
        str(db),
        "--interval",
        "60",
        "--json",
    ]
    proc = subprocess.Popen(
        [*cmd, "--now", "2026-11-20T00:00:00+08:00"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # it is sweeping
    assert json.loads(first)["event"] in {"pay_reminder", "auto_close"}
    proc.send_signal(signal.SIGTERM)  # mid-sweep: one order's records are out
    assert proc.stderr is not None
    rest, err = proc.stdout.read(), proc.stderr.read()  # (communicate would skip the buffer)
    assert proc.wait(timeout=60) == 0, err
    printed = [json.loads(first), *map(json.loads, rest.decode().splitlines())]
    with Queue(db) as q:
        recorded = q.fired()
        left = len(q.due("2026-11-20T00:00:00+08:00"))
    # what was printed was recorded, and every order is either done or still due, whole
    assert len(printed) == len(recorded) and 0 < left < n, (len(recorded), left)
    done = {r.order_id for r in recorded}
    assert all(sum(r.order_id == o for r in recorded) == 2 for o in done)  # reminder + close
    assert len(done) + left == n
    # a restarted worker finishes: each event once
    again = subprocess.run(
        [*cmd, "--once", "--now", "2026-11-20T00:00:00+08:00"], capture_output=True, env=env
    )
    assert again.returncode == 0
    with Queue(db) as q:
        assert len(q.fired()) == 2 * n and q.due("2026-11-20T00:00:00+08:00") == []
    assert tc.load  # the package imported in this process too


# -- one zone: every instant returned is in the rule set's zone --

GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.json")) + sorted(
    (ROOT / "tests" / "golden-lines").glob("*.json")
)


def _instants(status: tc.Status) -> list[object]:
    out: list[object] = [status.now, status.auto_confirm_paused_since]
    out += [f.at for f in status.fired]
    out += [x for d in status.upcoming for x in (d.at, d.earliest)]
    if status.refund is not None:
        out.append(status.refund.requested_at)
    for line in status.lines:
        out += [x for d in line.upcoming for x in (d.at, d.earliest)]
        if line.refund is not None:
            out.append(line.refund.requested_at)
    return [x for x in out if x is not None]


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_every_instant_a_status_returns_is_in_the_rule_sets_zone(path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    try:
        order = tc.load(scenario["order"])
    except tc.TradeclockError:
        return  # a refused log has no status
    zone = order.rules.tz
    for expect in scenario["expect"]:
        status = order.status(expect["now"])
        instants = _instants(status)
        assert instants and all(x.tzinfo is zone for x in instants)  # type: ignore[attr-defined]
        for d in status.upcoming:  # the same instant as before, only shown in the zone
            assert order.when(d.event, expect["now"], d.line) is not None


@pytest.mark.parametrize("path", GOLDEN[:40:3], ids=[p.stem for p in GOLDEN[:40:3]])
def test_an_orders_events_are_shown_in_its_zone_and_give_back_the_same_order(path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    try:
        order = tc.load(scenario["order"])
    except tc.TradeclockError:
        return
    zone = order.rules.tz
    assert order.events and all(ev.at.tzinfo is zone for ev in order.events)
    logged = [datetime.fromisoformat(e["at"]) for e in scenario["order"]["events"]]
    assert [ev.at for ev in order.events][: len(logged)] == logged[: len(order.events)]
    # fed back as Event values, they replay to an equal order, reckoned in UTC inside
    again = tc.Order.from_events(order.id, order.rules, order.events)
    assert again == order and again.version == order.version == len(order.events)
    assert again.to_dict() == order.to_dict()
    assert all(ev["at"].endswith("+08:00") for ev in order.to_dict()["events"])


def test_events_in_a_zone_with_summer_time_keep_their_instants() -> None:
    """The engine adds durations to UTC instants: an order shown in a zone with summer time
    still fires 24 hours after the event, not 24 wall-clock hours."""
    rs = tc.TAOBAO.with_overrides(
        {"pay.unpaid_close": "PT24H"}, name="berlin", timezone="Europe/Berlin"
    )
    placed = "2026-10-24T12:00:00+02:00"  # the clocks go back at 03:00 the next night
    order = tc.load(
        {"id": "B", "rules": "berlin", "events": [{"type": "placed", "at": placed}]}, rules=rs
    )
    assert order.events[0].at.isoformat() == placed
    again = tc.Order.from_events("B", rs, order.events)
    due = again.when("auto_close", placed)
    assert due is not None and due.tzinfo is rs.tz
    assert due.isoformat() == "2026-10-25T11:00:00+01:00"  # 24 hours, not 24 wall-clock hours
    assert due == order.when("auto_close", placed)


def test_an_event_given_back_out_of_range_is_refused() -> None:
    order = tc.load(ORDER)
    ev = order.events[0]._replace(at=datetime(1960, 1, 1, tzinfo=tc.TAOBAO.tz))
    with pytest.raises(tc.InvalidInput, match="supported"):
        tc.Order.from_events(order.id, order.rules, [ev])
    # year 1 in a zone east of UTC: converting it would overflow; refused, not an OverflowError
    from datetime import timedelta, timezone

    first = order.events[0]._replace(at=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=8))))
    with pytest.raises(tc.InvalidInput, match="supported"):
        tc.Order.from_events(order.id, order.rules, [first])


def test_money_windows_are_in_the_rule_sets_zone() -> None:
    from tradeclock.money import money_arrival, withdrawal

    for window in (
        money_arrival("credit_card", "2025-09-30T10:00:00+08:00", bank="boc"),
        money_arrival("alipay_balance", "2025-09-30T10:00:00Z"),
        withdrawal("2026-09-24T18:00:00+08:00"),
    ):
        assert window.earliest.tzinfo is tc.TAOBAO.tz and window.latest.tzinfo is tc.TAOBAO.tz


# -- data is data --


def test_status_deadline_refuses_an_unknown_event_as_when_does() -> None:
    order = tc.load(ORDER)
    status = order.status(NOW)
    with pytest.raises(tc.InvalidInput, match="unknown automatic event 'bogus'"):
        status.deadline("bogus")
    with pytest.raises(tc.InvalidInput, match="unknown automatic event 'bogus'"):
        order.when("bogus", NOW)
    assert status.deadline("auto_close") is None  # known, not running
    shop = tc.load(SHOP_ORDER, rules=tc.load_rules(Path(SHOP)))
    shop_status = shop.status("2026-11-05T00:00:00+08:00")
    assert shop_status.deadline("invoice_due") is not None  # the shop's own event
    assert shop_status.deadline("greeting_due") is None  # its own, not running


def test_instalments_are_data_and_money_has_two_decimals() -> None:
    log = {
        "id": "M",
        "rules": "taobao",
        "events": [
            {"type": "placed", "at": "2026-11-01T10:00:00+08:00", "amount": "700"},
            {"type": "paid", "at": "2026-11-01T10:05:00+08:00"},
        ],
    }
    status = tc.load(log).status("2026-11-01T10:00:00+08:00")
    assert status.instalments.allowed is True  # a field, as in the JSON
    data = tc.load(log).status("2026-11-02T00:00:00+08:00").to_dict()
    assert (data["amount"], data["refunded"]) == ("700.00", "0.00")
    assert data["lines"][0]["amount"] == "700.00" and data["lines"][0]["refunded"] == "0.00"
    assert data["instalments"] == msgspec.structs.asdict(status.instalments)
