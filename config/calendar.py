"""Bank holidays in England and Wales from the maintained `holidays` library, for the
domain's `referrals.working_days.BankHolidays` port."""

from __future__ import annotations

from datetime import date

import holidays

from referrals.working_days import WorkingCalendar, WorkingHours


class EnglandAndWalesBankHolidays:
    """Looked up by year as they are asked for; the library knows substitute days (a
    Christmas falling on a Saturday moves to the Monday) and one-off holidays."""

    def __init__(self) -> None:
        self._days = holidays.country_holidays("GB", subdiv="ENG")

    def is_bank_holiday(self, day: date) -> bool:
        return day in self._days


def working_calendar(hours: WorkingHours) -> WorkingCalendar:
    return WorkingCalendar(EnglandAndWalesBankHolidays(), hours)
