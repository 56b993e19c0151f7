"""Conformance of Taobao Open Platform (TOP) payloads: the platform's own timeouts and status
codes against tradeclock's (:func:`check`). Public through :mod:`tradeclock.top`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from ._errors import InvalidInput, TradeclockError
from ._order import replay
from ._rules import RuleSet
from ._status import Fired, Status
from ._top_import import NO_REFUND, SHANGHAI, Fields, Importer, parse_top_time, read_payload
from .sources import cite

# --- conformance ------------------------------------------------------------------------------

#: The automatic events that end a refund's waiting step (what ``refund_remind_timeout`` shows).
_REFUND_TIMER_EVENTS = frozenset({"auto_refund", "auto_agree", "refund_close"})


class Finding(msgspec.Struct, frozen=True):
    """One comparison of tradeclock's picture with a platform field."""

    #: what was compared: ``trade 1001``, ``trade 1001 line 2001``, ``refund 3001``
    subject: str
    #: the platform field: ``status``, ``timeout_action_time``, ``refund_remind_timeout``
    field: str
    #: ``agree``, ``disagree`` or ``unjudged``
    verdict: str
    #: the platform's value, as the payload gives it
    platform: str | None
    #: tradeclock's value (a TOP time, or a status code)
    tradeclock: str | None
    #: tradeclock's automatic event and the rule behind its number
    event: str | None
    rule: str | None
    #: the rule's value, source and check date, or why nothing could be judged
    note: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of this finding."""
        return msgspec.structs.asdict(self)


VERDICTS = ("agree", "disagree", "unjudged")


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each verdict: ``{"agree", "disagree", "unjudged"}``."""
    counts = dict.fromkeys(VERDICTS, 0)
    for f in findings:
        counts[f.verdict] += 1
    return counts


def by_rule(findings: Iterable[Finding]) -> dict[str, dict[str, int]]:
    """Per rule behind tradeclock's numbers, how many comparisons agreed and disagreed (sorted
    by rule id): where an audit of many payloads should look first."""
    out: dict[str, dict[str, int]] = {}
    for f in findings:
        if f.rule is not None and f.verdict != "unjudged":
            out.setdefault(f.rule, {"agree": 0, "disagree": 0})[f.verdict] += 1
    return dict(sorted(out.items()))


def _top_time(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


_RESUMES = {
    "remaining": "it had left",
    "absolute": "as if never paused",
    "restart": "of a full new countdown",
}


def _rule_note(rs: RuleSet, rule_id: str) -> str:
    rule = rs[rule_id]
    if rule.checked is not None:
        checked = f"checked {rule.checked}" + (
            f"; {rule.checked_note}" if rule.checked_note else ""
        )
    else:
        checked = rule.checked_note or "not checked"
    resume = f", resumes after a pause with the time {_RESUMES[rule.resume]}" if rule.resume else ""
    return f"{rule_id} = {rule.value_text()}{resume} ({cite(rule.source)}); {checked}"


def check(
    payload: object,
    *,
    rules: RuleSet | str | None = None,
    now: datetime | str | None = None,
) -> list[Finding]:
    """Compare tradeclock's next automatic actions with the platform's own for one payload.

    ``payload`` is what :func:`read_payload` reads. The order is judged at ``now`` (default:
    the latest time in the payload, the last instant it vouches for). A payload that cannot be
    imported gives one ``unjudged`` finding with the reason instead of an error.
    """
    try:
        trade, refunds = read_payload(payload)
        importer = Importer(trade, refunds, rules)
        log = importer.run()
    except TradeclockError as exc:
        subject = "payload"
        if isinstance(payload, str | Path) and not str(payload).lstrip().startswith("{"):
            subject = str(payload)
        return [Finding(subject, "-", "unjudged", None, None, None, None, exc.message)]
    rs = importer.rs
    order = replay(importer.tid, rs, log["events"])
    at = importer.snapshot if now is None else now
    st = order.status(at)
    tid = importer.tid
    findings = [
        _status_finding(f"trade {tid}", "status", trade.get("status"), st.top_status, st, rs)
    ]
    findings += _trade_timeouts(importer, log, st, at)
    findings += _refund_findings(importer, st)
    findings += [_timed_finding(rs, *timed) for timed in importer.timed]
    return findings


def _timed_finding(rs: RuleSet, subject: str, field: str, platform: str, fired: Fired) -> Finding:
    """A step the payload dates, which tradeclock's timer took: at that instant (agree), or
    earlier (the platform took it later than the rule says)."""
    lead = f"tradeclock's {fired.event} fired at {_top_time(fired.at)} by "
    theirs = parse_top_time(platform, field)
    return _instant(subject, field, platform, theirs, fired.at, fired.event, fired.rule, rs, lead)


def _instant(
    subject: str,
    field: str,
    platform: str,
    theirs: datetime,
    ours: datetime,
    event: str,
    rule: str,
    rs: RuleSet,
    lead: str = "",
) -> Finding:
    """The platform's instant against tradeclock's ``event`` at ``ours`` by ``rule``: agree to
    the second, else how far apart (and, for auto-confirm, an extension that would explain it)."""
    gap = ""
    if theirs != ours:
        delta = theirs - ours
        side = "later" if delta > timedelta(0) else "earlier"
        gap = f"the platform's is {_gap(abs(delta))} {side} than tradeclock's; "
        if event == "auto_confirm":
            gap += _extension_hint(rs, delta)
    verdict = "agree" if theirs == ours else "disagree"
    note = gap + lead + _rule_note(rs, rule)
    return Finding(subject, field, verdict, platform, _top_time(ours), event, rule, note)


def _status_finding(
    subject: str, field: str, platform: object, ours: str | None, st: Status, rs: RuleSet
) -> Finding:
    """The platform's status against ours; a difference is explained by what fired."""
    shown = None if platform is None else str(platform)
    if shown == ours:
        return Finding(subject, field, "agree", shown, ours, None, None, "")
    moves = [f for f in st.fired if not rs[f.rule].informational]
    last = moves[-1] if moves else None
    rule = None if last is None else last.rule
    note = (
        f"tradeclock's {last.event} fired at {_top_time(last.at)} by {_rule_note(rs, rule)}"
        if last is not None and rule is not None
        else "no timer explains the difference: the payload's steps disagree with the status"
    )
    return Finding(
        subject, field, "disagree", shown, ours, None if last is None else last.event, rule, note
    )


def _compare(
    subject: str,
    field: str,
    platform: str,
    rs: RuleSet,
    st: Status,
    events: frozenset[str],
) -> Finding:
    """The platform's instant against tradeclock's next event among ``events``."""
    try:
        theirs = parse_top_time(platform, field)
    except InvalidInput as exc:
        return Finding(subject, field, "unjudged", platform, None, None, None, exc.message)
    ours = next((d for d in st.upcoming if d.event in events and not d.informational), None)
    if ours is None:
        done = [f for f in st.fired if f.event in events]
        if done:
            f = done[-1]
            return Finding(
                subject,
                field,
                "disagree",
                platform,
                _top_time(f.at),
                f.event,
                f.rule,
                f"tradeclock's {f.event} already fired at {_top_time(f.at)} by "
                + _rule_note(rs, f.rule),
            )
        why = "; ".join(st.why_not(e) for e in sorted(events))
        return Finding(subject, field, "disagree", platform, None, None, None, why)
    return _instant(subject, field, platform, theirs, ours.at, ours.event, ours.rule, rs)


def _extension_hint(rs: RuleSet, delta: timedelta) -> str:
    """A later auto-confirm that one extension would explain: extensions are not in TOP's
    trade payloads, so the report says which one would make the two agree."""
    fits = []
    for rule_id in ("confirm.seller_extension", "confirm.buyer_extension"):
        rule = rs[rule_id]
        if delta in (rule.choices or (rule.duration,)):
            who = rule_id.split(".")[1].split("_")[0]
            fits.append(f"a {who} extension of {_gap(delta)} ({rule_id})")
    if not fits:
        return ""
    return (
        f"{' or '.join(fits)} would explain it: extensions are not in the payload, log one as "
        "receipt_extended; "
    )


def _gap(delta: timedelta) -> str:
    """``3 days``, ``1 day 2 hours``, ``45 seconds``: days, not weeks (timeouts count days)."""
    rest = int(delta.total_seconds())
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        n, rest = divmod(rest, size)
        if n:
            parts.append(f"{n} {unit}{'s' if n > 1 else ''}")
    return " ".join(parts)


def _trade_timeouts(
    importer: Importer, log: Mapping[str, Any], st: Status, at: datetime | str
) -> list[Finding]:
    rs = importer.rs
    tid = importer.tid
    confirm = frozenset({"auto_confirm"})
    out = []
    platform = importer.trade.obj.get("timeout_action_time")
    if platform not in (None, ""):
        status = importer.trade.obj.get("status")
        out.append(
            _compare(f"trade {tid}", "timeout_action_time", str(platform), rs, st, confirm)
            if status == _SHIPPED
            else _not_shipped(f"trade {tid}", str(platform), status)
        )
    if importer.multi:  # each line against that line's own deadlines
        for line in importer.lines:
            platform = line.obj.get("timeout_action_time")
            if platform in (None, ""):
                continue
            oid = line.ident("oid")
            subject = f"trade {tid} line {oid}"
            status = line.obj.get("status", _SHIPPED)
            if status != _SHIPPED:
                out.append(_not_shipped(subject, str(platform), status))
                continue
            own = _on_line_status(st, oid)
            out.append(_compare(subject, "timeout_action_time", str(platform), rs, own, confirm))
        return out
    # The platform keeps timeouts per line once a refund exists: a line without a refund runs
    # on, unpaused (Trade.timeout_action_time).
    refund_types = {
        "refund_requested",
        "refund_agreed",
        "refund_refused",
        "refund_cancelled",
        "refund_modified",
        "return_shipped",
        "return_received",
        "return_arrived",
    }
    without = [e for e in log["events"] if e["type"] not in refund_types]
    unrefunded = replay(tid, rs, without).status(at)
    for line in importer.lines:
        platform = line.obj.get("timeout_action_time")
        if platform in (None, ""):
            continue
        oid = line.ident("oid")
        refunded = line.obj.get("refund_status") not in NO_REFUND
        status = line.obj.get("status", _SHIPPED)
        if status != _SHIPPED:
            out.append(_not_shipped(f"trade {tid} line {oid}", str(platform), status))
            continue
        out.append(
            _compare(
                f"trade {tid} line {oid}",
                "timeout_action_time",
                str(platform),
                rs,
                st if refunded else unrefunded,
                confirm,
            )
        )
    return out


_SHIPPED = "WAIT_BUYER_CONFIRM_GOODS"


def _not_shipped(subject: str, platform: str, status: object) -> Finding:
    """A timeout on a trade or line that is not waiting for the buyer to confirm: the Open
    Platform defines ``timeout_action_time`` only once the buyer paid and the seller shipped."""
    return Finding(
        subject,
        "timeout_action_time",
        "unjudged",
        platform,
        None,
        None,
        None,
        f"timeout_action_time is defined only while {_SHIPPED} (paid and shipped); "
        f"this one is {status}",
    )


def _on_line_status(st: Status, line: str) -> Status:
    """``st`` as one line of a trade sees it: that line's refund, deadlines and fired events
    (and the trade's own)."""
    x = next(x for x in st.lines if x.id == line)
    return msgspec.structs.replace(
        st,
        state=x.state,
        refund=x.refund,
        top_status=x.top_status,
        top_refund_status=x.top_refund_status,
        upcoming=tuple(d for d in st.upcoming if d.line in (None, line)),
        fired=tuple(f for f in st.fired if f.line in (None, line)),
        auto_confirm_paused_left=x.auto_confirm_paused_left,
        lines=(x,),
    )


def _refund_findings(importer: Importer, st: Status) -> list[Finding]:
    if not importer.multi:
        return _line_refund_findings(importer, importer.refunds, st)
    out = []
    for line in importer.lines:  # a trade of several lines: each line's refunds on their own
        oid = line.ident("oid")
        mine = [r for r in importer.refunds if r.ident("oid") == oid]
        out += _line_refund_findings(importer, mine, _on_line_status(st, oid))
    return out


def _line_refund_findings(importer: Importer, refunds: list[Fields], st: Status) -> list[Finding]:
    rs = importer.rs
    ordered = sorted(refunds, key=lambda r: r.time("created"))
    out = []
    for number, r in enumerate(ordered, start=1):
        rid = r.ident("refund_id")
        subject = f"refund {rid}"
        current = st.refund is not None and st.refund.number == number
        if current:
            out.append(
                _status_finding(
                    subject, "status", r.obj.get("status"), st.top_refund_status, st, rs
                )
            )
        remind = r.obj.get("refund_remind_timeout")
        if remind is None:
            continue
        if not isinstance(remind, Mapping) or not isinstance(remind.get("exist_timeout"), bool):
            out.append(
                Finding(
                    subject,
                    "refund_remind_timeout",
                    "unjudged",
                    json.dumps(remind, ensure_ascii=False),
                    None,
                    None,
                    None,
                    "refund_remind_timeout needs exist_timeout (true or false)",
                )
            )
            continue
        ours = (
            next(
                (d for d in st.upcoming if d.event in _REFUND_TIMER_EVENTS and not d.informational),
                None,
            )
            if current
            else None
        )
        if remind["exist_timeout"]:
            if not isinstance(remind.get("timeout"), str):
                out.append(
                    Finding(
                        subject,
                        "refund_remind_timeout.timeout",
                        "unjudged",
                        None,
                        None,
                        None,
                        None,
                        "exist_timeout is true but 'timeout' is missing",
                    )
                )
            elif current:
                out.append(
                    _compare(
                        subject,
                        "refund_remind_timeout.timeout",
                        str(remind.get("timeout")),
                        rs,
                        st,
                        _REFUND_TIMER_EVENTS,
                    )
                )
            else:
                out.append(
                    Finding(
                        subject,
                        "refund_remind_timeout.timeout",
                        "disagree",
                        str(remind.get("timeout")),
                        None,
                        None,
                        None,
                        "tradeclock: this refund has ended, so no timer runs on it",
                    )
                )
        elif ours is not None:
            out.append(
                Finding(
                    subject,
                    "refund_remind_timeout.exist_timeout",
                    "disagree",
                    "false",
                    _top_time(ours.at),
                    ours.event,
                    ours.rule,
                    "the platform shows no timeout; tradeclock's "
                    f"{ours.event} is due by {_rule_note(rs, ours.rule)}",
                )
            )
        else:
            out.append(
                Finding(
                    subject,
                    "refund_remind_timeout.exist_timeout",
                    "agree",
                    "false",
                    None,
                    None,
                    None,
                    "no refund timer on either side",
                )
            )
    return out
