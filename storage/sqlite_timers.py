"""Timers in SQLite: one row each. A claim is one conditional UPDATE inside a write
transaction (`BEGIN IMMEDIATE`), so of two instances on one file exactly one wins."""

from __future__ import annotations

from datetime import datetime

from referrals.timers import Timer
from storage.codec import sortable_time
from storage.sqlite_database import SqliteDatabase
from storage.timer_docs import timer_from_doc, timer_to_doc

COLUMNS = "id, kind, subject_id, due_at, stage, holder, claimed_by, lease_until, fired_at"
_DUE = "fired_at IS NULL AND due_at <= :now AND (lease_until IS NULL OR lease_until <= :now)"


class SqliteTimerStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def schedule(self, timer: Timer) -> None:
        await self._db.execute_alone(  # one statement: its own transaction
            f"INSERT INTO timers ({COLUMNS}) VALUES (:id, :kind, :subject_id, :due_at, "  # noqa: S608 - constant
            ":stage, :holder, :claimed_by, :lease_until, :fired_at) "
            "ON CONFLICT (id) DO NOTHING",
            timer_to_doc(timer),
        )

    async def cancel(self, timer_id: str) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "DELETE FROM timers WHERE id = ? AND fired_at IS NULL", (timer_id,)
            )

    async def due(self, now: datetime, limit: int = 100) -> list[Timer]:
        rows = await self._db.fetch_all(
            f"SELECT {COLUMNS} FROM timers WHERE {_DUE} ORDER BY due_at, id LIMIT :limit",  # noqa: S608 - constant
            {"now": sortable_time(now), "limit": limit},
        )
        return [timer_from_doc(dict(row)) for row in rows]

    async def claim(self, timer_id: str, owner: str, lease_until: datetime, now: datetime) -> bool:
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                f"UPDATE timers SET claimed_by = :owner, lease_until = :lease "  # noqa: S608 - constant
                f"WHERE id = :id AND {_DUE}",
                {
                    "owner": owner,
                    "lease": sortable_time(lease_until),
                    "id": timer_id,
                    "now": sortable_time(now),
                },
            )
            return cursor.rowcount == 1

    async def mark_fired(self, timer_id: str, owner: str, at: datetime) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE timers SET fired_at = ?, claimed_by = ? WHERE id = ?",
                (sortable_time(at), owner, timer_id),
            )

    async def get(self, timer_id: str) -> Timer | None:
        row = await self._db.fetch_one(
            f"SELECT {COLUMNS} FROM timers WHERE id = ?",  # noqa: S608 - constant
            (timer_id,),
        )
        return timer_from_doc(dict(row)) if row is not None else None

    async def forget(self, subject_id: str) -> None:
        async with self._db.transaction() as connection:
            await connection.execute("DELETE FROM timers WHERE subject_id = ?", (subject_id,))
