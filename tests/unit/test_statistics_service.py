"""`Services.statistics`: the SMLO's figures for an ended six-month review, refused to
anyone else and for any period not on offer, every look audited (the subject is
`STATISTICS`, not a referral)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from referrals import errors
from referrals.audit import STATISTICS, ActorRole, AuditAction, Outcome
from referrals.clock import FakeClock
from referrals.intake import AgeBand, Employment, Gender, IntakeAnswers, IntakeStep, Route
from referrals.people import Actor, Advocate
from referrals.periods import Kind, Period
from referrals.services import Services
from referrals.statistics import Result, StatisticsReport
from referrals.suppression import Shown
from solving.highs import HighsSolver
from storage.memory import MemoryAuditLog, memory_stores

SMLO = Actor("smlo-1", "Sam Smlo", is_smlo=True)
ADA = Advocate("advocate-1", "Ada Advocate")
OFFICER = IntakeAnswers(route=Route.EXPERIENCED, employment=Employment.OFFICER, consent=True)


@pytest.fixture
async def service() -> Services:
    stores = memory_stores()
    await stores.roster.put_advocate(ADA)
    clock = FakeClock(datetime(2026, 5, 20, 9, 0, tzinfo=UTC))
    return Services.build(
        stores,
        clock,
        frozenset({SMLO.user_id}),
        MemoryAuditLog(),
        service_start="2025-06",
        solver=HighsSolver(),
    )


def clock_of(service: Services) -> FakeClock:
    assert isinstance(service.steps.clock, FakeClock)
    return service.steps.clock


async def refer(service: Services, n: int, answers: IntakeAnswers = OFFICER) -> str:
    referrer = Actor(f"referrer-{n}")
    draft = await service.intake.start_draft(referrer)
    await service.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    await service.intake.submit(referrer, draft.id)
    return draft.id


async def figures(service: Services, period: Period | None = None) -> StatisticsReport:
    report = (await service.administration.statistics(SMLO, period)).report
    assert report is not None
    return report


async def test_the_smlo_sees_the_latest_ended_review_with_small_cells_suppressed(
    service: Services,
) -> None:
    for n in range(7):
        await refer(service, n)
    staff = await refer(service, 7, OFFICER.with_changes(employment=Employment.STAFF))
    await service.triage.offer(SMLO, staff, ADA.user_id)
    await service.casework.accept(Actor(ADA.user_id, is_advocate=True), staff)
    running = await figures(service)
    clock_of(service).advance(timedelta(days=20))  # June 2026: December to May has ended
    await refer(service, 8)  # in June: not shown until December

    ended = await figures(service)

    assert running.months == Period("2025-06").months
    assert running.received.total is not None
    assert running.received.total.value == 0, "the review they came in has not ended"
    assert ended.months == Period("2025-12").months
    assert ended.received.total is not None
    assert ended.received.total.value == 8
    employment = {c.category: c for c in ended.answers[1].cells}
    assert employment[Employment.OFFICER].shown is Shown.HIDDEN, "else 8 - 1 shows the one"
    assert employment[Employment.STAFF].shown is Shown.FEWER_THAN
    allocated = {c.category: c for c in ended.results.cells}[Result.ALLOCATED]
    assert allocated.shown is Shown.FEWER_THAN


async def test_the_smlo_may_choose_any_ended_review_year_or_quarter_and_is_offered_each(
    service: Services,
) -> None:
    await refer(service, 1)
    clock_of(service).advance(timedelta(days=400))  # June 2027

    latest = await service.administration.statistics(SMLO)
    chosen = await figures(service, Period("2025-12"))

    assert [p.id for p in latest.offered] == [
        "window-2026-12",
        "window-2026-06",
        "window-2025-12",
        "window-2025-06",
        "year-2026-06",
        "year-2025-06",
        *(f"quarter-{m}" for m in ("2027-03", "2026-12", "2026-09", "2026-06")),
        *(f"quarter-{m}" for m in ("2026-03", "2025-12", "2025-09", "2025-06")),
    ]
    assert latest.report is not None
    assert latest.report.months == Period("2026-12").months
    assert chosen.months == Period("2025-12").months
    assert chosen.received.total is not None
    assert chosen.received.total.shown is Shown.FEWER_THAN


@pytest.mark.parametrize(
    "period",
    [
        Period("2026-06"),
        Period("2024-12"),
        Period("2025-09"),
        Period("2025-06", Kind.YEAR),
        Period("2025-12", Kind.QUARTER),
        Period("2025-07", Kind.QUARTER),
        Period("2025-01", Kind.YEAR),
    ],
    ids=lambda p: p.id,
)
async def test_a_period_still_running_before_the_start_or_never_offered_is_refused(
    service: Services, period: Period
) -> None:
    """June 2026 is running, December 2024 before the service began, September 2025 not
    a review at all; the year from June 2025 and the quarter from December 2025 have not
    ended; July 2025 is not a quarter and January 2025 not a year of this service: each
    could be compared with one on offer."""
    with pytest.raises(errors.PeriodNotOffered):
        await service.administration.statistics(SMLO, period)

    (entry,) = await service.steps.audit.for_referral(STATISTICS)
    assert (entry.action, entry.outcome) == (AuditAction.VIEW_STATISTICS, Outcome.REFUSED)


async def test_before_any_review_has_ended_there_are_no_figures(service: Services) -> None:
    clock_of(service).advance(timedelta(days=-200))  # November 2025: the first is running

    early = await service.administration.statistics(SMLO)

    assert (early.report, early.offered) == (None, ())


async def test_asking_before_and_after_a_referral_arrives_shows_nothing_about_it(
    service: Services,
) -> None:
    """The reviewer's attack: the SMLO is told of each referral, so figures that moved
    when it arrived ("Woman" 6 -> 7) would give its gender and age away."""
    woman = OFFICER.with_changes(gender=Gender.WOMAN, age_band=AgeBand.FROM_25_TO_34)
    for n in range(6):
        await refer(service, n, woman)
    for days in (0, 30, 200, 400, 800):  # within the review, and after it has ended
        clock_of(service).advance(timedelta(days=days))
        before = await service.administration.statistics(SMLO)
        await refer(service, 100 + days, woman)
        after = await service.administration.statistics(SMLO)

        assert after == before


async def test_nobody_but_an_smlo_may_see_the_figures_and_every_look_is_audited(
    service: Services,
) -> None:
    advocate = Actor(ADA.user_id, "Ada", is_advocate=True)
    referrer = Actor("referrer-1", "Rosa")

    await service.administration.statistics(SMLO)
    for someone in (advocate, referrer):
        with pytest.raises(errors.NotAnSmlo):
            await service.administration.statistics(someone)

    trail = await service.steps.audit.for_referral(STATISTICS)
    assert [(e.actor_id, e.actor_role, e.action, e.outcome) for e in trail] == [
        (SMLO.user_id, ActorRole.SMLO, AuditAction.VIEW_STATISTICS, Outcome.ALLOWED),
        (advocate.user_id, ActorRole.OTHER, AuditAction.VIEW_STATISTICS, Outcome.REFUSED),
        (referrer.user_id, ActorRole.OTHER, AuditAction.VIEW_STATISTICS, Outcome.REFUSED),
    ]
