"""The periods the figures are offered for: ended six-month reviews aligned to the month
the service started, never one still running, never one from before the start, and never
two that share a month (so no difference between two reports is a smaller period)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from referrals.periods import Period, month_index, offered_periods, parse_period_id
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


def test_only_reviews_that_have_ended_are_offered_the_latest_first() -> None:
    assert ids(datetime(2025, 11, 30, 23, 59, tzinfo=UTC)) == [], "the first is still running"
    assert ids(datetime(2025, 12, 1, 0, 0, tzinfo=UTC)) == ["window-2025-06"]
    assert ids(datetime(2027, 1, 15, tzinfo=UTC)) == [
        "window-2026-06",
        "window-2025-12",
        "window-2025-06",
    ]


def test_no_review_starts_before_the_service_did() -> None:
    assert ids(datetime(2026, 7, 1, tzinfo=UTC), "2026-01") == ["window-2026-01"]
    assert ids(datetime(2026, 7, 1, tzinfo=UTC), "2026-03") == []


def test_a_card_id_names_a_review_or_nothing() -> None:
    assert parse_period_id("window-2026-06") == Period("2026-06")
    for forged in ("window-2026-13", "year-2026", "window-26-06", "", "window-2026-06 "):
        assert parse_period_id(forged) is None


INSTANTS = st.datetimes(datetime(2020, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC))
STARTS = st.integers(2019 * 12, 2035 * 12).map(lambda i: f"{i // 12:04d}-{i % 12 + 1:02d}")


@given(INSTANTS, INSTANTS, STARTS)
def test_no_two_reviews_on_offer_ever_share_a_month_and_none_is_running(
    first: datetime, second: datetime, start: str
) -> None:
    """Whenever the SMLO asks, any two reviews they could see (then or later) cover the
    same months or none in common, and never the month a referral is arriving in."""
    then = offered_periods(first, start)
    seen = then + offered_periods(second, start)

    for one in seen:
        for other in seen:
            assert one == other or not set(one.months) & set(other.months)
        assert month_index(one.months[0]) >= month_index(start)
    assert all(month_of(first) not in one.months for one in then)
