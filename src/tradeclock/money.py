"""When refunded money arrives, by payment channel, counted on the working-day calendar.

The rules (``money.*`` in every rule table; cs-lifecycle § 四.常見問題.3-5):

* paid from the Alipay balance or by online banking: back in the Alipay balance at once;
* paid by credit card, bank not given: within about 3 days;
* a Bank of China credit card: 5-10 working days; another bank's credit card: 2-3 working days;
* a withdrawal from the Alipay balance to a bank card: 2-3 working days (:func:`withdrawal`).

Counting working days: the money is *processed* on the day it is paid out (local time of the
rule set) if that is a working day and it was paid out before ``money.processing_cutoff`` after
midnight (24 h, i.e. no cut-off, unless a rule set says otherwise); otherwise on the next working
day. "2-3 working days" then means from 00:00 of the 2nd working day after the processing day to
24:00 of the 3rd.

>>> a = money_arrival("credit_card", "2025-09-30T10:00:00+08:00", bank="icbc")
>>> [t.isoformat() for t in (a.earliest, a.latest)], a.rule
(['2025-10-10T00:00:00+08:00', '2025-10-12T00:00:00+08:00'], 'money.credit_card.other_bank')
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import msgspec

from ._errors import InvalidInput
from ._events import Channel
from ._presets import TAOBAO
from ._rules import RuleSet
from ._time import parse_instant
from .workdays import Calendar, add_working_days, approximating, is_official

__all__ = ["Arrival", "arrival", "arrival_rule", "money_arrival", "withdrawal"]

_ONE_DAY = timedelta(days=1)
#: credit-card banks with their own arrival rule (any other bank: ``other_bank``)
BANK_RULES = {"boc": "money.credit_card.boc"}


class Arrival(msgspec.Struct, frozen=True):
    """When money arrives: not before ``earliest``, at the latest by ``latest``."""

    earliest: datetime
    latest: datetime
    rule: str
    #: a day counted came from an approximation (a year the calendar has no data for)
    approximate: bool


def arrival_rule(channel: str | None, bank: str | None = None) -> str | None:
    """The ``money.*`` rule for a payment ``channel`` (and a credit card's ``bank``);
    ``None`` when the channel is not known."""
    if channel is None:
        return None
    if channel == Channel.CREDIT_CARD:
        if bank is None:
            return "money.credit_card"
        return BANK_RULES.get(bank, "money.credit_card.other_bank")
    if bank is not None:
        raise InvalidInput(
            f"a bank ({bank!r}) is given only with channel credit_card, not {channel!r}",
            rule="money.credit_card",
        )
    if channel in (Channel.ALIPAY_BALANCE, Channel.ONLINE_BANKING):
        return "money.alipay_balance"
    allowed = ", ".join(c.value for c in Channel)
    raise InvalidInput(f"unknown payment channel {channel!r} (allowed: {allowed})")


def arrival(rules: RuleSet, rule_id: str, at: datetime, *, approximate: bool = False) -> Arrival:
    """The arrival window of money paid out at ``at`` under rule ``rule_id``, in the rule
    set's zone.

    Working-day rules count on ``rules.calendar``; a year it has no data for raises
    :class:`tradeclock.workdays.CalendarDataMissing` unless ``approximate`` (weekends only,
    and the result says ``approximate=True``).
    """
    rule = rules[rule_id]
    if rule.earliest is None:
        raise InvalidInput(f"{rule_id} is not a money-arrival window", rule=rule_id)
    tz = rules.tz
    if not rule.working_days:
        return Arrival(
            (at + rule.earliest).astimezone(tz), (at + rule.duration).astimezone(tz), rule_id, False
        )
    cal: Calendar = approximating(rules.calendar) if approximate else rules.calendar
    local = at.astimezone(tz)
    day = local.date()
    since_midnight = local - datetime.combine(day, time(0), tzinfo=tz)
    cutoff = rules["money.processing_cutoff"].duration
    approx = not is_official(cal, day)
    if cal.is_working_day(day) and since_midnight < cutoff:
        processing = day
    else:
        nxt = add_working_days(cal, day, 1)
        processing, approx = nxt.day, approx or nxt.approximate

    def start_of(d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=tz)

    first, a1 = _nth(cal, processing, rule.earliest.days)
    last, a2 = _nth(cal, processing, rule.duration.days)
    earliest = start_of(first) if first != processing else max(local, start_of(processing))
    return Arrival(earliest, start_of(last + _ONE_DAY), rule_id, approx or a1 or a2)


def _nth(cal: Calendar, processing: date, n: int) -> tuple[date, bool]:
    if n == 0:
        return processing, False
    found = add_working_days(cal, processing, n)
    return found.day, found.approximate


def money_arrival(
    channel: str,
    at: datetime | str,
    *,
    bank: str | None = None,
    rules: RuleSet = TAOBAO,
    approximate: bool = False,
) -> Arrival:
    """When a refund paid out at ``at`` reaches a buyer who paid by ``channel``.

    ``channel`` is ``alipay_balance``, ``online_banking`` or ``credit_card`` (with the card's
    ``bank``, e.g. ``"boc"``); see the module text for the counting.
    """
    rule_id = arrival_rule(channel, bank)
    assert rule_id is not None
    return arrival(rules, rule_id, parse_instant(at, "at"), approximate=approximate)


def withdrawal(
    at: datetime | str, *, rules: RuleSet = TAOBAO, approximate: bool = False
) -> Arrival:
    """When a withdrawal from the Alipay balance to a bank card, made at ``at``, arrives
    (rule ``money.withdrawal``: 2-3 working days)."""
    return arrival(rules, "money.withdrawal", parse_instant(at, "at"), approximate=approximate)
