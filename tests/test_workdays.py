"""Working days in mainland China across the 2025 and 2026 holiday seasons, make-up working
weekends, a year without data, and a user's calendar file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeclock.workdays import (
    Calendar,
    CalendarDataMissing,
    ChinaCalendar,
    FileCalendar,
    WorkingDays,
    add_working_days,
)

CAL = ChinaCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 26), True),  # Sunday, make-up day before the Spring Festival
        (date(2025, 1, 28), False),  # Spring Festival eve, holiday
        (date(2025, 2, 8), True),  # Saturday, make-up day
        (date(2025, 9, 28), True),  # Sunday, make-up day before National Day
        (date(2025, 10, 1), False),
        (date(2025, 10, 8), False),
        (date(2025, 10, 11), True),  # Saturday, make-up day
        (date(2026, 2, 14), True),  # Saturday, make-up day before the Spring Festival
        (date(2026, 2, 17), False),  # Spring Festival
        (date(2026, 2, 28), True),  # Saturday, make-up day
        (date(2026, 10, 1), False),
        (date(2026, 11, 21), False),  # an ordinary Saturday
        (date(2026, 11, 23), True),  # an ordinary Monday
    ],
)
def test_official_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working
    assert isinstance(CAL, Calendar)


@pytest.mark.parametrize(
    ("start", "n", "expect"),
    [
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # across National Day 2025
        (date(2025, 9, 26), 2, date(2025, 9, 29)),  # Friday -> make-up Sunday 28th -> Monday
        (date(2025, 9, 27), 1, date(2025, 9, 28)),  # a Saturday: the make-up Sunday is next
        (date(2025, 10, 9), 2, date(2025, 10, 11)),  # Thursday -> Friday -> make-up Saturday
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Friday -> make-up Saturday
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # Spring Festival 2026: 15th-23rd off
        (date(2026, 2, 24), 3, date(2026, 2, 27)),
        (date(2026, 2, 27), 1, date(2026, 2, 28)),  # make-up Saturday
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # National Day 2026
    ],
)
def test_adding_working_days_across_holidays(start: date, n: int, expect: date) -> None:
    assert add_working_days(CAL, start, n) == WorkingDays(expect, False)


def test_a_year_without_data_is_refused_by_default() -> None:
    with pytest.raises(CalendarDataMissing, match="2027"):
        CAL.is_working_day(date(2027, 1, 4))
    with pytest.raises(CalendarDataMissing, match="2027"):
        add_working_days(CAL, date(2026, 12, 30), 5)


def test_an_approximation_is_flagged() -> None:
    cal = ChinaCalendar(approximate="weekends")
    result = add_working_days(cal, date(2026, 12, 30), 5)
    assert result.approximate and result.day == date(2027, 1, 6)  # 31, 1, 4, 5, 6
    assert add_working_days(cal, date(2026, 12, 1), 1) == WorkingDays(date(2026, 12, 2), False)


def test_file_calendar() -> None:
    cal = FileCalendar.from_toml(
        "years = [2027]\nholidays = [2027-01-01]\nworking_days = [2027-01-02]\n"
    )
    assert not cal.is_working_day(date(2027, 1, 1))
    assert cal.is_working_day(date(2027, 1, 2))  # a Saturday made a working day
    assert not cal.is_working_day(date(2027, 1, 3))
    assert add_working_days(cal, date(2026 + 1, 1, 1), 1) == WorkingDays(date(2027, 1, 2), False)
    with pytest.raises(CalendarDataMissing):
        cal.is_working_day(date(2028, 1, 3))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("years = 2027", "years must be a list"),
        ('holidays = ["2027-01-01"]', "TOML dates"),
        ("weekend = []", "unknown keys"),
        ("years = [", "not valid TOML"),
    ],
)
def test_bad_calendar_files(text: str, match: str) -> None:
    with pytest.raises(Exception, match=match):
        FileCalendar.from_toml(text)


def test_bad_arguments() -> None:
    with pytest.raises(Exception, match="at least one"):
        add_working_days(CAL, date(2026, 1, 5), 0)
    with pytest.raises(Exception, match="approximate"):
        ChinaCalendar(approximate="holidays")  # type: ignore[arg-type]


@given(st.dates(date(2004, 1, 1), date(2026, 12, 1)), st.integers(1, 20))
def test_adding_working_days_lands_on_a_working_day(start: date, n: int) -> None:
    try:
        found = add_working_days(CAL, start, n)
        day, approximate = found.day, found.approximate
    except CalendarDataMissing:
        return  # counted into 2027
    assert CAL.is_working_day(day) and not approximate
    assert day > start
    between = [start + timedelta(days=i) for i in range(1, (day - start).days)]
    assert sum(CAL.is_working_day(d) for d in between) == n - 1
