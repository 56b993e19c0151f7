"""Service clocks for shop staff: what is overdue in a conversation now, and since when.

The same pure shape as an order: messages in, ``now`` in, an answer out; the durations are the
rule table's (``service.greeting`` 15 s, ``service.reply`` 20 s, ``service.complaint_reply``
24 h unless the promise names its hours).

Messages are ``{"type": "buyer_message" | "staff_reply" | "complaint_promised" |
"complaint_answered", "at": ISO-8601, "hours": N}`` (``hours`` only on a promise).

>>> due = service_status([{"type": "buyer_message", "at": "2026-11-11T09:00:00+08:00"}],
...                      "2026-11-11T09:00:30+08:00")
>>> ", ".join(f"{d.clock} overdue={d.overdue}" for d in due)
'greeting overdue=True, reply overdue=True'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import msgspec

from ._errors import InvalidInput
from ._limits import MAX_DAYS, MAX_EVENTS
from ._presets import TAOBAO
from ._rules import RuleSet
from ._time import parse_instant

__all__ = ["ServiceDue", "service_status"]

_TYPES = ("buyer_message", "staff_reply", "complaint_promised", "complaint_answered")


class ServiceDue(msgspec.Struct, frozen=True):
    """One answer staff owe: which clock, due when, and whether it is overdue at ``now``."""

    clock: str
    rule: str
    due: datetime
    overdue: bool
    #: how long it has been overdue at ``now`` (zero when not overdue)
    late_by: timedelta


def service_status(
    messages: Iterable[Mapping[str, Any]], now: datetime | str, rules: RuleSet = TAOBAO
) -> list[ServiceDue]:
    """Every answer still owed at ``now``, sorted by when it was due."""
    t = parse_instant(now, "now")
    parsed = _parse(messages)
    owed: list[tuple[str, str, datetime]] = []
    buyer = [at for kind, at, _ in parsed if kind == "buyer_message" and at <= t]
    replies = [at for kind, at, _ in parsed if kind == "staff_reply" and at <= t]
    if buyer and not any(r >= buyer[0] for r in replies):
        owed.append(
            ("greeting", "service.greeting", rules["service.greeting"].deadline(buyer[0], rules.tz))
        )
    if buyer and not any(r >= buyer[-1] for r in replies):
        # the oldest buyer message after the last reply is the one waiting longest
        last_reply = max(replies, default=None)
        waiting = [b for b in buyer if last_reply is None or b > last_reply]
        owed.append(
            ("reply", "service.reply", rules["service.reply"].deadline(waiting[0], rules.tz))
        )
    answered = [at for kind, at, _ in parsed if kind == "complaint_answered" and at <= t]
    for kind, at, hours in parsed:
        if kind == "complaint_promised" and at <= t and not any(a >= at for a in answered):
            due = (
                at + timedelta(hours=hours)
                if hours is not None
                else rules["service.complaint_reply"].deadline(at, rules.tz)
            )
            owed.append(("complaint", "service.complaint_reply", due))
    return sorted(
        (
            ServiceDue(clock, rule, due, t >= due, max(t - due, timedelta(0)))
            for clock, rule, due in owed
        ),
        key=lambda d: d.due,
    )


def _parse(messages: Iterable[Mapping[str, Any]]) -> list[tuple[str, datetime, int | None]]:
    out: list[tuple[str, datetime, int | None]] = []
    for i, m in enumerate(messages):
        if i >= MAX_EVENTS:
            raise InvalidInput(f"more than {MAX_EVENTS} messages")
        if not isinstance(m, Mapping) or m.get("type") not in _TYPES:
            raise InvalidInput(f"message {i}: type must be one of {', '.join(_TYPES)}")
        unknown = set(m) - {"type", "at", "hours"}
        if unknown or ("hours" in m and m["type"] != "complaint_promised"):
            raise InvalidInput(
                f"message {i}: unknown or misplaced fields {sorted(unknown) or ['hours']}"
            )
        hours = m.get("hours")
        if hours is not None and (
            isinstance(hours, bool) or not isinstance(hours, int) or not 0 < hours <= MAX_DAYS * 24
        ):
            raise InvalidInput(
                f"message {i}: hours must be a whole number from 1 to {MAX_DAYS * 24}"
            )
        at = parse_instant(m.get("at"), f"message {i}.at")
        if out and at < out[-1][1]:
            raise InvalidInput(f"message {i} is earlier than the message before it")
        out.append((m["type"], at, hours))
    return out
