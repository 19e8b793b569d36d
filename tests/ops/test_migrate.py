"""Moving from SQLite to Cosmos DB: everything arrives as it was, and the counts prove it."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from botbuilder.core import StoreItem

from ops import migrate
from referrals.case_record import ContactHow, ContactLogged
from referrals.clock import FakeClock
from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.people import Actor, Advocate
from referrals.services import Services
from referrals.subjects import BlindIndex
from storage.cosmos import CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.cosmos_bot_state import CosmosBotStateStorage
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog
from storage.sqlite_bot_state import SqliteBotStateStorage
from tests.storage.conftest import CIPHER, key_ring
from tests.storage.cosmos_server import EMULATOR_KEY, CosmosTestServer

SMLO = Actor("00000000-0000-4000-8000-00000000a001", "Sky", is_smlo=True)
ADVOCATE = Advocate("00000000-0000-4000-8000-00000000b001", "Alex Morgan", "Response East")
ANSWERS = IntakeAnswers(
    route=Route.WITNESSED,
    account="CANARY-MIGRATE what happened",
    subject_name="Jo CANARY-MIGRATE",  # three referrers name one person: they match
    consent=True,
)
BLIND = BlindIndex(hashlib.sha256(b"migrate blind index key").digest())


async def filled_sqlite(path: Path) -> tuple[SqliteStores, list[str]]:
    """Three referrals (one offered, one accepted), a roster, a chat, audit, dialog state."""
    sqlite = await SqliteStores.open(path, CIPHER)
    service = Services.build(
        sqlite.stores,
        FakeClock(),
        frozenset({SMLO.user_id}),
        SqliteAuditLog(sqlite.database),
        blind_index=BLIND,
    )
    await sqlite.stores.roster.put_advocate(ADVOCATE)
    holder = Actor(ADVOCATE.user_id, ADVOCATE.display_name, is_advocate=True)
    ids = []
    for n in range(3):
        referrer = Actor(f"00000000-0000-4000-8000-00000000c00{n}", f"Referrer {n}")
        draft = await service.intake.start_draft(referrer)
        await service.intake.record_answers(referrer, draft.id, ANSWERS, IntakeStep.REVIEW)
        ids.append((await service.intake.submit(referrer, draft.id)).id)
    await service.triage.offer(SMLO, ids[0], ADVOCATE.user_id)
    await service.triage.offer(SMLO, ids[1], ADVOCATE.user_id)
    await service.casework.accept(holder, ids[1])
    for how in (ContactHow.ATTEMPT, ContactHow.PHONE):
        contact = ContactLogged(FakeClock().now(), how, "CANARY-MIGRATE note")
        await service.case_record.add(holder, ids[1], contact)
    first = (await sqlite.stores.outbox.pending())[0]
    await sqlite.stores.outbox.mark_sent(first.id, "a:chat", "m1", FakeClock().now())
    await sqlite.stores.conversations.put_reference(SMLO.user_id, {"conversation": {"id": "a:1"}})
    await SqliteBotStateStorage(sqlite).write({"msteams/conversations/a:1": StoreItem(step=3)})
    # The month's check-in went to Alex, who asked to talk: a check-in, its sent marker and
    # the notices about no referral (the card to Alex, the note to the SMLO).
    await service.checkins.send_checkins(FakeClock().now())
    await service.checkins.answer(holder, "", "talk", "1", "7")
    return sqlite, ids


async def test_everything_arrives_in_cosmos_as_it_was_and_the_counts_match(
    tmp_path: Path, cosmos_server: CosmosTestServer
) -> None:
    sqlite, ids = await filled_sqlite(tmp_path / "old.sqlite3")
    try:
        async with await CosmosStores.open(cosmos_server.settings(), CIPHER) as cosmos:
            copied, found = await migrate.migrate(sqlite, cosmos)

            assert copied == found
            assert (copied.referrals, copied.advocates, copied.conversations) == (3, 1, 1)
            assert copied.notifications > 3
            assert copied.dialog_states == 1
            assert copied.case_entries == 2
            assert (copied.checkins, copied.checkins_sent) == (1, 1)
            assert copied.subject_marks == 3
            assert sorted(await cosmos.stores.subjects.sharing(ids[2]), key=repr) == sorted(
                await sqlite.stores.subjects.sharing(ids[2]), key=repr
            )
            assert await cosmos.stores.checkins.latest() == await sqlite.stores.checkins.latest()
            assert await cosmos.stores.checkins.sent_to("2026-03") == {ADVOCATE.user_id}
            held = await cosmos.stores.referrals.get(ids[1])
            assert await cosmos.stores.records.entries(held) == (
                await sqlite.stores.records.entries(held)
            )
            for referral_id in ids:
                assert await cosmos.stores.referrals.get(referral_id) == (
                    await sqlite.stores.referrals.get(referral_id)
                )
            assert await cosmos.stores.outbox.pending(100) == await sqlite.stores.outbox.pending(
                100
            )
            assert await cosmos.stores.referrals.next_reference_number(2026) == 4, (
                "numbering goes on"
            )
            assert await CosmosAuditLog(cosmos.database).for_referral(ids[1]) == (
                await SqliteAuditLog(sqlite.database).for_referral(ids[1])
            )
            state = await CosmosBotStateStorage(cosmos.database, FakeClock()).read(
                ["msteams/conversations/a:1"]
            )
            assert getattr(state["msteams/conversations/a:1"], "step", None) == 3

            with pytest.raises(migrate.MigrationRefused):
                await migrate.migrate(sqlite, cosmos)  # one shot: never into a filled database
    finally:
        await sqlite.close()


async def test_the_command_reports_verified_counts_and_refuses_without_keys(
    tmp_path: Path, cosmos_server: CosmosTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite, _ = await filled_sqlite(tmp_path / "old.sqlite3")
    await sqlite.close()
    ring = key_ring("test", current="test")
    env = {
        "SMA_DATA_KEYS": f"test:{base64.b64encode(ring.key('test')).decode()}",
        "SMA_DATA_KEY_ID": "test",
        "SMA_COSMOS_ENDPOINT": cosmos_server.endpoint,
        "SMA_COSMOS_DATABASE": "migrated",
        "SMA_COSMOS_KEY": EMULATOR_KEY,
        "SMA_COSMOS_INSECURE_SKIP_TLS_VERIFY": "true",
    }

    assert await migrate.run(tmp_path / "old.sqlite3", {}) == 2
    assert await migrate.run(tmp_path / "old.sqlite3", env) == 0

    out = capsys.readouterr().out
    assert "verified: every count matches" in out
    assert "referrals=3" in out
    assert "CANARY" not in out
