"""Key rotation: old-key records still read, the command moves them, and then the old key
can go."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from pathlib import Path

import pytest

from ops.reencrypt import main, reencrypt_sqlite
from referrals import statistics
from referrals.case_record import ContactHow, ContactLogged
from referrals.clock import FakeClock
from referrals.notifications import NotificationKind
from referrals.referral import Referral
from storage.crypto import FieldCipher, UndecryptableValue
from storage.sqlite import SqliteStores
from storage.sqlite_bot_state import SqliteBotStateStorage
from tests.storage.conftest import (
    ADVOCATE,
    REFERRER,
    SMLO,
    SMLO_IDS,
    Scenario,
    as_advocate,
    key_ring,
)

OLD = FieldCipher(key_ring("k-old", current="k-old"))
ROTATED = FieldCipher(key_ring("k-old", "k-new", current="k-new"))
NEW_ONLY = FieldCipher(key_ring("k-new", current="k-new"))
ALLOCATED = NotificationKind.ADVOCATE_ALLOCATED
REFERENCE = {"user": {"id": "29:someone"}, "channelId": "msteams"}
STATE = {"name": "Sam", "step": 2}


async def write_under_the_old_key(path: Path, clock: FakeClock) -> list[Referral]:
    """Three referrals (one of them a draft), their notifications, a conversation reference
    and dialog state: every kind of encrypted value."""
    async with await SqliteStores.open(path, OLD) as sqlite:
        scenario = Scenario(sqlite.stores, clock)
        written = [await scenario.active(), await scenario.submitted(), await scenario.draft()]
        holder = as_advocate(ADVOCATE)
        for how in (ContactHow.ATTEMPT, ContactHow.PHONE):
            contact = ContactLogged(clock.now(), how, "a note")
            written[0].add_entry(holder, contact, SMLO_IDS, clock.now())
        await sqlite.stores.referrals.save(written[0])
        await sqlite.stores.conversations.put_reference(REFERRER.user_id, REFERENCE)
        await SqliteBotStateStorage(sqlite, clock).write({"msteams/conversations/c1/": STATE})
        (told,) = [n for n in await sqlite.stores.outbox.pending() if n.kind is ALLOCATED]
        await sqlite.stores.outbox.mark_sent(told.id, "a:chat", "activity-1", clock.now())
    return written


async def assert_everything_reads(path: Path, cipher: FieldCipher, written: list[Referral]) -> None:
    async with await SqliteStores.open(path, cipher) as sqlite:
        stores = sqlite.stores
        for referral in written:
            assert await stores.referrals.get(referral.id) == referral
        entries = await stores.records.entries(written[0])
        assert [e.content.note for e in entries] == ["a note"] * 2  # type: ignore[union-attr]
        assert await stores.referrals.find_draft(REFERRER.user_id) == written[2]
        assert len(await stores.referrals.list_for_referrer(REFERRER.user_id)) == 2
        assert await stores.conversations.get_reference(REFERRER.user_id) == REFERENCE
        assert len(await stores.outbox.pending()) > 0
        told = await stores.outbox.find_sent(written[0].id, REFERRER.user_id, ALLOCATED)
        assert told is not None
        assert (told.recipient_id, told.conversation_id) == (REFERRER.user_id, "a:chat")
        state = await SqliteBotStateStorage(sqlite).read(["msteams/conversations/c1/"])
        assert state["msteams/conversations/c1/"]["step"] == 2  # type: ignore[index]
        figures = statistics.recount(written)
        assert await stores.referrals.statistics(list(figures)) == figures


async def key_ids_in_use(path: Path) -> set[str]:
    async with await SqliteStores.open(path, NEW_ONLY) as sqlite:
        db = sqlite.database
        tokens = [
            json.loads(r[0])["sealed"] for r in await db.fetch_all("SELECT document FROM referrals")
        ]
        tokens += [
            json.loads(r[0])["sealed"] for r in await db.fetch_all("SELECT document FROM outbox")
        ]
        for table in ("conversation_references", "bot_state", "statistics_months"):
            tokens += [r[0] for r in await db.fetch_all(f"SELECT document FROM {table}")]  # noqa: S608
        tokens += [
            json.loads(r[0])["sealed"]
            for r in await db.fetch_all("SELECT document FROM case_entries")
        ]
    return {token.split(".")[1] for token in tokens}


async def test_old_key_records_read_the_command_moves_them_and_the_old_key_can_go(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "referrals.db"
    written = await write_under_the_old_key(path, clock)
    await assert_everything_reads(path, ROTATED, written)

    async with await SqliteStores.open(path, ROTATED) as sqlite:
        # New writes use the new key; a change to an old-key referral is found by its old index.
        referral = await sqlite.stores.referrals.get(written[1].id)
        referral.offer(SMLO, ADVOCATE, clock.now())
        await sqlite.stores.referrals.save(referral)
        written[1] = referral
        first = await reencrypt_sqlite(sqlite.database, batch_size=2)
        again = await reencrypt_sqlite(sqlite.database, batch_size=2)

    assert {table: c.moved for table, c in first.items()} == {
        "referrals": 2,  # the third was rewritten under the new key by the offer
        "outbox": first["outbox"].checked - 1,  # the offer's notification is new
        "conversation_references": 1,
        "bot_state": 1,
        "statistics_months": 1,  # one month's figures (the offer changed none)
        "case_entries": 2,
    }
    assert {c.moved for c in again.values()} == {0}
    assert {table: c.checked for table, c in again.items()} == {
        table: c.checked for table, c in first.items()
    }
    assert await key_ids_in_use(path) == {"k-new"}
    await assert_everything_reads(path, NEW_ONLY, written)


async def test_without_the_old_key_old_records_do_not_read_and_the_command_stops_clearly(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "referrals.db"
    written = await write_under_the_old_key(path, clock)

    async with await SqliteStores.open(path, NEW_ONLY) as sqlite:
        with pytest.raises(UndecryptableValue, match="'k-old'"):
            await sqlite.stores.referrals.get(written[0].id)
        # The old index finds nothing under a ring without the old key.
        assert await sqlite.stores.referrals.find_draft(REFERRER.user_id) is None


def test_the_command_reads_keys_from_the_environment_and_prints_only_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "referrals.db"
    asyncio.run(write_under_the_old_key(path, FakeClock()))

    assert main(["--sqlite", str(path), "--batch-size", "1"], environment("k-old", "k-new")) == 0
    printed = capsys.readouterr().out
    assert "referrals: 3 checked, 3 moved to k-new" in printed
    assert "bot_state: 1 checked, 1 moved to k-new" in printed
    for content in (REFERRER.user_id, REFERRER.display_name, "Sam", "someone"):
        assert content not in printed

    assert main(["--sqlite", str(path)], environment("k-new")) == 0
    assert "referrals: 3 checked, 0 moved to k-new" in capsys.readouterr().out


def test_the_command_refuses_missing_keys_a_missing_file_and_an_incomplete_ring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "referrals.db"
    assert main(["--sqlite", str(path)], environment("k-new")) == 2
    assert "no database file" in capsys.readouterr().err

    asyncio.run(write_under_the_old_key(path, FakeClock()))
    assert main(["--sqlite", str(path)], {}) == 2
    assert "SMA_DATA_KEYS is not set" in capsys.readouterr().err

    assert main(["--sqlite", str(path)], environment("k-new")) == 1
    error = capsys.readouterr().err
    assert "'k-old'" in error
    assert "not in the key ring" in error
    assert REFERRER.user_id not in error


def environment(*key_ids: str) -> dict[str, str]:
    """The configuration for `key_ring(*key_ids)`, the last one current."""
    keys = (
        f"{i}:{base64.b64encode(hashlib.sha256(f'test key {i}'.encode()).digest()).decode()}"
        for i in key_ids
    )
    return {"SMA_DATA_KEYS": ",".join(keys), "SMA_DATA_KEY_ID": key_ids[-1]}
