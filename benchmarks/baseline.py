"""The obvious build, for comparison: one ``transitions.Machine`` per order, pendulum arithmetic.

It handles the benchmark's order path (placed, paid, shipped, signed, a return refund the
seller agrees to) the way a hand-written back end would: a new Machine per order with the
library's defaults, pendulum to parse and to add durations, and deadlines computed from the
current state. It is checked to give the same deadlines as tradeclock before it is timed.
"""

from __future__ import annotations

from typing import Any

import chinese_calendar  # type: ignore[import-untyped]
import pendulum
from transitions import Machine

TZ = "Asia/Shanghai"
STATES = ["placed", "paid", "shipped", "signed", "success", "closed"]
TRANSITIONS = [
    {"trigger": "paid", "source": "placed", "dest": "paid"},
    {"trigger": "cancelled", "source": "placed", "dest": "closed"},
    {"trigger": "shipped", "source": "paid", "dest": "shipped"},
    {"trigger": "signed", "source": "shipped", "dest": "signed"},
    {"trigger": "confirmed", "source": ["shipped", "signed"], "dest": "success"},
    {"trigger": "refund_requested", "source": ["paid", "shipped", "signed"], "dest": None},
    {"trigger": "refund_agreed", "source": ["paid", "shipped", "signed"], "dest": None},
]


class BaselineOrder:
    def __init__(self, log: dict[str, Any]) -> None:
        self.id = log["id"]
        self.machine = Machine(model=self, states=STATES, transitions=TRANSITIONS, initial="placed")
        self.refund_state: str | None = None
        self.times: dict[str, pendulum.DateTime] = {}
        self.confirm_left: pendulum.Duration | None = None
        for i, ev in enumerate(log["events"]):
            at = ev["at"] if isinstance(ev["at"], pendulum.DateTime) else pendulum.parse(ev["at"])
            if i == 0:
                self.times["placed"] = at
                continue
            self.trigger(ev["type"])
            self.times[ev["type"]] = at
            if ev["type"] == "refund_requested":
                self.refund_state = "wait_seller_agree"
                self.return_goods = ev.get("return_goods", False)
                confirm = self.times["shipped"].add(days=10)
                self.confirm_left = confirm - at
            elif ev["type"] == "refund_agreed":
                self.refund_state = "wait_buyer_return" if self.return_goods else "success"

    def status(self, now: pendulum.DateTime) -> dict[str, Any]:
        upcoming = []
        if self.state == "placed":
            upcoming.append(("auto_close", self.times["placed"].add(hours=72)))
        if self.state == "paid":
            upcoming.append(("dispatch_due", self.times["paid"].add(hours=48)))
        if self.state in ("shipped", "signed") and self.refund_state is None:
            upcoming.append(("auto_confirm", self.times["shipped"].add(days=10)))
        if self.state == "signed":
            local = self.times["signed"].in_tz(TZ)
            end = local.add(days=1).start_of("day").add(hours=168)
            upcoming.append(("return_window_end", end))
            # the law's window: 7 calendar days from the day after signing, moved past rest days
            last = local.start_of("day").add(days=7)
            while not chinese_calendar.is_workday(last.date()):
                last = last.add(days=1)
            upcoming.append(("legal_return_window_end", last.add(days=1)))
        if self.refund_state == "wait_buyer_return":
            upcoming.append(("refund_close", self.times["refund_agreed"].add(days=7)))
        return {
            "state": self.state,
            "refund": self.refund_state,
            "upcoming": sorted(((e, t) for e, t in upcoming if t > now), key=lambda x: x[1]),
        }
