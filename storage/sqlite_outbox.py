"""The outbox in SQLite: one sealed row per notification, in the `outbox` table.

A referral's change and the notifications it queued are one transaction: the referral
store's `save` calls `enqueue` inside its own, so both are stored or neither is (the
transactional outbox). Each row is sealed by `storage.sealing` and found by the blind
index of its recipient (`recipient_key`). Every delivery update (`mark_sent`,
`record_failure`, `park` …) reads, changes and rewrites one row in a transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime

import aiosqlite

from referrals.notifications import DeliveryStatus, Notification, NotificationKind
from storage import codec, sealing
from storage.crypto import FieldCipher
from storage.outbox_changes import OutboxChanges
from storage.sqlite_database import SqliteDatabase, dumps, marks


async def enqueue(
    connection: aiosqlite.Connection, cipher: FieldCipher, notifications: Iterable[Notification]
) -> None:
    """Add new notifications; call inside the transaction that saves their referral."""
    await connection.executemany(
        "INSERT INTO outbox (id, referral_id, recipient_key, kind, status, "
        "created_at, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [_notification_row(n, cipher) for n in notifications],
    )


class SqliteOutboxStore(OutboxChanges):
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def pending(self, limit: int = 50) -> list[Notification]:
        return await self._many(
            "WHERE status = ? ORDER BY created_at, id LIMIT ?", DeliveryStatus.PENDING.value, limit
        )

    async def mark_sent(
        self, notification_id: str, conversation_id: str, activity_id: str, at: datetime
    ) -> None:
        """Raises `KeyError` for an unknown notification, as the in-memory fake does."""
        await self._change(notification_id, lambda n: n.sent(conversation_id, activity_id), at)

    async def parked(self, limit: int = 50) -> list[Notification]:
        return await self._many(
            "WHERE status = ? ORDER BY created_at, id LIMIT ?", DeliveryStatus.PARKED.value, limit
        )

    async def _change(
        self,
        notification_id: str,
        change: Callable[[Notification], Notification | None],
        sent_at: datetime | None = None,
    ) -> Notification | None:
        """Read, change and rewrite one row in a transaction; `change` returning None
        leaves it alone. Raises `KeyError` for an unknown notification."""
        async with self._db.transaction() as connection:
            rows = list(
                await connection.execute_fetchall(
                    "SELECT document FROM outbox WHERE id = ?", (notification_id,)
                )
            )
            if not rows:
                raise KeyError(notification_id)
            changed = change(_notification_from_row(rows[0][0], self._db.cipher))
            if changed is None:
                return None
            due = changed.next_attempt_at
            await connection.execute(
                "UPDATE outbox SET status = ?, sent_at = COALESCE(?, sent_at), "
                "next_attempt_at = ?, document = ? WHERE id = ?",
                (
                    changed.status.value,
                    codec.sortable_time(sent_at) if sent_at else None,
                    codec.sortable_time(due) if due else None,
                    dumps(
                        sealing.seal_notification(
                            codec.notification_to_doc(changed), self._db.cipher
                        )
                    ),
                    notification_id,
                ),
            )
            return changed

    async def find_sent(
        self, referral_id: str, recipient_id: str, kind: NotificationKind
    ) -> Notification | None:
        keys = sealing.indexes_of(recipient_id, sealing.RECIPIENT, self._db.cipher)
        found = await self._many(
            f"WHERE referral_id = ? AND recipient_key IN ({marks(keys)}) AND kind = ? "
            "AND status = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            referral_id,
            *keys,
            NotificationKind(kind).value,
            DeliveryStatus.SENT.value,
        )
        return found[0] if found else None

    async def _many(self, where: str, *parameters: object) -> list[Notification]:
        sql = f"SELECT document FROM outbox {where}"  # noqa: S608
        rows = await self._db.fetch_all(sql, parameters)
        return [_notification_from_row(row[0], self._db.cipher) for row in rows]


def _notification_row(n: Notification, cipher: FieldCipher) -> tuple[object, ...]:
    document = sealing.seal_notification(codec.notification_to_doc(n), cipher)
    return (
        n.id,
        n.referral_id,
        document["recipient_key"],
        n.kind.value,
        n.status.value,
        codec.sortable_time(n.created_at),
        dumps(document),
    )


def _notification_from_row(document: str, cipher: FieldCipher) -> Notification:
    return codec.notification_from_doc(sealing.open_notification(json.loads(document), cipher))
