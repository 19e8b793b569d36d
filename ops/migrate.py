"""One-shot copy of an SQLite store into Azure Cosmos DB, checked by counting both sides.

    python -m ops.migrate --sqlite var/sma.sqlite3

The data keys (`SMA_DATA_KEYS`, `SMA_DATA_KEY_ID`) and the Cosmos DB connection
(`SMA_COSMOS_ENDPOINT`, `SMA_COSMOS_DATABASE`, `SMA_COSMOS_KEY` or Entra ID, …) come from
the environment, as for the bot. Everything is copied as it stands: referrals with their
history, versions and notifications (and whether each was delivered), reference counters,
the roster, conversation references, the audit trail, dialog state, the case record, and
the advocates' check-ins (with which month's went to whom), and the blind indexes of whom
referrals name (keyed hashes, copied as they are: the blind index key stays the same).
Timers are not copied: the bot
derives them again at start-up, and each referral's history stops a reminder going twice.
Values are opened with the keys and sealed again for Cosmos DB, so nothing is ever written
in clear. A target
that already holds referrals is refused: run it once, into an empty database. Prints counts
only, never content. Exit codes: 0 copied and verified, 1 counts differ, 2 refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from ops.environment import cosmos_settings
from referrals.audit import ActorRole, AuditAction, AuditEntry, Outcome
from referrals.clock import SystemClock
from referrals.notifications import Notification
from referrals.subjects import SubjectMark
from storage import codec, sealing
from storage.checkin_codec import open_checkin
from storage.cosmos import CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.cosmos_bot_state import CosmosBotStateStorage
from storage.cosmos_database import query
from storage.cosmos_outbox import NOTICES
from storage.cosmos_referrals import COUNTER_TYPE, REFERRAL_TYPE, CosmosReferralStore
from storage.crypto import FieldCipher
from storage.entry_codec import open_entry, seal_entry
from storage.keys import KeyConfigError, load_key_ring
from storage.sqlite import SqliteStores
from storage.sqlite_bot_state import SqliteBotStateStorage


class MigrationRefused(Exception):
    pass


@dataclass
class Counts:
    referrals: int = 0
    notifications: int = 0
    counters: int = 0
    advocates: int = 0
    conversations: int = 0
    audit_entries: int = 0
    dialog_states: int = 0
    case_entries: int = 0
    checkins: int = 0  # the advocates' answers
    checkins_sent: int = 0  # which month's check-in (and week's digest) went to whom
    subject_marks: int = 0  # blind index rows of whom referrals name

    def lines(self) -> list[str]:
        return [f"{f.name}={getattr(self, f.name)}" for f in fields(self)]


async def migrate(sqlite: SqliteStores, cosmos: CosmosStores) -> tuple[Counts, Counts]:
    """Copy everything; returns (copied from SQLite, found in Cosmos DB afterwards)."""
    db, cipher, target = sqlite.database, sqlite.database.cipher, cosmos.database
    if await query(
        target.referrals, "SELECT VALUE COUNT(1) FROM c WHERE c.type = @t", t=REFERRAL_TYPE
    ) != [0]:
        raise MigrationRefused("the Cosmos DB database already holds referrals")
    copied = Counts()
    outbox: dict[str, list[Notification]] = defaultdict(list)
    for row in await db.fetch_all("SELECT document FROM outbox"):
        stored = sealing.open_notification(json.loads(row[0]), cipher)
        note = codec.notification_from_doc(stored)
        outbox[note.referral_id].append(note)
        copied.notifications += 1
    referrals = cosmos.stores.referrals
    assert isinstance(referrals, CosmosReferralStore)
    for row in await db.fetch_all("SELECT document FROM referrals"):
        referral = codec.referral_from_doc(sealing.open_referral(json.loads(row[0]), cipher))
        await referrals.import_referral(referral, outbox.pop(referral.id, []))
        copied.referrals += 1
    # What is left is about no referral (a check-in card, a one-to-one note, a digest),
    # each held in a notices document of its own, as the Cosmos DB check-in store keeps it.
    for holder, notes in outbox.items():
        sealed = [
            sealing.seal_notification(codec.notification_to_doc(n), target.cipher) for n in notes
        ]
        await target.referrals.create_item({"id": holder, "type": NOTICES, "outbox": sealed})
    await _copy_checkins(sqlite, cosmos, copied)
    for year, value in await db.fetch_all("SELECT year, value FROM counters"):
        await referrals.import_counter(int(year), int(value))
        copied.counters += 1
    for advocate in await sqlite.stores.roster.list_advocates():
        await cosmos.stores.roster.put_advocate(advocate)
        copied.advocates += 1
    for row in await db.fetch_all("SELECT user_key, document FROM conversation_references"):
        user_id, reference = sealing.open_reference({"user_key": row[0], "sealed": row[1]}, cipher)
        await cosmos.stores.conversations.put_reference(user_id, reference)
        copied.conversations += 1
    for row in await db.fetch_all("SELECT document FROM case_entries ORDER BY rowid"):
        entry = open_entry(json.loads(row[0]), cipher)
        await target.case_record.create_item(seal_entry(entry, target.cipher))
        copied.case_entries += 1
    await _copy_subject_index(sqlite, cosmos, copied)
    await _copy_audit(sqlite, cosmos, copied)
    await _copy_dialog_state(sqlite, cosmos, copied)
    return copied, await count(cosmos)


async def _copy_subject_index(sqlite: SqliteStores, cosmos: CosmosStores, copied: Counts) -> None:
    """Keyed hashes only, nothing to open or seal: copied as they are, per referral."""
    rows = await sqlite.database.fetch_all(
        "SELECT referral_id, blind, referrer FROM subject_index ORDER BY rowid"
    )
    marks: dict[str, list[SubjectMark]] = defaultdict(list)
    for referral_id, blind, referrer in rows:
        marks[referral_id].append(SubjectMark(referral_id, blind, referrer))
    for referral_id, found in marks.items():
        await cosmos.stores.subjects.put(referral_id, found)
        copied.subject_marks += len(found)


async def _copy_checkins(sqlite: SqliteStores, cosmos: CosmosStores, copied: Counts) -> None:
    db, target = sqlite.database, cosmos.database
    for row in await db.fetch_all("SELECT document FROM checkins"):
        checkin = open_checkin(json.loads(row[0]), db.cipher)
        await cosmos.stores.checkins.record(checkin, [])
        copied.checkins += 1
    for month, advocate_id in await db.fetch_all("SELECT month, advocate_id FROM checkins_sent"):
        marker = {"id": f"sent:{month}:{advocate_id}", "type": "sent", "month": str(month)}
        await target.checkins.upsert_item(marker | {"advocate_id": str(advocate_id)})
        copied.checkins_sent += 1


async def _copy_audit(sqlite: SqliteStores, cosmos: CosmosStores, copied: Counts) -> None:
    audit = CosmosAuditLog(cosmos.database)
    rows = await sqlite.database.fetch_all(
        "SELECT at, referral_id, actor_id, actor_role, action, outcome FROM audit ORDER BY seq"
    )
    for at, referral_id, actor_id, role, action, outcome in rows:
        entry = AuditEntry(
            datetime.fromisoformat(str(at)),
            str(referral_id),
            str(actor_id),
            ActorRole(role),
            AuditAction(action),
            Outcome(outcome),
        )
        await audit.append(entry)
        copied.audit_entries += 1


async def _copy_dialog_state(sqlite: SqliteStores, cosmos: CosmosStores, copied: Counts) -> None:
    keys = [str(row[0]) for row in await sqlite.database.fetch_all("SELECT key FROM bot_state")]
    source = SqliteBotStateStorage(sqlite, SystemClock())
    items: dict[str, Any] = await source.read(keys) if keys else {}
    for value in items.values():  # a fresh, unconditional write in the new store
        if isinstance(value, dict):
            value["e_tag"] = "*"
        elif hasattr(value, "e_tag"):
            value.e_tag = "*"
    if items:
        await CosmosBotStateStorage(cosmos.database, SystemClock()).write(items)
    copied.dialog_states = len(items)


async def count(cosmos: CosmosStores) -> Counts:
    db = cosmos.database

    async def total(container: Any, of_type: str = "") -> int:
        if of_type:
            sql = "SELECT VALUE COUNT(1) FROM c WHERE c.type = @t"
            found = await query(container, sql, t=of_type)
        else:
            found = await query(container, "SELECT VALUE COUNT(1) FROM c")
        return int(found[0]) if found else 0

    async def outboxes(of_type: str) -> int:
        sql = "SELECT VALUE ARRAY_LENGTH(c.outbox) FROM c WHERE c.type = @t"
        return sum(int(n) for n in await query(db.referrals, sql, t=of_type))

    return Counts(
        referrals=await total(db.referrals, REFERRAL_TYPE),
        notifications=await outboxes(REFERRAL_TYPE) + await outboxes(NOTICES),
        counters=await total(db.referrals, COUNTER_TYPE),
        advocates=await total(db.roster),
        conversations=await total(db.conversations),
        audit_entries=await total(db.audit),
        dialog_states=await total(db.bot_state),
        case_entries=await total(db.case_record),
        checkins=await total(db.checkins, "checkin"),
        checkins_sent=await total(db.checkins, "sent"),
        subject_marks=await total(db.subjects),
    )


async def run(sqlite_path: Path, env: dict[str, str]) -> int:
    if not await asyncio.to_thread(sqlite_path.is_file):
        sys.stderr.write(f"refused: no SQLite file at {sqlite_path}" + "\n")
        return 2
    try:
        cipher = FieldCipher(load_key_ring(env))
        settings = cosmos_settings(env)
    except (KeyConfigError, ValueError) as problem:
        sys.stderr.write(f"refused: {problem}" + "\n")
        return 2
    sqlite = await SqliteStores.open(sqlite_path, cipher)
    try:
        async with await CosmosStores.open(settings, cipher) as cosmos:
            copied, found = await migrate(sqlite, cosmos)
    except MigrationRefused as refused:
        sys.stderr.write(f"refused: {refused}" + "\n")
        return 2
    finally:
        await sqlite.close()
    sys.stdout.write("copied: " + " ".join(copied.lines()) + "\n")
    sys.stdout.write("in Cosmos DB: " + " ".join(found.lines()) + "\n")
    if copied != found:
        sys.stderr.write("the counts differ: check the lines above" + "\n")
        return 1
    sys.stdout.write("verified: every count matches" + "\n")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sqlite", type=Path, required=True, help="the SQLite file to copy")
    raise SystemExit(asyncio.run(run(parser.parse_args().sqlite, dict(os.environ))))
