"""Working days in England and Wales: weekends, bank holidays and working hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from config.calendar import EnglandAndWalesBankHolidays, working_calendar
from referrals.working_days import OFFICE_HOURS, NoBankHolidays, WorkingCalendar, WorkingHours

CALENDAR = working_calendar(OFFICE_HOURS)


def utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_the_library_knows_england_and_wales_bank_holidays() -> None:
    days = EnglandAndWalesBankHolidays()
    assert days.is_bank_holiday(date(2026, 4, 6))  # Easter Monday
    assert days.is_bank_holiday(date(2026, 12, 28))  # Boxing Day, moved off the Saturday
    assert not days.is_bank_holiday(date(2026, 3, 17))  # St Patrick's Day is not England's


def test_one_working_day_after_a_friday_afternoon_is_monday_afternoon() -> None:
    # 6 March 2026 is a Friday; London is on GMT, so UTC and local time agree.
    assert CALENDAR.add_working_days(utc(2026, 3, 6, 16), 1) == utc(2026, 3, 9, 16)


def test_a_weekend_moment_starts_counting_from_monday_morning() -> None:
    assert CALENDAR.next_working_moment(utc(2026, 3, 7, 10)) == utc(2026, 3, 9, 9)
    assert CALENDAR.add_working_days(utc(2026, 3, 7, 10), 1) == utc(2026, 3, 10, 9)


def test_an_evening_moment_moves_to_the_next_morning_and_an_early_one_to_today() -> None:
    assert CALENDAR.next_working_moment(utc(2026, 3, 3, 18)) == utc(2026, 3, 4, 9)
    assert CALENDAR.next_working_moment(utc(2026, 3, 3, 7)) == utc(2026, 3, 3, 9)
    assert CALENDAR.next_working_moment(utc(2026, 3, 3, 12)) == utc(2026, 3, 3, 12)


def test_easter_and_a_weekend_shift_a_two_day_deadline() -> None:
    # Thursday 2 April 2026: Good Friday and Easter Monday are bank holidays.
    assert CALENDAR.add_working_days(utc(2026, 4, 2, 11), 2) == utc(2026, 4, 8, 11)
    weekends_only = WorkingCalendar(NoBankHolidays())
    assert weekends_only.add_working_days(utc(2026, 4, 2, 11), 2) == utc(2026, 4, 6, 11)


def test_hours_stay_at_local_time_across_the_clock_change() -> None:
    # Friday 27 March 2026, 09:00 GMT; the clocks go forward on Sunday 29 March.
    assert CALENDAR.add_working_days(utc(2026, 3, 27, 9), 1) == utc(2026, 3, 30, 8)


def test_working_days_between_counts_only_working_days() -> None:
    assert CALENDAR.working_days_between(date(2026, 4, 2), date(2026, 4, 8)) == 2
    assert CALENDAR.working_days_between(date(2026, 4, 8), date(2026, 4, 2)) == 0


def test_working_hours_are_read_from_a_setting_and_refused_when_backwards() -> None:
    assert WorkingHours.parse("08:30-16:00") == WorkingHours(time(8, 30), time(16))
    assert str(WorkingHours.parse(" 09:00 - 17:00 ")) == "09:00-17:00"
    for bad in ("17:00-09:00", "nine to five", "09:00"):
        with pytest.raises(ValueError, match="working hours"):
            WorkingHours.parse(bad)
