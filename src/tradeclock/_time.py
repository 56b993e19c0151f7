"""Instants and durations at the edge: parse, normalise to UTC, format in a rule set's zone.

Every instant inside tradeclock is a plain ``datetime`` in UTC (one shared ``tzinfo``, so
comparisons are cheap and ``+ timedelta`` is elapsed time whatever zone the input was written
in). Naive datetimes are refused here, before they can reach any arithmetic (pendulum would
silently read them as UTC).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._errors import InvalidInput
from ._limits import MAX_DAYS, MAX_INSTANT, MIN_INSTANT

__all__ = [
    "format_local",
    "next_local_midnight",
    "parse_duration",
    "parse_instant",
    "to_utc",
    "zone",
]


#: The ISO-8601 forms accepted in the JSON log (the schema uses the same patterns).
DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
DATETIME_RE = re.compile(DATETIME_PATTERN)
DURATION_PATTERN = r"^P(?!$)([0-9]+W)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+S)?)?$"
DURATION_RE = re.compile(DURATION_PATTERN)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; an unknown name is :class:`InvalidInput`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {name!r}") from exc


def to_utc(value: datetime, what: str = "time") -> datetime:
    """Return ``value`` as a plain UTC ``datetime``; refuse a naive one.

    A zone such as ``ZoneInfo("Asia/Shanghai")`` would make Python add a ``timedelta`` in
    wall-clock time; tradeclock's durations are elapsed time.

    >>> to_utc(datetime(2026, 11, 11, 8, 0, tzinfo=zone("Asia/Shanghai"))).isoformat()
    '2026-11-11T00:00:00+00:00'
    >>> from datetime import timezone
    >>> to_utc(datetime(2026, 11, 11, 8, 0, tzinfo=timezone(timedelta(hours=8)))).isoformat()
    '2026-11-11T00:00:00+00:00'
    """
    offset = value.utcoffset()
    if offset is None:
        raise InvalidInput(
            f"{what} {value.isoformat()} has no UTC offset (naive times are refused)"
        )
    if type(value) is datetime:
        return in_range(value, what)
    u = value.replace(tzinfo=None)  # subclasses (e.g. pendulum.DateTime) become plain
    plain = datetime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond)
    return in_range(plain.replace(tzinfo=timezone(offset)), what)


def parse_instant(value: object, what: str = "time") -> datetime:
    """Parse an ISO-8601 string with a UTC offset (or take an aware datetime) into UTC.

    >>> parse_instant("2026-11-11T00:05:00+08:00").isoformat()
    '2026-11-10T16:05:00+00:00'
    >>> parse_instant("2026-11-11T00:05:00")
    Traceback (most recent call last):
    ...
    tradeclock.InvalidInput: time '2026-11-11T00:05:00' has no UTC offset ...
    """
    if type(value) is datetime and value.tzinfo is UTC and MIN_INSTANT <= value < MAX_INSTANT:
        return value  # already one (a batch's now, asked once per order)
    if isinstance(value, datetime):
        return to_utc(value, what)
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be an ISO-8601 string with a UTC offset, got {value!r}")
    if not DATETIME_RE.match(value):
        if len(value) <= 40 and DATETIME_RE.match(value + "+00:00"):
            raise InvalidInput(f"{what} {value!r} has no UTC offset (naive times are refused)")
        raise InvalidInput(
            f"{what} {value[:40]!r} is not an ISO-8601 date-time like 2026-11-11T09:00:00+08:00"
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not an ISO-8601 date-time") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{what} {value!r} has no UTC offset (naive times are refused)")
    return in_range(parsed, what)


def in_range(value: datetime, what: str = "time") -> datetime:
    """``value`` (aware) in UTC, if inside the supported years; else :class:`InvalidInput`."""
    if not 1969 < value.year < 3000:  # checked before converting: year 1 - 8 h overflows
        raise _out_of_range(value, what)
    utc = value if value.tzinfo is UTC else value.astimezone(UTC)
    if not MIN_INSTANT <= utc < MAX_INSTANT:
        raise _out_of_range(value, what)
    return utc


def _out_of_range(value: datetime, what: str) -> InvalidInput:
    return InvalidInput(
        f"{what} {value.isoformat()} is outside the supported range "
        f"{MIN_INSTANT:%Y-%m-%d} to {MAX_INSTANT:%Y-%m-%d} (UTC)"
    )


def parse_duration(value: object, what: str = "duration") -> timedelta:
    """Parse an ISO-8601 duration (read by pendulum) into an exact ``timedelta``.

    Years and months are refused: their length depends on the calendar, and every rule here
    is an exact elapsed time.

    >>> parse_duration("PT30M"), parse_duration("P2D")
    (datetime.timedelta(seconds=1800), datetime.timedelta(days=2))
    """
    if isinstance(value, timedelta):
        return timedelta(days=value.days, seconds=value.seconds, microseconds=value.microseconds)
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be an ISO-8601 duration such as 'PT30M', got {value!r}")
    if not DURATION_RE.match(value):
        raise InvalidInput(
            f"{what} {value[:40]!r} is not an ISO-8601 duration of weeks, days, hours, minutes "
            "and seconds (for example 'PT30M' or 'P3D'; years and months are refused)"
        )
    import pendulum  # edge only: keeps the import off the replay path

    try:
        parsed = pendulum.parse(value.strip())
    except (pendulum.parsing.exceptions.ParserError, ValueError):
        parsed = None
    if not isinstance(parsed, pendulum.Duration) or parsed.years or parsed.months:
        raise InvalidInput(
            f"{what} {value!r} is not an ISO-8601 duration of weeks, days, hours, minutes and "
            "seconds (for example 'PT30M' or 'P3D'; years and months are refused)"
        )
    if abs(parsed.total_seconds()) > MAX_DAYS * 86400:
        raise InvalidInput(f"{what} {value!r} is longer than {MAX_DAYS} days")
    return timedelta(days=parsed.days, seconds=parsed.seconds, microseconds=parsed.microseconds)


def format_duration_iso(value: timedelta) -> str:
    """Format a timedelta as an ISO-8601 duration (the inverse of :func:`parse_duration`).

    >>> format_duration_iso(timedelta(days=2, hours=3)), format_duration_iso(timedelta(0))
    ('P2DT3H', 'PT0S')
    """
    total = int(value.total_seconds())
    if total < 0:
        return "-" + format_duration_iso(-value)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P" + (f"{days}D" if days else "")
    clock = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if clock:
        out += "T" + clock
    return out if out != "P" else "PT0S"


def next_local_midnight(instant: datetime, tz: tzinfo) -> datetime:
    """00:00 of the local day after ``instant``, in zone ``tz``, returned in UTC.

    >>> sh = zone("Asia/Shanghai")
    >>> next_local_midnight(parse_instant("2026-11-14T21:47:00+08:00"), sh).isoformat()
    '2026-11-14T16:00:00+00:00'
    """
    return _midnight_after(instant.astimezone(tz).date(), tz)


@lru_cache(maxsize=4096)
def _midnight_after(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def format_local(instant: datetime, tz: tzinfo) -> str:
    """ISO-8601 in the rule set's zone, e.g. ``2026-11-13T09:00:00+08:00``."""
    # an instant the library returned is in the zone already: no conversion (~0.2 us)
    return (instant if instant.tzinfo is tz else instant.astimezone(tz)).isoformat()


def format_short(instant: datetime, tz: tzinfo) -> str:
    """``2026-11-13 09:00`` in the rule set's zone (seconds shown only when not zero)."""
    local = instant if instant.tzinfo is tz else instant.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


_UNITS = {
    "en": (("day", "days"), ("hour", "hours"), ("minute", "minutes")),
    "zh": (("天", "天"), ("小时", "小时"), ("分钟", "分钟")),
}


def duration_words(delta: timedelta, locale: str = "en") -> str:
    """A duration as people say it, in days, hours and whole minutes (never weeks, so that
    a 10-day rule reads ``10 days`` everywhere): ``6 days 4 hours``, ``6 天 4 小时``.

    >>> duration_words(timedelta(days=10, hours=3, seconds=59))
    '10 days 3 hours'
    >>> duration_words(timedelta(days=6, hours=4, minutes=20), "zh")
    '6 天 4 小时 20 分钟'
    >>> duration_words(timedelta(minutes=1))
    '1 minute'
    """
    minutes = int(delta.total_seconds()) // 60
    if minutes <= 0:
        return "less than a minute" if locale == "en" else "不到 1 分钟"
    units = _UNITS["zh" if locale == "zh" else "en"]
    parts = []
    for count, (one, many) in zip(
        (minutes // 1440, minutes // 60 % 24, minutes % 60), units, strict=True
    ):
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    return " ".join(parts)
