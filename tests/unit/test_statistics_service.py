"""`Services.statistics`: the SMLO's figures, refused to anyone else, every look
audited (the subject is `STATISTICS`, not a referral)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from referrals import errors
from referrals.audit import STATISTICS, ActorRole, AuditAction, Outcome
from referrals.clock import FakeClock
from referrals.intake import AgeBand, Employment, Gender, IntakeAnswers, IntakeStep, Route
from referrals.people import Actor, Advocate
from referrals.services import Services
from referrals.statistics import Result
from referrals.suppression import Shown
from storage.memory import MemoryAuditLog, memory_stores

SMLO = Actor("smlo-1", "Sam Smlo", is_smlo=True)
ADA = Advocate("advocate-1", "Ada Advocate")
OFFICER = IntakeAnswers(route=Route.EXPERIENCED, employment=Employment.OFFICER, consent=True)


@pytest.fixture
async def service() -> Services:
    stores = memory_stores()
    await stores.roster.put_advocate(ADA)
    clock = FakeClock(datetime(2026, 5, 20, 9, 0, tzinfo=UTC))
    return Services.build(stores, clock, frozenset({SMLO.user_id}), MemoryAuditLog())


async def refer(service: Services, n: int, answers: IntakeAnswers = OFFICER) -> str:
    referrer = Actor(f"referrer-{n}")
    draft = await service.intake.start_draft(referrer)
    await service.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    await service.intake.submit(referrer, draft.id)
    return draft.id


async def test_the_smlo_sees_last_years_figures_with_small_cells_suppressed(
    service: Services,
) -> None:
    for n in range(7):
        await refer(service, n)
    staff = await refer(service, 7, OFFICER.with_changes(employment=Employment.STAFF))
    await service.triage.offer(SMLO, staff, ADA.user_id)
    await service.casework.accept(Actor(ADA.user_id, is_advocate=True), staff)
    assert isinstance(service.steps.clock, FakeClock)
    this_year = await service.administration.statistics(SMLO)
    service.steps.clock.advance(timedelta(days=400))  # June 2027: 2026 has ended
    await refer(service, 8)  # in 2027: not shown until 2028

    last_year = await service.administration.statistics(SMLO)

    assert this_year.months[-1] == "2025-12"
    assert this_year.received.total is not None
    assert this_year.received.total.value == 0, "the year they came in has not ended"
    assert last_year.months == tuple(f"2026-{m:02d}" for m in range(1, 13))
    assert last_year.received.total is not None
    assert last_year.received.total.value == 8
    employment = {c.category: c for c in last_year.answers[1].cells}
    assert employment[Employment.OFFICER].shown is Shown.HIDDEN, "else 8 - 1 shows the one"
    assert employment[Employment.STAFF].shown is Shown.FEWER_THAN
    allocated = {c.category: c for c in last_year.results.cells}[Result.ALLOCATED]
    assert allocated.shown is Shown.FEWER_THAN


async def test_asking_before_and_after_a_referral_arrives_shows_nothing_about_it(
    service: Services,
) -> None:
    """The reviewer's attack: the SMLO is told of each referral, so figures that moved
    when it arrived ("Woman" 6 -> 7) would give its gender and age away."""
    woman = OFFICER.with_changes(gender=Gender.WOMAN, age_band=AgeBand.FROM_25_TO_34)
    for n in range(6):
        await refer(service, n, woman)
    assert isinstance(service.steps.clock, FakeClock)
    for days in (0, 30, 200, 400, 800):  # within the year, and after it has ended
        service.steps.clock.advance(timedelta(days=days))
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
