"""The ``tradeclock`` command: a readable timeline, or the JSON contract with ``--json``.

Exit status 0 on success, 2 on bad input (with ``--json`` the error is printed on stdout as
``{"error": {"kind", "message", "event_index", ...}}``; a one-line message goes to stderr
always; never a traceback). Only this module reads the wall clock, when ``--now`` is omitted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from . import top
from ._docs import (
    cited_by,
    diagrams_markdown,
    rules_markdown,
    sources_markdown,
    timer_fields,
)
from ._errors import InvalidInput, StorageError, TradeclockError, storage_error
from ._events import AutoEvent
from ._explain import LANGS, explain, explain_dict
from ._input import read_json
from ._order import Order, load
from ._presets import PRESETS, TAOBAO, checked_words
from ._rules import RuleRegistry, RuleSet, load_rules
from ._schema import SCHEMAS, schema
from ._status import Status
from ._time import format_duration_iso, parse_instant
from .sources import KINDS, SOURCES, cite
from .timeline import render_text
from .words import join, rules_name, say, term, text, zone_words

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # the reader went away (| head): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except TradeclockError as exc:
        return _fail(args, exc)
    except Exception as exc:  # a file, database or Arrow error: typed, never a traceback
        typed = storage_error(exc)
        if typed is None:
            raise
        return _fail(args, typed)


def _fail(args: argparse.Namespace, exc: TradeclockError) -> int:
    """Report ``exc``: one line on stderr and, with ``--json``, the JSON error; exit 2."""
    if getattr(args, "json", False):
        print(json.dumps({"error": exc.to_dict()}, ensure_ascii=False, indent=2))
    print(f"tradeclock: {exc.kind}: {exc.text(getattr(args, 'lang', 'en'))}", file=sys.stderr)
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tradeclock",
        description="What happens next to a Taobao/Tmall order, and when.",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("status", help="an order's timeline: past, fired and upcoming deadlines")
    _common(p)
    p.set_defaults(func=_cmd_status)

    w = sub.add_parser("when", help="when an automatic event happens (or why it will not)")
    _common(w)
    w.add_argument(
        "event",
        metavar="EVENT",
        help=f"one of: {', '.join(e.value for e in AutoEvent)}, or the event of a timer of the "
        "rule set's own (--rules)",
    )
    w.add_argument("--line", help="for this line of a trade (placed.lines): its own deadline")
    w.set_defaults(func=_cmd_when)

    x = sub.add_parser("explain", help="where the order stands and what comes next, in words")
    _common(x)
    x.set_defaults(func=_cmd_explain)

    a = sub.add_parser("actions", help="what each party may do now, and what it would change")
    _common(a)
    a.add_argument(
        "--actor",
        choices=["buyer", "seller", "carrier", "platform"],
        help="only this party's actions",
    )
    a.add_argument("--all", action="store_true", help="also the actions not allowed now, and why")
    a.set_defaults(func=_cmd_actions)

    s = sub.add_parser("schema", help="print the JSON Schema of the event log or of an output")
    s.add_argument(
        "name",
        nargs="?",
        default="event-log",
        choices=list(SCHEMAS),
        help="event-log (default), status, explain or actions",
    )
    s.add_argument(
        "--rules",
        metavar="NAME|TOML",
        help=_RULES_HELP + ", whose own events the schema admits",
    )
    s.set_defaults(func=_cmd_schema)

    so = sub.add_parser("sources", help="the source register: what each rule's source id means")
    so.add_argument("id", nargs="?", help="one source id (e.g. tb-dispute); default: all")
    so.add_argument("--markdown", action="store_true", help="print the Markdown of docs/sources.md")
    so.set_defaults(func=_cmd_sources)

    m = sub.add_parser("mcp", help="serve the tools to an MCP client over stdio (tradeclock[mcp])")
    m.set_defaults(func=_cmd_mcp)

    d = sub.add_parser("diagram", help="the order or refund state graph, with its timers")
    d.add_argument("graph", nargs="?", default="order", choices=["order", "refund"])
    d.add_argument(
        "--format",
        choices=["mermaid", "dot", "svg", "png"],
        default="mermaid",
        help="mermaid or Graphviz dot text (printed), or a picture drawn by Graphviz's dot "
        "(svg, png: needs -o, the dot program and tradeclock[plot])",
    )
    d.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of printing")
    d.add_argument(
        "--rules",
        metavar="NAME|TOML",
        default="taobao",
        help=_RULES_HELP + ", whose durations label the timers (default taobao)",
    )
    d.add_argument(
        "--markdown",
        action="store_true",
        help="print both graphs as the Markdown of docs/diagrams.md",
    )
    d.set_defaults(func=_cmd_diagram)

    t = sub.add_parser("timeline", help="an order's timeline, as text or a picture (--plot)")
    _common(t)
    t.add_argument(
        "--plot", metavar="OUT", help="draw it to OUT (.png or .svg; needs tradeclock[plot])"
    )
    t.set_defaults(func=_cmd_timeline)

    b = sub.add_parser("batch", help="status of every order of an event table (Parquet, CSV)")
    b.add_argument(
        "events", metavar="EVENTS", help="event table: .parquet or .csv, one row per event"
    )
    _now_flag(b)
    b.add_argument("-o", "--output", metavar="STATUS", required=True, help=".parquet or .csv")
    b.add_argument(
        "--due-within",
        metavar="DURATION",
        help="keep only orders whose next deadline is this close (ISO-8601, e.g. PT1H)",
    )
    b.add_argument("--workers", type=int, default=1, help="processes (0: every core; default 1)")
    b.add_argument(
        "--rules",
        metavar="NAME|TOML",
        action="append",
        default=[],
        help=_RULES_HELP + " (repeatable; the first judges the rows naming none); an order "
        "naming another is an error row. Default: each order by the preset it names, taobao "
        "for none",
    )
    b.add_argument(
        "--lines", action="store_true", help="one row per line (sub-order), with a line column"
    )
    b.set_defaults(func=_cmd_batch)

    g = sub.add_parser("generate", help="write a synthetic event table (seeded, reproducible)")
    g.add_argument("--orders", type=int, required=True, help="how many orders")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--bad-share", type=float, default=0.001, help="share of spoiled orders")
    g.add_argument("-o", "--output", metavar="EVENTS", required=True, help=".parquet or .csv")
    g.set_defaults(func=_cmd_generate)

    db = "the queue: an SQLite file, or a PostgreSQL URL (postgresql://user@host/db)"
    q = sub.add_parser("enqueue", help="store event logs in a due-queue (SQLite or PostgreSQL)")
    q.add_argument("logs", metavar="FILE", nargs="+", help="event logs (JSON)")
    q.add_argument("--db", required=True, help=f"{db}; created if missing")
    _rules_flag(q)
    q.set_defaults(func=_cmd_enqueue)

    k = sub.add_parser("worker", help="fire due automatic events from a queue, in a loop")
    k.add_argument("--db", required=True, help=db)
    k.add_argument("--create", action="store_true", help="create the queue if missing")
    k.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="most seconds between sweeps (a worker wakes sooner for the next deadline, and on "
        "PostgreSQL when a new event brings one closer)",
    )
    k.add_argument("--once", action="store_true", help="one sweep, then exit")
    k.add_argument(
        "--stalled-after",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="PostgreSQL: a worker stalled this long inside a transaction loses its claim",
    )
    _now_flag(k, "sweep as of this instant")
    _rules_flag(k)
    k.set_defaults(func=_cmd_worker)

    qs = sub.add_parser("queue", help="what a queue holds: orders, next deadline, failures")
    qs.add_argument("--db", required=True, help=db)
    _now_flag(qs, "also count the orders with an event due at this instant")
    _rules_flag(qs)
    qs.set_defaults(func=_cmd_queue)

    r = sub.add_parser("rules", help="print a rule set's table (durations and sources)")
    r.add_argument(
        "name", nargs="?", default="taobao", help=f"preset ({', '.join(PRESETS)}) or a TOML file"
    )
    r.add_argument("--toml", action="store_true", help="print it as TOML (loadable by --rules)")
    r.add_argument(
        "--markdown",
        action="store_true",
        help="print every preset side by side as the Markdown of docs/rules.md",
    )
    r.set_defaults(func=_cmd_rules)

    i = sub.add_parser(
        "import-top", help="turn a Taobao Open Platform trade (and its refunds) into an event log"
    )
    i.add_argument("file", metavar="FILE", help='TOP payload (JSON: {"trade", "refunds"}); - stdin')
    _top_rules(i)
    i.set_defaults(func=_cmd_import_top)

    c = sub.add_parser(
        "check-top",
        help="compare tradeclock's deadlines with the platform's own timeouts (exit 1: disagree)",
    )
    c.add_argument("files", metavar="FILE", nargs="+", help="TOP payloads (JSON)")
    _top_rules(c)
    _now_flag(c, "judge at this instant", "each payload's latest time")
    c.set_defaults(func=_cmd_check_top)
    for name, command in sub.choices.items():
        if name != "mcp":  # it speaks JSON-RPC on stdio, nothing else
            _json_and_lang(command)
    return parser


_RULES_HELP = "the rule set to judge by: a preset name or a TOML file"


def _rules_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rules",
        metavar="NAME|TOML",
        action="append",
        default=[],
        help=_RULES_HELP + " (repeat for versions of one rule set); a log naming another rule "
        "set is an error",
    )


def _top_rules(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rules",
        metavar="NAME|TOML",
        help=_RULES_HELP + " (default: tmall for a mall seller, else taobao)",
    )


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="event log (JSON); - reads standard input")
    _now_flag(p)
    _rules_flag(p)


def _now_flag(
    p: argparse.ArgumentParser,
    what: str = "judge the order as of this instant",
    default: str = "the current time",
) -> None:
    """``--now``, alike on every command that judges orders at an instant."""
    p.add_argument(
        "--now", metavar="ISO", help=f"{what}: ISO-8601 with offset (default: {default})"
    )


def _json_and_lang(p: argparse.ArgumentParser) -> None:
    """``--json`` and ``--lang``, alike on every command."""
    p.add_argument(
        "--json", action="store_true", help='print JSON (an error too: {"error": {...}})'
    )
    p.add_argument(
        "--lang",
        choices=LANGS,
        default="en",
        help="en (default) or zh: the language of the text and of an error",
    )


def _stdin() -> bytes:
    """Standard input as bytes: always the document itself, never a path."""
    raw = getattr(sys.stdin, "buffer", None)  # a text stream stands in for it in tests
    return raw.read() if raw is not None else sys.stdin.read().encode("utf-8")


def _now(value: str | None) -> datetime:
    """``--now``, parsed alike everywhere; absent: the wall clock (the CLI is the one place
    that reads it)."""
    if value is None:
        return datetime.now(UTC)
    return parse_instant(value, "--now")


def _say(args: argparse.Namespace, key: str, **facts: Any) -> str:
    """The sentence ``key`` in the language of ``--lang``."""
    return text(say(key, **facts), args.lang)


def _rule_set(value: str | None) -> RuleSet | None:
    """``--rules NAME|TOML``: a preset by name, else a rule set file (never guessed)."""
    if value is None:
        return None
    if value in PRESETS:
        return PRESETS[value]
    path = Path(value)
    if not path.exists():
        raise InvalidInput(
            f"unknown rule set {value!r}: neither a preset ({', '.join(PRESETS)}) nor an "
            "existing rule set file"
        )
    return load_rules(path)


def _rule_sets(values: Sequence[str]) -> list[RuleSet]:
    return [rs for rs in map(_rule_set, values) if rs is not None]


def _judged_by(order: Order, sets: Sequence[RuleSet]) -> Order:
    """``order``, if it names a rule set ``--rules`` gave (or none was given)."""
    names = sorted({rs.name for rs in sets})
    if names and order.rules.name not in names:
        raise InvalidInput(
            f"order {order.id} names rule set {order.rules.name!r}, and --rules gives "
            f"{', '.join(map(repr, names))}: judge it by the rule set it names",
            order_id=order.id,
        )
    return order


def _load(path: str, values: Sequence[str], sets: Sequence[RuleSet] | None = None) -> Order:
    # every rule set given is one to judge by, or a version of one (effective_from): the order
    # is judged by the version in force when it was placed
    sets = _rule_sets(values) if sets is None else sets
    # "-": the JSON text on standard input, never a path
    source = _stdin() if path == "-" else Path(path)
    return _judged_by(load(source, rules=RuleRegistry(*sets)), sets)


def _cmd_status(args: argparse.Namespace) -> int:
    order = _load(args.file, args.rules)
    return _print_status(args, order, order.status(_now(args.now)))


def _print_status(args: argparse.Namespace, order: Order, status: Status) -> int:
    """The status as JSON (``--json``) or as the timeline text in ``--lang``."""
    if args.json:  # encoded straight from the values (the same text json.dumps gives)
        print(msgspec.json.format(status.to_json(), indent=2).decode("utf-8"))
    else:
        print(render_text(order, status, args.lang))
    return 0


def _cmd_when(args: argparse.Namespace) -> int:
    order = _load(args.file, args.rules)
    status = order.status(_now(args.now))
    answer = status.when_dict(args.event, order.rules, args.line, args.lang)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False))
    elif answer["at"] is not None:
        d = status.deadline(args.event, args.line)
        assert d is not None
        earliest = answer["earliest"]
        since = text(say("w.since", at=earliest), args.lang) if earliest else ""
        left = d.at - status.now
        print(text(say("w.at", at=answer["at"], since=since, rule=d.rule, left=left), args.lang))
    else:
        print(answer["reason"])
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    order = _load(args.file, args.rules)
    status = order.status(_now(args.now))
    if args.json:
        print(
            json.dumps(explain_dict(status, order.rules, args.lang), ensure_ascii=False, indent=2)
        )
    else:
        print(explain(status, order.rules, args.lang))
    return 0


def _cmd_actions(args: argparse.Namespace) -> int:
    order = _load(args.file, args.rules)
    found = order.allowed_actions(_now(args.now), args.actor, include_refused=args.all)
    tz = order.rules.tz
    if args.json:
        print(json.dumps([a.to_dict(tz, args.lang) for a in found], ensure_ascii=False, indent=2))
        return 0
    for actor in ("buyer", "seller", "carrier", "platform"):
        mine = [a for a in found if a.actor == actor]
        if mine:
            print(text(say("a.actor", actor=actor), args.lang))
            for a in mine:
                print(f"  {a.summary(tz, len(order.line_ids) > 1, args.lang)}")
    if not found:
        none = (
            say("a.nobody")
            if args.all or args.actor is None
            else say("a.none_for", actor=args.actor)
        )
        print(text(none, args.lang))
    return 0


def _cmd_mcp(args: argparse.Namespace) -> int:
    try:
        from ._mcp_server import main as serve  # seconds to import: only here
    except ImportError:
        print(
            "tradeclock: the MCP server needs the mcp extra: pip install 'tradeclock[mcp]'",
            file=sys.stderr,
        )
        return 2
    return serve()


def _cmd_diagram(args: argparse.Namespace) -> int:
    from .diagram import dot, mermaid, render

    if args.markdown:
        print(diagrams_markdown(), end="")
        return 0
    rs = _rule_set(args.rules)
    assert rs is not None  # a default
    if args.format in ("mermaid", "dot"):
        text = mermaid(args.graph, rs) + "\n" if args.format == "mermaid" else dot(args.graph, rs)
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        else:
            print(text, end="")
        return 0
    if not args.output:
        raise InvalidInput(f"--format {args.format} writes a file: give -o FILE.{args.format}")
    if not args.output.endswith("." + args.format):
        raise InvalidInput(f"--format {args.format} needs a file ending in .{args.format}")
    print(render(args.graph, args.output, rs))
    return 0


#: The pictures of docs/diagrams.md and the DOT they are drawn from (docs/img/).


def _cmd_timeline(args: argparse.Namespace) -> int:
    order = _load(args.file, args.rules)
    now = _now(args.now)
    if args.plot:
        from .timeline import plot

        print(plot(order, now, args.plot))
        return 0
    return _print_status(args, order, order.status(now))


def _cmd_batch(args: argparse.Namespace) -> int:
    import time

    from . import batch
    from ._time import parse_duration

    sets = _rule_sets(args.rules) or [TAOBAO]
    within = None if args.due_within is None else parse_duration(args.due_within, "--due-within")
    events = batch.read_events(args.events)
    start = time.perf_counter()
    bar = _progress(events)
    try:
        now = _now(args.now)
        out = batch.status(
            events,
            now,
            {rs.name: rs for rs in sets},
            workers=args.workers,
            progress=None if bar is None else bar.update,
            lines=args.lines,
            only=bool(args.rules),
        )
    finally:
        if bar is not None:
            bar.close()
    took = time.perf_counter() - start
    report = batch.summary(out, took)  # of every order, before any filter
    if within is not None:
        out = batch.due(out, now, within)
        report["due_within"] = args.due_within
    report["written"] = out.num_rows
    batch.write_table(out, args.output)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        states = join(
            (
                _say(args, "c.count", what=term("order_short", k, args.lang), n=v)
                for k, v in report["states"].items()
            ),
            args.lang,
        )
        lines = _say(args, "c.batch_lines", n=report["lines"]) if args.lines else ""
        kinds = f" {report['error_kinds']}" if report["errors"] else ""
        print(
            _say(
                args,
                "c.batch",
                orders=report["orders"],
                seconds=report["seconds"],
                rate=report["orders_per_second"],
                errors=report["errors"],
                kinds=kinds,
                lines=lines,
                rows=report["written"],
                output=args.output,
            )
        )
        print(_say(args, "c.line_states" if args.lines else "c.states", states=states))
    return 0


def _progress(events: Any) -> Any:
    """A progress bar on a terminal (stderr), nothing otherwise."""
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    orders = len(set(events.column("order_id").to_pylist()))
    return tqdm(total=orders, unit="orders", file=sys.stderr)


def _cmd_generate(args: argparse.Namespace) -> int:
    from .batch import write_table
    from .generate import events_table

    if args.orders < 0:
        raise InvalidInput(f"--orders must be 0 or more, got {args.orders}")
    table, bad = events_table(args.orders, seed=args.seed, bad_share=args.bad_share)
    write_table(table, args.output)
    facts = {"orders": args.orders, "events": table.num_rows, "output": args.output}
    if args.json:
        print(json.dumps({**facts, "spoiled": sorted(bad)}, ensure_ascii=False))
    else:
        print(_say(args, "c.generated", **facts, spoiled=len(bad)))
    return 0


def _cmd_enqueue(args: argparse.Namespace) -> int:
    from .queue import Queue

    sets = _rule_sets(args.rules)
    with Queue(args.db, {rs.name: rs for rs in sets}) as q:
        for path in args.logs:
            order = _load(path, args.rules, sets)
            added = q.enqueue(order)
            if added == order.version:
                what, key = "queued", "c.enqueued"
            elif added:
                what, key = "appended", "c.appended"
            else:
                what, key = "unchanged", "c.unchanged"
            if args.json:  # one JSON line per log
                line = {"order_id": order.id, "done": what, "added": added}
                print(json.dumps({**line, "version": order.version}, ensure_ascii=False))
            else:
                print(_say(args, key, order=order.id, n=added or order.version))
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    """Sweep the queue until SIGTERM/SIGINT (or once); each recorded event is printed once its
    transaction committed. Between sweeps the worker sleeps until the next deadline (at most
    ``--interval``; on PostgreSQL a new event that brings a deadline closer wakes it). A queue
    that cannot be reached (a database restarting) is retried with a growing pause."""
    import signal
    import time

    from .queue import Queue

    stop: list[int] = []

    def _stop(signum: int, frame: object) -> None:
        stop.append(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sets = _rule_sets(args.rules)
    rules = {rs.name: rs for rs in sets}
    with Queue(args.db, rules, create=args.create, stalled_after=args.stalled_after) as q:
        pause = 0.0  # after a lost connection: 0.1 s, doubling up to 5 s
        while True:
            try:
                q.wait(0)  # listen before the sweep (again after a loss): no write goes unheard
                # a stop ends the sweep after the order in hand: what its batch has done is
                # committed together; each order's records are printed once committed
                swept = _now(args.now)
                done = q.sweep(
                    swept, stop=lambda: bool(stop), each=lambda rs: _print_fired(args, rs)
                )
            except StorageError as exc:
                if args.once:
                    raise
                if not pause:  # said once per outage
                    say = _say(args, "c.unreachable", message=exc.message)
                    print(f"tradeclock: {say}", file=sys.stderr, flush=True)
                pause = min(5.0, pause * 2 or 0.1)
                deadline = time.monotonic() + pause
                while not stop and time.monotonic() < deadline:
                    time.sleep(0.05)
                if stop:
                    return 0
                continue
            if pause:
                back = _say(args, "c.reconnected")
                print(f"tradeclock: {back}", file=sys.stderr, flush=True)
                pause = 0.0
            for f in done.failed:  # kept in the queue and retried; the others fire meanwhile
                if f.attempts == 1:
                    print(
                        "tradeclock: "
                        + _say(args, "c.failed", order=f.order_id, kind=f.kind, message=f.message),
                        file=sys.stderr,
                        flush=True,
                    )
            if args.once or stop:
                return 0
            with contextlib.suppress(StorageError):  # the next sweep says it and retries
                _sleep(q, args, swept, lambda: bool(stop))
            if stop:
                return 0


def _sleep(q: Any, args: argparse.Namespace, swept: datetime, stop: Any) -> None:
    """Until the queue's next deadline after the sweep at ``swept`` (an order still due then is
    one the worker could not judge: it is retried after ``--interval``), at most ``--interval``
    seconds (a fixed ``--now``: the interval), or until a write brings a deadline before the
    planned wake-up (PostgreSQL)."""
    seconds = args.interval
    wake = None
    if args.now is None:
        wall = _now(None)
        nxt = q.next_due(after=swept)
        if nxt is not None:
            seconds = min(seconds, max(0.0, (nxt - wall).total_seconds()))
        wake = wall + timedelta(seconds=seconds)
    q.wait(seconds, stop, before=wake)


def _print_fired(args: argparse.Namespace, records: list[Any]) -> None:
    """One order's records, once committed: a JSON line each with ``--json``, else a sentence."""
    for r in records:
        if args.json:
            record = {
                "order_id": r.order_id,
                "event": r.event,
                "rule": r.rule,
                "fired_at": r.fired_at.isoformat(),
                "processed_at": r.processed_at.isoformat(),
                "line": r.line,
            }
            print(json.dumps(record), flush=True)
            continue
        facts = {
            "order": r.order_id,
            "event": r.event,
            "rule": r.rule,
            "at": r.fired_at.isoformat(),
            "processed": r.processed_at.isoformat(),
        }
        if r.line is None or r.line == r.order_id:
            print(_say(args, "c.fired", **facts), flush=True)
        else:
            print(_say(args, "c.fired_line", **facts, line=r.line), flush=True)


def _cmd_queue(args: argparse.Namespace) -> int:
    from .queue import Queue

    sets = _rule_sets(args.rules)
    with Queue(args.db, {rs.name: rs for rs in sets}, create=False) as q:
        info = q.info()
        failures = q.failures()
        now = None if args.now is None else _now(args.now)
        due = None if now is None else len({d.order_id for d in q.due(now)})
    if args.json:
        out = {
            **info,
            **({} if now is None else {"now": args.now, "due": due}),
            "failures": [
                {**msgspec.structs.asdict(f), "failed_at": f.failed_at.isoformat()}
                for f in failures
            ],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    nxt = info["next_due"] or _say(args, "c.none")
    print(
        _say(
            args,
            "c.queue",
            db=q.name,
            orders=info["orders"],
            fired=info["fired"],
            next=nxt,
            failed=len(failures),
        )
    )
    if now is not None:
        print(_say(args, "c.queue_due", now=args.now, due=due))
    for f in failures:
        since = f.failed_at.strftime("%Y-%m-%d %H:%M")
        print(
            _say(
                args,
                "c.queue_failure",
                order=f.order_id,
                kind=f.kind,
                since=since,
                attempts=f.attempts,
                message=f.message,
            )
        )
    return 0


def _cmd_import_top(args: argparse.Namespace) -> int:
    source = _stdin() if args.file == "-" else Path(args.file)
    trade, refunds = top.read_payload(source)
    log = top.from_trade(trade, refunds, rules=_rule_set(args.rules))
    print(json.dumps(log, ensure_ascii=False, indent=2))
    return 0


def _cmd_check_top(args: argparse.Namespace) -> int:
    rs = _rule_set(args.rules)
    # every payload is judged; one that cannot be read is listed as unjudged, and the run
    # exits 2 naming it (a readable payload that cannot be judged is unjudged, exit 0)
    report: dict[str, list[top.Finding]] = {}
    unread: list[TradeclockError] = []
    now = None if args.now is None else _now(args.now)
    for f in args.files:
        try:
            payload = read_json(Path(f), "TOP payload")
        except TradeclockError as exc:
            unread.append(exc)
            report[f] = [top.Finding(f, "-", "unjudged", None, None, None, None, exc.message)]
            continue
        report[f] = top.check(payload, rules=rs, now=now)
    every = [x for findings in report.values() for x in findings]
    counts, by_rule = top.summary(every), top.by_rule(every)
    if args.json:
        out = {
            "files": {f: [x.to_dict() for x in findings] for f, findings in report.items()},
            "summary": counts,
            "by_rule": by_rule,
        }
        if unread:
            out["error"] = unread[0].to_dict()
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for f, findings in report.items():
            print(f)
            for x in findings:
                print("  " + _finding_line(args, x))
                if x.note:
                    print(f"      {x.note}")
        print(_say(args, "c.verdicts", **counts, n=len(report)))
        for rule_id, n in by_rule.items():
            print(_say(args, "c.rule_verdicts", rule=rule_id, **n))
    if unread:
        more = _say(args, "c.unread_more", n=len(unread) - 1) if len(unread) > 1 else ""
        first = unread[0]
        print(f"tradeclock: {first.kind}: {first.text(args.lang)}{more}", file=sys.stderr)
        return 2
    return 1 if counts["disagree"] else 0


def _finding_line(args: argparse.Namespace, x: top.Finding) -> str:
    if x.verdict == "unjudged":
        return _say(args, "c.unjudged", verdict=x.verdict, subject=x.subject)
    ours = x.tradeclock or _say(args, "c.none")
    if x.event:
        ours += f" ({x.event})"
    return _say(
        args,
        "c.finding",
        verdict=x.verdict,
        subject=x.subject,
        field=x.field,
        platform=x.platform,
        ours=ours,
    )


def _cmd_schema(args: argparse.Namespace) -> int:
    rules = _rule_set(args.rules)
    print(json.dumps(schema(args.name, rules), ensure_ascii=False, indent=2))
    return 0


def _cmd_sources(args: argparse.Namespace) -> int:
    if args.markdown:
        print(sources_markdown(), end="")
        return 0
    if args.id is not None and args.id not in SOURCES:
        raise InvalidInput(f"no source {args.id!r} in the register (known: {', '.join(SOURCES)})")
    chosen = [SOURCES[args.id]] if args.id else list(SOURCES.values())
    cited = cited_by()
    if args.json:
        rows = [
            {**msgspec.structs.asdict(s), "cited_by": sorted({rule for rule, _ in cited[s.id]})}
            for s in chosen
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    zh = args.lang == "zh"
    for s in chosen:
        first, second = (s.title, s.title_en) if zh else (s.title_en, s.title)
        print(_say(args, "c.source", id=s.id, title=first, kind=KINDS[s.kind][1 if zh else 0]))
        if second != first:
            print(_say(args, "c.source_also", title=second))
        url = f"; {s.url}" if s.url else ""
        print(_say(args, "c.source_by", publisher=s.publisher, version=s.version, url=url))
        rules = sorted({rule for rule, _ in cited[s.id]})
        print(_say(args, "c.cited_by", rules=", ".join(rules) or "-"))
    return 0


def _cmd_rules(args: argparse.Namespace) -> int:
    rs = _rule_set(args.name)  # a preset by name, else a rule set file (never guessed)
    assert rs is not None  # a default
    if args.markdown:
        print(rules_markdown(), end="")
    elif args.toml:
        print(rs.to_toml(), end="")
    elif args.json:
        rows = [
            {
                "id": r.id,
                "duration": format_duration_iso(r.duration),
                "earliest": None if r.earliest is None else format_duration_iso(r.earliest),
                "working_days": r.working_days,
                "starts": r.starts,
                "event": r.event,
                "effect": r.effect,
                "stoppable_by": list(r.stoppable_by),
                "source": r.source,
                "confirmed": r.confirmed,
                "checked": None if r.checked is None else r.checked.isoformat(),
                "checked_note": r.checked_note,
                "timer": timer_fields(r),
            }
            for r in rs
        ]
        events = [{"name": e.name, "by": list(e.by), "text": e.text} for e in rs.events.values()]
        print(
            json.dumps(
                {
                    "name": rs.name,
                    "fingerprint": rs.fingerprint,
                    "timezone": rs.timezone,
                    "events": events,
                    "rules": rows,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        lang = args.lang
        zone = zone_words(rs.timezone, lang)
        name = rules_name(rs.name, lang)
        fingerprint = rs.fingerprint
        print(_say(args, "c.rule_set", id=rs.name, name=name, zone=zone, fingerprint=fingerprint))
        for e in rs.events.values():
            by = ", ".join(term("party", p, lang) for p in e.by) or _say(args, "c.anyone")
            print(_say(args, "c.own_event", name=e.name, by=by))
        for r in rs:
            mark = "" if r.confirmed else _say(args, "c.unconfirmed")
            event = r.event or "-"
            print(f"  {r.id:44} {r.value_text():>7}  {event:18}{mark}")
            print(_say(args, "c.rule_source", source=cite(r.source, lang)))
            if r.checked is None:
                key = "c.not_checked_note" if r.checked_note else "c.not_checked"
            else:
                key = "c.checked_note" if r.checked_note else "c.checked"
            print(_say(args, key, day=r.checked, note=checked_words(r, lang)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
