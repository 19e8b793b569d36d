"""Check-ins in SQLite: one row per advocate and month, the answer sealed
(`storage.checkin_codec`), and one row per check-in sent. The notifications a change
queues go to the outbox in the same transaction (`sqlite_outbox.enqueue`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from referrals.checkins import Checkin
from referrals.notifications import Notification
from storage import checkin_codec, codec, sqlite_outbox
from storage.sqlite_database import SqliteDatabase, dumps


class SqliteCheckinStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def get(self, advocate_id: str, month: str) -> Checkin | None:
        row = await self._db.fetch_one(
            "SELECT document FROM checkins WHERE advocate_id = ? AND month = ?",
            (advocate_id, month),
        )
        return checkin_codec.open_checkin(json.loads(row[0]), self._db.cipher) if row else None

    async def latest(self) -> dict[str, Checkin]:
        rows = await self._db.fetch_all("SELECT document FROM checkins ORDER BY advocate_id, month")
        found: dict[str, Checkin] = {}
        for row in rows:  # later months overwrite earlier ones
            checkin = checkin_codec.open_checkin(json.loads(row[0]), self._db.cipher)
            found[checkin.advocate_id] = checkin
        return found

    async def record(self, checkin: Checkin, notifications: Sequence[Notification]) -> None:
        sealed = checkin_codec.seal_checkin(checkin, self._db.cipher)
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT INTO checkins (advocate_id, month, answered_at, document) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (advocate_id, month) DO UPDATE SET "
                "answered_at = excluded.answered_at, document = excluded.document",
                (
                    checkin.advocate_id,
                    checkin.month,
                    codec.sortable_time(checkin.answered_at),
                    dumps(sealed),
                ),
            )
            await sqlite_outbox.enqueue(connection, self._db.cipher, notifications)

    async def mark_sent(self, month: str, advocate_id: str, notification: Notification) -> bool:
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "INSERT INTO checkins_sent (month, advocate_id, sent_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (month, advocate_id, codec.sortable_time(notification.created_at)),
            )
            if cursor.rowcount != 1:
                return False
            await sqlite_outbox.enqueue(connection, self._db.cipher, [notification])
            return True

    async def sent_to(self, month: str) -> set[str]:
        rows = await self._db.fetch_all(
            "SELECT advocate_id FROM checkins_sent WHERE month = ?", (month,)
        )
        return {str(row[0]) for row in rows}
