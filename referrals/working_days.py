"""Working days and working hours: the clock every reminder period is counted on.

A working day is Monday to Friday, not a bank holiday; working hours are a daily window
in local time (England and Wales: Europe/London, so a deadline stays at 09:00 across
the clock change). Bank holidays come in through the `BankHolidays` port, so the domain
keeps no hand-made list and imports nothing but the standard library
(`config/calendar.py` adapts the maintained `holidays` library).

Counting: a moment outside working hours first moves to the next working moment (the
start of the next working day, or of today's hours if it is before them); N working days
later is then the same local time on the N-th working day after it. So a referral sent
at 16:00 on a Friday is one working day old at 16:00 on Monday, and one sent on Saturday
morning at 09:00 on Tuesday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
SATURDAY = 5


class BankHolidays(Protocol):
    def is_bank_holiday(self, day: date) -> bool: ...


@dataclass(frozen=True)
class NoBankHolidays:
    """Weekends only (tests, and a calendar before the library is wired)."""

    def is_bank_holiday(self, day: date) -> bool:
        return False


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """ "09:00-17:00"; raises ValueError unless it is two times, the start first."""
        first, separator, last = text.strip().partition("-")
        try:
            start, end = time.fromisoformat(first.strip()), time.fromisoformat(last.strip())
        except ValueError:
            separator = ""
        if not separator or start >= end:
            raise ValueError(f"working hours must be like 09:00-17:00, not {text!r}")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


OFFICE_HOURS = WorkingHours(time(9), time(17))


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: BankHolidays
    hours: WorkingHours = OFFICE_HOURS
    zone: tzinfo = LONDON

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < SATURDAY and not self.holidays.is_bank_holiday(day)

    def is_working_moment(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return (
            self.is_working_day(local.date())
            and self.hours.start <= local.time().replace(tzinfo=None) < self.hours.end
        )

    def next_working_moment(self, moment: datetime) -> datetime:
        """`moment` itself if it is within working hours on a working day, otherwise the
        start of the next working hours (in the moment's own time zone)."""
        if self.is_working_moment(moment):
            return moment
        local = moment.astimezone(self.zone)
        day = local.date()
        if not (self.is_working_day(day) and local.time().replace(tzinfo=None) < self.hours.start):
            day = self._next_working_day(day)
        return self._at(day, self.hours.start).astimezone(moment.tzinfo)

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """The same local time `days` working days after the next working moment."""
        start = self.next_working_moment(moment).astimezone(self.zone)
        day = start.date()
        for _ in range(days):
            day = self._next_working_day(day)
        return self._at(day, start.time().replace(tzinfo=None)).astimezone(moment.tzinfo)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def _next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def _at(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone)
