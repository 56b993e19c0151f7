"""The ``tradeclock`` command: a readable timeline, or the JSON contract with ``--json``.

Exit status 0 on success, 2 on bad input (with ``--json`` the error is printed on stdout as
``{"error": {"kind", "message", "event_index", ...}}``; a one-line message goes to stderr
always; never a traceback). Only this module reads the wall clock, when ``--now`` is omitted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import top
from ._errors import InvalidInput, TradeclockError, storage_error
from ._events import AutoEvent
from ._explain import LANGS, explain, explain_dict, stop_words
from ._input import read_json
from ._order import Order, load
from ._rules import (
    AMOUNT_RULES,
    CHECKED_ON,
    CONSTRAINTS,
    LATE_SHIPMENT,
    PRESETS,
    Rule,
    RuleRegistry,
    RuleSet,
    get_rules,
    load_rules,
)
from ._schema import SCHEMAS, schema
from ._status import Status
from ._time import format_duration_iso, format_short
from .sources import KINDS, SOURCES, citations, cite
from .words import TERMS, join, rules_name, say, term, text, zone

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
    _lang(p)
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
    _lang(w)
    w.set_defaults(func=_cmd_when)

    x = sub.add_parser("explain", help="where the order stands and what comes next, in words")
    _common(x)
    x.add_argument("--lang", choices=LANGS, default="zh", help="zh (default) or en")
    x.set_defaults(func=_cmd_explain)

    a = sub.add_parser("actions", help="what each party may do now, and what it would change")
    _common(a)
    a.add_argument(
        "--actor",
        choices=["buyer", "seller", "carrier", "platform"],
        help="only this party's actions",
    )
    a.add_argument("--all", action="store_true", help="also the actions not allowed now, and why")
    _lang(a)
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
    so.add_argument("--json", action="store_true", help="as JSON")
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
    _lang(t)
    t.set_defaults(func=_cmd_timeline)

    b = sub.add_parser("batch", help="status of every order of an event table (Parquet, CSV)")
    b.add_argument(
        "events", metavar="EVENTS", help="event table: .parquet or .csv, one row per event"
    )
    b.add_argument("--now", help="ISO-8601 instant with offset (default: the current time)")
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
        default="taobao",
        help=_RULES_HELP + " (default taobao; rows naming none are judged by it)",
    )
    b.add_argument("--json", action="store_true", help="print the summary as JSON")
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

    q = sub.add_parser("enqueue", help="store event logs in a due-queue file (SQLite)")
    q.add_argument("logs", metavar="FILE", nargs="+", help="event logs (JSON)")
    q.add_argument("--db", required=True, help="the queue's SQLite file (created if missing)")
    _rules_flag(q)
    q.set_defaults(func=_cmd_enqueue)

    k = sub.add_parser("worker", help="fire due automatic events from a queue file, in a loop")
    k.add_argument("--db", required=True, help="the queue's SQLite file")
    k.add_argument("--create", action="store_true", help="create the queue file if missing")
    k.add_argument("--interval", type=float, default=1.0, help="seconds between sweeps")
    k.add_argument("--once", action="store_true", help="one sweep, then exit")
    k.add_argument("--now", help="sweep as of this instant (default: the current time)")
    _rules_flag(k)
    k.set_defaults(func=_cmd_worker)

    qs = sub.add_parser("queue", help="what a queue file holds: orders, next deadline, failures")
    qs.add_argument("--db", required=True, help="the queue's SQLite file")
    qs.add_argument("--json", action="store_true", help="print JSON")
    _rules_flag(qs)
    qs.set_defaults(func=_cmd_queue)

    r = sub.add_parser("rules", help="print a rule set's table (durations and sources)")
    r.add_argument(
        "name", nargs="?", default="taobao", help=f"preset ({', '.join(PRESETS)}) or a TOML file"
    )
    r.add_argument("--toml", action="store_true", help="print it as TOML (loadable by --rules)")
    r.add_argument("--json", action="store_true", help="print it as JSON")
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
    c.add_argument("--now", help="judge at this instant (default: each payload's latest time)")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.set_defaults(func=_cmd_check_top)
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
    p.add_argument("--now", help="ISO-8601 instant with offset (default: the current time)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _rules_flag(p)


def _stdin() -> bytes:
    """Standard input as bytes: always the document itself, never a path."""
    raw = getattr(sys.stdin, "buffer", None)  # a text stream stands in for it in tests
    return raw.read() if raw is not None else sys.stdin.read().encode("utf-8")


def _lang(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=LANGS, default="en", help="en (default) or zh: the text")


def _now(value: str | None) -> datetime | str:
    if value is None:
        return datetime.now(UTC)  # wall clock ok: the CLI is the one place that reads it
    return value


def _rule_set(value: str | None) -> RuleSet | None:
    """``--rules NAME|TOML``: a preset by name, else a rule set file (never guessed)."""
    if value is None:
        return None
    return PRESETS[value] if value in PRESETS else load_rules(Path(value))


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
    status = order.status(_now(args.now))
    if args.json:
        print(json.dumps(status.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_timeline(order, status, args.lang))
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
DIAGRAM_FILES = {graph: f"img/diagram-{graph}" for graph in ("order", "refund")}


def diagrams_markdown() -> str:
    """docs/diagrams.md: both state graphs as pictures drawn by Graphviz from the machine
    definition (docs/img/diagram-*.dot, rendered to .svg; a test keeps both current)."""
    out = [
        "# State diagrams",
        "",
        "Drawn by Graphviz from the machine definition (transitions' `GraphMachine` with its",
        "Graphviz engine), timers labelled with the `taobao` durations; Tmall differs only in",
        "`dispatch_due`, see the [rules reference](rules.md). An arrow is an event that moves",
        "the order or the refund to another state; the events listed in a state's box keep it",
        "there. Automatic events carry their timers' durations (`/` between the variants, e.g.",
        "express and surface mail). The guards the engine checks are in the text forms:",
        "`tradeclock diagram refund` (Mermaid) or `--format dot`; `tradeclock diagram refund",
        "--format svg -o refund.svg` draws the picture (Graphviz's `dot` program needed).",
        "",
        "Generated by `tradeclock diagram --markdown`; the pictures from",
        "`docs/img/diagram-order.dot` and `diagram-refund.dot`, which a test compares with the",
        "code.",
        "",
    ]
    for graph, title in (("order", "Order states"), ("refund", "Refund states")):
        picture = f"{DIAGRAM_FILES[graph]}.svg"
        # the picture links to itself: open it full size
        out += [
            f"## {title}",
            "",
            f"[![{title}: the {graph} state graph]({picture})]({picture})",
            "",
        ]
    return "\n".join(out)


def _cmd_timeline(args: argparse.Namespace) -> int:
    order = _load(args.file, args.rules)
    now = _now(args.now)
    if args.plot:
        from .timeline import plot

        print(plot(order, now, args.plot))
        return 0
    status = order.status(now)
    if args.json:
        print(json.dumps(status.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_timeline(order, status, args.lang))
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    import time

    from . import batch
    from ._time import parse_duration

    rules = _rule_set(args.rules)
    assert rules is not None  # a default
    within = None if args.due_within is None else parse_duration(args.due_within, "--due-within")
    events = batch.read_events(args.events)
    start = time.perf_counter()
    bar = _progress(events)
    try:
        now = _now(args.now)
        out = batch.status(
            events,
            now,
            {rules.name: rules},
            workers=args.workers,
            progress=None if bar is None else bar.update,
            lines=args.lines,
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
        states = ", ".join(f"{k} {v}" for k, v in report["states"].items())
        print(
            f"{report['orders']} orders in {report['seconds']} s "
            f"({report['orders_per_second']} orders/s); errors {report['errors']}"
            + (f" {report['error_kinds']}" if report["errors"] else "")
            + (f"; {report['lines']} lines" if args.lines else "")
            + f"; {report['written']} rows -> {args.output}"
        )
        print(f"{'line states' if args.lines else 'states'}: {states}")
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
    print(f"{args.orders} orders, {table.num_rows} events -> {args.output} ({len(bad)} spoiled)")
    return 0


def _cmd_enqueue(args: argparse.Namespace) -> int:
    from .queue import Queue

    sets = _rule_sets(args.rules)
    with Queue(args.db, {rs.name: rs for rs in sets}) as q:
        for path in args.logs:
            order = _load(path, args.rules, sets)
            added = q.enqueue(order)
            if added == len(order.events):
                print(f"{order.id}: {added} events")
            elif added:
                print(f"{order.id}: already queued; {added} new events appended")
            else:
                print(f"{order.id}: already queued with these {len(order.events)} events")
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    """Sweep the queue until SIGTERM/SIGINT (or once); each recorded event is a JSON line."""
    import signal
    import time

    from .queue import Queue

    stop = []

    def _stop(signum: int, frame: object) -> None:
        stop.append(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sets = _rule_sets(args.rules)
    with Queue(args.db, {rs.name: rs for rs in sets}, create=args.create) as q:
        while True:
            # a stop ends the sweep after the order in hand: its transaction is whole; each
            # order's records are printed once committed
            done = q.sweep(_now(args.now), stop=lambda: bool(stop), each=_print_fired)
            for f in done.failed:  # kept in the queue and retried; the others fire meanwhile
                if f.attempts == 1:
                    print(
                        f"tradeclock: order {f.order_id} failed ({f.kind}), kept and retried: "
                        f"{f.message}",
                        file=sys.stderr,
                        flush=True,
                    )
            if args.once or stop:
                return 0
            deadline = time.monotonic() + args.interval
            while not stop and time.monotonic() < deadline:
                time.sleep(min(0.1, args.interval))
            if stop:
                return 0


def _print_fired(records: list[Any]) -> None:
    for r in records:
        record = {
            "order_id": r.order_id,
            "event": r.event,
            "rule": r.rule,
            "fired_at": r.fired_at.isoformat(),
            "processed_at": r.processed_at.isoformat(),
            "line": r.line,
        }
        print(json.dumps(record), flush=True)


def _cmd_queue(args: argparse.Namespace) -> int:
    from .queue import Queue

    sets = _rule_sets(args.rules)
    with Queue(args.db, {rs.name: rs for rs in sets}, create=False) as q:
        info = q.info()
        failures = q.failures()
    if args.json:
        out = {
            **info,
            "failures": [{**f._asdict(), "failed_at": f.failed_at.isoformat()} for f in failures],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    nxt = info["next_due"] or "none"
    print(
        f"{args.db}: {info['orders']} orders, {info['fired']} automatic events recorded, "
        f"next due {nxt}, {len(failures)} failed"
    )
    for f in failures:
        print(
            f"  {f.order_id}: {f.kind} since {f.failed_at.strftime('%Y-%m-%d %H:%M')} "
            f"({f.attempts} attempts): {f.message}"
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
    for f in args.files:
        try:
            payload = read_json(Path(f), "TOP payload")
        except TradeclockError as exc:
            unread.append(exc)
            report[f] = [top.Finding(f, "-", "unjudged", None, None, None, None, exc.message)]
            continue
        report[f] = top.check(payload, rules=rs, now=args.now)
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
                print("  " + _finding_line(x))
                if x.note:
                    print(f"      {x.note}")
        print(
            f"{counts['agree']} agree, {counts['disagree']} disagree, "
            f"{counts['unjudged']} unjudged, in {len(report)} payloads"
        )
        for rule_id, n in by_rule.items():
            print(f"  {rule_id}: {n['agree']} agree, {n['disagree']} disagree")
    if unread:
        more = f" (and {len(unread) - 1} more unreadable)" if len(unread) > 1 else ""
        print(f"tradeclock: {unread[0].kind}: {unread[0].message}{more}", file=sys.stderr)
        return 2
    return 1 if counts["disagree"] else 0


def _finding_line(x: top.Finding) -> str:
    if x.verdict == "unjudged":
        return f"unjudged  {x.subject}"
    ours = x.tradeclock or "none"
    if x.event:
        ours += f" ({x.event})"
    return f"{x.verdict:9} {x.subject} {x.field}: platform {x.platform}, tradeclock {ours}"


def _cmd_schema(args: argparse.Namespace) -> int:
    rules = _rule_set(args.rules)
    print(json.dumps(schema(args.name, rules), ensure_ascii=False, indent=2))
    return 0


def _cited_by() -> dict[str, list[tuple[str, str]]]:
    """Per source id, the (rule id, where) pairs that cite it, over every preset and table."""
    rows: list[tuple[str, str]] = []
    for rs in PRESETS.values():
        rows += [(r.id, r.source) for r in rs]
    rows += [(c.id, c.source) for c in CONSTRAINTS.values()]
    rows += [(a.id, a.source) for a in AMOUNT_RULES.values()]
    rows += [(c.id, c.source) for versions in LATE_SHIPMENT.values() for c in versions]
    out: dict[str, list[tuple[str, str]]] = {sid: [] for sid in SOURCES}
    for rule_id, source in rows:
        for c in citations(source) or ():
            if (rule_id, c.where) not in out[c.source]:
                out[c.source].append((rule_id, c.where))
    return out


def _cmd_sources(args: argparse.Namespace) -> int:
    if args.markdown:
        print(sources_markdown(), end="")
        return 0
    if args.id is not None and args.id not in SOURCES:
        raise InvalidInput(f"no source {args.id!r} in the register (known: {', '.join(SOURCES)})")
    chosen = [SOURCES[args.id]] if args.id else list(SOURCES.values())
    cited = _cited_by()
    if args.json:
        rows = [
            {**s._asdict(), "cited_by": sorted({rule for rule, _ in cited[s.id]})} for s in chosen
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for s in chosen:
        print(f"{s.id}: {s.title_en} ({KINDS[s.kind][0]})")
        if s.title != s.title_en:
            print(f"    {s.title}")
        print(f"    {s.publisher}; {s.version}" + (f"; {s.url}" if s.url else ""))
        rules = sorted({rule for rule, _ in cited[s.id]})
        print(f"    cited by: {', '.join(rules) or '-'}")
    return 0


def sources_markdown() -> str:
    """The Markdown of docs/sources.md: the source register, from :data:`tradeclock.sources.SOURCES`
    and the rules that cite each source."""
    cited = _cited_by()
    lines = [
        "# Sources",
        "",
        "Every rule's `source` cites this register: one or more citations separated by `; `, "
        "each a",
        "source id, where in the source (`§` a section, `art.` an article, or a field of the",
        "Open Platform), and a note in parentheses. `tradeclock status`, `explain` and `rules`",
        "print the source's title in the reader's language",
        "(`zh`: 《淘宝平台争议处理规则》第四十三条; `en`: Taobao dispute rules art. 43);",
        "JSON keeps the ids. `tradeclock sources [ID]`",
        "prints this register. A shop's own rule may cite anything; its text is shown as written.",
        "",
        "Generated from `tradeclock.sources` by `tradeclock sources --markdown`; a test fails when",
        "this page and the register differ.",
        "",
        "| id | what it is | title | version |",
        "|---|---|---|---|",
    ]
    for s in SOURCES.values():
        lines.append(f"| [`{s.id}`](#{s.id}) | {KINDS[s.kind][0]} | {s.title} | {s.version} |")
    for s in SOURCES.values():
        lines += ["", f"## {s.id}", ""]
        lines.append(f"**{s.title}**" + (f" ({s.title_en})" if s.title_en != s.title else ""))
        lines += [
            "",
            f"- What it is: {KINDS[s.kind][0]} ({KINDS[s.kind][1]})",
            f"- Publisher: {s.publisher}",
            f"- Date or version: {s.version}",
            "- Where: " + (f"<{s.url}>" if s.url else "no public address is known"),
            f"- Cited in output as: {s.short_zh} (zh), {s.short_en} (en)",
        ]
        rows = cited[s.id]
        if rows:
            by_rule: dict[str, list[str]] = {}
            for rule_id, where in rows:
                places = by_rule.setdefault(rule_id, [])
                if where and where not in places:
                    places.append(where)
            cites = ", ".join(
                f"`{rule}`" + (f" ({'; '.join(w)})" if w else "") for rule, w in by_rule.items()
            )
            lines.append(f"- Cited by: {cites}")
    return "\n".join(lines) + "\n"


def _cmd_rules(args: argparse.Namespace) -> int:
    name: str = args.name
    rs = load_rules(name) if name.endswith(".toml") else get_rules(name)
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
                "timer": _timer_fields(r),
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
        print(f"Rule set {rs.name} (times in {rs.timezone}), fingerprint {rs.fingerprint}")
        for e in rs.events.values():
            print(f"  its own event {e.name} (recorded by {', '.join(e.by) or 'anyone'})")
        for r in rs:
            mark = "" if r.confirmed else "  [unconfirmed]"
            event = r.event or "-"
            print(f"  {r.id:44} {r.value_text():>7}  {event:18}{mark}")
            print(f"      source: {cite(r.source)}")
            checked = "not checked" if r.checked is None else f"checked {r.checked}"
            print(f"      {checked}: {r.checked_note}" if r.checked_note else f"      {checked}")
    return 0


def _timer_fields(r: Rule) -> dict[str, Any] | None:
    """How a timer runs, as the rule table declares it (``None``: no timer the engine runs)."""
    if not r.start_on:
        return None
    return {
        "scope": r.scope,
        "starts_on": list(r.start_on),
        "when": dict(r.when),
        "runs_in": list(r.runs_in),
        "stops_on": list(r.stop_on),
        "paused_by_open_refund": r.resume is not None,
        "resume": r.resume,
        "once": r.once,
        "anchor": r.anchor.value,
    }


def _how_it_runs(rule: Rule) -> list[str]:
    """The rules reference's lines on how the engine runs one timer."""
    if not rule.start_on:
        return ["- How it runs: not a timer of the engine (read by the status and its queries)"]
    anchor = rule.anchor.value
    if rule.extends_over_rest_days:
        anchor += "; a last day on a rest day moves past it"
    if rule.duration_from:
        anchor += f"; the starting event's `{rule.duration_from}` replaces the duration"
    if rule.only_before:
        anchor += f"; only if due before `{rule.only_before}`"
    return [
        f"- Scope: {rule.scope}" + ("; runs once" if rule.once else ""),
        "- Starts on: " + ", ".join(f"`{x}`" for x in rule.start_on),
        *(
            [f"- Variant when: {', '.join(f'{k} = {v}' for k, v in rule.when)}"]
            if rule.when
            else []
        ),
        f"- Runs in: {', '.join(rule.runs_in) or 'any state'}",
        f"- Stops on: {', '.join(f'`{x}`' for x in rule.stop_on) or '-'}",
        "- An open refund: " + (f"pauses it; it resumes {rule.resume}" if rule.resume else "-"),
        f"- Counted from: {anchor}",
    ]


def _source_ids(text: str) -> str:
    """A source text's register ids, each a link to its entry (a shop's own text as it is)."""
    found = citations(text)
    if found is None:
        return text
    return ", ".join(
        f"[`{sid}`](sources.md#{sid})" for sid in dict.fromkeys(c.source for c in found)
    )


def rules_markdown() -> str:
    """The rules reference (docs/rules.md), generated from the preset tables: an overview that
    fits a page, then one section per rule."""
    presets = list(PRESETS.values())
    lines = [
        "# Rules reference",
        "",
        "Generated from the rule tables by `tradeclock rules --markdown`; a test fails when this",
        "page and the tables differ. Durations are in words, with the ISO-8601 value the rule",
        "tables and TOML files use (`P2D` = 2 days, `PT72H` = 72 hours); a window runs from its",
        "earliest to its latest value, and working days count days on the rule set's calendar",
        "([working days](workdays.md), [money arrival](money.md)). Values marked *unconfirmed*",
        "come from no reachable source: they are kept, configurable, and flagged here. Times are",
        f"reckoned in each rule set's zone ({', '.join(sorted({p.timezone for p in presets}))}).",
        f"Every preset value was last compared with its sources on {CHECKED_ON}; sources are",
        "cited by their id in the [source register](sources.md)",
        "(each rule's `checked` date and `checked_note`; `tradeclock check-top` shows them).",
        "The engine has no code per timer: it reads how each one runs from its entry (below),",
        "and a new timer is a new entry. Fingerprints: "
        + ", ".join(f"{p.name} `{p.fingerprint}`" for p in presets)
        + ".",
        "",
        "## Overview",
        "",
        "| rule | " + " | ".join(p.name for p in presets) + " | sources |",
        "|---|" + "---|" * len(presets) + "---|",
    ]
    for rule in presets[0]:
        cells = []
        for p in presets:
            r = p[rule.id]
            mark = "" if r.confirmed else " *unconfirmed*"
            cells.append(f"{r.value_words()}{mark}<br>`{r.value_text()}`")
        ids = _source_ids("; ".join(p[rule.id].source for p in presets))
        lines.append(
            f"| [`{rule.id}`](#{rule.id.replace('.', '')}) | {' | '.join(cells)} | {ids} |"
        )
    lines += ["", "## Timers", ""]
    for rule in presets[0]:
        what = f"`{rule.event}`: {rule.effect}" if rule.event else rule.effect
        if rule.informational:
            what += " (informational)"
        who = ", ".join(rule.stoppable_by)
        how = (
            f"{who}: {rule.stopped_how}"
            if who and rule.stopped_how
            else (who or rule.stopped_how or "-")
        )
        values = "; ".join(
            f"{p.name} {p[rule.id].value_words()} (`{p[rule.id].value_text()}`)"
            + ("" if p[rule.id].confirmed else ", *unconfirmed*")
            for p in presets
        )
        lines += [f"### {rule.id}", "", f"- Value: {values}", f"- Starts at: {rule.starts}"]
        lines += [f"- At expiry: {what}", f"- Stopped by: {how}"]
        for source in dict.fromkeys(p[rule.id].source for p in presets):
            names = [p.name for p in presets if p[rule.id].source == source]
            whose = "" if len(names) == len(presets) else f" ({', '.join(names)})"
            lines.append(f"- Source{whose}: {cite(source)} [{_source_ids(source)}]")
        lines += _how_it_runs(rule)
        lines += [f"- Checked: {rule.checked}; {rule.checked_note}", ""]
    lines += [
        "## Amount rules",
        "",
        "| id | amount (yuan) | rule | source |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{a.id}` | {a.amount} | {a.text} | {cite(a.source)} [{_source_ids(a.source)}] |"
        for a in AMOUNT_RULES.values()
    ]
    lines += [
        "",
        "## Rules between timers",
        "",
        "Constraints that can refuse an event; errors name them by id.",
        "",
        "| id | rule | source |",
        "|---|---|---|",
    ]
    lines += [
        f"| `{c.id}` | {c.text} | {cite(c.source)} [{_source_ids(c.source)}] |"
        for c in CONSTRAINTS.values()
    ]
    return "\n".join(lines) + "\n"


def render_timeline(order: Order, status: Status, lang: str = "en") -> str:
    """The human-readable timeline the ``status`` command prints, in ``lang``."""

    def t(key: str, **args: Any) -> str:
        return text(say(key, **args), lang)

    rs = order.rules
    tz = rs.tz
    now = status.now
    head = t(
        "t.head",
        id=order.id,
        rules=rules_name(rs.name, lang),
        zone=zone(rs.timezone, lang),
        now=format_short(now, tz),
    )
    state = t("t.state", state=status.state)
    if status.amount:
        state += t("t.amount", amount=status.amount)
    if status.refunded:
        state += t("t.refunded", amount=status.refunded)
    lines = [head, state]
    several = len(status.lines) > 1
    for x in status.lines if several else ():  # a trade: each line's own state and refund
        line = t("t.line", id=x.id, state=x.state)
        if x.amount is not None:
            line += t("t.line_amount", amount=x.amount)
        if x.refund is not None:
            line += t("t.line_refund", n=x.refund.number, state=x.refund.state)
        lines.append(line)
    r = status.refund
    if r is not None and not several:
        amount = str(r.amount) if r.amount is not None else t("t.full")
        kind = "return" if r.return_goods else "only"
        lines.append(
            t("t.refund", n=r.number, state=r.state, kind=kind, reason=r.reason, amount=amount)
        )
    lines += ["", t("t.history")]
    rows: list[tuple[datetime, int, str]] = []
    later = 0
    for ev in order.events:
        if ev.at > now:
            later += 1
            continue
        what = term("event", ev.type, lang)
        details = []
        if ev.method is not None:
            details.append(term("method", ev.method, lang))
        elif ev.type == "refund_requested":
            details.append(term("kind", "return" if ev.return_goods else "only", lang))
            details.append(term("reason", ev.reason, lang))
        if details:
            what += f" ({join(details, lang)})" if lang == "en" else f"（{join(details, lang)}）"
        if several and ev.line is not None:
            what += t("t.on_line", line=ev.line)
        elif several and ev.lines is not None and ev.type != "placed":
            what += t("t.on_lines", lines=join((x.id for x in ev.lines), lang))
        rows.append((ev.at, 1, what))
    for f in status.fired:
        on = t("t.on_line", line=f.line) if several and f.line is not None else ""
        rows.append((f.at, 0, t("t.auto", what=f.event, rule=f.rule) + on))
    for at, _, what in sorted(rows, key=lambda row: (row[0], row[1])):
        lines.append(f"  {format_short(at, tz)}  {what}")
    if later:
        lines.append(t("t.later", n=later))
    lines += ["", t("t.upcoming") if status.upcoming else t("t.upcoming_none")]
    for d in status.upcoming:
        on = t("t.on_line", line=d.line) if several and d.line is not None else ""
        due = format_short(d.at, tz)
        lines.append(t("t.item", at=due, what=d.event, left=d.at - now, rule=d.rule) + on)
        own = lang == "en" or d.event not in TERMS["auto_long"]  # a shop's timer: its words
        lines.append(t("t.then", effect=d.effect if own else term("auto_long", d.event, lang)))
        how = stop_words(d.rule, rs, lang) if d.stoppable_by else ""
        lines.append(t("t.stop", how=how) if how else t("t.nobody"))
        if d.earliest is not None and d.earliest != d.at:
            lines.append(t("t.window", earliest=format_short(d.earliest, tz)))
        if d.approximate:
            lines.append(t("t.approximate"))
        lines.append(t("t.source", source=cite(d.source, lang)))
    if status.auto_confirm_paused_left is not None:
        lines += ["", t("t.paused", left=status.auto_confirm_paused_left)]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
