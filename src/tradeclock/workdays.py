"""Working days in mainland China: public holidays and make-up working days (调休).

The data comes from a maintained package, `chinesecalendar` (State Council schedules from 2004),
behind a small :class:`Calendar` protocol so a user can bring their own (any object with
``is_working_day(day)``, or a TOML file read by :meth:`FileCalendar.from_toml`). A year without
official data is never answered silently: :class:`ChinaCalendar` raises
:class:`CalendarDataMissing` naming the year, unless it was asked to approximate (weekends only),
and then every count made with the approximation says so.

Counting: "N working days after day D" is the N-th working day strictly after D, whatever D is.

>>> from datetime import date
>>> cal = ChinaCalendar()
>>> add_working_days(cal, date(2025, 9, 30), 1)   # National Day: 1-8 October off
WorkingDays(day=datetime.date(2025, 10, 9), approximate=False)
>>> cal.is_working_day(date(2025, 10, 11))        # a make-up working Saturday
True
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import msgspec

from ._errors import InvalidInput

__all__ = [
    "Calendar",
    "CalendarDataMissing",
    "ChinaCalendar",
    "FileCalendar",
    "WorkingDays",
    "add_working_days",
    "approximating",
]

_ONE_DAY = timedelta(days=1)


class CalendarDataMissing(InvalidInput):
    """The calendar has no official data for a year (and no approximation was asked for)."""


@runtime_checkable
class Calendar(Protocol):
    """Anything that knows whether a day is a working day."""

    def is_working_day(self, day: date) -> bool:
        """``True`` for a working day (a make-up weekend day included)."""
        ...


class WorkingDays(msgspec.Struct, frozen=True):
    """A day found by counting working days, and whether any day counted was approximate."""

    day: date
    approximate: bool


class ChinaCalendar:
    """Mainland China's working days from the `chinesecalendar` package.

    ``approximate="weekends"`` answers years the package has no data for by weekends alone;
    :func:`add_working_days` then marks its result approximate. The default refuses them.
    """

    def __init__(self, approximate: Literal["weekends"] | None = None) -> None:
        if approximate not in (None, "weekends"):
            raise InvalidInput(f"approximate must be None or 'weekends', got {approximate!r}")
        self.approximate = approximate

    def is_working_day(self, day: date) -> bool:
        """Official data where the package has it; weekends only when approximating."""
        official = _official(day)
        if official is not None:
            return official
        if self.approximate == "weekends":
            return day.weekday() < 5
        raise CalendarDataMissing(
            f"no official working-day data for {day.year} (the State Council publishes each "
            "year's schedule late in the year before): upgrade chinesecalendar, give a "
            "calendar file, or ask for an approximation (approximate='weekends')"
        )

    def is_official(self, day: date) -> bool:
        """Whether ``day`` is answered from official data."""
        return _official(day) is not None


@lru_cache(maxsize=8192)
def _official(day: date) -> bool | None:
    import chinese_calendar  # type: ignore[import-untyped]  # tables load on first use

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # chinesecalendar's way of saying "no data for this year"
        return None


class FileCalendar:
    """A user's calendar: weekends off, plus listed holidays and make-up working days.

    TOML: ``years = [2027]`` (the years it covers), ``holidays = [2027-01-01, ...]`` and
    ``working_days = [2027-02-06, ...]`` (TOML dates). A day outside ``years`` raises
    :class:`CalendarDataMissing`.
    """

    def __init__(self, years: set[int], holidays: set[date], working_days: set[date]) -> None:
        self.years = years
        self.holidays = holidays
        self.working_days = working_days

    @classmethod
    def from_toml(cls, source: str | Path) -> FileCalendar:
        """Read a calendar file (a path, or TOML text); data only."""
        text = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
        try:
            data: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"calendar: not valid TOML: {exc}") from None
        unknown = set(data) - {"years", "holidays", "working_days"}
        if unknown:
            raise InvalidInput(f"calendar: unknown keys {sorted(unknown)}")
        years = data.get("years", [])
        days = {key: data.get(key, []) for key in ("holidays", "working_days")}
        if not isinstance(years, list) or not all(isinstance(y, int) for y in years):
            raise InvalidInput("calendar: years must be a list of years, e.g. [2027]")
        for key, values in days.items():
            if not isinstance(values, list) or not all(type(v) is date for v in values):
                raise InvalidInput(f"calendar: {key} must be a list of TOML dates (2027-01-01)")
        return cls(set(years), set(days["holidays"]), set(days["working_days"]))

    def is_working_day(self, day: date) -> bool:
        """From the file: listed days first, then weekends."""
        if day.year not in self.years:
            raise CalendarDataMissing(f"the calendar file has no data for {day.year}")
        if day in self.working_days:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


class _Approximating:
    """``calendar``, with years it has no data for answered by weekends alone (and flagged)."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar

    def is_working_day(self, day: date) -> bool:
        try:
            return self.calendar.is_working_day(day)
        except CalendarDataMissing:
            return day.weekday() < 5

    def is_official(self, day: date) -> bool:
        try:
            self.calendar.is_working_day(day)
        except CalendarDataMissing:
            return False
        official = getattr(self.calendar, "is_official", None)
        return True if official is None else bool(official(day))


def approximating(calendar: Calendar) -> Calendar:
    """``calendar`` with its missing years answered by weekends alone; :func:`add_working_days`
    marks every count that used such a day ``approximate``."""
    return _Approximating(calendar)


def is_official(calendar: Calendar, day: date) -> bool:
    """Whether ``calendar`` answers ``day`` from real data (a calendar without
    ``is_official`` is taken at its word)."""
    official = getattr(calendar, "is_official", None)
    return True if official is None else bool(official(day))


def add_working_days(calendar: Calendar, start: date, n: int) -> WorkingDays:
    """The ``n``-th working day strictly after ``start`` (``n >= 1``)."""
    if n < 1:
        raise InvalidInput(f"count at least one working day, got {n}")
    official = getattr(calendar, "is_official", None)
    approximate = False
    day = start
    while n:
        day += _ONE_DAY
        if calendar.is_working_day(day):
            n -= 1
        if official is not None and not official(day):
            approximate = True
    return WorkingDays(day, approximate)
