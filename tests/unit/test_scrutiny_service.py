"""`Services.administration.scrutiny_export`: the SMLO's export of the cases closed in an
ended six-month review, refused to anyone else and for any period not on offer, each
export audited (the subject is `SCRUTINY`, not a referral)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referrals import errors
from referrals.audit import SCRUTINY, ActorRole, AuditAction, Outcome
from referrals.clock import FakeClock
from referrals.people import Actor
from referrals.periods import Period
from referrals.scrutiny import scrutiny_export
from referrals.services import Services
from referrals.states import ReferralState
from storage.memory import MemoryAuditLog, memory_stores
from tests.unit.scrutiny_builders import ADVOCATE, AFTER, PERIOD, SMLO, Case, closed_case


@pytest.fixture
async def service() -> Services:
    stores = memory_stores()
    closed = [closed_case(Case(month=n % 6), n) for n in range(12)]
    for referral in closed:
        await stores.referrals.save(referral)
    return Services.build(
        stores,
        FakeClock(AFTER),
        frozenset({SMLO.user_id}),
        MemoryAuditLog(),
        service_start="2025-06",
    )


async def test_the_smlo_exports_the_latest_ended_review_and_it_is_audited(
    service: Services,
) -> None:
    closed = await service.steps.stores.referrals.list_in_states({ReferralState.CLOSED})

    export = await service.administration.scrutiny_export(SMLO)

    assert export == scrutiny_export(closed, PERIOD)
    assert export is not None
    assert len(export.rows) == 12
    [entry] = await service.steps.audit.for_referral(SCRUTINY)
    assert (entry.actor_id, entry.actor_role, entry.action, entry.outcome) == (
        SMLO.user_id,
        ActorRole.SMLO,
        AuditAction.EXPORT_SCRUTINY,
        Outcome.ALLOWED,
    )


@pytest.mark.parametrize("first", ["2026-06", "2024-12", "2025-09"])
async def test_a_review_running_before_the_start_or_never_offered_is_refused(
    service: Services, first: str
) -> None:
    with pytest.raises(errors.PeriodNotOffered):
        await service.administration.scrutiny_export(SMLO, Period(first))

    [entry] = await service.steps.audit.for_referral(SCRUTINY)
    assert (entry.action, entry.outcome) == (AuditAction.EXPORT_SCRUTINY, Outcome.REFUSED)


async def test_nobody_but_an_smlo_may_export_and_each_refusal_is_audited(
    service: Services,
) -> None:
    advocate = Actor(ADVOCATE.user_id, "Ada", is_advocate=True)
    auditor = Actor("auditor-1", "Dee", is_auditor=True)

    for someone in (advocate, auditor, Actor("referrer-1")):
        with pytest.raises(errors.NotAnSmlo):
            await service.administration.scrutiny_export(someone, PERIOD)

    trail = await service.steps.audit.for_referral(SCRUTINY)
    assert [(e.actor_id, e.outcome) for e in trail] == [
        (advocate.user_id, Outcome.REFUSED),
        (auditor.user_id, Outcome.REFUSED),
        ("referrer-1", Outcome.REFUSED),
    ]


async def test_before_any_review_has_ended_there_is_nothing_to_export(
    service: Services,
) -> None:
    assert isinstance(service.steps.clock, FakeClock)
    service.steps.clock.advance(timedelta(days=-365))  # June 2025: the first review runs

    assert await service.administration.scrutiny_export(SMLO) is None
