"""The case record in SQLite: one sealed row per entry (table `case_entries`, schema 7).

`write` runs inside the referral's save transaction (`storage.sqlite_referrals`), so an
entry is stored with the change that adds it or not at all, and an erased referral's
entries go in the same transaction that erases it.
"""

from __future__ import annotations

import json

import aiosqlite

from referrals.case_record import CaseEntry
from referrals.referral import Referral
from storage import codec
from storage.crypto import FieldCipher
from storage.entry_codec import open_entry, seal_entry
from storage.sqlite_database import SqliteDatabase, dumps


async def write(connection: aiosqlite.Connection, cipher: FieldCipher, referral: Referral) -> None:
    if referral.is_erased:
        await connection.execute("DELETE FROM case_entries WHERE referral_id = ?", (referral.id,))
        return
    for entry in referral.new_entries:
        await connection.execute(
            "INSERT INTO case_entries (id, referral_id, recorded_at, document) VALUES (?, ?, ?, ?)",
            (
                entry.id,
                entry.referral_id,
                codec.sortable_time(entry.recorded_at),
                dumps(seal_entry(entry, cipher)),
            ),
        )


class SqliteCaseRecordStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def entries(self, referral: Referral) -> list[CaseEntry]:
        if referral.is_erased:
            return []
        rows = await self._db.fetch_all(
            "SELECT document FROM case_entries WHERE referral_id = ? ORDER BY recorded_at, rowid",
            (referral.id,),
        )
        return [open_entry(json.loads(row[0]), self._db.cipher) for row in rows]
