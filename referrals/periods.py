"""The periods the figures are offered for: the service's six-month reviews, aligned to
the month it started (a service that started in June reviews June to November and
December to May), only those that have ended, none from before the start.

A window still running is never offered: asking before and after a referral arrives would
tell one new referral from the next. Windows never overlap, so no two reports on offer
share a month and no difference between them is a smaller period: each report's own
suppression (referrals/suppression.py) is all the protection it needs. Quarters and
calendar years overlap the windows, and rounding on top of suppression does not stop a
reader working out a small cell from them (docs/statistics.md), so they are not offered.

Months are UTC calendar months, written "2026-06" (`referrals.statistics.month_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

WINDOW_MONTHS = 6
DEFAULT_SERVICE_START = "2025-06"  # the month the seed service started (SMA_SERVICE_START)
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_ID_PREFIX = "window-"


def month_index(month: str) -> int:
    """ "2026-06" -> a count of months, so months can be added and compared. Raises
    ValueError for anything else."""
    found = _MONTH.fullmatch(month)
    if found is None:
        raise ValueError(f"not a month like 2026-06: {month!r}")
    return int(found[1]) * 12 + int(found[2]) - 1


def month_at(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True, order=True)
class Period:
    """A six-month review window, named by its first month."""

    first: str  # "2026-06"

    @property
    def id(self) -> str:
        """What a card sends back: "window-2026-06"."""
        return _ID_PREFIX + self.first

    @property
    def months(self) -> tuple[str, ...]:
        start = month_index(self.first)
        return tuple(month_at(i) for i in range(start, start + WINDOW_MONTHS))


def parse_period_id(text: str) -> Period | None:
    """The window a card's id names, or None if it is not the shape of one (a forged or
    broken payload). Whether it is on offer is for `offered_periods` to say."""
    month = text.removeprefix(_ID_PREFIX)
    if not text.startswith(_ID_PREFIX) or not _MONTH.fullmatch(month):
        return None
    return Period(month)


def offered_periods(now: datetime, start: str) -> list[Period]:
    """Every window from the `start` month on that has ended by `now`, the latest first."""
    utc = now.astimezone(UTC)
    current, begun = utc.year * 12 + utc.month - 1, month_index(start)
    firsts = range(begun, current - WINDOW_MONTHS + 1, WINDOW_MONTHS)
    return [Period(month_at(i)) for i in reversed(firsts)]
