"""The outbox in SQLite: one sealed row per notification, in the `outbox` table.

A referral's change and the notifications it queued are one transaction: the referral
store's `save` calls `enqueue` inside its own, so both are stored or neither is (the
transactional outbox). Each row is sealed by `storage.sealing` and found by the blind
index of its recipient (`recipient_key`). Every delivery update (`mark_sent`,
`record_failure`, `park` …) reads, changes and rewrites one row in a transaction.

A claim (the lease an instance takes before sending, `Notification.claimed`) is one such
rewrite whose UPDATE is also conditional on the row being due and not leased to anyone
else, inside a write transaction (`BEGIN IMMEDIATE`): of two instances on one file exactly
one wins. The lease is kept in the document and in two columns `pending` filters on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from datetime import datetime

import aiosqlite

from referrals.notifications import DeliveryStatus, Notification, NotificationKind
from storage import codec, sealing
from storage.crypto import FieldCipher
from storage.outbox_changes import OutboxChanges
from storage.sqlite_database import SqliteDatabase, dumps, marks

# `pending`'s `leaving_out`: the blind indexes of the people left out, one JSON parameter.
NOT_LEFT_OUT = "recipient_key NOT IN (SELECT value FROM json_each(?))"


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

    async def pending(
        self,
        limit: int = 50,
        *,
        now: datetime | None = None,
        owner: str = "",
        leaving_out: AbstractSet[str] = frozenset(),
    ) -> list[Notification]:
        # Everyone's keys under every data key in use (a person's older rows may carry an
        # index made with an earlier key), as one JSON parameter.
        cipher = self._db.cipher
        left_out = json.dumps(
            [k for who in leaving_out for k in sealing.indexes_of(who, sealing.RECIPIENT, cipher)]
        )
        if now is None:
            return await self._many(
                f"WHERE status = ? AND {NOT_LEFT_OUT} ORDER BY created_at, id LIMIT ?",
                DeliveryStatus.PENDING.value,
                left_out,
                limit,
            )
        # Leaving out what another instance holds, and the same person's rows behind it
        # (notifications.free_to_deliver); `outbox_leases` holds only the leased rows.
        return await self._many(
            f"WHERE status = ? AND {NOT_LEFT_OUT} AND NOT EXISTS (SELECT 1 FROM outbox AS held "  # noqa: S608
            "WHERE held.recipient_key = outbox.recipient_key AND held.lease_until > ? "
            "AND held.claimed_by != ? AND held.status = ? "
            "AND (held.created_at, held.id) <= (outbox.created_at, outbox.id)) "
            "ORDER BY created_at, id LIMIT ?",
            DeliveryStatus.PENDING.value,
            left_out,
            codec.sortable_time(now),
            owner,
            DeliveryStatus.PENDING.value,
            limit,
        )

    async def claim(
        self, notification_id: str, owner: str, lease_until: datetime, now: datetime
    ) -> Notification | None:
        at = codec.sortable_time(now)
        async with self._db.transaction() as connection:
            found = await _read(connection, notification_id, self._db.cipher)
            claimed = found.claimed(owner, lease_until, now) if found else None
            if claimed is None:
                return None
            written = await _rewrite(
                connection,
                claimed,
                self._db.cipher,
                "AND status = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                "AND (lease_until IS NULL OR lease_until <= ? OR claimed_by = ?)",
                (DeliveryStatus.PENDING.value, at, at, owner),
            )
            return claimed if written else None

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
            found = await _read(connection, notification_id, self._db.cipher)
            if found is None:
                raise KeyError(notification_id)
            changed = change(found)
            if changed is None:
                return None
            await _rewrite(connection, changed, self._db.cipher, sent_at=sent_at)
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


async def _read(
    connection: aiosqlite.Connection, notification_id: str, cipher: FieldCipher
) -> Notification | None:
    rows = list(
        await connection.execute_fetchall(
            "SELECT document FROM outbox WHERE id = ?", (notification_id,)
        )
    )
    return _notification_from_row(rows[0][0], cipher) if rows else None


async def _rewrite(
    connection: aiosqlite.Connection,
    changed: Notification,
    cipher: FieldCipher,
    condition: str = "",
    parameters: tuple[object, ...] = (),
    sent_at: datetime | None = None,
) -> bool:
    """Write `changed` over its row, if the row also meets `condition` (constant SQL with
    `parameters`); whether it was written."""
    cursor = await connection.execute(
        "UPDATE outbox SET status = ?, sent_at = COALESCE(?, sent_at), next_attempt_at = ?, "  # noqa: S608 - constant
        f"claimed_by = ?, lease_until = ?, document = ? WHERE id = ? {condition}",
        (
            changed.status.value,
            codec.sortable_time(sent_at) if sent_at else None,
            _time_or_none(changed.next_attempt_at),
            changed.claimed_by,
            _time_or_none(changed.lease_until),
            dumps(sealing.seal_notification(codec.notification_to_doc(changed), cipher)),
            changed.id,
            *parameters,
        ),
    )
    return cursor.rowcount == 1


def _time_or_none(at: datetime | None) -> str | None:
    return codec.sortable_time(at) if at else None


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
