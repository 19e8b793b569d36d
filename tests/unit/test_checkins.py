"""The wellbeing check-in rules and use cases, on the in-memory stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from referrals import checkins
from referrals.audit import CHECKINS, AuditAction, Outcome
from referrals.checkins import CheckinInvalid, Feeling
from referrals.clock import FakeClock
from referrals.notifications import NotificationKind
from referrals.people import Actor, Advocate
from referrals.services import Services
from storage.memory import MemoryAuditLog, memory_stores

JUNE = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)
ADVOCATE = Actor("u-adv-1", "Alex", is_advocate=True)
OTHER_ADVOCATE = Actor("u-adv-2", "Bea", is_advocate=True)
SMLO = Actor("u-smlo", "Sue", is_smlo=True)
AUDITOR = Actor("u-dpo", "Dee", is_auditor=True)


def test_an_answer_out_of_bounds_names_every_field_to_fix() -> None:
    with pytest.raises(CheckinInvalid) as refused:
        checkins.answer(ADVOCATE, "2026-06", "great", "9", "1000", JUNE)

    assert refused.value.fields == ("feeling", "capacity", "hours")


def test_hours_are_optional_and_the_month_is_the_one_it_is_answered_in() -> None:
    checkin = checkins.answer(ADVOCATE, "1999-01", "stretched", "0", " ", JUNE)

    assert (checkin.month, checkin.feeling, checkin.capacity, checkin.hours) == (
        "2026-06",
        Feeling.STRETCHED,
        0,
        None,
    )


def test_only_an_advocate_answers_and_only_an_smlo_reads() -> None:
    with pytest.raises(checkins.NotAnAdvocateForCheckin):
        checkins.answer(SMLO, "2026-06", "fine", "1", "", JUNE)
    assert checkins.may_read(SMLO)
    assert not checkins.may_read(ADVOCATE)
    assert not checkins.may_read(AUDITOR)


def test_the_checkin_day_falls_on_the_last_day_of_a_shorter_month() -> None:
    assert checkins.is_due(datetime(2026, 2, 28, tzinfo=UTC), 31)
    assert not checkins.is_due(datetime(2026, 3, 30, tzinfo=UTC), 31)
    assert checkins.is_due(JUNE, 1)
    assert not checkins.is_due(JUNE, 0), "SMA_CHECKIN_DAY=0: none are sent"


async def services(day: int = 1) -> tuple[Services, MemoryAuditLog]:
    stores, audit = memory_stores(), MemoryAuditLog()
    for user in (ADVOCATE, OTHER_ADVOCATE):
        await stores.roster.put_advocate(Advocate(user.user_id, user.display_name))
    await stores.roster.put_advocate(Advocate("u-gone", "Gil", active=False))
    built = Services.build(
        stores, FakeClock(JUNE), frozenset({"u-smlo", "u-smlo-2"}), audit, checkin_day=day
    )
    return built, audit


async def test_sending_twice_in_a_month_sends_each_advocate_one_checkin() -> None:
    service, _ = await services()

    first = await service.checkins.send_checkins(JUNE)
    second = await service.checkins.send_checkins(JUNE)
    pending = await service.steps.stores.outbox.pending()

    assert (first, second) == (["u-adv-1", "u-adv-2"], [])
    assert sorted(n.recipient_id for n in pending) == ["u-adv-1", "u-adv-2"]
    assert {n.kind for n in pending} == {NotificationKind.CHECKIN_DUE}


async def test_nothing_is_sent_before_the_checkin_day() -> None:
    service, _ = await services(day=10)

    assert await service.checkins.due_checkins(JUNE) == []
    assert await service.checkins.send_checkins(JUNE) == []


async def test_would_like_to_talk_tells_every_smlo_once_without_content() -> None:
    service, audit = await services()

    await service.checkins.answer(ADVOCATE, "2026-06", "talk", "1", "4")
    await service.checkins.answer(ADVOCATE, "2026-06", "talk", "1", "4")  # a double click
    await service.checkins.answer(ADVOCATE, "2026-06", "talk", "0", "4")  # still talk
    pending = await service.steps.stores.outbox.pending()

    assert sorted(n.recipient_id for n in pending) == ["u-smlo", "u-smlo-2"]
    assert {n.kind for n in pending} == {NotificationKind.ONE_TO_ONE_ASKED}
    assert all("u-adv-1" not in n.referral_id for n in pending)
    latest = await service.checkins.latest(SMLO)
    assert (latest["u-adv-1"].capacity, latest["u-adv-1"].hours) == (0, 4)
    trail = await audit.for_referral(CHECKINS)
    assert [e.action for e in trail].count(AuditAction.ANSWER_CHECKIN) == 2


async def test_another_advocate_and_the_auditor_cannot_read_checkins() -> None:
    service, audit = await services()
    await service.checkins.answer(ADVOCATE, "2026-06", "fine", "2")

    for reader in (OTHER_ADVOCATE, AUDITOR):
        with pytest.raises(checkins.MayNotReadCheckins):
            await service.checkins.latest(reader)

    refused = [e for e in await audit.for_referral(CHECKINS) if e.outcome is Outcome.REFUSED]
    assert [e.actor_id for e in refused] == ["u-adv-2", "u-dpo"]
