"""Two app instances on one SQLite file, each running the reminder scheduler at the same
moments: every reminder is sent once (one notification per recipient), never twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from referrals.clock import FakeClock
from referrals.notifications import NotificationKind as Kind
from referrals.ports import Stores
from referrals.services import Services
from storage.memory import MemoryAuditLog
from storage.sqlite import SqliteStores
from tests.storage.conftest import ADVOCATE, CIPHER, SMLO, SMLO_IDS, Scenario

REMINDERS = {Kind.NOT_TRIAGED, Kind.NOT_ALLOCATED, Kind.OFFER_REMINDER, Kind.OFFER_LAPSED}


@pytest.fixture
async def two_instances(tmp_path: Path) -> AsyncIterator[tuple[SqliteStores, SqliteStores]]:
    path = tmp_path / "shared.sqlite3"
    first = await SqliteStores.open(path, CIPHER)
    second = await SqliteStores.open(path, CIPHER)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


def services(stores: Stores, clock: FakeClock) -> Services:
    return Services.build(stores, clock, frozenset(SMLO_IDS), MemoryAuditLog())


async def test_two_schedulers_on_one_store_send_each_reminder_once(
    two_instances: tuple[SqliteStores, SqliteStores],
) -> None:
    first, second = two_instances
    clock = FakeClock()  # Monday 2 March 2026, 09:00
    one, other = services(first.stores, clock), services(second.stores, clock)
    await first.stores.roster.put_advocate(ADVOCATE)
    scenario = Scenario(one.steps.stores, clock)
    left_alone = [await scenario.submitted() for _ in range(3)]
    offered = await scenario.submitted()
    await one.triage.offer(SMLO, offered.id, ADVOCATE.user_id)

    for _ in range(24 * 6):  # six days, an hour at a time, both firing at once
        clock.advance(timedelta(hours=1))
        await asyncio.gather(one.reminders.fire_due("one"), other.reminders.fire_due("two"))

    sent = [
        (n.referral_id, n.kind, n.recipient_id)
        for n in await first.stores.outbox.pending(limit=1000)
        if n.kind in REMINDERS
    ]
    assert len(sent) == len(set(sent))
    expected = (
        {
            (r.id, kind, smlo)
            for r in left_alone
            for kind in (Kind.NOT_TRIAGED, Kind.NOT_ALLOCATED)
            for smlo in SMLO_IDS
        }
        | {(offered.id, Kind.NOT_ALLOCATED, smlo) for smlo in SMLO_IDS}
        | {(offered.id, Kind.OFFER_LAPSED, smlo) for smlo in SMLO_IDS}
        | {(offered.id, Kind.OFFER_REMINDER, ADVOCATE.user_id)}
        | {(offered.id, Kind.OFFER_LAPSED, ADVOCATE.user_id)}
    )
    assert set(sent) == expected


async def test_a_restarted_instance_finds_its_timers_in_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "restart.sqlite3"
    clock = FakeClock()
    async with await SqliteStores.open(path, CIPHER) as before:
        referral = await Scenario(services(before.stores, clock).steps.stores, clock).submitted()
    clock.advance(timedelta(days=1, hours=1))

    async with await SqliteStores.open(path, CIPHER) as after:
        fired = await services(after.stores, clock).reminders.fire_due("after-restart")
        pending = await after.stores.outbox.pending(limit=100)

    assert len(fired) == 1
    assert sorted(n.recipient_id for n in pending if n.kind is Kind.NOT_TRIAGED) == sorted(SMLO_IDS)
    assert all(n.referral_id == referral.id for n in pending)


async def test_two_instances_send_each_smlo_one_digest_a_week(
    two_instances: tuple[SqliteStores, SqliteStores],
) -> None:
    first, second = two_instances
    clock = FakeClock()  # Monday 2 March 2026, 09:00
    one, other = services(first.stores, clock), services(second.stores, clock)

    for _ in range(24 * 7):  # a week, an hour at a time, both asking at once
        await asyncio.gather(
            one.digests.send_digests(clock.now()), other.digests.send_digests(clock.now())
        )
        clock.advance(timedelta(hours=1))

    sent = [
        (n.referral_id, n.recipient_id)
        for n in await first.stores.outbox.pending(limit=1000)
        if n.kind is Kind.WEEKLY_DIGEST
    ]
    assert sorted(sent) == [(f"digest-notice:2026-W10:{smlo}", smlo) for smlo in sorted(SMLO_IDS)]
