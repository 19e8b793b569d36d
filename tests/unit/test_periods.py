"""The periods the figures are offered for: ended six-month reviews aligned to the month
the service started, their quarters once the review has ended, and service years; never
one still running, never one from before the start, and never two that partly overlap
(any two are nested or apart, so the reports can be protected together)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from referrals.periods import (
    Kind,
    Period,
    month_index,
    offered_periods,
    parse_period_id,
    service_year,
    steps,
)
from referrals.statistics import month_of

JUNE = "2025-06"


def ids(now: datetime, start: str = JUNE) -> list[str]:
    return [p.id for p in offered_periods(now, start)]


def test_reviews_run_june_to_november_and_december_to_may_for_a_june_start() -> None:
    assert Period("2025-06").months == tuple(f"2025-{m:02d}" for m in range(6, 12))
    assert Period("2025-12").months == (
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
    )


def test_only_periods_that_have_ended_are_offered_reviews_then_years_then_quarters() -> None:
    assert ids(datetime(2025, 11, 30, 23, 59, tzinfo=UTC)) == [], "the first is still running"
    assert ids(datetime(2025, 12, 1, 0, 0, tzinfo=UTC)) == [
        "window-2025-06",
        "quarter-2025-09",
        "quarter-2025-06",
    ]
    assert ids(datetime(2026, 9, 15, tzinfo=UTC)) == [
        "window-2025-12",
        "window-2025-06",
        "year-2025-06",
        "quarter-2026-03",
        "quarter-2025-12",
        "quarter-2025-09",
        "quarter-2025-06",
    ]


def test_a_quarter_is_offered_only_once_its_review_has_ended() -> None:
    """Decided with its review, a quarter never makes the review hide more."""
    assert "quarter-2025-12" not in ids(datetime(2026, 3, 1, tzinfo=UTC)), "ended, review not"
    assert "quarter-2025-12" in ids(datetime(2026, 6, 1, tzinfo=UTC))


def test_no_period_starts_before_the_service_did() -> None:
    assert ids(datetime(2026, 7, 1, tzinfo=UTC), "2026-01") == [
        "window-2026-01",
        "quarter-2026-04",
        "quarter-2026-01",
    ]
    assert ids(datetime(2026, 7, 1, tzinfo=UTC), "2026-03") == []


def test_a_card_id_names_a_period_or_nothing() -> None:
    assert parse_period_id("window-2026-06") == Period("2026-06")
    assert parse_period_id("quarter-2026-09") == Period("2026-09", Kind.QUARTER)
    assert parse_period_id("year-2025-06") == Period("2025-06", Kind.YEAR)
    for forged in (
        "window-2026-13",
        "year-2026",
        "window-26-06",
        "",
        "window-2026-06 ",
        "month-2026-06",
    ):
        assert parse_period_id(forged) is None


def test_a_service_year_is_decided_review_quarters_review_quarters_year() -> None:
    year = service_year(Period("2026-03", Kind.QUARTER), JUNE)
    assert year == Period("2025-06", Kind.YEAR)
    assert [p.id for p in steps(year)] == [
        "window-2025-06",
        "quarter-2025-06",
        "quarter-2025-09",
        "window-2025-12",
        "quarter-2025-12",
        "quarter-2026-03",
        "year-2025-06",
    ]


INSTANTS = st.datetimes(datetime(2020, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC))
STARTS = st.integers(2019 * 12, 2035 * 12).map(lambda i: f"{i // 12:04d}-{i % 12 + 1:02d}")


@settings(deadline=None, max_examples=40)
@given(INSTANTS, INSTANTS, STARTS)
def test_no_two_periods_on_offer_ever_partly_overlap_and_none_is_running(
    first: datetime, second: datetime, start: str
) -> None:
    """Whenever the SMLO asks, any two periods they could see (then or later) are nested
    or share no month, lie within one service year, and never hold the month a referral
    is arriving in."""
    then = offered_periods(first, start)
    seen = then + offered_periods(second, start)

    for one in seen:
        for other in seen:
            shared = set(one.months) & set(other.months)
            assert shared in (set(), set(one.months), set(other.months))
        assert month_index(one.months[0]) >= month_index(start)
        assert set(one.months) <= set(service_year(one, start).months)
    assert all(month_of(first) not in one.months for one in then)
