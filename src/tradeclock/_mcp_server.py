"""tradeclock as a Model Context Protocol server (optional extra ``tradeclock[mcp]``).

Imported only by ``tradeclock mcp``: the SDK takes seconds to import. Every tool takes an event
log (the JSON object ``load`` reads) and ``now``; none stores anything. A refused input comes
back as an MCP tool error whose text is the CLI's JSON error,
``{"error": {"kind", "message", "event_index", ...}}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from . import top
from ._errors import InvalidInput, TradeclockError
from ._explain import explain_dict
from ._order import Order, load
from .words import check_lang

__all__ = ["build_server", "main"]

T = TypeVar("T")

INSTRUCTIONS = (
    "tradeclock answers what happens next to a Taobao/Tmall order, and when. Pass the order's "
    "event log ({id, rules, events: [{type, at, ...}]}, times ISO-8601 with an offset) and "
    "`now`. Quote the rule id and source of any deadline you report; use order_explain for "
    "wording in Chinese (lang=zh) or English (lang=en). Holding a Taobao Open Platform trade "
    "and its refunds instead of a log? top_import turns them into one; top_check compares the "
    "platform's own timeouts with the rules."
)


def _guard(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except TradeclockError as err:
        raise ToolError(json.dumps({"error": err.to_dict()}, ensure_ascii=False)) from None


def _now(now: str | None) -> str | datetime:
    return now if now is not None else datetime.now(UTC)  # wall clock ok: an edge, like the CLI


def _order(log: dict[str, Any]) -> Order:
    if not isinstance(log, dict):
        raise InvalidInput("log must be a JSON object: {id, rules, events}")
    return load(log)


def build_server() -> MCPServer:
    """The server and its seven tools."""
    server = MCPServer("tradeclock", instructions=INSTRUCTIONS)

    @server.tool()
    def order_status(log: dict[str, Any], now: str | None = None) -> dict[str, Any]:
        """Where the order stands at `now` (default: the current time): its state, the refund,
        the automatic events that fired, and the upcoming deadlines, each with its rule id, who
        can still stop it and the rule's source. Same JSON as `tradeclock status --json`."""
        return _guard(lambda: _order(log).status(_now(now)).to_dict())

    @server.tool()
    def order_when(
        log: dict[str, Any],
        event: str,
        now: str | None = None,
        line: str | None = None,
        lang: str = "en",
    ) -> dict[str, Any]:
        """When the automatic `event` happens (auto_close, pay_reminder, dispatch_due,
        auto_confirm, auto_refund, auto_agree, refund_close, return_window_end, evidence_due,
        money_arrival, rating_window_end, after_sale_window_end), or why it will not:
        `{event, at, earliest, rule, line, reason}`, `at` null when it will not happen; for
        money_arrival `at` is the latest instant the refunded money arrives and `earliest`
        the first. For a trade of several lines (`placed.lines`), `line` asks about one line
        (its own deadline, or the trade's as a whole). `reason` is in `lang` (en or zh)."""

        def answer() -> dict[str, Any]:
            order = _order(log)
            return order.status(_now(now)).when_dict(event, order.rules, line, lang)

        return _guard(answer)

    @server.tool()
    def order_explain(
        log: dict[str, Any], now: str | None = None, lang: str = "en"
    ) -> dict[str, Any]:
        """A plain-language account of the order at `now` in English (`en`, the default) or in
        Chinese (`zh`, the platform's own terms), with the status it was rendered from."""

        def run() -> dict[str, Any]:
            order = _order(log)
            return explain_dict(order.status(_now(now)), order.rules, lang)

        return _guard(run)

    @server.tool()
    def order_actions(
        log: dict[str, Any],
        now: str | None = None,
        actor: str | None = None,
        include_refused: bool = False,
        lang: str = "en",
    ) -> dict[str, Any]:
        """What each party (buyer, seller, carrier, platform; or only `actor`) may do at `now`,
        and what each action would change: state changes at once, deadlines started and
        stopped. With `include_refused`, also what is not allowed and why (`reason`, in
        `lang`: en or zh)."""

        def run() -> dict[str, Any]:
            check_lang(lang)
            order = _order(log)
            found = order.allowed_actions(_now(now), actor, include_refused)
            return {"actions": [a.to_dict(order.rules.tz, lang) for a in found]}

        return _guard(run)

    @server.tool()
    def simulate(
        log: dict[str, Any], events: list[dict[str, Any]], now: str | None = None
    ) -> dict[str, Any]:
        """What would happen if `events` (hypothetical, in the log's event format) were added:
        the status at `now` before and after. Nothing is stored."""

        def run() -> dict[str, Any]:
            order = _order(log)
            after = order
            for event in events:
                after = after.apply(event)
            t = _now(now)
            return {"before": order.status(t).to_dict(), "after": after.status(t).to_dict()}

        return _guard(run)

    @server.tool()
    def top_import(payload: dict[str, Any], rules: str | None = None) -> dict[str, Any]:
        """The event log of a Taobao Open Platform trade and its refunds: `payload` is
        `{"trade": {...}, "refunds": [{...}]}` as taobao.trade.fullinfo.get and
        taobao.refund.get return them (TOP times `yyyy-MM-dd HH:mm:ss`, read as Asia/Shanghai).
        `rules` names the rule set (default: tmall for a mall seller, else taobao). Pass the
        returned `log` to the order_* tools. Same JSON as `tradeclock import-top`."""

        def run() -> dict[str, Any]:
            trade, refunds = top.read_payload(payload)
            return {"log": top.from_trade(trade, refunds, rules=rules)}

        return _guard(run)

    @server.tool()
    def top_check(
        payload: dict[str, Any], rules: str | None = None, now: str | None = None
    ) -> dict[str, Any]:
        """Compare the platform's own next automatic actions in a TOP payload
        (`timeout_action_time` of the trade and its lines, each refund's
        `refund_remind_timeout`, and the status codes) with tradeclock's: each finding is
        agree, disagree (with tradeclock's instant, the rule, its source and the day it was last
        checked) or unjudged (why). Judged at the payload's latest time unless `now` is given.
        Same findings as `tradeclock check-top --json`."""

        def run() -> dict[str, Any]:
            findings = top.check(payload, rules=rules, now=now)
            return {
                "findings": [f.to_dict() for f in findings],
                "summary": top.summary(findings),
                "by_rule": top.by_rule(findings),
            }

        return _guard(run)

    return server


def main() -> int:
    """Serve over stdio until the client closes the connection."""
    build_server().run("stdio")
    return 0
