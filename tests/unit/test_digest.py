"""The SMLO's weekly digest with a fake clock and the in-memory stores: sent on the digest
day's working morning only, once a week to each SMLO, with counts that are right."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from config.calendar import working_calendar
from referrals import digest
from referrals.clock import FakeClock
from referrals.digest import Count, Line
from referrals.notifications import NotificationKind as Kind
from referrals.people import Actor
from referrals.ports import Stores
from referrals.services import Digests, Services, TimerPlan
from referrals.timers import Timer, TimerKind
from referrals.triage import TriageDecision, Urgency
from referrals.working_days import OFFICE_HOURS, NoBankHolidays, WorkingCalendar
from tests.unit.test_services import SMLOS, offered, submitted

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # London is on GMT
WEEKENDS_ONLY = WorkingCalendar(NoBankHolidays())
ENGLAND = working_calendar(OFFICE_HOURS)


async def digests_queued(stores: Stores) -> list[tuple[str, str]]:
    return sorted(
        (n.referral_id, n.recipient_id)
        for n in await stores.outbox.pending(limit=1000)
        if n.kind is Kind.WEEKLY_DIGEST
    )


def test_the_digest_is_due_from_monday_morning_for_the_rest_of_the_week() -> None:
    assert not digest.is_due(MONDAY - timedelta(days=1), WEEKENDS_ONLY)  # Sunday 09:00
    assert not digest.is_due(MONDAY - timedelta(minutes=1), WEEKENDS_ONLY)  # 08:59
    assert digest.is_due(MONDAY, WEEKENDS_ONLY)
    assert digest.is_due(MONDAY + timedelta(days=3, hours=7), WEEKENDS_ONLY)  # Thu 16:00
    assert not digest.is_due(MONDAY + timedelta(hours=8), WEEKENDS_ONLY)  # 17:00: evening


def test_a_bank_holiday_monday_moves_the_digest_to_tuesday() -> None:
    easter_monday = datetime(2026, 4, 6, 9, 0, tzinfo=UTC) - timedelta(hours=1)  # 09:00 BST
    tuesday = easter_monday + timedelta(days=1)

    assert not digest.is_due(easter_monday, ENGLAND)
    assert not digest.is_due(tuesday - timedelta(minutes=1), ENGLAND)
    assert digest.is_due(tuesday, ENGLAND)
    assert digest.week_of(easter_monday, ENGLAND) == digest.week_of(tuesday, ENGLAND)


async def test_each_smlo_is_sent_one_digest_a_week_however_often_it_is_asked(
    service: Services, stores: Stores
) -> None:
    sunday = MONDAY - timedelta(days=1)
    assert await service.digests.send_digests(sunday) == []
    assert await service.digests.send_digests(MONDAY - timedelta(minutes=5)) == []

    first = await service.digests.send_digests(MONDAY)
    again = [await service.digests.send_digests(MONDAY + timedelta(hours=h)) for h in range(8)]
    both = await asyncio.gather(
        service.digests.send_digests(MONDAY + timedelta(days=1)),
        service.digests.send_digests(MONDAY + timedelta(days=1)),
    )

    assert first == sorted(SMLOS)
    assert again == [[]] * 8
    assert list(both) == [[], []]
    week = "2026-W10"
    assert await digests_queued(stores) == [
        (f"digest-notice:{week}:{smlo}", smlo) for smlo in sorted(SMLOS)
    ]
    next_monday = await service.digests.send_digests(MONDAY + timedelta(days=7))
    assert next_monday == sorted(SMLOS)
    assert len(await digests_queued(stores)) == 2 * len(SMLOS)


async def test_a_bank_holiday_monday_sends_the_digest_on_tuesday_morning(
    service: Services, stores: Stores
) -> None:
    england = Digests(service.steps, TimerPlan(ENGLAND), service.triage)
    easter_monday = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)  # 09:00 BST

    assert await england.send_digests(easter_monday) == []
    assert await england.send_digests(easter_monday + timedelta(days=1)) == sorted(SMLOS)


async def test_the_counts_say_what_waits_and_what_is_past_its_reminder(
    service: Services,
    stores: Stores,
    clock: FakeClock,
    referrer: Actor,
    smlo: Actor,
    advocate: Actor,
    other_advocate: Actor,
) -> None:
    # Monday 2 March 2026, 09:00: one of each.
    await submitted(service, referrer)  # not triaged
    triaged = await submitted(service, referrer)
    decision = TriageDecision(True, Urgency.ROUTINE)
    await service.triage.record_triage(smlo, triaged.id, decision)  # waits for an advocate
    await offered(service, referrer, smlo)  # not answered
    taken = await offered(service, referrer, smlo)
    await service.casework.accept(advocate, taken.id)  # no first contact
    left = await offered(service, referrer, smlo, "advocate-2")
    await service.casework.accept(other_advocate, left.id)
    gone = await stores.roster.get_advocate("advocate-2")
    assert gone is not None
    await stores.roster.put_advocate(dataclasses.replace(gone, active=False))  # stranded

    clock.advance(timedelta(days=1, hours=1))  # Tuesday 10:00
    found = await service.digests.counts()

    assert found.counts == {
        Line.TRIAGE: Count(1, 1),  # one working day: its reminder went this morning
        Line.ADVOCATE: Count(2, 0),  # the triaged one and the stranded case
        Line.OFFERS: Count(1, 0),
        Line.FIRST_CONTACT: Count(1, 0),
        Line.REVIEWS: Count(0, 0),
        Line.QUIET: Count(0, 0),
    }
    clock.advance(timedelta(hours=23))  # Wednesday 09:00: two working days
    later = await service.digests.counts()
    assert later.count(Line.ADVOCATE) == Count(2, 1)
    assert later.count(Line.OFFERS) == Count(1, 1)
    assert later.count(Line.FIRST_CONTACT) == Count(1, 1)


def _timer(kind: TimerKind, stage: int, due: datetime, subject: str = "r-1") -> Timer:
    return Timer(f"{subject}:{kind}:{stage}", kind, subject, due, stage, "advocate-1")


def test_a_review_counts_from_its_date_and_is_overdue_once_the_smlos_are_told() -> None:
    now = MONDAY
    upcoming = [_timer(TimerKind.RISK_REVIEW, 1, now + timedelta(days=3), "r-1")]
    due = [
        _timer(TimerKind.NEXT_CONTACT, 1, now - timedelta(days=1), "r-2"),
        _timer(TimerKind.NEXT_CONTACT, 2, now + timedelta(days=1), "r-2"),
    ]
    overdue = [
        _timer(TimerKind.AGREEMENT_REVIEW, 1, now - timedelta(days=5), "r-3"),
        _timer(TimerKind.AGREEMENT_REVIEW, 2, now - timedelta(days=2), "r-3"),
    ]
    quiet = [_timer(TimerKind.CASE_QUIET, 1, now - timedelta(hours=1), "r-4")]
    not_yet_quiet = [_timer(TimerKind.CASE_QUIET, 1, now + timedelta(days=9), "r-5")]

    found = digest.tally([*upcoming, *due, *overdue, *quiet, *not_yet_quiet], now)

    assert found.count(Line.REVIEWS) == Count(2, 1)
    assert found.count(Line.QUIET) == Count(1, 1)


def test_a_stranded_case_waits_for_an_advocate_and_for_nothing_else() -> None:
    held = [_timer(TimerKind.NO_FIRST_CONTACT, 1, MONDAY - timedelta(days=1), "r-9")]

    found = digest.tally(held, MONDAY, stranded={"r-9"})

    assert found.count(Line.ADVOCATE) == Count(1, 0)
    assert found.count(Line.FIRST_CONTACT) == Count(0, 0)


async def test_an_smlo_s_digest_does_not_count_a_referral_about_them(
    service: Services, stores: Stores, referrer: Actor
) -> None:
    """Their inbox leaves it out; a count that did not would tell them one is there."""
    named = sorted(SMLOS)[-1]
    await submitted(service, referrer)
    about = await submitted(service, referrer)
    about.answers = about.answers.with_changes(subject_user_id=named)
    await stores.referrals.save(about)

    assert (await service.digests.counts(named)).count(Line.TRIAGE).waiting == 1
    assert (await service.digests.counts(sorted(SMLOS)[0])).count(Line.TRIAGE).waiting == 2
    assert (await service.digests.counts()).count(Line.TRIAGE).waiting == 2
