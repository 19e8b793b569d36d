"""The background reminder loop: derives timers at start, fires what is due when woken,
wakes the outbox when it queued something, and stops cleanly when cancelled."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.reminders import ReminderLoop
from referrals.clock import FakeClock
from referrals.notifications import NotificationKind as Kind
from referrals.people import Actor, Advocate
from referrals.ports import Stores
from referrals.services import Services
from tests.unit.test_services import submitted

BOUND = 10.0  # generous: the loop is woken, never waited out


async def test_the_loop_fires_due_reminders_when_woken_and_wakes_the_outbox(
    service: Services, stores: Stores, clock: FakeClock, referrer: Actor
) -> None:
    await submitted(service, referrer)
    woken = asyncio.Event()
    loop = ReminderLoop(service.reminders, clock, woken.set, tick_seconds=3600)
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(BOUND):
            await loop.next_pass()
        assert not woken.is_set()  # nothing due yet

        clock.advance(timedelta(days=1))
        loop.wake()
        async with asyncio.timeout(BOUND):
            await woken.wait()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    assert task.cancelled()
    kinds = [n.kind for n in await stores.outbox.pending(limit=100)]
    assert kinds.count(Kind.NOT_TRIAGED) == 2  # one to each SMLO


async def test_the_loop_schedules_timers_lost_between_a_save_and_the_timer_store(
    service: Services, stores: Stores, clock: FakeClock, referrer: Actor
) -> None:
    referral = await submitted(service, referrer)
    for timer in await stores.timers.due(clock.now() + timedelta(days=30)):
        await stores.timers.cancel(timer.id)  # as if the instance stopped after the save
    loop = ReminderLoop(service.reminders, clock, lambda: None, tick_seconds=3600)
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(BOUND):
            await loop.next_pass()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    again = await stores.timers.due(clock.now() + timedelta(days=30))
    assert {t.subject_id for t in again} == {referral.id}


async def test_the_loop_sends_the_months_check_ins_once_at_start_and_wakes_the_outbox(
    service: Services, stores: Stores, clock: FakeClock
) -> None:
    """The hourly pass (and the first, at start-up) sends the advocates' check-ins due this
    month; another pass the same month sends none again."""
    await stores.roster.put_advocate(Advocate("adv-1", "Alex Morgan"))
    woken = asyncio.Event()
    loop = ReminderLoop(
        service.reminders,
        clock,
        woken.set,
        tick_seconds=3600,
        checkins=service.checkins.send_checkins,
    )
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(BOUND):
            await woken.wait()  # the check-ins were queued: the outbox is told
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    sent = [n for n in await stores.outbox.pending(limit=100) if n.kind is Kind.CHECKIN_DUE]
    assert "adv-1" in [n.recipient_id for n in sent]
    assert await service.checkins.send_checkins(clock.now()) == [], "once a month"


async def test_the_loop_sends_the_weekly_digest_on_monday_morning_and_wakes_the_outbox(
    service: Services, stores: Stores, clock: FakeClock
) -> None:
    """The clock stands at Monday 09:00: the first pass queues each SMLO's digest."""
    woken = asyncio.Event()
    loop = ReminderLoop(
        service.reminders,
        clock,
        woken.set,
        tick_seconds=3600,
        digests=service.digests.send_digests,
    )
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(BOUND):
            await woken.wait()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    sent = [n for n in await stores.outbox.pending(limit=100) if n.kind is Kind.WEEKLY_DIGEST]
    assert sorted(n.recipient_id for n in sent) == sorted(service.smlo_ids)
    assert await service.digests.send_digests(clock.now()) == [], "once a week"
