"""Leases and replay answers in SQLite, for instances sharing one file. Each change is one
conditional statement inside a write transaction (`BEGIN IMMEDIATE`), so of two
instances exactly one wins a lease or a mark.

Replay rows are keyed by a blind index of the activity's key and hold the answer sealed
(`storage.sealing.seal_answer`); a claim first deletes every expired row, marks and
answers alike, so nothing is kept past its ten minutes however few turns follow."""

from __future__ import annotations

from datetime import datetime

from storage.codec import sortable_time
from storage.sealing import answer_key, open_answer, seal_answer
from storage.sqlite_database import SqliteDatabase


class SqliteLeaseStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def acquire(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "INSERT INTO leases (name, owner, until) VALUES (:name, :owner, :until) "
                "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until "
                "WHERE leases.owner = excluded.owner OR leases.until <= :now",
                {
                    "name": name,
                    "owner": owner,
                    "until": sortable_time(until),
                    "now": sortable_time(now),
                },
            )
            return cursor.rowcount == 1

    async def release(self, name: str, owner: str) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner)
            )


class SqliteAnswerStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def claim(self, key: str, owner: str, until: datetime, now: datetime) -> bool:
        async with self._db.transaction() as connection:
            await connection.execute(
                "DELETE FROM replay_answers WHERE expires_at <= ?", (sortable_time(now),)
            )
            cursor = await connection.execute(
                "INSERT INTO replay_answers (key, owner, expires_at, sealed) "
                "VALUES (:key, :owner, :until, NULL) "
                "ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at "
                "WHERE replay_answers.sealed IS NULL AND replay_answers.owner = excluded.owner",
                {
                    "key": answer_key(key, self._db.cipher),
                    "owner": owner,
                    "until": sortable_time(until),
                },
            )
            return cursor.rowcount == 1

    async def answer(self, key: str, now: datetime) -> tuple[int, bytes | None] | None:
        stored = answer_key(key, self._db.cipher)
        row = await self._db.fetch_one(
            "SELECT sealed FROM replay_answers "
            "WHERE key = ? AND sealed IS NOT NULL AND expires_at > ?",
            (stored, sortable_time(now)),
        )
        return open_answer(stored, row["sealed"], self._db.cipher) if row is not None else None

    async def keep(
        self, key: str, status: int, body: bytes | None, expires: datetime, now: datetime
    ) -> None:
        stored = answer_key(key, self._db.cipher)
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT INTO replay_answers (key, owner, expires_at, sealed) "
                "VALUES (:key, '', :expires, :sealed) "
                "ON CONFLICT (key) DO UPDATE SET owner = '', expires_at = excluded.expires_at, "
                "sealed = excluded.sealed",
                {
                    "key": stored,
                    "expires": sortable_time(expires),
                    "sealed": seal_answer(stored, status, body, self._db.cipher),
                },
            )

    async def release(self, key: str, owner: str) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "DELETE FROM replay_answers WHERE key = ? AND owner = ? AND sealed IS NULL",
                (answer_key(key, self._db.cipher), owner),
            )
