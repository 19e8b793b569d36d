"""What only the SQLite adapter promises: durability, pragmas, schema versions, and
concurrency between separate connections (as between two bot processes)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest

from referrals import errors
from referrals.clock import FakeClock
from referrals.notifications import NotificationKind
from storage.sqlite import SqliteStores
from storage.sqlite_database import MIGRATIONS, SqliteDatabase
from tests.storage.conftest import ADVOCATE, CIPHER, SMLO, Scenario


async def test_data_survives_closing_and_reopening_the_file(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "referrals.db"
    async with await SqliteStores.open(path, CIPHER) as sqlite:
        scenario = Scenario(sqlite.stores, clock)
        referral = await scenario.active(ADVOCATE)
        await sqlite.stores.roster.put_advocate(ADVOCATE)
        await sqlite.stores.conversations.put_reference(SMLO.user_id, {"channelId": "msteams"})
        pending = await sqlite.stores.outbox.pending()

    async with await SqliteStores.open(path, CIPHER) as reopened:
        stores = reopened.stores
        stored = await stores.referrals.get(referral.id)
        assert stored == referral
        assert repr(stored) == repr(referral)
        assert await stores.roster.list_advocates() == [ADVOCATE]
        assert await stores.conversations.get_reference(SMLO.user_id) == {"channelId": "msteams"}
        assert await stores.outbox.pending() == pending
        assert await stores.referrals.next_reference_number(clock.now().year) == 2


async def test_wal_journal_mode_foreign_keys_and_busy_timeout_are_on(tmp_path: Path) -> None:
    async with await SqliteStores.open(tmp_path / "referrals.db", CIPHER) as sqlite:
        database = sqlite.database
        for pragma, expected in [("journal_mode", "wal"), ("foreign_keys", 1)]:
            row = await database.fetch_one(f"PRAGMA {pragma}")
            assert row is not None
            assert row[0] == expected
        row = await database.fetch_one("PRAGMA busy_timeout")
        assert row is not None
        assert row[0] > 0


async def test_schema_version_is_recorded_and_reopening_does_not_migrate_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "referrals.db"
    for _ in range(2):
        async with await SqliteStores.open(path, CIPHER) as sqlite:
            row = await sqlite.database.fetch_one("PRAGMA user_version")
            assert row is not None
            assert row[0] == len(MIGRATIONS)


async def test_a_database_from_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "referrals.db"
    async with aiosqlite.connect(path) as connection:
        await connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")

    with pytest.raises(RuntimeError, match="newer than this code"):
        await SqliteStores.open(path, CIPHER)


async def test_the_database_will_not_open_without_the_work_its_migrations_need(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValueError, match=r"no fill given for schema migration \[5, 8, 10, 11\]"):
        await SqliteDatabase.open(tmp_path / "referrals.db", CIPHER, fills={})

    assert not (tmp_path / "referrals.db").exists(), "refused before touching the file"


async def test_two_connections_saving_the_same_version_let_exactly_one_win(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "referrals.db"
    async with (
        await SqliteStores.open(path, CIPHER) as one,
        await SqliteStores.open(path, CIPHER) as two,
    ):
        submitted = await Scenario(one.stores, clock).submitted()
        first = await one.stores.referrals.get(submitted.id)
        second = await two.stores.referrals.get(submitted.id)
        first.offer(SMLO, ADVOCATE, clock.now())
        second.offer(SMLO, ADVOCATE, clock.now())

        await one.stores.referrals.save(first)
        with pytest.raises(errors.ConcurrentUpdate):
            await two.stores.referrals.save(second)

        offers = [
            n for n in await two.stores.outbox.pending() if n.kind is NotificationKind.OFFERED
        ]
        assert len(offers) == 1
        assert (await two.stores.referrals.get(submitted.id)).version == first.version


async def test_reference_numbers_stay_unique_across_two_connections(tmp_path: Path) -> None:
    path = tmp_path / "referrals.db"
    async with (
        await SqliteStores.open(path, CIPHER) as one,
        await SqliteStores.open(path, CIPHER) as two,
    ):
        calls = [s.stores.referrals.next_reference_number(2026) for s in (one, two) * 25]
        numbers = await asyncio.gather(*calls)

    assert sorted(numbers) == list(range(1, 51))


async def test_a_failed_save_leaves_the_connection_ready_for_the_next(
    clock: FakeClock,
) -> None:
    async with await SqliteStores.open(":memory:", CIPHER) as sqlite:
        scenario = Scenario(sqlite.stores, clock)
        draft = await scenario.draft()
        draft.version = 7
        with pytest.raises(errors.ConcurrentUpdate):
            await sqlite.stores.referrals.save(draft)

        # a transaction left open would make this BEGIN IMMEDIATE fail
        assert (await scenario.draft()).version == 1


async def test_a_transaction_cancelled_midway_rolls_back_and_the_database_stays_usable(
    tmp_path: Path,
) -> None:
    stores = await SqliteStores.open(tmp_path / "cancel.sqlite3", CIPHER)
    try:
        inside = asyncio.Event()

        async def slow_write() -> None:
            async with stores.database.transaction() as connection:
                await connection.execute("INSERT INTO counters (year, value) VALUES (1999, 7)")
                inside.set()
                await asyncio.sleep(3600)

        task = asyncio.create_task(slow_write())
        await inside.wait()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)  # generous: a busy machine

        assert task in done
        assert task.cancelled()
        assert await stores.database.fetch_all("SELECT * FROM counters WHERE year = 1999") == []
        assert await stores.stores.referrals.next_reference_number(2026) == 1
    finally:
        await stores.close()


async def test_a_transaction_cancelled_while_it_begins_leaves_the_file_free_for_others(
    tmp_path: Path,
) -> None:
    """A job stopped when its instance loses a lease may be stopped anywhere, even while
    BEGIN IMMEDIATE waits its turn on the connection's thread: the BEGIN still runs
    there, so it must be rolled back, or the write lock stays with this connection."""
    path = tmp_path / "cancel.sqlite3"
    async with (
        await SqliteStores.open(path, CIPHER) as one,
        await SqliteStores.open(path, CIPHER) as other,
    ):

        async def write() -> None:
            async with one.database.transaction() as connection:
                await connection.execute("INSERT INTO counters (year, value) VALUES (1999, 7)")

        task = asyncio.create_task(write())
        await asyncio.sleep(0)  # it now waits for its BEGIN IMMEDIATE
        task.cancel()
        await asyncio.wait({task}, timeout=2)

        assert task.cancelled()
        async with asyncio.timeout(2):  # less than the busy timeout: no lock is held
            assert await other.stores.referrals.next_reference_number(2026) == 1
        assert await one.stores.referrals.next_reference_number(2026) == 2
