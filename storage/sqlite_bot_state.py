"""botbuilder `Storage` for conversation and user state, in the referral database.

State lives in the `bot_state` table of the SQLite file the stores use, flattened and
sealed by `storage.bot_state_codec` exactly as `storage.cosmos_bot_state` keeps it in
Cosmos DB. The key (channel and conversation id), e-tag and write time stay in clear for
look-up and purge.

E-tags follow botbuilder's contract (see the codec); a `write` is one transaction, so if
one e-tag conflicts nothing is written.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import aiosqlite
from botbuilder.core import Storage

from referrals.clock import SystemClock
from referrals.ports import Clock
from storage import codec
from storage.bot_state_codec import StateConflict, etag_of, open_state, seal_state
from storage.sqlite import SqliteStores
from storage.sqlite_database import SqliteDatabase, marks

_log = logging.getLogger(__name__)


def _counting(
    connection: aiosqlite.Connection,
) -> Callable[[str, tuple[object, ...]], Awaitable[int]]:
    """A statement in an open transaction, answering the rows it changed."""

    async def execute(sql: str, parameters: tuple[object, ...]) -> int:
        cursor = await connection.execute(sql, parameters)
        return int(cursor.rowcount)

    return execute


class SqliteBotStateStorage(Storage):  # type: ignore[misc]  # botbuilder is untyped
    """Bot state in the `bot_state` table of the database the stores use."""

    def __init__(self, database: SqliteDatabase | SqliteStores, clock: Clock | None = None) -> None:
        super().__init__()
        self._db = database.database if isinstance(database, SqliteStores) else database
        self._clock: Clock = clock or SystemClock()

    async def read(self, keys: list[str]) -> dict[str, object]:
        """The stored values for the keys that exist; missing keys are left out."""
        if not keys:
            return {}
        rows = await self._db.fetch_all(
            f"SELECT key, etag, document FROM bot_state WHERE key IN ({marks(keys)})",  # noqa: S608
            list(keys),
        )
        return {
            key: open_state(key, document, etag, self._db.cipher) for key, etag, document in rows
        }

    async def write(self, changes: dict[str, object]) -> None:
        """All changes in one transaction: if one e-tag conflicts, nothing is written."""
        if not changes:
            return
        now = codec.sortable_time(self._clock.now())
        # Flatten and encrypt before taking the database lock: only SQL runs while it is held.
        rows = [
            (key, etag_of(value), seal_state(key, value, self._db.cipher))
            for key, value in changes.items()
        ]
        if len(rows) == 1:  # a turn's one state object: one statement, its own transaction
            await self._write_one(self._db.execute_alone, *rows[0], now)
            return
        async with self._db.transaction() as connection:
            for key, expected, document in rows:
                await self._write_one(_counting(connection), key, expected, document, now)

    @staticmethod
    async def _write_one(
        execute: Callable[[str, tuple[object, ...]], Awaitable[int]],
        key: str,
        expected: str | None,
        document: str,
        now: str,
    ) -> None:
        """Insert or replace (no e-tag, or "*"), else replace only the version read."""
        etag = uuid.uuid4().hex
        if expected is None or expected == "*":
            await execute(
                "INSERT INTO bot_state (key, etag, document, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "etag = excluded.etag, document = excluded.document, "
                "updated_at = excluded.updated_at",
                (key, etag, document, now),
            )
            return
        changed = await execute(
            "UPDATE bot_state SET etag = ?, document = ?, updated_at = ? "
            "WHERE key = ? AND etag = ?",
            (etag, document, now, key, expected),
        )
        if changed != 1:
            _log.info("bot state write refused: e-tag conflict")
            raise StateConflict(key)

    async def delete(self, keys: list[str]) -> None:
        """Missing keys are ignored."""
        if not keys:
            return
        async with self._db.transaction() as connection:
            await connection.execute(
                f"DELETE FROM bot_state WHERE key IN ({marks(keys)})",  # noqa: S608
                list(keys),
            )

    async def purge_older_than(self, cutoff: datetime) -> int:
        """Delete state last written before `cutoff`; returns how many items went."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "DELETE FROM bot_state WHERE updated_at < ?", (codec.sortable_time(cutoff),)
            )
            purged = int(cursor.rowcount)
        _log.info("purged %s bot state items", purged)
        return purged
