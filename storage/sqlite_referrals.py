"""Referrals in SQLite: one sealed row per referral, its notifications in the outbox table.

A save is one transaction: the referral (its version checked in SQL, so the check holds
across processes, not just this process's lock), the change to the statistics it causes
(`storage.sqlite_statistics`), the notifications it queued (`storage.sqlite_outbox`) and
the case record entries it added (`storage.sqlite_case_record`) are written together or
not at all. The referrer is found by blind index
(`referrer_key`), one per key in the ring, so referrals written before a key rotation
are still found. Lists are sorted by the same key as the in-memory fake.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

import aiosqlite

from referrals import errors, statistics
from referrals.referral import Referral
from referrals.states import HELD_BY_ADVOCATE, OPEN_STATES, ReferralState
from referrals.statistics import MonthTallies
from storage import codec, sealing, sqlite_case_record, sqlite_outbox, sqlite_statistics
from storage.crypto import FieldCipher
from storage.sqlite_database import SqliteDatabase, dumps, marks

_REFERRAL_COLUMNS = (
    "id, version, state, referrer_key, reference, offered_to, advocate_id, "
    "created_at, updated_at, submitted_at, document"
)
_SUBMITTED_ORDER = "ORDER BY COALESCE(submitted_at, created_at), id"
# A new referral's row; `referral_row` gives its values (bench.scale bulk-loads with both).
INSERT_REFERRAL = (
    f"INSERT INTO referrals ({_REFERRAL_COLUMNS}) "  # noqa: S608
    f"VALUES ({marks(_REFERRAL_COLUMNS.split(','))})"
)


class SqliteReferralStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def save(self, referral: Referral) -> None:
        """The version check is in SQL, so it holds across processes, not just this lock."""
        stored = replace(referral, version=referral.version + 1, new_notifications=[])
        row = referral_row(stored, self._db.cipher)
        async with self._db.transaction() as connection:
            before = None  # the stored version, where it counts towards the statistics
            if referral.version == 0:
                try:
                    await connection.execute(INSERT_REFERRAL, row)
                except sqlite3.IntegrityError:  # the id's only constraint: saved by someone first
                    raise errors.ConcurrentUpdate(referral.id) from None
            else:
                if stored.submitted_at is not None:  # a draft counts for nothing, before or after
                    before = await self._counted(connection, referral.id, referral.version)
                cursor = await connection.execute(
                    "UPDATE referrals SET version = ?, state = ?, referrer_key = ?, "
                    "reference = ?, offered_to = ?, advocate_id = ?, created_at = ?, "
                    "updated_at = ?, submitted_at = ?, document = ? "
                    "WHERE id = ? AND version = ?",
                    (*row[1:], referral.id, referral.version),
                )
                if cursor.rowcount != 1:
                    raise errors.ConcurrentUpdate(referral.id)
            # Same transaction: the figures move with the referral or not at all.
            delta = statistics.change(before, stored)
            if delta:
                await sqlite_statistics.record_change(connection, self._db.cipher, delta)
            await sqlite_outbox.enqueue(connection, self._db.cipher, referral.new_notifications)
            await sqlite_case_record.write(connection, self._db.cipher, referral)
        referral.version, referral.new_notifications, referral.new_entries = stored.version, [], []

    async def _counted(
        self, connection: aiosqlite.Connection, referral_id: str, version: int
    ) -> Referral | None:
        """The stored version `version` of a sent referral, or None (a draft, or not that
        version: the update that follows then refuses it)."""
        rows = list(
            await connection.execute_fetchall(
                "SELECT document FROM referrals WHERE id = ? AND version = ? AND state != ?",
                (referral_id, version, ReferralState.DRAFT.value),
            )
        )
        if not rows:
            return None
        stored = sealing.open_referral(json.loads(rows[0][0]), self._db.cipher)
        return codec.referral_from_doc(stored)

    async def statistics(self, months: Collection[str]) -> MonthTallies:
        return await sqlite_statistics.read(self._db, months)

    async def recount_statistics(self) -> MonthTallies:
        return await sqlite_statistics.recount(self._db)

    async def get(self, referral_id: str) -> Referral:
        found = await self._one("WHERE id = ?", referral_id)
        if found is None:
            raise errors.ReferralNotFound(referral_id)
        return found

    async def find_by_reference(self, reference: str) -> Referral | None:
        return await self._one("WHERE reference = ? AND reference != ''", reference)

    async def find_draft(self, referrer_id: str) -> Referral | None:
        keys = sealing.indexes_of(referrer_id, sealing.REFERRER, self._db.cipher)
        return await self._one(
            # rowid breaks ties as the fake does: the first stored wins
            f"WHERE referrer_key IN ({marks(keys)}) AND state = ? ORDER BY updated_at DESC, rowid",
            *keys,
            ReferralState.DRAFT.value,
        )

    async def delete_draft(self, referral_id: str) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "DELETE FROM referrals WHERE id = ? AND state = ?",
                (referral_id, ReferralState.DRAFT.value),
            )

    async def list_in_states(self, states: Collection[ReferralState]) -> list[Referral]:
        chosen = [ReferralState(s).value for s in states]
        return await self._many(f"WHERE state IN ({marks(chosen)}) {_SUBMITTED_ORDER}", *chosen)

    async def list_for_referrer(self, referrer_id: str) -> list[Referral]:
        keys = sealing.indexes_of(referrer_id, sealing.REFERRER, self._db.cipher)
        return await self._many(
            f"WHERE referrer_key IN ({marks(keys)}) AND state != ? {_SUBMITTED_ORDER}",
            *keys,
            ReferralState.DRAFT.value,
        )

    async def list_for_advocate(self, advocate_id: str) -> list[Referral]:
        if not advocate_id:  # "" is every unallocated referral's offered_to
            return []
        open_states = sorted(s.value for s in OPEN_STATES)
        return await self._many(
            f"WHERE state IN ({marks(open_states)}) AND ? IN (advocate_id, offered_to) "
            f"{_SUBMITTED_ORDER}",
            *open_states,
            advocate_id,
        )

    async def list_ended_before(self, before: datetime) -> list[Referral]:
        ended = (ReferralState.CLOSED.value, ReferralState.WITHDRAWN.value)
        return await self._many(
            f"WHERE state IN (?, ?) AND updated_at < ? {_SUBMITTED_ORDER}",
            *ended,
            codec.sortable_time(before),
        )

    async def list_drafts_before(self, before: datetime) -> list[Referral]:
        return await self._many(
            f"WHERE state = ? AND updated_at < ? {_SUBMITTED_ORDER}",
            ReferralState.DRAFT.value,
            codec.sortable_time(before),
        )

    async def caseloads(self) -> dict[str, int]:
        held = sorted(s.value for s in HELD_BY_ADVOCATE)
        rows = await self._db.fetch_all(
            f"SELECT advocate_id, COUNT(*) FROM referrals WHERE state IN ({marks(held)}) "  # noqa: S608
            "AND advocate_id != '' GROUP BY advocate_id",
            held,
        )
        return {row[0]: row[1] for row in rows}

    async def next_reference_number(self, year: int) -> int:
        async with self._db.transaction() as connection:
            rows = await connection.execute_fetchall(
                "INSERT INTO counters (year, value) VALUES (?, 1) "
                "ON CONFLICT (year) DO UPDATE SET value = value + 1 RETURNING value",
                (year,),
            )
        return int(next(iter(rows))[0])

    async def _one(self, where: str, *parameters: object) -> Referral | None:
        found = await self._many(f"{where} LIMIT 1", *parameters)
        return found[0] if found else None

    async def _many(self, where: str, *parameters: object) -> list[Referral]:
        sql = f"SELECT document FROM referrals {where}"  # noqa: S608
        rows = await self._db.fetch_all(sql, parameters)
        return [
            codec.referral_from_doc(sealing.open_referral(json.loads(row[0]), self._db.cipher))
            for row in rows
        ]


def referral_row(referral: Referral, cipher: FieldCipher) -> tuple[object, ...]:
    """The row of `referral` as it is stored (sealed), in `INSERT_REFERRAL`'s order."""
    submitted = referral.submitted_at
    document = sealing.seal_referral(codec.referral_to_doc(referral), cipher)
    return (
        referral.id,
        referral.version,
        referral.state.value,
        document["referrer_key"],
        referral.reference,
        referral.offered_to,
        referral.advocate_id,
        codec.sortable_time(referral.created_at),
        codec.sortable_time(referral.updated_at),
        codec.sortable_time(submitted) if submitted else None,
        dumps(document),
    )
