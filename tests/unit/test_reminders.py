"""Reminders and escalations driven by a fake clock, through the use cases and the
in-memory stores: each nudge at its time, once, and never for an item already done."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from config.calendar import working_calendar
from referrals.availability import Availability, AvailabilityState
from referrals.case_record import ContactHow, ContactLogged, RiskAssessment, RiskLevel
from referrals.clock import FakeClock
from referrals.intake import IntakeStep
from referrals.notifications import NotificationKind as Kind
from referrals.people import Actor, Advocate
from referrals.ports import Stores, TimerStore
from referrals.referral import ReassignReason, Referral
from referrals.services import Reminders, RetentionPolicy, Services, TimerPlan
from referrals.states import ReferralState
from referrals.timer_rules import timers_for
from referrals.timers import Periods, TimerKind
from referrals.triage import TriageDecision, Urgency
from referrals.working_days import OFFICE_HOURS, NoBankHolidays, WorkingCalendar
from tests.unit.test_services import CONSENTED, SMLOS, submitted

HOUR = timedelta(hours=1)


async def reminders_sent(stores: Stores) -> list[tuple[Kind, str]]:
    return sorted(
        (n.kind, n.recipient_id)
        for n in await stores.outbox.pending(limit=1000)
        if n.kind in REMINDER_KINDS
    )


REMINDER_KINDS = {
    Kind.NOT_TRIAGED,
    Kind.NOT_ALLOCATED,
    Kind.OFFER_REMINDER,
    Kind.OFFER_LAPSED,
    Kind.CONTACT_REMINDER,
    Kind.CONTACT_OVERDUE,
}


async def run_until(service: Services, clock: FakeClock, until: datetime) -> None:
    """Fire what falls due, an hour at a time, as the background loop would."""
    while clock.now() < until:
        clock.advance(HOUR)
        await service.reminders.fire_due("instance-1")


async def recipients(stores: Stores, kind: Kind) -> list[str]:
    """Who this kind of notice is queued for, in the order queued."""
    return [n.recipient_id for n in await stores.outbox.pending(limit=1000) if n.kind is kind]


async def taken_on(service: Services, referrer: Actor, smlo: Actor, advocate: Actor) -> Referral:
    """A referral sent, offered to the advocate and accepted by them."""
    referral = await submitted(service, referrer)
    await service.triage.offer(smlo, referral.id, advocate.user_id)
    await service.casework.accept(advocate, referral.id)
    return referral


async def first_contact(
    service: Services, clock: FakeClock, advocate: Actor, referral_id: str
) -> None:
    await service.case_record.add(
        advocate, referral_id, ContactLogged(clock.now(), ContactHow.TEAMS)
    )


def to_smlos(kind: Kind) -> list[tuple[Kind, str]]:
    return [(kind, smlo) for smlo in sorted(SMLOS)]


async def test_a_referral_left_untouched_is_nudged_at_every_stage_to_its_escalation(
    service: Services,
    stores: Stores,
    clock: FakeClock,
    referrer: Actor,
    smlo: Actor,
    advocate: Actor,
) -> None:
    # Monday 2 March 2026, 09:00 (London is on GMT).
    referral = await submitted(service, referrer)
    await run_until(service, clock, datetime(2026, 3, 3, 8, tzinfo=UTC))
    assert await reminders_sent(stores) == []

    await run_until(service, clock, datetime(2026, 3, 3, 9, 30, tzinfo=UTC))  # 1 working day
    assert await reminders_sent(stores) == to_smlos(Kind.NOT_TRIAGED)

    await run_until(service, clock, datetime(2026, 3, 4, 9, 30, tzinfo=UTC))  # 2 working days
    assert await reminders_sent(stores) == sorted(
        to_smlos(Kind.NOT_TRIAGED) + to_smlos(Kind.NOT_ALLOCATED)
    )

    # Offered on Wednesday at 09:30: a reminder on Friday, lapsed on Monday.
    await service.triage.offer(smlo, referral.id, advocate.user_id)
    await run_until(service, clock, datetime(2026, 3, 6, 10, tzinfo=UTC))
    assert (Kind.OFFER_REMINDER, advocate.user_id) in await reminders_sent(stores)
    await run_until(service, clock, datetime(2026, 3, 9, 10, tzinfo=UTC))
    lapsed = await stores.referrals.get(referral.id)
    assert lapsed.state is ReferralState.AWAITING_ALLOCATION
    assert lapsed.latest_refusal() is not None
    assert set(to_smlos(Kind.OFFER_LAPSED)) <= set(await reminders_sent(stores))

    # Offered again and accepted on Monday at 10:00; no contact logged.
    await service.triage.offer(smlo, referral.id, advocate.user_id)
    await service.casework.accept(advocate, referral.id)
    await run_until(service, clock, datetime(2026, 3, 11, 10, 30, tzinfo=UTC))
    assert (Kind.CONTACT_REMINDER, advocate.user_id) in await reminders_sent(stores)
    assert (Kind.CONTACT_OVERDUE, "smlo-1") not in await reminders_sent(stores)
    await run_until(service, clock, datetime(2026, 3, 16, 10, 30, tzinfo=UTC))

    sent = await reminders_sent(stores)
    assert sent == sorted(
        to_smlos(Kind.NOT_TRIAGED)
        + to_smlos(Kind.NOT_ALLOCATED)
        + [(Kind.OFFER_REMINDER, advocate.user_id)]
        + to_smlos(Kind.OFFER_LAPSED)
        + [(Kind.OFFER_LAPSED, advocate.user_id)]
        + [(Kind.CONTACT_REMINDER, advocate.user_id)]
        + to_smlos(Kind.CONTACT_OVERDUE)
    )
    await run_until(service, clock, datetime(2026, 4, 30, 10, tzinfo=UTC))
    assert await reminders_sent(stores) == sent  # nothing sent twice


async def test_nudges_wait_for_working_hours(
    service: Services, stores: Stores, clock: FakeClock, referrer: Actor
) -> None:
    clock.advance(timedelta(hours=7, minutes=30))  # Monday 16:30
    await submitted(service, referrer)
    clock.advance(timedelta(days=1, hours=1))  # Tuesday 17:30: due, but after hours

    assert await service.reminders.fire_due("instance-1") == []
    clock.advance(timedelta(hours=15, minutes=30))  # Wednesday 09:00
    assert len(await service.reminders.fire_due("instance-1")) == 1
    assert await reminders_sent(stores) == to_smlos(Kind.NOT_TRIAGED)


async def test_an_item_done_just_before_its_reminder_is_dropped_not_sent(
    service: Services,
    stores: Stores,
    clock: FakeClock,
    referrer: Actor,
    smlo: Actor,
    advocate: Actor,
) -> None:
    referral = await submitted(service, referrer)
    clock.advance(timedelta(days=1) - timedelta(minutes=1))
    await service.triage.record_triage(smlo, referral.id, TriageDecision(True, Urgency.ROUTINE))
    await service.triage.offer(smlo, referral.id, advocate.user_id)
    await service.casework.accept(advocate, referral.id)
    clock.advance(timedelta(days=2) - timedelta(minutes=1))
    contact = ContactLogged(clock.now(), ContactHow.TEAMS)
    await service.case_record.add(advocate, referral.id, contact)

    await run_until(service, clock, clock.now() + timedelta(days=14))

    assert await reminders_sent(stores) == []
    assert await stores.timers.due(clock.now()) == []  # each was marked fired, unsent


async def test_a_withdrawn_referral_sends_nothing_more(
    service: Services, stores: Stores, clock: FakeClock, referrer: Actor
) -> None:
    referral = await submitted(service, referrer)
    await service.intake.withdraw(referrer, referral.id)

    await run_until(service, clock, clock.now() + timedelta(days=7))

    assert await reminders_sent(stores) == []


async def test_a_nudge_for_an_advocate_who_is_away_goes_to_the_smlos(
    service: Services,
    stores: Stores,
    clock: FakeClock,
    referrer: Actor,
    smlo: Actor,
    advocate: Actor,
) -> None:
    referral = await submitted(service, referrer)
    await service.triage.offer(smlo, referral.id, advocate.user_id)
    # Asked while free, then away for a fortnight before the reminder falls due.
    held = await stores.roster.get_advocate(advocate.user_id)
    assert held is not None
    back = clock.now().date() + timedelta(days=14)
    away = Availability(AvailabilityState.AWAY, until=back)
    await stores.roster.put_advocate(dataclasses.replace(held, availability=away))

    await run_until(service, clock, clock.now() + timedelta(days=2, hours=1))

    offer_nudges = [s for s in await reminders_sent(stores) if s[0] is Kind.OFFER_REMINDER]
    assert offer_nudges == to_smlos(Kind.OFFER_REMINDER)


class CrashesOnce:
    """A timer store whose first `mark_fired` fails, as a restart after sending would."""

    def __init__(self, inner: TimerStore) -> None:
        self.inner, self.crashed = inner, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def mark_fired(self, timer_id: str, owner: str, at: datetime) -> None:
        if not self.crashed:
            self.crashed = True
            raise ConnectionError("the instance stopped here")
        await self.inner.mark_fired(timer_id, owner, at)


async def test_a_restart_between_sending_and_marking_sent_sends_it_once(
    service: Services, stores: Stores, clock: FakeClock, referrer: Actor
) -> None:
    await submitted(service, referrer)
    clock.advance(timedelta(days=1))
    crashing = Reminders(
        dataclasses.replace(stores, timers=CrashesOnce(stores.timers)), clock, SMLOS, TimerPlan()
    )
    with pytest.raises(ConnectionError):
        await crashing.fire_due("instance-1")
    assert await service.reminders.fire_due("instance-2") == []  # still leased

    clock.advance(timedelta(minutes=5))  # the lease ran out; another instance looks again
    await service.reminders.fire_due("instance-2")

    assert await reminders_sent(stores) == to_smlos(Kind.NOT_TRIAGED)
    assert await stores.timers.due(clock.now() + timedelta(days=30)) != []  # later stages


def _offered_at(at: datetime) -> Referral:
    referrer = Actor("referrer-1")
    referral = Referral.start_draft(referrer, at)
    referral.record_answers(referrer, CONSENTED, IntakeStep.REVIEW, at)
    referral.submit(referrer, "SMA-2026-0001", SMLOS, at)
    referral.offer(Actor("smlo-1", is_smlo=True), Advocate("advocate-1", "Ada"), at)
    return referral


def _offer_deadlines(referral: Referral, calendar: WorkingCalendar) -> dict[int, datetime]:
    timers = timers_for(referral, calendar, Periods())
    return {t.stage: t.due_at for t in timers if t.kind is TimerKind.OFFER_UNANSWERED}


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_a_bank_holiday_and_a_weekend_shift_an_offer_deadline() -> None:
    offer = _offered_at(utc(4, 2, 10))  # the Thursday before Easter, 11:00 in London

    england = _offer_deadlines(offer, working_calendar(OFFICE_HOURS))
    weekends_only = _offer_deadlines(offer, WorkingCalendar(NoBankHolidays()))

    # Good Friday and Easter Monday are not working days: remind on Wednesday, lapse Thursday.
    assert england == {1: utc(4, 8, 10), 2: utc(4, 9, 10)}
    assert weekends_only == {1: utc(4, 6, 10), 2: utc(4, 7, 10)}


async def test_a_case_given_to_someone_else_drops_the_first_advocates_reminders(
    service: Services,
    stores: Stores,
    clock: FakeClock,
    referrer: Actor,
    smlo: Actor,
    advocate: Actor,
) -> None:
    referral = await taken_on(service, referrer, smlo, advocate)
    clock.advance(timedelta(days=1))
    held = await stores.referrals.get(referral.id)
    old = [t for t in service.reminders.plan.timers_for(held) if t.holder == advocate.user_id]
    await service.triage.reassign(smlo, referral.id, "advocate-2", ReassignReason.CONFLICT_FOUND)

    await run_until(service, clock, clock.now() + timedelta(days=2))

    assert old
    assert (Kind.CONTACT_REMINDER, advocate.user_id) not in await reminders_sent(stores)
    for timer in (t for t in old if t.due_at <= clock.now()):  # looked at when due: dropped
        dropped = await stores.timers.get(timer.id)
        assert dropped is not None
        assert dropped.fired_at is not None
    assert await stores.timers.due(clock.now()) == []


async def test_a_quiet_case_asks_its_advocate_a_month_after_the_last_entry(
    service: Services,
    stores: Stores,
    clock: FakeClock,
    referrer: Actor,
    smlo: Actor,
    advocate: Actor,
) -> None:
    referral = await taken_on(service, referrer, smlo, advocate)  # Monday 2 March, 09:00
    clock.advance(timedelta(days=10))
    await first_contact(service, clock, advocate, referral.id)

    await run_until(service, clock, datetime(2026, 4, 1, 8, tzinfo=UTC))  # 30 days on
    assert await recipients(stores, Kind.CASE_QUIET) == []
    await run_until(service, clock, datetime(2026, 4, 13, 9, tzinfo=UTC))  # 40 days on
    assert await recipients(stores, Kind.CASE_QUIET) == [advocate.user_id]


async def test_a_risk_review_reminds_on_the_day_and_tells_the_smlos_when_overdue(
    service: Services,
    stores: Stores,
    clock: FakeClock,
    referrer: Actor,
    smlo: Actor,
    advocate: Actor,
) -> None:
    referral = await taken_on(service, referrer, smlo, advocate)
    await first_contact(service, clock, advocate, referral.id)
    # Monday 2 March: high risk, so reviewed within 7 days (Monday 9 March).
    high = RiskAssessment(clock.now().date(), RiskLevel.HIGH)
    await service.case_record.add(advocate, referral.id, high)

    await run_until(service, clock, datetime(2026, 3, 9, 8, tzinfo=UTC))
    assert await recipients(stores, Kind.RISK_REVIEW_DUE) == []
    await run_until(service, clock, datetime(2026, 3, 9, 10, tzinfo=UTC))
    assert await recipients(stores, Kind.RISK_REVIEW_DUE) == [advocate.user_id]
    await run_until(service, clock, datetime(2026, 3, 11, 10, tzinfo=UTC))  # 2 working days on
    assert sorted(await recipients(stores, Kind.REVIEW_OVERDUE)) == sorted(SMLOS)


async def test_a_new_assessment_before_the_review_date_replaces_the_old_date(
    service: Services,
    stores: Stores,
    clock: FakeClock,
    referrer: Actor,
    smlo: Actor,
    advocate: Actor,
) -> None:
    referral = await taken_on(service, referrer, smlo, advocate)
    await first_contact(service, clock, advocate, referral.id)
    await service.case_record.add(
        advocate, referral.id, RiskAssessment(clock.now().date(), RiskLevel.HIGH)
    )
    clock.advance(timedelta(days=6))  # Sunday 8 March: reviewed, now low (28 days)
    await service.case_record.add(
        advocate, referral.id, RiskAssessment(clock.now().date(), RiskLevel.LOW)
    )

    await run_until(service, clock, datetime(2026, 3, 20, 10, tzinfo=UTC))

    kinds = [n.kind for n in await stores.outbox.pending(limit=1000)]
    assert Kind.RISK_REVIEW_DUE not in kinds
    assert Kind.REVIEW_OVERDUE not in kinds


async def test_after_an_outage_only_the_latest_stage_due_is_sent(
    service: Services,
    stores: Stores,
    clock: FakeClock,
    referrer: Actor,
    smlo: Actor,
    advocate: Actor,
) -> None:
    referral = await submitted(service, referrer)
    await service.triage.offer(smlo, referral.id, advocate.user_id)
    clock.advance(timedelta(days=7))  # nothing ran for a week: reminder and lapse both due

    await service.reminders.fire_due("instance-1")
    await service.reminders.fire_due("instance-1")

    sent = await reminders_sent(stores)
    assert (Kind.OFFER_REMINDER, advocate.user_id) not in sent
    assert (Kind.OFFER_LAPSED, advocate.user_id) in sent
    assert (await stores.referrals.get(referral.id)).state is ReferralState.AWAITING_ALLOCATION


async def test_an_unsent_referral_tells_its_referrer_once_a_few_days_before_deletion(
    service: Services, stores: Stores, clock: FakeClock, referrer: Actor
) -> None:
    draft = await service.intake.start_draft(referrer)
    await service.intake.record_answers(referrer, draft.id, CONSENTED, IntakeStep.WHAT_HAPPENED)
    gone_on = clock.now() + timedelta(days=Periods().draft_keep)

    async def told() -> list[str]:
        pending = await stores.outbox.pending(limit=1000)
        return [n.recipient_id for n in pending if n.kind is Kind.DRAFT_EXPIRING]

    await run_until(service, clock, gone_on - timedelta(days=4))
    assert await told() == []
    await run_until(service, clock, gone_on - timedelta(days=1))
    assert await told() == [referrer.user_id]
    await run_until(service, clock, gone_on + timedelta(days=5))
    assert await told() == [referrer.user_id]


async def test_a_draft_carried_on_or_sent_is_not_warned_about(
    service: Services, stores: Stores, clock: FakeClock, referrer: Actor
) -> None:
    draft = await service.intake.start_draft(referrer)
    clock.advance(timedelta(days=20))
    await service.intake.record_answers(referrer, draft.id, CONSENTED, IntakeStep.REVIEW)
    await run_until(service, clock, clock.now() + timedelta(days=20))
    await service.intake.submit(referrer, draft.id)

    await run_until(service, clock, clock.now() + timedelta(days=20))

    kinds = [n.kind for n in await stores.outbox.pending(limit=1000)]
    assert Kind.DRAFT_EXPIRING not in kinds


async def test_retention_leaves_no_timer_of_a_deleted_draft_or_a_purged_referral(
    service: Services, stores: Stores, clock: FakeClock, referrer: Actor
) -> None:
    draft = await service.intake.start_draft(referrer)
    withdrawn = await submitted(service, Actor("referrer-2"))
    await service.intake.withdraw(Actor("referrer-2"), withdrawn.id)
    kept = await stores.timers.due(clock.now() + timedelta(days=400))
    assert {t.subject_id for t in kept} == {draft.id, withdrawn.id}

    clock.advance(timedelta(days=400))
    await service.retention.purge_expired(RetentionPolicy(ended_days=365, draft_days=30))

    assert [await stores.timers.get(t.id) for t in kept] == [None] * len(kept)
