"""`ReferralService.statistics`: the SMLO's figures, refused to anyone else, every look
audited (the subject is `STATISTICS`, not a referral)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from referrals import errors
from referrals.audit import STATISTICS, ActorRole, AuditAction, Outcome
from referrals.clock import FakeClock
from referrals.intake import Employment, IntakeAnswers, IntakeStep, Route
from referrals.people import Actor, Advocate
from referrals.services import ReferralService
from referrals.statistics import Result
from referrals.suppression import Shown
from storage.memory import MemoryAuditLog, memory_stores

SMLO = Actor("smlo-1", "Sam Smlo", is_smlo=True)
ADA = Advocate("advocate-1", "Ada Advocate")
OFFICER = IntakeAnswers(route=Route.EXPERIENCED, employment=Employment.OFFICER, consent=True)


@pytest.fixture
async def service() -> ReferralService:
    stores = memory_stores()
    await stores.roster.put_advocate(ADA)
    clock = FakeClock(datetime(2026, 5, 20, 9, 0, tzinfo=UTC))
    return ReferralService(stores, clock, frozenset({SMLO.user_id}), MemoryAuditLog())


async def refer(service: ReferralService, n: int, answers: IntakeAnswers = OFFICER) -> str:
    referrer = Actor(f"referrer-{n}")
    draft = await service.start_draft(referrer)
    await service.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    await service.submit(referrer, draft.id)
    return draft.id


async def test_the_smlo_sees_a_years_figures_with_small_cells_suppressed(
    service: ReferralService,
) -> None:
    for n in range(7):
        await refer(service, n)
    staff = await refer(service, 7, OFFICER.with_changes(employment=Employment.STAFF))
    await service.offer(SMLO, staff, ADA.user_id)
    await service.accept(Actor(ADA.user_id, is_advocate=True), staff)
    assert isinstance(service.clock, FakeClock)
    service.clock.advance(timedelta(days=400))  # a year and more later: out of the period
    await refer(service, 8)

    last_year = await service.statistics(SMLO, months=14)
    this_year = await service.statistics(SMLO)

    assert last_year.received.total is not None
    assert last_year.received.total.value == 9
    employment = {c.category: c for c in last_year.answers[1].cells}
    assert employment[Employment.OFFICER].shown is Shown.HIDDEN, "else 9 - 1 shows the one"
    assert employment[Employment.STAFF].shown is Shown.FEWER_THAN
    allocated = {c.category: c for c in last_year.results.cells}[Result.ALLOCATED]
    assert allocated.shown is Shown.FEWER_THAN
    assert this_year.too_few_to_break_down
    assert len(this_year.months) == 12
    assert this_year.months[-1] == "2027-06"


async def test_nobody_but_an_smlo_may_see_the_figures_and_every_look_is_audited(
    service: ReferralService,
) -> None:
    advocate = Actor(ADA.user_id, "Ada", is_advocate=True)
    referrer = Actor("referrer-1", "Rosa")

    await service.statistics(SMLO)
    for someone in (advocate, referrer):
        with pytest.raises(errors.NotAnSmlo):
            await service.statistics(someone)

    trail = await service.audit.for_referral(STATISTICS)
    assert [(e.actor_id, e.actor_role, e.action, e.outcome) for e in trail] == [
        (SMLO.user_id, ActorRole.SMLO, AuditAction.VIEW_STATISTICS, Outcome.ALLOWED),
        (advocate.user_id, ActorRole.OTHER, AuditAction.VIEW_STATISTICS, Outcome.REFUSED),
        (referrer.user_id, ActorRole.OTHER, AuditAction.VIEW_STATISTICS, Outcome.REFUSED),
    ]
