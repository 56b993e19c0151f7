"""The law's clocks beside the platform's: the legal 7-day no-reason return window.

网络购买商品七日无理由退货暂行办法 art. 10 counts 7 calendar days from the day after signing,
ending at 24:00 of the 7th day, and (Civil Code arts. 201, 203) a last day that falls on a
statutory rest day moves to the day after the rest ends. Statutory rest days are public holidays
and ordinary weekend days that are not make-up working days: the working-day calendar's
non-working days. On an ordinary weekday the legal window ends at the same instant as the
platform's 168 hours; around holidays and weekends it is longer.

>>> from tradeclock import TAOBAO
>>> from tradeclock._time import parse_instant
>>> end, approximate = legal_window_end(TAOBAO, parse_instant("2025-09-26T15:00:00+08:00"))
>>> end.astimezone(TAOBAO.tz).isoformat(), approximate      # National Day: 1-8 October off
('2025-10-10T00:00:00+08:00', False)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from ._rules import RuleSet
from .workdays import Calendar, approximating, is_official

__all__ = ["ART6", "ART7", "legal_window_end"]

#: Goods excluded from no-reason returns by law (暂行办法 art. 6), with the article's words.
ART6 = {
    "custom_made": "goods made to the consumer's order (art. 6(1))",
    "fresh": "fresh, live and perishable goods (art. 6(2))",
    "digital_unsealed": "downloaded or unsealed audio-visual, software and other digital "
    "goods (art. 6(3))",
    "periodical": "delivered newspapers and periodicals (art. 6(4))",
}
#: Goods excluded only when the buyer confirmed it at purchase (暂行办法 art. 7).
ART7 = {
    "health_on_opening": "goods that endanger safety or health, or change in quality, once "
    "opened (art. 7(1))",
    "value_lost_on_activation": "goods that lose much value once activated or tried (art. 7(2))",
    "near_expiry_or_flawed": "goods sold as near expiry or flawed, so declared (art. 7(3))",
}

_ONE_DAY = timedelta(days=1)


def legal_window_end(
    rules: RuleSet, signed_at: datetime, rule_id: str = "law.no_reason_window"
) -> tuple[datetime, bool]:
    """When the legal no-reason window of goods signed for at ``signed_at`` ends (UTC), and
    whether a day of it was judged without official calendar data (weekends only)."""
    rule = rules[rule_id]
    tz = rules.tz
    day = signed_at.astimezone(tz).date()
    return _end(rules.calendar, tz, day, rule.duration.days)  # type: ignore[arg-type]


@lru_cache(maxsize=4096)
def _end(calendar: Calendar, tz: tzinfo, signed: date, days: int) -> tuple[datetime, bool]:
    # cached per (calendar, zone, day): orders signed the same day share the answer
    last, approximate = _last_day(calendar, signed, days)
    return datetime.combine(last + _ONE_DAY, time(0), tzinfo=tz).astimezone(UTC), approximate


def _last_day(calendar: Calendar, signed: date, days: int) -> tuple[date, bool]:
    cal = approximating(calendar)
    last = signed + timedelta(days=days)
    approximate = not is_official(cal, last)
    while not cal.is_working_day(last):
        last += _ONE_DAY
        approximate = approximate or not is_official(cal, last)
    return last, approximate
