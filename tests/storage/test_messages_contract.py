"""Every store keeps messages alike: as case record entries saved with the referral change
that sends them (with their notification, in one write), read back exactly and in order
beside the casework, with their read receipts, never written by a refused save, gone
once the referral is withdrawn or purged, and never in clear at rest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from referrals import errors
from referrals.case_record import CaseEntry, CloseOutcome, Closure, UpdateKind, UpdateRecorded
from referrals.clock import FakeClock
from referrals.notifications import NotificationKind
from referrals.people import Actor
from referrals.ports import Stores
from referrals.referral import Referral
from storage.cosmos import CosmosStores
from storage.sqlite import SqliteStores
from tests.storage.at_rest import cosmos_items, sqlite_bytes
from tests.storage.conftest import ADVOCATE, CIPHER, REFERRER, SMLO, SMLO_IDS, Scenario, as_advocate

WRITER = as_advocate(ADVOCATE)
CANARY = "CANARY-message-at-rest-4d8e"
DAY = date(2026, 5, 30)


async def send(scenario: Scenario, referral: Referral, sender: Actor, text: str) -> CaseEntry:
    sent = referral.send_message(sender, text, SMLO_IDS, scenario.tick())
    await scenario.stores.referrals.save(referral)
    return sent


async def test_messages_read_back_exactly_in_order_among_the_casework(
    stores: Stores, scenario: Scenario
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    written = [await send(scenario, case, REFERRER, "Hello — “quotes” ✓\nsecond line")]
    case.add_entry(WRITER, UpdateRecorded(UpdateKind.OTHER, DAY, "work"), SMLO_IDS, scenario.tick())
    written.append(case.new_entries[-1])
    await stores.referrals.save(case)
    written.append(await send(scenario, case, WRITER, "x" * 2000))
    written.append(await send(scenario, case, SMLO, "and me"))

    stored = await stores.referrals.get(case.id)
    entries = await stores.records.entries(stored)

    assert entries == written
    assert repr(entries) == repr(written)
    assert [m.text for m in stored.thread(entries)] == [
        "Hello — “quotes” ✓\nsecond line",
        "x" * 2000,
        "and me",
    ]


async def test_a_message_is_saved_with_its_notification_and_its_read_receipt_kept(
    stores: Stores, scenario: Scenario
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    sent = await send(scenario, case, REFERRER, "hello")
    told = [
        n.recipient_id
        for n in await stores.outbox.pending(limit=1000)
        if n.kind is NotificationKind.NEW_MESSAGE and n.referral_id == case.id
    ]
    assert told == [ADVOCATE.user_id]

    fresh = await stores.referrals.get(case.id)
    read_at = scenario.tick()
    assert fresh.mark_messages_read(WRITER, read_at) == [sent.id]
    await stores.referrals.save(fresh)

    stored = await stores.referrals.get(case.id)
    (shown,) = stored.thread(await stores.records.entries(stored))
    assert shown.read_at == read_at


async def test_a_refused_save_sends_no_message(stores: Stores, scenario: Scenario) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    stale = await stores.referrals.get(case.id)
    kept = await send(scenario, case, REFERRER, "kept")

    stale.send_message(REFERRER, "lost", SMLO_IDS, scenario.tick())
    with pytest.raises(errors.ConcurrentUpdate):
        await stores.referrals.save(stale)

    stored = await stores.referrals.get(case.id)
    assert await stores.records.entries(stored) == [kept]
    pending = await stores.outbox.pending(limit=1000)
    assert len([n for n in pending if n.kind is NotificationKind.NEW_MESSAGE]) == 1


@pytest.mark.parametrize("ending", ["withdrawn", "purged"])
async def test_withdrawing_or_purging_erases_the_messages(
    stores: Stores, scenario: Scenario, ending: str
) -> None:
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    await send(scenario, case, REFERRER, "going")
    if ending == "withdrawn":
        await scenario.change(case, lambda at: case.withdraw(REFERRER, SMLO_IDS, at))
    else:
        await scenario.change(
            case, lambda at: case.close(WRITER, at, Closure(CloseOutcome.OTHER, True))
        )
        await scenario.change(case, lambda at: _ignore(case.purge(at)))

    stored = await stores.referrals.get(case.id)
    assert await stores.records.entries(stored) == []
    assert [e.name for e in stored.history].count("MessageSent") == 1  # the line, no text


def _ignore(_: object) -> None:
    """`Scenario.change` takes an action that returns nothing; `purge` says if it did."""


async def _send_canary(stores: Stores, clock: FakeClock) -> None:
    scenario = Scenario(stores, clock)
    await stores.roster.put_advocate(ADVOCATE)
    case = await scenario.active()
    await send(scenario, case, REFERRER, CANARY)
    stored = await stores.referrals.get(case.id)
    assert [m.text for m in stored.thread(await stores.records.entries(stored))] == [CANARY]


async def test_on_sqlite_the_text_is_never_in_clear_on_disk(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "referrals.db"
    async with await SqliteStores.open(path, CIPHER) as sqlite:
        await _send_canary(sqlite.stores, clock)
        await sqlite.database.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")
    assert CANARY.encode() not in sqlite_bytes(path)


async def test_on_cosmos_the_text_is_never_in_clear_in_any_item(
    cosmos: CosmosStores, clock: FakeClock
) -> None:
    await _send_canary(cosmos.stores, clock)
    containers = await cosmos_items(cosmos.settings)
    assert containers["case_record"]
    assert CANARY not in repr(containers)
