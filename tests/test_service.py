"""Service clocks for shop staff (seed 001 篇2 § 一.1: greet within 15 s, answer within 20 s;
seed 003 § 结束语: answer a complaint within the promised hours, 24 h by default)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import t

import tradeclock as tc
from tradeclock.service import service_status


def m(kind: str, when: str, **fields: object) -> dict:
    return {"type": kind, "at": t(when).isoformat(), **fields}


S = timedelta(seconds=1)


@pytest.mark.parametrize("rules", [tc.TAOBAO, tc.TMALL])
def test_greeting_and_reply_due(rules: tc.RuleSet) -> None:
    first = m("buyer_message", "2026-11-11 09:00")
    on_time = service_status([first], t("2026-11-11 09:00") + 14 * S, rules)
    assert [(d.clock, d.due, d.overdue) for d in on_time] == [
        ("greeting", t("2026-11-11 09:00") + 15 * S, False),
        ("reply", t("2026-11-11 09:00") + 20 * S, False),
    ]
    late = service_status([first], t("2026-11-11 09:00") + 25 * S, rules)
    assert [(d.clock, d.overdue, d.late_by) for d in late] == [
        ("greeting", True, 10 * S),
        ("reply", True, 5 * S),
    ]


@pytest.mark.parametrize("rules", [tc.TAOBAO, tc.TMALL])
def test_a_reply_meets_both_and_the_next_message_starts_the_reply_clock(
    rules: tc.RuleSet,
) -> None:
    log = [
        m("buyer_message", "2026-11-11 09:00"),
        {"type": "staff_reply", "at": (t("2026-11-11 09:00") + 10 * S).isoformat()},
        {"type": "buyer_message", "at": (t("2026-11-11 09:00") + 60 * S).isoformat()},
        {"type": "buyer_message", "at": (t("2026-11-11 09:00") + 70 * S).isoformat()},
    ]
    now = t("2026-11-11 09:00") + 85 * S
    (due,) = service_status(log, now, rules)
    assert (due.clock, due.due, due.overdue) == ("reply", t("2026-11-11 09:00") + 80 * S, True)
    assert service_status(log[:2], now, rules) == []


@pytest.mark.parametrize("rules", [tc.TAOBAO, tc.TMALL])
def test_complaint_reply_default_and_promised_hours(rules: tc.RuleSet) -> None:
    promise = m("complaint_promised", "2026-11-11 10:00")
    (d,) = service_status([promise], t("2026-11-12 09:59"), rules)
    assert (d.clock, d.due, d.overdue, d.rule) == (
        "complaint",
        t("2026-11-12 10:00"),
        False,
        "service.complaint_reply",
    )
    (d,) = service_status(
        [m("complaint_promised", "2026-11-11 10:00", hours=4)], t("2026-11-11 15:00")
    )
    assert d.due == t("2026-11-11 14:00") and d.late_by == timedelta(hours=1)
    answered = [promise, m("complaint_answered", "2026-11-11 18:00")]
    assert service_status(answered, t("2026-11-13 00:00"), rules) == []


@pytest.mark.parametrize(
    ("messages", "match"),
    [
        ([{"type": "hello", "at": "2026-11-11T09:00:00+08:00"}], "type must be one of"),
        ([{"type": "buyer_message", "at": "2026-11-11T09:00:00"}], "no UTC offset"),
        ([{"type": "buyer_message", "at": "2026-11-11T09:00:00+08:00", "hours": 2}], "misplaced"),
        ([{"type": "complaint_promised", "at": "2026-11-11T09:00:00+08:00", "hours": 0}], "hours"),
        (
            [
                {"type": "buyer_message", "at": "2026-11-11T09:00:00+08:00"},
                {"type": "staff_reply", "at": "2026-11-11T08:00:00+08:00"},
            ],
            "earlier",
        ),
    ],
)
def test_bad_messages(messages: list, match: str) -> None:
    with pytest.raises(tc.InvalidInput, match=match):
        service_status(messages, "2026-11-11T10:00:00+08:00")
