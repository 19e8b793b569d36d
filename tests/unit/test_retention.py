"""Retention: personal data goes at the end of the keeping period; the statistics stay."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from referrals.audit import ActorRole, AuditAction
from referrals.clock import FakeClock
from referrals.intake import BehalfRole, IntakeAnswers, IntakeStep, Route, Wish, YesNoUnsure
from referrals.people import Actor, Advocate
from referrals.referral import Referral
from referrals.services import RetentionPolicy, Services
from referrals.states import ReferralState
from storage.memory import MemoryAuditLog, memory_stores

CANARY = "CANARY-RETENTION"
POLICY = RetentionPolicy(ended_days=365, draft_days=30)
ANSWERS = IntakeAnswers(
    route=Route.WITNESSED,
    wishes=(Wish.INFORMATION,),
    account=CANARY,
    avoid=CANARY,
    personal_email="canary@example.org",
    safe_times=CANARY,
    consent=True,
)
REFERRER = Actor("referrer-1", f"{CANARY} Name")
SMLO = Actor("smlo-1", is_smlo=True)
ADVOCATE = Actor("advocate-1", "Ada Advocate", is_advocate=True)


async def make() -> tuple[Services, FakeClock, MemoryAuditLog]:
    clock, audit = FakeClock(), MemoryAuditLog()
    stores = memory_stores()
    await stores.roster.put_advocate(Advocate(ADVOCATE.user_id, ADVOCATE.display_name))
    return Services.build(stores, clock, frozenset({SMLO.user_id}), audit), clock, audit


async def closed_referral(service: Services, answers: IntakeAnswers = ANSWERS) -> Referral:
    draft = await service.intake.start_draft(REFERRER)
    await service.intake.record_answers(REFERRER, draft.id, answers, IntakeStep.REVIEW)
    await service.intake.submit(REFERRER, draft.id)
    await service.triage.offer(SMLO, draft.id, ADVOCATE.user_id)
    referral = await service.casework.accept(ADVOCATE, draft.id)
    referral.close(ADVOCATE, service.steps.clock.now())  # closing comes with the case record
    await service.steps.stores.referrals.save(referral)
    return referral


def holds_canary(referral: Referral) -> bool:
    fields = dataclasses.asdict(referral)
    return CANARY in repr(fields) or "canary@example.org" in repr(fields)


async def test_a_closed_referral_is_purged_after_the_retention_period_and_keeps_statistics() -> (
    None
):
    service, clock, audit = await make()
    referral = await closed_referral(service)
    clock.advance(timedelta(days=366))

    report = await service.retention.purge_expired(POLICY)

    purged = await service.steps.stores.referrals.get(referral.id)
    assert report.referrals_purged == 1
    assert purged.state is ReferralState.CLOSED
    assert purged.is_purged
    assert not holds_canary(purged)
    assert purged.referrer_id == ""
    assert REFERRER.user_id not in {e.actor_id for e in purged.history}
    assert (purged.answers.route, purged.answers.wishes) == (Route.WITNESSED, (Wish.INFORMATION,))
    assert purged.reference == referral.reference
    entries = await audit.for_referral(referral.id)
    assert (entries[-1].actor_role, entries[-1].action) == (ActorRole.SYSTEM, AuditAction.PURGE)


async def test_purging_twice_changes_nothing_the_second_time() -> None:
    service, clock, audit = await make()
    referral = await closed_referral(service)
    clock.advance(timedelta(days=366))
    await service.retention.purge_expired(POLICY)
    after_first = await service.steps.stores.referrals.get(referral.id)
    entries = len(await audit.for_referral(referral.id))
    clock.advance(timedelta(days=400))

    report = await service.retention.purge_expired(POLICY)

    assert report.referrals_purged == 0
    again = await service.steps.stores.referrals.get(referral.id)
    assert again.history == after_first.history
    assert len(await audit.for_referral(referral.id)) == entries


async def test_nothing_is_purged_before_its_time_and_open_cases_never_are() -> None:
    service, clock, _ = await make()
    closed = await closed_referral(service)
    draft = await service.intake.start_draft(Actor("referrer-2"))
    await service.intake.record_answers(Actor("referrer-2"), draft.id, ANSWERS, IntakeStep.REVIEW)
    active = await service.intake.submit(Actor("referrer-2"), draft.id)
    clock.advance(timedelta(days=364))

    report = await service.retention.purge_expired(POLICY)

    assert report.referrals_purged == 0
    assert holds_canary(await service.steps.stores.referrals.get(closed.id))
    clock.advance(timedelta(days=1000))
    await service.retention.purge_expired(POLICY)
    assert holds_canary(await service.steps.stores.referrals.get(active.id)), "still open"


async def test_an_abandoned_draft_is_deleted_but_a_recent_one_is_kept() -> None:
    service, clock, audit = await make()
    old = await service.intake.start_draft(REFERRER)
    clock.advance(timedelta(days=25))
    recent = await service.intake.start_draft(Actor("referrer-2"))
    clock.advance(timedelta(days=6))

    report = await service.retention.purge_expired(POLICY)

    assert report.drafts_deleted == 1
    assert await service.intake.find_draft(REFERRER) is None
    assert (await service.intake.find_draft(Actor("referrer-2"))) == recent
    assert [e.action for e in await audit.for_referral(old.id)][-1] is AuditAction.DELETE_DRAFT


async def test_a_draft_being_worked_on_is_not_abandoned() -> None:
    service, clock, _ = await make()
    draft = await service.intake.start_draft(REFERRER)
    clock.advance(timedelta(days=29))
    await service.intake.record_answers(REFERRER, draft.id, ANSWERS, IntakeStep.WISHES)
    clock.advance(timedelta(days=29))

    assert (await service.retention.purge_expired(POLICY)).drafts_deleted == 0
    assert await service.intake.find_draft(REFERRER) is not None


async def test_the_audit_trail_never_holds_the_referrers_id() -> None:
    service, clock, audit = await make()
    referral = await closed_referral(service)
    await service.steps.view(REFERRER, referral.id)
    clock.advance(timedelta(days=366))
    await service.retention.purge_expired(POLICY)

    entries = await audit.for_referral(referral.id)
    by_referrer = [e for e in entries if e.actor_role is ActorRole.REFERRER]
    assert by_referrer, "the referrer's own reads and changes are recorded"
    assert REFERRER.user_id not in {e.actor_id for e in entries}


async def test_a_purged_on_behalf_referral_keeps_the_role_but_not_who_the_person_was() -> None:
    service, clock, _ = await make()
    on_behalf = ANSWERS.with_changes(
        route=Route.ON_BEHALF,
        behalf_role=BehalfRole.INVESTIGATOR,
        behalf_name=CANARY,
        behalf_consent=YesNoUnsure.YES,
    )
    referral = await closed_referral(service, on_behalf)
    clock.advance(timedelta(days=366))

    await service.retention.purge_expired(POLICY)

    purged = await service.steps.stores.referrals.get(referral.id)
    assert not holds_canary(purged)
    assert purged.answers.behalf_name == ""
    assert (purged.answers.route, purged.answers.behalf_role) == (
        Route.ON_BEHALF,
        BehalfRole.INVESTIGATOR,
    )
