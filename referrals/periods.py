"""The periods the figures are offered for, all aligned to the month the service started
(a setting): its **six-month reviews** (a service that started in June reviews June to
November and December to May), the two **quarters** of each review, and its **years**
(two reviews). Only periods that have ended are offered, none from before the start.

A period still running is never offered: asking before and after a referral arrives
would tell one new referral from the next. Aligned this way, any two periods on offer are
nested or apart, never partly overlapping: a year is two reviews, a review two quarters.
Calendar quarters and years would cut across the reviews and leave single months as the
difference of two reports. Nested reports can still be subtracted (a review minus one of
its quarters is the other), so the figures of one service year are protected together
(`referrals.linked_suppression`, docs/statistics.md), in the order they are offered:
a review first, as it is shown on its own, then its quarters, which are offered when the
review ends (so that offering them never hides anything more of the review), and the
year when it ends.

Months are UTC calendar months, written "2026-06" (`referrals.statistics.month_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

WINDOW_MONTHS = 6
DEFAULT_SERVICE_START = "2025-06"  # the month the seed service started (SMA_SERVICE_START)
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def month_index(month: str) -> int:
    """ "2026-06" -> a count of months, so months can be added and compared. Raises
    ValueError for anything else."""
    found = _MONTH.fullmatch(month)
    if found is None:
        raise ValueError(f"not a month like 2026-06: {month!r}")
    return int(found[1]) * 12 + int(found[2]) - 1


def month_at(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class Kind(StrEnum):
    """How long a period is; its value starts the period's id."""

    QUARTER = "quarter"
    WINDOW = "window"  # a six-month review
    YEAR = "year"


LENGTH = {Kind.QUARTER: 3, Kind.WINDOW: WINDOW_MONTHS, Kind.YEAR: 2 * WINDOW_MONTHS}


@dataclass(frozen=True, order=True)
class Period:
    """A review window, quarter or year, named by its first month."""

    first: str  # "2026-06"
    kind: Kind = Kind.WINDOW

    @property
    def id(self) -> str:
        """What a card sends back: "window-2026-06", "quarter-2026-09", "year-2025-06"."""
        return f"{self.kind.value}-{self.first}"

    @property
    def months(self) -> tuple[str, ...]:
        start = month_index(self.first)
        return tuple(month_at(i) for i in range(start, start + LENGTH[self.kind]))


_ID = re.compile(r"(quarter|window|year)-(\d{4}-(?:0[1-9]|1[0-2]))")


def parse_period_id(text: str) -> Period | None:
    """The period a card's id names, or None if it is not the shape of one (a forged or
    broken payload). Whether it is on offer is for `offered_periods` to say."""
    found = _ID.fullmatch(text)
    return Period(found[2], Kind(found[1])) if found else None


def service_year(period: Period, start: str) -> Period:
    """The service year (from the start month) that holds `period`."""
    offset = month_index(period.first) - month_index(start)
    first = month_index(start) + offset // LENGTH[Kind.YEAR] * LENGTH[Kind.YEAR]
    return Period(month_at(first), Kind.YEAR)


def steps(year: Period) -> tuple[Period, ...]:
    """The periods of a service year in the order their figures are decided: each review,
    then its two quarters; the year last."""
    first = month_index(year.first)
    order: list[Period] = []
    for half in (first, first + WINDOW_MONTHS):
        order.append(Period(month_at(half), Kind.WINDOW))
        order += [Period(month_at(half + q * 3), Kind.QUARTER) for q in (0, 1)]
    return (*order, year)


def offered_periods(now: datetime, start: str) -> list[Period]:
    """Every review, year and quarter from the `start` month on that is offered by `now`:
    reviews, years and quarters, each the latest first. A quarter is offered once its
    review has ended."""
    utc = now.astimezone(UTC)
    current, begun = utc.year * 12 + utc.month - 1, month_index(start)

    def ended(kind: Kind, length: int) -> list[Period]:
        firsts = range(begun, current - length + 1, LENGTH[kind])
        return [Period(month_at(i), kind) for i in reversed(firsts)]

    windows, years = ended(Kind.WINDOW, WINDOW_MONTHS), ended(Kind.YEAR, 2 * WINDOW_MONTHS)
    quarters = [
        Period(month_at(month_index(w.first) + q * 3), Kind.QUARTER)
        for w in windows
        for q in (1, 0)
    ]
    return [*windows, *years, *quarters]
